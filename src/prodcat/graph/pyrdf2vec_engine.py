"""The reference RDF2Vec engine (`graph.settings.engine=pyrdf2vec`): pyrdf2vec walks over a Turtle file,
then its Word2Vec embedder; `prodcat.graph.rdf2vec.embed_entities` calls it and caches the vectors.

Pitfalls handled here (see ../shared/docs/DEPENDENCIES.md):
- `md5_bytes=None`: pyrdf2vec's default hashes vertices that are not first in a walk, so an entity met
  mid-walk gets no vector. `with_reverse=False` by default: reverse walks multiply walks by max_walks;
  the graph has broader AND narrower triples, so forward walks already go up and down the tree.
- Reproducibility independent of PYTHONHASHSEED: pyrdf2vec keeps neighbours and walks in sets (order
  follows string hashes), so hops are sorted (`SortedKG`) and each entity's walks are sorted before
  training.
- Importing pyrdf2vec replaces `np.random.permutation` process-wide with a non-random stand-in (in
  walkers/community.py) and walkers call `random.seed`: both are undone here so nothing else is hit.
pyrdf2vec is imported on first use only: a cache hit never imports it.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from pathlib import Path

import numpy as np

from prodcat.graph.walks import stable_hash

log = logging.getLogger(__name__)

# Settings name -> pyrdf2vec.walkers class.
WALKERS = {
    "random": "RandomWalker",
    "wl": "WLWalker",
    "walklet": "WalkletWalker",
    "anonymous": "AnonymousWalker",
    "halk": "HALKWalker",
    "ngram": "NGramWalker",
    "community": "CommunityWalker",
    "split": "SplitWalker",
}


def import_pyrdf2vec():
    """Import pyrdf2vec and undo its process-wide `np.random.permutation` replacement."""
    try:
        import pyrdf2vec.walkers as walkers
        from pyrdf2vec.embedders import Word2Vec
        from pyrdf2vec.graphs import KG, Vertex
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("pyrdf2vec"):
            raise
        # Its metadata pins torch<2 and other stale versions, so `pip install -e .` cannot list it
        raise ModuleNotFoundError(
            "graph.settings.engine=pyrdf2vec needs pyrdf2vec, which is installed apart from the package: "
            "`pip install --no-deps pyrdf2vec==0.2.3` (what `make install` does), or use "
            "graph.settings.engine=fast, which does not need it", name=e.name) from e

    np.random.permutation = np.random.mtrand.permutation
    return walkers, Word2Vec, KG, Vertex


@contextlib.contextmanager
def _seeded_globals(seed: int):
    """Seed `random` and `np.random` for the walkers that use them, then put the caller's state back."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


_SORTED_KG = None  # made on first use: subclassing KG needs pyrdf2vec, which we import lazily


def __getattr__(name: str):
    # Lets pickle find the lazily made class as `prodcat.graph.pyrdf2vec_engine.SortedKG`: walkers hand the KG
    # to a multiprocessing pool, which pickles it under the "spawn"/"forkserver" start methods.
    if name == "SortedKG":
        return sorted_kg_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sorted_kg_class():
    global _SORTED_KG
    if _SORTED_KG is not None:
        return _SORTED_KG
    _, _, KG, _ = import_pyrdf2vec()

    class SortedKG(KG):
        """A KG whose hops come in a fixed order (pyrdf2vec's order follows set iteration and so
        PYTHONHASHSEED), so that a seeded walker picks the same hops in every process."""

        def get_hops(self, vertex, is_reverse=False):
            return sorted(super().get_hops(vertex, is_reverse), key=lambda h: (h[0].name, h[1].name))

    SortedKG.__module__, SortedKG.__qualname__ = __name__, "SortedKG"
    _SORTED_KG = SortedKG
    return SortedKG


def make_walker(settings: dict, seed: int):
    """The pyrdf2vec walker named by `settings["walker"]`, with our safe defaults under its kwargs."""
    import attr

    walkers, _, _, _ = import_pyrdf2vec()
    cls = getattr(walkers, WALKERS[settings["walker"]])
    kwargs = {"with_reverse": False, "random_state": seed, **settings["walker_kwargs"]}
    if "md5_bytes" in attr.fields_dict(cls):
        kwargs.setdefault("md5_bytes", None)
    if kwargs.get("with_reverse"):
        log.warning("with_reverse=True: about max_walks x more walks per entity (slow; see DEPENDENCIES.md)")
    return cls(settings["max_depth"], settings["max_walks"], **kwargs)


def train_pyrdf2vec(ttl: Path, entities: list[str], s: dict, seed: int, timings: dict) -> np.ndarray:
    """pyrdf2vec walks + Word2Vec for `entities` of the Turtle file `ttl`; (E, d) float32 in that order."""
    walkers, Word2Vec, _, Vertex = import_pyrdf2vec()
    t0 = time.perf_counter()
    kg = sorted_kg_class()(str(ttl), skip_predicates=set(s["skip_predicates"]))
    absent = [e for e in entities if Vertex(e) not in kg._vertices]
    if absent:
        raise ValueError(
            f"{len(absent)} entities have no walkable triple (not in the graph, or only skipped "
            f"predicates), e.g. {absent[:3]}"
        )
    t1 = time.perf_counter()
    with _seeded_globals(seed):
        walker = make_walker(s, seed)
        walks = walker.extract(kg, entities)  # list over entities of lists of walks (tuples of str)
    walks = [sorted(w) for w in walks]  # set order -> fixed order, for Word2Vec's corpus order
    t2 = time.perf_counter()
    n_walks = sum(len(w) for w in walks)
    log.info(
        "rdf2vec: %d walks for %d entities (%s walker, depth %d, max %s/entity) in %.2fs (%.0f walks/s); "
        "KG load %.2fs",
        n_walks, len(entities), s["walker"], s["max_depth"], s["max_walks"], t2 - t1,
        n_walks / max(t2 - t1, 1e-9), t1 - t0,
    )
    embedder = Word2Vec(
        vector_size=s["vector_size"], window=s["window"], epochs=s["epochs"], sg=s["sg"],
        negative=s["negative"], min_count=1, workers=s["workers"], seed=seed, hashfxn=stable_hash,
    )
    embedder.fit(walks)
    wv = embedder._model.wv
    t3 = time.perf_counter()
    timings.update(kg_load_s=t1 - t0, walks_s=t2 - t1, n_walks=n_walks, word2vec_s=t3 - t2)
    log.info("rdf2vec: Word2Vec (d=%d, %d epochs) in %.2fs", s["vector_size"], s["epochs"], t3 - t2)
    missing = [e for e in entities if e not in wv]
    if missing:  # never hand back zeros for an entity the model did not learn
        raise ValueError(
            f"{len(missing)} entities got no vector: no walk of the {s['walker']!r} walker contains them "
            f"as a token, e.g. {missing[:3]}"
        )
    return np.stack([wv.get_vector(e) for e in entities]).astype(np.float32)
