"""MWPD2020 task 2 (WDC product offers labelled with 3 levels of the GS1 GPC): the official split.

`<root>/mwpd2020/{train,validation,test}.jsonl`, one offer per line (see data/README.md).
- text: the `text_fields` joined with " | " (default `Name` only, as in the published baselines).
- path: (lvl1, lvl2, lvl3) exactly as given. The `"<code>_<name>"` strings are the GPC ids: kept whole,
  label ids stay stable and equal names under different codes stay distinct.
- brand: None (MWPD has no brand field), so the graph gets no brand edges from this catalog.
- each row is an `Offer`: a `Product` that also carries `seller` (the host of `URL`, lower-case, without
  a leading "www.") and `shop_category` (the raw `CategoryText` breadcrumb, "" when empty), which the
  graph links to GS1 leaves (`prodcat.graph.kg`: seller --sellsIn--> leaf, breadcrumb segment --mapsTo-->
  leaf, from TRAIN rows only). A `Host` field (the same host) is added to every record, so
  `text_fields: [Name, CategoryText, Host]` gives a text model the same extra input as the graph.
- a URL with no host (malformed, relative, empty) does NOT drop the row: its title and labels are fine,
  and dropping it would change the official test set. Its `seller` is None (it links no seller), and the
  rows are counted per split in `info["no_seller_host"]` and logged, never skipped silently.

`train_on="trainval"` trains on train + validation and STILL reports validation as `val`: model
selection on val is then not clean (those rows were trained on). It exists only to reproduce the
published train+validation figure on test; use `train_on=train` for anything that selects on val.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from prodcat.data.catalog import Catalog, Product
from prodcat.data.readers import _parse, _records, require_file
from prodcat.data.roots import dataset_folder

log = logging.getLogger(__name__)

SUBDIR = "mwpd2020"
FILES = {"train": "train.jsonl", "val": "validation.jsonl", "test": "test.jsonl"}
LEVELS = ("lvl1", "lvl2", "lvl3")
_PATH = "_path"  # the three level fields joined into one list-valued path field
HOST = "Host"  # the URL's host, added to every record (usable as a text field)


@dataclass(frozen=True)
class Offer(Product):
    """An MWPD offer: a product plus what the shop page says about it (read by `prodcat.graph.kg`)."""

    seller: str | None = None  # URL host ("shop.nhl.com"); None when the URL has no host
    shop_category: str = ""  # the shop's breadcrumb, raw ("NFL > Seattle Seahawks > ...")


def url_host(url: object) -> str | None:
    """"http://www.Shop.com/a/b" -> "shop.com"; None for a URL without a host (malformed, relative, empty)."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        host = urlsplit(url.strip()).hostname  # lower-cased by urllib
    except ValueError:  # e.g. "http://[broken": an unbalanced IPv6 bracket
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host.removeprefix("www.") or None


DOWNLOAD_HINT = "fetch it with `bash data/download.sh <dir>`, then set data.root=<dir>"


def _with_path(record: dict | str) -> dict | str:
    """The record with its three levels as one path; a problem text when a level field is missing."""
    if isinstance(record, str):
        return record
    missing = [k for k in LEVELS if k not in record]
    if missing:
        return f"missing field(s) {missing}"
    return {**record, _PATH: [record[k] for k in LEVELS], HOST: url_host(record.get("URL")) or ""}


def read_offers(path: Path, text_fields: Sequence[str], skip_invalid: bool) -> tuple[list[Offer], Counter, int]:
    """The valid offers of one file, the dropped rows by reason, and how many kept rows have no URL host.
    Same row rules as `prodcat.data.readers.read_products` (a bad row is an error naming the line, or
    dropped and counted with `skip_invalid`), plus the seller and breadcrumb of each offer."""
    offers, dropped, no_host = [], Counter(), 0
    for n, record in _records(path, "jsonl", None):
        record = _with_path(record)
        problem, product = _parse(record, list(text_fields), _PATH, " > ", None)
        if problem is not None:
            if not skip_invalid:
                raise ValueError(f"{path}, line {n}: {problem} (set data.skip_invalid=true to drop such rows)")
            dropped[problem.split(" (")[0]] += 1
            continue
        host = record[HOST] or None
        no_host += host is None
        crumb = record.get("CategoryText")
        offers.append(Offer(product.text, product.path, product.brand, seller=host,
                            shop_category=" ".join(str(crumb).split()) if crumb else ""))
    if dropped:
        log.warning("%s: dropped %d invalid rows: %s", path, sum(dropped.values()), dict(dropped))
    if no_host:
        log.warning("%s: %d rows have a URL without a host: kept, but they link no seller", path, no_host)
    return offers, dropped, no_host


def read_mwpd(
    root: str | Path | None,
    name: str = "mwpd",
    text_fields: Sequence[str] = ("Name",),
    train_on: str = "train",
    skip_invalid: bool = False,
) -> Catalog:
    if train_on not in ("train", "trainval"):
        raise ValueError(f"data.catalog.train_on must be 'train' or 'trainval', got {train_on!r}")
    folder = dataset_folder(SUBDIR, root)  # root None: the first data root that has it (prodcat.data.roots)
    paths = {s: require_file(folder / f, DOWNLOAD_HINT) for s, f in FILES.items()}  # all checked before reading
    info: dict = {"source": str(folder), "files": {s: p.name for s, p in paths.items()},
                  "text_fields": list(text_fields), "train_on": train_on, "dropped": {}, "no_seller_host": {}}
    splits = {}
    for s, p in paths.items():
        splits[s], dropped, info["no_seller_host"][s] = read_offers(p, text_fields, skip_invalid)
        info["dropped"].update({f"{s}:{k}": v for k, v in dropped.items()})
    info["rows_per_file"] = {s: len(rows) for s, rows in splits.items()}  # valid rows, before any merge
    if train_on == "trainval":
        splits["train"] = splits["train"] + splits["val"]
        log.warning("mwpd: training on train+validation (%d rows); val metrics are NOT held out",
                    len(splits["train"]))
    return Catalog(name, splits["train"], splits["val"], splits["test"], info)
