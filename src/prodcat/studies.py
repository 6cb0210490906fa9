"""The experiment harness studies share: run `train.py` as a user would, turn each run's `metrics.json`
into a DESIGN.md record, format mean ± sd cells, write generated tables into a study's README.

    folder = run_folder(OUT, "mwpd", "hybrid", 0)
    execute(folder, ["+experiment=hybrid", "data=mwpd", "seed=0", "logger=none"])   # skipped when done
    rec = record("strong_hybrid", "mwpd", "hybrid", 0, folder)                    # None until it has run

A study's `run.py` keeps only its variants, its extra metrics and its tables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCORES = re.compile(r"test/(acc|acc_top5|f1_weighted|f1_macro|f1_weighted_mean_levels|lvl\d+/f1_weighted)")
BEGIN, END = "<!-- generated -->", "<!-- /generated -->"


def run_folder(out: Path, dataset: str, variant: str, seed: int) -> Path:
    return out / dataset / variant / f"seed{seed}"


def command(overrides: list[str]) -> str:
    return "python train.py " + " ".join(overrides)


def machine() -> str:
    return f"{os.cpu_count()}-core CPU ({platform.machine()}), no GPU"


def execute(folder: Path, overrides: list[str], force: bool = False) -> bool:
    """Run `train.py <overrides>` into `folder` (its log in train.log, its wall time and command in
    wall.json) unless a metrics.json is there already. False when the run failed (its log says why)."""
    if (folder / "metrics.json").is_file() and not force:
        print(f"[reuse] {folder}", flush=True)
        return True
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "train.py", *overrides, f"hydra.run.dir={folder}"]
    print(f"[run] {' '.join(cmd[1:])}", flush=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with open(folder / "train.log", "w") as log:
        rc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    wall = {"wall_s": time.perf_counter() - started, "rc": rc, "command": command(overrides),
            "date": dt.date.today().isoformat()}
    (folder / "wall.json").write_text(json.dumps(wall))
    if rc != 0:
        print(f"[FAILED] exit {rc}; see {folder / 'train.log'}", flush=True)
    return rc == 0


def record(study: str, dataset: str, variant: str, seed: int, folder: Path, extra: dict | None = None) -> dict | None:
    """The DESIGN.md record of one finished run (None when it has not run): its test scores, `extra`
    metrics, the run's wall time and its exact command."""
    if not (folder / "metrics.json").is_file():
        return None
    m = json.loads((folder / "metrics.json").read_text())
    wall = json.loads((folder / "wall.json").read_text()) if (folder / "wall.json").is_file() else {}
    scores = {k: v for k, v in m["test"].items() if SCORES.fullmatch(k)}
    return {"study": study, "dataset": dataset, "variant": variant, "seed": seed, "split": "test",
            "metrics": {**scores, **(extra or {}), "epochs": m["timings"].get("epochs")},
            "seconds": wall.get("wall_s", m["timings"].get("total_s")),
            "command": wall.get("command"), "commit": wall.get("commit"), "machine": machine(),
            "date": wall.get("date"),
            "rows": m["data"]["rows"], "classes": m["data"]["classes"]}


def mean_sd(values: list[float | None], scale: float = 100.0, digits: int = 2) -> str:
    """"mean ± sd" (sample sd) of the values present, "mean" for one value, "–" for none."""
    v = np.asarray([x for x in values if x is not None], dtype=float) * scale
    if v.size == 0:
        return "–"
    return f"{v.mean():.{digits}f}" if v.size == 1 else f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def write_generated(readme: Path, text: str) -> None:
    """Replace what lies between the README's generated markers (the rest is written by hand)."""
    old = readme.read_text() if readme.is_file() else f"{BEGIN}\n{END}\n"
    head, _, rest = old.partition(BEGIN)
    _, _, tail = rest.partition(END)
    readme.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")


def write_records(path: Path, records: list[dict]) -> None:
    path.write_text(json.dumps(records, indent=1) + "\n")
