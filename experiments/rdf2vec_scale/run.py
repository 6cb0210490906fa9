"""RDF2Vec at scale: the pyrdf2vec engine (reference) against the fast engine (prodcat.graph.walks), side by
side in one run, each measurement in a fresh subprocess (peak memory = its own ru_maxrss plus that of its
children, e.g. pyrdf2vec's walker pool), then downstream scores of train.py with each engine's vectors.

    .venv/bin/python experiments/rdf2vec_scale/run.py                      # throughput on all four graphs
    .venv/bin/python experiments/rdf2vec_scale/run.py --graphs google_taxonomy amazon_toys
    .venv/bin/python experiments/rdf2vec_scale/run.py --downstream --seeds 0 1 2 --append   # graph_only
    .venv/bin/python experiments/rdf2vec_scale/run.py --hybrid --append    # +experiment=hybrid, minilm, 2 epochs

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
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT.parent / "shared" / "datasets"
STUDY = "rdf2vec_scale"
SYNTHETIC = {"synthetic_100k": 100_000, "synthetic_1m": 1_000_000}
GRAPHS = ["google_taxonomy", "amazon_toys", *SYNTHETIC]
# The scaling curve (embedding.py) adds sizes; run.py's engine comparison keeps its four graphs.
SCALING = {"synthetic_10k": 10_000, **SYNTHETIC, "synthetic_3m": 3_000_000, "synthetic_5m": 5_000_000}
SCORES = ["test/acc", "test/acc_top5", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()}-core CPU ({cpu}, {mem_gb:.0f} GB), no GPU"


# ---- one measurement, in a fresh process -------------------------------------------------------


def load_graph(name: str):
    """(rdflib graph or SyntheticKG, seconds to build it)."""
    t = time.perf_counter()
    if name == "google_taxonomy":
        from prodcat.graph.kg import build_graph
        from prodcat.graph.taxonomy_files import read_google_taxonomy

        g = build_graph(read_google_taxonomy(DATA / "google_taxonomy" / "taxonomy-with-ids.en-US.txt"), [])
    elif name == "amazon_toys":
        from prodcat.data.amazon import read_amazon_toys
        from prodcat.graph.kg import build_graph
        from prodcat.graph.taxonomy import Taxonomy

        cat = read_amazon_toys(DATA)  # the same split as data=amazon_toys (val 0.1, test 0.1, seed 0)
        g = build_graph(Taxonomy.from_paths([p.path for p in cat.train], source="amazon_toys:train"), cat.train)
    else:
        from prodcat.graph.synthetic_kg import product_graph

        g = product_graph(SCALING[name], seed=0)
    return g, time.perf_counter() - t


def child(spec: dict) -> dict:
    """Embed one graph with one engine; the dict printed as the last stdout line."""
    import numpy as np

    from prodcat.graph import walks
    from prodcat.graph.kg import BRAND_CLASS, graph_entities
    from prodcat.graph.rdf2vec import embed_entities, resolve_settings

    graph, build_s = load_graph(spec["graph"])
    # spec["settings"] (embedding.py): the other settings of a named variant, e.g. fewer walks and epochs
    settings = {"engine": spec["engine"], "workers": spec["workers"], **spec.get("settings", {})}
    if spec["engine"] == "pyrdf2vec":
        settings["walker_kwargs"] = {"n_jobs": spec["n_jobs"]}
    if spec.get("measure_epochs"):  # train only this many epochs; the record scales train_s to all of them
        settings["epochs"] = spec["measure_epochs"]
    out = {"graph_build_s": build_s}
    synthetic = spec["graph"] in SCALING
    if synthetic:
        kg = graph
        ids = np.unique(kg.triples[:, 0])  # every node with an out-edge: categories, brands, products
        if spec["entities"] == "categories+brands":
            ids = ids[ids < kg.n_categories + kg.n_brands]
        ents = kg.names[ids]
        out["n_triples"] = len(kg.triples)
    else:
        ents = np.asarray(graph_entities(graph), dtype=object)
        out["n_triples"] = len(graph)
        out["n_brands"] = sum(1 for _ in graph.subjects(predicate=None, object=BRAND_CLASS))
    out["n_entities"] = len(ents)
    if spec["sample"] and spec["sample"] < len(ents):
        ents = np.sort(np.random.default_rng(0).choice(ents, spec["sample"], replace=False))
    out["n_walked"] = len(ents)
    timings: dict = {}
    cpu0 = _cpu_s()
    t = time.perf_counter()
    if spec["path"] == "int_triples":  # the fast engine straight from the generator's int arrays
        wg = kg.walk_graph()
        timings["kg_load_s"] = time.perf_counter() - t
        vectors = walks.embed(wg, wg.ids(ents), resolve_settings(settings), 0, timings)  # (E, d), rows = ents
        timings["total_s"] = time.perf_counter() - t
    else:
        if synthetic:
            graph = kg.to_rdflib()
            out["rdflib_build_s"] = time.perf_counter() - t
        with tempfile.TemporaryDirectory(prefix="rdf2vec-scale-") as cache:
            vectors = embed_entities(graph, list(ents), settings, cache, seed=0, timings=timings)
    # CPU seconds of the whole process (all Word2Vec threads): unlike wall time, other users' jobs on the
    # shared machine barely change it, so it is the number to compare between runs made on different days.
    out["cpu_s"] = _cpu_s() - cpu0
    out["timings"] = timings
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB; before the check
    if spec.get("intrinsic"):
        if not isinstance(vectors, dict):
            vectors = dict(zip(ents.tolist(), vectors, strict=True))
        out["intrinsic"] = intrinsic(spec["graph"], kg if synthetic else graph, vectors)
    return out


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def intrinsic(name: str, graph, vectors: dict) -> dict:
    """prodcat.graph.intrinsic.sibling_at_k on the category tree of `graph` (SyntheticKG or rdflib)."""
    from rdflib import SKOS

    from prodcat.graph.intrinsic import sibling_at_k, skos_parents
    from prodcat.graph.synthetic_kg import PREDICATES

    if name in SCALING:
        broader = graph.triples[graph.triples[:, 1] == PREDICATES.index(str(SKOS.broader))]  # (child, p, parent)
        parent = dict(zip(graph.names[broader[:, 0]].tolist(), graph.names[broader[:, 2]].tolist(), strict=True))
    else:
        parent = skos_parents(graph)
    return sibling_at_k(vectors, parent, k=5)


def tree_pss_mb(root: int) -> float:
    """Summed PSS (shared pages split between their sharers) of `root` and its descendants, in MB."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier and p not in tree]
        tree.update(kids)
        frontier = kids
    kb = 0
    for pid in tree:
        try:
            kb += next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return kb / 1024


def measure(spec: dict, timeout: float) -> dict:
    """Run `child(spec)` in a fresh process. Peak memory: the child's own high-water RSS (exact for the
    fast engine, one process), or the peak of the whole process tree's PSS sampled every 0.25 s when
    larger (pyrdf2vec's walker pool holds its own copy of the KG)."""
    cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
    load_before = os.getloadavg()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    tree_peak = 0.0
    while proc.poll() is None and time.perf_counter() - t < timeout:
        tree_peak = max(tree_peak, tree_pss_mb(proc.pid))
        time.sleep(0.25)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its walker pool, nothing else
        proc.communicate()
        return {"timed_out": True, "wall_s": time.perf_counter() - t, "load_avg": load_before,
                "tree_pss_peak_mb": tree_peak}
    stdout, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"child {spec} failed with exit code {proc.returncode}")
    res = json.loads(stdout.strip().splitlines()[-1])
    res.update(wall_s=time.perf_counter() - t, load_avg=[round(x, 2) for x in load_before],
               tree_pss_peak_mb=tree_peak, peak_mb=max(res["maxrss_mb"], tree_peak))
    return res


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


def train_record(engine: str, seed: int, experiment: str, extra: list[str]) -> dict:
    run_dir = ROOT / "outputs" / STUDY / f"{experiment}_{engine}_seed{seed}"
    args = [f"+experiment={experiment}", "data=amazon_toys", f"graph.settings.engine={engine}", f"seed={seed}",
            "logger=csv", *extra]
    command = "python train.py " + " ".join(args)
    print(f"== {command}", flush=True)
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rdf2vec-scale-cache-") as cache:  # a real build, never a cache hit
        subprocess.run([sys.executable, "train.py", *args, f"hydra.run.dir={run_dir}", f"paths.cache_dir={cache}"],
                       cwd=ROOT, check=True)
    seconds = time.perf_counter() - t
    m = json.loads((run_dir / "metrics.json").read_text())
    return {"study": STUDY, "dataset": "amazon_toys", "variant": engine, "seed": seed, "split": "test",
            "experiment": experiment, "metrics": {k: round(m["test"][k], 4) for k in SCORES if k in m["test"]},
            "seconds": round(seconds, 1), "graph_seconds": round(m.get("timings", {}).get("graph_s", 0.0), 1),
            "command": command, "machine": machine(), "date": dt.date.today().isoformat()}


# ---- tables ------------------------------------------------------------------------------------


def tables(records: list[dict]) -> str:
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


def wait_for_quiet(max_load: float, wait_s: float) -> None:
    """Wait (up to wait_s) until the 1-minute load average is below max_load: other jobs skew timings."""
    end = time.time() + wait_s
    while os.getloadavg()[0] >= max_load and time.time() < end:
        print(f"load {os.getloadavg()[0]:.2f} >= {max_load}: waiting", flush=True)
        time.sleep(30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--graphs", nargs="+", default=GRAPHS, choices=GRAPHS)
    p.add_argument("--sample", type=int, default=1000, help="entities pyrdf2vec walks from on synthetic graphs")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a measurement is killed")
    p.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-min load average below this")
    p.add_argument("--wait", type=float, default=1800, help="at most this many seconds of waiting for it")
    p.add_argument("--downstream", action="store_true", help="graph_only on amazon_toys with each engine")
    p.add_argument("--hybrid", action="store_true", help="hybrid (minilm_l6, 2 epochs) on amazon_toys, each engine")
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--append", action="store_true", help="keep the records already in results.json")
    a = p.parse_args()
    if a.child:
        print(json.dumps(child(json.loads(a.child))), flush=True)
        return
    out = HERE / "results.json"
    records = json.loads(out.read_text()) if a.append and out.exists() else []

    def save():
        out.write_text(json.dumps(records, indent=1) + "\n")
        (HERE / "results.md").write_text(tables(records) + "\n")

    if a.downstream or a.hybrid:
        for seed in a.seeds:
            for engine in ("pyrdf2vec", "fast"):
                if a.downstream:
                    records.append(train_record(engine, seed, "graph_only", []))
                    save()
                if a.hybrid:
                    records.append(train_record(engine, seed, "hybrid", ["backbone=minilm_l6", "trainer.max_epochs=2"]))
                    save()
    else:
        wait_for_quiet(a.max_load, a.wait)
        for spec in plan(a.graphs, a.sample):
            print(f"== {spec}", flush=True)
            command = f"python experiments/{STUDY}/run.py --graphs {spec['graph']} --sample {a.sample}"
            records.append(throughput_record(spec, measure(spec, a.timeout), command))
            print(json.dumps(records[-1]["metrics"]), records[-1].get("timings"), flush=True)
            save()
    print(tables(records))


if __name__ == "__main__":
    main()
