"""Test-time tables and the category-vector picture, on small data built here."""

import numpy as np

from prodcat.data.catalog import Product
from prodcat.data.labels import LabelSpace
from prodcat.eval.plots import plot_category_vectors
from prodcat.eval.report_tables import report_tables
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


def test_a_run_writes_its_test_report_and_picture_and_logs_them_to_wandb(tmp_path):
    """train() itself produces the tables and the picture, and the offline W&B run holds them."""
    import json

    from prodcat.train import train

    from .conftest import FAST, compose

    overrides = [o for o in FAST if not o.startswith("logger=")] + ["+experiment=hybrid", "logger=wandb"]
    metrics, objs = train(compose(overrides, tmp_path))
    run = tmp_path / "run"
    tables = json.loads((run / "test_report.json").read_text())
    n_test = len(objs["catalog"].test)
    assert sum(row[4] for row in tables["per_class_f1"]["data"]) == n_test  # supports add up to the test rows
    for text, true_path, predicted_path, confidence, correct in tables["samples"]["data"]:
        assert text and correct == (true_path == predicted_path) and 0.0 < confidence <= 1.0
    assert sum(map(sum, tables["top_level_confusion"]["matrix"])) == n_test
    assert (run / "category_vectors.png").stat().st_size > 5000
    media = {p.name.split("_")[0] for p in (run / "wandb").glob("offline-run-*/files/media/**/*.json")}
    assert {"samples", "per", "confused", "top"} <= media, media  # W&B names table files <key>_<step>_<hash>
    assert list((run / "wandb").glob("offline-run-*/files/media/images/graph/category_vectors*.png"))
