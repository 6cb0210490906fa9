"""What ONNX Runtime's spinning threads cost: `threads=1` against `threads=2` with idle intra-op threads
spin-waiting (ONNX Runtime's default) and sleeping (`thread_spinning=false`), as wall and process CPU
milliseconds per query of `Predictor.predict` on the run's validation rows, batches of 1, 8 and 32.
Interleaved: every round runs each setting on its own slice of rows; medians over 3 rounds.

    .venv/bin/python experiments/serving/spinning.py \
        --model outputs/serving/int8/mwpd/dynamic_encoder_fp32_ffn_out.onnx \
        --checkpoint outputs/strong_hybrid/mwpd/hybrid/seed0/checkpoints/best.ckpt      # writes spinning.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
from int8 import commit, machine, rows

HERE = Path(__file__).resolve().parent
SETTINGS = {"1 thread": (1, True), "2 threads, spinning": (2, True), "2 threads, sleeping": (2, False)}
BATCHES = {1: 200, 8: 40, 32: 40}  # batch size -> calls per setting and round


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    from prodcat.serve.predictor import Predictor

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--checkpoint", required=True, help="the run whose validation rows to send")
    args = ap.parse_args()
    predictors = {name: Predictor.from_onnx(args.model, threads=t, thread_spinning=spin, top_k=5, batch_size=64)
                  for name, (t, spin) in SETTINGS.items()}
    val, _, _ = rows(args.checkpoint, next(iter(predictors.values())).assets.leaves)
    for p in predictors.values():
        p.predict(val[:64])  # warm-up
    timed: dict = {}
    for rnd in range(3):
        for b, calls in BATCHES.items():
            batches = [val[(rnd * calls + i) * b:(rnd * calls + i + 1) * b] for i in range(calls)]
            for name, p in predictors.items():
                for batch in batches:
                    t, c = time.perf_counter(), cpu_s()
                    p.predict(batch)
                    timed.setdefault((b, name), []).append((time.perf_counter() - t, cpu_s() - c))
    lines = [f"# {' '.join(['python', *sys.argv])}", f"# {machine()}, {dt.date.today()}, commit {commit()}, "
             f"load 1m {os.getloadavg()[0]:.2f}; medians of {3 * min(BATCHES.values())}+ calls",
             "| batch | setting | wall ms / query | CPU ms / query | CPU vs 1 thread | wall vs 1 thread |",
             "|---|---|---|---|---|---|"]
    for b in BATCHES:
        base = [np.median([x[k] for x in timed[b, "1 thread"]]) for k in (0, 1)]
        for name in SETTINGS:
            wall, cpu = (np.median([x[k] for x in timed[b, name]]) for k in (0, 1))
            lines.append(f"| {b} | {name} | {1e3 * wall / b:.2f} | {1e3 * cpu / b:.2f} | {cpu / base[1]:.2f}x | "
                         f"{wall / base[0]:.2f}x |")
    (HERE / "spinning.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
