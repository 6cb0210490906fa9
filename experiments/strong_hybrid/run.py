"""Issue 18's study: a hybrid (text encoder + lexical view + graph) against TF-IDF and text alone.

Every neural row fine-tunes the packaged MiniLM-L6 with the defaults (freeze=full, 4 epochs, batch 32 of
length-grouped rows, encoder lr 1.5e-4, head lr 2e-3, warmup 6 % then linear decay, clipping 1.0, max_length
auto) unless its overrides say otherwise (EARLIER: the first runs' recipe), selects the best epoch on
validation and scores test once. Runs go to outputs/strong_hybrid/<dataset>/<variant>/seed<k>/.

    .venv/bin/python experiments/strong_hybrid/run.py --datasets mwpd --seeds 0 1 2        # run what is missing
    .venv/bin/python experiments/strong_hybrid/run.py --report-only                        # tables, results.json

`late_fusion` trains nothing: text_only's softmax (from its checkpoint, through the Predictor) and the
TF-IDF model's softmax(T d) are mixed as w p_text + (1 - w) p_tfidf, with w and T chosen on validation.
Extra metrics of every record: `test/acc_rare` (leaf accuracy on classes with fewer than 10 training rows)
and `test/acc_ambiguous` (on the test rows where text_only of the same seed has top-1 confidence < 0.5).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from evidence import member_logits, metrics_of, run_labels, softmax, text_probabilities, tfidf_scores

from prodcat.studies import (
    ROOT,
    execute,
    markdown_table,
    mean_sd,
    metrics,
    record,
    run_folder,
    write_generated,
    write_records,
)

HERE = Path(__file__).resolve().parent
OUT = ROOT / "outputs" / "strong_hybrid"
STUDY = "strong_hybrid"
DATASETS = ("mwpd", "amazon_toys")
# The text recipe of the first runs (encoder lr 8e-5, batches of random rows): rows measured before the current
# defaults carry it, so each command here reproduces its row; the factor table steps from it to the defaults.
EARLIER = ["backbone.lr=8e-5", "group_by_length=false"]
VARIANTS = {
    "tfidf_baseline": ["+experiment=tfidf_baseline"],
    "text_only": ["+experiment=text_only"],
    "text_lexical": ["+experiment=text_lexical"],
    "text_graph": ["+experiment=text_graph", "head=experts"],  # the hybrid without its lexical view
    "lexical_graph": ["+experiment=lexical_graph"],
    "hybrid": ["+experiment=hybrid"],  # text and graph experts + the lexical view, mixed with weights fit on val
    # item 1's factors, one at a time from the earlier recipe (see FACTORS)
    "text_only_lr8e-5": ["+experiment=text_only", *EARLIER],
    "text_only_lr8e-5_grouped": ["+experiment=text_only", "backbone.lr=8e-5"],
    "text_only_lr8e-5_mean_pooling": ["+experiment=text_only", "backbone.pooling=mean", *EARLIER],
    "text_only_lr3e-4": ["+experiment=text_only", "backbone.lr=3e-4"],
    "text_only_2_epochs": ["+experiment=text_only", "trainer.max_epochs=2"],
    "text_only_mlp_head": ["+experiment=text_only", "head=mlp"],
    # probes of a longer training (on Amazon toys the text's validation F1 still rises in its last epoch)
    "text_only_6_epochs": ["+experiment=text_only", "trainer.max_epochs=6"],
    "text_only_batch16": ["+experiment=text_only", "batch_size=16"],
    "text_only_label_smoothing": ["+experiment=text_only", "optim.label_smoothing=0.1"],
    "hybrid_lr8e-5": ["+experiment=hybrid", *EARLIER],
    "hybrid_6_epochs": ["+experiment=hybrid", "trainer.max_epochs=6"],
    # the epochs a minimum of 1,500 optimizer steps would give Amazon toys (a rule tried, not adopted)
    "hybrid_7_epochs": ["+experiment=hybrid", "trainer.max_epochs=7"],
    # layer-wise lr decay: each encoder layer 0.9 times the lr of the one above (the top keeps 1.5e-4)
    "hybrid_llrd0.9": ["+experiment=hybrid", "optim.layer_decay=0.9"],
    # the graph expert on RDF2Vec trained twice as long (graph_only on Amazon toys, validation: +1.5 points,
    # experiments/rdf2vec_scale "fast_e20")
    "hybrid_graph_e20": ["+experiment=hybrid", "graph.settings.epochs=20"],
    # the graph expert on graph=rdf2vec_fast: skip-gram on the walks' pair counts (issue 23's gate,
    # experiments/rdf2vec_scale)
    "hybrid_graph_fast": ["+experiment=hybrid", "graph=rdf2vec_fast"],
    # the two changes that each lifted the Amazon toys hybrid by a little (+0.33, +0.25), together
    "hybrid_graph_fast_6_epochs": ["+experiment=hybrid", "graph=rdf2vec_fast", "trainer.max_epochs=6"],
    # what did not work (earlier recipe): one MLP over [h ; g]; the lexical term added to the logits with a
    # learned scale, with CE of the head alone beside the fused CE (joint), or the fused CE alone (residual)
    "text_graph_concat": ["+experiment=text_graph", *EARLIER],
    "hybrid_joint": ["+experiment=hybrid", "head=concat", "lexical.fusion=joint", *EARLIER],
    "hybrid_residual": ["+experiment=hybrid", "head=concat", "lexical.fusion=joint", "lexical.head_loss_weight=0",
                        *EARLIER],
}
# item 1: (step, variant) from the earlier recipe to today's text_only, each one change
FACTORS = [("earlier recipe: encoder lr 8e-5, batches of random rows", "text_only_lr8e-5"),
           ("+ length-grouped batches (group_by_length)", "text_only_lr8e-5_grouped"),
           ("+ encoder lr 1.5e-4: today's defaults", "text_only"),
           ("encoder lr 3e-4 instead", "text_only_lr3e-4"),
           ("2 epochs instead of 4 (the schedule decays to 0 in 2)", "text_only_2_epochs"),
           ("the MLP head instead of the linear one", "text_only_mlp_head"),
           ("earlier recipe with mean pooling instead of [CLS]", "text_only_lr8e-5_mean_pooling")]
# Amazon toys: probes of a longer or smoother text training, each one change from today's text_only
PROBES = [("today's defaults: 4 epochs, batches of 32", "text_only"),
          ("batches of 16 (twice the updates, same tokens)", "text_only_batch16"),
          ("6 epochs", "text_only_6_epochs"),
          ("label smoothing 0.1", "text_only_label_smoothing")]
# Amazon toys: every variant reads "title | brand" as text (the probe, and TF-IDF's best input there);
# the hybrid's graph links the same brand field to the categories it sells in.
DATA = {"mwpd": [], "amazon_toys": ["data.catalog.text_fields=[product_name,manufacturer]"]}
DETERMINISTIC = {"tfidf_baseline"}  # one run stands for every seed
# the hybrid's trained members, the mixture refit on validation without one view (0 text, 1 graph, 2 lexical)
REMIXES = {"hybrid_without_graph": [0, 2], "hybrid_without_lexical": [0, 1]}
ORDER = [*VARIANTS, "late_fusion", *REMIXES]
RARE = 10  # "few training rows": fewer than this many


def overrides(dataset: str, variant: str, seed: int) -> list[str]:
    return [*VARIANTS[variant], f"data={dataset}", *DATA[dataset], f"seed={seed}", "logger=none"]


def seeds_of(variant: str, seeds: list[int]) -> list[int]:
    return [0] if variant in DETERMINISTIC else seeds


def remixed(dataset: str, seed: int, keep: list[int], labels, y: dict) -> tuple[dict, np.ndarray] | None:
    """The hybrid's own trained members with the mixture refit on validation over `keep` only (0 text, 1 graph,
    2 lexical): what the fusion gets from each view, the experts' training unchanged."""
    import torch

    from prodcat.models.mixture import Mixture

    folder = run_folder(OUT, dataset, "hybrid", seed)
    if not (folder / "metrics.json").is_file():
        return None
    z = member_logits(folder)
    mixture = Mixture(len(keep))
    mixture.fit([torch.from_numpy(z["val"][k]) for k in keep], torch.from_numpy(y["val"]))
    with torch.no_grad():
        probs = mixture([torch.from_numpy(z["test"][k]) for k in keep]).exp().numpy()
    scores = {f"test/{k}": v for k, v in metrics_of(probs, y["test"], labels.level_ids).items()
              if k in ("acc", "f1_weighted", "f1_macro", "f1_weighted_mean_levels")}
    return {**scores, "weights": mixture.weights.tolist(), "sharpness": float(mixture.sharpness)}, probs.argmax(1)


LATE_FUSION_GRID = [(w, t) for w in np.linspace(0, 1, 21) for t in (1, 2, 5, 10, 20, 50)]


def fit_late_fusion(p: dict, d: dict, y: dict, level_ids) -> tuple[float, float, float, np.ndarray]:
    """w p + (1 - w) softmax(T d) with (w, T) chosen on validation leaf weighted F1 (ties: the first on the grid);
    `p`, `d`: {split: (N, C)} probabilities and scores. Returns (w, T, its validation F1, test probabilities)."""
    def fused(split, w, t):
        return w * p[split] + (1 - w) * softmax(t * d[split])

    val = {g: metrics_of(fused("val", *g), y["val"], level_ids)["f1_weighted"] for g in LATE_FUSION_GRID}
    w, t = max(val, key=val.get)
    return w, t, val[(w, t)], fused("test", w, t)


def late_fusion(dataset: str, seed: int, labels, y: dict) -> tuple[dict, np.ndarray] | None:
    """w p_text + (1 - w) softmax(T d_tfidf), (w, T) by validation weighted F1 (leaf); test scored once."""
    text, tfidf = run_folder(OUT, dataset, "text_only", seed), run_folder(OUT, dataset, "tfidf_baseline", 0)
    if not ((text / "metrics.json").is_file() and (tfidf / "metrics.json").is_file()):
        return None
    w, t, _, probs = fit_late_fusion(text_probabilities(text), tfidf_scores(tfidf), y, labels.level_ids)
    scores = {f"test/{k}": v for k, v in metrics_of(probs, y["test"], labels.level_ids).items()
              if k in ("acc", "acc_top5", "f1_weighted", "f1_macro", "f1_weighted_mean_levels")
              or k.endswith("/f1_weighted")}
    return {**scores, "weight_text": float(w), "temperature": float(t)}, probs.argmax(1)


# -- records and tables -----------------------------------------------------------------------------
def slices(pred: np.ndarray, target: np.ndarray, rare: np.ndarray, ambiguous: np.ndarray | None) -> dict:
    """Leaf accuracy on the rare-class rows and (when text_only of the seed has run) the ambiguous rows."""
    ok = pred == target
    out = {"test/acc_rare": float(ok[rare].mean()), "test/rows_rare": int(rare.sum())}
    if ambiguous is not None:
        out.update({"test/acc_ambiguous": float(ok[ambiguous].mean()), "test/rows_ambiguous": int(ambiguous.sum())})
    return out


def collect(datasets: list[str], seeds: list[int]) -> list[dict]:
    recs = []
    for ds in datasets:
        first = next((run_folder(OUT, ds, v, s) for v in VARIANTS for s in seeds_of(v, seeds)
                      if (run_folder(OUT, ds, v, s) / "metrics.json").is_file()), None)
        if first is None:
            continue
        _, labels, y = run_labels(first)
        rare = np.bincount(y["train"], minlength=len(labels))[y["test"]] < RARE  # (N_test,)
        for seed in seeds:
            text = run_folder(OUT, ds, "text_only", seed)
            ambiguous = (text_probabilities(text)["test"].max(1) < 0.5) if (text / "metrics.json").is_file() else None

            for variant in VARIANTS:
                if seed not in seeds_of(variant, seeds):
                    continue
                folder = run_folder(OUT, ds, variant, seed)
                pred_file = folder / "test_predictions.npz"
                if variant == "tfidf_baseline" and (folder / "metrics.json").is_file():
                    pred = tfidf_scores(folder)["test"].argmax(1)
                elif pred_file.is_file():
                    pred = np.load(pred_file)["pred"]
                else:
                    continue
                if (m := metrics(folder)) is None:  # predictions of a run that did not finish
                    continue
                extra = {**slices(pred, y["test"], rare, ambiguous),
                         "val/f1_weighted": m["val"].get("val/f1_weighted")}  # for the factor table
                recs.append(record(STUDY, ds, variant, seed, folder, extra))
            derived = {"late_fusion": (late_fusion(ds, seed, labels, y), "text_only seed k + tfidf_baseline"),
                       **{name: (remixed(ds, seed, keep, labels, y), f"hybrid seed k, members {keep} remixed")
                          for name, keep in REMIXES.items()}}
            for variant, (fusion, source) in derived.items():
                if fusion is not None:
                    scores, pred = fusion
                    recs.append({"study": STUDY, "dataset": ds, "variant": variant, "seed": seed, "split": "test",
                                 "metrics": {**scores, **slices(pred, y["test"], rare, ambiguous)}, "seconds": None,
                                 "command": f"experiments/strong_hybrid/run.py ({source})"})
    return recs


def kept_records(recs: list[dict]) -> list[dict]:
    """`recs` plus the committed records of runs whose folders are not on this disk (outputs/ is not committed:
    a fresh clone or a new machine keeps every earlier row, each with its own commit, date and machine)."""
    path = HERE / "results.json"
    here = {(r["dataset"], r["variant"], r["seed"]) for r in recs}
    old = json.loads(path.read_text()) if path.is_file() else []
    kept = [r for r in old if (r["dataset"], r["variant"], r["seed"]) not in here]
    order = {v: i for i, v in enumerate(ORDER)}
    return sorted(recs + kept, key=lambda r: (DATASETS.index(r["dataset"]), order.get(r["variant"], len(order)),
                                                r["seed"]))


def table(recs: list[dict], ds: str) -> str:
    rows = []
    for variant in ORDER:
        rs = [r for r in recs if r["dataset"] == ds and r["variant"] == variant]
        if not rs:
            continue

        cells = [mean_sd([r["metrics"].get(k) for r in rs]) for k in
                 ("test/f1_weighted_mean_levels", "test/acc", "test/f1_macro", "test/acc_rare", "test/acc_ambiguous")]
        cells[0] = f"**{cells[0]}**"
        rows.append([variant, str(len(rs)), *cells, mean_sd([r["seconds"] for r in rs], 1.0, 0)])
    header = ["variant", "seeds", "F1w mean levels", "acc (leaf)", "F1 macro (leaf)", "acc, classes < 10 rows",
              "acc, ambiguous rows", "wall s"]
    return markdown_table(header, rows)


def factor_table(recs: list[dict], ds: str, steps: list[tuple[str, str]]) -> str:
    """Each (step, variant) on test and validation, seed 0 (every step has it) and the mean over seeds."""
    rows = []
    for step, variant in steps:
        rs = [r for r in recs if r["dataset"] == ds and r["variant"] == variant]
        seed0 = [r for r in rs if r["seed"] == 0]
        if not seed0:
            continue
        val = seed0[0]["metrics"].get("val/f1_weighted")
        rows.append([step, f"`{variant}`", mean_sd([seed0[0]["metrics"]["test/f1_weighted_mean_levels"]]),
                     mean_sd([val]), str(len(rs)), mean_sd([r["metrics"]["test/f1_weighted_mean_levels"] for r in rs]),
                     mean_sd([r["seconds"] for r in seed0], 1.0, 0)])
    header = ["step", "variant", "test F1w mean levels, seed 0", "val F1w (leaf), seed 0", "seeds", "test, mean",
              "wall s, seed 0"]
    return markdown_table(header, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    if not args.report_only:
        for ds in args.datasets:
            for seed in args.seeds:
                for variant in args.only:
                    if seed in seeds_of(variant, args.seeds):
                        execute(run_folder(OUT, ds, variant, seed), overrides(ds, variant, seed))
    recs = kept_records(collect(list(DATASETS), args.seeds))
    write_records(HERE / "results.json", recs)
    text = "".join(f"\n**{ds}** (test, mean ± sd over seeds)\n\n{table(recs, ds)}" for ds in DATASETS
                   if any(r["dataset"] == ds for r in recs))
    text += f"\n**Item 1, the text recipe's factors** (MWPD)\n\n{factor_table(recs, 'mwpd', FACTORS)}"
    text += f"\n**Probes of the text training** (Amazon toys)\n\n{factor_table(recs, 'amazon_toys', PROBES)}"
    write_generated(HERE / "README.md", text)
    print(text)


if __name__ == "__main__":
    main()
