"""Stacked fusion: views trained apart, mixed as probabilities with weights fit on held-out rows.

    p = sum_k w_k softmax(z_k)     z_k: the logits of member k (a head's expert, or the lexical view's T d);
                                   the last member's logits are multiplied by a sharpness s first
    output: log p                  (B, C) leaf scores, so argmax, softmax and the ONNX graph work as for logits

(w, s) is chosen on the validation rows after every validation pass (`fit`: w on a grid of the simplex, s in
SHARPNESS, by leaf weighted F1; ties go to the first on the grid), so the checkpoint of each epoch carries the
mixture fit to its own members. Why held-out rows: a fine-tuned encoder is near-certain on its training rows,
so weights learned there trust it far too much; on held-out rows each view's errors show. Why a sharpness:
the views' confidences are calibrated differently (a fine-tuned head is over-confident, the lexical view's
temperature was fit on out-of-fold scores); one relative temperature keeps the grid small.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score
from torch import nn

SHARPNESS = (0.5, 1.0, 2.0, 4.0)


def simplex_grid(k: int) -> list[tuple[float, ...]]:
    """Weight vectors of k members on a grid of the simplex: steps of 0.05 for 2 members, 0.1 for more."""
    steps = 20 if k <= 2 else 10
    return [tuple(c / steps for c in combo) + ((steps - sum(combo)) / steps,)
            for combo in itertools.product(range(steps + 1), repeat=k - 1) if sum(combo) <= steps]


def mix(logits: list[torch.Tensor], weights: torch.Tensor) -> torch.Tensor:
    """log(sum_k w_k softmax(z_k)), stable; a zero weight drops its member (log 0 clamped)."""
    return _mix_log_probs(torch.stack([F.log_softmax(z.float(), -1) for z in logits]), weights)


def _mix_log_probs(log_probs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(K, B, C) members' log-probabilities -> (B, C) log of their weighted mixture."""
    return torch.logsumexp(log_probs + weights.clamp_min(1e-12).log()[:, None, None], dim=0)


class Mixture(nn.Module):
    def __init__(self, members: int):
        super().__init__()
        if members < 2:
            raise ValueError(f"a mixture needs at least 2 members, got {members}")
        self.register_buffer("weights", torch.full((members,), 1.0 / members))  # (K,)
        self.register_buffer("sharpness", torch.ones(()))

    def _members(self, logits: list[torch.Tensor], sharpness) -> list[torch.Tensor]:
        return [*logits[:-1], sharpness * logits[-1]]

    def forward(self, logits: list[torch.Tensor]) -> torch.Tensor:
        return mix(self._members(logits, self.sharpness), self.weights)

    @torch.no_grad()
    def fit(self, logits: list[torch.Tensor], target: torch.Tensor) -> float:
        """Choose (w, s) on held-out rows ((N, C) logits per member, (N,) targets); returns its weighted F1."""
        y = target.cpu().numpy()
        best = (-1.0, self.weights.tolist(), 1.0)
        for s in SHARPNESS:  # the members' log-probabilities once per sharpness, not once per grid point
            log_probs = torch.stack([F.log_softmax(z.float(), -1) for z in self._members(logits, s)])
            for w in simplex_grid(len(logits)):
                pred = _mix_log_probs(log_probs, torch.tensor(w)).argmax(-1).cpu().numpy()
                f1 = float(f1_score(y, pred, average="weighted", zero_division=0))
                if f1 > best[0]:
                    best = (f1, w, s)
        self.weights.copy_(torch.tensor(best[1], dtype=torch.float32))
        self.sharpness.fill_(float(best[2]))
        return best[0]
