"""Dynamic INT8 quantization with ONNX Runtime: weights stored as int8, activations quantized on the
fly per batch, so no calibration data is needed. The weight MatMul/Gemm layers (the encoder's
projections and the head) become MatMulInteger and the embedding tables int8 Gathers; the attention
products, LayerNorm, softmax and GELU stay fp32.

Weights are quantized per output channel: with one scale per tensor, the trained all-MiniLM-L6 hybrid
(test acc 0.953) kept only 98.65% top-1 agreement with fp32 on its validation split, below the 99%
the export check asks for; per channel it keeps 99.7%, at the same file size.
"""

from __future__ import annotations

from pathlib import Path


def quantize_int8(src: str | Path, dst: str | Path) -> Path:
    """fp32 ONNX file -> dynamically quantized INT8 file (the metadata, serving assets included, is kept)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)
    return Path(dst)
