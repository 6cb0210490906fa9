"""RDF2Vec entity vectors (random walks + gensim Word2Vec), cached as a prepared artifact.

`embed_entities(graph, entities, settings, cache_root, seed)` extracts walks from every entity, trains
Word2Vec on them and returns one vector per entity. Two engines, `settings["engine"]`:
- `pyrdf2vec` (the default, the reference): writes the graph to Turtle, loads it into a pyrdf2vec `KG`
  and runs any pyrdf2vec walker (`walker`: random, wl, walklet, ...). About 160 entities/s on 2 cores:
  right for taxonomies of a few thousand nodes.
- `fast` (`prodcat.graph.walks`): the random walker only, with pyrdf2vec's walk semantics, drawn in bulk
  with NumPy over a CSR adjacency; for graphs with 10^4-10^6 entities (see experiments/rdf2vec_scale).
The artifact `<cache_root>/rdf2vec/<key>/` holds `vectors.npy` (E, d) float32, `entities.json` (the E
entity URIs, sorted, row i <-> vectors[i]) and, for the pyrdf2vec engine, `graph.ttl` (its input; open it
to see what was embedded). The key hashes the graph's triples, the entities, the settings (engine
included), the seed and the versions of the libraries the engine uses.

Pitfalls handled here (see ../shared/docs/DEPENDENCIES.md):
- The reference engine's own pitfalls (hashed vertices, set order, global RNG patches) are handled in
  `prodcat.graph.pyrdf2vec_engine`. Word2Vec runs with `seed`, a hash function that is not Python's `hash`,
  and `workers: 1` (the default; more workers train faster but the vectors then vary from run to run).
- Walks follow only structural edges: `skip_predicates` drops rdf:type/inScheme (hubs every node shares,
  which pull all vectors together), top-concept links and labels (literal "Cases" would join unrelated
  categories of the same name). They stay in the graph file for people and SPARQL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import rdflib
from rdflib import RDF, RDFS, SKOS

from prodcat.cache import load_or_build
from prodcat.graph.kg import write_turtle
from prodcat.graph.pyrdf2vec_engine import WALKERS, train_pyrdf2vec
from prodcat.graph.walks import WalkGraph
from prodcat.graph.walks import embed as fast_embed

log = logging.getLogger(__name__)

FORMAT_VERSION = 1  # bump when the artifact layout or the walk post-processing changes

ENGINES = ("pyrdf2vec", "fast")
SOURCES = ("joint", "inferred")
TRAINERS = ("gensim", "counts")
LARGE_FOR_PYRDF2VEC = 20_000  # entities: above this the reference engine takes minutes to hours

DEFAULT_SETTINGS: dict = {
    "engine": "pyrdf2vec",  # or "fast" (prodcat.graph.walks: random walker only)
    "walker": "random",
    "max_depth": 4,
    "max_walks": 20,
    "walker_kwargs": {},  # extra kwargs of the chosen walker, e.g. {"wl_iterations": 4}, {"n_jobs": 2}
    "vector_size": 64,
    "window": 5,
    "epochs": 10,
    "sg": 1,
    "negative": 5,
    "workers": 1,  # Word2Vec threads; 1 = bit-reproducible vectors
    # joint: one Word2Vec over every entity's walks; inferred (fast engine, skip-gram): Word2Vec over the
    # entities something points to, the others (sources) inferred against them (prodcat.graph.sources)
    "sources": "joint",
    # gensim: Word2Vec over the walks; counts (fast engine, skip-gram, joint): the same loss over the walks'
    # distinct co-occurring pairs, each weighted by its count (prodcat.graph.count_sgns), for 10^6 triples
    "trainer": "gensim",
    "skip_predicates": sorted(
        str(p)
        for p in (RDF.type, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept, SKOS.prefLabel, RDFS.label)
    ),
}

def graph_hash(graph: rdflib.Graph) -> str:
    """sha256 of the sorted N-Triples lines: equal for equal triple sets, whatever the insertion order.
    (Blank nodes get fresh labels on every parse and would break this; our graphs have none.)"""
    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def resolve_settings(settings: dict | None) -> dict:
    """DEFAULT_SETTINGS overlaid with `settings`; unknown keys are an error (a typo must not be ignored)."""
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown rdf2vec settings {unknown}; known: {sorted(DEFAULT_SETTINGS)}")
    out = {**DEFAULT_SETTINGS, **settings}
    if out["engine"] not in ENGINES:
        raise ValueError(f"unknown rdf2vec engine {out['engine']!r}; choose one of {list(ENGINES)}")
    if out["walker"] not in WALKERS:
        raise ValueError(f"unknown walker {out['walker']!r}; choose one of {sorted(WALKERS)}")
    out["walker_kwargs"] = dict(out["walker_kwargs"] or {})
    if out["engine"] == "fast":
        if out["walker"] != "random":
            raise ValueError(f"the fast engine has the random walker only; walker {out['walker']!r} runs "
                             "with engine: pyrdf2vec")
        if out["walker_kwargs"]:
            raise ValueError(f"walker_kwargs {sorted(out['walker_kwargs'])} configure pyrdf2vec walkers; the "
                             "fast engine takes none (engine: pyrdf2vec to use them)")
        if not isinstance(out["max_walks"], int) or out["max_walks"] < 1:
            raise ValueError(f"the fast engine needs max_walks >= 1, got {out['max_walks']!r}")
    if out["sources"] not in SOURCES:
        raise ValueError(f"unknown sources {out['sources']!r}; choose one of {list(SOURCES)}")
    if out["sources"] == "inferred" and (out["engine"] != "fast" or int(out["sg"]) != 1):
        raise ValueError("sources: inferred needs engine: fast and sg: 1 (skip-gram); got engine "
                         f"{out['engine']!r}, sg {out['sg']!r}")
    if out["trainer"] not in TRAINERS:
        raise ValueError(f"unknown trainer {out['trainer']!r}; choose one of {list(TRAINERS)}")
    if out["trainer"] == "counts" and (out["engine"] != "fast" or int(out["sg"]) != 1 or out["sources"] != "joint"):
        raise ValueError("trainer: counts needs engine: fast, sg: 1 (skip-gram) and sources: joint; got engine "
                         f"{out['engine']!r}, sg {out['sg']!r}, sources {out['sources']!r}")
    if int(out["workers"]) < 1:
        raise ValueError(f"workers must be >= 1, got {out['workers']!r}")
    out["skip_predicates"] = sorted(str(p) for p in out["skip_predicates"])
    return out


def _train_fast(graph: rdflib.Graph, entities: list[str], s: dict, seed: int, timings: dict) -> np.ndarray:
    """The fast engine on an rdflib graph: CSR adjacency, bulk walks, Word2Vec; (E, d) float32."""
    t0 = time.perf_counter()
    wg = WalkGraph.from_rdflib(graph, s["skip_predicates"])
    timings["kg_load_s"] = time.perf_counter() - t0
    try:
        ids = wg.ids(entities)
    except KeyError as e:
        raise ValueError(f"entities have no walkable triple (not in the graph, or only skipped predicates): "
                         f"{e.args[0]}") from None
    log.info("rdf2vec[fast]: CSR graph of %d nodes, %d edges, %d predicates in %.2fs",
             wg.n_nodes, wg.n_edges, len(wg.predicates), timings["kg_load_s"])
    return fast_embed(wg, ids, s, seed, timings)


def embed_entities(
    graph: rdflib.Graph,
    entities: Sequence[str],
    settings: dict | None,
    cache_root: str | Path,
    seed: int = 0,
    timings: dict | None = None,
) -> dict[str, np.ndarray]:
    """One (d,) float32 vector per entity URI of `graph`, from the cache when the inputs match.
    A cache hit does not even import pyrdf2vec (its import patches numpy and asyncio globally).
    `timings`, when given, receives the seconds of each step (hash_s; on a build kg_load_s, walks_s,
    n_walks, word2vec_s) and total_s."""
    start = time.perf_counter()
    timings = {} if timings is None else timings
    s = resolve_settings(settings)
    ents = sorted({str(e) for e in entities})
    if not ents:
        raise ValueError("no entities to embed")
    if s["engine"] == "pyrdf2vec":
        libs = ("pyrdf2vec", "gensim")
    else:
        libs = ("numpy", "scipy", "torch") if s["trainer"] == "counts" else ("numpy", "gensim")
    inputs = {
        "format": FORMAT_VERSION,
        "graph_sha256": graph_hash(graph),
        "n_triples": len(graph),
        "entities_sha256": hashlib.sha256("\n".join(ents).encode("utf-8")).hexdigest(),
        "n_entities": len(ents),
        "settings": s,
        "seed": seed,
        "versions": {lib: version(lib) for lib in libs},
    }
    timings["hash_s"] = time.perf_counter() - start

    def build(tmp: Path) -> None:
        if s["engine"] == "fast":
            vectors = _train_fast(graph, ents, s, seed, timings)  # (E, d)
        else:
            if len(ents) > LARGE_FOR_PYRDF2VEC:
                log.warning("rdf2vec: %d entities with the pyrdf2vec engine: at ~160 entities/s on 2 cores that "
                            "is about %.0f min of walks; graph.settings.engine=fast takes seconds",
                            len(ents), len(ents) / 160 / 60)
            t = time.perf_counter()
            ttl = write_turtle(graph, tmp / "graph.ttl")
            timings["write_ttl_s"] = time.perf_counter() - t
            vectors = train_pyrdf2vec(ttl, ents, s, seed, timings)  # (E, d)
        np.save(tmp / "vectors.npy", vectors)
        (tmp / "entities.json").write_text(json.dumps(ents, ensure_ascii=False, indent=0))

    folder = load_or_build(cache_root, "rdf2vec", inputs, build)
    stored = json.loads((folder / "entities.json").read_text())
    vectors = np.load(folder / "vectors.npy", allow_pickle=False)  # (E, d)
    if stored != ents or vectors.shape[0] != len(ents):
        raise ValueError(f"rdf2vec cache {folder} does not match its entities: delete it and rerun")
    row = {e: i for i, e in enumerate(stored)}
    out = {str(e): vectors[row[str(e)]] for e in entities}
    timings["total_s"] = time.perf_counter() - start
    return out
