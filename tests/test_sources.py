"""Issue 23: `sources: inferred` (prodcat.graph.sources) trains the backbone alone and infers the nodes nothing
points to against it: the split is exact, the backbone is the joint engine's own model on its walks, and the
inferred vectors carry their edges."""

from __future__ import annotations

import numpy as np
import pytest

from prodcat.graph import walks
from prodcat.graph.intrinsic import sells_in_at_k
from prodcat.graph.rdf2vec import resolve_settings
from prodcat.graph.sources import source_mask
from prodcat.graph.synthetic_kg import IN_CATEGORY, PREDICATES, product_graph

SMALL = {"engine": "fast", "max_walks": 10, "epochs": 5, "vector_size": 32}


@pytest.fixture(scope="module")
def kg():
    return product_graph(10_000, seed=0)  # 200 categories, 200 brands, ~4.5k products


def test_sources_are_the_nodes_nothing_points_to(kg):
    g = kg.walk_graph()
    ids = np.arange(g.n_nodes)
    expected = ~np.isin(ids, g.obj)
    assert np.array_equal(source_mask(g.indptr, g.obj, ids), expected)
    # in the generated marketplace every product is a source; brands and categories are not
    is_product = np.char.startswith(g.names.astype(str), str(kg.names[-1]).rsplit("/", 1)[0])
    assert np.array_equal(expected, is_product)


def test_backbone_is_the_joint_model_on_its_own_walks(kg):
    g = kg.walk_graph()
    ids = np.unique(kg.triples[:, 0])
    ids = g.ids(kg.names[ids])
    settings = resolve_settings({**SMALL, "sources": "inferred"})
    both = walks.embed(g, ids, settings, seed=0)
    backbone = ids[~source_mask(g.indptr, g.obj, ids)]
    alone = walks.embed(g, backbone, {**settings, "sources": "joint"}, seed=0)
    rows = np.flatnonzero(np.isin(ids, backbone))
    assert np.array_equal(both[rows], alone)  # workers 1: the same model bit for bit
    # seeded: the sources come out the same again
    assert np.array_equal(walks.embed(g, ids, settings, seed=0), both)


def test_inferred_products_sit_next_to_their_category(kg):
    """A product's nearest category vectors hold its own category far above chance (random vectors, i.e. a
    no-op inference, score ~0.003 here) and about as often as the joint model puts it there."""
    g = kg.walk_graph()
    names = kg.names[np.unique(kg.triples[:, 0])]
    in_cat = kg.triples[kg.triples[:, 1] == PREDICATES.index(str(IN_CATEGORY))]
    product_category = {kg.names[p]: {kg.names[c]} for p, _, c in in_cat[:2000]}
    categories = kg.names[: kg.n_categories].tolist()
    scores = {}
    for mode in ("joint", "inferred"):
        settings = resolve_settings({**SMALL, "sources": mode})
        vectors = dict(zip(names.tolist(), walks.embed(g, g.ids(names), settings, seed=0), strict=True))
        scores[mode] = sells_in_at_k(vectors, product_category, categories, k=5)
    ceiling = scores["joint"]["ceiling"]  # 0.2: one category each among 5 neighbours
    assert scores["inferred"]["chance"] < 0.01
    assert scores["inferred"]["sells_in_at_5"] > 0.6 * ceiling
    assert scores["inferred"]["sells_in_at_5"] >= scores["joint"]["sells_in_at_5"] - 0.02


def test_settings_refuse_what_inference_does_not_cover(kg):
    with pytest.raises(ValueError, match="unknown sources"):
        resolve_settings({"engine": "fast", "sources": "inductive"})
    with pytest.raises(ValueError, match="engine: fast and sg: 1"):
        resolve_settings({"sources": "inferred"})  # the reference engine
    with pytest.raises(ValueError, match="engine: fast and sg: 1"):
        resolve_settings({"engine": "fast", "sources": "inferred", "sg": 0})
    g = kg.walk_graph()
    products = g.ids(kg.names[-5:])
    with pytest.raises(ValueError, match="all 5 entities are sources"):
        walks.embed(g, products, resolve_settings({**SMALL, "sources": "inferred"}), seed=0)
