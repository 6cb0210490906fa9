"""prodcat.graph: taxonomy, SKOS graph, RDF2Vec vectors (real rdflib + pyrdf2vec), linker."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import numpy as np
import pytest
from rdflib import RDF, RDFS, SKOS, Literal
from rdflib.compare import isomorphic

from prodcat.data.catalog import Product
from prodcat.graph.kg import (
    BRAND_CLASS,
    SCHEME,
    SELLS_IN,
    brand_uri,
    build_graph,
    category_uri,
    graph_entities,
    load_graph,
    normalize_brand,
    write_turtle,
)
from prodcat.graph.linker import GraphLinker
from prodcat.graph.rdf2vec import embed_entities, resolve_settings
from prodcat.graph.taxonomy import Taxonomy

# ---- taxonomy ---------------------------------------------------------------------------------


def small_tax() -> Taxonomy:
    return Taxonomy.from_paths(
        [
            ("Electronics", "Phones", "Phone Cases"),
            ("Electronics", "Phones", "Smartphones"),
            ("Electronics", "Cameras"),  # a shallower leaf: variable depth
            ("Home", "Kitchen", "Accessories"),
            ("Electronics", "Phones", "Accessories"),  # same name, other parent: a distinct node
        ]
    )


def test_taxonomy_structure():
    t = small_tax()
    leaf = "Electronics > Phones > Phone Cases"
    assert t.roots == ["Electronics", "Home"]
    assert t.depth == 3 and len(t) == 9 and leaf in t and "Phones" not in t
    assert t.level("Electronics") == 1 and t.level(leaf) == 3
    assert t.name(leaf) == "Phone Cases" and t.parent(leaf) == "Electronics > Phones"
    assert t.ancestors(leaf) == ["Electronics", "Electronics > Phones", leaf]  # top first, itself last
    assert t.path_names(leaf) == ("Electronics", "Phones", "Phone Cases")
    assert t.ancestor_at(leaf, 1) == "Electronics" and t.ancestor_at(leaf, 2) == "Electronics > Phones"
    assert t.ancestor_at("Electronics > Cameras", 3) == "Electronics > Cameras"  # shallower: itself
    assert "Home > Kitchen > Accessories" in t.leaves and "Electronics > Phones > Accessories" in t.leaves
    assert t.find(("Electronics", "Cameras")) == "Electronics > Cameras" and t.find(("Nope",)) is None
    # nodes: pre-order, so every parent precedes its children
    assert all(t.index(t.parent(n)) < t.index(n) for n in t.nodes if t.parent(n))
    assert Taxonomy.from_edges(t.rows(), "rt").rows() == t.rows()


def test_taxonomy_from_edges_explicit_ids():
    t = Taxonomy.from_edges([("2", "Phones", "1"), ("1", "Electronics", ""), ("3", "Cases", "2")], "g.txt")
    assert t.nodes == ["1", "2", "3"] and t.roots == ["1"]
    assert t.path_names("3") == ("Electronics", "Phones", "Cases")


# ---- knowledge graph --------------------------------------------------------------------------


def test_graph_skos_structure_and_train_only_brands():
    t = small_tax()
    cases, phones = "Electronics > Phones > Phone Cases", "Electronics > Phones"
    train = [
        Product("acme case", tuple(cases.split(" > ")), "ACME"),
        Product("acme case 2", tuple(cases.split(" > ")), " acme  "),  # same brand, other spelling
        Product("zeta cam", ("Electronics", "Cameras"), "Zeta"),
        Product("no brand", ("Home", "Kitchen", "Accessories"), None),
    ]
    val_only = Product("valbrand phone", ("Electronics", "Phones", "Smartphones"), "ValBrand")
    g = build_graph(t, train)
    for n in t.nodes:
        u = category_uri(n)
        assert (u, RDF.type, SKOS.Concept) in g and (u, SKOS.inScheme, SCHEME) in g
        assert g.value(u, SKOS.prefLabel) == Literal(t.name(n))
    assert (category_uri(cases), SKOS.broader, category_uri(phones)) in g
    assert (category_uri(phones), SKOS.narrower, category_uri(cases)) in g
    assert (category_uri("Home"), SKOS.topConceptOf, SCHEME) in g
    assert (SCHEME, SKOS.hasTopConcept, category_uri("Electronics")) in g
    assert (SCHEME, RDF.type, SKOS.ConceptScheme) in g
    assert set(g.subjects(RDF.type, BRAND_CLASS)) == {brand_uri("acme"), brand_uri("zeta")}
    assert brand_uri("ACME") == brand_uri(" Acme ") and normalize_brand(" ACME  Co ") == "acme co"
    assert (brand_uri("acme"), SELLS_IN, category_uri(cases)) in g
    assert g.value(brand_uri("acme"), RDFS.label) == Literal("ACME")  # the most frequent spelling
    assert brand_uri(val_only.brand) not in set(g.subjects())  # leakage rule: only the rows passed in
    # min_brand_count: zeta has 1 row in its category -> dropped entirely
    g2 = build_graph(t, train, min_brand_count=2)
    assert set(g2.subjects(RDF.type, BRAND_CLASS)) == {brand_uri("acme")}
    assert len(graph_entities(g)) == len(t) + 2


def test_turtle_round_trip(tmp_path):  # broken files: tests/test_bad_input.py
    g = build_graph(small_tax(), [Product("x", ("Electronics", "Cameras"), "Zeta")])
    path = write_turtle(g, tmp_path / "sub" / "kg.ttl")
    assert isomorphic(load_graph(path), g) and [p.name for p in path.parent.iterdir()] == ["kg.ttl"]


# ---- rdf2vec ----------------------------------------------------------------------------------

TREE = [(f"T{a}", f"T{a}C{b}", f"T{a}C{b}L{c}") for a in range(6) for b in range(4) for c in range(5)]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """6 top x 4 children x 5 leaves, one brand per mid-level category selling in its five leaves."""
    t = Taxonomy.from_paths(TREE, "tree")
    train = [Product(f"item {i}", p, f"Brand {p[1]}") for i, p in enumerate(TREE)]
    g = build_graph(t, train)
    ents = graph_entities(g)
    root = tmp_path_factory.mktemp("cache")
    settings = {"max_walks": 20, "epochs": 10}
    return t, g, ents, settings, root, embed_entities(g, ents, settings, root, seed=0)


def test_rdf2vec_vector_per_entity(embedded):
    t, g, ents, settings, root, vecs = embedded
    assert len(ents) == len(t) + 24 and set(vecs) == set(ents)
    assert all(v.shape == (64,) and v.dtype == np.float32 and np.abs(v).sum() > 0 for v in vecs.values())
    # pyrdf2vec's import replaces np.random.permutation process-wide; embed_entities puts it back.
    assert np.random.permutation is np.random.mtrand.permutation


HASHSEED_SCRIPT = """
import hashlib, sys, tempfile
import numpy as np
from prodcat.data.catalog import Product
from prodcat.graph.kg import build_graph, graph_entities
from prodcat.graph.rdf2vec import embed_entities
from prodcat.graph.taxonomy import Taxonomy
paths = [(f"T{a}", f"T{a}C{b}", f"T{a}C{b}L{c}") for a in range(2) for b in range(3) for c in range(3)]
g = build_graph(Taxonomy.from_paths(paths), [Product("x", p, f"B{i % 4}") for i, p in enumerate(paths)])
ents = graph_entities(g)
v = embed_entities(g, ents, {"max_walks": 5, "epochs": 2}, tempfile.mkdtemp(), seed=1)
print(hashlib.sha256(np.stack([v[e] for e in ents]).tobytes()).hexdigest())
"""


def test_rdf2vec_independent_of_pythonhashseed():
    """pyrdf2vec keeps hops and walks in sets; without our sorting the vectors change with the seed."""
    digests = set()
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        out = subprocess.run([sys.executable, "-c", HASHSEED_SCRIPT], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        digests.add(out.stdout.split()[-1])
    assert len(digests) == 1


def test_rdf2vec_cache_hit_and_deterministic(embedded, caplog):
    t, g, ents, settings, root, vecs = embedded
    (folder,) = (root / "rdf2vec").iterdir()
    mtime = (folder / "vectors.npy").stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="prodcat"):
        again = embed_entities(g, list(reversed(ents)), settings, root, seed=0)
    assert "cache hit" in caplog.text and "walks" not in caplog.text
    assert (folder / "vectors.npy").stat().st_mtime_ns == mtime
    assert all(np.array_equal(again[e], vecs[e]) for e in ents)
    assert {p.name for p in folder.iterdir()} >= {"vectors.npy", "entities.json", "graph.ttl", "meta.json"}


def test_rdf2vec_corrupted_cache_is_rebuilt(embedded, caplog):
    t, g, ents, settings, root, vecs = embedded
    (folder,) = (root / "rdf2vec").iterdir()
    with open(folder / "vectors.npy", "r+b") as f:
        f.seek(200)
        f.write(b"\x00garbage\x00")
    with caplog.at_level(logging.INFO, logger="prodcat"):
        rebuilt = embed_entities(g, ents, settings, root, seed=0)
    assert "checksum mismatch for vectors.npy" in caplog.text and "walks for" in caplog.text
    # A rebuild in a fresh run of walks + Word2Vec gives the very same vectors: seeded end to end.
    assert all(np.array_equal(rebuilt[e], vecs[e]) for e in ents)


def test_rdf2vec_vectors_learned_the_tree(embedded):
    t, g, ents, settings, root, vecs = embedded
    leaves = t.leaves
    x = np.stack([vecs[str(category_uri(n))] for n in leaves])  # (120, d)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    sim = x @ x.T
    np.fill_diagonal(sim, -np.inf)
    nearest = sim.argmax(axis=1)
    rate = np.mean([t.parent(leaves[i]) == t.parent(leaves[j]) for i, j in enumerate(nearest)])
    chance = 4 / (len(leaves) - 1)  # 4 siblings among 119 other leaves
    assert rate > 3 * chance, (rate, chance)


def test_rdf2vec_errors(embedded, tmp_path):
    t, g, ents, settings, root, vecs = embedded
    with pytest.raises(ValueError, match="unknown rdf2vec settings"):
        resolve_settings({"max_walk": 3})
    with pytest.raises(ValueError, match="unknown walker"):
        resolve_settings({"walker": "nope"})
    with pytest.raises(ValueError, match="no walkable triple"):
        embed_entities(g, ents[:3] + ["https://w3id.org/prodcat/category/missing"], settings, tmp_path)


# ---- linker -----------------------------------------------------------------------------------


def toy_linker() -> GraphLinker:
    t = small_tax()
    rng = np.random.default_rng(0)
    cats = {n: rng.normal(size=4).astype(np.float32) for n in t.nodes}
    brands = {b: rng.normal(size=4).astype(np.float32) for b in ("acme", "big zeta")}
    return GraphLinker(t, cats, brands, {"acme": "ACME", "big zeta": "Big Zeta"})


def test_linker_brands_and_categories():
    lk = toy_linker()
    cases = "Electronics > Phones > Phone Cases"
    link = lk.link(Product("Slim phone cases for Big Zeta X", ("a",), " Acme"))
    assert (link.brand, link.brand_source) == ("acme", "field")
    assert link.categories == [cases]  # "phone cases" -> "Phone Case(s)", longest first: not "Phones"
    link = lk.link(Product("big  ZETA smartphone", ("a",), "Unknown Co"))  # unknown field -> text
    assert (link.brand, link.brand_source) == ("big zeta", "text")
    assert link.categories == ["Electronics > Phones > Smartphones"]
    assert lk.link(Product("Zetaphone by Acmecorp", ("a",), "NotInTrain")).brand is None  # whole words only
    generic = lk.link(Product("phone accessories", ("a",), None)).categories
    assert generic == ["Electronics > Phones"]  # "Accessories" is generic: never linked


def test_linker_features_fallback_and_state(tmp_path):
    lk = toy_linker()
    products = [
        Product("acme phone case", ("a",), None),
        Product("nothing to see", ("a",), "Stranger"),
        Product("cameras and phones", ("a",), "ACME"),
    ]
    f = lk.features(products)
    d = 4
    assert f.shape == (3, lk.dim) and lk.dim == 2 * d + 2 and f.dtype == np.float32
    assert np.array_equal(f[1], np.zeros(lk.dim, np.float32))  # fallback: zeros, both flags 0
    assert f[0, 2 * d :].tolist() == [1.0, 1.0]
    cam, ph = "Electronics > Cameras", "Electronics > Phones"
    np.testing.assert_allclose(f[2, d : 2 * d], lk.category_matrix([cam, ph]).mean(axis=0), rtol=1e-6)
    assert lk.category_matrix([ph, cam]).shape == (2, d)
    with pytest.raises(KeyError, match="no graph vector"):
        lk.category_matrix(["nope"])
    state = json.loads(json.dumps(lk.state_dict()))  # plain Python values only
    back = GraphLinker.from_state_dict(state)
    assert np.array_equal(back.features(products), f) and back.brand_names == lk.brand_names


def test_linker_from_graph_links_titles_in_bulk(embedded):
    t, g, ents, settings, root, vecs = embedded
    lk = GraphLinker.from_graph(t, g, vecs)
    assert lk.dim == 2 * 64 + 2 and len(lk.brand_keys) == 24
    link = lk.link(Product("brand t1c2 thing of t1c2l3 kind", ("x",), None))
    assert (link.brand, link.categories) == ("brand t1c2", ["T1 > T1C2 > T1C2L3"])
    np.testing.assert_array_equal(lk.category_matrix([t.leaves[0]])[0], vecs[str(category_uri(t.leaves[0]))])
    titles = [Product(f"Brand T{i % 6}C{i % 4} super t{i % 6}c1 gadget number {i} with t0c0l1 extras", ("x",))
              for i in range(24_000)]
    feats = lk.features(titles)  # in bulk (about 0.3 s on 2 cores; speed is not asserted: tests check results)
    assert feats.shape == (24_000, lk.dim) and feats[:, -2:].min() == 1.0


def test_a_missing_pyrdf2vec_says_how_to_install_it(monkeypatch):
    import sys

    from prodcat.graph import pyrdf2vec_engine

    for name in [m for m in sys.modules if m.startswith("pyrdf2vec")] or ["pyrdf2vec"]:
        monkeypatch.setitem(sys.modules, name, None)  # `import pyrdf2vec...` now fails as if not installed
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps pyrdf2vec==0.2.3.*engine=fast"):
        pyrdf2vec_engine.import_pyrdf2vec()


@pytest.mark.parametrize("unit", [False, True])
def test_build_linker_unit_vectors(embedded, tmp_path, unit):
    """graph.unit_vectors scales each entity vector to length 1 (the same directions); off, the embedding's own
    norms reach g(x)."""
    from prodcat.data.catalog import Catalog
    from prodcat.prepare import build_linker

    t, g, ents, settings, root, vecs = embedded
    train = [Product(f"item {i}", p, f"Brand {p[1]}") for i, p in enumerate(TREE)]
    cfg = {"settings": settings, "unit_vectors": unit}  # the fixture's settings: its cached embedding
    linker = build_linker(Catalog("tree", train, [], []), t, cfg, root, tmp_path, seed=0)
    norms = np.linalg.norm(np.concatenate([linker.cat_vecs, linker.brand_vecs]), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5) == unit  # raw Word2Vec norms are not 1
    i = linker.cat_ids.index(t.leaves[0])
    raw = vecs[str(category_uri(t.leaves[0]))]
    assert np.allclose(linker.cat_vecs[i], raw / np.linalg.norm(raw) if unit else raw, atol=1e-5)
