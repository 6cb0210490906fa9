"""MWPD2020 task 2 (WDC product offers labelled with 3 levels of the GS1 GPC): the official split.

`<root>/mwpd2020/{train,validation,test}.jsonl`, one offer per line (see data/REAL_DATASETS.md).
- text: the `text_fields` joined with " | " (default `Name` only, as in the published baselines).
- path: (lvl1, lvl2, lvl3) exactly as given. The `"<code>_<name>"` strings are the GPC ids: kept whole,
  label ids stay stable and equal names under different codes stay distinct.
- brand: None (MWPD has no brand field), so the graph gets no brand edges from this catalog.

`train_on="trainval"` trains on train + validation and STILL reports validation as `val`: model
selection on val is then not clean (those rows were trained on). It exists only to reproduce the
published train+validation figure on test; use `train_on=train` for anything that selects on val.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from prodcat.data.catalog import Catalog
from prodcat.data.readers import read_products, require_file

log = logging.getLogger(__name__)

SUBDIR = "mwpd2020"
FILES = {"train": "train.jsonl", "val": "validation.jsonl", "test": "test.jsonl"}
LEVELS = ("lvl1", "lvl2", "lvl3")
_PATH = "_path"  # the three level fields joined into one list-valued path field


DOWNLOAD_HINT = "fetch it with `bash data/download.sh <dir>`, then set data.root=<dir>"


def _with_path(record: dict | str) -> dict | str:
    """The record with its three levels as one path; a problem text when a level field is missing."""
    if isinstance(record, str):
        return record
    missing = [k for k in LEVELS if k not in record]
    if missing:
        return f"missing field(s) {missing}"
    return {**record, _PATH: [record[k] for k in LEVELS]}


def read_mwpd(
    root: str | Path,
    name: str = "mwpd",
    text_fields: Sequence[str] = ("Name",),
    train_on: str = "train",
    skip_invalid: bool = False,
) -> Catalog:
    if train_on not in ("train", "trainval"):
        raise ValueError(f"data.catalog.train_on must be 'train' or 'trainval', got {train_on!r}")
    folder = Path(root) / SUBDIR
    paths = {s: require_file(folder / f, DOWNLOAD_HINT) for s, f in FILES.items()}  # all checked before reading
    info: dict = {"source": str(folder), "files": {s: p.name for s, p in paths.items()},
                  "text_fields": list(text_fields), "train_on": train_on, "dropped": {}}
    splits = {}
    for s, p in paths.items():
        splits[s], dropped = read_products(p, list(text_fields), _PATH, fmt="jsonl", skip_invalid=skip_invalid,
                                           transform=_with_path)
        info["dropped"].update({f"{s}:{k}": v for k, v in dropped.items()})
    info["rows_per_file"] = {s: len(rows) for s, rows in splits.items()}  # valid rows, before any merge
    if train_on == "trainval":
        splits["train"] = splits["train"] + splits["val"]
        log.warning("mwpd: training on train+validation (%d rows); val metrics are NOT held out",
                    len(splits["train"]))
    return Catalog(name, splits["train"], splits["val"], splits["test"], info)
