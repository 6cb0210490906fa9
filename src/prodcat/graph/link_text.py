"""Text matching for the graph linker (`prodcat.graph.linker`): word tokens, a crude singular, an n-gram
lookup that finds names longest-first, and which keys rows outside a fold carry (out-of-fold links)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from prodcat.data.catalog import Product
from prodcat.graph.kg import normalize_brand, product_keys

_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def singular(tok: str) -> str:
    """Crude English singular, applied to names and text alike, so both sides meet in the middle."""
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if tok.endswith(("sses", "xes", "ches", "shes")):
        return tok[:-2]
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
        return tok[:-1]
    return tok


class KeysOutsideFold:
    """`known(i, kind, key)`: does a row of another fold than row i's carry `key` (its brand field for
    kind "brand")? Counts of each key per fold, over the training rows the graph was built from."""

    def __init__(self, products: Sequence[Product], folds: Sequence[int], kinds: Sequence[str]):
        self.folds = list(folds)
        if len(self.folds) != len(products):
            raise ValueError(f"{len(self.folds)} fold ids for {len(products)} rows")
        self.counts: dict[tuple[str, str], Counter] = {}
        for p, f in zip(products, self.folds, strict=True):
            keys = [(k, key) for k in kinds for key, _ in product_keys(p, k)]
            brand = normalize_brand(p.brand)
            for kk in {*keys, *([("brand", brand)] if brand else [])}:
                self.counts.setdefault(kk, Counter())[f] += 1

    def __call__(self, i: int, kind: str, key: str) -> bool:
        c = self.counts.get((kind, key))
        return c is not None and c.total() > c[self.folds[i]]


class NGramIndex:
    """Token n-gram -> value lookup: longest-first, non-overlapping matches scanning left to right."""

    def __init__(self, entries: dict[tuple[str, ...], list[str]]):
        self.table = entries
        self.max_n = max((len(k) for k in entries), default=0)
        self.starts = {k[0] for k in entries}  # most tokens start no name: skip them at once

    def find(self, toks: list[str]) -> list[tuple[int, int, list[str]]]:
        """[(start, end, values)] token spans, in text order."""
        out, i = [], 0
        while i < len(toks):
            if toks[i] in self.starts:
                for n in range(min(self.max_n, len(toks) - i), 0, -1):
                    hit = self.table.get(tuple(toks[i : i + n]))
                    if hit is not None:
                        out.append((i, i + n, hit))
                        i += n
                        break
                else:
                    i += 1
            else:
                i += 1
        return out
