"""The student's encoder: another backbone config, or a shallower copy of the teacher's encoder.

A copy (`distill.student_layers=k`) keeps the teacher's embeddings and k of its layers (which ones:
`losses.copy_layer_ids`, or `distill.student_layer_ids`), as DistilBERT initialised its student from every
other layer of BERT. It becomes an `architecture` backbone config (the BERT shape with k layers), so
`build_encoder` rebuilds it from the checkpoint's hyperparameters like any other: the student checkpoint is a
plain ProductClassifier checkpoint. Only BERT-architecture teachers (BERT, MiniLM, TinyBERT, the `tiny`
backbone) can be copied: `architecture` backbones are built as BertModel.
"""

from __future__ import annotations

import torch
from transformers import BertModel

from prodcat.distill.losses import copy_layer_ids

# The BertConfig fields that fix a BERT encoder's shape and numerics (dropout comes from `backbone.dropout`).
ARCH_KEYS = ("hidden_size", "num_attention_heads", "intermediate_size", "hidden_act", "max_position_embeddings",
             "type_vocab_size", "layer_norm_eps", "pad_token_id")
_SOURCES = ("name_or_path", "package", "hub_id", "tokenizer")  # where a pretrained backbone loads from


def layer_ids(teacher_layers: int, student_layers: int, explicit: list[int] | None = None) -> list[int]:
    """The teacher layers a copy keeps: `explicit` (checked) or the evenly spaced default."""
    if explicit is None:
        return copy_layer_ids(teacher_layers, student_layers)
    ids = [int(i) for i in explicit]
    if len(ids) != int(student_layers) or sorted(set(ids)) != ids or not all(0 <= i < teacher_layers for i in ids):
        raise ValueError(f"distill.student_layer_ids={explicit}: expected {student_layers} increasing, distinct "
                         f"layer indices in [0, {teacher_layers})")
    return ids


def copy_backbone(teacher, student_layers: int, explicit_ids: list[int] | None = None
                  ) -> tuple[dict, dict[str, torch.Tensor], list[int]]:
    """(backbone config of the copy, its encoder state dict, the teacher layers it keeps)."""
    encoder = teacher.encoder
    if not isinstance(encoder, BertModel):
        raise ValueError(f"distill.student_layers: copying layers needs a BERT-architecture teacher encoder; this "
                         f"teacher's is {type(encoder).__name__}. Use distill.student_layers=null and a student "
                         "backbone (backbone=tiny, tinybert, minilm_l6...) instead.")
    n = encoder.config.num_hidden_layers
    ids = layer_ids(n, student_layers, explicit_ids)
    arch = {k: getattr(encoder.config, k) for k in ARCH_KEYS if getattr(encoder.config, k, None) is not None}
    arch["num_hidden_layers"] = len(ids)
    teacher_backbone = dict(teacher.hparams.backbone)
    backbone = {**{k: v for k, v in teacher_backbone.items() if k not in _SOURCES},
                "name": f"{teacher_backbone['name']}_{len(ids)}of{n}", "name_or_path": None,
                "architecture": arch, "copied_layers": ids, "teacher_backbone": teacher_backbone["name"]}
    state = {}
    for key, tensor in encoder.state_dict().items():
        if key.startswith("encoder.layer."):
            layer, rest = key.removeprefix("encoder.layer.").split(".", 1)
            if int(layer) in ids:
                state[f"encoder.layer.{ids.index(int(layer))}.{rest}"] = tensor.detach().clone()
        elif not key.startswith("pooler."):  # prodcat pools the first token itself: no BERT pooler
            state[key] = tensor.detach().clone()
    return backbone, state, ids
