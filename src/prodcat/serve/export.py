"""Checked export: ONNX fp32 and dynamic INT8, each written only when it agrees with the PyTorch model.

Both are built in a temporary folder inside `out_dir`, scored against the PyTorch model on the given
validation inputs (top-1 agreement, largest probability difference, file size), and moved into place
by an atomic rename only when they pass `MIN_AGREEMENT`. A failed check leaves no file (and does not
touch an older export of the same name). The ONNX side is scored through `Predictor.from_onnx`, i.e.
with the tokenizer and graph linker read back from the file's own metadata: the check covers the
whole serving path, not only the network.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from prodcat.serve.assets import ServingAssets
from prodcat.serve.backends import TorchBackend
from prodcat.serve.onnx_export import export_onnx
from prodcat.serve.predictor import Predictor
from prodcat.serve.quantize import DEFAULT, quantize
from prodcat.serve.verify import MIN_AGREEMENT, compare

log = logging.getLogger(__name__)

FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}


class ExportCheckFailed(RuntimeError):
    def __init__(self, reports: list[dict]):
        self.reports = reports
        failed = [f"{r['precision']}: top-1 agreement {r['top1_agreement']:.4f} < {r['min_agreement']}"
                  for r in reports if not r["passed"]]
        super().__init__("export check failed, file not written (" + "; ".join(failed) + ")")


def export_checked(module, out_dir: str | Path, val_inputs: Iterable, targets: Sequence[int | None] | None = None,
                   precisions: Sequence[str] = ("fp32", "int8"), min_agreement: dict | None = None,
                   batch_size: int = 64, threads: int | None = None, provenance: dict | None = None,
                   int8_variant: str = DEFAULT) -> list[dict]:
    """Export, check and write; returns one report per precision (`passed`, `written`, numbers).
    `provenance` (backbone, checkpoint, training run) rides in the files' metadata for `GET /metadata`;
    `int8_variant`: a dynamic variant of `prodcat.serve.quantize` (static ones need calibration data)."""
    unknown = set(precisions) - set(FILES)
    if unknown:
        raise ValueError(f"precisions {sorted(unknown)}: expected a subset of {sorted(FILES)}")
    if "int8" in precisions and not int8_variant.startswith("dynamic_"):
        raise ValueError(f"int8_variant={int8_variant!r}: export.py writes dynamic variants only "
                         "(static ones need calibration data: experiments/serving/int8.py)")
    thresholds = {**MIN_AGREEMENT, **(min_agreement or {})}
    items = list(val_inputs)
    if not items:
        raise ValueError("no validation inputs to check the export against")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    assets = ServingAssets.from_module(module)
    reference = Predictor(TorchBackend(module), assets, batch_size=batch_size).probabilities(items)  # (N, C)
    reports = []
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp:
        t = time.perf_counter()
        fp32 = export_onnx(module, assets, Path(tmp) / FILES["fp32"], provenance=provenance)
        export_s = time.perf_counter() - t
        for precision in precisions:
            t = time.perf_counter()
            path = fp32 if precision == "fp32" else quantize(fp32, Path(tmp) / FILES[precision], int8_variant)
            build_s = export_s + (time.perf_counter() - t) if precision != "fp32" else export_s
            candidate = Predictor.from_onnx(path, threads=threads, batch_size=batch_size).probabilities(items)
            report = {"precision": precision, "file": str(out_dir / FILES[precision]),
                      **({"int8_variant": int8_variant} if precision == "int8" else {}),
                      "file_bytes": path.stat().st_size, "min_agreement": thresholds[precision],
                      **compare(reference, candidate, targets), "build_s": round(build_s, 2)}
            report["passed"] = report["top1_agreement"] >= thresholds[precision]
            log.info("%s export: top-1 agreement %.4f (min %s), max prob diff %.2e, %.1f MB: %s", precision,
                     report["top1_agreement"], report["min_agreement"], report["max_prob_diff"],
                     report["file_bytes"] / 1e6, "passed" if report["passed"] else "FAILED, not written")
            reports.append(report)
        for r in reports:  # only now: the INT8 file is quantized from the fp32 one in the temp folder
            if r["passed"]:
                os.replace(Path(tmp) / Path(r["file"]).name, r["file"])
            r["written"] = r["passed"]
    return reports
