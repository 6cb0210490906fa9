"""The lexical view inside the network: the stacked TF-IDF model's scores, as calibrated log-probabilities
added to the head's logits (see `prodcat.features.lexical` for how the TF-IDF model is fit).

    d = X W + b                       (B, C) linear scores; X (B, F) sparse TF-IDF rows
    out = scale * log_softmax(T * d)  added to the head's (B, C) logits; `scale` is learned, W, b, T are not

A training batch carries `lexical_scores` (B, C): the out-of-fold d of its rows (prepared once, so a row's
own label never shaped the evidence it trains on). Any other batch (validation and test carry the full
model's d too) may carry the sparse rows instead, as `lexical_ids` and `lexical_values` (B, K): the
predictor and the ONNX graph compute d here from the fixed W, so serving needs no scikit-learn model.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LexicalLayer(nn.Module):
    def __init__(self, n_features: int, num_labels: int, model=None, scale: float = 1.0):
        """`model`: a `prodcat.features.lexical.LexicalModel` (W, b, T) to copy, or None for zeros of the
        right shapes that `load_from_checkpoint` fills."""
        super().__init__()
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
        # Learned: how much the lexical evidence counts against the other views (1 = as calibrated).
        self.scale = nn.Parameter(torch.tensor(float(scale)))

    def scores(self, batch: dict) -> torch.Tensor:
        """(B, C) linear scores d: precomputed, or from the sparse rows (padding: id 0 with value 0)."""
        if "lexical_scores" in batch:
            return batch["lexical_scores"]
        rows = self.weight[batch["lexical_ids"]]  # (B, K, C)
        return (batch["lexical_values"].unsqueeze(-1) * rows).sum(1) + self.bias  # (B, C)

    def forward(self, batch: dict) -> torch.Tensor:
        return self.scale * F.log_softmax(self.temperature * self.scores(batch).float(), dim=-1)  # (B, C)
