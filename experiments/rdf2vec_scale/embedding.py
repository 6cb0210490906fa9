"""Issue 23: RDF2Vec's embedding step at scale. Named variants of the fast engine (walks per entity, epochs)
side by side with the fast engine at the reference settings (20 walks, 10 epochs), in the same run, each
measurement a fresh subprocess of measure.py (wall seconds, CPU seconds, peak RSS, and the intrinsic
check `prodcat.graph.intrinsic.sibling_at_k` on the category tree); the downstream gate (train.py
graph_only per variant and seed); the scaling curve and its plot. Records are appended to results.json
with `"issue": 23`; tables go to embedding.md.

    .venv/bin/python experiments/rdf2vec_scale/embedding.py throughput --graphs synthetic_1m \
        --variants fast_engine_baseline fast --measure-epochs 1
    .venv/bin/python experiments/rdf2vec_scale/embedding.py downstream --data amazon_toys --seeds 0 1 2
    .venv/bin/python experiments/rdf2vec_scale/embedding.py plot

`--measure-epochs 1`: each variant trains 1 epoch and its training seconds are scaled to all its epochs
(gensim's cost is linear in epochs; the record says `extrapolated_epochs`, and has no intrinsic score). At
1M triples the full runs take longer than a measurement may pause the shared machine's other jobs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

import run  # this folder's harness: machine, fresh_run, SCORES
from filelock import FileLock
from measure import GRAPHS, SCALING, measure
from omegaconf import OmegaConf

from prodcat import studies

HERE, ROOT, STUDY = run.HERE, run.ROOT, run.STUDY
BASELINE = "fast_engine_baseline"  # the fast engine as it was: the reference's 20 walks x 10 epochs
REFERENCE_EPOCHS = 10


def variants() -> dict[str, dict]:
    """Variant name -> settings over rdf2vec.yaml's. `fast` is read from conf/graph/rdf2vec_fast.yaml, so the
    study measures what `graph=rdf2vec_fast` trains (since 2026-12-08 skip-gram on pair counts; before, gensim at
    5 walks x 5 epochs, now `fast_w5e5`); the others map the trade-off around it."""
    fast = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "graph" / "rdf2vec_fast.yaml").settings)
    w5e5 = {"engine": "fast", "max_walks": 5, "epochs": 5}
    return {BASELINE: {"engine": "fast"}, "fast": fast, "fast_w5e5": w5e5,
            "fast_w10e3": {"engine": "fast", "max_walks": 10, "epochs": 3},
            "fast_w8e4": {"engine": "fast", "max_walks": 8, "epochs": 4},
            "fast_w4e3": {"engine": "fast", "max_walks": 4, "epochs": 3},
            # which of the two cuts costs the downstream gate: walks or epochs
            "fast_w5e10": {"engine": "fast", "max_walks": 5, "epochs": 10},
            "fast_w20e5": {"engine": "fast", "max_walks": 20, "epochs": 5},
            # cheaper Word2Vec updates instead of fewer: CBOW (one update per window, not one per pair) and
            # 2 negative samples instead of 5
            "fast_neg2": {**w5e5, "negative": 2},
            "fast_cbow": {**w5e5, "sg": 0},
            "fast_cbow_neg2": {**w5e5, "sg": 0, "negative": 2},
            "cbow_reference": {"engine": "fast", "sg": 0},
            # sources (nodes nothing points to) inferred against a backbone trained alone
            # (prodcat.graph.sources), at the reference's 20 x 10 and at 20 x 5
            "inferred": {"engine": "fast", "sources": "inferred"},
            "inferred_e5": {"engine": "fast", "sources": "inferred", "epochs": 5},
            # more training than the reference: does the graph head keep gaining?
            "fast_e20": {"engine": "fast", "epochs": 20},
            "fast_w40": {"engine": "fast", "max_walks": 40}}


def throughput(a) -> list[dict]:
    out = []
    for graph in a.graphs:
        ents = {"google_taxonomy": "categories", "amazon_toys": "categories+brands"}.get(graph, a.entities)
        for name in a.variants:
            settings = variants()[name]
            spec = {"graph": graph, "engine": "fast", "workers": a.workers, "n_jobs": 1, "entities": ents,
                    "path": "int_triples" if graph in SCALING else "rdflib", "sample": None,
                    "settings": {k: v for k, v in settings.items() if k != "engine"}, "intrinsic": not a.no_intrinsic}
            if a.measure_epochs:
                # 1 of 10 epochs times 10 is a fair time, not fair vectors: no intrinsic score for those
                spec.update(measure_epochs=a.measure_epochs, intrinsic=False)
            print(f"== {name}: {spec}", flush=True)
            res = measure(spec, a.timeout)
            rec = record(name, spec, res, " ".join(["python", *sys.argv]))
            if a.untimed:  # run beside other jobs for its vectors only: its seconds claim nothing
                rec.update(untimed=True, metrics={k: v for k, v in rec["metrics"].items()
                                                  if k in ("sibling_at_5", "sells_in_at_5")})
            out.append(rec)
            print(json.dumps(out[-1]["metrics"]), out[-1].get("timings"), flush=True)
            a.save(out[-1])  # at once: a later measurement that fails loses no earlier one
    return out


def record(name: str, spec: dict, res: dict, command: str) -> dict:
    rec = {"study": STUDY, "issue": 23, "dataset": spec["graph"], "variant": name, "seed": 0, "split": None,
           "entities": spec["entities"], "path": spec["path"],
           "settings": {"engine": "fast", "max_depth": 4, "max_walks": 20, "vector_size": 64, "window": 5,
                        "epochs": REFERENCE_EPOCHS, "sg": 1, "negative": 5, **spec["settings"],
                        "workers": spec["workers"]}}
    if res.get("timed_out"):
        rec.update(timed_out=True, metrics={}, seconds=round(res["wall_s"], 1))
    else:
        t = res["timings"]
        scale = 1.0
        if spec.get("measure_epochs"):  # only the training itself repeats per epoch
            scale = rec["settings"]["epochs"] / spec["measure_epochs"]
        extra = scale - 1  # epochs not run, in units of the epochs that were
        w2v = t["word2vec_s"] + t["train_s"] * extra
        # sources: inferred adds its own walks and the inference (prodcat.graph.sources), not scaled by epochs
        inferred = t.get("source_walks_s", 0.0) + t.get("sources_s", 0.0)
        seconds = t["kg_load_s"] + t.get("hash_s", 0.0) + t["walks_s"] + w2v + inferred
        train_cpu = t["train_cpu_s"] * scale
        if "distinct_pairs" in t:  # trainer counts: an epoch visits each distinct pair once
            rate = {"pair_updates_per_cpu_s": round(t["distinct_pairs"] * rec["settings"]["epochs"] / train_cpu, 1)}
        else:  # per-core rates (DISTRIBUTED.md): raw corpus tokens per CPU second of gensim's training
            rate = {"word2vec_words_per_cpu_s": round(t["corpus_tokens"] * rec["settings"]["epochs"] / train_cpu, 1)}
        metrics = {"seconds": round(seconds, 2), "walks_s": round(t["walks_s"], 2), "word2vec_s": round(w2v, 2),
                   "peak_mb": round(res["peak_mb"], 1), "walks_per_s": round(t["n_walks"] / t["walks_s"], 1),
                   "cpu_s": round(res["cpu_s"] + t["train_cpu_s"] * extra, 1), **rate,
                   "walks_per_cpu_s": round(t["n_walks"] / t["walks_cpu_s"], 1)}
        if "intrinsic" in res:
            metrics["sibling_at_5"] = round(res["intrinsic"]["sibling_at_5"], 4)
            if "brand_sells_in_at_5" in res["intrinsic"]:
                metrics["sells_in_at_5"] = round(res["intrinsic"]["brand_sells_in_at_5"], 4)
            if "product_sells_in_at_5" in res["intrinsic"]:
                metrics["product_category_at_5"] = round(res["intrinsic"]["product_sells_in_at_5"], 4)
            rec["intrinsic"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in res["intrinsic"].items()}
        rec.update(metrics=metrics, seconds=metrics["seconds"], n_entities=res["n_entities"],
                   n_walks=t["n_walks"], n_triples=res["n_triples"],
                   timings={k: round(v, 3) if isinstance(v, float) else v for k, v in t.items()},
                   maxrss_mb=round(res["maxrss_mb"], 1), tree_pss_peak_mb=round(res["tree_pss_peak_mb"], 1),
                   wall_s=round(res["wall_s"], 1), measured_cpu_s=round(res["cpu_s"], 1))
        if inferred:
            metrics["sources_s"] = round(inferred, 2)
        if scale != 1:
            rec["extrapolated_epochs"] = {"measured": spec["measure_epochs"], "of": rec["settings"]["epochs"]}
    rec.update(load_avg=res["load_avg"], command=command, commit=studies.git_commit(), machine=run.machine(),
               date=dt.date.today().isoformat())
    return rec


UNIT = "_unit"  # downstream only: the variant's vectors scaled to length 1 (graph.unit_vectors=true)


def overrides(name: str) -> list[str]:
    """train.py overrides that select a variant's vectors."""
    base = name.removesuffix(UNIT)
    if base == "fast":  # its own graph config: the study measures what a user selects
        out = ["graph=rdf2vec_fast"]
    else:
        out = [f"graph.settings.{k}={v}" for k, v in variants()[base].items()]
    return out + (["graph.unit_vectors=true"] if name.endswith(UNIT) else [])


def downstream(a) -> list[dict]:
    """train.py graph_only per seed and variant, back to back; each from a fresh cache (a real build)."""
    out = []
    for seed in a.seeds:
        for name in a.variants:
            run_dir = ROOT / "outputs" / STUDY / "issue23" / f"{a.data}_graph_only_{name}_seed{seed}"
            args = ["+experiment=graph_only", f"data={a.data}", *overrides(name), f"seed={seed}", "logger=none"]
            load = [round(x, 2) for x in os.getloadavg()]
            m, seconds = run.fresh_run(run_dir, args)
            out.append({"study": STUDY, "issue": 23, "dataset": a.data, "variant": name, "seed": seed,
                        "split": "test", "experiment": "graph_only", "metrics": studies.test_scores(m, run.SCORES, 4),
                        "seconds": round(seconds, 1),
                        "graph_seconds": round(m.get("timings", {}).get("graph_s", 0.0), 1),
                        "load_avg": load, "command": studies.command(args), "commit": studies.git_commit(),
                        "machine": run.machine(), "date": dt.date.today().isoformat()})
            print(json.dumps(out[-1]["metrics"]), flush=True)
            a.save(out[-1])
    return out


def tables(records: list[dict]) -> str:
    recs = [r for r in records if r.get("issue") == 23]
    lines = ["| graph | entities | variant | walks x epochs | Word2Vec | workers | seconds | walks s | Word2Vec s | "
             "CPU s | peak MB | sibling@5 (ceiling) | sells-in@5 (ceiling) | products category@5 | load | date |",
             "|---" * 16 + "|"]
    for r in recs:
        if "experiment" in r or r.get("timed_out"):
            continue
        m, s = r["metrics"], r["settings"]
        model = f"{'skip-gram' if s['sg'] else 'CBOW'}, neg {s['negative']}" + (
            ", sources inferred" if s.get("sources") == "inferred" else "") + (
            ", on pair counts" if s.get("trainer") == "counts" else "")
        star = "*" if r.get("extrapolated_epochs") else ""
        sib = f"{m['sibling_at_5']:.3f} ({r['intrinsic']['ceiling']:.3f})" if "sibling_at_5" in m else ""
        sells = f"{m['sells_in_at_5']:.3f} ({r['intrinsic']['brand_ceiling']:.3f})" if "sells_in_at_5" in m else ""
        if r.get("untimed"):
            timed = ["untimed", "", "", "", ""]
        else:
            timed = [f"{m['seconds']:.1f}{star}", f"{m['walks_s']:.1f}", f"{m['word2vec_s']:.1f}{star}",
                     f"{m['cpu_s']:.0f}{star}", f"{m['peak_mb']:,.0f}"]
        products = f"{m['product_category_at_5']:.3f}" if "product_category_at_5" in m else ""
        cells = [r["dataset"], f"{r['n_entities']:,}", r["variant"], f"{s['max_walks']} x {s['epochs']}", model,
                 str(s["workers"]), *timed, sib, sells, products, f"{r['load_avg'][0]:.2f}", r["date"]]
        lines.append("| " + " | ".join(cells) + " |")
    down = [r for r in recs if "experiment" in r]
    if down:
        lines += ["", "| data | variant | seed | " + " | ".join(s.removeprefix("test/") for s in run.SCORES)
                  + " | run s | graph s |", "|---|---|---|" + "---|" * (len(run.SCORES) + 2)]
        for r in down:
            vals = " | ".join(f"{100 * r['metrics'][s]:.2f}" if s in r["metrics"] else "" for s in run.SCORES)
            lines.append(f"| {r['dataset']} | {r['variant']} | {r['seed']} | {vals} | {r['seconds']:.0f} | "
                         f"{r['graph_seconds']:.1f} |")
    return "\n".join(lines)


def configured_now(record: dict) -> bool:
    """Whether a record measured its variant as configured today (`fast` changed meaning on 2026-12-08)."""
    wanted = {k: v for k, v in variants()[record["variant"]].items() if k != "engine"}
    return all(record["settings"].get(k, "gensim" if k == "trainer" else None) == v for k, v in wanted.items())


def plot(records: list[dict], path, variant: str) -> None:
    """Scaling curve of one variant over the synthetic graphs: walks s, training s, end to end, peak MB."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = {}  # triples -> the latest record of each size (a rerun replaces an older point)
    for r in records:
        if (r.get("issue") == 23 and r["variant"] == variant and r["dataset"] in SCALING and configured_now(r)
                and r.get("entities") == "all" and "seconds" in r.get("metrics", {})):
            pts[r["n_triples"]] = r
    if not pts:
        raise SystemExit(f"no `{variant}` records on synthetic graphs (all entities) to plot")
    xs = sorted(pts)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("walks_s", "walks"), ("word2vec_s", "skip-gram"), ("seconds", "end to end")):
        ax1.plot(xs, [pts[x]["metrics"][key] for x in xs], "o-", label=label)
    ax1.axhline(120, ls=":", c="gray", label="120 s target")
    ax2.plot(xs, [pts[x]["metrics"]["peak_mb"] for x in xs], "o-", c="C3", label="peak RSS")
    ax2.axhline(2048, ls=":", c="gray", label="2,048 MB target")
    for ax, ylabel in ((ax1, "seconds (wall)"), (ax2, "MB")):
        ax.set(xscale="log", yscale="log", xlabel="triples (synthetic product graph, all entities walked)",
               ylabel=ylabel)
        ax.legend()
        ax.grid(alpha=0.3)
    s = pts[xs[0]]["settings"]
    extrapolated = sorted({r["extrapolated_epochs"]["measured"] for r in pts.values() if "extrapolated_epochs" in r})
    note = ""
    if extrapolated:
        note = f"; Word2Vec timed on {'/'.join(map(str, extrapolated))} epoch, scaled to {s['epochs']}"
    trainer = "pair counts" if s.get("trainer") == "counts" else "gensim"
    fig.suptitle(f"RDF2Vec `{variant}` ({s['max_walks']} walks x {s['epochs']} epochs, skip-gram on {trainer}, "
                 f"{s['workers']} threads{note})\n{pts[xs[0]]['machine']}, {pts[xs[-1]]['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["throughput", "downstream", "plot"])
    p.add_argument("--graphs", nargs="+", default=["synthetic_1m"], choices=[*GRAPHS[:2], *SCALING])
    p.add_argument("--variants", nargs="+", default=[BASELINE, "fast"],
                   choices=[*variants(), *(v + UNIT for v in variants())], help=f"*{UNIT}: downstream only")
    p.add_argument("--entities", default="all", choices=["all", "categories+brands"], help="synthetic graphs")
    p.add_argument("--workers", type=int, default=2, help="Word2Vec threads")
    p.add_argument("--measure-epochs", type=int, default=0, help="train this many epochs, scale train time up")
    p.add_argument("--no-intrinsic", action="store_true")
    p.add_argument("--untimed", action="store_true", help="record sibling@5 only (a run on a machine not kept quiet)")
    p.add_argument("--timeout", type=float, default=570, help="seconds before a measurement is killed")
    p.add_argument("--data", default="amazon_toys")
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--plot-variant", default="fast", help="plot: whose scaling curve")
    a = p.parse_args()
    out = HERE / "results.json"

    def save(rec: dict) -> None:
        # append only, re-read under a lock: two of these scripts (downstream, throughput) may run at once
        with FileLock(Path(tempfile.gettempdir()) / "prodcat-rdf2vec-scale-results.lock"):
            records = json.loads(out.read_text())
            records.append(rec)
            out.write_text(json.dumps(records, indent=1) + "\n")
            (HERE / "embedding.md").write_text(tables(records) + "\n")

    a.save = save
    if a.mode == "throughput":
        if any(v.endswith(UNIT) for v in a.variants):
            p.error(f"*{UNIT} variants change g(x), not the embedding: downstream only")
        throughput(a)
    elif a.mode == "downstream":
        downstream(a)
    else:
        # scaling.png: the curve of `fast` as it was until 2026-12-08 (gensim, 5 x 5), kept with its section
        plot(json.loads(out.read_text()), HERE / f"scaling_{a.plot_variant}.png", a.plot_variant)
    print(tables(json.loads(out.read_text())))


if __name__ == "__main__":
    main()
