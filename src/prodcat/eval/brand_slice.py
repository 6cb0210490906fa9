"""The brand-removed slice: where the graph, not the text, knows the brand.

Test rows whose brand field is set and whose title spells the brand; the brand word is cut from the title
while the field keeps it. A text-only model loses its best clue there; a hybrid still links the brand
through its field to the categories the brand sells in (g(x)). Scoring the same hybrid with g(x) zeroed
(every link flag off, as for a product the graph knows nothing about) shows what the graph contributes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from prodcat.data.catalog import Product
from prodcat.serve.inputs import to_item


def without_brand(products: Sequence[Product]) -> tuple[list[dict], list[str]]:
    """(predictor inputs with the brand cut from the title and kept in the field, their true leaves), for
    the products whose title spells their brand as a word and keeps some other text."""
    items, leaves = [], []
    for p in products:
        if not p.brand:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(p.brand)}(?!\w)", re.IGNORECASE)
        text = " ".join(pattern.sub(" ", p.text).split())
        if text != " ".join(p.text.split()) and text:
            items.append({"text": text, "brand": p.brand})
            leaves.append(p.leaf)
    return items, leaves


def accuracy(predictor, items: list[dict], leaves: list[str], zero_graph: bool = False,
             batch_size: int = 256) -> float:
    """Top-1 accuracy of a `Predictor` on `items`; `zero_graph`: g(x) replaced by zeros (a model without
    a graph input fails here rather than report a number that means nothing)."""
    index = {leaf: i for i, leaf in enumerate(predictor.assets.leaves)}
    target = np.array([index[leaf] for leaf in leaves])
    pred = []
    for start in range(0, len(items), batch_size):
        inputs, _ = predictor.features([to_item(x) for x in items[start:start + batch_size]])
        if zero_graph:
            if "graph" not in inputs:
                raise ValueError("zero_graph=True: this model reads no graph vector")
            inputs["graph"] = np.zeros_like(inputs["graph"])
        pred.append(predictor.backend(inputs).argmax(1))
    return float((np.concatenate(pred) == target).mean())
