"""Summarise a sweep: `python -m prodcat.report <multirun folder> [--out experiments/<name>]`.

Reads every job folder's `metrics.json` (or `error.json` for a job that failed), finds the sweep axes
(the config choices that differ between jobs), and writes into the output folder:
- `report.md`: one row per job sorted by the objective (failed jobs listed with their error);
- `results.json`: one record per job in the study format of DESIGN.md;
- `objective_by_<axis>.png` for every axis, and `accuracy_vs_params.png` (test accuracy against
  trainable parameters; against latency too when jobs report `p50_ms`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from pathlib import Path

SCORES = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]


def collect(sweep_dir: Path) -> tuple[list[dict], list[dict]]:
    """(finished jobs' metrics, failed jobs' errors), each with its `job` folder name."""
    done, failed = [], []
    for job in sorted(p for p in sweep_dir.iterdir() if p.is_dir()):
        if (job / "metrics.json").is_file():
            done.append({"job": job.name, **json.loads((job / "metrics.json").read_text())})
        elif (job / "error.json").is_file():
            failed.append({"job": job.name, **json.loads((job / "error.json").read_text())})
    if not done and not failed:
        raise FileNotFoundError(f"{sweep_dir}: no job folder holds a metrics.json or an error.json")
    return done, failed


def sweep_axes(jobs: list[dict]) -> list[str]:
    """The choices that take more than one value across the jobs (the sweep's axes)."""
    keys = sorted({k for j in jobs for k in j["choices"]})
    return [k for k in keys if len({json.dumps(j["choices"].get(k)) for j in jobs}) > 1]


def _objective(job: dict) -> float:
    value = job["objective"]["value"]
    return float("-inf") if value is None else value


def markdown(jobs: list[dict], failed: list[dict], axes: list[str]) -> str:
    objective = jobs[0]["objective"]["name"] if jobs else "objective"
    cols = [objective, *SCORES]
    lines = [f"| job | {' | '.join(axes)} | {' | '.join(cols)} | trainable params | fit s |",
             "|---" * (len(axes) + len(cols) + 3) + "|"]
    for j in sorted(jobs, key=_objective, reverse=True):
        scores = {**j["val"], **j["test"]}
        vals = " | ".join("-" if scores.get(c) is None else f"{100 * scores[c]:.2f}" for c in cols)
        trainable = j["params"].get("trainable", j["params"].get("total"))
        lines.append(f"| {j['job']} | {' | '.join(str(j['choices'].get(a)) for a in axes)} | {vals} | "
                     f"{trainable:,} | {j['timings'].get('fit_s', 0):.1f} |")
    for f in failed:
        lines.append(f"\n**job {f['job']} failed** ({' '.join(f.get('overrides', []))}): "
                     f"`{f['type']}: {' '.join(f['message'].split())[:300]}`")
    return "\n".join(lines) + "\n"


def records(jobs: list[dict], study: str, command: str) -> list[dict]:
    machine = f"{os.cpu_count()}-core CPU ({platform.machine()})"
    return [{
        "study": study, "dataset": j["choices"].get("data"), "variant": j.get("run_name", j["job"]),
        "seed": j["choices"].get("seed"), "split": "test",
        "metrics": {k: j["test"][k] for k in SCORES if k in j["test"]},
        "seconds": j["timings"].get("total_s"), "choices": j["choices"], "params": j["params"],
        "command": command, "machine": machine, "date": dt.date.today().isoformat(),
    } for j in jobs]


def plots(jobs: list[dict], axes: list[str], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    written = []
    objective = jobs[0]["objective"]["name"]
    for axis in axes:  # objective by sweep axis: one dot per job, the mean as a bar
        groups: dict[str, list[float]] = {}
        for j in jobs:
            groups.setdefault(str(j["choices"].get(axis)), []).append(100 * _objective(j))
        names = sorted(groups)
        fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 3.5))
        ax.bar(names, [sum(groups[n]) / len(groups[n]) for n in names], color="#9ecae1")
        for i, n in enumerate(names):
            ax.scatter([i] * len(groups[n]), groups[n], color="#08519c", zorder=3, s=14)
        ax.set(xlabel=axis, ylabel=f"{objective} (%)", title=f"{objective} by {axis}")
        written.append(_save(fig, out / f"objective_by_{axis}.png"))

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for j in jobs:
        trainable = j["params"].get("trainable", j["params"].get("total", 0))
        ax.scatter(trainable, 100 * j["test"].get("test/acc", float("nan")), color="#08519c")
        ax.annotate(j["job"], (trainable, 100 * j["test"].get("test/acc", float("nan"))), fontsize=7)
    ax.set(xscale="log", xlabel="trainable parameters", ylabel="test acc (%)", title="accuracy vs trainable parameters")
    written.append(_save(fig, out / "accuracy_vs_params.png"))
    return written


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep_dir", type=Path, help="a Hydra multirun folder (its job subfolders)")
    parser.add_argument("--out", type=Path, help="output folder (default experiments/<sweep folder name>)")
    parser.add_argument("--study", help="study name in results.json (default: the output folder's name)")
    parser.add_argument("--command", default="", help="the command that ran the sweep, recorded with it")
    a = parser.parse_args(argv)
    jobs, failed = collect(a.sweep_dir)
    out = a.out or Path("experiments") / a.sweep_dir.name
    out.mkdir(parents=True, exist_ok=True)
    axes = sweep_axes(jobs) if jobs else []
    (out / "report.md").write_text(markdown(jobs, failed, axes))
    (out / "results.json").write_text(json.dumps(records(jobs, a.study or out.name, a.command), indent=2) + "\n")
    if jobs:
        plots(jobs, axes, out)
    print(f"{len(jobs)} jobs, {len(failed)} failed -> {out}")
    return out


if __name__ == "__main__":
    main()
