"""Distillation study on MWPD (issue 5): a minilm_l6 hybrid teacher, students of 3 and 2 layers copied from it
and the `tiny` architecture, each trained with distill=none, soft and tinybert; test F1, parameters, CPU latency.

    flock /tmp/prodcat_cpu.lock true   # (the script takes the lock itself, one training run or the bench at a time)
    .venv/bin/python experiments/distillation/run.py              # train what is missing, bench, write the tables
    .venv/bin/python experiments/distillation/run.py --bench-only # re-time and re-write from the finished runs

Runs go to outputs/distillation/<variant>_seed<s>/ (skipped when their metrics.json exists). Latency: each
checkpoint (seed 0) through `Predictor.from_checkpoint` (tokenization, graph lookup, network, softmax, top-5),
2 threads, interleaved round by round so machine noise hits every model alike: p50 of batch-1 queries on MWPD
test titles, throughput at batch 64. Writes results.json, results.md and the tables in README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUNS = ROOT / "outputs" / "distillation"
LOCK = "/tmp/prodcat_cpu.lock"
PY = sys.executable
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "offline")

COMMON = ["data=mwpd", "trainer.max_epochs=2", "batch_size=32", "logger=csv"]
TEACHER = ["+experiment=hybrid", "backbone=minilm_l6", *COMMON]
STUDENTS = {"3layer": ["distill.student_layers=3"], "2layer": ["distill.student_layers=2"], "tiny": ["backbone=tiny"]}
MODES = ("none", "soft", "tinybert")
EXTRA_SEEDS = {("2layer", "none"): [1], ("2layer", "soft"): [1]}  # the seed-to-seed spread
F1, MACRO = "test/f1_weighted_mean_levels", "test/f1_macro"


def folder(variant: str, seed: int) -> Path:
    return RUNS / ("teacher" if variant == "teacher" else f"{variant}_seed{seed}")


def teacher_ckpt() -> Path:
    return folder("teacher", 0) / "checkpoints" / "best.ckpt"


def plan() -> list[tuple[str, int, list[str]]]:
    """(variant, seed, train.py overrides), teacher first, the seed-0 grid, then the extra seeds."""
    jobs = [("teacher", 0, TEACHER)]
    for seed in (0, 1):
        for name, student in STUDENTS.items():
            for mode in MODES:
                if seed == 0 or seed in EXTRA_SEEDS.get((name, mode), []):
                    jobs.append((f"student_{name}_{mode}", seed, [
                        "+experiment=distill", f"distill={mode}", f"distill.teacher={teacher_ckpt()}",
                        *student, *COMMON]))
    return jobs


def command(overrides: list[str], seed: int, folder: Path) -> list[str]:
    return [PY, "train.py", *overrides, f"seed={seed}", f"hydra.run.dir={folder}"]


def train_missing(jobs) -> None:
    for variant, seed, overrides in jobs:
        out = folder(variant, seed)
        if (out / "metrics.json").is_file():
            continue
        print(f"== training {variant} seed {seed}", flush=True)
        out.mkdir(parents=True, exist_ok=True)
        with open(out.with_suffix(".log"), "w") as log:  # one job at a time on the shared CPU
            subprocess.run(["flock", LOCK, *command(overrides, seed, out)], cwd=ROOT, check=True,
                           stdout=log, stderr=subprocess.STDOUT)


def machine() -> str:
    names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
             if ln.startswith("model name")] if Path("/proc/cpuinfo").is_file() else []
    return f"{os.cpu_count()}-core CPU ({names[0] if names else platform.processor()}), no GPU"


def bench(variants: dict[str, Path], queries: int, rounds: int, batches: int, threads: int) -> dict[str, dict]:
    """p50 of batch-1 `predict` calls and throughput at batch 64, per checkpoint, interleaved by round."""
    import torch

    from prodcat.data.mwpd import read_mwpd
    from prodcat.serve.latency import latency_ms, throughput, time_calls
    from prodcat.serve.predictor import Predictor

    torch.set_num_threads(threads)
    texts = [p.text for p in read_mwpd(ROOT.parent / "shared" / "datasets", skip_invalid=True).test]
    rows = texts[:queries]
    predictors = {v: Predictor.from_checkpoint(c, batch_size=64) for v, c in variants.items()}
    one = [[t] for t in rows]
    big = [texts[i : i + 64] for i in range(0, 64 * batches, 64)]
    for p in predictors.values():  # warm-up: first calls allocate and fill caches
        time_calls(p.predict, one[:20], warmup=0)
        time_calls(p.predict, big[:2], warmup=0)
    lat = {v: [] for v in predictors}
    thr = {v: [] for v in predictors}
    per_round = len(one) // rounds
    for r in range(rounds):
        for v, p in predictors.items():
            lat[v].append(time_calls(p.predict, one[r * per_round : (r + 1) * per_round], warmup=0))
            thr[v].append(time_calls(p.predict, big, warmup=0))
    return {v: {**latency_ms(np.concatenate(lat[v])), "throughput_per_s": throughput(np.concatenate(thr[v]), 64)}
            for v in predictors}


def records_from_runs(jobs, timing: dict[str, dict], stamp: dict) -> list[dict]:
    out = []
    for variant, seed, overrides in jobs:
        m = json.loads((folder(variant, seed) / "metrics.json").read_text())
        metrics = {F1: m["test"][F1], MACRO: m["test"][MACRO], "test/acc": m["test"]["test/acc"],
                   "params": m["params"]["total"]}
        if seed == 0 and variant in timing:
            metrics.update(p50_ms=timing[variant]["p50_ms"], p99_ms=timing[variant]["p99_ms"],
                           throughput_per_s=timing[variant]["throughput_per_s"])
        rec = {"study": "distillation", "dataset": "mwpd", "variant": variant, "seed": seed, "split": "test",
               "metrics": metrics, "seconds": round(m["timings"]["total_s"], 1),
               "seconds_per_epoch": round(m["timings"]["seconds_per_epoch"], 1),
               "command": "python " + " ".join(command(overrides, seed, folder(variant, seed))[1:]).replace(
                   str(ROOT) + "/", ""),
               **stamp}
        if "distill" in m:
            rec["distill"] = {k: m["distill"][k] for k in ("copied_layers", "layer_map") if m["distill"].get(k)}
            if m["distill"].get("teacher_logits"):
                rec["distill"]["teacher_logits"] = m["distill"]["teacher_logits"]["cache"]
                rec["distill"]["teacher_logits_s"] = round(m["timings"].get("teacher_logits_s", 0.0), 1)
        out.append(rec)
    return out


def tables(records: list[dict]) -> str:
    seed0 = {r["variant"]: r for r in records if r["seed"] == 0}
    t = seed0["teacher"]["metrics"]
    lines = ["| variant | mean weighted F1 (test) | macro F1 | % of teacher F1 | params | p50 ms (batch 1) "
             "| p50 / teacher | queries/s (batch 64) | both targets | train s/epoch | teacher logits |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for v, r in seed0.items():
        m = r["metrics"]
        keep, speed = m[F1] / t[F1], m["p50_ms"] / t["p50_ms"]
        ok = "-" if v == "teacher" else ("yes" if keep >= 0.97 and speed <= 0.5 else "no")
        cache = (r.get("distill") or {}).get("teacher_logits", "-")
        if cache != "-":
            cache += f" ({r['distill']['teacher_logits_s']} s)"
        lines.append(f"| {v} | {100 * m[F1]:.2f} | {100 * m[MACRO]:.2f} | {100 * keep:.1f}% | {m['params'] / 1e6:.2f}M "
                     f"| {m['p50_ms']:.2f} | {speed:.2f} | {m['throughput_per_s']:.0f} | {ok} "
                     f"| {r['seconds_per_epoch']:.0f} | {cache} |")
    lines += ["", "Seed-to-seed spread (the same student, seeds 0 and 1):", "",
              "| variant | seeds | mean weighted F1 per seed | mean | spread (max - min) | macro F1 per seed |",
              "|---|---|---|---|---|---|"]
    by_variant: dict[str, list[dict]] = {}
    for r in records:
        by_variant.setdefault(r["variant"], []).append(r)
    spread = {}
    for v, rs in by_variant.items():
        if len(rs) < 2:
            continue
        rs = sorted(rs, key=lambda r: r["seed"])
        f = [r["metrics"][F1] for r in rs]
        spread[v] = (float(np.mean(f)), max(f) - min(f))
        per_seed = ", ".join(f"{100 * x:.2f}" for x in f)
        macro = ", ".join(f"{100 * r['metrics'][MACRO]:.2f}" for r in rs)
        lines.append(f"| {v} | {', '.join(str(r['seed']) for r in rs)} | {per_seed} | {100 * np.mean(f):.2f} "
                     f"| {100 * (max(f) - min(f)):.2f} | {macro} |")
    for name in sorted({v.rsplit("_", 1)[0] for v in spread}):
        if f"{name}_none" in spread and f"{name}_soft" in spread:
            gain = spread[f"{name}_soft"][0] - spread[f"{name}_none"][0]
            worst = max(spread[f"{name}_soft"][1], spread[f"{name}_none"][1])
            lines += ["", f"{name}: soft - none = {100 * gain:+.2f} points of mean weighted F1 (seed means); the "
                      f"larger seed spread is {100 * worst:.2f} points: distillation beats no-teacher by more than "
                      f"the spread: {'yes' if gain > worst else 'no'}."]
    return "\n".join(lines)


def write_readme_tables(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- tables:start (written by run.py) -->", "<!-- tables:end -->"
    body = readme.read_text() if readme.is_file() else f"{start}\n{end}\n"
    if start not in body or end not in body:
        body += f"\n{start}\n{end}\n"
    head, rest = body.split(start, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-only", action="store_true", help="no training: time and tabulate finished runs")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=6, help="timed batches of 64 per model per round")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    jobs = plan()
    if not args.bench_only:
        train_missing(jobs)
    jobs = [j for j in jobs if (folder(j[0], j[1]) / "metrics.json").is_file()]
    ckpts = {v: json.loads((folder(v, 0) / "metrics.json").read_text())["best_checkpoint"]
             for v, s, _ in jobs if s == 0}
    with open(LOCK, "a") as lock:  # timings only while no other heavy job runs
        fcntl.flock(lock, fcntl.LOCK_EX)
        load_before, started = os.getloadavg()[0], time.perf_counter()
        timing = bench(ckpts, args.queries, args.rounds, args.batches, args.threads)
        bench_s, load_after = time.perf_counter() - started, os.getloadavg()[0]
    import torch

    stamp = {"machine": machine(), "date": dt.date.today().isoformat(), "threads": args.threads,
             "latency_queries": args.queries, "bench_seconds": round(bench_s, 1), "torch": torch.__version__,
             "load_avg_1m_before_after_bench": [round(load_before, 2), round(load_after, 2)]}
    records = records_from_runs(jobs, timing, stamp)
    (HERE / "results.json").write_text(json.dumps(records, indent=2) + "\n")
    text = tables(records)
    (HERE / "results.md").write_text(text + "\n")
    write_readme_tables(text)
    print(text)


if __name__ == "__main__":
    main()
