"""Read a user's own catalog from JSONL or CSV into a `Catalog`.

The fields are named in `conf/data/`: one or more text fields (joined with " | "), the category path
column and its separator, and an optional brand column. Either one file per split, or a single file
split here with a seeded, stratified split (recorded in `catalog.info`).

Bad rows (unparseable or non-UTF-8 line, wrong number of CSV columns, empty text, empty or missing path,
a category name containing the taxonomy's separator " > ") raise a ValueError naming the file and line;
with `skip_invalid=True` they are dropped and counted instead (a CSV file that is not UTF-8 always fails).
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from prodcat.data.catalog import Catalog, Product

TAXONOMY_SEP = " > "  # how Product.leaf and prodcat.graph.taxonomy join the levels of a path

log = logging.getLogger(__name__)


def _records(path: Path, fmt: str, csv_columns: list[str] | None) -> Iterator[tuple[int, dict | str]]:
    """(line number, record) pairs; a record that cannot be parsed comes back as the error text."""
    if fmt == "auto":
        fmt = "jsonl" if path.suffix in {".jsonl", ".json", ".ndjson"} else "csv"
    if fmt == "jsonl":  # line by line from bytes: a line that is not UTF-8 is one bad row, like malformed JSON
        with open(path, "rb") as f:
            for n, raw in enumerate(f, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    yield n, f"not valid UTF-8 ({e.reason} at byte {e.start} of the line)"
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    yield n, f"malformed JSON ({e.msg})"
                    continue
                yield n, record if isinstance(record, dict) else "a JSON line that is not an object"
        return
    try:
        with open(path, encoding="utf-8", newline="") as f:
            if fmt == "csv":
                reader = csv.reader(f)
                header = csv_columns or next(reader, [])
                end = reader.line_num  # a quoted field may span lines: a record starts after the last one's end
                for row in reader:
                    n, end = end + 1, reader.line_num
                    if len(row) != len(header):
                        spans = f"; the record runs to line {end}: an unbalanced quote?" if end > n else ""
                        yield n, f"{len(row)} columns where the header has {len(header)}{spans}"
                    else:
                        yield n, dict(zip(header, row, strict=True))
            else:
                raise ValueError(f"{path}: unknown format {fmt!r}; expected jsonl, csv or auto")
    except UnicodeDecodeError as e:  # a CSV row may span lines: no per-row recovery, but name the line
        raise ValueError(f"{path}, line {_first_non_utf8_line(path)}: not valid UTF-8 text ({e.reason}); "
                         f"re-encode the file as UTF-8") from e


def _first_non_utf8_line(path: Path) -> int | None:
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return n
    return None


def require_file(path: str | Path, hint: str = "") -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalog file not found: {path}" + (f" ({hint})" if hint else ""))
    return path


def read_products(
    path: str | Path,
    text_fields: list[str],
    path_field: str,
    path_sep: str = " > ",
    brand_field: str | None = None,
    fmt: str = "auto",
    csv_columns: list[str] | None = None,
    skip_invalid: bool = False,
    transform: Callable[[dict | str], dict | str] | None = None,
    always_drop: tuple[str, ...] = (),
) -> tuple[list[Product], Counter]:
    """All valid products of one file, and a count of the dropped rows by reason.

    `transform` reshapes each parsed record first (MWPD joins its three level fields into one path);
    `always_drop` lists problems that are a known property of a dataset, not corruption (Amazon's rows
    without a path): those rows are dropped and counted even without `skip_invalid`.
    """
    path = require_file(path)
    products, dropped = [], Counter()
    for n, record in _records(path, fmt, csv_columns):
        problem, product = _parse(transform(record) if transform else record, text_fields, path_field,
                                  path_sep, brand_field)
        if problem is None:
            products.append(product)
        elif skip_invalid or problem.startswith(always_drop):
            dropped[problem.split(" (")[0]] += 1
        else:
            raise ValueError(f"{path}, line {n}: {problem} (set data.skip_invalid=true to drop such rows)")
    if dropped:
        log.warning("%s: dropped %d invalid rows: %s", path, sum(dropped.values()), dict(dropped))
    return products, dropped


def _parse(record, text_fields, path_field, path_sep, brand_field) -> tuple[str | None, Product | None]:
    if isinstance(record, str):
        return record, None
    missing = [k for k in [*text_fields, path_field] if k not in record]
    if missing:
        return f"missing field(s) {missing}", None
    text = " | ".join(str(record[k]).strip() for k in text_fields if record[k] and str(record[k]).strip())
    if not text:
        return f"empty text in {text_fields}", None
    raw_path = record[path_field]
    # split on the separator's visible part, whatever whitespace surrounds it: "A > B >" and "A > B > " are
    # both a path with an empty last level (rejected), never a category named "B >"
    sep = path_sep.strip() or path_sep
    parts = raw_path if isinstance(raw_path, list) else str(raw_path or "").split(sep)
    parts = tuple(str(p).strip() for p in parts)
    if not any(parts):
        return f"empty category path in {path_field!r}", None
    if not all(parts):
        return f"empty level in category path {raw_path!r}", None
    clash = [p for p in parts if TAXONOMY_SEP in p]
    if clash:  # the taxonomy joins levels with " > ": ("A > B",) and ("A", "B") would be one category
        return f"category name {clash[0]!r} contains {TAXONOMY_SEP!r}, the taxonomy's level separator", None
    brand = str(record.get(brand_field) or "").strip() or None if brand_field else None
    return None, Product(text, parts, brand)


def stratified_split(products: list[Product], val: float, test: float, seed: int):
    """Seeded split that keeps each class's share in every split; classes with < 3 rows stay in train."""
    rng = np.random.default_rng(seed)
    by_leaf: dict[str, list[int]] = {}
    for i, p in enumerate(products):
        by_leaf.setdefault(p.leaf, []).append(i)
    parts = {"train": [], "val": [], "test": []}
    for leaf in sorted(by_leaf):
        idx = rng.permutation(by_leaf[leaf]).tolist()
        n_val = int(round(len(idx) * val)) if len(idx) >= 3 else 0
        n_test = int(round(len(idx) * test)) if len(idx) >= 3 else 0
        parts["val"] += idx[:n_val]
        parts["test"] += idx[n_val:n_val + n_test]
        parts["train"] += idx[n_val + n_test:]
    return {k: [products[i] for i in sorted(v)] for k, v in parts.items()}


def read_catalog(
    name: str,
    text_fields: list[str],
    path_field: str,
    files: dict[str, str | None] | None = None,
    file: str | None = None,
    split: dict | None = None,
    path_sep: str = " > ",
    brand_field: str | None = None,
    format: str = "auto",
    csv_columns: list[str] | None = None,
    skip_invalid: bool = False,
) -> Catalog:
    """A catalog from `files` (one per split: train, val, test) or one `file` split with `split`."""
    kw = dict(text_fields=list(text_fields), path_field=path_field, path_sep=path_sep,
              brand_field=brand_field, fmt=format, csv_columns=csv_columns, skip_invalid=skip_invalid)
    info: dict = {"dropped": {}}
    if (files is None) == (file is None):
        raise ValueError(f"data config {name!r}: give exactly one of `files` (per split) or `file`")
    if file is not None:
        split = {"val": 0.1, "test": 0.1, "seed": 0, **(split or {})}
        rows, dropped = read_products(file, **kw)
        info["dropped"] = dict(dropped)
        splits = stratified_split(rows, split["val"], split["test"], split["seed"])
        info["split"] = split
    else:
        missing = [s for s in ("train", "val", "test") if not files.get(s)]
        if missing:
            raise ValueError(f"data config {name!r}: data.files is missing {missing}")
        splits = {}
        for s in ("train", "val", "test"):
            splits[s], dropped = read_products(files[s], **kw)
            info["dropped"].update({f"{s}:{k}": v for k, v in dropped.items()})
    for s, rows in splits.items():
        if not rows:
            raise ValueError(f"data config {name!r}: split {s!r} has no valid rows")
    return Catalog(name, splits["train"], splits["val"], splits["test"], info)
