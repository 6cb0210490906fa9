"""INT8 choices on real trained hybrids: top-1 agreement with the PyTorch model on the validation split, accuracy,
file size, and latency, for each way of quantizing the same fp32 ONNX export.

    # 1. build + agreement (untimed; minutes per catalog): writes experiments/serving/int8_results.json
    .venv/bin/python experiments/serving/int8.py build \
        --checkpoint mwpd=outputs/strong_hybrid/mwpd/hybrid/seed0/checkpoints/best.ckpt \
        --checkpoint amazon_toys=outputs/strong_hybrid/amazon_toys/hybrid/seed0/checkpoints/best.ckpt
    # 2. latency of the files built in step 1, on a quiet machine; adds p50/p99/throughput to the records
    .venv/bin/python experiments/serving/int8.py time

Variants (all from the same fp32 file; `prodcat.serve.quantize.VARIANTS`):
  fp32                      the exported graph, unquantized (the reference for speed)
  dynamic_per_tensor        ONNX Runtime dynamic quantization, one scale per weight tensor (the library default)
  dynamic_per_channel       one scale per output channel (what export.py wrote before this study)
  dynamic_encoder_only      per channel, only the encoder's MatMuls: embeddings, heads, mixture, lexical stay fp32
  dynamic_encoder_fp32_ffn_out  the same, each layer's FFN output projection fp32 too (export.py's default)
  static_encoder_only       dynamic_encoder_only's weights; activations with fixed scales calibrated on
                            training texts (QDQ, MinMax)
  static_encoder_percentile the same, scales from the 99.999th percentile of each activation's histogram
  static_encoder_entropy    the same, scales from the KL-divergence (entropy) calibrator
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = ROOT / "outputs" / "serving" / "int8"
RESULTS = HERE / "int8_results.json"
CALIBRATION_ROWS = 512


def machine() -> str:
    names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
             if ln.startswith("model name")] if Path("/proc/cpuinfo").is_file() else []
    return f"{os.cpu_count()}-core CPU ({platform.machine()}, {names[0] if names else 'unknown'}), no GPU"


def commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip()


def rows(checkpoint: str, leaves: list[str]):
    """Validation inputs and class ids, and training inputs for calibration, from the run's own config."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from prodcat.serve.commands import run_config_path
    from prodcat.serve.inputs import product_input

    cfg = OmegaConf.load(run_config_path(checkpoint))
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    index = {leaf: i for i, leaf in enumerate(leaves)}
    rng = np.random.default_rng(0)
    train = [catalog.train[i] for i in rng.choice(len(catalog.train), CALIBRATION_ROWS, replace=False)]
    return ([product_input(p) for p in catalog.val], [index.get(p.leaf) for p in catalog.val],
            [product_input(p) for p in train])


def build(args) -> None:
    from prodcat.serve.assets import ServingAssets
    from prodcat.serve.backends import TorchBackend, load_module
    from prodcat.serve.model_info import checkpoint_provenance
    from prodcat.serve.onnx_export import export_onnx
    from prodcat.serve.predictor import Predictor
    from prodcat.serve.quantize import VARIANTS, quantize
    from prodcat.serve.verify import compare

    records = json.loads(RESULTS.read_text()) if RESULTS.is_file() else []
    for spec in args.checkpoint:
        name, ckpt = spec.split("=", 1)
        t0 = time.perf_counter()
        module = load_module(ckpt)
        assets = ServingAssets.from_module(module)
        val, targets, calib = rows(ckpt, list(module.label_space.leaves))
        reference = Predictor(TorchBackend(module), assets, batch_size=64).probabilities(val)  # (N, C)
        out = OUT / name
        out.mkdir(parents=True, exist_ok=True)
        fp32 = export_onnx(module, assets, out / "fp32.onnx", provenance=checkpoint_provenance(module, ckpt))
        calib_inputs = Predictor.from_onnx(fp32, batch_size=32)
        for variant in args.variants or list(VARIANTS):
            t = time.perf_counter()
            path = fp32 if variant == "fp32" else quantize(fp32, out / f"{variant}.onnx", variant,
                                                           calibration=(calib_inputs, calib))
            quantize_s = time.perf_counter() - t
            candidate = Predictor.from_onnx(path, batch_size=64).probabilities(val)
            report = compare(reference, candidate, targets)
            rec = {"study": "serving_int8", "dataset": name, "variant": variant, "seed": 0, "split": "val",
                   "metrics": {"top1_agreement": round(report["top1_agreement"], 5),
                               "val/acc_torch": round(report["acc_torch"], 5),
                               "val/acc": round(report["acc_export"], 5)},
                   "agreement": report, "file": str(path.relative_to(ROOT)),
                   "file_mb": round(path.stat().st_size / 1e6, 1),
                   "labels": len(assets.leaves), "quantize_s": round(quantize_s, 1), "checkpoint": ckpt,
                   "command": "python experiments/serving/int8.py build --checkpoint " + spec,
                   "machine": machine(), "date": dt.date.today().isoformat(), "commit": commit()}
            records = [r for r in records if (r["dataset"], r["variant"]) != (name, variant)] + [rec]
            RESULTS.write_text(json.dumps(records, indent=1) + "\n")
            print(f"{name} {variant}: agreement {report['top1_agreement']:.4f} ({report['disagreements']} of "
                  f"{report['rows']}), acc {report['acc_torch']:.4f} -> {report['acc_export']:.4f}, "
                  f"{rec['file_mb']} MB", flush=True)
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)


def time_all(args) -> None:
    """batch-1 p50/p99 over 300 validation titles and batch-32 throughput, variants interleaved per round."""
    from prodcat.serve.latency import latency_ms, throughput, time_calls
    from prodcat.serve.predictor import Predictor
    from prodcat.serve.verify import compare

    records = json.loads(RESULTS.read_text())
    for name in sorted({r["dataset"] for r in records}):
        mine = [r for r in records if r["dataset"] == name]
        predictors = {r["variant"]: Predictor.from_onnx(ROOT / r["file"], threads=args.threads, top_k=5, batch_size=64)
                      for r in mine}
        val, _, _ = rows(mine[0]["checkpoint"], predictors[mine[0]["variant"]].assets.leaves)
        queries = val[:300]
        batches = [val[300 + 32 * i: 332 + 32 * i] for i in range(24)]
        for r in mine:  # does a title's answer depend on the titles batched with it? (dynamic scales: yes)
            p = predictors[r["variant"]]
            alone = np.concatenate([p.probabilities([q]) for q in queries])  # (300, C), batch 1
            r["batch_invariance"] = {k: report_value for k, report_value in compare(
                alone, p.probabilities(queries)).items() if k in ("rows", "top1_agreement", "max_prob_diff")}
        one, many = {v: [] for v in predictors}, {v: [] for v in predictors}
        for p in predictors.values():  # warm-up
            time_calls(lambda q, p=p: p.predict([q]), queries[:20], warmup=0)
        for rnd in range(3):  # interleaved rounds: drift hits every variant alike
            for v, p in predictors.items():
                one[v].append(time_calls(lambda q, p=p: p.predict([q]), queries[rnd::3], warmup=0))
                many[v].append(time_calls(lambda b, p=p: p.predict(b), batches[rnd::3], warmup=0))
        for r in mine:
            v = r["variant"]
            lat = latency_ms(np.concatenate(one[v]))
            r["metrics"].update({"p50_ms": round(lat["p50_ms"], 3), "p99_ms": round(lat["p99_ms"], 3),
                                 "throughput_per_s": round(throughput(np.concatenate(many[v]), 32), 1)})
            r["timing"] = {"threads": args.threads, "batch_1_queries": lat["calls"], "batch_32_calls": 24,
                           "includes": "tokenizer + graph lookup + lexical TF-IDF + model + top-5",
                           "command": "python experiments/serving/int8.py time",
                           "date": dt.date.today().isoformat(), "load_avg_1m": os.getloadavg()[0]}
            print(f"{name} {v}: p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, "
                  f"{r['metrics']['throughput_per_s']:.0f}/s at batch 32", flush=True)
        RESULTS.write_text(json.dumps(records, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--checkpoint", action="append", required=True, help="name=path/to/best.ckpt")
    b.add_argument("--variants", nargs="*")
    t = sub.add_parser("time")
    t.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    build(args) if args.cmd == "build" else time_all(args)


if __name__ == "__main__":
    main()
