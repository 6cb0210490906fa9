"""Runtimes that turn a batch of network inputs into logits: PyTorch eager and ONNX Runtime.

Both take `{name: np.ndarray}` (`input_ids`/`attention_mask` (B, T) int64, `graph` (B, G) float32) and
return (B, C) float32 logits, so the `Predictor` around them is the same code for every runtime.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from prodcat.serve.assets import METADATA_KEY, ServingAssets


def load_module(checkpoint: str | Path, device: str = "cpu"):
    """A `ProductClassifier` from its Lightning checkpoint, in eval mode; a missing, truncated or foreign
    file fails with its path."""
    from prodcat.models.module import ProductClassifier

    path = Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        return ProductClassifier.load_from_checkpoint(str(path), map_location=device).eval()
    except (RuntimeError, EOFError, KeyError, ValueError, OSError, pickle.UnpicklingError) as e:
        raise ValueError(f"{path}: not a readable prodcat checkpoint ({type(e).__name__}: "
                         f"{' '.join(str(e).split())[:200]})") from e


class TorchBackend:
    name = "torch"

    def __init__(self, module, device: str = "cpu"):
        self.module = module.eval().to(device)
        self.device = device

    def __call__(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        batch = {k: torch.from_numpy(v).to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            return self.module(batch).float().cpu().numpy()  # (B, C): the training forward, unchanged


# ONNX Runtime graph rewrites left out of every session. SkipLayerNormFusion fuses a residual Add and the
# LayerNormalization after it into one SkipLayerNormalization kernel; on ONNX Runtime 1.32's CPU provider that
# kernel took ~0.6 ms for a (16, 28, 384) input where the unfused Add + LayerNormalization took ~0.08 ms: without
# the fusion the served MiniLM-L6 hybrid answers 1.02-1.47x more queries per second (experiments/serving/README.md,
# "A CPU with AVX-512 VNNI"; measured on that CPU only).
DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)


def session_options(threads: int | None = None, thread_spinning: bool = True,
                    disabled_optimizers: tuple[str, ...] = DISABLED_OPTIMIZERS):
    """`thread_spinning`: ONNX Runtime's default (True) keeps idle intra-op threads spin-waiting for the next
    operator; False lets them sleep: with 2 threads, ~20 % more CPU per query than 1 thread instead of ~45 % at
    batch 32 (experiments/serving/spinning.txt); in the load test it saved CPU but did not raise the knee."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads, options.inter_op_num_threads = int(threads), 1
    if not thread_spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if disabled_optimizers:
        options.add_session_config_entry("optimization.disable_specified_optimizers", ",".join(disabled_optimizers))
    return options


class OnnxBackend:
    """An exported model (see `prodcat.serve.onnx_export`); its serving assets come from its metadata."""

    name = "onnx"

    def __init__(self, path: str | Path, threads: int | None = None, providers: list[str] | None = None,
                 thread_spinning: bool = True, disabled_optimizers: tuple[str, ...] = DISABLED_OPTIMIZERS):
        import onnxruntime as ort

        options = session_options(threads, thread_spinning, disabled_optimizers)
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=providers or ["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise ValueError(f"{path}: not a prodcat export (no {METADATA_KEY!r} in its metadata); "
                             "make one with `python export.py checkpoint=...`")
        self.assets = ServingAssets.from_json(meta[METADATA_KEY])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def __call__(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(["logits"], {n: inputs[n] for n in self.input_names})[0]
