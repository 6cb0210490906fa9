"""Per-row evidence of the strong_hybrid runs, read back from their checkpoints (cached beside them): the
softmax of a text model, the hybrid's mixture members, the TF-IDF baseline's scores, and the metrics of
any (N, C) probabilities. Every cache is checked against the run's own test predictions when it is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from prodcat.serve.inputs import product_input
from prodcat.studies import run_catalog


def run_labels(folder: Path):
    """(catalog, label space, {split: (N,) class ids}) of a run: its own data config (.hydra/config.yaml),
    the val/test rows of classes unseen in training dropped, so rows are in the order the run scored them."""
    from prodcat.data.labels import LabelSpace, encode_labels

    catalog = run_catalog(folder)
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, skip_invalid=True)  # drops unseen-class val/test rows in place
    return catalog, labels, {k: np.asarray(v) for k, v in y.items()}


def best_checkpoint(folder: Path) -> Path:
    """The run's best checkpoint, found in its own folder (metrics.json names it by an absolute path, which
    moves with the folder)."""
    return folder / "checkpoints" / Path(json.loads((folder / "metrics.json").read_text())["best_checkpoint"]).name


def text_probabilities(folder: Path) -> dict[str, np.ndarray]:
    """A run's (N, C) softmax on val and test, from its best checkpoint through the Predictor (cached in
    probs.npz); checked against the run's own test predictions."""
    cache = folder / "probs.npz"
    if not cache.is_file():
        from prodcat.serve import Predictor

        predictor = Predictor.from_checkpoint(best_checkpoint(folder), batch_size=256)
        catalog, _, _ = run_labels(folder)
        probs = {s: predictor.probabilities([product_input(p) for p in catalog.split(s)]) for s in ("val", "test")}
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

        predictor = Predictor.from_checkpoint(best_checkpoint(folder), batch_size=256)
        module = predictor.backend.module
        catalog, _, _ = run_labels(folder)
        out = {}
        for split in ("val", "test"):
            items = [to_item(product_input(p)) for p in catalog.split(split)]
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


def tfidf_scores(folder: Path) -> dict[str, np.ndarray]:
    """The TF-IDF baseline's (N, C) decision scores on val and test (its own config; deterministic)."""
    cache = folder / "scores.npz"
    if not cache.is_file():
        from omegaconf import OmegaConf

        from prodcat.baselines.tfidf import build_model, decision_scores

        cfg = OmegaConf.load(folder / ".hydra" / "config.yaml")
        catalog, _, y = run_labels(folder)
        model = build_model(OmegaConf.to_container(cfg.tfidf), cfg.seed)
        model.fit([p.text for p in catalog.train], y["train"])
        np.savez_compressed(cache, **{s: decision_scores(model, [p.text for p in catalog.split(s)]).numpy()
                                      for s in ("val", "test")})
    return dict(np.load(cache))


def metrics_of(probs: np.ndarray, y: np.ndarray, level_ids) -> dict[str, float]:
    import torch

    from prodcat.eval.metrics import HierarchicalMetrics

    m = HierarchicalMetrics(probs.shape[1], level_ids)
    m.update(torch.from_numpy(np.log(np.clip(probs, 1e-12, None))), torch.from_numpy(y))
    return m.compute()


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
