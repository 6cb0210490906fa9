"""Distillation study on MWPD (issue 5): a minilm_l6 hybrid teacher; 3- and 2-layer copies of it and the `tiny`
architecture (random init) as students, each trained without the teacher (distill=none), with its soft
targets (distill=soft, over several seeds) and with TinyBERT's intermediate losses (distill=tinybert, seed 0);
test F1, parameters, CPU latency.

    .venv/bin/python experiments/distillation/run.py              # train what is missing, bench, write the tables
    .venv/bin/python experiments/distillation/run.py --bench-only # re-time and re-write from the finished runs
    .venv/bin/python experiments/distillation/run.py --report-only  # results.md and the README from results.json

Order: the teacher; the soft-target grid of the `tiny` student (T x alpha, seed 0, test=false: chosen on
validation only); the final runs (test scored once each): none and soft (`tiny`: the chosen T, alpha; the
copies: T=2, alpha=0.5) with the seeds in SEEDS, tinybert (conf/distill/tinybert.yaml) with seed 0. Every
training job and the bench hold the
shared CPU lock (/tmp/prodcat_cpu.lock, `--per-lock N` trainings per hold; default 1), so no other heavy job of
the machine runs meanwhile. Runs go to outputs/distillation/<folder>/ and are skipped when their metrics.json
exists. Latency, as soon as every seed-0 final run exists: each final variant's seed-0 checkpoint through
`Predictor.from_checkpoint` (tokenization, graph lookup, network, softmax, top-5), 2 threads, interleaved round
by round so machine noise hits every model alike: p50 of batch-1 queries on MWPD test titles, throughput at
batch 64. results.json, results.md and the README tables are rewritten after every finished run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from report import F1, MACRO, MODES, VAL, tables

from prodcat import studies

HERE = Path(__file__).resolve().parent
ROOT = studies.ROOT
RUNS = ROOT / "outputs" / "distillation"
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "offline")

COMMON = ["data=mwpd", "batch_size=32", "logger=csv"]
TEACHER = ["+experiment=hybrid", "backbone=minilm_l6", *COMMON, "trainer.max_epochs=2"]
# Students: overrides and epochs. The copy starts from the fine-tuned teacher (2 epochs, as the teacher); the
# random-init `tiny` needs many more (early stopping on val/f1_weighted, patience 3, keeps the best epoch).
STUDENTS = {"2layer": (["distill.student_layers=2"], 2), "3layer": (["distill.student_layers=3"], 2),
            "tiny": (["backbone=tiny"], 10)}  # training order (cheapest first)
SOFT_DEFAULT = (2.0, 0.5)  # (T, alpha) of a student without a grid
GRID = {"tiny": [(2.0, 0.5), (2.0, 0.9), (4.0, 0.5), (4.0, 0.9)]}  # seed 0, chosen on val/f1_weighted
SEEDS = {"tiny": (0, 1, 2), "2layer": (0, 1), "3layer": (0,)}
# tinybert runs the teacher live (hidden states and attention maps cannot be cached like logits): 1.5-4x the
# epoch cost of soft, so it runs on seed 0 only; the none / soft comparison carries the seeds.
MODE_SEEDS = {"tinybert": (0,)}


@dataclass(frozen=True)
class Job:
    variant: str  # teacher | student_<name>_<mode>
    seed: int
    overrides: list[str] = field(hash=False)
    folder: str
    student: str | None = None
    mode: str | None = None
    epochs: int = 2
    soft: tuple[float, float] | None = None  # (T, alpha)
    grid: bool = False  # a selection run: validation only (test=false)

    @property
    def out(self) -> Path:
        return RUNS / self.folder

    def done(self) -> bool:
        return (self.out / "metrics.json").is_file()

    def metrics(self) -> dict:
        return studies.metrics(self.out)

    def job(self) -> tuple[Path, list[str]]:
        """(folder, overrides) for `studies.execute`."""
        return self.out, [*self.overrides, f"seed={self.seed}"]

    def command(self) -> list[str]:
        return studies.train_argv(*self.job())


def teacher_job() -> Job:
    return Job("teacher", 0, TEACHER, "teacher")


def teacher_ckpt() -> Path:
    return RUNS / "teacher" / "checkpoints" / "best.ckpt"


def student_job(name: str, mode: str, seed: int, soft: tuple[float, float] | None = None, grid: bool = False) -> Job:
    extra, epochs = STUDENTS[name]
    overrides = ["+experiment=distill", f"distill={mode}", f"distill.teacher={teacher_ckpt()}", *extra, *COMMON,
                 f"trainer.max_epochs={epochs}"]
    if mode == "soft":
        overrides += [f"distill.temperature={soft[0]:g}", f"distill.alpha={soft[1]:g}"]
    folder = f"student_{name}_{mode}_seed{seed}"
    if grid:
        overrides.append("test=false")
        folder = f"grid_{name}_soft_T{soft[0]:g}_a{soft[1]:g}_seed{seed}"
    return Job(f"student_{name}_{mode}", seed, overrides, folder, name, mode, epochs, soft, grid)


def grid_jobs() -> list[Job]:
    return [student_job(name, "soft", 0, soft, grid=True) for name, grid in GRID.items() for soft in grid]


def chosen_soft() -> dict[str, tuple[float, float]]:
    """Per student, the (T, alpha) of its grid with the best validation score (the default where no grid)."""
    out = {name: SOFT_DEFAULT for name in STUDENTS}
    for name in GRID:
        runs = [j for j in grid_jobs() if j.student == name]
        if not all(j.done() for j in runs):
            raise RuntimeError(f"grid of {name} unfinished: {[j.folder for j in runs if not j.done()]}")
        out[name] = studies.best_on_val({j.soft: j.out for j in runs}, VAL)[0]
    return out


def final_jobs(soft: dict[str, tuple[float, float]]) -> list[Job]:
    """Every seed 0 first (the bench needs them), then student by student, none and soft of a seed side by side."""
    order = sorted(((seed != 0, i, seed, name) for i, name in enumerate(STUDENTS) for seed in SEEDS[name]))
    return [student_job(name, mode, seed, soft[name] if mode == "soft" else None)
            for _, _, seed, name in order for mode in MODES if seed in MODE_SEEDS.get(mode, SEEDS[name])]


def train_missing(jobs: list[Job], per_lock: int = 1, after=None) -> None:
    """Run the unfinished jobs in order, `per_lock` of them per hold of the shared CPU lock (one at a time).
    `after()` runs inside the hold, at its start and after each job (the bench and the tables: no other heavy
    job runs during the timings, and the tables follow every finished run)."""
    todo = [j for j in jobs if not j.done()]
    hold = {j.out: i // per_lock for i, j in enumerate(todo)}
    studies.run_held([j.job() for j in todo], key=hold.get, after=after)


def bench(variants: dict[str, Path], queries: int, rounds: int, batches: int, threads: int) -> dict[str, dict]:
    """p50 of batch-1 `predict` calls and throughput at batch 64, per checkpoint, interleaved by round."""
    import torch

    from prodcat.data.mwpd import read_mwpd
    from prodcat.serve.latency import latency_ms, throughput, time_calls
    from prodcat.serve.predictor import Predictor

    torch.set_num_threads(threads)
    texts = [p.text for p in read_mwpd(ROOT.parent / "shared" / "datasets", skip_invalid=True).test]
    predictors = {v: Predictor.from_checkpoint(c, batch_size=64) for v, c in variants.items()}
    one = [[t] for t in texts[:queries]]
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


def best_epoch(ckpt: str) -> int:
    import torch

    return int(torch.load(ckpt, map_location="cpu", weights_only=False)["epoch"]) + 1  # 1-based


def record(job: Job, timing: dict[str, dict], stamp: dict) -> dict:
    m = job.metrics()
    if job.grid:
        metrics = {VAL: m["val"][VAL], "val/f1_weighted_mean_levels": m["val"].get("val/f1_weighted_mean_levels"),
                   "val/f1_macro": m["val"].get("val/f1_macro")}
    else:
        metrics = {F1: m["test"][F1], MACRO: m["test"][MACRO], "test/acc": m["test"]["test/acc"],
                   VAL: m["val"][VAL], "params": m["params"]["total"]}
        if job.seed == 0 and job.variant in timing:
            metrics.update({k: timing[job.variant][k] for k in ("p50_ms", "p99_ms", "throughput_per_s")})
    rec = {"study": "distillation", "dataset": "mwpd", "variant": job.variant, "seed": job.seed,
           "split": "val" if job.grid else "test", "metrics": metrics,
           "selection_run": job.grid, "max_epochs": job.epochs, "epochs_trained": m["timings"]["epochs"],
           "best_epoch": best_epoch(m["best_checkpoint"]),
           "seconds": round(m["timings"]["total_s"], 1),
           "seconds_per_epoch": round(m["timings"]["seconds_per_epoch"], 1),
           "command": "python " + " ".join(job.command()[1:]).replace(str(ROOT) + "/", ""), **stamp}
    if job.mode:
        rec.update(student=job.student, mode=job.mode)
    if job.soft:
        rec.update(T=job.soft[0], alpha=job.soft[1])
    if "distill" in m:
        d = m["distill"]
        rec["distill"] = {k: d[k] for k in ("copied_layers", "temperature", "alpha") if d.get(k) is not None}
        if d.get("teacher_logits"):
            rec["distill"]["teacher_logits"] = d["teacher_logits"]["cache"]
            rec["distill"]["teacher_logits_s"] = round(m["timings"].get("teacher_logits_s", 0.0), 1)
    return rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-only", action="store_true", help="no training: time and tabulate finished runs")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=6, help="timed batches of 64 per model per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--per-lock", type=int, default=1,
                        help="training runs per hold of the shared CPU lock (fewer waits on a busy machine)")
    parser.add_argument("--report-only", action="store_true", help="results.md and the README from results.json")
    args = parser.parse_args()
    if args.report_only:
        print(write_tables(json.loads((HERE / "results.json").read_text())))
        return
    if not args.bench_only:
        train_missing([teacher_job(), *grid_jobs()], args.per_lock)
    soft = chosen_soft()
    print(f"soft-target settings (T, alpha) chosen on validation: {soft}", flush=True)
    finals = [teacher_job(), *final_jobs(soft)]
    timing: dict[str, dict] = {}
    stamp: dict = {}

    def progress() -> None:
        """Once every seed-0 final run exists: time their checkpoints (once), then write the tables."""
        if not timing and (args.bench_only or all(j.done() for j in finals if j.seed == 0)):
            load_before, started = os.getloadavg()[0], time.perf_counter()
            timing.update(bench({j.variant: j.metrics()["best_checkpoint"] for j in finals if j.seed == 0 and j.done()},
                                args.queries, args.rounds, args.batches, args.threads))
            stamp.update(bench_stamp(args, time.perf_counter() - started, load_before))
        if timing:
            write_outputs([j for j in finals if j.done()], timing, stamp)

    train_missing([] if args.bench_only else finals, args.per_lock, after=progress)
    missing = [j.folder for j in finals if not j.done()]
    if missing:
        print(f"not trained yet, left out of the tables: {missing}", flush=True)
    print((HERE / "results.md").read_text())
    studies.check_failed()


def bench_stamp(args, bench_s: float, load_before: float) -> dict:
    import torch

    return {"machine": studies.machine(model=True), "date": dt.date.today().isoformat(), "threads": args.threads,
            "latency_queries": args.queries, "bench_seconds": round(bench_s, 1), "torch": torch.__version__,
            "load_avg_1m_before_after_bench": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def write_outputs(finals: list[Job], timing: dict[str, dict], stamp: dict) -> None:
    records = [record(j, timing, stamp) for j in [*finals, *grid_jobs()]]
    studies.write_records(HERE / "results.json", records, indent=2)
    write_tables(records)


def write_tables(records: list[dict]) -> str:
    """results.md and the README's tables, from the records."""
    text = tables(records)
    (HERE / "results.md").write_text(text + "\n")
    studies.write_generated(HERE / "README.md", text + "\n", "<!-- tables:start (written by run.py) -->",
                            "<!-- tables:end -->")
    return text


if __name__ == "__main__":
    main()
