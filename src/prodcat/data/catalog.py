"""The in-memory catalog every reader produces and every consumer reads.

A product is one text (title, or title plus other text fields joined), the full category path from
the top level down to its leaf, and an optional brand. A catalog is three such lists: train, val, test.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Product:
    text: str
    path: tuple[str, ...]  # ("Electronics", "Mobile Phones", "Smartphones"): top level first, leaf last
    brand: str | None = None

    @property
    def leaf(self) -> str:
        """The label: the full path joined, so equal leaf names under different parents stay distinct."""
        return " > ".join(self.path)


SPLITS = ("train", "val", "test")


@dataclass
class Catalog:
    name: str
    train: list[Product]
    val: list[Product]
    test: list[Product]
    # Free-form facts about how the catalog was made (source files, rows dropped, seed...); logged.
    info: dict = field(default_factory=dict)
    # Named subsets of rows to score separately: {split: {slice name: [row index, ...]}} (e.g. the
    # synthetic catalog's hard cases). Every run reports test accuracy per slice.
    slices: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def split(self, name: str) -> list[Product]:
        if name not in SPLITS:
            raise KeyError(f"unknown split {name!r}; expected one of {SPLITS}")
        return getattr(self, name)

    def fingerprint(self) -> str:
        """A hash of every row of every split: the data part of every cache key."""
        h = hashlib.sha256()
        for split in SPLITS:
            for p in self.split(split):
                h.update(json.dumps([split, p.text, p.path, p.brand], ensure_ascii=False).encode())
        return h.hexdigest()[:16]
