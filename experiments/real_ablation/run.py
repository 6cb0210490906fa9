"""The real-data ablation of issue 3: does the graph help on real products (MWPD, Amazon UK toys)?

Each row is `train.py` run as a user would (one subprocess per run, output under
outputs/real_ablation/<dataset>/<variant>/seed<k>/); a run whose metrics.json exists is reused unless
--force. Then `results.json` (one record per run, DESIGN.md format) and the tables of README.md (between
the `<!-- generated -->` markers) are written from the runs' metrics.json and test_predictions.npz only.

Neural rows use the FROZEN MiniLM-L6 encoder (cached features; the head trains up to 40 epochs at batch
256, early stopping on val/f1_weighted): the CPU budget of this study (~40 CPU minutes) buys 3 seeds of
every row that way, not of fine-tuning. The head's learning rate of each (dataset, variant) is chosen first
on VALIDATION only (`select`: seed 0, test=false, head_lr in SELECT_LRS), then every seed runs with it.
Text-only rows use the `mlp` head (the hybrid's MLP without g(x)): on frozen features a linear probe
underfits, and the comparison must not credit the graph with the bigger head (`text_only_linear` shows it).
`--finetune` adds fine-tuned (freeze=full, 2 epochs) text_only, hybrid_tree and hybrid rows on MWPD (8-9 CPU
minutes a run: narrow them with --only and --seeds).

    .venv/bin/python experiments/real_ablation/run.py                    # every frozen row, 3 seeds
    .venv/bin/python experiments/real_ablation/run.py --finetune         # + the fine-tuned MWPD rows
    .venv/bin/python experiments/real_ablation/run.py --report-only      # tables from existing runs
    .venv/bin/python experiments/real_ablation/run.py --out outputs/repro --keep-selection --only tfidf_baseline
        # a reproduction: runs into a fresh folder, its records in <out>/results.json against the committed ones
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from analysis import error_moves, link_rates, mwpd_coverage, selection_table, sibling_similarity

from prodcat import studies
from prodcat.studies import mean_sd, metrics, run_folder

HERE = Path(__file__).resolve().parent
OUT = studies.ROOT / "outputs" / "real_ablation"
STUDY = "real_ablation"
DATASETS = ("mwpd", "amazon_toys")
FROZEN = ["freeze=frozen", "batch_size=256", "trainer.max_epochs=40"]
SELECT_LRS = ["1e-3", "3e-3", "1e-2"]
FINETUNE = ["freeze=full", "batch_size=32", "trainer.max_epochs=2"]
COMMON = ["logger=none", "backbone=minilm_l6"]
OFFER_TEXT = "[Name,CategoryText,Host]"  # MWPD: title + shop breadcrumb + URL host, the graph's inputs as text

# The rows measured before graph.train_links defaulted to leave_one_out (their MWPD graph vectors link every
# training row in-sample); hybrid_loo is the new default.
IN_SAMPLE = "graph.train_links=in_sample"
# variant -> (train.py overrides, seeds it runs with, datasets); the TF-IDF baseline is deterministic.
NEURAL = {
    "text_only": ["+experiment=text_only", "head=mlp"],
    "text_only_linear": ["+experiment=text_only"],
    "graph_only": ["+experiment=graph_only", IN_SAMPLE],
    "hybrid": ["+experiment=hybrid", IN_SAMPLE],
    "label_graph": ["+experiment=label_graph", IN_SAMPLE],
    "hierarchical": ["+experiment=hierarchical", IN_SAMPLE],
    "text_brand": ["+experiment=text_brand", "head=mlp"],
    # MWPD: the hybrid whose graph is the GS1 tree alone (no seller / breadcrumb edges), and the text-only MLP
    # reading the same extra fields as the full graph (breadcrumb + host as words): "the graph" vs "more input"
    "hybrid_tree": ["+experiment=hybrid", "graph.relations=[brand]"],
    "text_offer": ["+experiment=text_only", "head=mlp", f"data.catalog.text_fields={OFFER_TEXT}"],
    # the full graph, training rows linked leave-one-out (a host / breadcrumb segment only another training
    # row has): training then sees unlinked rows as val/test do (prodcat.graph.linker.GraphLinker.features)
    "hybrid_loo": ["+experiment=hybrid", "graph.train_links=leave_one_out"],
    # the other graph rows with leave-one-out linking (now the default; label_graph does not read g(x), so its
    # _loo row differs from label_graph only by its own head_lr choice), and label_graph with a free vector per
    # class beside the graph's (siblings' RDF2Vec vectors are near-identical: the sibling table)
    "graph_only_loo": ["+experiment=graph_only"],
    "label_graph_loo": ["+experiment=label_graph"],
    "hierarchical_loo": ["+experiment=hierarchical"],
    "label_graph_residual": ["+experiment=label_graph", "head.class_residual=true"],
}
ONLY_ON = {"text_brand": ("amazon_toys",), "tfidf_baseline_trainval": ("mwpd",), "tfidf_text_brand": ("amazon_toys",),
           "hybrid_tree": ("mwpd",), "text_offer": ("mwpd",), "hybrid_loo": ("mwpd",), "tfidf_offer_text": ("mwpd",),
           "graph_only_loo": ("mwpd",), "label_graph_loo": ("mwpd",), "hierarchical_loo": ("mwpd",)}
TFIDF = {
    "tfidf_baseline": ["+experiment=tfidf_baseline"],
    "tfidf_baseline_trainval": ["+experiment=tfidf_baseline", "data.catalog.train_on=trainval"],
    "tfidf_text_brand": ["+experiment=tfidf_baseline", "data.brand_in_text=true"],
    "tfidf_offer_text": ["+experiment=tfidf_baseline", f"data.catalog.text_fields={OFFER_TEXT}"],
}
# text_only fine-tunes with the hybrid's MLP head (as its frozen row), so the pair differs by g(x) alone
FINETUNED = {"text_only_finetuned": ["+experiment=text_only", "head=mlp", *FINETUNE],
             "hybrid_tree_finetuned": ["+experiment=hybrid", "graph.relations=[brand]", *FINETUNE],
             "hybrid_finetuned": ["+experiment=hybrid", *FINETUNE]}
ORDER = ["tfidf_baseline", "tfidf_baseline_trainval", "tfidf_text_brand", "tfidf_offer_text", "text_only_linear",
         "text_only", "text_brand", "text_offer", "graph_only", "graph_only_loo", "hybrid_tree",
         "hybrid", "hybrid_loo", "label_graph", "label_graph_loo", "label_graph_residual", "hierarchical",
         "hierarchical_loo", "text_only_finetuned", "hybrid_tree_finetuned", "hybrid_finetuned"]


def select_plan(out: Path) -> list[tuple[str, str, str, Path, list[str]]]:
    """(dataset, variant, head_lr, folder, overrides) of the validation-only runs that choose each head's lr."""
    return [(ds, v, lr, out / "select" / ds / v / f"lr{lr}",
             [*ov, f"data={ds}", *FROZEN, f"optim.head_lr={lr}", "test=false", *COMMON, "seed=0"])
            for ds in DATASETS for v, ov in NEURAL.items() if ds in ONLY_ON.get(v, DATASETS) for lr in SELECT_LRS]


def _earlier(name: str) -> list[dict]:
    """The records of this study's committed `name` (results.json, selection.json), written by an earlier
    invocation of this script: carried over for runs whose output folder this checkout does not have
    (outputs/ is not committed), so re-running some rows does not drop the others from the tables."""
    path = HERE / name
    return json.loads(path.read_text()) if path.is_file() else []


def selected_lrs(out: Path) -> dict[tuple[str, str], dict]:
    """(dataset, variant) -> {"head_lr": best by val/f1_weighted, "val": {lr: val/f1_weighted}}: from the
    select runs present, else from the committed selection.json (entries marked `"carried_over": true`)."""
    runs: dict[tuple[str, str], dict] = {}
    for ds, v, lr, folder, _ in select_plan(out):
        runs.setdefault((ds, v), {})[lr] = folder
    chosen = {key: studies.best_on_val(folders) for key, folders in runs.items()}
    chosen = {key: {"val": val, "head_lr": lr} for key, (lr, val) in chosen.items() if val}
    carried = {(e["dataset"], e["variant"]): {"val": e["val"], "head_lr": e["head_lr"], "carried_over": True}
               for e in _earlier("selection.json") if (e["dataset"], e["variant"]) not in chosen}
    return {**carried, **chosen}


def plan(out: Path, seeds: list[int], finetune: bool) -> list[tuple[str, str, int, list[str]]]:
    """(dataset, variant, seed, overrides) of every run, cheapest first. Neural rows need `select` first."""
    runs = []
    chosen = selected_lrs(out)
    for ds in DATASETS:
        for variant, ov in TFIDF.items():
            if ds in ONLY_ON.get(variant, DATASETS):
                runs.append((ds, variant, 0, [*ov, f"data={ds}"]))
        for seed in seeds:
            for variant, ov in NEURAL.items():
                if ds in ONLY_ON.get(variant, DATASETS) and (ds, variant) in chosen:
                    lr = chosen[(ds, variant)]["head_lr"]
                    runs.append((ds, variant, seed, [*ov, f"data={ds}", *FROZEN, f"optim.head_lr={lr}"]))
    if finetune:
        runs += [("mwpd", v, seed, [*ov, "data=mwpd"]) for seed in seeds for v, ov in FINETUNED.items()]
    return [(ds, v, s, [*ov, *COMMON, f"seed={s}"]) for ds, v, s, ov in runs]


def records(out: Path, runs, carry: bool = True) -> list[dict]:
    """One record per run of `runs` whose folder has a metrics.json; a run without one keeps its record of
    the committed results.json, if any, marked `"carried_over": true` (see `_earlier`) when `carry`."""
    recs = []
    earlier = {(r["dataset"], r["variant"], r["seed"]): r for r in _earlier("results.json")} if carry else {}
    for ds, variant, seed, overrides in runs:
        folder = run_folder(out, ds, variant, seed)
        if (m := metrics(folder)) is None:
            if (ds, variant, seed) in earlier:
                recs.append({**earlier[(ds, variant, seed)], "carried_over": True})
            continue
        w, t = studies.wall(folder), m["timings"]
        recs.append({
            "study": STUDY, "dataset": ds, "variant": variant, "seed": seed, "split": "test",
            "metrics": {**studies.test_scores(m), **{k: t[k] for k in ("fit_s", "epochs") if t.get(k) is not None}},
            "seconds": t.get("total_s"),  # the run's own time (data, graph, features, fit, test), no lock wait
            "command": w.get("command", studies.command(overrides)),
            "machine": w.get("machine") or studies.machine(), "date": w.get("date", dt.date.today().isoformat()),
            "freeze": m["choices"].get("freeze", "none (tf-idf)"),
            "graph_link_rates": m["data"].get("graph_link_rates", {}).get("test"),
            "rows": m["data"]["rows"], "classes": m["data"]["classes"],
        })
    return recs


def table(recs: list[dict], ds: str) -> str:
    rows = [r for r in recs if r["dataset"] == ds]
    if not rows:
        return f"(no runs for {ds})\n"
    depth = max(int(k.split("/")[1][3:]) for r in rows for k in r["metrics"] if k.startswith("test/lvl"))
    levels = [f"test/lvl{i}/f1_weighted" for i in range(1, depth + 1)]
    body = []
    for variant in ORDER:
        if not (rs := [r for r in rows if r["variant"] == variant]):
            continue
        col = {k: [r["metrics"].get(k) for r in rs] for k in rs[0]["metrics"]}
        carried = " (earlier run)" if all(r.get("carried_over") for r in rs) else ""
        body.append([variant + carried, rs[0]["freeze"], str(len(rs)), *(mean_sd(col.get(k, [])) for k in levels),
                     f"**{mean_sd(col['test/f1_weighted_mean_levels'])}**", mean_sd(col["test/f1_macro"]),
                     mean_sd(col["test/acc"]), mean_sd(col["test/acc_top5"]), mean_sd(col["fit_s"], 1.0, 1),
                     mean_sd([r["seconds"] for r in rs], 1.0, 0)])
    header = ["variant", "encoder", "seeds", *(f"F1w lvl{i}" for i in range(1, depth + 1)), "**F1w mean levels**",
              "F1 macro (leaf)", "acc (leaf)", "acc top5", "train s", "run s"]
    return studies.markdown_table(header, body)


def report(out: Path, recs: list[dict], chosen: dict, seeds: list[int]) -> None:
    """selection.json, results.json and the README tables."""
    selection = [{"dataset": ds, "variant": v, "split": "val", "metric": "val/f1_weighted", **e}
                 for (ds, v), e in chosen.items()]
    studies.write_records(HERE / "selection.json", selection)
    studies.write_records(HERE / "results.json", recs)
    text = "\n".join([f"### {ds}\n\n{table(recs, ds)}" for ds in DATASETS] +
                     ["### Head learning rate chosen on validation (seed 0)\n\n"
                      + selection_table(chosen, SELECT_LRS)] +
                     ["### Graph linking coverage (test split, hybrid runs)\n\n" + link_rates(recs, DATASETS),
                      "MWPD: rows the graph reaches (all rows of each split; the GS1 names are matched without their "
                      "code prefix)\n\n" + mwpd_coverage(out),
                      "### Where errors move\n\n" + error_moves(out, DATASETS, seeds),
                      "### label_graph: how alike are sibling categories in the graph?\n\n"
                      + sibling_similarity(out, DATASETS)])
    studies.write_generated(HERE / "README.md", text + "\n", "<!-- generated: run.py writes between these markers -->",
                            "<!-- end generated -->")
    print(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--finetune", action="store_true", help="add the fine-tuned MWPD rows")
    ap.add_argument("--only", nargs="+", default=None, help="variants to run (default: all)")
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), help="datasets to run (default: all)")
    ap.add_argument("--force", action="store_true", help="rerun runs whose metrics.json exists")
    ap.add_argument("--keep-selection", action="store_true",
                    help="reuse the head_lr of selection.json; run the validation-only lr runs of new variants only")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--out", type=Path, default=None,
                    help="run into this folder instead, write only <out>/results.json (its runs' records) and "
                         "compare them with the committed results.json: a reproduction check")
    args = ap.parse_args()
    out = (args.out or OUT).resolve()
    # fine-tuned rows already run stay in the tables of later invocations
    finetune = args.finetune or any(metrics(run_folder(out, "mwpd", v, 0)) for v in FINETUNED) or \
        any(r["variant"] in FINETUNED for r in _earlier("results.json"))
    if not args.report_only:
        def wanted(ds: str, variant: str) -> bool:
            return ds in args.datasets and (args.only is None or variant in args.only)

        kept = {(e["dataset"], e["variant"]) for e in _earlier("selection.json")} if args.keep_selection else set()
        # one lock hold per dataset and phase (a few minutes, like one fine-tuning run of the other studies)
        select = [(folder, ov) for ds, v, _, folder, ov in select_plan(out) if wanted(ds, v) and (ds, v) not in kept]
        studies.run_held(select, key=lambda folder: folder.parents[1], force=args.force)
        jobs = [(run_folder(out, ds, v, seed), ov) for ds, v, seed, ov in plan(out, args.seeds, finetune)
                if wanted(ds, v)]  # grouped by dataset
        studies.run_held(jobs, key=lambda folder: folder.parents[1], force=args.force)
    runs = plan(out, args.seeds, finetune)
    if args.out is None:
        report(out, records(out, runs), selected_lrs(out), args.seeds)
    else:
        recs = records(out, runs, carry=False)
        studies.write_records(out / "results.json", recs)
        print(studies.compare_table(recs, _earlier("results.json"), ["test/f1_weighted_mean_levels", "test/acc",
                                                                    "test/f1_macro", "test/f1_weighted"]))
    studies.check_failed()


if __name__ == "__main__":
    main()
