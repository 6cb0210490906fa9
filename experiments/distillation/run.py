"""Distillation study on MWPD (issue 5): a minilm_l6 hybrid teacher; 3- and 2-layer copies of it and the `tiny`
architecture (random init) as students, each trained without the teacher (distill=none), with its soft
targets (distill=soft, over several seeds) and with TinyBERT's intermediate losses (distill=tinybert, seed 0);
test F1, parameters, CPU latency.

    .venv/bin/python experiments/distillation/run.py              # train what is missing, bench, write the tables
    .venv/bin/python experiments/distillation/run.py --bench-only # re-time and re-write from the finished runs

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
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prodcat.cache import locked

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUNS = ROOT / "outputs" / "distillation"
LOCK = Path("/tmp/prodcat_cpu.lock")  # the machine-wide lock of heavy jobs (`flock /tmp/prodcat_cpu.lock <cmd>`)
PY = sys.executable
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
MODES = ("none", "soft", "tinybert")
# tinybert runs the teacher live (hidden states and attention maps cannot be cached like logits): 1.5-4x the
# epoch cost of soft, so it runs on seed 0 only; the none / soft comparison carries the seeds.
MODE_SEEDS = {"tinybert": (0,)}
F1, MACRO, VAL = "test/f1_weighted_mean_levels", "test/f1_macro", "val/f1_weighted"


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
        return json.loads((self.out / "metrics.json").read_text())

    def command(self) -> list[str]:
        return [PY, "train.py", *self.overrides, f"seed={self.seed}", f"hydra.run.dir={self.out}"]


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
        out[name] = max(runs, key=lambda j: j.metrics()["val"][VAL]).soft
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
    groups = [todo[i : i + per_lock] for i in range(0, len(todo), per_lock)] or ([[]] if after else [])
    for group in groups:
        with locked(LOCK):  # no other heavy job of the shared machine runs meanwhile
            if after is not None:
                after()
            for job in group:
                print(f"== {time.strftime('%H:%M:%S')} training {job.folder}", flush=True)
                job.out.mkdir(parents=True, exist_ok=True)
                with open(RUNS / f"{job.folder}.log", "w") as log:
                    subprocess.run(job.command(), cwd=ROOT, check=True, stdout=log, stderr=subprocess.STDOUT)
                if after is not None:
                    after()


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


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def tables(records: list[dict]) -> str:
    final = [r for r in records if r["split"] == "test"]
    by_variant: dict[str, list[dict]] = {}
    for r in sorted(final, key=lambda r: r["seed"]):
        by_variant.setdefault(r["variant"], []).append(r)
    t = by_variant["teacher"][0]["metrics"]
    lines = ["Every variant, test split; F1 columns are means over the seeds listed (latency: the seed-0 checkpoint).",
             "", "| variant | seeds | mean weighted F1 | macro F1 | % of teacher F1 (mean; worst seed) | params "
             "| p50 ms (batch 1) | p50 / teacher | queries/s (batch 64) | both targets | epochs: best / run / max "
             "(seed 0) | train s/epoch |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for v, rs in by_variant.items():
        f1 = [r["metrics"][F1] for r in rs]
        m0 = rs[0]["metrics"]
        keep, worst, speed = np.mean(f1) / t[F1], min(f1) / t[F1], m0["p50_ms"] / t["p50_ms"]
        ok = "-" if v == "teacher" else ("yes" if keep >= 0.97 and speed <= 0.5 else "no")
        lines.append(f"| {v} | {', '.join(str(r['seed']) for r in rs)} | {_pct(np.mean(f1))} "
                     f"| {_pct(np.mean([r['metrics'][MACRO] for r in rs]))} | {100 * keep:.1f}%; {100 * worst:.1f}% "
                     f"| {m0['params'] / 1e6:.2f}M | {m0['p50_ms']:.2f} | {speed:.2f} | {m0['throughput_per_s']:.0f} "
                     f"| {ok} | {rs[0]['best_epoch']} / {rs[0]['epochs_trained']} / {rs[0]['max_epochs']} "
                     f"| {rs[0]['seconds_per_epoch']:.0f} |")
    grid = [r for r in records if r["split"] == "val"]
    if grid:
        lines += ["", "Soft-target grid (seed 0, validation only, test not scored); the best `val/f1_weighted` is "
                  "the setting of the final runs:", "",
                  "| student | T | alpha | val weighted F1 (leaf) | val mean weighted F1 | val macro F1 "
                  "| epochs: best / run / max | chosen |", "|---|---|---|---|---|---|---|---|"]
        for name in sorted({r["student"] for r in grid}):
            rs = [r for r in grid if r["student"] == name]
            best = max(rs, key=lambda r: r["metrics"][VAL])
            for r in rs:
                m = r["metrics"]
                lines.append(f"| {name} | {r['T']:g} | {r['alpha']:g} | {_pct(m[VAL])} "
                             f"| {_pct(m['val/f1_weighted_mean_levels'])} | {_pct(m['val/f1_macro'])} "
                             f"| {r['best_epoch']} / {r['epochs_trained']} / {r['max_epochs']} "
                             f"| {'yes' if r is best else ''} |")
    lines += ["", "Distillation against the same student without the teacher (test, every seed):", "",
              "| student | mode | T, alpha | seeds | mean weighted F1 per seed | mean | spread (max - min) "
              "| macro F1 per seed | macro F1 mean |", "|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for name in sorted({r["student"] for r in final if r.get("student")}):
        stats = {}
        for mode in MODES:
            rs = by_variant.get(f"student_{name}_{mode}", [])
            if not rs:
                continue
            f1, macro = [r["metrics"][F1] for r in rs], [r["metrics"][MACRO] for r in rs]
            stats[mode] = {r["seed"]: r["metrics"][F1] for r in rs}
            setting = f"{rs[0]['T']:g}, {rs[0]['alpha']:g}" if mode == "soft" else "-"
            lines.append(f"| {name} | {mode} | {setting} | {', '.join(str(r['seed']) for r in rs)} "
                         f"| {', '.join(_pct(x) for x in f1)} | {_pct(np.mean(f1))} | {_pct(max(f1) - min(f1))} "
                         f"| {', '.join(_pct(x) for x in macro)} | {_pct(np.mean(macro))} |")
        if "none" in stats and "soft" in stats and min(len(stats["none"]), len(stats["soft"])) >= 2:
            none, soft = stats["none"], stats["soft"]
            gain = np.mean(list(soft.values())) - np.mean(list(none.values()))
            spread = max(max(s.values()) - min(s.values()) for s in (none, soft))
            paired = ", ".join(f"{s}: {100 * (soft[s] - none[s]):+.2f}" for s in sorted(set(soft) & set(none)))
            verdicts.append(f"- {name}: soft - none = {100 * gain:+.2f} points of mean weighted F1 (seed means); "
                            f"the larger seed spread is {100 * spread:.2f}; per seed (soft - none) {paired}. "
                            f"Distillation beats no-teacher by more than the spread: "
                            f"**{'yes' if gain > spread else 'no'}**.")
    return "\n".join(lines + [""] + verdicts)


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
    parser.add_argument("--per-lock", type=int, default=1,
                        help="training runs per hold of the shared CPU lock (fewer waits on a busy machine)")
    args = parser.parse_args()
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


def bench_stamp(args, bench_s: float, load_before: float) -> dict:
    import torch

    return {"machine": machine(), "date": dt.date.today().isoformat(), "threads": args.threads,
            "latency_queries": args.queries, "bench_seconds": round(bench_s, 1), "torch": torch.__version__,
            "load_avg_1m_before_after_bench": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def write_outputs(finals: list[Job], timing: dict[str, dict], stamp: dict) -> None:
    records = [record(j, timing, stamp) for j in [*finals, *grid_jobs()]]
    (HERE / "results.json").write_text(json.dumps(records, indent=2) + "\n")
    text = tables(records)
    (HERE / "results.md").write_text(text + "\n")
    write_readme_tables(text)

if __name__ == "__main__":
    main()
