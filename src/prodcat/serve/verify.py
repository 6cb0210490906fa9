"""The export check: an exported model against the PyTorch model, row by row on the same inputs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Top-1 agreement an export must reach on the validation split to be written.
MIN_AGREEMENT = {"fp32": 0.995, "int8": 0.99}


def compare(reference: np.ndarray, candidate: np.ndarray, targets: Sequence[int | None] | None = None) -> dict:
    """Two (N, C) probability arrays -> agreement report; `targets` (class id or None) adds accuracies."""
    if reference.shape != candidate.shape:
        raise ValueError(f"probability arrays differ in shape: {reference.shape} vs {candidate.shape}")
    ref_top, cand_top = reference.argmax(axis=1), candidate.argmax(axis=1)  # (N,)
    report = {
        "rows": int(len(reference)),
        "top1_agreement": float((ref_top == cand_top).mean()) if len(reference) else 0.0,
        "disagreements": int((ref_top != cand_top).sum()),
        "max_prob_diff": float(np.abs(reference - candidate).max()) if len(reference) else 0.0,
        "mean_prob_diff_top1": float(np.abs(reference[np.arange(len(ref_top)), ref_top]
                                            - candidate[np.arange(len(ref_top)), ref_top]).mean())
        if len(reference) else 0.0,
    }
    if targets is not None:
        known = np.array([t is not None for t in targets])
        if known.any():
            y = np.array([t if t is not None else -1 for t in targets])[known]
            report["labelled_rows"] = int(known.sum())
            report["acc_torch"] = float((ref_top[known] == y).mean())
            report["acc_export"] = float((cand_top[known] == y).mean())
    return report
