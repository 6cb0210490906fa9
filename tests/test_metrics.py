"""Leaf and per-level metrics agree with scikit-learn on the same predictions."""

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score

from prodcat.data.catalog import Product
from prodcat.data.labels import LabelSpace
from prodcat.eval.metrics import HierarchicalMetrics


def test_metrics_match_sklearn_at_every_level():
    paths = [("A", "B", "C"), ("A", "B", "D"), ("A", "E", "F"), ("G", "H", "I"), ("G", "H", "J"), ("G", "K")]
    labels = LabelSpace.from_products([Product("", p) for p in paths])
    rng = np.random.default_rng(0)
    target = rng.integers(0, len(labels), 400)
    logits = rng.normal(size=(400, len(labels)))
    logits[np.arange(400), target] += rng.uniform(0, 3, 400)  # better than chance, far from perfect
    pred = logits.argmax(1)

    metrics = HierarchicalMetrics(len(labels), labels.level_ids)
    for chunk in np.array_split(np.arange(400), 7):  # several batches, as in an epoch
        metrics.update(torch.tensor(logits[chunk], dtype=torch.float32), torch.tensor(target[chunk]))
    out = metrics.compute()

    assert np.isclose(out["acc"], accuracy_score(target, pred))
    assert np.isclose(out["f1_weighted"], f1_score(target, pred, average="weighted"))
    assert np.isclose(out["f1_macro"], f1_score(target, pred, average="macro"))
    top5 = np.argsort(-logits, 1)[:, :5]
    assert np.isclose(out["acc_top5"], np.mean([t in row for t, row in zip(target, top5, strict=True)]))
    f1s = []
    for level in range(labels.depth):
        m = np.asarray(labels.level_ids[level])
        f1 = f1_score(m[target], m[pred], average="weighted")
        assert np.isclose(out[f"lvl{level + 1}/f1_weighted"], f1), level
        f1s.append(f1)
    assert np.isclose(out["f1_weighted_mean_levels"], np.mean(f1s))
    # a wrong leaf under the right parent still counts at the upper levels
    assert out["lvl1/acc"] > out["acc"]


def test_a_catalog_under_one_root_scores_its_single_category_level_as_right():
    paths = [("Toys", "Bricks"), ("Toys", "Dolls"), ("Toys", "Puzzles")]
    labels = LabelSpace.from_products([Product("", p) for p in paths])
    target = torch.tensor([0, 1, 2, 0])
    logits = torch.eye(3)[[0, 2, 2, 1]]  # two of four leaves right
    metrics = HierarchicalMetrics(len(labels), labels.level_ids)
    metrics.update(logits, target)
    out = metrics.compute()
    assert out["lvl1/acc"] == 1.0 and out["lvl1/f1_macro"] == 1.0 and out["acc"] == 0.5
    assert np.isclose(out["f1_weighted_mean_levels"], (1.0 + out["lvl2/f1_weighted"]) / 2)
