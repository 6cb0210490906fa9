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


def with_brand_in_text(catalog: Catalog, sep: str = " | ") -> Catalog:
    """The catalog with each row's brand appended to its text ("title | brand"), the same for every split:
    what a text-only model gains from *knowing the brand*, to set against what the graph adds (the brand's
    links to the categories it sells in). Rows without a brand keep their text; how many had one is
    recorded in `info["brand_in_text"]`. A catalog with no brand on any training row is an error."""
    import dataclasses

    if not any(p.brand for p in catalog.train):
        raise ValueError(f"data.brand_in_text=true, but no training row of catalog {catalog.name!r} has a brand "
                         "(set the reader's brand field, e.g. data.catalog.brand_field)")
    splits = {s: [dataclasses.replace(p, text=f"{p.text}{sep}{p.brand}") if p.brand else p
                  for p in catalog.split(s)] for s in SPLITS}
    info = {**catalog.info, "brand_in_text": {s: sum(p.brand is not None for p in catalog.split(s)) for s in SPLITS}}
    return Catalog(catalog.name, splits["train"], splits["val"], splits["test"], info, catalog.slices)
