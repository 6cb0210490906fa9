"""RDF2Vec at scale: the pyrdf2vec engine (reference) against the fast engine (prodcat.graph.walks), side by
side in one run, each measurement in a fresh subprocess (peak memory = its own ru_maxrss plus that of its
children, e.g. pyrdf2vec's walker pool), then downstream scores of train.py with each engine's vectors.

    .venv/bin/python experiments/rdf2vec_scale/run.py                      # throughput on all four graphs
    .venv/bin/python experiments/rdf2vec_scale/run.py --graphs google_taxonomy amazon_toys
    .venv/bin/python experiments/rdf2vec_scale/run.py --downstream --seeds 0 1 2 --append   # graph_only
    .venv/bin/python experiments/rdf2vec_scale/run.py --hybrid --append    # +experiment=hybrid, minilm, 2 epochs
    .venv/bin/python experiments/rdf2vec_scale/run.py --report-only        # results.md from results.json

Graphs: `google_taxonomy` (5,595 categories as SKOS), `amazon_toys` (categories + brands from the train
split, what `train.py data=amazon_toys` embeds), `synthetic_100k` / `synthetic_1m`
(`prodcat.graph.synthetic_kg.product_graph`: products -> brand -> category, product -> category, the
category tree). On the synthetic graphs pyrdf2vec walks from a seeded sample of `--sample` entities only
and its totals are extrapolated (records say `extrapolated: true`); its graph loading is measured in full.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path

from measure import GRAPHS, SYNTHETIC, measure

from prodcat import studies

HERE = Path(__file__).resolve().parent
ROOT = studies.ROOT
STUDY = "rdf2vec_scale"
SCORES = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]


def machine() -> str:
    return studies.machine(model=True, memory=True)


def throughput_record(spec: dict, res: dict, command: str) -> dict:
    t = res.get("timings", {})
    rec = {"study": STUDY, "dataset": spec["graph"], "variant": spec["engine"], "seed": 0, "split": None,
           "entities": spec["entities"], "path": spec["path"], "settings": spec_settings(spec)}
    if res.get("timed_out"):
        rec.update(timed_out=True, metrics={}, seconds=round(res["wall_s"], 1), load_avg=res["load_avg"])
    else:
        walked = res["n_walked"]
        scale = res["n_entities"] / walked  # > 1: walks ran on a sample, totals extrapolated linearly
        setup = sum(t.get(k, 0.0) for k in ("hash_s", "write_ttl_s", "kg_load_s"))
        seconds = setup + (t["walks_s"] + t["word2vec_s"]) * scale
        rec.update(
            metrics={"walks_per_s": round(t["n_walks"] / t["walks_s"], 1), "seconds": round(seconds, 2),
                     "peak_mb": round(res["peak_mb"], 1)},
            seconds=round(seconds, 2), extrapolated=scale > 1,
            sample_entities=walked if scale > 1 else None, n_entities=res["n_entities"],
            n_walks=round(t["n_walks"] * scale), n_triples=res["n_triples"],
            timings={k: round(v, 3) if isinstance(v, float) else v for k, v in t.items()},
            graph_build_s=round(res["graph_build_s"], 2), maxrss_mb=round(res["maxrss_mb"], 1),
            tree_pss_peak_mb=round(res["tree_pss_peak_mb"], 1),
            load_avg=res["load_avg"], wall_s=round(res["wall_s"], 1),
        )
        if "rdflib_build_s" in res:
            rec["rdflib_build_s"] = round(res["rdflib_build_s"], 2)
    rec.update(command=command, machine=machine(), date=dt.date.today().isoformat())
    return rec


def spec_settings(spec: dict) -> dict:
    s = {"max_depth": 4, "max_walks": 20, "vector_size": 64, "window": 5, "epochs": 10, "sg": 1, "negative": 5,
         "workers": spec["workers"]}
    if spec["engine"] == "pyrdf2vec":
        s["n_jobs"] = spec["n_jobs"]
    return s


def plan(graphs: list[str], sample: int) -> list[dict]:
    """Per graph, the engines back to back (same machine state): the reference, then the fast engine."""
    specs = []
    for g in graphs:
        big = g in SYNTHETIC
        base = {"graph": g, "workers": 2 if big else 1, "n_jobs": 2}
        ents = {"google_taxonomy": "categories", "amazon_toys": "categories+brands"}.get(g, "all")
        specs.append({**base, "engine": "pyrdf2vec", "entities": ents, "path": "rdflib",
                      "sample": sample if big else None})
        specs.append({**base, "engine": "fast", "entities": ents, "path": "int_triples" if big else "rdflib",
                      "sample": None})
        if big:  # what prodcat embeds (categories and brands), from int triples and through rdflib
            for path in ("int_triples", "rdflib"):
                specs.append({**base, "engine": "fast", "entities": "categories+brands", "path": path,
                              "sample": None})
    return specs


# ---- downstream: train.py with each engine's vectors ------------------------------------------


def fresh_run(run_dir: Path, args: list[str]) -> tuple[dict, float]:
    """`train.py <args>` into `run_dir` from an empty cache (a real graph build, never a cache hit): its
    metrics.json and wall seconds."""
    with tempfile.TemporaryDirectory(prefix="rdf2vec-scale-cache-") as cache:
        if not studies.execute(run_dir, [*args, f"paths.cache_dir={cache}"], force=True):
            raise SystemExit(f"{run_dir}: train.py failed, see its train.log")
    return studies.metrics(run_dir), studies.wall(run_dir)["wall_s"]


def train_record(engine: str, seed: int, experiment: str, extra: list[str]) -> dict:
    args = [f"+experiment={experiment}", "data=amazon_toys", f"graph.settings.engine={engine}", f"seed={seed}",
            "logger=csv", *extra]
    m, seconds = fresh_run(ROOT / "outputs" / STUDY / f"{experiment}_{engine}_seed{seed}", args)
    return {"study": STUDY, "dataset": "amazon_toys", "variant": engine, "seed": seed, "split": "test",
            "experiment": experiment, "metrics": studies.test_scores(m, SCORES, 4),
            "seconds": round(seconds, 1), "graph_seconds": round(m.get("timings", {}).get("graph_s", 0.0), 1),
            "command": studies.command(args), "machine": machine(), "date": dt.date.today().isoformat()}


# ---- tables ------------------------------------------------------------------------------------


def tables(records: list[dict]) -> str:
    records = [r for r in records if "issue" not in r]  # embedding.py's records (issue 23): embedding.md
    lines = ["| graph | entities | triples | engine | path | walks/s | seconds | peak MB | walk speed-up |",
             "|---|---|---|---|---|---|---|---|---|"]
    ref = {r["dataset"]: r["metrics"]["walks_per_s"] for r in records
           if r["variant"] == "pyrdf2vec" and "walks_per_s" in r.get("metrics", {})}
    for r in records:
        if "walks_per_s" not in r.get("metrics", {}) and not r.get("timed_out"):
            continue
        if r.get("timed_out"):
            lines.append(f"| {r['dataset']} | {r['entities']} | | {r['variant']} | {r['path']} | timed out after "
                         f"{r['seconds']:.0f} s | | | |")
            continue
        m = r["metrics"]
        star = "*" if r.get("extrapolated") else ""
        up = f"{m['walks_per_s'] / ref[r['dataset']]:.0f}x" if r["variant"] == "fast" and r["dataset"] in ref else ""
        lines.append(f"| {r['dataset']} | {r['entities']} ({r['n_entities']:,}) | {r['n_triples']:,} | "
                     f"{r['variant']} | {r['path']} | {m['walks_per_s']:,.0f} | {m['seconds']:.1f}{star} | "
                     f"{m['peak_mb']:,.0f} | {up} |")
    down = [r for r in records if "experiment" in r]
    if down:
        lines += ["", "| experiment | engine | seed | " + " | ".join(s.removeprefix("test/") for s in SCORES)
                  + " | run s | graph s |", "|---|---|---|" + "---|" * (len(SCORES) + 2)]
        for r in down:
            vals = " | ".join(f"{100 * r['metrics'][s]:.2f}" if s in r["metrics"] else "" for s in SCORES)
            lines.append(f"| {r['experiment']} | {r['variant']} | {r['seed']} | {vals} | {r['seconds']:.0f} | "
                         f"{r['graph_seconds']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graphs", nargs="+", default=GRAPHS, choices=GRAPHS)
    p.add_argument("--sample", type=int, default=1000, help="entities pyrdf2vec walks from on synthetic graphs")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a measurement is killed")
    p.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-min load average below this")
    p.add_argument("--wait", type=float, default=1800, help="at most this many seconds of waiting for it")
    p.add_argument("--downstream", action="store_true", help="graph_only on amazon_toys with each engine")
    p.add_argument("--hybrid", action="store_true", help="hybrid (minilm_l6, 2 epochs) on amazon_toys, each engine")
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--append", action="store_true", help="keep the records already in results.json")
    p.add_argument("--report-only", action="store_true", help="results.md from results.json, nothing run")
    a = p.parse_args()
    out = HERE / "results.json"
    records = json.loads(out.read_text()) if (a.append or a.report_only) and out.exists() else []

    def save():
        out.write_text(json.dumps(records, indent=1) + "\n")
        (HERE / "results.md").write_text(tables(records) + "\n")

    if a.report_only:
        save()
    elif a.downstream or a.hybrid:
        for seed in a.seeds:
            for engine in ("pyrdf2vec", "fast"):
                if a.downstream:
                    records.append(train_record(engine, seed, "graph_only", []))
                    save()
                if a.hybrid:
                    records.append(train_record(engine, seed, "hybrid", ["backbone=minilm_l6", "trainer.max_epochs=2"]))
                    save()
    else:
        studies.wait_quiet(a.max_load, a.wait, poll_s=30)
        for spec in plan(a.graphs, a.sample):
            print(f"== {spec}", flush=True)
            command = f"python experiments/{STUDY}/run.py --graphs {spec['graph']} --sample {a.sample}"
            records.append(throughput_record(spec, measure(spec, a.timeout), command))
            print(json.dumps(records[-1]["metrics"]), records[-1].get("timings"), flush=True)
            save()
    print(tables(records))


if __name__ == "__main__":
    main()
