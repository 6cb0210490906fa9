"""Issue 23: the intrinsic sibling check scores what it says, and `graph=rdf2vec_fast` (skip-gram on the walks'
pair counts) keeps the category tree's shape while its settings reach the cache key."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize
from rdflib import SKOS

from prodcat.data.catalog import Product
from prodcat.graph import walks
from prodcat.graph.intrinsic import sells_in_at_k, sells_in_map, sibling_at_k, skos_parents
from prodcat.graph.kg import brand_uri, build_graph, category_uri, graph_entities
from prodcat.graph.rdf2vec import embed_entities, resolve_settings
from prodcat.graph.synthetic_kg import PREDICATES, product_graph
from prodcat.graph.taxonomy import Taxonomy

# r -> a, b; a -> a1 a2 a3; b -> b1 b2 b3: six leaves, two siblings each
PARENT = {"a": "r", "b": "r", **{f"{p}{i}": p for p in "ab" for i in (1, 2, 3)}}


def clustered(moved: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """Each parent's leaves close together, their parent farther off (cos ~0.89), other branches orthogonal.
    `moved` {leaf: other leaf}: that leaf gets the other's vector."""
    vec = {"r": np.array([0, 0, 1.0, 0]), "a": np.array([1.0, 0, 0.5, 0]), "b": np.array([0, 1.0, 0.5, 0])}
    for p, axis in (("a", [1.0, 0, 0]), ("b", [0, 1.0, 0])):
        for i in (1, 2, 3):
            vec[f"{p}{i}"] = np.array([*axis, 0.01 * i])
    for leaf, other in (moved or {}).items():
        vec[leaf] = vec[other].copy()
    return vec


def test_sibling_at_k_exact_values():
    perfect = sibling_at_k(clustered(), PARENT, k=2)
    # each leaf's 2 nearest are its 2 siblings (its parent's axis is farther than they are)
    assert perfect == {"sibling_at_2": 1.0, "ceiling": 1.0, "chance": pytest.approx(2 / 8), "n_leaves": 6,
                       "n_categories": 9}
    # b1 on top of a2: a1, a2, a3 each have b1 among their 2 nearest (1/2 siblings); b1 has none; b2 and
    # b3 keep each other and then see their parent b (1/2): (3 * 0.5 + 0 + 2 * 0.5) / 6
    moved = sibling_at_k(clustered({"b1": "a2"}), PARENT, k=2)
    assert moved["sibling_at_2"] == pytest.approx(2.5 / 6)
    assert sibling_at_k(clustered(), PARENT, k=3)["ceiling"] == pytest.approx(2 / 3)  # only 2 siblings each
    with pytest.raises(ValueError, match="more than k"):
        sibling_at_k(clustered(), {"a1": "a"}, k=2)


def test_sells_in_at_k_exact_values():
    vec = clustered()
    vec["brand_a"] = vec["a1"] + vec["a2"]  # nearest: a1, a2 (then a3)
    vec["brand_b"] = vec["a3"].copy()  # sells in b1, b2 but sits in branch a
    sells = {"brand_a": {"a1", "a2"}, "brand_b": {"b1", "b2"}, "no_vector": {"a1"}}
    out = sells_in_at_k(vec, sells, list(PARENT) + ["r"], k=2)
    assert out == {"sells_in_at_2": pytest.approx(0.5), "ceiling": 1.0, "chance": pytest.approx(2 / 9),
                   "n_brands": 2, "n_categories": 9}
    assert sells_in_at_k(vec, sells, list(PARENT) + ["r"], k=3)["sells_in_at_3"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no brand"):
        sells_in_at_k(vec, {"brand_a": {"elsewhere"}}, list(PARENT), k=2)


def test_sells_in_map_reads_brands_only():
    t = Taxonomy.from_paths([["A", "B"], ["A", "C"]], "t")
    products = [Product("x", ("A", "B"), "Acme"), Product("y", ("A", "C"), "Acme")]
    g = build_graph(t, products)
    assert sells_in_map(g) == {str(brand_uri("Acme")): {str(category_uri(t.find(p))) for p in (["A", "B"], ["A", "C"])}}


def test_skos_parents_reads_the_tree():
    t = Taxonomy.from_paths([["A", "B"], ["A", "C"]], "t")
    g = build_graph(t, [])
    uri = {tuple(p): str(category_uri(t.find(p))) for p in (["A"], ["A", "B"], ["A", "C"])}
    assert skos_parents(g) == {uri["A", "B"]: uri["A",], uri["A", "C"]: uri["A",]}


def test_fast_config_keeps_the_tree_and_is_in_the_cache_key(tmp_path):
    with initialize(version_base="1.3", config_path="../conf"):
        cfg = compose("train", overrides=["+experiment=graph_only", "graph=rdf2vec_fast"])
    fast = resolve_settings(dict(cfg.graph.settings))
    assert fast["engine"] == "fast" and fast["trainer"] == "counts"

    kg = product_graph(20_000, seed=0)  # 400 categories, 400 brands, ~9,600 products
    wg = kg.walk_graph()
    broader = kg.triples[kg.triples[:, 1] == PREDICATES.index(str(SKOS.broader))]
    parent = dict(zip(kg.names[broader[:, 0]], kg.names[broader[:, 2]], strict=True))
    ids = np.arange(kg.n_categories + kg.n_brands)  # categories and brands: what prodcat embeds
    ids = wg.ids(kg.names[ids])
    scores = {}
    for name, s in (("reference", resolve_settings({"engine": "fast"})), ("fast", fast)):
        vec = walks.embed(wg, ids, s, seed=0)
        scores[name] = sibling_at_k(dict(zip(wg.names[ids], vec, strict=True)), parent)
    ref, got = scores["reference"], scores["fast"]
    assert ref["sibling_at_5"] > 20 * ref["chance"], scores  # the check sees the tree at all
    assert got["sibling_at_5"] >= 0.85 * ref["sibling_at_5"], scores

    # every setting that changes the vectors is in the key: the two configs never share an artifact
    t = Taxonomy.from_paths([["A", "B"], ["A", "C"], ["D", "E"]], "t")
    g = build_graph(t, [])
    for s in ({"engine": "fast"}, dict(cfg.graph.settings)):
        embed_entities(g, graph_entities(g), s, tmp_path, seed=0)
    assert len(list((tmp_path / "rdf2vec").iterdir())) == 2
