"""Does the hybrid's graph view carry the brand when the title does not? (issue 22: a quality floor that sees
the graph). Small models on the synthetic catalog, the settings of tests/test_quality.py with a larger test
split; each run scored on its full test split and on the brand-removed slice (`prodcat.eval.brand_slice`),
the hybrid also with g(x) zeroed.

    .venv/bin/python experiments/brand_slice/run.py --seeds 0 1 2      # ~15 min on 2 cores
    .venv/bin/python experiments/brand_slice/run.py --report-only

Writes results.json (DESIGN.md records) and the table in README.md; run folders in outputs/brand_slice/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from prodcat import studies
from prodcat.studies import ROOT, execute, markdown_table, mean_sd, record, run_folder, write_generated, write_records

HERE = Path(__file__).resolve().parent
OUT = ROOT / "outputs" / "brand_slice"
STUDY = "brand_slice"
# tests/test_quality.py's SMALL settings, test split 1,000 rows (the slice is the rows that spell their brand)
SMALL = ["backbone=tiny", "logger=csv", "data.catalog.n_train=2000", "data.catalog.n_val=300",
         "data.catalog.n_test=1000", "trainer.max_epochs=6", "callbacks.early_stopping=null",
         "callbacks.progress_bar=null"]
VARIANTS = ("text_only", "graph_only", "text_graph", "hybrid")  # text_graph: text and graph experts, no lexical


def overrides(variant: str, seed: int) -> list[str]:
    experts = ["head=experts"] if variant == "text_graph" else []  # as in experiments/strong_hybrid
    return [f"+experiment={variant}", *experts, *SMALL, f"seed={seed}", f"paths.cache_dir={OUT / 'cache'}"]


def slice_scores(folder: Path, variant: str) -> dict:
    """Accuracy on the brand-removed slice of the run's own test split (and, for the hybrid, with g(x) zeroed)."""
    from prodcat.eval.brand_slice import accuracy, without_brand
    from prodcat.serve import Predictor

    items, leaves = without_brand(studies.run_catalog(folder).test)
    predictor = Predictor.from_checkpoint(json.loads((folder / "metrics.json").read_text())["best_checkpoint"])
    scores = {"slice/rows": len(items), "slice/acc": accuracy(predictor, items, leaves)}
    if variant != "text_only":
        scores["slice/acc_graph_zeroed"] = accuracy(predictor, items, leaves, zero_graph=True)
    return scores


def collect(seeds: list[int], run: bool) -> list[dict]:
    records = []
    for seed in seeds:
        for variant in VARIANTS:
            folder = run_folder(OUT, "synthetic", variant, seed)
            if run and not execute(folder, overrides(variant, seed)):
                raise SystemExit(f"{folder}: the run failed, see its train.log")
            rec = record(STUDY, "synthetic", variant, seed, folder)
            if rec is not None:
                rec["metrics"].update(slice_scores(folder, variant))
                records.append(rec)
    return records


def table(records: list[dict]) -> str:
    rows = []
    for variant in VARIANTS:
        recs = [r["metrics"] for r in records if r["variant"] == variant]
        if recs:
            rows.append([variant, str(len(recs)), *(mean_sd([m.get(k) for m in recs])
                                                    for k in ("test/acc", "slice/acc", "slice/acc_graph_zeroed"))])
    return markdown_table(["variant", "seeds", "test acc (full split)", "acc, brand removed",
                           "acc, brand removed, g(x) zeroed"], rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    if args.report_only:
        records = json.loads((HERE / "results.json").read_text())
    else:
        records = collect(args.seeds, run=True)
        write_records(HERE / "results.json", records)
    write_generated(HERE / "README.md", table(records))
    print(table(records))


if __name__ == "__main__":
    main()
