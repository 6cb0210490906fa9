"""The learning-rate schedule every prodcat module uses: linear warmup, then linear decay to zero."""

from __future__ import annotations

import math

import torch


def warmup_linear_decay(optimizer: torch.optim.Optimizer, total_steps: int, warmup_ratio: float = 0.0) -> dict:
    """A Lightning `lr_scheduler` entry stepping every batch: the first `warmup_ratio` of `total_steps` ramp
    each group's own rate up from ~0, the rest bring it linearly to 0 (so per-group ratios hold throughout)."""
    total = max(1, int(total_steps))
    warmup = int(math.ceil(warmup_ratio * total))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return {"scheduler": torch.optim.lr_scheduler.LambdaLR(optimizer, factor), "interval": "step"}
