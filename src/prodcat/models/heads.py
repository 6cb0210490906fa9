"""Classification heads over the text vector h (B, H) and the graph vector g (B, G).

Each head says which views it reads, so the module never runs the encoder for a graph-only head;
`uses_label_vectors` heads also need the label-side category vectors E (passed at construction).
"""

from __future__ import annotations

import importlib
import math

import torch
from torch import nn


class LinearHead(nn.Module):
    """Text only: dropout + linear on the pooled [CLS] vector, the standard BERT classifier."""

    uses_text, uses_graph, uses_label_vectors = True, False, False

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(text_dim, num_labels))

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(h)


def _mlp(in_dim: int, hidden: int, num_labels: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout),
        nn.Linear(hidden, num_labels),
    )


class GraphHead(nn.Module):
    """Graph only: an MLP on g(x). Shows what the knowledge graph alone knows about a product."""

    uses_text, uses_graph, uses_label_vectors = False, True, False

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 256,
                 dropout: float = 0.1):
        super().__init__()
        self.norm = nn.LayerNorm(graph_dim)
        self.net = _mlp(graph_dim, hidden, num_labels, dropout)

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(self.norm(g))


class MLPHead(nn.Module):
    """Text only, with the hybrid's capacity: the concat head's MLP on h alone. On frozen features a linear
    probe is far weaker than an MLP, so this is the control that separates "the graph" from "a bigger head"."""

    uses_text, uses_graph, uses_label_vectors = True, False, False

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 512, dropout: float = 0.1):
        super().__init__()
        self.norm = nn.LayerNorm(text_dim)
        self.net = _mlp(text_dim, hidden, num_labels, dropout)

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(self.norm(h))  # (B, H) -> (B, C)


class ConcatHead(nn.Module):
    """The hybrid: MLP([h ; g(x)]).

    Each view is layer-normed first: RDF2Vec vectors and transformer states live on different scales,
    and without it the larger one dominates the first linear layer at initialisation.
    """

    uses_text, uses_graph, uses_label_vectors = True, True, False

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 512,
                 dropout: float = 0.1):
        super().__init__()
        self.text_norm = nn.LayerNorm(text_dim)
        self.graph_norm = nn.LayerNorm(graph_dim)
        self.net = _mlp(text_dim + graph_dim, hidden, num_labels, dropout)

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(torch.cat([self.text_norm(h), self.graph_norm(g)], dim=-1))  # (B, H + G) -> (B, C)


class ExpertsHead(nn.Module):
    """Text and graph as separate experts: the standard linear classifier on h and the graph head's MLP on
    g(x), each trained on its own cross-entropy; the module mixes their softmax outputs (with the lexical
    view's, when it is on) with weights fit on validation (`prodcat.models.mixture`).

    Why not one MLP over [h ; g] (`concat`): on MWPD it trained to 84.06 where the linear text head alone
    reached 85.3 (experiments/strong_hybrid); kept apart, neither view can drown the other, and the mixture
    weights say on held-out rows how much each is worth. `forward` (used alone, e.g. as a level head of a
    hierarchy) is the equal-weight mixture.
    """

    uses_text, uses_graph, uses_label_vectors = True, True, False
    n_experts = 2  # the length of `experts(h, g)`: members of the module's mixture

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 256, dropout: float = 0.1):
        super().__init__()
        self.text = LinearHead(text_dim, graph_dim, num_labels, dropout)
        self.graph = GraphHead(text_dim, graph_dim, num_labels, hidden, dropout)

    def experts(self, h: torch.Tensor | None, g: torch.Tensor | None) -> list[torch.Tensor]:
        return [self.text(h, g), self.graph(h, g)]  # (B, C) logits each

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        parts = torch.stack([z.log_softmax(-1) for z in self.experts(h, g)])  # (2, B, C)
        return torch.logsumexp(parts, dim=0) - math.log(len(parts))


class LabelGraphHead(nn.Module):
    """Each category scored from the text vector h and its own graph vector e_c (label side):

        s(h, c) = <phi(h), psi(e_c)> / sqrt(k) + b_c          phi: MLP on h, psi: MLP on e_c, both -> k

    e_c is `prodcat.models.hierarchy.path_vectors`: the RDF2Vec vectors of c's ancestors and of c,
    concatenated. By default there is no free weight vector per class (only a bias, the class prior):
    every class is a function of its graph vector, so classes close in the graph get close scores and a
    class with few rows borrows from its neighbours.

    Why a bilinear (two-tower) scorer rather than an MLP over [h ; e_c]: it is the same family (a
    concat-MLP's first layer is W_h h + W_e e_c), but scores every class with one (B, k) x (k, C)
    product, where the concat MLP builds a (B, C, hidden) tensor, C times the memory and compute
    (281 classes on MWPD, 5,595 on the Google taxonomy); and psi(E) does not depend on the batch.

    `class_residual=True` adds a free vector r_c per class: s = <phi(h), psi(e_c) + r_c> / sqrt(k) + b_c.
    r_c starts at zero (training begins from the pure graph scorer) and weight decay pulls it back there.
    RDF2Vec gives sibling leaves almost the same e_c (their walks all pass through the parent), so the
    pure scorer can tell the branch but hardly the leaf; r_c lets siblings differ where the data says so.

    E is a buffer: it is saved in the checkpoint's state_dict, so prediction and export need nothing
    else (the head does not read g(x) at inference). `label_vectors=None` builds zeros of the right
    shape for `load_from_checkpoint` to fill.
    """

    uses_text, uses_graph, uses_label_vectors = True, False, True

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, label_dim: int = 0, hidden: int = 512,
                 rank: int = 256, dropout: float = 0.1, class_residual: bool = False, label_vectors=None):
        super().__init__()
        if label_dim <= 0:
            raise ValueError("head=label_graph needs the category vectors of the graph (label_dim > 0); "
                             "they come from prepare(label_vectors=True)")
        self.register_buffer("label_vectors", torch.zeros(num_labels, label_dim))  # (C, D)
        if label_vectors is not None:
            e = torch.as_tensor(label_vectors, dtype=torch.float32)
            if tuple(e.shape) != (num_labels, label_dim):
                raise ValueError(f"head=label_graph: category vectors of shape {tuple(e.shape)}, "
                                 f"expected ({num_labels}, {label_dim})")
            self.label_vectors.copy_(e)
        self.text_proj = nn.Sequential(nn.LayerNorm(text_dim), _mlp(text_dim, hidden, rank, dropout))
        self.label_proj = nn.Sequential(nn.LayerNorm(label_dim), _mlp(label_dim, hidden, rank, 0.0))
        self.bias = nn.Parameter(torch.zeros(num_labels))
        self.residual = nn.Parameter(torch.zeros(num_labels, rank)) if class_residual else None
        self.scale = rank ** -0.5

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        q = self.text_proj(h)  # (B, k)
        k = self.label_proj(self.label_vectors)  # (C, k)
        if self.residual is not None:
            k = k + self.residual
        return q @ k.T * self.scale + self.bias  # (B, C)


HEADS = {"linear": LinearHead, "mlp": MLPHead, "graph": GraphHead, "concat": ConcatHead,
         "experts": ExpertsHead, "label_graph": LabelGraphHead}


def head_class(name: str) -> type[nn.Module]:
    """A head by its registered name (HEADS), or any head class by its dotted path (`mypkg.heads.MyHead`):
    a new head needs only its module and `conf/head/<name>.yaml`."""
    if name in HEADS:
        return HEADS[name]
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as e:  # chained: a broken module shows its own error
        raise ValueError(f"head.name={name!r}: expected one of {sorted(HEADS)} or an importable "
                         "'package.module.Class'") from e


def build_head(name: str, text_dim: int, graph_dim: int, num_labels: int, **kwargs) -> nn.Module:
    return head_class(name)(text_dim, graph_dim, num_labels, **kwargs)
