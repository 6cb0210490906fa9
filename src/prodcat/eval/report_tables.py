"""What a reader wants to see after a test run, as plain tables (written to `test_report.json` and, when
W&B logs the run, as W&B tables): sample predictions, per-class F1, the most confused category pairs,
and the confusion matrix of the top level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from prodcat.data.labels import LabelSpace


def report_tables(texts: Sequence[str], target: Sequence[int], pred: Sequence[int], confidence: Sequence[float],
                labels: LabelSpace, n_samples: int = 100, n_pairs: int = 20, seed: int = 0) -> dict:
    """Each table is {"columns": [...], "data": [[...], ...]}; the confusion matrix also has class names."""
    target, pred = np.asarray(target), np.asarray(pred)
    rows = np.random.default_rng(seed).permutation(len(target))[:n_samples]  # a fixed, seeded sample
    samples = [[texts[i], labels.leaves[target[i]], labels.leaves[pred[i]], round(float(confidence[i]), 4),
                bool(target[i] == pred[i])] for i in rows]

    classes = np.arange(len(labels))
    p, r, f1, support = precision_recall_fscore_support(target, pred, labels=classes, zero_division=0)
    per_class = [[labels.leaves[c], round(float(f1[c]), 4), round(float(p[c]), 4), round(float(r[c]), 4),
                  int(support[c])] for c in classes if support[c] > 0]
    per_class.sort(key=lambda row: row[1])  # worst classes first

    pairs = Counter((int(t), int(q)) for t, q in zip(target, pred, strict=True) if t != q).most_common(n_pairs)
    confused = [[labels.leaves[t], labels.leaves[q], n] for (t, q), n in pairs]

    top = np.asarray(labels.level_ids[0])  # class id -> top-level id
    names = list(labels.level_names[0])
    matrix = confusion_matrix(top[target], top[pred], labels=np.arange(len(names)))
    return {
        "samples": {"columns": ["text", "true_path", "predicted_path", "confidence", "correct"], "data": samples},
        "per_class_f1": {"columns": ["class", "f1", "precision", "recall", "support"], "data": per_class},
        "confused_pairs": {"columns": ["true_path", "predicted_path", "count"], "data": confused},
        "top_level_confusion": {"classes": names, "matrix": matrix.tolist()},
    }


def log_to_wandb(loggers: Sequence, tables: dict, split: str = "test") -> None:
    """Log the tables to every W&B logger among `loggers` (others are left alone)."""
    from lightning.pytorch.loggers import WandbLogger

    for logger in loggers:
        if not isinstance(logger, WandbLogger):
            continue
        for name in ("samples", "per_class_f1", "confused_pairs"):
            logger.log_table(f"{split}/{name}", columns=tables[name]["columns"], data=tables[name]["data"])
        names = tables["top_level_confusion"]["classes"]
        cells = [[names[i], names[j], n] for i, row in enumerate(tables["top_level_confusion"]["matrix"])
                 for j, n in enumerate(row) if n]
        logger.log_table(f"{split}/top_level_confusion", columns=["true", "predicted", "count"], data=cells)
