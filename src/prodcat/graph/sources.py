"""Vectors of source nodes, inferred against a trained backbone (`settings.sources: inferred`).

A forward random walk never enters a node that nothing points to (a *source*: in a marketplace graph the
products, and the brands and sellers of a catalog graph), so a source appears in one place only: at the head
of its own walks. Joint Word2Vec spends most of its updates on those walks (at the 1M-triple synthetic graph
450k of 490k entities are products), with the whole 490k-word vocabulary as negatives: gensim's words per CPU
second fall from ~0.5M at a 10k-token vocabulary to ~0.15M at 490k (experiments/rdf2vec_scale).

Here the graph is split in two phases:
1. *backbone*: gensim Word2Vec on the walks of every entity that is not a source (as `walks.word2vec`);
2. *sources*: each source's vector is trained on its own walks by the updates skip-gram gives it when the
   source is the input word (it is at position 0, so the centres whose window reaches it are positions
   1..window), against the backbone's output vectors (`syn1neg`), held fixed. With the backbone fixed, the
   sources do not interact, so all of them are trained at once, as arrays, with no Python loop per walk.

What is kept from gensim's skip-gram: the reduced window's odds (a centre at distance j is paired with the
source with probability (window - j + 1) / window; gensim draws a window per centre, this draws one per walk
and epoch: the same odds per pair, correlated within a walk), the downsampling of frequent tokens before the
window is applied (gensim's `sample_int` keep probabilities), noise words from the backbone's unigram^0.75
table, the linear learning-rate decay from `alpha` to `min_alpha` and the initial vectors' scale.
What differs:
- one update per walk (the sum of its pairs' gradients) instead of one per pair;
- `negative * window` noise words per update, shared by every source of a block; each source weighs them by
  its own pair count, so each pair gets `negative` noise words' weight, as in gensim;
- backbone vectors do not learn from the sources' walks. In the joint model they do, and it shows: at the
  100k synthetic graph brands' sells-in@5 is 0.496 joint against 0.370 here (experiments/rdf2vec_scale);
- tokens that only occur in the sources' walks (e.g. `pc:hasBrand` when only products have it) have no
  backbone vector; they keep their place in the window and give no gradient.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch

from prodcat.graph import walks as walk_lib

log = logging.getLogger(__name__)
_BLOCK_SOURCES = 32_768  # sources trained together: (block, walks, window) ids and (block, window, d) rows


def source_mask(indptr: np.ndarray, obj: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """(len(ids),) bool: which of the node `ids` no edge points to (in-degree 0 over the walk graph)."""
    in_degree = np.bincount(obj, minlength=len(indptr) - 1)
    return in_degree[np.asarray(ids, dtype=np.int64)] == 0


def embed_inferred(graph: walk_lib.WalkGraph, entity_ids: np.ndarray, settings: dict, seed: int,
                   timings: dict | None = None) -> np.ndarray:
    """(E, d) float32 vectors of the nodes `entity_ids`, in their order: the backbone (entities something
    points to) by Word2Vec on their walks, then the sources by `infer_sources`. `timings`, when given,
    receives what `walks.embed` reports (for the backbone) plus n_sources, source_walks_s and sources_s."""
    timings = {} if timings is None else timings
    is_source = source_mask(graph.indptr, graph.obj, entity_ids)
    backbone, sources = entity_ids[~is_source], entity_ids[is_source]
    if len(backbone) == 0:
        raise ValueError(f"sources: inferred needs a backbone, but all {len(entity_ids)} entities are sources "
                         "(nothing points to any of them); use sources: joint")
    model = walk_lib.embed(graph, backbone, {**settings, "sources": "joint"}, seed, timings, return_model=True)
    n_tokens = graph.n_nodes + len(graph.predicates)
    index = model.wv.key_to_index
    token_rows = np.array([index.get(w, -1) for w in walk_lib.token_words(np.arange(n_tokens), n_tokens)],
                          np.int64)  # (n_tokens,) the model's row of each token, -1 where it has none
    t0 = time.perf_counter()
    walks = walk_lib.random_walks(graph, sources, settings["max_depth"], settings["max_walks"], seed + 1)
    heads = np.flatnonzero(np.r_[True, walks[1:, 0] != walks[:-1, 0]]) if len(walks) else np.zeros(0, np.int64)
    n_walked = np.diff(np.r_[heads, len(walks)])  # walks come grouped by source, at least one each
    if len(n_walked) != len(sources):
        raise RuntimeError(f"expected the walks of {len(sources)} sources, got {len(n_walked)} groups")
    t1 = time.perf_counter()
    source_vectors = infer_sources(walks, n_walked, model, token_rows, settings, seed)
    t2 = time.perf_counter()
    log.info("rdf2vec[fast, sources inferred]: %d backbone entities, %d sources (%d walks) in %.2fs",
             len(backbone), len(sources), len(walks), t2 - t0)
    timings.update(n_sources=int(len(sources)), source_walks_s=t1 - t0, sources_s=t2 - t1)
    out = np.empty((len(entity_ids), model.vector_size), np.float32)
    out[~is_source] = model.wv.vectors[token_rows[backbone]]
    out[is_source] = source_vectors
    return out


def infer_sources(walks: np.ndarray, n_walked: np.ndarray, model, token_rows: np.ndarray, settings: dict,
                  seed: int) -> np.ndarray:
    """(S, d) float32 vectors of S sources. `walks` (W, L) token ids, -1 padded, grouped by source in order,
    `n_walked` (S,) walks per source (they sum to W); `model` the backbone's trained gensim Word2Vec;
    `token_rows` (n_tokens,) the model's row of each token id, -1 for tokens it has no vector for."""
    d, window, epochs, negative = model.vector_size, int(settings["window"]), int(settings["epochs"]), model.negative
    n_sources = len(n_walked)
    per_source = int(n_walked.max()) if n_sources else 0
    rng = np.random.default_rng(seed)
    out = ((rng.random((n_sources, d), dtype=np.float32) - 0.5) / d)  # gensim's initial scale
    if n_sources == 0 or walks.shape[1] < 2:
        return out
    context = np.full((n_sources, per_source, window), -1, np.int64)  # token id at positions 1..window
    first = np.r_[0, np.cumsum(n_walked)[:-1]]
    slot = np.arange(len(walks)) - np.repeat(first, n_walked)  # rank of each walk within its source
    source_of = np.repeat(np.arange(n_sources), n_walked)
    width = min(window, walks.shape[1] - 1)
    context[source_of, slot, :width] = walks[:, 1 : 1 + width]
    keep_p = model.wv.expandos["sample_int"].astype(np.float64) / 2**32  # gensim's downsampling, per row
    syn1neg = torch.from_numpy(model.syn1neg)  # (V, d) the backbone's output vectors, fixed
    cum_table = model.cum_table
    alphas = [model.alpha - (model.alpha - model.min_alpha) * (e + 0.5) / epochs for e in range(epochs)]
    for lo in range(0, n_sources, _BLOCK_SOURCES):
        block = slice(lo, min(lo + _BLOCK_SOURCES, n_sources))
        out[block] = _train_block(context[block], token_rows, keep_p, syn1neg, cum_table, alphas, negative,
                                  window, torch.from_numpy(out[block]), rng).numpy()
    return out


def _train_block(context: np.ndarray, token_rows: np.ndarray, keep_p: np.ndarray, syn1neg: torch.Tensor,
                 cum_table: np.ndarray, alphas: list[float], negative: int, window: int, vec: torch.Tensor,
                 rng: np.random.Generator) -> torch.Tensor:
    n, per_source, _ = context.shape
    padded = context < 0
    rows = np.where(padded, -1, token_rows[np.where(padded, 0, context)])  # (n, walks, window) model rows
    known = rows >= 0
    keep_known = np.where(known, keep_p[np.where(known, rows, 0)], 1.0)  # unknown tokens are never dropped
    rows_t = torch.from_numpy(np.where(known, rows, 0))
    for alpha in alphas:
        # per walk and epoch, as gensim draws them: which tokens survive downsampling, then the reduced window
        kept = ~padded & (rng.random(rows.shape) < keep_known)
        position = np.cumsum(kept, axis=2)  # 1-based position of each kept token after the dropped ones
        reach = rng.integers(1, window + 1, size=(n, per_source, 1))  # reduced window, one per walk
        pairs = torch.from_numpy(kept & known & (position <= reach)).float()  # (n, walks, window)
        n_pairs = pairs.sum(2)  # (n, walks)
        for k in range(per_source):
            if not bool(n_pairs[:, k].any()):
                continue
            u = syn1neg[rows_t[:, k]]  # (n, window, d)
            score = torch.bmm(u, vec.unsqueeze(2)).squeeze(2)  # (n, window)
            grad = torch.bmm(((1 - torch.sigmoid(score)) * pairs[:, k]).unsqueeze(1), u).squeeze(1)  # (n, d)
            n_noise = negative * window  # shared noise words; each source weighs them by its own pair count
            noise = syn1neg[torch.from_numpy(np.searchsorted(cum_table, rng.integers(0, cum_table[-1], n_noise),
                                                             side="left").astype(np.int64))]  # (K, d)
            weight = torch.sigmoid(vec @ noise.T) * (n_pairs[:, k] * negative / n_noise).unsqueeze(1)  # (n, K)
            vec += alpha * (grad - weight @ noise)
    return vec
