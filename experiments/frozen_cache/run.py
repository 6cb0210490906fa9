"""Freezing strategies and the frozen-feature cache on MWPD with all-MiniLM-L6-v2, each run by `train.py`
as a user would; one results.json record per run (or FAISS measurement) and markdown tables, both written
from the runs' metrics.json.

Parts (in this order by default):
- recipe:  the frozen hybrid head's training recipe, chosen on validation (`test=false`): head learning rate x
           batch size x epochs on the cached features (variant head_recipe); the cache part uses the chosen
           one, `FROZEN`.
- cache:   drop the cached MiniLM features, then `frozen` (builds the cache: variant cache_build), a sweep of
           6 hybrid-head configurations on the cache (cache_hit), `frozen_llrd`, `frozen` seeds 1-2 and
           `frozen_bs32` (the head at the batch size of the fine-tuned runs), and a sweep of 6 kNN heads (knn).
- freeze:  full, full_llrd, partial, partial_llrd (2 epochs, batch 32, seed 0).
- faiss:   query throughput of flat / ivf / hnsw at 10k (the cached MWPD features) and 1M random vectors.
Every run holds the machine's CPU lock (/tmp/prodcat_cpu.lock, which other heavy jobs of this shared machine
take too), waits for a 1-minute load average below 1 (see `wait_quiet`), and records the load average and the
other python processes it saw.

    .venv/bin/python experiments/frozen_cache/run.py                       # everything (~1 h on 2 cores)
    .venv/bin/python experiments/frozen_cache/run.py --parts freeze --append
    .venv/bin/python experiments/frozen_cache/run.py --report-only          # tables.md from results.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tables import tables

from prodcat import studies
from prodcat.cache import locked

HERE = Path(__file__).resolve().parent
ROOT = studies.ROOT
OUT = ROOT / "outputs" / "frozen_cache"
MWPD_ROWS = {"train": 10012, "val": 3000, "test": 3104}  # data=mwpd (3 test rows of unseen classes dropped)
METRICS = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/lvl1/f1_weighted",
           "test/lvl2/f1_weighted", "test/lvl3/f1_weighted", "test/f1_weighted_mean_levels"]
# logger=csv: W&B's offline writer starts a service process per run (seconds), the same in every variant
# and unrelated to what is compared here.
COMMON = ["+experiment=hybrid", "data=mwpd", "logger=csv"]
# The frozen head's recipe, chosen on validation by the recipe part (README, "Head recipe"): with the encoder
# out of the loop a larger batch and a higher head rate reach the 20-epoch default's validation F1 in 6 epochs.
# Evaluation batches of 1024 rows: the features are 384 floats, a batch costs one matmul.
FROZEN = ["freeze=frozen", "batch_size=512", "optim.head_lr=1e-2", "trainer.max_epochs=6", "eval_batch_size=1024"]
RECIPE_GRID = ["freeze=frozen", "eval_batch_size=1024", "test=false", "optim.head_lr=1e-3,3e-3,1e-2",
               "batch_size=256,512,1024", "trainer.max_epochs=6,10,20"]
LLRD = ["optim.layer_decay=0.8"]
TUNED = {"full": ["freeze=full"], "full_llrd": ["freeze=full", *LLRD],
         "partial": ["freeze=partial"], "partial_llrd": ["freeze=partial", *LLRD]}
HEAD_SWEEP = ["head=concat", "head.hidden=256,512,1024", "head.dropout=0.1,0.3"]
KNN_SWEEP = ["task=knn", "task.k=10,25", "task.index=flat,ivf,hnsw"]


def other_processes() -> list[str]:
    """Command lines of python processes that are not this script or its children."""
    own, found = studies.descendants(os.getpid()), []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) not in own:
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            if "python" in cmd.split(" ")[0] and "wandb" not in cmd:
                found.append(cmd[:160])
    return found


def load1() -> float:
    return os.getloadavg()[0]


def wait_quiet() -> dict:
    """With the CPU lock held (no other heavy job starts), wait until the 1-min load average is below 1 (10 min
    at most); the load and the other python processes seen."""
    waited = studies.wait_quiet(note=lambda: f"others {other_processes()}")
    return {"load_before": load1(), "others_before": other_processes(), "waited_s": round(waited)}


def train(args: list[str], run_dir: Path, multirun: bool = False, cold: bool = False) -> tuple[float, dict]:
    """Run train.py from an empty folder (main() holds the CPU lock); `cold`: first drop the cached MWPD MiniLM
    features (no other job is reading them: they would hold the lock), so this run builds them."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    if cold:
        print("removed cached MWPD MiniLM features:", drop_mwpd_minilm_features(), flush=True)
    quiet = wait_quiet()
    if not studies.execute(run_dir, args, force=True, multirun=multirun):
        raise SystemExit(f"{run_dir}: train.py failed, see its train.log")
    quiet.update(load_after=load1(), others_after=other_processes())
    return studies.wall(run_dir)["wall_s"], quiet


def record(variant: str, m: dict, seconds: float, command: str, seed: int, env: dict, **extra) -> dict:
    t = m["timings"]
    return {
        "study": "frozen_cache", "dataset": "mwpd", "variant": variant, "seed": seed,
        "split": "test" if m["test"] else "val",
        "metrics": studies.test_scores(m, METRICS, 4),
        "val_metrics": {k: round(m["val"][k], 4) for k in ("val/f1_weighted", "val/f1_weighted_mean_levels")
                        if k in m.get("val", {})},
        "seconds": round(seconds, 2), "seconds_per_epoch": round(t["seconds_per_epoch"], 2) if "seconds_per_epoch" in t
        else None, "epochs": t.get("epochs"), "fit_seconds": round(t["fit_s"], 2),
        "job_seconds": round(t["total_s"], 2), "feature_cache": (m.get("features") or {}).get("cache"),
        "features_seconds": round(t["features_s"], 2) if "features_s" in t else None,
        "params": m["params"], "choices": m["choices"],
        "command": command, "machine": studies.machine(), "date": dt.date.today().isoformat(), "env": env, **extra,
    }


def drop_mwpd_minilm_features() -> list[str]:
    """Remove the cached MiniLM features of the MWPD splits (told apart by their row counts), so the next
    frozen run builds them; other catalogs' caches stay."""
    removed = []
    for meta in (ROOT / "data" / "cache" / "features").glob("*/meta.json"):
        inputs = json.loads(meta.read_text())["inputs"]
        if inputs.get("backbone") == "minilm_l6" and inputs.get("rows") in MWPD_ROWS.values():
            shutil.rmtree(meta.parent)
            removed.append(meta.parent.name)
    return removed


def single(variant: str, args: list[str], seed: int = 0, cold: bool = False, **extra) -> dict:
    args = [*COMMON, *args, f"seed={seed}"]
    run_dir = OUT / f"{variant}_seed{seed}"
    seconds, env = train(args, run_dir, cold=cold)
    m = json.loads((run_dir / "metrics.json").read_text())
    return record(variant, m, seconds, studies.command(args), seed, env, **extra)


def sweep(variant_of, args: list[str], name: str) -> list[dict]:
    args = [*COMMON, *args, "seed=0"]
    run_dir = OUT / name
    seconds, env = train(args, run_dir, multirun=True)
    jobs = sorted((p for p in run_dir.iterdir() if (p / "metrics.json").is_file()), key=lambda p: int(p.name))
    out = []
    for job in jobs:
        m = json.loads((job / "metrics.json").read_text())
        overrides = (job / ".hydra" / "overrides.yaml").read_text()
        config = {k: v for k, v in (line.removeprefix("- ").split("=", 1) for line in overrides.splitlines()
                                    if line.startswith(("- head.", "- task.", "- trainer.max_epochs", "- optim.head_lr",
                                                        "- batch_size")))}
        # seconds: this job's own time inside the sweep (train() start to metrics.json), the imports being
        # paid once per sweep process; sweep_seconds / jobs is the process-level share.
        out.append(record(variant_of(config), m, m["timings"]["total_s"], studies.command(args, multirun=True), 0, env,
                          config=config, sweep_seconds=round(seconds, 1), sweep_jobs=len(jobs)))
    return out


def part_cache() -> list[dict]:
    records = []
    built = single("frozen", FROZEN, cold=True)
    assert built["feature_cache"] == "built", built["feature_cache"]
    records.append(built)
    records.append({**built, "variant": "cache_build", "seconds": built["job_seconds"],
                    "process_seconds": built["seconds"]})
    hits = sweep(lambda c: "cache_hit", [*FROZEN, *HEAD_SWEEP], "head_sweep")
    assert all(r["feature_cache"] == "hit" for r in hits)
    records += hits
    records.append(single("frozen_llrd", [*FROZEN, *LLRD]))
    for seed in (1, 2):
        records.append(single("frozen", FROZEN, seed=seed))
    records.append(single("frozen_bs32", ["freeze=frozen", "trainer.max_epochs=10", "eval_batch_size=1024"]))
    records += sweep(lambda c: "knn" if (c["task.k"], c["task.index"]) == ("10", "flat") else
                     f"knn_k{c['task.k']}_{c['task.index']}", KNN_SWEEP, "knn_sweep")
    return records


def part_recipe() -> list[dict]:
    """The frozen head's lr x batch x epochs on validation only (test=false); needs the cache (run after a
    cache part, or it builds the cache in its first job)."""
    return sweep(lambda c: "head_recipe", [*RECIPE_GRID, "head=concat"], "recipe_sweep")


def part_freeze(variants: list[str]) -> list[dict]:
    return [single(variant, TUNED[variant]) for variant in variants]


def part_faiss(records: list[dict]) -> list[dict]:
    frozen = [r for r in records if r["variant"] == "frozen" and r["seed"] == 0]
    folders = json.loads((OUT / "frozen_seed0" / "metrics.json").read_text())["features"]["folders"]
    out = OUT / "faiss.json"  # an intermediate: its records go into results.json
    cmd = [sys.executable, str(HERE / "faiss_bench.py"), "--features-dir", folders["train"], folders["test"],
           "--out", str(out)]
    env = wait_quiet()
    subprocess.run(cmd, cwd=ROOT, check=True)
    env.update(load_after=load1(), others_after=other_processes())
    assert frozen or folders
    return [{"study": "frozen_cache", "variant": "faiss", "split": None, **r,
             "command": "python experiments/frozen_cache/faiss_bench.py --features-dir <train> <test>",
             "machine": studies.machine(), "date": dt.date.today().isoformat(), "env": env}
            for r in json.loads(out.read_text())]


def _key(r: dict) -> str:
    return json.dumps([r["variant"], r.get("seed"), r.get("config"), r.get("dataset")], sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["recipe", "cache", "freeze", "faiss"])
    parser.add_argument("--tuned", nargs="+", default=list(TUNED), help="variants of the freeze part")
    parser.add_argument("--append", action="store_true",
                        help="keep the records already in results.json (a new record replaces an old one of the "
                             "same variant, seed and configuration)")
    parser.add_argument("--report-only", action="store_true", help="tables.md from results.json, nothing run")
    a = parser.parse_args()
    out = HERE / "results.json"
    records = json.loads(out.read_text()) if (a.append or a.report_only) and out.exists() else []
    if not a.report_only:
        with locked(studies.CPU_LOCK):
            records = run_parts(a.parts, a.tuned, records, out)
    (HERE / "tables.md").write_text(tables(records) + "\n")
    print(tables(records))


def run_parts(parts: list[str], tuned: list[str], records: list[dict], out: Path) -> list[dict]:
    for part in parts:
        if part == "cache":
            new = part_cache()
        elif part == "recipe":
            new = part_recipe()
        elif part == "freeze":
            new = part_freeze(tuned)
        else:
            new = part_faiss(records)
        keys = {_key(r) for r in new}
        records = [r for r in records if _key(r) not in keys] + new
        out.write_text(json.dumps(records, indent=2) + "\n")  # keep what finished if a later part fails
    return records


if __name__ == "__main__":
    main()
