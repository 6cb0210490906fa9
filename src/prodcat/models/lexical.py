"""The lexical view inside the network: the stacked TF-IDF model's scores, fused with the head's logits
(see `prodcat.features.lexical` for how the TF-IDF model is fit).

    d = X W + b                       (B, C) linear scores; X (B, F) sparse TF-IDF rows; W, b, T fixed

Two fusions (`lexical.fusion`):
- `stacked` (default): the head trains alone; after each validation pass the mixture
      p = w softmax(head) + (1 - w) softmax(s T d)
  is fit on the validation rows (w and the sharpness s on a grid, by weighted F1 of the leaf), and the
  fused output is log p. The fine-tuned head is near-certain on its own training rows, so a weight
  learned there trusts the head too much; held-out rows are where the two views' errors show.
- `joint`: scale * log_softmax(T d) is added to the head's logits and `scale` trains with the head (the
  loss also has CE of the head alone, `head_loss_weight`). Measured worse (experiments/strong_hybrid).

A training batch carries `lexical_scores` (B, C): the out-of-fold d of its rows (prepared once, so a row's
own label never shaped the evidence it trains on). Any other batch (validation and test carry the full
model's d too) may carry the sparse rows instead, as `lexical_ids` and `lexical_values` (B, K): the
predictor and the ONNX graph compute d here from the fixed W, so serving needs no scikit-learn model.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score
from torch import nn

FUSIONS = ("stacked", "joint")
MIX_WEIGHTS = np.linspace(0.0, 1.0, 21)  # w: the head's share of the mixture
SHARPNESS = (0.5, 1.0, 2.0, 4.0)  # s: multiplies the calibrated T (the views' confidences need not match)


class LexicalLayer(nn.Module):
    def __init__(self, n_features: int, num_labels: int, model=None, scale: float = 1.0, fusion: str = "joint"):
        """`model`: a `prodcat.features.lexical.LexicalModel` (W, b, T) to copy, or None for zeros of the
        right shapes that `load_from_checkpoint` fills."""
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"lexical.fusion={fusion!r}: expected one of {FUSIONS}")
        self.fusion = fusion
        self.register_buffer("weight", torch.zeros(n_features, num_labels))  # (F, C)
        self.register_buffer("bias", torch.zeros(num_labels))  # (C,)
        self.register_buffer("temperature", torch.ones(()))
        if model is not None:
            if tuple(model.weight.shape) != (n_features, num_labels):
                raise ValueError(f"lexical model of shape {tuple(model.weight.shape)}, expected "
                                 f"({n_features}, {num_labels})")
            self.weight.copy_(torch.as_tensor(model.weight))
            self.bias.copy_(torch.as_tensor(model.bias))
            self.temperature.fill_(float(model.temperature))
        # joint: learned, how much the lexical evidence counts against the other views (1 = as calibrated);
        # stacked: unused, a buffer (so parameter counts hold only what trains)
        if fusion == "joint":
            self.scale = nn.Parameter(torch.tensor(float(scale)))
        else:
            self.register_buffer("scale", torch.tensor(float(scale)))
        # stacked: the mixture fit on validation (fit_mixture); saved with the checkpoint of that epoch
        self.register_buffer("mix_weight", torch.tensor(0.5))
        self.register_buffer("mix_sharpness", torch.ones(()))

    def scores(self, batch: dict) -> torch.Tensor:
        """(B, C) linear scores d: precomputed, or from the sparse rows (padding: id 0 with value 0)."""
        if "lexical_scores" in batch:
            return batch["lexical_scores"]
        rows = self.weight[batch["lexical_ids"]]  # (B, K, C)
        return (batch["lexical_values"].unsqueeze(-1) * rows).sum(1) + self.bias  # (B, C)

    def fuse(self, head: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """(B, C) fused leaf scores from the head's logits and the lexical scores d."""
        lexical = F.log_softmax(self.temperature * scores.float(), dim=-1)
        if self.fusion == "joint":
            return head + self.scale * lexical
        return mixture(head.float(), self.mix_sharpness * lexical, self.mix_weight)

    @torch.no_grad()
    def fit_mixture(self, head: torch.Tensor, scores: torch.Tensor, target: torch.Tensor) -> float:
        """Choose (w, s) on held-out rows by leaf weighted F1 (ties: the first on the grid); returns it."""
        lexical = F.log_softmax(self.temperature * scores.float(), dim=-1)
        y = target.cpu().numpy()
        best = (-1.0, 0.5, 1.0)
        for s in SHARPNESS:
            for w in MIX_WEIGHTS:
                pred = mixture(head.float(), s * lexical, torch.tensor(w)).argmax(-1).cpu().numpy()
                f1 = f1_score(y, pred, average="weighted", zero_division=0)
                if f1 > best[0]:
                    best = (f1, w, s)
        self.mix_weight.fill_(float(best[1]))
        self.mix_sharpness.fill_(float(best[2]))
        return best[0]


def mixture(head: torch.Tensor, lexical_logits: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """log(w softmax(head) + (1 - w) softmax(lexical_logits)), stable; w in [0, 1] (log 0 clamped)."""
    w = weight.clamp(1e-12, 1.0)
    rest = (1.0 - weight).clamp(1e-12, 1.0)
    parts = torch.stack([w.log() + F.log_softmax(head, -1), rest.log() + F.log_softmax(lexical_logits, -1)])
    return torch.logsumexp(parts, dim=0)
