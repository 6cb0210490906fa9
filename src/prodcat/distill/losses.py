"""Distillation losses and layer mappings.

soft (Hinton et al. 2015, as in DistilBERT):
    loss = alpha * T^2 * KL(p_t || p_s) + (1 - alpha) * CE(student logits, label)
    with p = softmax(logits / T). KL(p_t || p_s) = sum_c p_t[c] (log p_t[c] - log p_s[c]), the usual direction:
    the student's softened distribution is pulled towards the teacher's. T^2 keeps the gradient of the soft
    term on the same scale as the CE term whatever T is.
tinybert (Jiao et al. 2020, task-specific distillation in one stage): the soft loss plus
    hidden_weight * MSE(student state W, teacher state) over mapped layers (the embedding output included;
    W a learned projection when the widths differ, one for the embeddings and one shared by the layers)
    attention_weight * MSE(student attention, teacher attention) over the mapped layers.
    Attention maps are the softmax probabilities Hugging Face returns (TinyBERT used pre-softmax scores);
    when the head counts differ, both sides are averaged over heads first. Padding positions are excluded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn


def soft_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(teacher / T) || softmax(student / T)), averaged over the batch. (B, C), (B, C) -> ()"""
    t = float(temperature)
    if t <= 0:
        raise ValueError(f"distill.temperature={temperature}: must be > 0")
    log_ps = F.log_softmax(student_logits.float() / t, dim=-1)  # (B, C)
    log_pt = F.log_softmax(teacher_logits.float() / t, dim=-1)  # (B, C)
    return F.kl_div(log_ps, log_pt, log_target=True, reduction="batchmean") * t * t


def soft_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, target: torch.Tensor, *,
              temperature: float, alpha: float,
              ce: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """{"loss", "kd", "ce"}: loss = alpha * kd + (1 - alpha) * ce. `ce` defaults to plain cross-entropy (the
    module passes its own, which applies label smoothing)."""
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"distill.alpha={alpha}: must be in [0, 1]")
    kd = soft_kl(student_logits, teacher_logits, temperature)
    hard = (ce or (lambda s, y: F.cross_entropy(s.float(), y)))(student_logits, target)
    return {"loss": alpha * kd + (1.0 - alpha) * hard, "kd": kd, "ce": hard}


def hidden_mse(student: Sequence[torch.Tensor], teacher: Sequence[torch.Tensor], pairs: Sequence[tuple[int, int]],
               mask: torch.Tensor, embed_proj: nn.Module, layer_proj: nn.Module) -> torch.Tensor:
    """Mean over `pairs` (student index, teacher index into `hidden_states`, 0 = embedding output) of the MSE
    between the projected student state (B, T, Hs) -> (B, T, Ht) and the teacher state, over real tokens."""
    m = mask.unsqueeze(-1).float()  # (B, T, 1)
    losses = []
    for s, t in pairs:
        proj = embed_proj if s == 0 else layer_proj
        diff = (proj(student[s].float()) - teacher[t].float()) * m  # (B, T, Ht)
        losses.append(diff.pow(2).sum() / (m.sum() * diff.shape[-1]).clamp(min=1.0))
    return torch.stack(losses).mean()


def attention_mse(student: Sequence[torch.Tensor], teacher: Sequence[torch.Tensor],
                  pairs: Sequence[tuple[int, int]], mask: torch.Tensor) -> torch.Tensor:
    """Mean over `pairs` (student layer, teacher layer; 0-based) of the MSE between attention maps (B, h, T, T),
    over real query and key positions. Different head counts: both sides averaged over heads."""
    m = mask.float()
    m2 = (m[:, :, None] * m[:, None, :]).unsqueeze(1)  # (B, 1, T, T)
    losses = []
    for s, t in pairs:
        a_s, a_t = student[s].float(), teacher[t].float()  # (B, hs, T, T), (B, ht, T, T)
        if a_s.shape[1] != a_t.shape[1]:
            a_s, a_t = a_s.mean(1, keepdim=True), a_t.mean(1, keepdim=True)
        diff = (a_s - a_t) * m2
        losses.append(diff.pow(2).sum() / (m2.sum() * a_s.shape[1]).clamp(min=1.0))
    return torch.stack(losses).mean()


def copy_layer_ids(teacher_layers: int, student_layers: int) -> list[int]:
    """Which teacher layers (0-based) a k-layer copy keeps: k evenly spaced from the first to the last, rounded
    half up. 12 -> 6 gives DistilBERT's [0, 2, 4, 7, 9, 11]; 6 -> 3 gives [0, 3, 5]; 6 -> 2 gives [0, 5]
    (the last layer is always kept: the teacher's head was trained on its output, and the copy keeps that head)."""
    n, k = int(teacher_layers), int(student_layers)
    if not 1 <= k <= n:
        raise ValueError(f"distill.student_layers={k}: must be between 1 and the teacher's {n} layers")
    if k == 1:
        return [n - 1]
    return [int(i * (n - 1) / (k - 1) + 0.5) for i in range(k)]


def uniform_layer_map(student_layers: int, teacher_layers: int) -> list[int]:
    """TinyBERT's uniform mapping g(m) = m * N / M (1-based): student layer j (0-based) learns from teacher
    layer (j + 1) * N // M - 1, so the last student layer always learns from the last teacher layer."""
    m, n = int(student_layers), int(teacher_layers)
    if not 1 <= m <= n:
        raise ValueError(f"distill=tinybert: a student of {m} layers cannot map onto a teacher of {n} layers")
    return [(j + 1) * n // m - 1 for j in range(m)]
