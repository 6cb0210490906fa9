"""Reliability study (issue 9): a training run SIGKILLed in the middle of an epoch and resumed, against the
same run uninterrupted; two processes (Lightning DDP, gloo, CPU) against one; every bad input of
tests/test_bad_input.py tried once, with what it produced. Every training run is `python train.py` in its
own process, as a user runs it; this script only starts, kills and reads them.

    flock /tmp/prodcat_cpu.lock .venv/bin/python experiments/reliability/run.py            # ~5 min on 2 cores
    .venv/bin/python experiments/reliability/run.py --report    # README.md again from results.json

Writes results.json (DESIGN.md record format), bad_inputs.json and README.md next to this file; the run
folders go to outputs/reliability/ (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import torch

from prodcat import studies

HERE = Path(__file__).resolve().parent
ROOT = studies.ROOT
OUT = ROOT / "outputs" / "reliability"
STUDY = "reliability"
SCORES = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]
# The synthetic catalog at 3,000 / 500 / 1,000 rows, the tiny BERT (random init), 3 epochs of 94 steps.
BASE = ["+experiment=hybrid", "backbone=tiny", "logger=csv", "data.catalog.n_train=3000",
        "data.catalog.n_val=500", "data.catalog.n_test=1000", "graph.settings.max_walks=8",
        "graph.settings.epochs=5", "trainer.max_epochs=3", "callbacks.early_stopping=null",
        "callbacks.progress_bar=null", "callbacks.last_checkpoint.every_n_train_steps=25"]
STEPS_PER_EPOCH = 94  # ceil(3000 / 32)
KILL_AFTER_STEP = 125  # the first step checkpoint at or after this: in the middle of epoch 1 (steps 94..187)
SEEDS = (0, 1, 2)


def overrides(extra: list[str]) -> list[str]:
    return [*BASE, *extra, f"paths.cache_dir={OUT / 'cache'}"]


def shown(run_dir: Path, extra: list[str]) -> str:
    """The command as the records show it: with its run folder, paths relative to the repository."""
    return "python " + " ".join(studies.train_argv(run_dir, overrides(extra))[1:]).replace(str(ROOT) + "/", "")


def train_run(run_dir: Path, extra: list[str]) -> tuple[dict, float, str]:
    if not studies.execute(run_dir, overrides(extra), force=True):
        raise RuntimeError(f"{shown(run_dir, extra)} failed: see {run_dir / 'train.log'}")
    return studies.metrics(run_dir), studies.wall(run_dir)["wall_s"], shown(run_dir, extra)


def killed_run(run_dir: Path, extra: list[str]) -> tuple[dict, float, str]:
    """Start train.py, SIGKILL it once last.ckpt holds step >= KILL_AFTER_STEP; what that checkpoint holds."""
    last = run_dir / "checkpoints" / "last.ckpt"
    t = time.perf_counter()
    proc = subprocess.Popen(studies.train_argv(run_dir, overrides(extra)), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **studies.ENV})
    step = -1
    while proc.poll() is None:
        if last.exists():  # written to a temporary name and renamed: never half a file
            step = torch.load(last, map_location="cpu", weights_only=True)["global_step"]
            if step >= KILL_AFTER_STEP:
                proc.send_signal(signal.SIGKILL)
                break
        time.sleep(0.05)
    proc.wait()
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError(f"the run ended (exit {proc.returncode}) before it could be killed at step {step}")
    ckpt = torch.load(last, map_location="cpu", weights_only=True)
    state = {"global_step": ckpt["global_step"], "epoch": ckpt["epoch"],
             "batch_in_epoch": ckpt["global_step"] - ckpt["epoch"] * STEPS_PER_EPOCH,
             "metrics_json_written": (run_dir / "metrics.json").exists()}
    return state, time.perf_counter() - t, shown(run_dir, extra)


def record(variant: str, seed: int, metrics: dict, seconds: float, cmd: str, **extra) -> dict:
    return {"study": STUDY, "dataset": "synthetic", "variant": variant, "seed": seed, "split": "test",
            "metrics": studies.test_scores(metrics, SCORES, 4), "seconds": round(seconds, 1), "command": cmd,
            "machine": studies.machine(model=True) + ", shared with other jobs", "date": dt.date.today().isoformat(),
            **extra}


def run_all() -> list[dict]:
    records = []
    uninterrupted, s, cmd = train_run(OUT / "uninterrupted", ["seed=0"])
    records.append(record("uninterrupted", 0, uninterrupted, s, cmd, epochs=uninterrupted["timings"]["epochs"]))

    killed_dir = OUT / "resumed"
    state, s_killed, cmd_killed = killed_run(killed_dir, ["seed=0"])
    resumed, s, cmd = train_run(killed_dir, ["seed=0", "resume=true"])
    diff = max(abs(resumed["test"][k] - uninterrupted["test"][k]) for k in uninterrupted["test"])
    records.append(record("resumed", 0, resumed, s_killed + s, f"{cmd_killed}  # SIGKILL, then: {cmd}",
                          killed_at=state, resumed_from=resumed["resumed_from"],
                          max_abs_diff_vs_uninterrupted=diff, epochs=resumed["timings"]["epochs"]))

    for seed in SEEDS:
        m, s, cmd = train_run(OUT / f"single_seed{seed}", [f"seed={seed}"])
        records.append(record("single_process", seed, m, s, cmd, batch_size=32, world_size=m["world_size"]))
    for seed in SEEDS:  # 2 processes x 16 rows: the same effective batch and steps as one process x 32
        m, s, cmd = train_run(OUT / f"ddp_seed{seed}", [f"seed={seed}", "batch_size=16", "trainer.strategy=ddp",
                                                        "trainer.devices=2"])
        records.append(record("ddp_2proc", seed, m, s, cmd, batch_size="2 x 16", world_size=m["world_size"]))
    return records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", action="store_true", help="only write README.md from results.json")
    parser.add_argument("--bad-inputs", action="store_true", help="only bad_inputs.json (seconds), then README.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.report:
        OUT.mkdir(parents=True, exist_ok=True)
        from bad_inputs import try_all  # noqa: PLC0415 (a sibling script)

        (HERE / "bad_inputs.json").write_text(json.dumps(try_all(OUT / "bad_inputs"), indent=2) + "\n")
    if not (args.report or args.bad_inputs):
        records = run_all()
        studies.write_records(HERE / "results.json", records, indent=2)
    from report import write_readme  # noqa: PLC0415

    write_readme(HERE)


if __name__ == "__main__":
    main()
