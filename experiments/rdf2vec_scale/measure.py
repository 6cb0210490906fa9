"""One RDF2Vec embedding measurement of the rdf2vec_scale study, in a fresh process: a graph embedded by one
engine, with its wall and CPU seconds and peak memory (its own and its children's, e.g. pyrdf2vec's walker pool).
`measure(spec, timeout)` runs this file as `python measure.py '<spec as JSON>'`; run.py and embedding.py call it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prodcat.studies import ROOT, descendants

DATA = ROOT.parent / "shared" / "datasets"
SYNTHETIC = {"synthetic_100k": 100_000, "synthetic_1m": 1_000_000}
GRAPHS = ["google_taxonomy", "amazon_toys", *SYNTHETIC]
# The scaling curve (embedding.py) adds sizes; run.py's engine comparison keeps its four graphs.
SCALING = {"synthetic_10k": 10_000, **SYNTHETIC, "synthetic_3m": 3_000_000, "synthetic_5m": 5_000_000,
           "synthetic_10m": 10_000_000}


def load_graph(name: str):
    """(rdflib graph or SyntheticKG, seconds to build it)."""
    t = time.perf_counter()
    if name == "google_taxonomy":
        from prodcat.graph.kg import build_graph
        from prodcat.graph.taxonomy_files import read_google_taxonomy

        g = build_graph(read_google_taxonomy(DATA / "google_taxonomy" / "taxonomy-with-ids.en-US.txt"), [])
    elif name == "amazon_toys":
        from prodcat.data.amazon import read_amazon_toys
        from prodcat.graph.kg import build_graph
        from prodcat.graph.taxonomy import Taxonomy

        cat = read_amazon_toys(DATA)  # the same split as data=amazon_toys (val 0.1, test 0.1, seed 0)
        g = build_graph(Taxonomy.from_paths([p.path for p in cat.train], source="amazon_toys:train"), cat.train)
    else:
        from prodcat.graph.synthetic_kg import product_graph

        g = product_graph(SCALING[name], seed=0)
    return g, time.perf_counter() - t


def child(spec: dict) -> dict:
    """Embed one graph with one engine; the dict printed as the last stdout line."""
    import numpy as np

    from prodcat.graph import walks
    from prodcat.graph.kg import BRAND_CLASS, graph_entities
    from prodcat.graph.rdf2vec import embed_entities, resolve_settings

    graph, build_s = load_graph(spec["graph"])
    # spec["settings"] (embedding.py): the other settings of a named variant, e.g. fewer walks and epochs
    settings = {"engine": spec["engine"], "workers": spec["workers"], **spec.get("settings", {})}
    if spec["engine"] == "pyrdf2vec":
        settings["walker_kwargs"] = {"n_jobs": spec["n_jobs"]}
    if spec.get("measure_epochs"):  # train only this many epochs; the record scales train_s to all of them
        settings["epochs"] = spec["measure_epochs"]
    out = {"graph_build_s": build_s}
    synthetic = spec["graph"] in SCALING
    if synthetic:
        kg = graph
        ids = np.unique(kg.triples[:, 0])  # every node with an out-edge: categories, brands, products
        if spec["entities"] == "categories+brands":
            ids = ids[ids < kg.n_categories + kg.n_brands]
        ents = kg.names[ids]
        out["n_triples"] = len(kg.triples)
    else:
        ents = np.asarray(graph_entities(graph), dtype=object)
        out["n_triples"] = len(graph)
        out["n_brands"] = sum(1 for _ in graph.subjects(predicate=None, object=BRAND_CLASS))
    out["n_entities"] = len(ents)
    if spec["sample"] and spec["sample"] < len(ents):
        ents = np.sort(np.random.default_rng(0).choice(ents, spec["sample"], replace=False))
    out["n_walked"] = len(ents)
    timings: dict = {}
    cpu0 = _cpu_s()
    t = time.perf_counter()
    if spec["path"] == "int_triples":  # the fast engine straight from the generator's int arrays
        wg = kg.walk_graph()
        timings["kg_load_s"] = time.perf_counter() - t
        vectors = walks.embed(wg, wg.ids(ents), resolve_settings(settings), 0, timings)  # (E, d), rows = ents
        timings["total_s"] = time.perf_counter() - t
    else:
        if synthetic:
            graph = kg.to_rdflib()
            out["rdflib_build_s"] = time.perf_counter() - t
        with tempfile.TemporaryDirectory(prefix="rdf2vec-scale-") as cache:
            vectors = embed_entities(graph, list(ents), settings, cache, seed=0, timings=timings)
    # CPU seconds of the whole process (all Word2Vec threads): unlike wall time, other users' jobs on the
    # shared machine barely change it, so it is the number to compare between runs made on different days.
    out["cpu_s"] = _cpu_s() - cpu0
    out["timings"] = timings
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB; before the check
    if spec.get("intrinsic"):
        if not isinstance(vectors, dict):
            vectors = dict(zip(ents.tolist(), vectors, strict=True))
        out["intrinsic"] = intrinsic(spec["graph"], kg if synthetic else graph, vectors)
    return out


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def intrinsic(name: str, graph, vectors: dict) -> dict:
    """prodcat.graph.intrinsic's sibling@5 on the category tree of `graph` (SyntheticKG or rdflib), and, where
    the graph has brands, sells-in@5 (keys prefixed `brand_`)."""
    import numpy as np
    from rdflib import RDF, SKOS

    from prodcat.graph.intrinsic import sells_in_at_k, sells_in_map, sibling_at_k, skos_parents
    from prodcat.graph.kg import SELLS_IN
    from prodcat.graph.synthetic_kg import IN_CATEGORY, PREDICATES

    if name in SCALING:
        def edges(predicate) -> list[tuple[str, str]]:
            t = graph.triples[graph.triples[:, 1] == PREDICATES.index(str(predicate))]  # (subject, p, object)
            return list(zip(graph.names[t[:, 0]].tolist(), graph.names[t[:, 2]].tolist(), strict=True))

        parent = dict(edges(SKOS.broader))
        sells_in: dict[str, set[str]] = {}
        for brand, leaf in edges(SELLS_IN):
            sells_in.setdefault(brand, set()).add(leaf)
        categories = graph.names[: graph.n_categories].tolist()
        # products (issue 23, sources inferred): is a product's own category among its 5 nearest? 20,000 of
        # them, seeded, keep the check to seconds at 10^6 products
        in_cat = graph.triples[graph.triples[:, 1] == PREDICATES.index(str(IN_CATEGORY))]
        pick = np.random.default_rng(0).choice(len(in_cat), min(20_000, len(in_cat)), replace=False)
        product_category = {graph.names[p]: {graph.names[c]} for p, c in in_cat[pick][:, [0, 2]].tolist()}
    else:
        parent, sells_in, product_category = skos_parents(graph), sells_in_map(graph), {}
        categories = [str(c) for c in graph.subjects(RDF.type, SKOS.Concept)]
    out = sibling_at_k(vectors, parent, k=5)
    if sells_in:
        out.update({f"brand_{k}": v for k, v in sells_in_at_k(vectors, sells_in, categories, k=5).items()})
    if name in SCALING and any(p in vectors for p in product_category):  # products walked
        out.update({f"product_{k}": v
                    for k, v in sells_in_at_k(vectors, product_category, categories, k=5).items()})
    return out


def tree_pss_mb(root: int) -> float:
    """Summed PSS (shared pages split between their sharers) of `root` and its descendants, in MB."""
    kb = 0
    for pid in descendants(root):
        try:
            kb += next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return kb / 1024


def measure(spec: dict, timeout: float) -> dict:
    """Run `child(spec)` in a fresh process. Peak memory: the child's own high-water RSS (exact for the
    fast engine, one process), or the peak of the whole process tree's PSS sampled every 0.25 s when
    larger (pyrdf2vec's walker pool holds its own copy of the KG)."""
    cmd = [sys.executable, __file__, json.dumps(spec)]
    load_before = os.getloadavg()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    tree_peak = 0.0
    while proc.poll() is None and time.perf_counter() - t < timeout:
        tree_peak = max(tree_peak, tree_pss_mb(proc.pid))
        time.sleep(0.25)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its walker pool, nothing else
        proc.communicate()
        return {"timed_out": True, "wall_s": time.perf_counter() - t, "load_avg": load_before,
                "tree_pss_peak_mb": tree_peak}
    stdout, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"child {spec} failed with exit code {proc.returncode}")
    res = json.loads(stdout.strip().splitlines()[-1])
    res.update(wall_s=time.perf_counter() - t, load_avg=[round(x, 2) for x in load_before],
               tree_pss_peak_mb=tree_peak, peak_mb=max(res["maxrss_mb"], tree_peak))
    return res


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.argv[1]))), flush=True)
