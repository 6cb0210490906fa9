"""Classification heads over the text vector h (B, H) and the graph vector g (B, G).

Each head says which views it reads, so the module never runs the encoder for a graph-only head.
"""

from __future__ import annotations

import torch
from torch import nn


class LinearHead(nn.Module):
    """Text only: dropout + linear on the pooled [CLS] vector, the standard BERT classifier."""

    uses_text, uses_graph = True, False

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

    uses_text, uses_graph = False, True

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 256,
                 dropout: float = 0.1):
        super().__init__()
        self.norm = nn.LayerNorm(graph_dim)
        self.net = _mlp(graph_dim, hidden, num_labels, dropout)

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(self.norm(g))


class ConcatHead(nn.Module):
    """The hybrid: MLP([h ; g(x)]).

    Each view is layer-normed first: RDF2Vec vectors and transformer states live on different scales,
    and without it the larger one dominates the first linear layer at initialisation.
    """

    uses_text, uses_graph = True, True

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, hidden: int = 512,
                 dropout: float = 0.1):
        super().__init__()
        self.text_norm = nn.LayerNorm(text_dim)
        self.graph_norm = nn.LayerNorm(graph_dim)
        self.net = _mlp(text_dim + graph_dim, hidden, num_labels, dropout)

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        return self.net(torch.cat([self.text_norm(h), self.graph_norm(g)], dim=-1))  # (B, H + G) -> (B, C)


HEADS = {"linear": LinearHead, "graph": GraphHead, "concat": ConcatHead}


def build_head(name: str, text_dim: int, graph_dim: int, num_labels: int, **kwargs) -> nn.Module:
    if name not in HEADS:
        raise ValueError(f"head.name={name!r}: expected one of {sorted(HEADS)}")
    return HEADS[name](text_dim, graph_dim, num_labels, **kwargs)
