"""The embedded-catalog study: text_only, graph_only, hybrid and the TF-IDF baseline, each run by
`train.py` as a user would, then one results.json record per run and markdown tables (scores, and test
accuracy per planted hard case), both written from the runs' metrics.json. Every run trains again (its
wall time is what this study measures, e.g. from an empty cache with `--extra paths.cache_dir=...`).

    .venv/bin/python experiments/embedded_default/run.py                 # all three variants, seed 0
    .venv/bin/python experiments/embedded_default/run.py --seeds 0 1 2 --variants graph_only
    .venv/bin/python experiments/embedded_default/run.py --report-only   # results.md from results.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from prodcat import studies

HERE = Path(__file__).resolve().parent
METRICS = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/lvl1/f1_weighted",
           "test/lvl2/f1_weighted", "test/f1_weighted_mean_levels"]


def run(variant: str, seed: int, extra: list[str]) -> dict:
    run_dir = studies.ROOT / "outputs" / "embedded_default" / f"{variant}_seed{seed}"
    args = [f"+experiment={variant}", f"seed={seed}", *extra]
    if not studies.execute(run_dir, args, force=True):
        raise SystemExit(f"{run_dir}: train.py failed, see its train.log")
    m = studies.metrics(run_dir)
    return {
        "study": "embedded_default", "dataset": "synthetic", "variant": variant, "seed": seed, "split": "test",
        "metrics": studies.test_scores(m, METRICS, 4),
        "seconds": round(studies.wall(run_dir)["wall_s"], 1), "fit_seconds": round(m["timings"]["fit_s"], 1),
        "epochs": m["timings"].get("epochs"), "params": m["params"],
        "graph_link_rates": m["data"]["graph_link_rates"],
        "slices": {name: {"n": v["n"], "acc": round(v["acc"], 4)} for name, v in m["slices"]["test"].items()},
        "command": studies.command(args), "machine": studies.machine(), "date": dt.date.today().isoformat(),
    }


def table(records: list[dict]) -> str:
    cols = ["test/acc", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]
    lines = ["| variant | seed | " + " | ".join(c.removeprefix("test/") for c in cols) + " | wall time (s) | epochs |",
             "|---|---|" + "---|" * (len(cols) + 2)]
    for r in records:
        vals = " | ".join(f"{100 * r['metrics'][c]:.2f}" for c in cols)
        lines.append(f"| {r['variant']} | {r['seed']} | {vals} | {r['seconds']:.0f} | {r['epochs'] or '-'} |")
    # Test accuracy on each planted hard case (rows can carry several cases).
    names = list(records[0]["slices"])
    lines += ["", "| variant | seed | " + " | ".join(f"{n} (n={records[0]['slices'][n]['n']})" for n in names) + " |",
              "|---|---|" + "---|" * len(names)]
    for r in records:
        vals = " | ".join(f"{100 * r['slices'][n]['acc']:.1f}" for n in names)
        lines.append(f"| {r['variant']} | {r['seed']} | {vals} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", default=["tfidf_baseline", "text_only", "graph_only", "hybrid"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--extra", nargs="*", default=[], help="more Hydra overrides for every run")
    parser.add_argument("--append", action="store_true", help="keep the records already in results.json")
    parser.add_argument("--report-only", action="store_true", help="results.md from results.json, nothing run")
    a = parser.parse_args()
    out = HERE / "results.json"
    records = json.loads(out.read_text()) if (a.append or a.report_only) and out.exists() else []
    for seed in [] if a.report_only else a.seeds:
        for variant in a.variants:
            records.append(run(variant, seed, a.extra))
            studies.write_records(out, records, indent=2)  # keep what finished if a later run fails
    (HERE / "results.md").write_text(table(records) + "\n")
    print(table(records))


if __name__ == "__main__":
    main()
