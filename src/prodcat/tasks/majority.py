"""task=majority: every row gets the most frequent training leaf. The floor any model must clear, and the
smallest complete task (CONTRIBUTING.md walks through it): `python train.py task=majority data=mwpd`."""

from __future__ import annotations

import numpy as np
import torch

from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.eval.run_record import run_record
from prodcat.tasks.context import Result, RunContext


def run(ctx: RunContext) -> Result:
    cfg, catalog = ctx.cfg, ctx.catalog
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, cfg.data.skip_invalid)
    prior = np.bincount(y["train"], minlength=len(labels)).astype(np.float32)  # (C,) training counts
    scores = {}
    for split in ("val", "test"):
        metrics = HierarchicalMetrics(len(labels), labels.level_ids)
        metrics.update(torch.from_numpy(np.tile(prior, (len(y[split]), 1))), torch.as_tensor(y[split]))
        scores[split] = {f"{split}/{k}": v for k, v in metrics.compute().items()}
    record = run_record(cfg, catalog, labels, val=scores["val"], test=scores["test"] if cfg.test else {},
                        timings={"load_s": ctx.load_s, "total_s": ctx.elapsed()}, params={"total": len(labels)},
                        choices={"backbone": "none", "head": "majority"})
    ctx.write_metrics(record)
    return Result(record, {"catalog": catalog, "labels": labels, "prior": prior})
