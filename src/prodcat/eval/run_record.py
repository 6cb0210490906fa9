"""The `metrics.json` every run writes (neural and baseline alike), so sweeps summarise them the same way."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from omegaconf import DictConfig

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.data.labels import LabelSpace
from prodcat.provenance import provenance

log = logging.getLogger(__name__)


def run_record(cfg: DictConfig, catalog: Catalog, labels: LabelSpace, *, val: dict, test: dict,
               timings: dict, params: dict, choices: dict | None = None, link_rates: dict | None = None,
               best_checkpoint: str | None = None, slices: dict | None = None) -> dict:
    return {
        "val": val,
        "test": test,
        "objective": {"name": cfg.objective, "value": val.get(cfg.objective)},
        "timings": timings,
        "choices": {"experiment": cfg.experiment_name, "data": cfg.data.name, "backbone": cfg.backbone.name,
                    "head": cfg.head.name, "seed": cfg.seed, **(choices or {})},
        "params": params,
        "data": {"rows": {s: len(catalog.split(s)) for s in SPLITS}, "classes": len(labels),
                 **split_coverage(catalog),
                 "depth": labels.depth, "graph_link_rates": link_rates or {}, "info": catalog.info},
        "slices": slices or {},
        "best_checkpoint": best_checkpoint,
        "run_name": cfg.run_name,
        "provenance": provenance(),
    }


def split_coverage(catalog: Catalog) -> dict:
    """How many leaves each split holds, and how many training leaves no validation or test row scores
    (a seeded split keeps leaves with fewer than 3 rows in training: the long tail is never tested)."""
    leaves = {s: {p.leaf for p in catalog.split(s)} for s in SPLITS}
    return {"leaves": {s: len(v) for s, v in leaves.items()},
            "train_leaves_not_in_val_or_test": len(leaves["train"] - leaves["val"] - leaves["test"])}


def scored_every_row(split: str, pred: Sequence[int], target: Sequence[int]) -> bool:
    """Whether a pass predicted every row of `split`. `trainer.fast_dev_run` or `limit_test_batches` score
    only the first batches: per-row reports (slices, confusions, predictions) then have nothing to line up
    with, and are skipped with a warning instead of failing the run after training."""
    if len(pred) == len(target):
        return True
    log.warning("the %s pass predicted %d of %d rows (trainer.fast_dev_run or limit_%s_batches): no slice "
                "accuracy or per-row reports for it", split, len(pred), len(target), split)
    return False


def slice_accuracy(catalog: Catalog, split: str, pred: Sequence[int], target: Sequence[int]) -> dict:
    """Accuracy on each named slice of `split` (see `Catalog.slices`), and on all rows for reference."""
    correct = np.asarray(pred) == np.asarray(target)  # (N,)
    out = {"all": {"n": int(correct.size), "acc": float(correct.mean()) if correct.size else None}}
    for name, idx in catalog.slices.get(split, {}).items():
        out[name] = {"n": len(idx), "acc": float(correct[idx].mean()) if idx else None}
    return out


def write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)  # atomic: a sweep summary never reads half a file


def error_record(cfg: DictConfig, exc: BaseException, overrides: list[str]) -> dict:
    """What `error.json` holds for a failed job, so a sweep summary lists it beside the finished ones."""
    import traceback

    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
        "overrides": overrides,
        "choices": {"experiment": cfg.get("experiment_name"), "data": cfg.data.get("name"),
                    "backbone": cfg.backbone.get("name"), "head": cfg.head.get("name"), "seed": cfg.get("seed")},
        "run_name": cfg.get("run_name"),
    }
