"""The pretraining study: domain-adaptive MLM of minilm_l6 and a from-scratch small BERT, each then
fine-tuned as the hybrid, against minilm_l6 without adaptation and the TF-IDF baseline (issue 6).

Every run is `train.py` as a user would call it. The shared machine runs heavy jobs one at a time under
`/tmp/prodcat_cpu.lock`: the study holds it for two groups of runs per dataset (pretraining and the first
seed's four downstream runs; the other seeds), not for its whole length. Run folders go to
outputs/pretraining/; a run whose metrics.json exists is not run again (so an interrupted study continues).
Writes results.json (one record per downstream run and per pretraining run), results.md (tables) and
mlm_loss.png, all from the runs' files.

    .venv/bin/python experiments/pretraining/run.py                       # both datasets, seeds 0 1 2
    .venv/bin/python experiments/pretraining/run.py --datasets amazon_toys --seeds 0
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "outputs" / "pretraining"
LOCK = "/tmp/prodcat_cpu.lock"
METRICS = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]

# The budgets (the README quotes them from results.json, not from here).
DAPT_STEPS, SCRATCH_STEPS = 300, 400
# Pretraining texts: MWPD has a shop breadcrumb and a description beside the title; Amazon toys titles only.
CORPUS = {"mwpd": ["data.catalog.text_fields=[Name,CategoryText,Description]"], "amazon_toys": []}
DAPT = ["backbone=minilm_l6", f"trainer.max_steps={DAPT_STEPS}", "batch_size=32", "pretrain.max_length=48",
        "pretrain.lr=1e-4", "trainer.val_check_interval=50"]
SCRATCH_ARCH = {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024,
                "max_position_embeddings": 128}
SCRATCH = ["backbone=tiny", "backbone.tokenizer.vocab_size=8000",
           *[f"backbone.architecture.{k}={v}" for k, v in SCRATCH_ARCH.items()],
           f"trainer.max_steps={SCRATCH_STEPS}", "batch_size=64", "pretrain.max_length=48", "pretrain.lr=5e-4",
           "trainer.val_check_interval=100"]
# Downstream: the frozen encoder's cached [CLS] features + the concat head (minilm variants), and the small
# from-scratch BERT fine-tuned end to end (freeze=full).
FROZEN = ["+experiment=hybrid", "freeze=frozen", "trainer.max_epochs=20", "batch_size=256"]
SCRATCH_FT = ["+experiment=hybrid", "backbone=tiny", "freeze=full", "trainer.max_epochs=3", "batch_size=32",
              "backbone.lr=5e-4"]


def machine() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()}-core CPU ({platform.machine()}), {gpu}"


def pending(dataset: str, seeds: list[int], pretraining: bool = False) -> bool:
    """Whether any run of this group has no metrics.json yet (a finished group needs no lock)."""
    names = [f"{v}_seed{s}" for s in seeds for v in ("tfidf_baseline", "minilm_l6", "minilm_l6_dapt", "scratch_bert")]
    names += ["pretrain_minilm_l6_dapt", "pretrain_scratch_bert"] if pretraining else []
    return any(not (OUT / dataset / n / "metrics.json").exists() for n in names)


@contextlib.contextmanager
def cpu_lock(needed: bool = True):
    """The machine-wide lock for heavy jobs (the one `flock /tmp/prodcat_cpu.lock <command>` takes)."""
    if not needed:
        yield
        return
    with open(LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def train_py(run_dir: Path, args: list[str]) -> tuple[dict, str]:
    """Run `train.py args` into run_dir (unless it finished before); its metrics.json and the command."""
    command = "python train.py " + " ".join(args)
    if not (run_dir / "metrics.json").exists():
        print(f"== {command}", flush=True)
        subprocess.run([sys.executable, "train.py", *args, "logger=csv", f"hydra.run.dir={run_dir}"], cwd=ROOT,
                       check=True)
    return json.loads((run_dir / "metrics.json").read_text()), command


def record(dataset: str, variant: str, seed: int, m: dict, command: str, **extra) -> dict:
    downstream = bool(m.get("test"))
    return {"study": "pretraining", "dataset": dataset, "variant": variant, "seed": seed,
            "split": "test" if downstream else "heldout",
            "metrics": ({k: round(m["test"][k], 4) for k in METRICS} if downstream else
                        {"initial_val_mlm_loss": round(m["pretrain"]["initial_val_mlm_loss"], 4),
                         "final_val_mlm_loss": round(m["pretrain"]["final_val_mlm_loss"], 4),
                         "tokens_per_s": round(m["pretrain"]["tokens_per_s"], 1)}),
            "seconds": round(m["timings"]["total_s"], 1), "command": command, "machine": machine(),
            "date": dt.date.today().isoformat(), **extra}


def pretrain_runs(dataset: str) -> tuple[dict, list[dict]]:
    """The two pretrained directories of a dataset and their records (kind `pretraining`)."""
    dirs, records = {}, []
    for name, args in (("minilm_l6_dapt", DAPT), ("scratch_bert", SCRATCH)):
        run_dir = OUT / dataset / f"pretrain_{name}"
        m, command = train_py(run_dir, ["+experiment=pretrain_mlm", f"data={dataset}", *CORPUS[dataset], *args])
        dirs[name] = m["pretrain"]["save_dir"]
        budget = {k: m["pretrain"][k] for k in ("steps", "batch_size", "max_length", "tokens_seen", "texts",
                                                 "corpus_tokens", "vocab_size", "params")}
        history = json.loads((run_dir / "pretrain_history.json").read_text())["history"]
        records.append(record(dataset, name, 0, m, command, kind="pretraining", budget=budget, history=history))
    return dirs, records


def downstream_runs(dataset: str, seed: int, dirs: dict) -> list[dict]:
    variants = {
        "tfidf_baseline": ["+experiment=tfidf_baseline"],
        "minilm_l6": [*FROZEN],
        "minilm_l6_dapt": [*FROZEN, f"backbone.name_or_path={dirs['minilm_l6_dapt']}"],
        "scratch_bert": [*SCRATCH_FT, f"backbone.name_or_path={dirs['scratch_bert']}"],
    }
    out = []
    for variant, args in variants.items():
        m, command = train_py(OUT / dataset / f"{variant}_seed{seed}", [*args, f"data={dataset}", f"seed={seed}"])
        extra = {"freeze": m["choices"].get("freeze"), "epochs": m["timings"].get("epochs")}
        out.append(record(dataset, variant, seed, m, command, kind="downstream", **extra))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["amazon_toys", "mwpd"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    a = parser.parse_args()
    records = []
    for dataset in a.datasets:
        # Two lock holds per dataset: pretraining + the first seed, then the other seeds.
        with cpu_lock(pending(dataset, a.seeds[:1], pretraining=True)):
            dirs, pre = pretrain_runs(dataset)
            records += pre + downstream_runs(dataset, a.seeds[0], dirs)
        (HERE / "results.json").write_text(json.dumps(records, indent=1) + "\n")  # keep what finished
        with cpu_lock(pending(dataset, a.seeds[1:])):
            for seed in a.seeds[1:]:
                records += downstream_runs(dataset, seed, dirs)
        (HERE / "results.json").write_text(json.dumps(records, indent=1) + "\n")
    from report import write_report  # experiments/pretraining/report.py: tables and the loss plot

    write_report(records, HERE)


if __name__ == "__main__":
    main()
