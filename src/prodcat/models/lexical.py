"""The lexical view inside the network: the stacked TF-IDF model's scores, fused with the head's logits
(see `prodcat.features.lexical` for how the TF-IDF model is fit).

    d = X W + b                       (B, C) linear scores; X (B, F) sparse TF-IDF rows; W, b, T fixed

Two fusions (`lexical.fusion`):
- `stacked` (default): the view is one member of `prodcat.models.mixture.Mixture` (its logits T d), mixed
  with the head's experts as probabilities, with weights fit on validation; the head trains alone.
- `joint`: scale * log_softmax(T d) is added to the head's logits and `scale` trains with the head (the
  loss also has CE of the head alone, `head_loss_weight`). Measured worse (experiments/strong_hybrid).

A training batch carries `lexical_scores` (B, C): the out-of-fold d of its rows (prepared once, so a row's
own label never shaped the evidence it trains on). Any other batch (validation and test carry the full
model's d too) may carry the sparse rows instead, as `lexical_ids` and `lexical_values` (B, K): the
predictor and the ONNX graph compute d here from the fixed W, so serving needs no scikit-learn model.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

FUSIONS = ("stacked", "joint")


class LexicalLayer(nn.Module):
    def __init__(self, n_features: int, num_labels: int, model=None, scale: float = 1.0, fusion: str = "stacked"):
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
        # joint only: learned, how much the lexical evidence counts against the other views (1 = as calibrated)
        self.scale = nn.Parameter(torch.tensor(float(scale))) if fusion == "joint" else None

    def scores(self, batch: dict) -> torch.Tensor:
        """(B, C) linear scores d: precomputed, or from the sparse rows (padding: id 0 with value 0)."""
        if "lexical_scores" in batch:
            return batch["lexical_scores"]
        rows = self.weight[batch["lexical_ids"]]  # (B, K, C)
        return (batch["lexical_values"].unsqueeze(-1) * rows).sum(1) + self.bias  # (B, C)

    def logits(self, scores: torch.Tensor) -> torch.Tensor:
        """The calibrated (B, C) logits T d: the view's member of a stacked mixture."""
        return self.temperature * scores.float()

    def fuse(self, head: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """Joint fusion: the head's (B, C) logits plus scale * log_softmax(T d)."""
        return head + self.scale * F.log_softmax(self.logits(scores), dim=-1)
