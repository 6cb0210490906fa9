"""Issue 23's Spark local-mode job (experiments/rdf2vec_scale/spark_local.py) on a tiny generated graph: the walks
drawn inside Spark partitions follow real edges with the fast engine's semantics, MLlib Word2Vec gives every
entity a vector, and the category vectors keep the tree. Needs the optional `spark` extra (pyspark) and Java;
the default install skips this file."""

import shutil
import sys

import numpy as np
import pytest

from .conftest import ROOT

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("pyspark needs Java (17) on PATH", allow_module_level=True)

sys.path.insert(0, str(ROOT / "experiments" / "rdf2vec_scale"))
import spark_local  # noqa: E402

from prodcat.graph import walks  # noqa: E402
from prodcat.graph.rdf2vec import resolve_settings  # noqa: E402
from prodcat.graph.synthetic_kg import product_graph  # noqa: E402

pytestmark = pytest.mark.slow
SETTINGS = resolve_settings({"engine": "fast", "max_walks": 8, "epochs": 5})


@pytest.fixture(scope="module")
def spark():
    s = spark_local.session(cores=2, driver_memory="1g")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def kg():
    return product_graph(4000, seed=0)  # 80 categories, 80 brands, ~1,900 products


def test_spark_walks_follow_edges_and_are_distinct(spark, kg):
    wg = kg.walk_graph()
    ids = np.sort(wg.ids(kg.subjects()))  # the CSR's ids (sorted-name order), not the generator's
    df = spark_local.spark_walks(spark, wg, ids, SETTINGS, seed=0, partitions=3)
    rows = [[int(t) for t in r.walk] for r in df.collect()]
    assert df.rdd.getNumPartitions() == 3
    edges = {(s, wg.n_nodes + int(p), int(o)) for s in range(wg.n_nodes)
             for p, o in zip(wg.pred[wg.indptr[s]:wg.indptr[s + 1]], wg.obj[wg.indptr[s]:wg.indptr[s + 1]],
                             strict=True)}
    per_start: dict[int, set] = {}
    for w in rows:
        assert 3 <= len(w) <= 1 + 2 * SETTINGS["max_depth"] and len(w) % 2 == 1
        for i in range(0, len(w) - 2, 2):  # every hop is an out-edge of the node it leaves
            assert (w[i], w[i + 1], w[i + 2]) in edges, w
        if len(w) < 1 + 2 * SETTINGS["max_depth"]:
            assert wg.degree[w[-1]] == 0, f"walk {w} stops at a node with out-edges"
        per_start.setdefault(w[0], set()).add(tuple(w))
    assert sorted(per_start) == ids.tolist()  # every entity is walked from, nothing else
    assert sum(len(v) for v in per_start.values()) == len(rows)  # distinct per entity
    assert max(len(v) for v in per_start.values()) <= SETTINGS["max_walks"]
    # seeded: the same job again gives the same walks
    again = [[int(t) for t in r.walk] for r in spark_local.spark_walks(spark, wg, ids, SETTINGS, 0, 3).collect()]
    assert again == rows


def test_mllib_word2vec_vectors_keep_the_tree(spark, kg):
    from measure import intrinsic

    wg = kg.walk_graph()
    ids = np.sort(wg.ids(kg.subjects()))  # the CSR's ids (sorted-name order), not the generator's
    df = spark_local.spark_walks(spark, wg, ids, SETTINGS, seed=0, partitions=2)
    vec = spark_local.mllib_word2vec(df, SETTINGS, seed=0, partitions=1)
    n_tokens = wg.n_nodes + len(wg.predicates)
    words = walks.token_words(ids, n_tokens)
    assert all(w in vec for w in words)  # every entity has a vector
    assert {v.shape for v in vec.values()} == {(SETTINGS["vector_size"],)}
    names = wg.tokens()
    score = intrinsic("synthetic_10k", kg, {names[int(w)]: v for w, v in vec.items()})  # the synthetic-tree path
    assert score["sibling_at_5"] > 0.5 * score["ceiling"], score
    assert score["sibling_at_5"] > 10 * score["chance"], score
