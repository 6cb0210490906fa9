"""The tables of the real-data ablation beyond its scores (called by run.py): head learning rates chosen on
validation, graph linking coverage, where errors move between variants, how alike sibling categories are in
the graph. Each reads the runs under `out` (outputs/real_ablation/ by default); a table whose per-row inputs
(test_predictions.npz, checkpoints) this checkout lacks is carried over from the README run.py wrote before.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from prodcat.studies import markdown_table, mean_sd, run_catalog, run_folder

HERE = Path(__file__).resolve().parent
CARRIED_NOTE = " *(carried over from the previous invocation: its runs were not repeated)*"


def selection_table(chosen: dict, lrs: list[str]) -> str:
    rows = [[ds, v, *(f"{100 * e['val'][lr]:.2f}" if lr in e["val"] else "–" for lr in lrs), e["head_lr"]]
            for (ds, v), e in chosen.items()]
    return markdown_table(["dataset", "variant", *(f"val F1w @ head_lr {lr}" for lr in lrs), "chosen"], rows)


def link_rates(recs: list[dict], datasets: tuple[str, ...]) -> str:
    kinds = ["brand", "category", "seller", "shop_category"]
    rows = []
    for ds in datasets:
        for variant in ("hybrid_tree", "hybrid", "hybrid_loo"):
            rates = [r["graph_link_rates"] for r in recs if r["dataset"] == ds and r["variant"] == variant
                     and r["graph_link_rates"]]
            if rates:
                rows.append([ds, variant, *(f"{100 * rates[0][k]:.1f} %" if k in rates[0] else "–" for k in kinds)])
    return markdown_table(["dataset", "variant", *(f"test rows, {k} linked" for k in kinds)], rows)


def _mwpd_catalog_and_graph(out: Path, relations: list[str]):
    """MWPD read with the hybrid run's own data config, and its graph linker with placeholder vectors: the
    linking is the real code path (`build_graph` on TRAIN rows, `GraphLinker.link`); only the vector values,
    which coverage does not read, are skipped (no RDF2Vec run)."""
    folder = run_folder(out, "mwpd", "hybrid", 0)
    if not (folder / ".hydra" / "config.yaml").is_file():
        return None, None
    from prodcat.graph.kg import build_graph, graph_entities
    from prodcat.graph.linker import GraphLinker
    from prodcat.graph.taxonomy import Taxonomy

    catalog = run_catalog(folder)
    tree = Taxonomy.from_paths([p.path for p in catalog.train], source="mwpd:train")
    graph = build_graph(tree, catalog.train, relations=relations)
    linker = GraphLinker.from_graph(tree, graph, {e: np.zeros(1, np.float32) for e in graph_entities(graph)})
    return catalog, linker


def offer_links(out: Path, split: str, scored_only: bool = False) -> dict[str, np.ndarray] | None:
    """MWPD rows of `split` by what the full graph links: seller (URL host seen in train), shop category (a
    breadcrumb segment seen in train), category name (a GS1 name, code stripped, in the title).
    `scored_only`: only the rows a run scores (those whose class occurs in train), aligned with
    test_predictions.npz."""
    catalog, linker = _mwpd_catalog_and_graph(out, ["seller", "shop_category"])
    if catalog is None:
        return None
    rows = catalog.split(split)
    if scored_only:
        known = {p.leaf for p in catalog.train}
        rows = [p for p in rows if p.leaf in known]
    links = [linker.link(p) for p in rows]
    found = {"seller": np.array([bool(k.entities.get("seller")) for k in links]),
             "shop category": np.array([bool(k.entities.get("shop_category")) for k in links]),
             "category name": np.array([bool(k.categories) for k in links])}
    found["any"] = found["seller"] | found["shop category"] | found["category name"]
    return found


def mwpd_coverage(out: Path) -> str:
    """Share of MWPD validation / test rows the graph reaches, per entity kind (issue 3's coverage check)."""
    per = {s: offer_links(out, s) for s in ("val", "test")}
    if per["val"] is None:
        return ""
    rows = [[s, str(len(m["any"])), *(f"{100 * m[k].mean():.1f} %" for k in ("seller", "shop category",
            "category name", "any")), f"{100 * (1 - m['any'].mean()):.1f} %"] for s, m in per.items()]
    return markdown_table(["split", "rows", "seller (host seen in train)", "shop breadcrumb (a segment seen in train)",
                           "GS1 category name in the title", "any of them", "none"], rows)


def _earlier_table_part(pattern: str) -> str | None:
    """A part of the tables run.py wrote into README.md before (regex `pattern`, DOTALL), for a table whose
    per-row inputs (test_predictions.npz, checkpoints) this checkout no longer has; None if absent."""
    m = re.search(pattern, (HERE / "README.md").read_text(), flags=re.DOTALL)
    return m.group(0) if m else None


def sibling_similarity(out: Path, datasets: tuple[str, ...]) -> str:
    """Why label_graph cannot tell siblings apart: cosine similarity of the leaves' own RDF2Vec vectors (the
    last block of the label vectors saved in the label_graph seed-0 checkpoint), siblings vs other pairs."""
    import torch

    lines = ["| dataset | leaves | mean cos, sibling leaves | mean cos, other leaf pairs | nearest leaf is a sibling |",
             "|---|---|---|---|---|"]
    for ds in datasets:
        ckpt = run_folder(out, ds, "label_graph", 0) / "checkpoints" / "best.ckpt"
        if not ckpt.is_file():
            old = _earlier_table_part(rf"(?m)^\| {ds}(?: \(earlier run, carried over\))? \| \d+ \| "
                                      r"[0-9.]+ \| [^\n]*% of leaves with siblings \|[^\n]*$")
            if old is not None:
                lines.append(old.replace(f"| {ds} |", f"| {ds} (earlier run, carried over) |", 1))
            continue
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        leaves = state["hyper_parameters"]["labels"]["leaves"]
        depth = json.loads((ckpt.parents[1] / "metrics.json").read_text())["data"]["depth"]
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


def _train_counts(out: Path, ds: str) -> np.ndarray | None:
    """Training rows per class id (the label space's order), read with the run's own data config."""
    folder = run_folder(out, ds, "text_only", 0)
    if not (folder / ".hydra" / "config.yaml").is_file():
        return None
    from prodcat.data.labels import LabelSpace

    catalog = run_catalog(folder)
    index = LabelSpace.from_products(catalog.train).index()
    return np.bincount([index[p.leaf] for p in catalog.train], minlength=len(index))


# (from, to) pairs of the error-moves table; a pair whose variants a dataset has no runs of is skipped
PAIRS = [("text_only", "hybrid"), ("text_brand", "hybrid"), ("text_offer", "hybrid"), ("hybrid_tree", "hybrid"),
         ("hybrid", "hybrid_loo"), ("text_only", "hybrid_loo"), ("text_offer", "hybrid_loo"),
         ("text_only", "label_graph"), ("label_graph", "label_graph_residual"), ("hybrid", "hierarchical"),
         ("hybrid_loo", "hierarchical_loo")]


def error_moves(out: Path, datasets: tuple[str, ...], seeds: list[int]) -> str:
    """Row by row, per seed pair: accuracy of each variant on the test rows the hybrid's graph vector links
    (brand / category name / nothing), and by how rare the true class is in training."""
    parts = []
    for ds in datasets:
        mwpd = ds == "mwpd"
        variants = ["text_only", *(["text_brand"] if not mwpd else ["text_offer"]), "graph_only",
                    *(["hybrid_tree"] if mwpd else []), "hybrid", *(["hybrid_loo"] if mwpd else []),
                    "label_graph", *(["label_graph_loo"] if mwpd else []), "label_graph_residual", "hierarchical",
                    *(["hierarchical_loo"] if mwpd else [])]
        files = {v: [run_folder(out, ds, v, s) / "test_predictions.npz" for s in seeds] for v in variants}
        per = {v: [dict(np.load(f)) for f in fs if f.is_file()] for v, fs in files.items()}
        per = {v: p for v, p in per.items() if p}
        hyb = per.get("hybrid")
        if not hyb or "text_only" not in per:
            old = _earlier_table_part(rf"\*\*{ds}\*\* \(leaf accuracy.*?(?=\n\*\*|\n### |\n*$)")
            if old is not None:
                first, rest = old.split("\n", 1)
                parts.append((first if CARRIED_NOTE in first else first + CARRIED_NOTE) + "\n" + rest.rstrip("\n")
                             + "\n")
            continue
        links = hyb[0]["graph_links"]  # (N, 2): brand linked, category linked (the same for every seed)
        groups = {"brand linked": links[:, 0] > 0, "category name linked": links[:, 1] > 0,
                  "nothing linked": (links[:, 0] == 0) & (links[:, 1] == 0), "all rows": np.ones(len(links), bool)}
        offers = offer_links(out, "test", scored_only=True) if mwpd else None
        if offers is not None:  # MWPD has no brands: group by seller / breadcrumb / category name instead
            if len(offers["any"]) != len(links):
                raise SystemExit(f"mwpd: {len(offers['any'])} scored test rows, predictions have {len(links)}")
            groups = {f"{k} linked": offers[k] for k in ("seller", "shop category", "category name")}
            groups.update({"nothing linked": ~offers["any"], "all rows": np.ones(len(links), bool)})
        counts = _train_counts(out, ds)
        if counts is not None:
            n = counts[hyb[0]["target"]]
            groups.update({"class with < 10 train rows": n < 10, "class with 10-49 train rows": (n >= 10) & (n < 50),
                           "class with >= 50 train rows": n >= 50})
        rows = [[name, str(int(mask.sum())), *(mean_sd([float((p["pred"][mask] == p["target"][mask]).mean())
                                                        if mask.any() else None for p in ps]) for ps in per.values())]
                for name, mask in groups.items()]
        moves = []
        for a, b in (pair for pair in PAIRS if pair[0] in per and pair[1] in per):
            right = [(pa["pred"] == pa["target"], pb["pred"] == pb["target"]) for pa, pb in zip(per[a], per[b],
                                                                                                strict=False)]
            fixed, broken = np.mean([(~x & y).sum() for x, y in right]), np.mean([(x & ~y).sum() for x, y in right])
            moves.append([f"{a} -> {b}", f"{fixed:.1f}", f"{broken:.1f}", f"{fixed - broken:+.1f}"])
        parts.append(f"**{ds}** (leaf accuracy in %, mean over {len(hyb)} seeds)\n\n"
                     + markdown_table(["test rows", "n", *(f"acc {v}" for v in per)], rows) + "\n"
                     + markdown_table(["from -> to", "rows fixed", "rows broken", "net (mean over seeds)"], moves))
    return "\n".join(parts)
