"""The fast RDF2Vec engine (prodcat.graph.walks): walks follow the graph, hops are uniform, the settings
are honoured, and on a small tree its vectors do what pyrdf2vec's do."""

from __future__ import annotations

import numpy as np
import pytest
from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from scipy.stats import chi2

from prodcat.data.catalog import Product
from prodcat.graph import walks
from prodcat.graph.kg import build_graph, category_uri, graph_entities
from prodcat.graph.rdf2vec import DEFAULT_SETTINGS, embed_entities, resolve_settings
from prodcat.graph.synthetic_kg import product_graph
from prodcat.graph.taxonomy import Taxonomy
from prodcat.graph.walks import PAD, WalkGraph, random_walks


def random_graph(n: int = 60, m: int = 240, n_preds: int = 3, seed: int = 0) -> WalkGraph:
    """Varied out-degrees, parallel edges with different predicates, self-loops and dead ends."""
    rng = np.random.default_rng(seed)
    subj = rng.integers(0, n - 10, m)  # the last 10 nodes have no out-edge: dead ends
    return WalkGraph.from_id_triples(subj, rng.integers(0, n_preds, m), rng.integers(0, n, m),
                                     [f"n{i:03d}" for i in range(n)], [f"p{j}" for j in range(n_preds)])


def edges_of(g: WalkGraph) -> set[tuple[int, int, int]]:
    src = np.repeat(np.arange(g.n_nodes), g.degree)
    return set(zip(src.tolist(), g.pred.tolist(), g.obj.tolist(), strict=True))


# ---- the graph --------------------------------------------------------------------------------


def test_from_id_triples_sorts_and_dedupes():
    # In: c=0, a=1, b=2; q=0, p=1. Triples c-p->a (twice), c-q->b, a-q->c.
    g = WalkGraph.from_id_triples([0, 0, 0, 1], [1, 0, 1, 0], [1, 2, 1, 0], ["c", "a", "b"], ["q", "p"])
    assert g.names.tolist() == ["a", "b", "c"] and g.predicates.tolist() == ["p", "q"]  # ids by sorted name
    assert g.degree.tolist() == [1, 0, 2]  # the repeated triple counts once
    hops = [(g.predicates[p], g.names[o]) for p, o in zip(g.pred[g.indptr[2]:], g.obj[g.indptr[2]:], strict=True)]
    assert hops == [("p", "a"), ("q", "b")]  # sorted by (predicate, object), like SortedKG
    assert g.ids(["b", "c"]).tolist() == [1, 2]
    with pytest.raises(KeyError, match=r"1 names are not nodes.*'zz'"):
        g.ids(["a", "zz"])
    with pytest.raises(ValueError, match="object ids must lie in"):
        WalkGraph.from_id_triples([0], [0], [5], ["a", "b"], ["p"])
    with pytest.raises(ValueError, match="node names must be unique"):
        WalkGraph.from_id_triples([0], [0], [1], ["a", "a"], ["p"])


def test_from_rdflib_has_pyrdf2vec_hops(tmp_path):
    """Parity with the reference's graph reading: the same hops, in the same (sorted) order, for every
    node, with rdf:type, labels and other skipped predicates left out and literal objects kept as nodes."""
    from prodcat.graph.kg import write_turtle
    from prodcat.graph.pyrdf2vec_engine import sorted_kg_class

    t = Taxonomy.from_paths([("A", "B", "C"), ("A", "B", "D"), ("A", "E")], "t")
    g = build_graph(t, [Product("x", ("A", "B", "C"), "Acme"), Product("y", ("A", "E"), "Acme")])
    g.add((category_uri("A"), URIRef("https://w3id.org/prodcat/note"), Literal("free text")))
    skip = DEFAULT_SETTINGS["skip_predicates"]
    wg = WalkGraph.from_rdflib(g, skip)
    kg = sorted_kg_class()(str(write_turtle(g, tmp_path / "g.ttl")), skip_predicates=set(skip))
    from pyrdf2vec.graphs import Vertex

    assert set(wg.names) == {v.name for v in kg._vertices if not v.predicate}
    for i, name in enumerate(wg.names):
        ours = [(wg.predicates[p], wg.names[o]) for p, o in
                zip(wg.pred[wg.indptr[i]:wg.indptr[i + 1]], wg.obj[wg.indptr[i]:wg.indptr[i + 1]], strict=True)]
        ref = [(p.name, o.name) for p, o in kg.get_hops(Vertex(name))]
        assert ours == ref, name
    assert not {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel)} & set(wg.predicates)
    assert "free text" in set(wg.names)


# ---- the walks --------------------------------------------------------------------------------


def test_every_step_is_an_edge_and_walks_stop_only_at_dead_ends():
    g = random_graph()
    edges = edges_of(g)
    depth = 4
    w = random_walks(g, np.arange(g.n_nodes), depth, 15, seed=0)
    assert w.shape[1] == 1 + 2 * depth and w.dtype == np.int32
    n_hops = (w[:, 1::2] >= 0).sum(axis=1)
    for walk, h in zip(w.tolist(), n_hops.tolist(), strict=True):
        assert all(x == PAD for x in walk[1 + 2 * h:])  # padding only after the last hop
        for k in range(h):
            node, pred, obj = walk[2 * k], walk[2 * k + 1] - g.n_nodes, walk[2 * k + 2]
            assert (node, pred, obj) in edges
        if h < depth:  # a short walk ends on a node without out-edges
            assert g.degree[walk[2 * h]] == 0
    assert (n_hops == 0).sum() == (g.degree == 0).sum() >= 10  # a dead-end entity: its one walk (entity,)


def _chi2_pvalue(g: WalkGraph, w: np.ndarray) -> float:
    """Pearson chi-square of the chosen out-edge at every hop of every walk, against uniform per node."""
    counts = np.zeros(g.n_edges)
    for k in range((w.shape[1] - 1) // 2):
        node, pred, obj = w[:, 2 * k], w[:, 2 * k + 1] - g.n_nodes, w[:, 2 * k + 2]
        live = w[:, 2 * k + 1] >= 0
        node, pred, obj = node[live], pred[live], obj[live]
        # The edge index of (node, pred, obj): edges are sorted by (node, pred, obj), so search in the node's slice.
        key_all = (np.repeat(np.arange(g.n_nodes), g.degree) * (len(g.predicates) + 1) + g.pred) * g.n_nodes + g.obj
        key = (node.astype(np.int64) * (len(g.predicates) + 1) + pred) * g.n_nodes + obj
        np.add.at(counts, np.searchsorted(key_all, key), 1)
    stat, df = 0.0, 0
    src = np.repeat(np.arange(g.n_nodes), g.degree)
    for v in np.flatnonzero(g.degree >= 2):
        c = counts[src == v]
        expected = c.sum() / len(c)
        stat += ((c - expected) ** 2 / expected).sum()
        df += len(c) - 1
    return float(chi2.sf(stat, df))


def leaning_walks(g: WalkGraph, starts: np.ndarray, depth: int, n: int, seed: int, lean: float) -> np.ndarray:
    """A walker that takes a node's first out-edge with probability `lean`, else a uniform one."""
    rng = np.random.default_rng(seed)
    w = np.full((len(starts) * n, 1 + 2 * depth), PAD, np.int32)
    cur = np.repeat(starts, n)
    w[:, 0] = cur
    rows = np.arange(len(w))
    for k in range(depth):
        deg = g.degree[cur]
        rows, cur, deg = rows[deg > 0], cur[deg > 0], deg[deg > 0]
        edge = g.indptr[cur] + np.where(rng.random(len(rows)) < lean, 0, rng.integers(0, deg))
        cur = g.obj[edge]
        w[rows, 2 * k + 1], w[rows, 2 * k + 2] = g.n_nodes + g.pred[edge], cur
    return w


def test_next_hop_frequencies_are_uniform():
    g = random_graph()
    starts = np.arange(g.n_nodes)
    assert _chi2_pvalue(g, random_walks(g, starts, 4, 300, seed=7, dedupe=False)) > 1e-3
    # The test has the power to reject a sampler that leans a little (1 draw in 10) towards the first
    # out-edge, or always takes it; the same helper without a lean passes.
    assert _chi2_pvalue(g, leaning_walks(g, starts, 4, 300, seed=7, lean=0.0)) > 1e-3
    assert _chi2_pvalue(g, leaning_walks(g, starts, 4, 300, seed=7, lean=0.1)) < 1e-6
    assert _chi2_pvalue(g, leaning_walks(g, starts, 4, 300, seed=7, lean=1.0)) < 1e-6


def test_settings_honoured_and_deterministic():
    g = random_graph()
    starts = np.arange(g.n_nodes - 10)
    for depth, n_walks in ((1, 3), (3, 7)):
        w = random_walks(g, starts, depth, n_walks, seed=0, dedupe=False)
        assert w.shape == (len(starts) * n_walks, 1 + 2 * depth)
        assert np.array_equal(w[:, 0], np.repeat(starts, n_walks))  # grouped by start, in order
        d = random_walks(g, starts, depth, n_walks, seed=0)
        per_start = np.bincount(d[:, 0], minlength=g.n_nodes)[starts]
        assert per_start.max() <= n_walks and len(np.unique(d, axis=0)) == len(d)  # distinct, at most max
    a, b = random_walks(g, starts, 4, 20, seed=3), random_walks(g, starts, 4, 20, seed=3)
    assert np.array_equal(a, b) and not np.array_equal(a, random_walks(g, starts, 4, 20, seed=4))
    # Walks per entity: pyrdf2vec gives min(max_walks, number of distinct walks); this engine about as many.
    possible = np.array([n_distinct_walks(g, v, 4) for v in starts])
    got = np.bincount(a[:, 0], minlength=g.n_nodes)[starts]
    assert np.mean(got / np.minimum(20, possible)) > 0.85, np.c_[got, possible]


def n_distinct_walks(g: WalkGraph, v: int, depth: int) -> int:
    """How many distinct maximal walks (depth hops, or ending at a dead end) leave v."""
    if depth == 0 or g.degree[v] == 0:
        return 1
    return sum(n_distinct_walks(g, int(o), depth - 1) for o in g.obj[g.indptr[v]:g.indptr[v + 1]])


def test_corpus_round_trip(tmp_path):
    g = random_graph()
    w = random_walks(g, np.arange(g.n_nodes), 3, 4, seed=0)
    n_tokens = g.n_nodes + len(g.predicates)
    total = walks.write_corpus(w, tmp_path / "c.txt", n_tokens)
    lines = (tmp_path / "c.txt").read_text().splitlines()
    assert len(lines) == len(w) and total == int((w >= 0).sum())
    words = walks.token_words(np.arange(n_tokens), n_tokens)
    back = [[words.index(t) for t in line.split()] for line in lines[:50]]
    assert back == [[x for x in row if x >= 0] for row in w[:50].tolist()]


@pytest.mark.parametrize("sg", [1, 0])
def test_build_vocab_is_gensims_bit_for_bit(tmp_path, sg):
    """The array-op vocabulary gives the model gensim's own `build_vocab_from_freq` gives: same words in the
    same order, counts, downsampling and negative-sampling tables, and the same vectors after training (1
    worker). A gensim release that changes its vocabulary code fails here, not silently."""
    from gensim.models import Word2Vec

    g = product_graph(3000, seed=1)
    wg = g.walk_graph()
    w = random_walks(wg, np.unique(g.triples[:, 0]), 4, 5, seed=0)
    n_tokens = wg.n_nodes + len(wg.predicates)
    counts = np.bincount(w[w >= 0], minlength=n_tokens)
    present = np.flatnonzero(counts)
    words = walks.token_words(present, n_tokens)
    corpus = str(tmp_path / "walks.txt")
    total = walks.write_corpus(w, corpus, n_tokens)
    models = []
    for fast in (True, False):
        m = Word2Vec(vector_size=16, window=5, epochs=2, sg=sg, negative=5, min_count=1, workers=1, seed=3,
                     hashfxn=walks.stable_hash)
        if fast:
            walks.build_vocab(m, words, counts[present])
        else:
            m.build_vocab_from_freq(dict(zip(words, counts[present].tolist(), strict=True)))
        models.append(m)
    ours, theirs = models
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    assert set(ours.wv.expandos) == set(theirs.wv.expandos)
    for attr, values in theirs.wv.expandos.items():
        assert ours.wv.expandos[attr].dtype == values.dtype and np.array_equal(ours.wv.expandos[attr], values), attr
    assert np.array_equal(ours.cum_table, theirs.cum_table) and ours.cum_table.dtype == theirs.cum_table.dtype
    assert np.array_equal(ours.wv.vectors, theirs.wv.vectors)  # the initial weights
    for m in models:
        m.train(corpus_file=corpus, total_words=total, epochs=m.epochs)
    assert np.array_equal(ours.wv.vectors, theirs.wv.vectors) and np.array_equal(ours.syn1neg, theirs.syn1neg)


def test_build_vocab_refuses_what_it_does_not_mirror():
    from gensim.models import Word2Vec

    with pytest.raises(ValueError, match="min_count=1"):
        walks.build_vocab(Word2Vec(min_count=2), ["a", "b"], np.array([3, 1]))


# ---- the engine in embed_entities -------------------------------------------------------------

TREE = [(f"T{a}", f"T{a}C{b}", f"T{a}C{b}L{c}") for a in range(6) for b in range(4) for c in range(5)]


def sibling_rate(t: Taxonomy, vecs: dict) -> float:
    """Share of leaves whose nearest leaf (cosine) has the same parent (chance: 4/119)."""
    x = np.stack([vecs[str(category_uri(n))] for n in t.leaves])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    sim = x @ x.T
    np.fill_diagonal(sim, -np.inf)
    return float(np.mean([t.parent(t.leaves[i]) == t.parent(t.leaves[j]) for i, j in enumerate(sim.argmax(1))]))


@pytest.mark.slow  # trains 2 engines x 3 seeds of RDF2Vec (~12 s)
def test_fast_engine_matches_pyrdf2vec_downstream(tmp_path):
    """Leaves of the same parent sit nearest each other as often with either engine, over 3 seeds.
    Brands are left out so the tree alone shapes the vectors (harder: with brands both reach 1.0)."""
    t = Taxonomy.from_paths(TREE, "tree")
    g = build_graph(t, [])
    ents = graph_entities(g)
    rates = {engine: [sibling_rate(t, embed_entities(g, ents, {"engine": engine, "epochs": 5}, tmp_path, seed=s))
                      for s in range(3)] for engine in ("pyrdf2vec", "fast")}
    ref, fast = np.array(rates["pyrdf2vec"]), np.array(rates["fast"])
    chance = 4 / 119
    assert ref.mean() > 5 * chance and fast.mean() > 5 * chance, rates
    spread = max(ref.max() - ref.min(), fast.max() - fast.min(), 0.05)
    assert abs(fast.mean() - ref.mean()) <= spread, rates
    assert len(list((tmp_path / "rdf2vec").iterdir())) == 6  # the engine is part of the cache key


def test_fast_engine_cache_and_errors(tmp_path):
    t = Taxonomy.from_paths(TREE[:20], "tree")
    g = build_graph(t, [Product("x", p, f"B{i % 3}") for i, p in enumerate(TREE[:20])])
    ents = graph_entities(g)
    s = {"engine": "fast", "max_walks": 5, "epochs": 2}
    timings: dict = {}
    v1 = embed_entities(g, ents, s, tmp_path / "a", seed=1, timings=timings)
    assert {"walks_s", "word2vec_s", "n_walks", "total_s"} <= set(timings) and timings["n_walks"] > len(ents)
    v2 = embed_entities(g, ents, s, tmp_path / "b", seed=1)  # a fresh build: workers=1 is bit-reproducible
    assert all(np.array_equal(v1[e], v2[e]) and v1[e].shape == (64,) for e in ents)
    (folder,) = (tmp_path / "a" / "rdf2vec").iterdir()
    assert {p.name for p in folder.iterdir()} == {"vectors.npy", "entities.json", "meta.json"}
    with pytest.raises(ValueError, match="no walkable triple"):
        embed_entities(g, ents[:2] + ["https://w3id.org/prodcat/category/missing"], s, tmp_path)
    with pytest.raises(ValueError, match="random walker only.*engine: pyrdf2vec"):
        resolve_settings({"engine": "fast", "walker": "wl"})
    with pytest.raises(ValueError, match="fast engine takes none"):
        resolve_settings({"engine": "fast", "walker_kwargs": {"n_jobs": 2}})
    with pytest.raises(ValueError, match="unknown rdf2vec engine"):
        resolve_settings({"engine": "turbo"})
    assert resolve_settings({"walker": "wl"})["engine"] == "pyrdf2vec"  # other walkers: the reference engine


def test_synthetic_product_graph():
    kg = product_graph(20_000, seed=0)
    assert abs(len(kg.triples) - 20_000) < 100 and kg.n_categories == kg.n_brands == 400
    g = kg.walk_graph()
    assert g.n_edges == len(kg.triples) and g.n_nodes == len(kg.names)
    assert len(kg.subjects()) == kg.n_categories + kg.n_brands + kg.n_products  # every node has an out-edge
    assert len(kg.to_rdflib()) == len(kg.triples)
    assert np.array_equal(product_graph(20_000, seed=0).triples, kg.triples)
