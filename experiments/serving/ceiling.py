"""The most this machine can answer with the served model and no HTTP at all: P processes, one ONNX Runtime
thread each (the server's setting), each calling `Predictor.predict` on batches of B validation offers (every
field the graph reads, as int8.py) as fast as it can for S seconds, started together. Queries per second over
all processes is the ceiling a server on these cores could approach with perfect batching and free HTTP, JSON
and load generation; the load test (loadtest.py) measures the real server against it.

    .venv/bin/python experiments/serving/ceiling.py --model outputs/serving/int8/mwpd_graph_fast/model.int8.onnx \
        --checkpoint outputs/strong_hybrid/mwpd/hybrid_graph_fast/seed0/checkpoints/best.ckpt

Settings run in an interleaved order (each model and fusion setting beside the others for every processes x
batch), so drift hits all alike. Writes experiments/serving/ceiling.json, one record per setting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import multiprocessing as mp
import os
import time
from pathlib import Path

from int8 import commit, machine, rows

from prodcat.serve.predictor import MAX_BATCH_TOKENS

RESULTS = Path(__file__).resolve().parent / "ceiling.json"
WARMUP_S = 2.0


def worker(model: str, checkpoint: str, batch: int, tokens, fused: bool, seconds: float, ready, start, out) -> None:
    from prodcat.serve.backends import OnnxBackend
    from prodcat.serve.predictor import Predictor

    backend = OnnxBackend(model, threads=1, **({"disabled_optimizers": ()} if fused else {}))
    predictor = Predictor(backend, backend.assets, top_k=5, batch_size=batch, max_batch_tokens=tokens)
    val, _, _ = rows(checkpoint, predictor.assets.leaves)
    batches = [val[i:i + batch] for i in range(0, len(val) - batch + 1, batch)]
    t_end = time.perf_counter() + WARMUP_S
    k = 0
    while time.perf_counter() < t_end:
        predictor.predict(batches[k % len(batches)])
        k += 1
    ready.put(os.getpid())
    start.wait()
    cpu0, t0, answered = time.process_time(), time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        batch_rows = batches[k % len(batches)]
        predictor.predict(batch_rows)
        answered += len(batch_rows)
        k += 1
    out.put({"answered": answered, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0})


def measure(model: str, checkpoint: str, processes: int, batch: int, tokens, fused: bool, seconds: float) -> dict:
    ctx = mp.get_context("spawn")
    ready, out, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=worker, args=(model, checkpoint, batch, tokens, fused, seconds, ready, start, out))
             for _ in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    start.set()
    parts = [out.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"a worker exited with {p.exitcode}")
    answered = sum(r["answered"] for r in parts)
    wall = max(r["wall_s"] for r in parts)
    cpu_ms = 1e3 * sum(r["cpu_s"] for r in parts) / answered
    return {"qps": round(answered / wall, 1), "cpu_ms_per_query": round(cpu_ms, 3), "answered": answered,
            "wall_s": round(wall, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, nargs="+", help="ONNX files to compare (the served one first)")
    ap.add_argument("--checkpoint", required=True, help="the run whose validation offers to send")
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 32, 64])
    ap.add_argument("--max-batch-tokens", type=lambda v: None if v == "none" else int(v), nargs="+",
                    default=[MAX_BATCH_TOKENS], help="padded tokens per network call; none: one call per batch")
    ap.add_argument("--skip-layernorm-fusion", choices=["off", "on"], nargs="+", default=["off"],
                    help="off: the sessions prodcat opens (backends.DISABLED_OPTIMIZERS); on: the library default")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    records = json.loads(RESULTS.read_text()) if RESULTS.is_file() else []
    command = "python experiments/serving/ceiling.py " + " ".join(
        f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in vars(args).items())
    for processes, batch, tokens, model, fusion in itertools.product(
            args.processes, args.batches, args.max_batch_tokens, args.model, args.skip_layernorm_fusion):
        load = round(os.getloadavg()[0], 2)
        metrics = measure(model, args.checkpoint, processes, batch, tokens, fusion == "on", args.seconds)
        print(f"{model}: {processes} process(es), batch {batch}, max_batch_tokens {tokens}, skip_layernorm_fusion "
              f"{fusion}: {metrics}", flush=True)
        key = (model, processes, batch, tokens, fusion)
        records = [r for r in records if (r["model"], r["processes"], r["batch_size"], r["max_batch_tokens"],
                                          r["skip_layernorm_fusion"]) != key]
        records.append({"study": "serving_ceiling", "dataset": "mwpd", "split": "val", "model": model,
                        "processes": processes, "threads_per_process": 1, "batch_size": batch,
                        "max_batch_tokens": tokens, "skip_layernorm_fusion": fusion, "metrics": metrics,
                        "seconds": args.seconds, "command": command,
                        "machine": machine(), "date": dt.date.today().isoformat(), "commit": commit(),
                        "load_avg_1m_before": load})
    RESULTS.write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
