"""Test-time tables and the category-vector picture, on small data built here."""

import numpy as np

from prodcat.data.catalog import Product
from prodcat.data.labels import LabelSpace
from prodcat.eval.plots import plot_category_vectors
from prodcat.eval.test_report import report_tables
from prodcat.graph.linker import GraphLinker
from prodcat.graph.taxonomy import Taxonomy

PATHS = [("A", "B", "C"), ("A", "B", "D"), ("E", "F", "G"), ("E", "H", "I")]


def test_tables_count_what_happened():
    labels = LabelSpace.from_products([Product("", p) for p in PATHS])
    target = [0, 0, 1, 2, 3, 3]
    pred = [0, 1, 1, 2, 2, 2]  # two "E > H > I" rows predicted as "E > F > G"
    tables = report_tables(["t"] * 6, target, pred, [0.9] * 6, labels, n_samples=4)
    assert len(tables["samples"]["data"]) == 4
    assert tables["confused_pairs"]["data"][0] == ["E > H > I", "E > F > G", 2]
    per_class = {row[0]: row for row in tables["per_class_f1"]["data"]}
    assert per_class["E > H > I"][1] == 0.0 and per_class["E > H > I"][4] == 2
    assert tables["top_level_confusion"]["classes"] == ["A", "E"]
    assert tables["top_level_confusion"]["matrix"] == [[3, 0], [0, 3]]  # all errors stay within a top level


def test_category_vector_picture_is_written(tmp_path):
    tax = Taxonomy.from_paths(PATHS)
    rng = np.random.default_rng(0)
    linker = GraphLinker(tax, {n: rng.normal(size=8).astype(np.float32) for n in tax.nodes}, {}, {})
    out = plot_category_vectors(linker, tmp_path / "category_vectors.png")
    assert out.stat().st_size > 5000
