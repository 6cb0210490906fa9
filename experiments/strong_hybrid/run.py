"""Issue 18's study: a hybrid (text encoder + lexical view + graph) against TF-IDF and text alone.

Every neural row fine-tunes the packaged MiniLM-L6 with the defaults (freeze=full, 4 epochs, batch 32,
encoder lr 8e-5, head lr 2e-3, warmup 6 % then linear decay, clipping 1.0, max_length auto), selects the
best epoch on validation and scores test once. Runs go to outputs/strong_hybrid/<dataset>/<variant>/seed<k>/.

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
import os
from pathlib import Path

import numpy as np

from prodcat.studies import ROOT, execute, markdown_table, mean_sd, record, run_folder, write_generated, write_records

HERE = Path(__file__).resolve().parent
OUT = ROOT / "outputs" / "strong_hybrid"
STUDY = "strong_hybrid"
DATASETS = ("mwpd", "amazon_toys")
VARIANTS = {
    "tfidf_baseline": ["+experiment=tfidf_baseline"],
    "text_only": ["+experiment=text_only"],
    "text_lexical": ["+experiment=text_lexical"],
    "text_graph": ["+experiment=text_graph", "head=experts"],  # the hybrid without its lexical view
    "text_graph_concat": ["+experiment=text_graph"],  # one MLP over [h ; g] (what did not work)
    "lexical_graph": ["+experiment=lexical_graph"],
    "hybrid": ["+experiment=hybrid"],  # text and graph experts + the lexical view, mixed with weights fit on val
    # the earlier fusions, kept as what did not work: the lexical term added to the logits with a learned scale,
    # with CE of the head alone beside the fused CE (joint), or the fused CE alone (residual)
    "hybrid_joint": ["+experiment=hybrid", "head=concat", "lexical.fusion=joint"],
    "hybrid_residual": ["+experiment=hybrid", "head=concat", "lexical.fusion=joint", "lexical.head_loss_weight=0"],
}
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


# -- per-row evidence -------------------------------------------------------------------------------
def _catalog(folder: Path):
    """(catalog, label space, {split: (N,) class ids}) of a run: its own data config (.hydra/config.yaml),
    the val/test rows of classes unseen in training dropped, so rows are in the order the run scored them."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from prodcat.data.labels import LabelSpace, encode_labels

    os.environ.setdefault("PROJECT_ROOT", str(ROOT))
    catalog = instantiate(OmegaConf.load(folder / ".hydra" / "config.yaml").data.catalog, _convert_="all")
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, skip_invalid=True)  # drops unseen-class val/test rows in place
    return catalog, labels, {k: np.asarray(v) for k, v in y.items()}


def _offer(p) -> dict:
    """A row as the predictor takes it: the text and what the graph links (brand, MWPD's seller and breadcrumb)."""
    extra = {k: getattr(p, k) for k in ("seller", "shop_category") if getattr(p, k, None)}
    return {"text": p.text, "brand": p.brand, **extra}


def text_probabilities(folder: Path) -> dict[str, np.ndarray]:
    """A run's (N, C) softmax on val and test, from its best checkpoint through the Predictor (cached in
    probs.npz); checked against the run's own test predictions."""
    cache = folder / "probs.npz"
    if not cache.is_file():
        from prodcat.serve import Predictor

        metrics = json.loads((folder / "metrics.json").read_text())
        predictor = Predictor.from_checkpoint(metrics["best_checkpoint"], batch_size=256)
        catalog, _, _ = _catalog(folder)
        probs = {s: predictor.probabilities([_offer(p) for p in catalog.split(s)]) for s in ("val", "test")}
        saved = np.load(folder / "test_predictions.npz")["pred"]
        agree = float((probs["test"].argmax(1) == saved).mean())
        if agree < 0.999:
            raise RuntimeError(f"{folder}: the checkpoint's test predictions agree with the run's on {agree:.4f}")
        np.savez_compressed(cache, **probs)
    return dict(np.load(cache))


def member_logits(folder: Path) -> dict[str, list[np.ndarray]]:
    """The hybrid's mixture members on val and test, [(N, C) text, graph, lexical T d] per split, from its best
    checkpoint through the Predictor's inputs (cached in members.npz); the mixture of the checkpoint's own
    weights is checked against the run's test predictions."""
    cache = folder / "members.npz"
    if not cache.is_file():
        import torch

        from prodcat.serve import Predictor
        from prodcat.serve.inputs import to_item

        metrics = json.loads((folder / "metrics.json").read_text())
        predictor = Predictor.from_checkpoint(metrics["best_checkpoint"], batch_size=256)
        module = predictor.backend.module
        catalog, _, _ = _catalog(folder)
        out = {}
        for split in ("val", "test"):
            items = [to_item(_offer(p)) for p in catalog.split(split)]
            parts = []
            for i in range(0, len(items), 256):
                inputs = {k: torch.from_numpy(v) for k, v in predictor.features(items[i:i + 256])[0].items()}
                with torch.inference_mode():
                    experts, scores, _ = module.view_logits(inputs)
                parts.append([*experts, module.lexical.logits(scores)])
            members = [torch.cat([b[k] for b in parts]) for k in range(len(parts[0]))]
            out.update({f"{split}_{k}": m.numpy() for k, m in enumerate(members)})
            if split == "test":
                agree = float((module.mixture(members).argmax(-1).numpy()
                               == np.load(folder / "test_predictions.npz")["pred"]).mean())
                if agree < 0.999:
                    raise RuntimeError(f"{folder}: the checkpoint's mixture agrees with the run's test on {agree:.4f}")
        np.savez_compressed(cache, **out)
    z = dict(np.load(cache))
    return {s: [z[k] for k in sorted(z, key=lambda k: int(k.rsplit("_", 1)[1])) if k.startswith(s)]
            for s in ("val", "test")}


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
    scores = {f"test/{k}": v for k, v in _metrics(probs, y["test"], labels.level_ids).items()
              if k in ("acc", "f1_weighted", "f1_macro", "f1_weighted_mean_levels")}
    return {**scores, "weights": mixture.weights.tolist(), "sharpness": float(mixture.sharpness)}, probs.argmax(1)


def tfidf_scores(folder: Path) -> dict[str, np.ndarray]:
    """The TF-IDF baseline's (N, C) decision scores on val and test (its own config; deterministic)."""
    cache = folder / "scores.npz"
    if not cache.is_file():
        from omegaconf import OmegaConf

        from prodcat.baselines.tfidf import build_model, decision_scores

        cfg = OmegaConf.load(folder / ".hydra" / "config.yaml")
        catalog, _, y = _catalog(folder)
        model = build_model(OmegaConf.to_container(cfg.tfidf), cfg.seed)
        model.fit([p.text for p in catalog.train], y["train"])
        np.savez_compressed(cache, **{s: decision_scores(model, [p.text for p in catalog.split(s)]).numpy()
                                      for s in ("val", "test")})
    return dict(np.load(cache))


def _metrics(probs: np.ndarray, y: np.ndarray, level_ids) -> dict[str, float]:
    import torch

    from prodcat.eval.metrics import HierarchicalMetrics

    m = HierarchicalMetrics(probs.shape[1], level_ids)
    m.update(torch.from_numpy(np.log(np.clip(probs, 1e-12, None))), torch.from_numpy(y))
    return m.compute()


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def late_fusion(dataset: str, seed: int, labels, y: dict) -> tuple[dict, np.ndarray] | None:
    """w p_text + (1 - w) softmax(T d_tfidf), (w, T) by validation weighted F1 (leaf); test scored once."""
    text, tfidf = run_folder(OUT, dataset, "text_only", seed), run_folder(OUT, dataset, "tfidf_baseline", 0)
    if not ((text / "metrics.json").is_file() and (tfidf / "metrics.json").is_file()):
        return None
    p, d = text_probabilities(text), tfidf_scores(tfidf)
    grid = [(w, t) for w in np.linspace(0, 1, 21) for t in (1, 2, 5, 10, 20, 50)]

    def fused(split, w, t):
        return w * p[split] + (1 - w) * _softmax(t * d[split])

    val = {g: _metrics(fused("val", *g), y["val"], labels.level_ids)["f1_weighted"] for g in grid}
    w, t = max(val, key=val.get)
    probs = fused("test", w, t)
    scores = {f"test/{k}": v for k, v in _metrics(probs, y["test"], labels.level_ids).items()
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
        _, labels, y = _catalog(first)
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
                rec = record(STUDY, ds, variant, seed, folder, slices(pred, y["test"], rare, ambiguous))
                if rec is not None:
                    recs.append(rec)
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
    recs = collect(list(DATASETS), args.seeds)
    write_records(HERE / "results.json", recs)
    text = "".join(f"\n**{ds}** (test, mean ± sd over seeds)\n\n{table(recs, ds)}" for ds in DATASETS
                   if any(r["dataset"] == ds for r in recs))
    write_generated(HERE / "README.md", text)
    print(text)


if __name__ == "__main__":
    main()
