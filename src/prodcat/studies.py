"""The experiment harness studies share: run `train.py` as a user would (one process a run, reused once it has
finished), hold the shared machine's CPU lock, choose on validation, turn each run's `metrics.json` into a
DESIGN.md record, format mean ± sd cells, write generated tables into a study's README.

    folder = run_folder(OUT, "mwpd", "hybrid", 0)
    execute(folder, ["+experiment=hybrid", "data=mwpd", "seed=0", "logger=none"])   # skipped when done
    rec = record("strong_hybrid", "mwpd", "hybrid", 0, folder)                    # None until it has run
    run_held(jobs, key=lambda folder: folder.parent)  # (folder, overrides) jobs, one lock hold per group
    lr, scores = best_on_val({lr: OUT / "select" / f"lr{lr}" for lr in LRS})      # reads no test score
    check_failed()                                    # exits non-zero naming the runs that failed

A study's `run.py` keeps only its variants, its extra metrics and its tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from prodcat.cache import locked

ROOT = Path(__file__).resolve().parents[2]
SCORES = re.compile(r"test/(acc|acc_top5|f1_weighted|f1_macro|f1_weighted_mean_levels|lvl\d+/f1_weighted)")
BEGIN, END = "<!-- generated -->", "<!-- /generated -->"
CPU_LOCK = Path("/tmp/prodcat_cpu.lock")  # every heavy job of the shared machine takes it: `flock <it> <cmd>`
ENV = {"PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}  # of every train.py
FAILED: list[str] = []  # the folders of this process's runs that exited non-zero (check_failed reports them)


# -- running train.py ----------------------------------------------------------------------------------
def run_folder(out: Path, dataset: str, variant: str, seed: int) -> Path:
    return out / dataset / variant / f"seed{seed}"


def command(overrides: list[str], multirun: bool = False) -> str:
    return "python train.py " + ("-m " if multirun else "") + " ".join(overrides)


def train_argv(folder: Path, overrides: list[str], multirun: bool = False) -> list[str]:
    """`python train.py <overrides>` writing into `folder` (a multirun: its sweep folder, one subfolder a job)."""
    where = f"hydra.sweep.dir={folder}" if multirun else f"hydra.run.dir={folder}"
    return [sys.executable, "train.py", *(["-m"] if multirun else []), *overrides, where]


def metrics(folder: Path) -> dict | None:
    """The run's metrics.json (None until it has finished)."""
    path = folder / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else None


def wall(folder: Path) -> dict:
    """What `execute` wrote of a run (wall.json: wall time, command, date, commit, machine, load); {} if none."""
    path = folder / "wall.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def execute(folder: Path, overrides: list[str], force: bool = False, multirun: bool = False) -> bool:
    """Run `train.py <overrides>` into `folder` (its log in train.log; wall time, command, commit, machine and
    the 1-min load average before and after in wall.json) unless a metrics.json is there already (`force`: run
    anyway). False when the run failed: the folder joins FAILED, its log says why."""
    if (folder / "metrics.json").is_file() and not force:
        print(f"[reuse] {folder}", flush=True)
        return True
    folder.mkdir(parents=True, exist_ok=True)
    argv = train_argv(folder, overrides, multirun)
    print(f"[run] {' '.join(argv[1:])}", flush=True)
    load, started = os.getloadavg()[0], time.perf_counter()
    with open(folder / "train.log", "w") as log:
        rc = subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **ENV}).returncode
    info = {"wall_s": time.perf_counter() - started, "rc": rc, "command": command(overrides, multirun),
            "date": dt.date.today().isoformat(), "commit": git_commit(), "machine": machine(),
            "load_1m": [round(load, 2), round(os.getloadavg()[0], 2)]}
    (folder / "wall.json").write_text(json.dumps(info))
    if rc != 0:
        FAILED.append(str(folder))
        print(f"[FAILED] exit {rc}; see {folder / 'train.log'}", flush=True)
    return rc == 0


def run_held(jobs: Iterable[tuple[Path, list[str]]], key: Callable[[Path], object] | None = None,
             force: bool = False, after: Callable[[], None] | None = None) -> None:
    """`execute` the unfinished (folder, overrides) jobs in order, holding CPU_LOCK once per group of consecutive
    jobs with the same `key(folder)` (default: one hold a job), so the machine's other heavy jobs queue between
    groups, not between runs. `after()` runs inside each hold, first and after each job; once if none is left."""
    todo = [(folder, ov) for folder, ov in jobs if force or not (folder / "metrics.json").is_file()]
    groups = [list(g) for _, g in itertools.groupby(todo, key=lambda job: key(job[0]))] if key else \
        [[job] for job in todo]
    for group in groups or ([[]] if after else []):
        with locked(CPU_LOCK):
            if after:
                after()
            for folder, overrides in group:
                execute(folder, overrides, force)
                if after:
                    after()


def check_failed() -> None:
    if FAILED:
        raise SystemExit(f"{len(FAILED)} runs failed (run again to retry them): {FAILED}")


def best_on_val(folders: dict, metric: str = "val/f1_weighted") -> tuple[object, dict]:
    """(the key of the best finished run on validation `metric`, {key: score} of the finished runs in the order
    of `folders`): a choice that reads no test score. The key is None while none has finished."""
    scores = {k: m["val"][metric] for k, folder in folders.items() if (m := metrics(folder)) is not None}
    return (max(scores, key=scores.get) if scores else None), scores


def wait_quiet(max_load: float = 1.0, max_wait_s: float = 600.0, poll_s: float = 10.0,
               note: Callable[[], str] = lambda: "") -> float:
    """Wait until the 1-min load average is below `max_load` (other jobs skew timings), `max_wait_s` at most;
    the seconds waited."""
    start = time.time()
    while os.getloadavg()[0] >= max_load and time.time() - start < max_wait_s:
        print(f"   waiting for a quiet machine: load {os.getloadavg()[0]:.2f} {note()}", flush=True)
        time.sleep(poll_s)
    return time.time() - start


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += children.get(p, [])
    return tree


# -- records ---------------------------------------------------------------------------------------------
def machine(model: bool = False, memory: bool = False) -> str:
    """"2-core CPU (x86_64), no GPU"; `model`: the CPU's model name instead of its architecture; `memory`: and
    the RAM."""
    import torch

    cpu = platform.machine()
    if model:
        info = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").is_file() else []
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), platform.processor())
    if memory:
        cpu += f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()}-core CPU ({cpu}), {gpu}"


def git_commit() -> str | None:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or None


def test_scores(m: dict, keys: list[str] | None = None, digits: int | None = None) -> dict:
    """A metrics.json's test scores: `keys` in their order, else every DESIGN.md score name; rounded if asked."""
    picked = [(k, m["test"][k]) for k in keys if k in m["test"]] if keys else \
        [(k, v) for k, v in m["test"].items() if SCORES.fullmatch(k)]
    return {k: v if digits is None else round(v, digits) for k, v in picked}


def record(study: str, dataset: str, variant: str, seed: int, folder: Path, extra: dict | None = None) -> dict | None:
    """The DESIGN.md record of one finished run (None when it has not run): its test scores, `extra`
    metrics, the run's wall time and its exact command."""
    if (m := metrics(folder)) is None:
        return None
    w = wall(folder)
    return {"study": study, "dataset": dataset, "variant": variant, "seed": seed, "split": "test",
            "metrics": {**test_scores(m), **(extra or {}), "epochs": m["timings"].get("epochs")},
            "seconds": w.get("wall_s", m["timings"].get("total_s")),
            "command": w.get("command"), "commit": w.get("commit"), "machine": w.get("machine") or machine(),
            "date": w.get("date"),
            "rows": m["data"]["rows"], "classes": m["data"]["classes"]}


def run_catalog(folder: Path):
    """The catalog a run read, built from its own data config (.hydra/config.yaml)."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    os.environ.setdefault("PROJECT_ROOT", str(ROOT))
    return instantiate(OmegaConf.load(folder / ".hydra" / "config.yaml").data.catalog, _convert_="all")


def write_records(path: Path, records: list[dict], indent: int = 1) -> None:
    path.write_text(json.dumps(records, indent=indent) + "\n")


# -- tables ----------------------------------------------------------------------------------------------
def mean_sd(values: list[float | None], scale: float = 100.0, digits: int = 2) -> str:
    """"mean ± sd" (sample sd) of the values present, "mean" for one value, "–" for none."""
    v = np.asarray([x for x in values if x is not None], dtype=float) * scale
    if v.size == 0:
        return "–"
    return f"{v.mean():.{digits}f}" if v.size == 1 else f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def compare_table(new: list[dict], old: list[dict], keys: list[str]) -> str:
    """Scores of `new` records against `old` ones (e.g. the committed results.json) of the same dataset, variant
    and seed, in %: a reproduction check."""
    was = {(r["dataset"], r["variant"], r["seed"]): r["metrics"] for r in old}
    rows = [[r["dataset"], r["variant"], str(r["seed"]), k, f"{100 * r['metrics'][k]:.4f}", f"{100 * w[k]:.4f}",
             f"{100 * (r['metrics'][k] - w[k]):+.4f}", "yes" if r["metrics"][k] == w[k] else "no"]
            for r in new if (w := was.get((r["dataset"], r["variant"], r["seed"]))) for k in keys
            if k in r["metrics"] and k in w]
    return markdown_table(["dataset", "variant", "seed", "metric", "now", "committed", "now - committed",
                           "identical"], rows)


def write_generated(readme: Path, text: str, begin: str = BEGIN, end: str = END) -> None:
    """Replace what lies between the README's generated markers (the rest is written by hand)."""
    old = readme.read_text() if readme.is_file() else f"{begin}\n{end}\n"
    if (begin in old) != (end in old):
        raise SystemExit(f"{readme}: one of the markers {begin!r} / {end!r} is missing")
    head, _, rest = old.partition(begin)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{begin}\n{text}{end}{tail}")
