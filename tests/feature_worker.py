"""Helpers for the feature-cache tests that run in spawned processes: they import only numpy and the
feature store, so a child process starts in a fraction of a second."""

import hashlib
import time
from pathlib import Path

import numpy as np

from prodcat.features.store import open_store

TEXTS = [f"product {i} {w}" for i, w in enumerate(["phone", "case", "racket", "ball", "lamp"] * 8)]
INPUTS = {"backbone": "fake", "weights_sha256": "w", "tokenizer_sha256": "t", "max_length": 8,
          "pooling": "cls", "dim": 4, "split": "train", "dtype": "float32"}


def fake_encode(texts, marker_dir=None):
    """Deterministic 4-d vectors from a hash of each text; leaves a marker file per call."""
    if marker_dir:
        Path(marker_dir, f"call-{time.time_ns()}").touch()
    rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.int32) for t in texts]
    return np.stack(rows).astype(np.float32) / 2**31  # (N, 4)


def build_in_process(root, marker_dir, lock, in_encode, wait_for=None, before_open=None):
    """Open the store, encoding if it must: set `before_open` first, set `in_encode` on entering the
    encoder, and there wait for `wait_for` (events, not clocks: the interleaving is forced, not hoped for)."""
    if before_open is not None:
        before_open.set()

    def encode(texts):
        in_encode.set()
        if wait_for is not None and not wait_for.wait(60):
            raise TimeoutError("the other process never arrived")
        return fake_encode(texts, marker_dir=marker_dir)

    store = open_store(root, INPUTS, TEXTS, encode, lock=lock)
    assert np.array_equal(store.vectors, fake_encode(TEXTS))
