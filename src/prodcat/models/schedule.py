"""The learning-rate schedule every prodcat module uses: linear warmup, then linear decay to zero
(transformers' `get_linear_schedule_with_warmup`, as in BERT fine-tuning), stepped every batch."""

from __future__ import annotations

import math

import torch
from transformers import get_linear_schedule_with_warmup


def warmup_linear_decay(optimizer: torch.optim.Optimizer, total_steps: int, warmup_ratio: float = 0.0) -> dict:
    """A Lightning `lr_scheduler` entry: the first `warmup_ratio` of `total_steps` ramp each group's own rate
    up from 0, the rest bring it linearly to 0 (a multiplier, so per-group ratios hold throughout)."""
    total = max(1, int(total_steps))
    warmup = int(math.ceil(warmup_ratio * total))
    return {"scheduler": get_linear_schedule_with_warmup(optimizer, warmup, total), "interval": "step"}
