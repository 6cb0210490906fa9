"""The embedded synthetic marketplace catalog (`data=synthetic`, the default): no download, deterministic.

`generate_catalog(seed=s)` builds a "world" (a fixed 236-leaf category tree, ~290 brands that each sell
in a few leaves, ~1,900 product lines that each belong to one brand and one leaf, model codes) and then
samples marketplace rows from it: a leaf from a Zipf-like long tail, a brand from that leaf's sellers,
a product line, attributes, and a title from one of several templates with marketplace casing. Same seed
gives the same catalog in any process (string-seeded `random.Random`, no `hash()`, no set iteration).

Planted hard cases (keys of `HARD_CASES`, counted per split in `catalog.info["hard_cases"]`):

* ``accessory``: an accessory titled with the device it fits ("spigen tough armor iphone 15 pro case",
  "replacement jar compatible with vitamix e310 blender") next to the device ("apple iphone 15 pro 256gb").
* ``shared_word``: the product line holds a word reused across branches (pro, air, max, mini, ultra,
  plus, sport, classic): "AirPods Max", "Air Max 90", "Pro Staff 97", "Pro 750" blender.
* ``unseen_line``: the title names a product line held out of training (~10% of lines); the line's
  brand sells in that leaf in training, so brand -> category knowledge resolves it.
* ``no_brand_field`` (~15% of rows): the brand field is None; ``no_brand_anywhere``: neither the field
  nor the title names the brand. ``brand_only_in_field`` (~25%): the brand is set but not in the title.
* ``typo`` (~10%): character swaps, drops and doubles, and seller abbreviations ("wrls", "bt", "blk").
* ``no_type_word``: the title never names the product type, only brand, line, code and attributes.

The world lives in `prodcat.data.synthetic_world`, the rows in `prodcat.data.synthetic_rows`, the name tables in
`prodcat.data.synthetic_vocab`; data/README.md documents each case with examples.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import accumulate

from prodcat.data.catalog import Catalog, Product
from prodcat.data.synthetic_rows import HARD_CASES, RowMaker
from prodcat.data.synthetic_world import (
    MIN_TRAIN_PER_LEAF,
    ZIPF_EXPONENT,
    Leaf,
    Line,
    Path,
    World,
    build_world,
    category_paths,
    category_tree,
)


def hard_case_names() -> tuple[str, ...]:
    return HARD_CASES


# ---- sampling rows -------------------------------------------------------------------------------------


def _leaf_popularity(rng: random.Random, world: World) -> list[Path]:
    """Leaves from most to least frequent: random ranks, with device/accessory leaves pulled toward the
    head so the accessory confusion has enough rows to measure."""
    paired = set(world.device_of) | set(world.device_of.values())
    keys = [rng.random() * (0.35 if path in paired else 1.0) for path in world.leaves]
    return [path for _, _, path in sorted(zip(keys, range(len(keys)), world.leaves, strict=False))]


def _train_sequence(rng: random.Random, active: list[Path], cum: list[float], n: int) -> list[Path]:
    """n leaves drawn from the long tail, then topped up to MIN_TRAIN_PER_LEAF from the largest leaves."""
    counts = Counter(rng.choices(range(len(active)), cum_weights=cum, k=n))
    for i in range(len(active)):
        while counts[i] < MIN_TRAIN_PER_LEAF:
            donor = max(range(len(active)), key=lambda j: counts[j])
            if counts[donor] <= MIN_TRAIN_PER_LEAF:  # fewer than 5 rows in all: nothing to move
                break
            counts[donor] -= 1
            counts[i] += 1
    sequence = [active[i] for i in range(len(active)) for _ in range(counts[i])]
    rng.shuffle(sequence)
    return sequence


def generate_catalog(n_train: int = 8000, n_val: int = 2000, n_test: int = 2000, seed: int = 0) -> Catalog:
    """A synthetic marketplace catalog with planted hard cases (see the module docstring)."""
    if n_train < 1 or n_val < 0 or n_test < 0:
        raise ValueError(
            f"sizes must be n_train >= 1, n_val >= 0, n_test >= 0; got {n_train}, {n_val}, {n_test}"
        )
    world = build_world(seed)
    rng = random.Random(f"prodcat-synthetic-rows-{seed}")
    order = _leaf_popularity(rng, world)
    # Small catalogs keep only the head of the tail, so every usable leaf still has 5 training rows.
    active = order[: min(len(order), max(1, n_train // (2 * MIN_TRAIN_PER_LEAF)))]
    cum = list(accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(active))))

    maker = RowMaker(world, rng)
    train = maker.rows(_train_sequence(rng, active, cum, n_train), "train")
    maker.learn_train(train)  # which (brand, leaf) pairs training shows: held-out lines need them
    val = maker.rows(rng.choices(active, cum_weights=cum, k=n_val), "val")
    test = maker.rows(rng.choices(active, cum_weights=cum, k=n_test), "test")

    depths = Counter(len(path) for path in world.leaves)
    info = {
        "generator": "prodcat.data.synthetic",
        "seed": seed,
        "sizes": {"train": n_train, "val": n_val, "test": n_test},
        "n_leaves": len(world.leaves),
        "n_leaves_used": len(active),
        "n_levels": max(depths),
        "leaf_depths": {str(d): depths[d] for d in sorted(depths)},
        "n_brands": len(world.brands),
        "n_product_lines": len(world.all_lines()),
        "n_unseen_lines": sum(ln.held_out and ln.name not in maker.leaked for ln in world.all_lines()),
        "hard_cases": maker.counts,
    }
    # Row indices of each hard case in val/test, so runs report accuracy per case (metrics.json "slices").
    slices = {split: maker.slices[split] for split in ("val", "test")}
    return Catalog("synthetic", train, val, test, info, slices)


__all__ = [
    "HARD_CASES",
    "Leaf",
    "Line",
    "Product",
    "World",
    "build_world",
    "category_paths",
    "category_tree",
    "generate_catalog",
    "hard_case_names",
]
