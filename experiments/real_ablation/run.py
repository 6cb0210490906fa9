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
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from prodcat.cache import locked

LOCK = Path("/tmp/prodcat_cpu.lock")  # the machine-wide lock of heavy jobs (`flock /tmp/prodcat_cpu.lock <cmd>`)
FAILED: list[str] = []

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "outputs" / "real_ablation"
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
    "tfidf_text_brand": ["+experiment=tfidf_baseline", "+data.brand_in_text=true"],
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


def select_plan() -> list[tuple[str, str, str, list[str]]]:
    """(dataset, variant, head_lr, overrides) of the validation-only runs that choose each head's lr."""
    return [(ds, v, lr, [*ov, f"data={ds}", *FROZEN, f"optim.head_lr={lr}", "test=false", *COMMON, "seed=0"])
            for ds in DATASETS for v, ov in NEURAL.items() if ds in ONLY_ON.get(v, DATASETS) for lr in SELECT_LRS]


def _earlier(name: str) -> list[dict]:
    """The records of this study's committed `name` (results.json, selection.json), written by an earlier
    invocation of this script: carried over for runs whose output folder this checkout does not have
    (outputs/ is not committed), so re-running some rows does not drop the others from the tables."""
    path = HERE / name
    return json.loads(path.read_text()) if path.is_file() else []


def selected_lrs() -> dict[tuple[str, str], dict]:
    """(dataset, variant) -> {"head_lr": best by val/f1_weighted, "val": {lr: val/f1_weighted}}: from the
    select runs present, else from the committed selection.json (entries marked `"carried_over": true`)."""
    out: dict[tuple[str, str], dict] = {}
    present = {(ds, v) for ds, v, lr, _ in select_plan()
               if (OUT / "select" / ds / v / f"lr{lr}" / "metrics.json").is_file()}
    for e in _earlier("selection.json"):
        if (e["dataset"], e["variant"]) not in present:
            out[(e["dataset"], e["variant"])] = {"val": e["val"], "head_lr": e["head_lr"], "carried_over": True}
    for ds, v, lr, _ in select_plan():
        path = OUT / "select" / ds / v / f"lr{lr}" / "metrics.json"
        if path.is_file():
            val = json.loads(path.read_text())["val"]["val/f1_weighted"]
            out.setdefault((ds, v), {"val": {}})["val"][lr] = val
    for entry in out.values():
        if not entry.get("carried_over"):
            entry["head_lr"] = max(entry["val"], key=entry["val"].get)
    return out


def plan(seeds: list[int], finetune: bool) -> list[tuple[str, str, int, list[str]]]:
    """(dataset, variant, seed, overrides) of every run, cheapest first. Neural rows need `select` first."""
    runs = []
    chosen = selected_lrs()
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


def run_dir(ds: str, variant: str, seed: int) -> Path:
    return OUT / ds / variant / f"seed{seed}"


def command(overrides: list[str]) -> str:
    return "python train.py " + " ".join(overrides)


def run_groups(jobs: list[tuple[Path, list[str]]], key, force: bool) -> None:
    """Run `jobs` ((folder, overrides)), one CPU-lock hold per group of consecutive jobs with the same key
    (waiting for the lock once per group, not once per run, on a machine where others queue for it too)."""
    todo = [(f, ov) for f, ov in jobs if force or not (f / "metrics.json").is_file()]
    for _, group in itertools.groupby(todo, key=lambda job: key(job[0])):
        with locked(LOCK):
            for folder, overrides in group:
                execute(folder, overrides, force)


def execute(folder: Path, overrides: list[str], force: bool) -> None:
    if (folder / "metrics.json").is_file() and not force:
        print(f"[reuse] {folder}", flush=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "train.py", *overrides, f"hydra.run.dir={folder}"]
    print(f"[run] {' '.join(cmd[1:])}", flush=True)
    t = time.perf_counter()
    with open(folder / "train.log", "w") as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ,
                              "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    wall = time.perf_counter() - t
    if proc.returncode != 0:  # reported, and retried by the next invocation (finished runs are reused)
        FAILED.append(str(folder))
        print(f"[FAILED] exit {proc.returncode}; see {folder / 'train.log'}", flush=True)
        return
    (folder / "wall.json").write_text(json.dumps({"wall_s": wall, "command": command(overrides),
                                                  "date": dt.date.today().isoformat(),
                                                  "load_avg_after": os.getloadavg()[0]}))
    print(f"       {wall:.1f} s", flush=True)


# -- records and tables ------------------------------------------------------------------------------
def machine() -> str:
    return f"{os.cpu_count()}-core CPU ({platform.machine()}), no GPU"


def records(runs) -> list[dict]:
    """One record per run of `runs` whose folder has a metrics.json; a run without one keeps its record of
    the committed results.json, if any, marked `"carried_over": true` (see `_earlier`)."""
    out = []
    earlier = {(r["dataset"], r["variant"], r["seed"]): r for r in _earlier("results.json")}
    for ds, variant, seed, overrides in runs:
        folder = run_dir(ds, variant, seed)
        if not (folder / "metrics.json").is_file():
            if (ds, variant, seed) in earlier:
                out.append({**earlier[(ds, variant, seed)], "carried_over": True})
            continue
        m = json.loads((folder / "metrics.json").read_text())
        wall = json.loads((folder / "wall.json").read_text()) if (folder / "wall.json").is_file() else {}
        test = {k: v for k, v in m["test"].items() if re.fullmatch(
            r"test/(acc|acc_top5|f1_weighted|f1_macro|f1_weighted_mean_levels|lvl\d+/f1_weighted)", k)}
        out.append({
            "study": "real_ablation", "dataset": ds, "variant": variant, "seed": seed, "split": "test",
            "metrics": {**test, **{k: m["timings"][k] for k in ("fit_s", "epochs") if m["timings"].get(k) is not None}},
            # the run's own time (data, graph, features, fit, test), without the wait for the CPU lock
            "seconds": m["timings"].get("total_s"),
            "command": wall.get("command", command(overrides)), "machine": machine(),
            "date": wall.get("date", dt.date.today().isoformat()),
            "freeze": m["choices"].get("freeze", "none (tf-idf)"),
            "graph_link_rates": m["data"].get("graph_link_rates", {}).get("test"),
            "rows": m["data"]["rows"], "classes": m["data"]["classes"],
        })
    return out


def _fmt(values: list[float], scale: float = 100.0, digits: int = 2) -> str:
    v = np.asarray([x for x in values if x is not None], dtype=float) * scale
    if v.size == 0:
        return "–"
    return f"{v.mean():.{digits}f}" if v.size == 1 else f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def table(recs: list[dict], ds: str) -> str:
    rows = [r for r in recs if r["dataset"] == ds]
    if not rows:
        return f"(no runs for {ds})\n"
    depth = max(int(k.split("/")[1][3:]) for r in rows for k in r["metrics"] if k.startswith("test/lvl"))
    levels = [f"test/lvl{i}/f1_weighted" for i in range(1, depth + 1)]
    head = ["variant", "encoder", "seeds", *[f"F1w lvl{i}" for i in range(1, depth + 1)], "**F1w mean levels**",
            "F1 macro (leaf)", "acc (leaf)", "acc top5", "train s", "run s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in ORDER:
        rs = [r for r in rows if r["variant"] == variant]
        if not rs:
            continue
        col = {k: [r["metrics"].get(k) for r in rs] for k in rs[0]["metrics"]}
        carried = " (earlier run)" if all(r.get("carried_over") for r in rs) else ""
        lines.append("| " + " | ".join([
            variant + carried, rs[0]["freeze"], str(len(rs)), *[_fmt(col.get(k, [])) for k in levels],
            f"**{_fmt(col['test/f1_weighted_mean_levels'])}**", _fmt(col["test/f1_macro"]), _fmt(col["test/acc"]),
            _fmt(col["test/acc_top5"]), _fmt(col["fit_s"], 1.0, 1), _fmt([r["seconds"] for r in rs], 1.0, 0),
        ]) + " |")
    return "\n".join(lines) + "\n"


def selection_table(chosen: dict) -> str:
    lines = ["| dataset | variant | " + " | ".join(f"val F1w @ head_lr {lr}" for lr in SELECT_LRS) + " | chosen |",
             "|" + "---|" * (3 + len(SELECT_LRS))]
    for (ds, v), e in chosen.items():
        vals = [f"{100 * e['val'][lr]:.2f}" if lr in e["val"] else "–" for lr in SELECT_LRS]
        lines.append(f"| {ds} | {v} | " + " | ".join(vals) + f" | {e['head_lr']} |")
    return "\n".join(lines) + "\n"


def link_rates(recs: list[dict]) -> str:
    kinds = ["brand", "category", "seller", "shop_category"]
    lines = ["| dataset | variant | " + " | ".join(f"test rows, {k} linked" for k in kinds) + " |",
             "|" + "---|" * (2 + len(kinds))]
    for ds in DATASETS:
        for variant in ("hybrid_tree", "hybrid", "hybrid_loo"):
            rates = [r["graph_link_rates"] for r in recs if r["dataset"] == ds and r["variant"] == variant
                     and r["graph_link_rates"]]
            if rates:
                cells = [f"{100 * rates[0][k]:.1f} %" if k in rates[0] else "–" for k in kinds]
                lines.append(f"| {ds} | {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _mwpd_catalog_and_graph(relations: list[str]):
    """MWPD read with the hybrid run's own data config, and its graph linker with placeholder vectors: the
    linking is the real code path (`build_graph` on TRAIN rows, `GraphLinker.link`); only the vector values,
    which coverage does not read, are skipped (no RDF2Vec run)."""
    cfg_path = run_dir("mwpd", "hybrid", 0) / ".hydra" / "config.yaml"
    if not cfg_path.is_file():
        return None, None
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from prodcat.graph.kg import build_graph, graph_entities
    from prodcat.graph.linker import GraphLinker
    from prodcat.graph.taxonomy import Taxonomy

    os.environ.setdefault("PROJECT_ROOT", str(ROOT))
    catalog = instantiate(OmegaConf.load(cfg_path).data.catalog, _convert_="all")
    tree = Taxonomy.from_paths([p.path for p in catalog.train], source="mwpd:train")
    graph = build_graph(tree, catalog.train, relations=relations)
    linker = GraphLinker.from_graph(tree, graph, {e: np.zeros(1, np.float32) for e in graph_entities(graph)})
    return catalog, linker


def offer_links(split: str, scored_only: bool = False) -> dict[str, np.ndarray] | None:
    """MWPD rows of `split` by what the full graph links: seller (URL host seen in train), shop category (a
    breadcrumb segment seen in train), category name (a GS1 name, code stripped, in the title).
    `scored_only`: only the rows a run scores (those whose class occurs in train), aligned with
    test_predictions.npz."""
    catalog, linker = _mwpd_catalog_and_graph(["seller", "shop_category"])
    if catalog is None:
        return None
    rows = catalog.split(split)
    if scored_only:
        known = {p.leaf for p in catalog.train}
        rows = [p for p in rows if p.leaf in known]
    links = [linker.link(p) for p in rows]
    out = {"seller": np.array([bool(k.entities.get("seller")) for k in links]),
           "shop category": np.array([bool(k.entities.get("shop_category")) for k in links]),
           "category name": np.array([bool(k.categories) for k in links])}
    out["any"] = out["seller"] | out["shop category"] | out["category name"]
    return out


def mwpd_coverage() -> str:
    """Share of MWPD validation / test rows the graph reaches, per entity kind (issue 3's coverage check)."""
    per = {s: offer_links(s) for s in ("val", "test")}
    if per["val"] is None:
        return ""
    lines = ["| split | rows | seller (host seen in train) | shop breadcrumb (a segment seen in train) | "
             "GS1 category name in the title | any of them | none |", "|---|---|---|---|---|---|---|"]
    for s, m in per.items():
        n = len(m["any"])
        cells = [f"{100 * m[k].mean():.1f} %" for k in ("seller", "shop category", "category name", "any")]
        lines.append(f"| {s} | {n} | " + " | ".join(cells) + f" | {100 * (1 - m['any'].mean()):.1f} % |")
    return "\n".join(lines) + "\n"


def _earlier_table_part(pattern: str) -> str | None:
    """A part of the tables this script wrote into README.md before (regex `pattern`, DOTALL), for a table
    whose per-row inputs (test_predictions.npz, checkpoints) this checkout no longer has; None if absent."""
    m = re.search(pattern, (HERE / "README.md").read_text(), flags=re.DOTALL)
    return m.group(0) if m else None


CARRIED_NOTE = " *(carried over from the previous invocation: its runs were not repeated)*"


def sibling_similarity() -> str:
    """Why label_graph cannot tell siblings apart: cosine similarity of the leaves' own RDF2Vec vectors (the
    last block of the label vectors saved in the label_graph seed-0 checkpoint), siblings vs other pairs."""
    import torch

    lines = ["| dataset | leaves | mean cos, sibling leaves | mean cos, other leaf pairs | nearest leaf is a sibling |",
             "|---|---|---|---|---|"]
    for ds in DATASETS:
        ckpt = run_dir(ds, "label_graph", 0) / "checkpoints" / "best.ckpt"
        if not ckpt.is_file():
            old = _earlier_table_part(rf"(?m)^\| {ds}(?: \(earlier run, carried over\))? \| \d+ \| "
                                      r"[0-9.]+ \| [^\n]*% of leaves with siblings \|[^\n]*$")
            if old is not None:
                lines.append(old.replace(f"| {ds} |", f"| {ds} (earlier run, carried over) |", 1))
            continue
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        leaves = state["hyper_parameters"]["labels"]["leaves"]
        depth = json.loads((run_dir(ds, "label_graph", 0) / "metrics.json").read_text())["data"]["depth"]
        e = state["state_dict"]["head.label_vectors"].numpy()  # (C, depth * d): the path vectors
        own = e[:, -e.shape[1] // depth:]  # (C, d): each leaf's own vector
        own = own / np.linalg.norm(own, axis=1, keepdims=True)
        sim = own @ own.T
        parent = np.array([leaf.rsplit(" > ", 1)[0] for leaf in leaves])
        sib = (parent[:, None] == parent[None, :]) & ~np.eye(len(leaves), dtype=bool)
        other = ~sib & ~np.eye(len(leaves), dtype=bool)
        np.fill_diagonal(sim, -2.0)
        nearest = sim.argmax(1)
        has = sib.any(1)
        near_sib = float(np.mean(sib[np.arange(len(leaves)), nearest][has]))
        lines.append(f"| {ds} | {len(leaves)} | {sim[sib].mean():.3f} | {sim[other].mean():.3f} | "
                     f"{100 * near_sib:.0f} % of leaves with siblings |")
    return "\n".join(lines) + "\n"


def _preds(ds: str, variant: str, seed: int) -> dict | None:
    path = run_dir(ds, variant, seed) / "test_predictions.npz"
    return dict(np.load(path)) if path.is_file() else None


def _train_counts(ds: str) -> np.ndarray | None:
    """Training rows per class id (the label space's order), read with the run's own data config."""
    cfg_path = run_dir(ds, "text_only", 0) / ".hydra" / "config.yaml"
    if not cfg_path.is_file():
        return None
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from prodcat.data.labels import LabelSpace

    os.environ.setdefault("PROJECT_ROOT", str(ROOT))
    cfg = OmegaConf.load(cfg_path)
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    labels = LabelSpace.from_products(catalog.train)
    index = labels.index()
    counts = np.zeros(len(labels), dtype=np.int64)
    for p in catalog.train:
        counts[index[p.leaf]] += 1
    return counts


def error_moves(seeds: list[int]) -> str:
    """Row by row, per seed pair: accuracy of each variant on the test rows the hybrid's graph vector links
    (brand / category name / nothing), and by how rare the true class is in training."""
    out = []
    for ds in DATASETS:
        mwpd = ds == "mwpd"
        variants = ["text_only", *(["text_brand"] if not mwpd else ["text_offer"]), "graph_only",
                    *(["hybrid_tree"] if mwpd else []), "hybrid", *(["hybrid_loo"] if mwpd else []),
                    "label_graph", *(["label_graph_loo"] if mwpd else []), "label_graph_residual", "hierarchical",
                    *(["hierarchical_loo"] if mwpd else [])]
        per = {v: [p for s in seeds if (p := _preds(ds, v, s)) is not None] for v in variants}
        hyb = per["hybrid"]
        if not hyb or not per["text_only"]:
            old = _earlier_table_part(rf"\*\*{ds}\*\* \(leaf accuracy.*?(?=\n\*\*|\n### |\n*$)")
            if old is not None:
                first, rest = old.split("\n", 1)
                out.append((first if CARRIED_NOTE in first else first + CARRIED_NOTE) + "\n" + rest.rstrip("\n") + "\n")
            continue
        links = hyb[0]["graph_links"]  # (N, 2): brand linked, category linked (the same for every seed)
        groups = {"brand linked": links[:, 0] > 0, "category name linked": links[:, 1] > 0,
                  "nothing linked": (links[:, 0] == 0) & (links[:, 1] == 0), "all rows": np.ones(len(links), bool)}
        offers = offer_links("test", scored_only=True) if ds == "mwpd" else None
        if offers is not None:  # MWPD has no brands: group by seller / breadcrumb / category name instead
            if len(offers["any"]) != len(links):
                raise SystemExit(f"mwpd: {len(offers['any'])} scored test rows, predictions have {len(links)}")
            groups = {f"{k} linked": offers[k] for k in ("seller", "shop category", "category name")}
            groups.update({"nothing linked": ~offers["any"], "all rows": np.ones(len(links), bool)})
        counts = _train_counts(ds)
        target = hyb[0]["target"]
        if counts is not None:
            n = counts[target]
            groups.update({"class with < 10 train rows": n < 10, "class with 10-49 train rows": (n >= 10) & (n < 50),
                           "class with >= 50 train rows": n >= 50})
        head = ["test rows", "n", *[f"acc {v}" for v in variants if per[v]]]
        lines = [f"**{ds}** (leaf accuracy in %, mean over {len(hyb)} seeds)", "",
                 "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name, mask in groups.items():
            accs = [_fmt([float((p["pred"][mask] == p["target"][mask]).mean()) if mask.any() else None
                          for p in per[v]]) for v in variants if per[v]]
            lines.append(f"| {name} | {int(mask.sum())} | " + " | ".join(accs) + " |")
        pairs = [("text_only", "hybrid")] + ([("text_brand", "hybrid")] if per.get("text_brand") else []) + \
            ([("text_offer", "hybrid")] if per.get("text_offer") else []) + \
            ([("hybrid_tree", "hybrid")] if per.get("hybrid_tree") else []) + \
            ([("hybrid", "hybrid_loo"), ("text_only", "hybrid_loo")] if per.get("hybrid_loo") else []) + \
            ([("text_offer", "hybrid_loo")] if per.get("hybrid_loo") and per.get("text_offer") else []) + \
            [("text_only", "label_graph"), ("label_graph", "label_graph_residual"), ("hybrid", "hierarchical"),
             ("hybrid_loo", "hierarchical_loo")]
        lines += ["", "| from -> to | rows fixed | rows broken | net (mean over seeds) |", "|---|---|---|---|"]
        for a, b in pairs:
            if not per.get(a) or not per.get(b):  # a pair whose variant this dataset has no runs of
                continue
            fixed = [int(((pa["pred"] != pa["target"]) & (pb["pred"] == pb["target"])).sum())
                     for pa, pb in zip(per[a], per[b], strict=False)]
            broken = [int(((pa["pred"] == pa["target"]) & (pb["pred"] != pb["target"])).sum())
                      for pa, pb in zip(per[a], per[b], strict=False)]
            lines.append(f"| {a} -> {b} | {np.mean(fixed):.1f} | {np.mean(broken):.1f} | "
                         f"{np.mean(fixed) - np.mean(broken):+.1f} |")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def write_readme_tables(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- generated: run.py writes between these markers -->", "<!-- end generated -->"
    body = readme.read_text()
    if start not in body or end not in body:
        raise SystemExit(f"{readme}: the markers {start!r} / {end!r} are missing")
    before, rest = body.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(f"{before}{start}\n{text}\n{end}{after}")


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
    args = ap.parse_args()
    # fine-tuned rows already run stay in the tables of later invocations
    finetune = args.finetune or any((run_dir("mwpd", v, 0) / "metrics.json").is_file() for v in FINETUNED) or \
        any(r["variant"] in FINETUNED for r in _earlier("results.json"))
    runs = plan(args.seeds, finetune)
    if not args.report_only:
        def wanted(ds: str, variant: str) -> bool:
            return ds in args.datasets and (args.only is None or variant in args.only)

        kept = {(e["dataset"], e["variant"]) for e in _earlier("selection.json")} if args.keep_selection else set()
        # one lock hold per dataset and phase (a few minutes, like one fine-tuning run of the other studies)
        run_groups([(OUT / "select" / ds / v / f"lr{lr}", ov) for ds, v, lr, ov in select_plan()
                    if wanted(ds, v) and (ds, v) not in kept], key=lambda folder: folder.parents[1], force=args.force)
        runs = plan(args.seeds, finetune)
        jobs = [(run_dir(ds, v, seed), ov) for ds, v, seed, ov in runs if wanted(ds, v)]  # grouped by dataset
        run_groups(jobs, key=lambda folder: folder.parents[1], force=args.force)
    recs = records(runs)
    chosen = selected_lrs()
    (HERE / "selection.json").write_text(json.dumps(
        [{"dataset": ds, "variant": v, "split": "val", "metric": "val/f1_weighted", **e}
         for (ds, v), e in chosen.items()], indent=1) + "\n")
    (HERE / "results.json").write_text(json.dumps(recs, indent=1) + "\n")
    text = "\n".join([f"### {ds}\n\n{table(recs, ds)}" for ds in DATASETS] +
                     ["### Head learning rate chosen on validation (seed 0)\n\n" + selection_table(chosen)] +
                     ["### Graph linking coverage (test split, hybrid runs)\n\n" + link_rates(recs),
                      "MWPD: rows the graph reaches (all rows of each split; the GS1 names are matched without their "
                      "code prefix)\n\n" + mwpd_coverage(),
                      "### Where errors move\n\n" + error_moves(args.seeds),
                      "### label_graph: how alike are sibling categories in the graph?\n\n" + sibling_similarity()])
    write_readme_tables(text)
    print(text)
    if FAILED:
        raise SystemExit(f"{len(FAILED)} runs failed (run again to retry them): {FAILED}")


if __name__ == "__main__":
    main()
