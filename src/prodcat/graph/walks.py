"""The fast RDF2Vec engine: random walks drawn in bulk over a compressed adjacency (NumPy), then gensim
Word2Vec. `settings.engine: fast` in `rdf2vec.embed_entities`; pyrdf2vec stays the reference.

Walk semantics are pyrdf2vec's `RandomWalker` (with_reverse=False, md5_bytes=None):
- a walk is `(entity, p1, o1, p2, o2, ...)`: predicates are tokens of the walk; at most `max_depth` hops,
  at most `max_walks` walks per entity, forward edges only (subject -> object);
- a hop is one out-edge `(predicate, object)` of the current node, drawn uniformly over its out-edges
  (pyrdf2vec's UniformSampler weighs every hop 1); triples of `skip_predicates` are not edges;
- a node without out-edges ends the walk there (an entity with none has the one-token walk `(entity,)`);
- an entity's walks are distinct (pyrdf2vec keeps them in a set): fewer than max_walks when the entity
  has fewer distinct walks.
How the distinct walks are drawn differs, on purpose: pyrdf2vec samples *without* replacement (it tags
explored hops; and with a `random_state`, each draw is `RandomState(seed).choice(n)`, the same index for
the same n, so its walks are a deterministic enumeration more than a random sample; when its tags exhaust
a branch it also emits walks cut short at a node that has out-edges). This engine draws
`oversample * max_walks` independent walks, each hop exactly uniform, drops repeats and keeps the first
`max_walks` distinct ones: about as many full walks as pyrdf2vec per entity, from an unbiased sampler.

Graph: `WalkGraph` is CSR over int ids. Nodes and predicates get ids in sorted-name order and each node's
out-edges are sorted by (predicate, object), the same order as rdf2vec's `SortedKG`, so walks depend only
on the triples, the seed and the order of the start entities (`embed_entities` sorts them). Build it
from an rdflib graph (`from_rdflib`) or, for graphs too big for rdflib (1M triples take ~1 GB and ~10 s
there), straight from int triple arrays (`from_id_triples`).

Word2Vec: walks are written as a text corpus of fixed-width decimal token ids (one walk per line) and
gensim trains from the file (`corpus_file`): no Python list per walk, and with `workers > 1` it scales
over cores (then vectors are not bit-reproducible; `workers: 1` is).

Token id of node i is i, of predicate j is n_nodes + j; -1 pads walks shorter than 1 + 2 * max_depth.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PAD = -1
_BLOCK_WALKS = 1 << 20  # walks drawn per block: bounds temporaries (~40 MB); part of the seeded stream
_CORPUS_ROWS = 1 << 18  # walks encoded per write


def stable_hash(text: str) -> int:
    """Word2Vec's `hashfxn`: the same int in every process, unlike `hash` under PYTHONHASHSEED."""
    return int.from_bytes(hashlib.md5(text.encode("utf-8")).digest()[:8], "little")


@dataclass(frozen=True)
class WalkGraph:
    """Out-edges in CSR form: node i's edges are `pred[indptr[i]:indptr[i + 1]]` / `obj[...]`."""

    names: np.ndarray  # (N,) object array of str, sorted: node i's name (URI or literal text)
    predicates: np.ndarray  # (P,) object array of str, sorted
    indptr: np.ndarray  # (N + 1,) int64
    pred: np.ndarray  # (M,) int32 predicate id of each edge
    obj: np.ndarray  # (M,) int32 object node id of each edge

    @property
    def n_nodes(self) -> int:
        return len(self.names)

    @property
    def n_edges(self) -> int:
        return len(self.obj)

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)  # (N,) out-degree

    def ids(self, names: Iterable[str]) -> np.ndarray:
        """(len(names),) int64 node ids of `names`; KeyError naming up to three that are not nodes."""
        names = _strings(names)
        if self.n_nodes == 0:
            found, pos = np.zeros(len(names), bool), np.zeros(len(names), np.int64)
        else:
            pos = np.searchsorted(self.names, names).clip(max=self.n_nodes - 1)
            found = self.names[pos] == names
        if not found.all():
            missing = names[~found][:3].tolist()
            raise KeyError(f"{int((~found).sum())} names are not nodes of the walk graph, e.g. {missing}")
        return pos.astype(np.int64)

    def tokens(self) -> np.ndarray:
        """(N + P,) str: the name of every token id (nodes, then predicates)."""
        return np.concatenate([self.names, self.predicates])

    @classmethod
    def from_id_triples(
        cls, subj: np.ndarray, pred: np.ndarray, obj: np.ndarray, names: Sequence[str], predicates: Sequence[str]
    ) -> WalkGraph:
        """From int triples: `subj`/`obj` index `names`, `pred` indexes `predicates`. Repeated triples count
        once (an RDF graph is a set). Ids are re-assigned in sorted-name order, whatever the input order."""
        names, predicates = _strings(names), _strings(predicates)
        subj, pred, obj = (np.asarray(a, dtype=np.int64).ravel() for a in (subj, pred, obj))
        if not (len(subj) == len(pred) == len(obj)):
            raise ValueError(f"triple arrays differ in length: {len(subj)}, {len(pred)}, {len(obj)}")
        for what, a, n in (("subject", subj, len(names)), ("object", obj, len(names)),
                           ("predicate", pred, len(predicates))):
            if len(a) and (a.min() < 0 or a.max() >= n):
                raise ValueError(f"{what} ids must lie in [0, {n}), got [{a.min()}, {a.max()}]")
        node_order, pred_order = np.argsort(names, kind="stable"), np.argsort(predicates, kind="stable")
        for what, sorted_names in (("node", names[node_order]), ("predicate", predicates[pred_order])):
            if len(sorted_names) > 1 and np.any(sorted_names[1:] == sorted_names[:-1]):
                raise ValueError(f"{what} names must be unique")
        node_rank = np.empty(len(names), np.int64)
        node_rank[node_order] = np.arange(len(names))
        pred_rank = np.empty(len(predicates), np.int64)
        pred_rank[pred_order] = np.arange(len(predicates))
        s, p, o = node_rank[subj], pred_rank[pred], node_rank[obj]
        order = np.lexsort((o, p, s))  # by subject, then predicate, then object: SortedKG's hop order
        s, p, o = s[order], p[order], o[order]
        if len(s) > 1:  # drop repeated triples
            new = np.r_[True, (s[1:] != s[:-1]) | (p[1:] != p[:-1]) | (o[1:] != o[:-1])]
            s, p, o = s[new], p[new], o[new]
        indptr = np.zeros(len(names) + 1, np.int64)
        np.cumsum(np.bincount(s, minlength=len(names)), out=indptr[1:])
        return cls(names[node_order], predicates[pred_order], indptr, p.astype(np.int32), o.astype(np.int32))

    @classmethod
    def from_rdflib(cls, graph, skip_predicates: Iterable[str] = ()) -> WalkGraph:
        """Every triple of an rdflib graph whose predicate is not skipped is an edge; nodes are named by
        `str(term)` (as pyrdf2vec's KG names its vertices), so a literal object is a node too."""
        skip = {str(p) for p in skip_predicates}
        node_id: dict[str, int] = {}
        pred_id: dict[str, int] = {}
        triples = []
        for s, p, o in graph:
            p = str(p)
            if p not in skip:
                triples.append((node_id.setdefault(str(s), len(node_id)), pred_id.setdefault(p, len(pred_id)),
                                node_id.setdefault(str(o), len(node_id))))
        ids = np.asarray(triples, dtype=np.int64).reshape(-1, 3)  # (M, 3)
        return cls.from_id_triples(ids[:, 0], ids[:, 1], ids[:, 2], list(node_id), list(pred_id))


def _strings(values: Iterable) -> np.ndarray:
    """A 1-D object array of str: numpy's fixed-width str dtype would size every name like the longest."""
    values = [str(v) for v in values]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def random_walks(
    graph: WalkGraph, starts: np.ndarray, max_depth: int, max_walks: int, seed: int,
    dedupe: bool = True, oversample: int = 2,
) -> np.ndarray:
    """(W, 1 + 2 * max_depth) int32 token ids, -1 padded, rows grouped by start in the order of `starts`
    (which should hold each node once). `dedupe`: per start, the first `max_walks` distinct walks among
    `oversample * max_walks` drawn; `dedupe=False`: exactly `max_walks` independent walks per start."""
    if max_depth < 1 or max_walks < 1 or oversample < 1:
        raise ValueError(f"max_depth, max_walks, oversample must be >= 1, got {max_depth}, {max_walks}, {oversample}")
    starts = np.asarray(starts, dtype=np.int64)
    rng = np.random.default_rng(seed)
    draws = max_walks * (oversample if dedupe else 1)  # walks drawn per start
    per_block = max(1, _BLOCK_WALKS // draws)  # whole starts per block, so dedupe stays per start
    blocks = [
        _walk_block(graph, starts[lo : lo + per_block], max_depth, draws, rng, max_walks if dedupe else 0)
        for lo in range(0, len(starts), per_block)
    ]
    return np.concatenate(blocks) if blocks else np.full((0, 1 + 2 * max_depth), PAD, np.int32)


def _walk_block(graph: WalkGraph, starts: np.ndarray, max_depth: int, draws: int,
                rng: np.random.Generator, keep_distinct: int) -> np.ndarray:
    """`draws` walks per start; `keep_distinct` > 0: then only the first that many distinct ones."""
    n = len(starts) * draws
    walks = np.full((n, 1 + 2 * max_depth), PAD, np.int32)  # (W, L)
    cur = np.repeat(starts, draws)  # (W,) node each live walk stands on
    walks[:, 0] = cur
    rows = np.arange(n)  # live walks
    for step in range(max_depth):
        lo = graph.indptr[cur]
        deg = graph.indptr[cur + 1] - lo
        live = deg > 0  # a dead end ends the walk
        if not live.all():
            rows, lo, deg = rows[live], lo[live], deg[live]
        if rows.size == 0:
            break
        edge = lo + rng.integers(0, deg)  # uniform over each node's out-edges, all walks at once
        cur = graph.obj[edge].astype(np.int64)
        walks[rows, 1 + 2 * step] = graph.n_nodes + graph.pred[edge]
        walks[rows, 2 + 2 * step] = cur
    if keep_distinct:  # every row starts with its entity, so unique rows = unique walks per entity
        rowkey = np.ascontiguousarray(walks).view(np.dtype((np.void, walks.itemsize * walks.shape[1]))).ravel()
        _, first = np.unique(rowkey, return_index=True)
        first.sort()  # (U,) rows of first occurrences, in draw order
        group = first // draws  # start of each kept row
        rank = np.arange(len(first)) - np.searchsorted(group, group)  # its rank among its start's distinct walks
        walks = walks[first[rank < keep_distinct]]
    return walks


def token_words(ids: np.ndarray, n_tokens: int) -> list[str]:
    """The Word2Vec word of each token id: its zero-padded decimal id (no whitespace, unlike literals)."""
    width = len(str(max(n_tokens - 1, 0)))
    return [f"{i:0{width}d}" for i in np.asarray(ids).tolist()]


def write_corpus(walks: np.ndarray, path: str | Path, n_tokens: int) -> int:
    """Write one walk per line as fixed-width decimal ids, padding as spaces (gensim splits on any run of
    whitespace), built with array ops rather than a Python loop per walk. Returns the token count."""
    width = len(str(max(n_tokens - 1, 0)))
    n_cols = walks.shape[1]
    total = 0
    with open(path, "wb") as f:
        for lo in range(0, len(walks), _CORPUS_ROWS):
            w = walks[lo : lo + _CORPUS_ROWS]  # (n, L)
            buf = np.full((len(w), n_cols, width + 1), ord(" "), np.uint8)  # (n, L, width + 1)
            rest = np.where(w < 0, 0, w)
            for k in range(width - 1, -1, -1):
                rest, digit = np.divmod(rest, 10)
                buf[:, :, k] = digit + ord("0")
            buf[w < 0] = ord(" ")
            buf[:, -1, -1] = ord("\n")
            f.write(buf.tobytes())
            total += int((w >= 0).sum())
    return total


def build_vocab(model, words: list[str], counts: np.ndarray) -> None:
    """What gensim's `build_vocab_from_freq(dict(zip(words, counts)))` does with min_count=1 and no
    max_final_vocab, with array operations: gensim loops in Python over the vocabulary (2 attribute writes a
    word, a cumulative table built one word at a time), ~14 s at the 1M-triple graph's 490k tokens, as long as
    5 s of walks and 20% of one training epoch. The same formulas in float64 and the same sort (gensim's own),
    so the model is the same bit for bit (`tests/test_walks.py` trains both and compares the vectors)."""
    wv, counts = model.wv, np.asarray(counts, dtype=np.int64)  # (V,)
    if model.max_final_vocab is not None or model.min_count != 1 or model.hs or model.null_word:
        raise ValueError("build_vocab mirrors gensim for min_count=1, negative sampling, no max_final_vocab")
    wv.index_to_key = list(words)
    wv.key_to_index = {w: i for i, w in enumerate(wv.index_to_key)}
    wv.allocate_vecattrs(attrs=["count"], types=[int])
    wv.expandos["count"][:] = counts
    threshold = model.sample * counts.sum() if model.sample else counts.sum()  # gensim's prepare_vocab
    keep = np.minimum((np.sqrt(counts / threshold) + 1) * (threshold / counts), 1.0)  # (V,) keep probability
    wv.allocate_vecattrs(attrs=["sample_int"], types=[np.uint32])
    wv.expandos["sample_int"][:] = (keep * (2**32 - 1)).astype(np.uint32)
    model.effective_min_count, model.corpus_count = 1, 0
    wv.sort_by_descending_frequency()
    # count ** ns_exponent by C's pow per word, as gensim does (numpy's vectorized power may differ in the last
    # bit on some CPUs), then sequential sums, as its loop does
    e = float(model.ns_exponent)
    weight = np.cumsum([c ** e for c in wv.expandos["count"].astype(np.float64).tolist()])
    model.cum_table = np.round(weight / weight[-1] * (2**31 - 1)).astype(np.uint32)  # gensim's make_cum_table
    model.prepare_weights()


def word2vec(walks: np.ndarray, n_tokens: int, settings: dict, seed: int, workers: int = 1,
             timings: dict | None = None):
    """gensim Word2Vec on `walks` with the reference's settings (vector_size, window, epochs, sg, negative,
    min_count=1); returns the model (its words are `token_words`). `timings`, when given, receives
    vocab_s (the vocabulary and initial weights), corpus_s (writing the corpus file), train_s and train_cpu_s
    (gensim's training, wall and CPU seconds) and corpus_tokens (per epoch): the per-core rates of the scale
    study (experiments/rdf2vec_scale)."""
    from gensim.models import Word2Vec


    counts = np.bincount(walks[walks >= 0], minlength=n_tokens)  # (N + P,)
    present = np.flatnonzero(counts)
    model = Word2Vec(
        vector_size=settings["vector_size"], window=settings["window"], epochs=settings["epochs"],
        sg=settings["sg"], negative=settings["negative"], min_count=1, workers=workers, seed=seed,
        hashfxn=stable_hash,
    )
    t_vocab = time.perf_counter()
    build_vocab(model, token_words(present, n_tokens), counts[present])
    vocab_s = time.perf_counter() - t_vocab
    with tempfile.TemporaryDirectory(prefix="prodcat-walks-") as tmp:
        corpus = Path(tmp) / "walks.txt"
        t0 = time.perf_counter()
        total = write_corpus(walks, corpus, n_tokens)
        t1, cpu1 = time.perf_counter(), time.process_time()  # process_time: CPU of all gensim's threads
        model.train(corpus_file=str(corpus), total_words=total, epochs=settings["epochs"])
        if timings is not None:
            timings.update(vocab_s=vocab_s, corpus_s=t1 - t0, train_s=time.perf_counter() - t1,
                           train_cpu_s=time.process_time() - cpu1, corpus_tokens=total)
    return model


def embed(
    graph: WalkGraph, entity_ids: np.ndarray, settings: dict, seed: int, timings: dict | None = None,
    return_model: bool = False,
):
    """(E, d) float32 vectors of the nodes `entity_ids` (unique): walks from each, Word2Vec on all
    (`settings["sources"]` "joint", the default), or Word2Vec on the entities something points to and the
    others inferred against them ("inferred", `prodcat.graph.sources`). `settings` as resolved by
    `rdf2vec.resolve_settings` (max_depth, max_walks, Word2Vec keys, workers). No cache here: this is the path
    for int triples straight from a generator; `rdf2vec.embed_entities` caches. `timings`, when given, receives
    walks_s, walks_cpu_s, n_walks, word2vec_s (and `word2vec`'s keys). `return_model`: the trained gensim
    model instead of the vectors (joint only)."""
    entity_ids = np.asarray(entity_ids, dtype=np.int64)
    if len(np.unique(entity_ids)) != len(entity_ids):
        raise ValueError("entity ids must be unique")
    if settings.get("sources", "joint") == "inferred":
        from prodcat.graph.sources import embed_inferred  # it imports this module

        if return_model:
            raise ValueError("return_model: sources inferred have no gensim model of their own (joint only)")
        return embed_inferred(graph, entity_ids, settings, seed, timings)
    t0, cpu0 = time.perf_counter(), time.process_time()
    walks = random_walks(graph, entity_ids, settings["max_depth"], settings["max_walks"], seed)
    t1, walks_cpu = time.perf_counter(), time.process_time() - cpu0
    n_tokens = graph.n_nodes + len(graph.predicates)
    model = None
    if settings.get("trainer", "gensim") == "counts":
        from prodcat.graph.count_sgns import embed_walks

        if return_model:
            raise ValueError("return_model: trainer counts has no gensim model (trainer: gensim)")
        vectors = embed_walks(walks, n_tokens, settings, seed, timings)[entity_ids]  # token id = node id
    else:
        model = word2vec(walks, n_tokens, settings, seed, workers=settings.get("workers", 1), timings=timings)
    t2 = time.perf_counter()
    log.info("rdf2vec[fast]: %d walks for %d entities (depth %d, max %d/entity) in %.2fs (%.0f walks/s); "
             "skip-gram (%s, d=%d, %d epochs, %d workers) in %.2fs", len(walks), len(entity_ids),
             settings["max_depth"], settings["max_walks"], t1 - t0, len(walks) / max(t1 - t0, 1e-9),
             settings.get("trainer", "gensim"), settings["vector_size"], settings["epochs"],
             settings.get("workers", 1), t2 - t1)
    if timings is not None:
        timings.update(walks_s=t1 - t0, walks_cpu_s=walks_cpu, n_walks=len(walks), word2vec_s=t2 - t1)
    if return_model:
        return model
    if model is not None:
        rows = [model.wv.key_to_index[w] for w in token_words(entity_ids, n_tokens)]  # every start is in a walk
        vectors = model.wv.vectors[rows].astype(np.float32)
    return vectors
