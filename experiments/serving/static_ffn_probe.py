"""Static INT8 with each FFN output projection kept fp32 (as the dynamic default keeps it): does that lift the
histogram calibrators over the 99% gate? A probe, not a variant of `prodcat.serve.quantize`:
`quantize_static_encoder(keep_ffn_out=True)`, top-1 agreement with the PyTorch model on the validation split.
Needs the fp32 file `int8.py build` writes beside the checkpoint's INT8 variants.

    cd experiments/serving; PYTHONPATH=../../src ../../.venv/bin/python static_ffn_probe.py \
        ../../outputs/strong_hybrid/amazon_toys/hybrid/seed0/checkpoints/best.ckpt \
        ../../outputs/serving/int8/amazon_toys/fp32.onnx Percentile Entropy > static_ffn_probe.txt
"""
import sys
import tempfile
from pathlib import Path

from int8 import rows

from prodcat.serve.assets import ServingAssets
from prodcat.serve.backends import TorchBackend, load_module
from prodcat.serve.predictor import Predictor
from prodcat.serve.quantize import copy_metadata, quantize_static_encoder
from prodcat.serve.verify import compare


def main(ckpt: str, fp32: str, *methods: str) -> None:
    module = load_module(ckpt)
    val, targets, calibration = rows(ckpt, list(module.label_space.leaves))
    reference = Predictor(TorchBackend(module), ServingAssets.from_module(module), batch_size=64).probabilities(val)
    calibrator = Predictor.from_onnx(fp32, batch_size=32)
    for method in methods:
        with tempfile.TemporaryDirectory() as tmp:
            dst = str(Path(tmp) / "static.onnx")
            quantize_static_encoder(fp32, dst, (calibrator, calibration), method, keep_ffn_out=True)
            copy_metadata(fp32, dst)  # the serving assets the Predictor reads
            r = compare(reference, Predictor.from_onnx(dst, batch_size=64).probabilities(val), targets)
        print(f"static, FFN output fp32, {method}: top-1 agreement {r['top1_agreement']:.4f} ({r['disagreements']} of "
              f"{r['rows']}), val acc {r['acc_torch']:.4f} -> {r['acc_export']:.4f}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
