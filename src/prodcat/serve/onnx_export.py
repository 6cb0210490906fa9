"""The whole hybrid (encoder, pooling, graph input, head) as one ONNX graph with dynamic batch and
sequence axes: inputs `input_ids`, `attention_mask` (B, T) int64 and `graph` (B, G) float32 (those
the head reads), output `logits` (B, C). The serving assets ride in the file's metadata.

The exporter is torch's default one (`dynamo=True`, via torch.export + onnxscript). It traces the
module's own `forward(batch)`, so the exported graph is the training forward, not a re-implementation.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import torch
from torch import nn

from prodcat.serve.assets import METADATA_KEY, ServingAssets


class Exportable(nn.Module):
    """`module(batch_dict)` behind positional tensors, the calling convention exporters want."""

    def __init__(self, module: nn.Module, input_names: list[str]):
        super().__init__()
        self.module, self.input_names = module, list(input_names)

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.module(dict(zip(self.input_names, inputs, strict=True)))  # (B, C) logits


def example_inputs(module: nn.Module, assets: ServingAssets) -> tuple[torch.Tensor, ...]:
    """Batch 2, length 8, the second row padded: sizes above 1 so neither axis is specialised, and a
    real padding mask so no "all ones" shortcut can be traced in."""
    out = []
    if assets.uses_text:
        vocab = module.encoder.config.vocab_size
        ids = torch.randint(5, vocab, (2, 8), generator=torch.Generator().manual_seed(0))
        mask = torch.ones_like(ids)
        mask[1, 5:] = 0
        out += [ids, mask]
    if assets.uses_graph:
        out.append(torch.randn(2, module.hparams.graph_dim, generator=torch.Generator().manual_seed(0)))
    if assets.lexical:  # 3 nonzeros per row, the second row padded (id 0, value 0)
        ids = torch.randint(1, module.lexical.weight.shape[0], (2, 3), generator=torch.Generator().manual_seed(0))
        values = torch.rand(2, 3, generator=torch.Generator().manual_seed(0))
        ids[1, 2], values[1, 2] = 0, 0.0
        out += [ids, values]
    return tuple(out)


def add_metadata(path: str | Path, assets: ServingAssets, provenance: dict | None = None) -> None:
    """The serving assets, and (when given) where the model came from (`prodcat.serve.model_info`)."""
    import json

    import onnx

    from prodcat.serve.model_info import PROVENANCE_KEY

    entries = {METADATA_KEY: assets.to_json(), **({PROVENANCE_KEY: json.dumps(provenance)} if provenance else {})}
    model = onnx.load(str(path))
    for prop in [p for p in model.metadata_props if p.key in entries]:
        model.metadata_props.remove(prop)
    for key, value in entries.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))


def export_onnx(module: nn.Module, assets: ServingAssets, path: str | Path, opset: int | None = None,
                provenance: dict | None = None) -> Path:
    """Write `module` (a ProductClassifier, fp32) as a single self-contained ONNX file."""
    path = Path(path)
    names = assets.input_names
    batch = torch.export.Dim("batch")
    max_len = module.encoder.config.max_position_embeddings if assets.uses_text else 2
    seq = torch.export.Dim("sequence", min=1, max=max_len)
    nonzeros = torch.export.Dim("nonzeros", min=1)
    shapes = tuple({0: batch} if n == "graph" else {0: batch, 1: nonzeros} if n.startswith("lexical")
                   else {0: batch, 1: seq} for n in names)
    wrapper = Exportable(module.float().eval(), names).eval()
    with torch.no_grad(), contextlib.redirect_stdout(sys.stderr):  # the exporter prints progress
        torch.onnx.export(wrapper, example_inputs(module, assets), str(path), input_names=names,
                          output_names=["logits"], dynamic_shapes=(shapes,), opset_version=opset,
                          dynamo=True, external_data=False, verbose=False)
    add_metadata(path, assets, provenance)
    return path
