"""INT8 quantization of an exported fp32 ONNX hybrid with ONNX Runtime; `export.py` writes `DEFAULT`.

Variants (measured on the MWPD and Amazon toys hybrids in experiments/serving/int8_results.json):
- `dynamic_per_tensor`: weights int8 with one scale per tensor, activations quantized on the fly per
  batch; every weight MatMul/Gemm and the embedding tables. The library's default.
- `dynamic_per_channel`: the same with one scale per output channel. On the all-MiniLM-L6 hybrid of the
  synthetic catalog per tensor kept 98.65% top-1 agreement, per channel 99.7%.
- `dynamic_encoder_only`: per channel, and only the encoder layers' weight MatMuls. The embeddings, the
  experts' heads, the graph MLP, the lexical view and the mixture stay fp32: they are a small share of
  the work, and the head sits where an error moves the answer directly.
- `dynamic_encoder_fp32_ffn_out`: as `dynamic_encoder_only`, but each layer's FFN output projection (it reads
  the GELU activations, the widest-ranging ones, quantized with one scale per batch) also stays fp32.
- `static_encoder_only`: the same weights, and activation scales fixed in advance from training texts
  (QDQ, MinMax calibration) instead of computed per batch. A fixed scale also makes a title's answer
  independent of which other titles share its batch; dynamic activation scales are not.
- `static_encoder_percentile`, `static_encoder_entropy`: the same with ONNX Runtime's histogram calibrators,
  whose ranges ignore the rare extreme activation that stretches MinMax's (the 99.999th percentile of |x|;
  the threshold that keeps the quantized histogram closest in KL divergence). They stack every batch's
  activations into one array, so the calibration batches are padded to one shape first (the longest text, the
  most TF-IDF nonzeros): padding tokens are masked out of attention, as in any padded batch.

Which nodes are the encoder's: torch's exporter records each node's module path in its metadata
(`pkg.torch.onnx.name_scopes`); the encoder layers are the nodes under `module.encoder` (the backbone) but not
under its embeddings or pooler, whatever the family calls its layer stack (BERT `encoder`, DistilBERT
`transformer`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

VARIANTS = ("fp32", "dynamic_per_tensor", "dynamic_per_channel", "dynamic_encoder_only", "dynamic_encoder_fp32_ffn_out",
            "static_encoder_only", "static_encoder_percentile", "static_encoder_entropy")
# static variant -> ONNX Runtime calibration method (a histogram method needs batches of one shape)
CALIBRATION = {"static_encoder_only": "MinMax", "static_encoder_percentile": "Percentile",
               "static_encoder_entropy": "Entropy"}
DEFAULT = "dynamic_encoder_fp32_ffn_out"
BACKBONE, OUTSIDE_LAYERS = "module.encoder", ("module.encoder.embeddings", "module.encoder.pooler")
# Each family's FFN output projection, dense(GELU(...)): BERT / RoBERTa (BertOutput, RobertaOutput), DistilBERT, ALBERT
FFN_OUT = re.compile(r"module\.encoder\.(encoder\.layer\.\d+\.output|transformer\.layer\.\d+\.ffn\.lin2"
                     r"|encoder\.albert_layer_groups\.\d+\.albert_layers\.\d+\.ffn_output)$")


def _scopes(node) -> list[str]:
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            return ast.literal_eval(prop.value)  # a Python list literal
    return []


def non_encoder_nodes(path: str | Path, keep_ffn_out: bool = False) -> list[str]:
    """Names of the nodes outside the encoder layers (kept fp32), and with `keep_ffn_out` the layers' FFN output
    projections too; fails if the file has no scope metadata."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    layers = {n.name for n in model.graph.node
              if BACKBONE in (s := _scopes(n)) and not any(x.startswith(OUTSIDE_LAYERS) for x in s)}
    if not layers:
        raise ValueError(f"{path}: no encoder layer under {BACKBONE!r} in the export's name scopes; "
                         "encoder-only quantization needs a file written by torch.onnx.export(dynamo=True)")
    ffn_out = {n.name for n in model.graph.node if any(FFN_OUT.match(x) for x in _scopes(n))}
    if keep_ffn_out and not ffn_out:
        raise ValueError(f"{path}: no FFN output projection ({FFN_OUT.pattern}) to keep in fp32; "
                         "int8_variant=dynamic_encoder_only quantizes every encoder layer")
    return [n.name for n in model.graph.node if n.name not in layers or (keep_ffn_out and n.name in ffn_out)]


def quantize(src: str | Path, dst: str | Path, variant: str = DEFAULT, calibration=None) -> Path:
    """fp32 ONNX file -> INT8 file `dst` (metadata, serving assets included, kept). `calibration`
    (static only): `(predictor, inputs)`, a `Predictor` on `src` that turns the inputs into network inputs."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if variant not in VARIANTS or variant == "fp32":
        raise ValueError(f"variant={variant!r}: expected one of {VARIANTS[1:]}")
    if variant == "dynamic_per_tensor":
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False)
    elif variant == "dynamic_per_channel":
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)
    elif variant in ("dynamic_encoder_only", "dynamic_encoder_fp32_ffn_out"):
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=non_encoder_nodes(src, keep_ffn_out=variant.endswith("ffn_out")))
    else:
        if calibration is None:
            raise ValueError("static quantization needs calibration=(predictor, training inputs)")
        quantize_static_encoder(src, dst, calibration, CALIBRATION[variant])
    copy_metadata(src, dst)
    return Path(dst)


def quantize_static_encoder(src: str | Path, dst: str | Path, calibration, method: str,
                            keep_ffn_out: bool = False) -> None:
    """The encoder layers' weight MatMuls in int8 (QDQ, per channel) with activation scales calibrated by
    `method` (MinMax | Percentile | Entropy) on `calibration` = (predictor, training inputs); `keep_ffn_out`
    also leaves each layer's FFN output projection fp32. Metadata is not copied (`quantize` does)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    quantize_static(str(src), str(dst), _Reader(*calibration, one_shape=method != "MinMax"),
                    quant_format=QuantFormat.QDQ, calibrate_method=getattr(CalibrationMethod, method),
                    per_channel=True, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                    op_types_to_quantize=["MatMul"], nodes_to_exclude=non_encoder_nodes(src, keep_ffn_out),
                    extra_options={"MatMulConstBOnly": True, "WeightSymmetric": True})


def copy_metadata(src, dst) -> None:
    """quantize_static drops the model's metadata_props; the serving assets must ride along."""
    import onnx

    source, target = onnx.load(str(src), load_external_data=False), onnx.load(str(dst))
    have = {p.key for p in target.metadata_props}
    missing = [p for p in source.metadata_props if p.key not in have]
    if missing:
        for p in missing:
            target.metadata_props.add(key=p.key, value=p.value)
        onnx.save(target, str(dst))


class _Reader:
    """ONNX Runtime's CalibrationDataReader over training inputs, 32 at a time; with `one_shape`, every batch
    padded to the same token and TF-IDF widths."""

    def __init__(self, predictor, inputs, one_shape: bool = False):
        from prodcat.serve.inputs import to_item

        items = [to_item(x) for x in inputs]
        batches = [predictor.features(items[i : i + 32])[0] for i in range(0, len(items), 32)]
        if one_shape:
            pad_id = predictor.tokenizer.pad_token_id if predictor.assets.uses_text else 0
            left = getattr(predictor.tokenizer, "padding_side", "right") == "left"
            batches = _one_shape(batches, {"input_ids": pad_id, "attention_mask": 0, "lexical_ids": 0,
                                           "lexical_values": 0}, left)
        self.batches = iter(batches)

    def get_next(self):
        return next(self.batches, None)


def _one_shape(batches: list[dict], pad_values: dict, left: bool) -> list[dict]:
    """The batches with each (B, width) input in `pad_values` padded to its widest width over all batches
    (tokens on the tokenizer's side, TF-IDF pairs on the right: id 0 with value 0, as `sparse_inputs` pads)."""
    import numpy as np

    widths = {k: max(b[k].shape[1] for b in batches) for k in pad_values if k in batches[0]}
    out = []
    for b in batches:
        padded = dict(b)
        for k, width in widths.items():
            extra = width - b[k].shape[1]
            before = extra if left and k in ("input_ids", "attention_mask") else 0
            padded[k] = np.pad(b[k], ((0, 0), (before, extra - before)), constant_values=pad_values[k])
        out.append(padded)
    return out


def quantize_int8(src: str | Path, dst: str | Path) -> Path:
    """What `export.py` writes as model.int8.onnx: the `DEFAULT` variant (dynamic: no calibration data)."""
    return quantize(src, dst, DEFAULT)
