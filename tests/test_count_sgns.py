"""Issue 23: `trainer: counts` (prodcat.graph.count_sgns) fits skip-gram's loss over the walks' distinct pairs
weighted by count: the counts are word2vec's reduced-window pairs, the hand-written gradients are the loss's,
and the vectors place the graph as gensim's do."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from prodcat.graph import walks
from prodcat.graph.count_sgns import PAIRS_PER_NEGATIVE_DRAW, cooccurrence, gradients, train
from prodcat.graph.intrinsic import sells_in_at_k
from prodcat.graph.rdf2vec import embed_entities, resolve_settings
from prodcat.graph.synthetic_kg import IN_CATEGORY, PREDICATES, product_graph

COUNTS = {"engine": "fast", "trainer": "counts", "max_walks": 10, "vector_size": 32}


@pytest.fixture(scope="module")
def kg():
    return product_graph(10_000, seed=0)  # 200 categories, 200 brands, ~4.5k products


def test_cooccurrence_counts_each_pair_at_word2vecs_reduced_window_odds():
    rng = np.random.default_rng(0)
    walks_ = rng.integers(0, 6, (40, 7)).astype(np.int32)
    walks_[rng.random(40) < 0.5, 4:] = -1  # shorter walks, padded at the end
    window = 3
    expected = np.zeros((6, 6))
    for row in walks_.tolist():
        tokens = [t for t in row if t >= 0]
        for i, a in enumerate(tokens):
            for j, b in enumerate(tokens):
                if 0 < abs(i - j) <= window:
                    expected[a, b] += (window - abs(i - j) + 1) / window
    got = cooccurrence(walks_, 6, window).toarray()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="window"):
        cooccurrence(walks_, 6, 0)


def test_gradients_are_the_weighted_skip_gram_loss_gradients():
    gen = torch.Generator().manual_seed(0)
    groups, negative, dim = 3, 4, 5
    w, c = (torch.randn(groups * PAIRS_PER_NEGATIVE_DRAW, dim, generator=gen, dtype=torch.float64)
            for _ in range(2))
    n = torch.randn(groups, negative, dim, generator=gen, dtype=torch.float64)
    weight = torch.rand(len(w), generator=gen, dtype=torch.float64) * 10
    leaves = [t.clone().requires_grad_() for t in (w, c, n)]
    lw, lc, ln = leaves
    negatives = torch.bmm(lw.view(groups, -1, dim), ln.transpose(1, 2)).reshape(len(w), negative)
    loss = (weight * (-torch.nn.functional.logsigmoid((lw * lc).sum(1))
                      - torch.nn.functional.logsigmoid(-negatives).sum(1))).sum()
    loss.backward()
    for ours, theirs in zip(gradients(w, c, n, weight), leaves, strict=True):
        torch.testing.assert_close(ours, theirs.grad)


def test_the_pair_weights_shape_the_vectors():
    """Every pair of 12 tokens co-occurs, but pairs inside each half weigh 50 and pairs across weigh 1: only the
    weights say which tokens belong together (with equal weights the halves come out no closer, ~0.0-0.2)."""
    group = np.arange(12) // 6
    same = group[:, None] == group[None, :]
    weights = np.where(same, 50.0, 1.0).astype(np.float32)
    np.fill_diagonal(weights, 0)
    vectors = train(sp.csr_matrix(weights), dim=8, negative=5, epochs=40, seed=0)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ unit.T
    within, across = cos[same & ~np.eye(12, dtype=bool)].mean(), cos[~same].mean()
    assert within > 0.8 and across < within - 0.5, (within, across)


def test_counts_trainer_places_products_like_gensim(kg):
    """A product's own category among its 5 nearest category vectors, as often as gensim's joint model puts it
    there (chance ~0.025 here), and the same vectors again for the same seed."""
    g = kg.walk_graph()
    names = kg.names[np.unique(kg.triples[:, 0])]
    in_cat = kg.triples[kg.triples[:, 1] == PREDICATES.index(str(IN_CATEGORY))]
    product_category = {kg.names[p]: {kg.names[c]} for p, _, c in in_cat[:2000]}
    categories = kg.names[: kg.n_categories].tolist()
    vectors, scores = {}, {}
    for trainer in ("gensim", "counts"):
        settings = resolve_settings({**COUNTS, "trainer": trainer})
        vectors[trainer] = walks.embed(g, g.ids(names), settings, seed=0)
        by_name = dict(zip(names.tolist(), vectors[trainer], strict=True))
        scores[trainer] = sells_in_at_k(by_name, product_category, categories, k=5)["sells_in_at_5"]
    assert scores["counts"] >= scores["gensim"] - 0.02, scores
    assert scores["counts"] > 0.15, scores  # ceiling 0.2
    again = walks.embed(g, g.ids(names), resolve_settings(COUNTS), seed=0)
    assert np.array_equal(again, vectors["counts"])


def test_counts_trainer_runs_behind_embed_entities(tmp_path):
    graph = product_graph(2_000, seed=1).to_rdflib()
    ents = sorted({str(s) for s in graph.subjects()})[:50]
    out = embed_entities(graph, ents, COUNTS, tmp_path, seed=0)
    assert set(out) == set(ents) and all(v.shape == (32,) and np.isfinite(v).all() for v in out.values())
    gensim = embed_entities(graph, ents, {**COUNTS, "trainer": "gensim"}, tmp_path, seed=0)
    assert not np.array_equal(out[ents[0]], gensim[ents[0]])  # the trainer is part of the cache key


def test_settings_refuse_what_the_counts_trainer_does_not_cover(kg):
    with pytest.raises(ValueError, match="unknown trainer"):
        resolve_settings({"engine": "fast", "trainer": "glove"})
    for bad in ({}, {"engine": "fast", "sg": 0}, {"engine": "fast", "sources": "inferred"}):
        with pytest.raises(ValueError, match="trainer: counts needs engine: fast, sg: 1"):
            resolve_settings({**bad, "trainer": "counts"})
    g = kg.walk_graph()
    with pytest.raises(ValueError, match="return_model"):
        walks.embed(g, g.ids(kg.names[:5]), resolve_settings(COUNTS), seed=0, return_model=True)
