"""Inputs to the predictor: plain strings, dicts (`{"text": ..., "brand": ..., "id": ...}`), or lines of
a text or JSONL stream. A bad item (empty, not a string, invalid JSON) becomes an `Item` with an
`error`: it gets its own error record and never fails the batch around it.

Offers (MWPD-style graphs with seller and shop-category edges) may also give `"url"` (or `"seller"`, a
host) and `"shop_category"` (the shop's breadcrumb): the graph links them as it did in training. Without
them those parts of g(x) stay empty, as for an offer of a shop never seen in training.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from prodcat.data.mwpd import Offer, url_host

Format = Literal["auto", "jsonl", "text"]


@dataclass(frozen=True)
class Item:
    text: str | None
    brand: str | None = None
    id: Any = None  # the caller's own id, echoed in the output record
    error: str | None = None
    seller: str | None = None  # the offer's shop: its URL host (graphs with seller edges)
    shop_category: str = ""  # the shop's breadcrumb (graphs with shop-category edges)

    def as_offer(self) -> Offer:
        """The row the graph linker reads (no label path: it is what is predicted)."""
        return Offer(self.text, (), self.brand, seller=self.seller, shop_category=self.shop_category)


def to_item(obj: Any, text_field: str = "text", brand_field: str = "brand", id_field: str = "id") -> Item:
    """An `Item` from a string, a dict or an `Item`; problems become `Item.error`, never exceptions."""
    if isinstance(obj, Item):
        return obj
    ident, brand, offer = None, None, {}
    if isinstance(obj, dict):
        ident = obj.get(id_field)
        if text_field not in obj:
            return Item(None, id=ident, error=f"no {text_field!r} field")
        text, brand = obj[text_field], obj.get(brand_field)
        offer = {k: obj[k] for k in ("url", "seller", "shop_category") if obj.get(k) is not None}
    else:
        text = obj
    if not isinstance(text, str):
        return Item(None, id=ident, error=f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        return Item(text, id=ident, error="empty text")
    if brand is not None and not isinstance(brand, str):
        return Item(text, id=ident, error=f"brand must be a string or null, got {type(brand).__name__}")
    for key, value in offer.items():
        if not isinstance(value, str):
            return Item(text, id=ident, error=f"{key} must be a string or null, got {type(value).__name__}")
    seller = offer.get("seller") or url_host(offer.get("url"))
    if "url" in offer and seller is None:
        return Item(text, id=ident, error=f"url {offer['url']!r} has no host")
    return Item(text, brand or None, ident, seller=seller, shop_category=offer.get("shop_category", ""))


def product_input(product) -> dict:
    """A catalog row (`Product`, or an MWPD `Offer`) as a predictor input with every field the graph reads, so a
    check on validation rows (export.py, int8.py) scores the graph side as serving sees it; `to_item` reads it."""
    fields = {"text": product.text, "brand": product.brand, "seller": getattr(product, "seller", None),
              "shop_category": getattr(product, "shop_category", None) or None}
    return {k: v for k, v in fields.items() if v is not None}


def detect_format(name: str | None, first_line: str | None) -> Literal["jsonl", "text"]:
    """By file suffix (.jsonl/.ndjson/.json); for a stream, JSONL when its first line is a JSON object."""
    if name and name != "-":
        return "jsonl" if name.lower().endswith((".jsonl", ".ndjson", ".json")) else "text"
    return "jsonl" if (first_line or "").lstrip().startswith("{") else "text"


def parse_lines(lines: Iterable[str], fmt: Literal["jsonl", "text"], **fields: str) -> Iterator[Item]:
    """One item per line, blank lines included (as errors), so output record i answers input line i + 1."""
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not _is_utf8(line):  # streams are opened with errors="surrogateescape": bad bytes show up here
            yield Item(None, error=f"line {number}: not valid UTF-8 text")
            continue
        if fmt == "text":
            yield to_item(line)
            continue
        if not line.strip():
            yield Item(None, error=f"line {number}: empty line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield Item(None, error=f"line {number}: invalid JSON ({e.msg})")
            continue
        yield to_item(obj, **fields)


def _is_utf8(line: str) -> bool:
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: a byte that did not decode
        return False
    return True


def read_stream(stream: Iterable[str], name: str | None = None, fmt: Format = "auto", **fields: str) -> Iterator[Item]:
    """Items from an open text stream (a file or standard input), read lazily line by line."""
    it = iter(stream)
    first = next(it, None)
    if first is None:
        return
    if fmt == "auto":
        fmt = detect_format(name, first)

    def chained() -> Iterator[str]:
        yield first
        yield from it

    yield from parse_lines(chained(), fmt, **fields)
