"""Sweeps: every named sweep and launcher composes; a real multirun gives one W&B run per job, records a
failing job without losing the others, and `prodcat.report` summarises it."""

import json
import os
import subprocess
import sys

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir

from prodcat.report import main as report_main

from .conftest import FAST, ROOT

SWEEPS = sorted(p.stem for p in (ROOT / "conf" / "sweep").glob("*.yaml"))


def _compose_with_hydra(overrides: list[str]):
    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        return hydra_compose(config_name="train", overrides=overrides, return_hydra_config=True)


@pytest.mark.parametrize("sweep", SWEEPS)
def test_named_sweep_composes_and_every_value_is_a_valid_choice(sweep):
    experiment = "+experiment=distill" if sweep.startswith("distill") else "+experiment=hybrid"
    cfg = _compose_with_hydra([experiment, f"+sweep={sweep}"])
    assert cfg.sweep_name == sweep
    params = {k: str(v).split(",") for k, v in cfg.hydra.sweeper.params.items()}
    assert params, "a named sweep must define hydra.sweeper.params"
    for key, values in params.items():
        others = [f"{k}={v[0]}" for k, v in params.items() if k != key]
        for value in values:
            # every value of every axis composes beside the other axes (a misspelt group choice fails here)
            _compose_with_hydra([experiment, *others, f"{key}={value}"])


def test_slurm_launcher_and_optuna_sweeper_compose():
    cfg = _compose_with_hydra(["+experiment=hybrid", "+sweep=freezing", "hydra/launcher=slurm"])
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher") and cfg.hydra.launcher.gpus_per_node == 1
    cfg = _compose_with_hydra(["+experiment=hybrid", "hydra/sweeper=optuna_hybrid"])
    assert cfg.hydra.sweeper._target_.endswith("OptunaSweeper") and cfg.hydra.sweeper.direction == "maximize"


@pytest.mark.slow  # a real multirun: several train.py jobs
def test_multirun_one_wandb_run_per_job_and_failures_recorded(tmp_path):
    sweep_dir = tmp_path / "sweep"
    overrides = [o for o in FAST if not o.startswith(("logger=", "data.catalog.n_val"))]
    cmd = [sys.executable, "train.py", "-m", "+experiment=graph_only", "+debug=limit", "logger=wandb",
           *overrides, "data.catalog.n_val=150,151,-1",  # the third job fails: a negative split size
           f"hydra.sweep.dir={sweep_dir}", f"paths.cache_dir={tmp_path / 'cache'}"]
    env = {**os.environ, "WANDB_MODE": "offline", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0, "the sweep must report that a job failed"

    jobs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit())
    assert [p.name for p in jobs] == ["0", "1", "2"]
    run_ids = set()
    for job in jobs[:2]:
        assert (job / "metrics.json").is_file()
        runs = list((job / "wandb").glob("offline-run-*"))
        assert len(runs) == 1, f"job {job.name} must log into its own W&B run"
        run_ids.add(runs[0].name.rsplit("-", 1)[-1])
    assert len(run_ids) == 2  # not the pitfall where every job logs into the first job's run
    error = json.loads((jobs[2] / "error.json").read_text())
    assert "n_val" in error["message"] and "data.catalog.n_val=-1" in error["overrides"]

    out = report_main([str(sweep_dir), "--out", str(tmp_path / "report")])
    report = (out / "report.md").read_text()
    assert "job 2 failed" in report and report.count("\n| 0 |") + report.count("\n| 1 |") == 2
    assert (out / "accuracy_vs_params.png").stat().st_size > 1000
    assert len(json.loads((out / "results.json").read_text())) == 2


@pytest.mark.slow
def test_optuna_sweeper_runs_a_real_two_trial_search(tmp_path):
    sweep_dir = tmp_path / "optuna"
    overrides = [o for o in FAST if not o.startswith("logger=")]
    cmd = [sys.executable, "train.py", "-m", "+experiment=graph_only", "hydra/sweeper=optuna_hybrid",
           "hydra.sweeper.n_trials=2", "logger=none", *overrides, f"hydra.sweep.dir={sweep_dir}",
           f"paths.cache_dir={tmp_path / 'cache'}"]
    result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit())
    values = [json.loads((job / "metrics.json").read_text())["objective"]["value"] for job in jobs]
    assert len(values) == 2 and all(0 < v <= 1 for v in values)
    best = (sweep_dir / "optimization_results.yaml").read_text()  # Optuna's summary of the search
    assert "best_value" in best and f"{max(values)}"[:6] in best
