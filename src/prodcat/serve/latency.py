"""Latency and throughput of a callable, measured the usual way: warm-up calls first, then many timed
calls; medians and p99 of per-call wall time, throughput as items over total time."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np


def time_calls(fn: Callable, args: Sequence, warmup: int = 10) -> np.ndarray:
    """Call `fn(a)` for each `a` in `args` (after `warmup` untimed calls); seconds per call."""
    for a in list(args)[:warmup]:
        fn(a)
    out = np.empty(len(args))
    for i, a in enumerate(args):
        t = time.perf_counter()
        fn(a)
        out[i] = time.perf_counter() - t
    return out


def latency_ms(seconds: np.ndarray) -> dict[str, float]:
    return {"p50_ms": float(np.percentile(seconds, 50) * 1e3), "p99_ms": float(np.percentile(seconds, 99) * 1e3),
            "mean_ms": float(seconds.mean() * 1e3), "calls": int(seconds.size)}


def throughput(seconds: np.ndarray, batch_size: int) -> float:
    """Items per second over timed calls of `batch_size` items each."""
    return float(batch_size * seconds.size / seconds.sum())
