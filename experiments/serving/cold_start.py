"""Cold start: seconds from launching `serve.py` to its first answered /healthz, and `predict.py` for one title
split into loading and predicting (as it logs them), for a checkpoint and its INT8 export. cold_start.json.

    .venv/bin/python experiments/serving/cold_start.py \
        --model outputs/serving/int8/mwpd/dynamic_encoder_only.onnx \
        --model outputs/strong_hybrid/mwpd/hybrid/seed0/checkpoints/best.ckpt
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from loadtest import ROOT, free_port, machine, start_server

HERE = Path(__file__).resolve().parent
TITLE = "Nike Air Max 90 Essential mens running shoe white"  # no quote marks: Hydra parses texts=[...]


def predict_once(model: str) -> dict:
    runtime = "onnx" if model.endswith(".onnx") else "torch"
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, str(ROOT / "predict.py"), f"model={model}", f"runtime={runtime}",
                          f"texts=[{TITLE}]"], cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.monotonic() - t0
    load = re.search(r"model loaded in ([\d.]+) s", out.stderr)
    pred = re.search(r"predicted in ([\d.]+) s", out.stderr)
    if not (load and pred):
        raise RuntimeError(f"predict.py did not log its load and prediction times:\n{out.stderr[-2000:]}")
    return {"wall_s": round(wall, 2), "load_s": float(load.group(1)), "predict_s": float(pred.group(1))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    records = []
    for model in args.model:
        ready = []
        for _ in range(args.repeats):
            proc, ready_s, _ = start_server(model, True, 1, 64, 2.0, free_port())
            proc.terminate()
            proc.wait(timeout=60)
            ready.append(round(ready_s, 2))
        runs = [predict_once(model) for _ in range(args.repeats)]
        rec = {"study": "serving", "dataset": "mwpd", "variant": "cold_start", "model": model,
               "metrics": {"serve_ready_s_median": sorted(ready)[len(ready) // 2],
                           "predict_wall_s_median": sorted(r["wall_s"] for r in runs)[len(runs) // 2]},
               "serve_ready_s": ready, "predict_py": runs,
               "command": "python experiments/serving/cold_start.py " +
                          " ".join(f"--model {m}" for m in args.model),
               "machine": machine(), "date": dt.date.today().isoformat(),
               "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                        text=True).stdout.strip()}
        print(json.dumps(rec["metrics"]), ready, runs, flush=True)
        records.append(rec)
    out = HERE / "cold_start.json"
    kept = [r for r in json.loads(out.read_text()) if r["model"] not in args.model] if out.is_file() else []
    out.write_text(json.dumps(kept + records, indent=1) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
