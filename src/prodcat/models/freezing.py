"""Freezing strategies and layer-wise learning-rate decay for BERT-family encoders.

Both need the depth of each encoder parameter: 0 = embeddings, i + 1 = transformer layer i, L = the top
(parameters above the layers, such as BERT's pooler, count as the top layer). `layer_depth` reads it from
the parameter name, which works for the families Hugging Face builds with `AutoModel`:
- BERT, RoBERTa, ELECTRA, MiniLM: `embeddings.*`, `encoder.layer.<i>.*`, `pooler.*`
- DistilBERT: `embeddings.*`, `transformer.layer.<i>.*`
- ALBERT: `embeddings.*` and `encoder.embedding_hidden_mapping_in.*` (depth 0); its transformer weights
  are SHARED: `encoder.albert_layer_groups.<g>.*` is run by every layer i with int(i / (L / G)) == g
  (G = num_hidden_groups, 1 by default). A shared group gets the depth of the LAST layer that runs it:
  it is frozen by `partial` only when all its layers are among the first k (with G = 1: only k = L
  freezes it), and LLRD gives it that layer's rate.

Strategies (`conf/freeze/`): `full` trains everything; `partial` freezes the embeddings and the first
`k` layers (0 <= k <= L; parameters of depth <= k); `frozen` freezes the whole encoder (and the module
keeps it in eval mode: features come from the cache, see `prodcat.features`).
"""

from __future__ import annotations

import re

from torch import nn

STRATEGIES = ("full", "partial", "frozen")

_LAYER = re.compile(r"(?:^|\.)(?:layer|layers)\.(\d+)\.")
_ALBERT_GROUP = re.compile(r"(?:^|\.)albert_layer_groups\.(\d+)\.")
_EMBEDDINGS = re.compile(r"(?:^|\.)(?:embeddings|embedding_hidden_mapping_in)\.")


def num_layers(config) -> int:
    """Transformer layers of an encoder config (`num_hidden_layers`; DistilBERT calls it `n_layers`)."""
    for attr in ("num_hidden_layers", "n_layers"):
        if getattr(config, attr, None) is not None:
            return int(getattr(config, attr))
    raise ValueError(f"{type(config).__name__}: cannot find the number of layers")


def layer_depth(name: str, config) -> int:
    """0 = embeddings, i + 1 = transformer layer i, L = top, for a parameter name of the encoder."""
    n_layers = num_layers(config)
    if m := _ALBERT_GROUP.search(name):
        group, groups = int(m[1]), int(getattr(config, "num_hidden_groups", 1))
        users = [i for i in range(n_layers) if int(i / (n_layers / groups)) == group]  # as AlbertTransformer
        return max(users) + 1
    if m := _LAYER.search(name):
        return int(m[1]) + 1
    if _EMBEDDINGS.search(name) or name.startswith("embeddings."):
        return 0
    return n_layers


def frozen_depth(freeze: dict, config) -> int:
    """Parameters of depth <= this are frozen: -1 (none) for full, k for partial, L for frozen."""
    strategy = freeze.get("strategy", "full")
    n_layers = num_layers(config)
    if strategy == "full":
        return -1
    if strategy == "frozen":
        return n_layers
    if strategy == "partial":
        k = freeze.get("k")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= n_layers:
            raise ValueError(f"freeze.k={k!r}: expected an integer in [0, {n_layers}] (this encoder has "
                             f"{n_layers} layers; 0 freezes only the embeddings)")
        return k
    raise ValueError(f"freeze.strategy={strategy!r}: expected one of {list(STRATEGIES)}")


def apply_freeze(encoder: nn.Module, freeze: dict) -> int:
    """Set requires_grad of every encoder parameter by the strategy; returns how many are frozen."""
    limit = frozen_depth(freeze, encoder.config)
    frozen = 0
    for name, p in encoder.named_parameters():
        trainable = layer_depth(name, encoder.config) > limit
        p.requires_grad_(trainable)
        frozen += 0 if trainable else p.numel()
    return frozen


def encoder_param_groups(encoder: nn.Module, lr: float, weight_decay: float,
                         layer_decay: float | None = None) -> list[dict]:
    """AdamW groups of the trainable encoder parameters. With `layer_decay` (LLRD), depth d gets
    lr * layer_decay ** (L - d): the top layer `lr`, each lower layer `layer_decay` times the one above,
    the embeddings lr * layer_decay ** L. No weight decay on biases and LayerNorm weights (as in BERT)."""
    n_layers = num_layers(encoder.config)
    groups: dict[tuple[int, bool], list] = {}
    for name, p in encoder.named_parameters():
        if p.requires_grad:
            depth = layer_depth(name, encoder.config) if layer_decay else n_layers
            groups.setdefault((depth, p.ndim >= 2), []).append(p)
    return [{"params": params, "lr": lr * (layer_decay or 1.0) ** (n_layers - depth),
             "weight_decay": weight_decay if decays else 0.0, "name": f"encoder/depth{depth}"}
            for (depth, decays), params in sorted(groups.items())]
