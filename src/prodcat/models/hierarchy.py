"""Hierarchy-aware training and decoding: per-level auxiliary losses and hierarchy-masked decoding.

With `hierarchy.enabled=true` the module trains, besides the leaf head, one head of the same kind per
non-leaf level (level 1 = top). The loss is
    CE(leaf) + sum_l w_l * CE(level l)          (w_l: `hierarchy.level_weights`, top level first)
and prediction is top-down and masked, as the MWPD 2020 winner's hierarchy-masked softmax: the level-1
argmax, then the level-2 argmax among the children of that node, ... and the leaf among the children of
the predicted level L-1 node. So the predicted leaf always lies under the predicted parents.

`decode` returns (B, C) leaf scores, not a single id, so top-k and the serving code keep working:
log p(leaf) for the leaves under the predicted path, and the same minus 1000 for every other leaf
(log-probabilities clamped at -900 first). The top-1 is the masked prediction; the next ranks are the
other leaves of that branch, then the rest of the tree. Softmax of these scores is p(leaf | predicted path).

Trees of variable depth (Amazon: 2 to 5 levels) follow `LabelSpace`: a leaf shallower than a level
stands for itself there, so its "children" at deeper levels are itself and masking stays well defined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

OUTSIDE_PENALTY = 1000.0  # subtracted from leaves off the predicted path; > any clamped log-prob gap
LOGP_FLOOR = -900.0


def level_weights(weights: float | Sequence[float] | None, depth: int) -> list[float]:
    """One weight per non-leaf level (depth - 1 of them): a number for all, or a list top level first."""
    n = depth - 1
    if weights is None:
        weights = 1.0
    if isinstance(weights, (int, float)):
        out = [float(weights)] * n
    else:
        out = [float(w) for w in weights]
        if len(out) != n:
            raise ValueError(f"hierarchy.level_weights: {len(out)} weights given, but the tree has depth {depth}: "
                             f"give {n} (one per non-leaf level, top level first) or a single number")
    if any(w < 0 for w in out):
        raise ValueError(f"hierarchy.level_weights must be >= 0, got {out}")
    return out


class Hierarchy(nn.Module):
    """The tree as index tensors (rebuilt from the label space, so none of it is saved in checkpoints).

    `level_ids[l][c]`: id at level l+1 of the ancestor of leaf class c (as in `LabelSpace.level_ids`).
    """

    def __init__(self, level_ids: Sequence[Sequence[int]], weights: float | Sequence[float] | None = 1.0):
        super().__init__()
        self.depth = len(level_ids)
        if self.depth < 2:
            raise ValueError("hierarchy.enabled=true needs a tree of depth >= 2; this label space has depth "
                             f"{self.depth}")
        self.weights = level_weights(weights, self.depth)
        level_map = torch.tensor(level_ids, dtype=torch.long)  # (L, C)
        self.register_buffer("level_map", level_map, persistent=False)
        self.sizes = [int(ids.max()) + 1 for ids in level_map]
        # parent_{l}[n]: the level-l id of the parent of level-(l+1) node n (0-based l), for l >= 1
        for lvl in range(1, self.depth - 1):
            parent = np.full(self.sizes[lvl], -1, dtype=np.int64)
            parent[level_map[lvl].numpy()] = level_map[lvl - 1].numpy()
            self.register_buffer(f"parent_{lvl}", torch.from_numpy(parent), persistent=False)

    @classmethod
    def from_config(cls, cfg: dict | None, level_ids: Sequence[Sequence[int]]) -> Hierarchy | None:
        """The `hierarchy` config -> a Hierarchy, or None when it is off; unknown keys are an error."""
        cfg = dict(cfg or {})
        unknown = sorted(set(cfg) - {"enabled", "level_weights"})
        if unknown:
            raise ValueError(f"hierarchy: unknown key(s) {unknown}; expected enabled, level_weights")
        return cls(level_ids, cfg.get("level_weights", 1.0)) if cfg.get("enabled") else None

    def targets(self, target: torch.Tensor) -> list[torch.Tensor]:
        """(B,) leaf ids -> the (B,) ids of their ancestors at each non-leaf level, top level first."""
        return [self.level_map[lvl][target] for lvl in range(self.depth - 1)]

    def aux_loss(self, aux_logits: list[torch.Tensor], target: torch.Tensor, label_smoothing: float = 0.0):
        """sum_l w_l * CE(level l), over the non-leaf levels."""
        total = aux_logits[0].new_zeros((), dtype=torch.float32)
        for w, logits, y in zip(self.weights, aux_logits, self.targets(target), strict=True):
            if w:
                total = total + w * F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
        return total

    def decode(self, aux_logits: list[torch.Tensor], leaf_logits: torch.Tensor) -> torch.Tensor:
        """(B, C) scores whose argmax is the top-down masked prediction (see the module docstring)."""
        pred = aux_logits[0].argmax(-1)  # (B,) level-1 node
        for lvl in range(1, self.depth - 1):
            allowed = getattr(self, f"parent_{lvl}")[None, :] == pred[:, None]  # (B, n_l): children of pred
            pred = aux_logits[lvl].float().masked_fill(~allowed, float("-inf")).argmax(-1)
        under = self.level_map[self.depth - 2][None, :] == pred[:, None]  # (B, C): leaves under pred
        logp = F.log_softmax(leaf_logits.float(), dim=-1).clamp(min=LOGP_FLOOR)
        return logp - OUTSIDE_PENALTY * (~under).float()


def path_vectors(labels, linker, nodes: Sequence[str]) -> np.ndarray:
    """(len(nodes), L * d) float32 label-side vectors: for a node of level l, the RDF2Vec vectors of its
    ancestors from the top down to itself, concatenated, then its own vector repeated up to depth L.
    Siblings share their parents' blocks, so related categories start close even when one of them has
    few training rows; every node of every level gets a vector of the same size."""
    depth = labels.depth
    rows = []
    for n in nodes:
        path = list(linker.taxonomy.ancestors(n))  # top level first, ending with n itself
        path += [n] * (depth - len(path))
        rows.append(path[:depth])
    flat = linker.category_matrix([p for row in rows for p in row])  # (N * L, d)
    return flat.reshape(len(nodes), depth * linker.d).astype(np.float32)


def label_vectors(labels, linker) -> dict[str, object]:
    """The label side of `head=label_graph`: `leaf` (C, L*d) in class order, and `levels`, one
    (n_l, L*d) array per non-leaf level (for hierarchical level heads), in `LabelSpace.level_names` order."""
    return {"leaf": path_vectors(labels, linker, labels.leaves),
            "levels": [path_vectors(labels, linker, names) for names in labels.level_names[:-1]]}
