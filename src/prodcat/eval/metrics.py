"""Leaf and per-level classification metrics (torchmetrics, so they also sync across processes).

A leaf prediction counts at level l through its ancestor at that level: predicting "Phones > Cases"
for a "Phones > Smartphones" product is wrong at the leaf and right at level 1. The mean of the
per-level weighted F1 is MWPD's official figure (`f1_weighted_mean_levels`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import (
    MulticlassAccuracy,
    MulticlassF1Score,
    MulticlassPrecision,
    MulticlassRecall,
)


def _collection(num_classes: int, with_topk: bool) -> MetricCollection:
    metrics = {
        "acc": MulticlassAccuracy(num_classes, average="micro"),
        "precision_weighted": MulticlassPrecision(num_classes, average="weighted"),
        "recall_weighted": MulticlassRecall(num_classes, average="weighted"),
        "f1_weighted": MulticlassF1Score(num_classes, average="weighted"),
        "f1_macro": MulticlassF1Score(num_classes, average="macro"),
    }
    if with_topk:
        metrics["acc_top5"] = MulticlassAccuracy(num_classes, top_k=min(5, num_classes), average="micro")
    return MetricCollection(metrics)


class HierarchicalMetrics(nn.Module):
    """`update(logits (B, C), target (B,))`, then `compute()` -> {"acc": ..., "lvl1/f1_weighted": ...}."""

    def __init__(self, num_classes: int, level_ids: Sequence[Sequence[int]]):
        super().__init__()
        self.leaf = _collection(num_classes, with_topk=True)
        # (L, C): class id at each level of every leaf's ancestor
        self.register_buffer("level_map", torch.tensor(level_ids, dtype=torch.long), persistent=False)
        # A level with one category (a catalog under a single root) is right for every row; torchmetrics
        # needs two classes, so such a level is counted over two (the second never occurs: scores stay 1.0).
        self.levels = nn.ModuleList(_collection(max(2, max(ids) + 1), with_topk=False)
                                    for ids in level_ids)

    def update(self, logits: torch.Tensor, target: torch.Tensor) -> None:
        self.leaf.update(logits, target)
        pred = logits.argmax(-1)
        for level, metrics in enumerate(self.levels):
            ancestors = self.level_map[level]
            metrics.update(ancestors[pred], ancestors[target])

    def compute(self) -> dict[str, float]:
        out = {k: float(v) for k, v in self.leaf.compute().items()}
        for level, metrics in enumerate(self.levels, start=1):
            out.update({f"lvl{level}/{k}": float(v) for k, v in metrics.compute().items()})
        f1s = [out[f"lvl{level}/f1_weighted"] for level in range(1, len(self.levels) + 1)]
        out["f1_weighted_mean_levels"] = sum(f1s) / len(f1s)
        return out

    def reset(self) -> None:
        self.leaf.reset()
        for metrics in self.levels:
            metrics.reset()
