"""The pretraining study (issue 6): (a) domain-adaptive MLM (DAPT) of minilm_l6, then the hybrid fine-tuned end to
end, against the same fine-tune without DAPT; (b) a from-scratch small BERT fine-tuned as the hybrid, against
minilm_l6 and the TF-IDF baseline. Frozen-feature rows of both MiniLM encoders show DAPT's effect without
fine-tuning.

Every run is `train.py` as a user would call it, under the machine-wide lock `/tmp/prodcat_cpu.lock` (the lock
`flock /tmp/prodcat_cpu.lock <command>` takes), held per small group of runs (`plan()`), so
other jobs run between our groups. Groups go in priority order: the headline comparison first (MWPD minilm_l6
vs minilm_l6_dapt, seed 0, then Amazon toys), the rest later, so a study cut short has its most important
numbers; `--deadline HH:MM` starts no run that would end after it. Run folders go to
outputs/pretraining/<dataset>/<run>/; a run whose metrics.json exists is not run again (the study resumes).
After every group results.json, results.md, the README tables and mlm_loss.png are rewritten from the runs' files.

    .venv/bin/python experiments/pretraining/run.py                       # both datasets, seeds 0 1 2
    .venv/bin/python experiments/pretraining/run.py --datasets amazon_toys --seeds 0
    .venv/bin/python experiments/pretraining/run.py --dry-run             # print the plan, run nothing
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from report import write_report  # experiments/pretraining/report.py: tables and the loss plot

from prodcat import studies
from prodcat.cache import locked

HERE = Path(__file__).resolve().parent
OUT = studies.ROOT / "outputs" / "pretraining"
METRICS = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]

# The budgets (the README quotes them from results.json, not from here).
DAPT_STEPS, SCRATCH_STEPS = 300, 400
# Pretraining texts: MWPD has a shop breadcrumb and a description beside the title; Amazon toys titles only.
CORPUS = {"mwpd": ["data.catalog.text_fields=[Name,CategoryText,Description]"], "amazon_toys": []}
PRETRAIN = {
    "minilm_l6_dapt": ["backbone=minilm_l6", f"trainer.max_steps={DAPT_STEPS}", "batch_size=32",
                       "pretrain.max_length=48", "pretrain.lr=1e-4", "trainer.val_check_interval=50"],
    "scratch_bert": ["backbone=tiny", "backbone.tokenizer.vocab_size=8000", "backbone.architecture.hidden_size=256",
                     "backbone.architecture.num_hidden_layers=4", "backbone.architecture.num_attention_heads=4",
                     "backbone.architecture.intermediate_size=1024",
                     "backbone.architecture.max_position_embeddings=128", f"trainer.max_steps={SCRATCH_STEPS}",
                     "batch_size=64", "pretrain.max_length=48", "pretrain.lr=5e-4", "trainer.val_check_interval=100"],
}
# Downstream recipes. FINETUNE is the repository's fine-tuned hybrid teacher (experiments/distillation) cut to one
# epoch so that 3 seeds of both arms on both datasets fit one session on a 2-core AVX2 machine (2 epochs took
# ~12 min a run there): every encoder weight trains, batch 32, the default rates (encoder 8e-5, head 1e-3).
# The study's first runs linked MWPD training rows to their seller / breadcrumb in-sample (the default then; now
# leave_one_out, see experiments/real_ablation): kept for every seed, so the arms stay comparable (no effect on Amazon).
GRAPH = "graph.train_links=in_sample"
FINETUNE = ["+experiment=hybrid", "backbone=minilm_l6", "freeze=full", "trainer.max_epochs=1", "batch_size=32", GRAPH]
FROZEN = ["+experiment=hybrid", "backbone=minilm_l6", "freeze=frozen", "trainer.max_epochs=20", "batch_size=256",
          GRAPH]
SCRATCH_FT = ["+experiment=hybrid", "backbone=tiny", "freeze=full", "trainer.max_epochs=3", "batch_size=32",
              "backbone.lr=5e-4", GRAPH]
# variant -> (train.py arguments, the pretrained directory it needs or None, how its encoder was trained)
PACKAGED, DAPTED = "all-MiniLM-L6-v2 as packaged", f"all-MiniLM-L6-v2 + {DAPT_STEPS} MLM steps"
VARIANTS = {
    "minilm_l6": (FINETUNE, None, f"{PACKAGED}, fine-tuned (freeze=full)"),
    "minilm_l6_dapt": (FINETUNE, "minilm_l6_dapt", f"{DAPTED}, fine-tuned (freeze=full)"),
    "tfidf_baseline": (["+experiment=tfidf_baseline"], None, "none (TF-IDF + LinearSVC)"),
    "minilm_l6_frozen": (FROZEN, None, f"{PACKAGED}, frozen (features + head)"),
    "minilm_l6_dapt_frozen": (FROZEN, "minilm_l6_dapt", f"{DAPTED}, frozen (features + head)"),
    "scratch_bert": (SCRATCH_FT, "scratch_bert",
                     f"from scratch: WordPiece 8k + {SCRATCH_STEPS} MLM steps, fine-tuned (freeze=full)"),
}


def plan(datasets: list[str], seeds: list[int]) -> list[list[tuple[str, str, int | None]]]:
    """Groups of (dataset, variant or `pretrain_<model>`, seed), most important first; one lock hold per group.
    The order decides what a study cut short still has: (a)'s pair on the first seed (with its DAPT run) and
    the TF-IDF baseline, then (b) (the scratch BERT's pretraining and first seed), then (a) on the other seeds
    (its 3 seeds are the headline), then (b) on them; the frozen-feature rows, which the issue does not ask for,
    last."""
    first, rest = seeds[0], seeds[1:]
    pair, frozen = ("minilm_l6", "minilm_l6_dapt"), ("minilm_l6_frozen", "minilm_l6_dapt_frozen")
    groups = [[(d, "pretrain_minilm_l6_dapt", None), *[(d, v, first) for v in pair], (d, "tfidf_baseline", first)]
              for d in datasets]
    groups += [[(d, "pretrain_scratch_bert", None), (d, "scratch_bert", first)] for d in datasets]
    groups += [[(d, v, s) for v in (*pair, "tfidf_baseline")] for s in rest for d in datasets]
    groups += [[(d, "scratch_bert", s)] for s in rest for d in datasets]
    groups += [[(d, v, s) for s in seeds for v in frozen] for d in datasets]
    return groups


# Rough minutes a run takes on the 2-core AVX2 machine (MWPD; Amazon toys is faster), used only to not start a
# run that would end past --deadline.
MINUTES = {"pretrain_minilm_l6_dapt": 10, "pretrain_scratch_bert": 6, "minilm_l6": 8, "minilm_l6_dapt": 8,
           "scratch_bert": 5, "tfidf_baseline": 1, "minilm_l6_frozen": 1, "minilm_l6_dapt_frozen": 2}


def run_dir(dataset: str, name: str, seed: int | None) -> Path:
    return OUT / dataset / (name if seed is None else f"{name}_seed{seed}")


def train_args(dataset: str, name: str, seed: int | None) -> list[str]:
    if name.startswith("pretrain_"):
        model = name.removeprefix("pretrain_")
        return ["+experiment=pretrain_mlm", f"data={dataset}", *CORPUS[dataset], *PRETRAIN[model]]
    args, needs, _ = VARIANTS[name]
    if needs:  # the pretrained directory, from its pretraining run (run before it in the plan)
        pre = run_dir(dataset, f"pretrain_{needs}", None) / "metrics.json"
        if not pre.exists():
            raise FileNotFoundError(f"{name} on {dataset} needs {pre}: run pretrain_{needs} first")
        args = [*args, f"backbone.name_or_path={json.loads(pre.read_text())['pretrain']['save_dir']}"]
    return [*args, f"data={dataset}", f"seed={seed}"]


def finished(step: tuple[str, str, int | None]) -> bool:
    return (run_dir(*step) / "metrics.json").exists()


def run(dataset: str, name: str, seed: int | None, deadline: dt.datetime | None = None) -> bool:
    """`python train.py <args>` into its folder (the caller holds the lock; command, date, machine and the load
    average at start and end in wall.json). False (nothing run) when the run would not end before the
    deadline, or failed."""
    args = [*train_args(dataset, name, seed), "logger=csv"]
    if deadline and dt.datetime.now(dt.UTC) + dt.timedelta(minutes=MINUTES[name]) > deadline:
        print(f"== {dt.datetime.now(dt.UTC):%H:%M:%S} not started, would end after {deadline:%H:%M} UTC: "
              f"{studies.command(args)}")
        return False
    return studies.execute(run_dir(dataset, name, seed), args)


def record(dataset: str, name: str, seed: int | None) -> dict | None:
    """The results.json record of a finished run (None if it has not run)."""
    folder = run_dir(dataset, name, seed)
    if not (folder / "metrics.json").exists():
        return None
    m, info = studies.metrics(folder), studies.wall(folder)
    base = {"study": "pretraining", "dataset": dataset}
    tail = {"seconds": round(m["timings"]["total_s"], 1), "command": info["command"], "machine": info["machine"],
            "date": info["date"], "load_1m_at_start": info["load_1m"][0], "load_1m_at_end": info["load_1m"][1]}
    if name.startswith("pretrain_"):
        p = m["pretrain"]
        budget = {k: p[k] for k in ("steps", "batch_size", "max_length", "tokens_seen", "texts", "corpus_tokens",
                                    "vocab_size", "params")}
        history = json.loads((folder / "pretrain_history.json").read_text())["history"]
        return {**base, "variant": name.removeprefix("pretrain_"), "seed": m["choices"]["seed"], "split": "heldout",
                "metrics": {"initial_val_mlm_loss": round(p["initial_val_mlm_loss"], 4),
                            "final_val_mlm_loss": round(p["final_val_mlm_loss"], 4),
                            "tokens_per_s": round(p["tokens_per_s"], 1)},
                **tail, "kind": "pretraining", "budget": budget, "history": history}
    return {**base, "variant": name, "seed": seed, "split": "test",
            "metrics": studies.test_scores(m, METRICS, 4), **tail, "kind": "downstream",
            "encoder": VARIANTS[name][2], "freeze": m["choices"].get("freeze"), "epochs": m["timings"].get("epochs"),
            "seconds_per_epoch": round(m["timings"]["seconds_per_epoch"], 1)
            if m["timings"].get("seconds_per_epoch") else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["mwpd", "amazon_toys"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--deadline", help="HH:MM (UTC, today): start no run that would end after it; stop there")
    parser.add_argument("--dry-run", action="store_true", help="print the plan (done or to run), run nothing")
    a = parser.parse_args()
    groups = plan(a.datasets, a.seeds)
    steps = [step for g in groups for step in g]
    deadline = None
    if a.deadline:
        hh, mm = map(int, a.deadline.split(":"))
        deadline = dt.datetime.now(dt.UTC).replace(hour=hh, minute=mm, second=0, microsecond=0)
    for i, group in enumerate(groups):
        if a.dry_run:
            print("\n".join(f"group {i}: {'done' if finished(s) else 'to run'} {' '.join(map(str, s))}" for s in group))
            continue
        todo = [s for s in group if not finished(s)]
        if not todo:
            continue
        with locked(studies.CPU_LOCK):
            ran = [run(*step, deadline=deadline) for step in todo if not finished(step)]
        records = [r for r in (record(*s) for s in steps) if r is not None]
        studies.write_records(HERE / "results.json", records)  # keep what finished
        write_report(records, HERE, verbose=False)
        if not all(ran):
            break
    if not a.dry_run:
        write_report(json.loads((HERE / "results.json").read_text()), HERE)
        studies.check_failed()


if __name__ == "__main__":
    main()
