"""The label space: leaf categories seen in training, with their names, paths and per-level ancestors.

Labels come from the TRAINING split only. A validation or test row whose leaf is not in that space is
an error that names the split and row (or, with `skip_invalid`, is dropped and counted): a model can
never predict a class it has not seen, and silently scoring such rows as wrong hides a data problem.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from prodcat.data.catalog import Catalog, Product

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelSpace:
    leaves: tuple[str, ...]  # leaf ids ("A > B > C"), index = class id
    # level_ids[l][c]: id at level l+1 of the ancestor of class c (the leaf itself when it is shallower)
    level_ids: tuple[tuple[int, ...], ...]
    level_names: tuple[tuple[str, ...], ...]  # level_names[l][k]: node id of class k at level l+1

    @classmethod
    def from_products(cls, products: Sequence[Product]) -> LabelSpace:
        paths = {p.leaf: p.path for p in products}
        leaves = tuple(sorted(paths))
        depth = max(len(path) for path in paths.values())
        level_ids, level_names = [], []
        for level in range(1, depth + 1):
            # A leaf shallower than `level` stands for itself there (trees of variable depth).
            nodes = [" > ".join(paths[leaf][:level]) for leaf in leaves]
            names = tuple(sorted(set(nodes)))
            index = {n: i for i, n in enumerate(names)}
            level_ids.append(tuple(index[n] for n in nodes))
            level_names.append(names)
        return cls(leaves, tuple(level_ids), tuple(level_names))

    def __len__(self) -> int:
        return len(self.leaves)

    @property
    def depth(self) -> int:
        return len(self.level_ids)

    def index(self) -> dict[str, int]:
        return {leaf: i for i, leaf in enumerate(self.leaves)}

    def to_dict(self) -> dict:
        """Plain lists only, so it can live in checkpoint hyperparameters."""
        return {"leaves": list(self.leaves)}

    @classmethod
    def from_dict(cls, d: dict) -> LabelSpace:
        return cls.from_products([Product("", tuple(leaf.split(" > "))) for leaf in d["leaves"]])


def encode_labels(catalog: Catalog, labels: LabelSpace, skip_invalid: bool) -> dict[str, list[int]]:
    """Class ids for every split; unknown val/test leaves raise, or are dropped in place and counted."""
    index = labels.index()
    encoded = {}
    for split in ("train", "val", "test"):
        rows = catalog.split(split)
        unknown = [i for i, p in enumerate(rows) if p.leaf not in index]
        if unknown and not skip_invalid:
            i = unknown[0]
            raise ValueError(
                f"catalog {catalog.name!r}, split {split!r}, row {i + 1}: category {rows[i].leaf!r} never "
                f"occurs in the training split ({len(unknown)} such rows); set data.skip_invalid=true to drop them"
            )
        if unknown:
            log.warning("%s: dropped %d %s rows whose category is not in the training split",
                        catalog.name, len(unknown), split)
            catalog.info.setdefault("dropped", {})[f"{split}_unknown_label"] = len(unknown)
            drop = set(unknown)
            kept = [i for i in range(len(rows)) if i not in drop]
            rows[:] = [rows[i] for i in kept]
            new_index = {old: new for new, old in enumerate(kept)}  # slices follow the rows they name
            for name, idx in catalog.slices.get(split, {}).items():
                catalog.slices[split][name] = [new_index[i] for i in idx if i in new_index]
        encoded[split] = [index[p.leaf] for p in rows]
    return encoded
