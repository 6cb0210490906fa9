"""Amazon UK toys: 10,000 product listings with a 2-5 level category path and a manufacturer (brand).

`<root>/amazon_uk_toys/amazon_co-ecommerce_sample.csv`: no header, the 9 `COLUMNS` below.
- text: the `text_fields` joined with " | " (default the title, `product_name`).
- path: `category_path` split on " > "; brand: `manufacturer` (empty -> None).

Rows with an empty path (690 in the file) are a known property of the data, not corruption: they are
always dropped and counted in `info["dropped"]`. Any other bad row (wrong column count, empty title)
raises with file and line unless `skip_invalid`. There is no official split: a seeded split stratified
by leaf, recorded in `info["split"]`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from prodcat.data.catalog import Catalog
from prodcat.data.mwpd import DOWNLOAD_HINT
from prodcat.data.readers import read_products, require_file, stratified_split
from prodcat.data.roots import dataset_folder

log = logging.getLogger(__name__)

SUBDIR, FILE = "amazon_uk_toys", "amazon_co-ecommerce_sample.csv"
COLUMNS = ["uniq_id", "product_name", "category_path", "manufacturer", "price", "number_available_in_stock",
           "number_of_reviews", "number_of_answered_questions", "average_review_rating"]
EMPTY_PATH = "empty category path"  # the prefix of `_parse`'s problem text for such rows


def read_amazon_toys(
    root: str | Path | None,
    name: str = "amazon_toys",
    text_fields: Sequence[str] = ("product_name",),
    brand_field: str | None = "manufacturer",
    split: dict | None = None,
    skip_invalid: bool = False,
) -> Catalog:
    path = require_file(dataset_folder(SUBDIR, root) / FILE, DOWNLOAD_HINT)  # root None: prodcat.data.roots
    split = {"val": 0.1, "test": 0.1, "seed": 0, **(split or {})}
    products, dropped = read_products(path, list(text_fields), "category_path", brand_field=brand_field, fmt="csv",
                                      csv_columns=COLUMNS, skip_invalid=skip_invalid, always_drop=(EMPTY_PATH,))
    parts = stratified_split(products, split["val"], split["test"], split["seed"])
    for s, rows in parts.items():
        if not rows:
            raise ValueError(f"{path}: split {s!r} has no rows (only {len(products)} valid rows)")
    info = {
        "source": str(path), "text_fields": list(text_fields), "brand_field": brand_field,
        "rows_read": len(products) + sum(dropped.values()), "dropped": dict(dropped),
        # Classes with fewer than 3 rows stay in train (stratified_split), so val/test never hold a
        # class the model has not seen.
        "split": {**split, "stratified_by": "leaf", "sizes": {s: len(r) for s, r in parts.items()}},
    }
    return Catalog(name, parts["train"], parts["val"], parts["test"], info)
