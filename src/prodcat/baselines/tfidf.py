"""TF-IDF + LinearSVC: the lexical baseline every neural run is compared against.

Same catalog reader, label space (train split only) and `HierarchicalMetrics` as `prodcat.train`, so
its `metrics.json` has the same shape and metric names and a sweep summary reads both alike.

Features: word 1-2 grams and char_wb 2-5 grams (n-grams inside word boundaries, robust to model codes
and typos), each TF-IDF with sublinear tf and l2 norm, concatenated. Classifier: one-vs-rest LinearSVC on
the leaf class. Its decision function (N, C) stands in for logits: the argmax gives the leaf (and through
its ancestors every level), the top 5 give `acc_top5`.
`params`: total = n_features x n_classes + n_classes (weights and biases of the linear model, the size
of the stored model), nonzero = the nonzero ones (each class's weight vector is a sum of its support
vectors, so n-grams absent from all of them stay 0: about 20% of the total on MWPD).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.eval.run_record import run_record, slice_accuracy, write_json_atomic

log = logging.getLogger(__name__)


def build_model(tfidf: dict, seed: int) -> Pipeline:
    common = dict(sublinear_tf=True, lowercase=True, max_features=tfidf.get("max_features"), dtype=np.float32)
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(tfidf["word_ngrams"]), **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(tfidf["char_ngrams"]), **common)),
    ])
    return Pipeline([("features", features), ("svm", LinearSVC(C=tfidf["C"], random_state=seed))])


def decision_scores(model: Pipeline, texts: list[str]) -> torch.Tensor:
    """(N, C) class scores; LinearSVC gives one column (class 1's score) for two classes."""
    d = np.asarray(model.decision_function(texts), dtype=np.float32)
    if d.ndim == 1:
        d = np.stack([-d, d], axis=1)
    return torch.from_numpy(d)


def evaluate(model: Pipeline, texts: list[str], y: list[int], labels: LabelSpace, split: str):
    """({split}/metric: value, predicted class ids) on one split."""
    metrics = HierarchicalMetrics(len(labels), labels.level_ids)
    scores = decision_scores(model, texts)  # (N, C)
    metrics.update(scores, torch.tensor(y, dtype=torch.long))
    return {f"{split}/{k}": v for k, v in metrics.compute().items()}, scores.argmax(-1).tolist()


def train_tfidf(cfg: DictConfig, catalog: Catalog, load_s: float = 0.0) -> tuple[dict, dict]:
    """Fit on the train split, score val and test; called by `prodcat.train.train` (model_type=tfidf)."""
    started = time.perf_counter()
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, cfg.data.skip_invalid)  # drops unknown val/test rows in place
    texts = {s: [p.text for p in catalog.split(s)] for s in SPLITS}

    tfidf = OmegaConf.to_container(cfg.tfidf, resolve=True)
    model = build_model(tfidf, cfg.seed)
    t = time.perf_counter()
    model.fit(texts["train"], y["train"])
    fit_s = time.perf_counter() - t
    svm = model.named_steps["svm"]
    # Column c of the decision function must be class id c: every class id occurs in train by construction.
    assert svm.classes_.tolist() == list(range(len(labels))), "LinearSVC classes do not match the label space"

    t = time.perf_counter()
    val, _ = evaluate(model, texts["val"], y["val"], labels, "val")
    val_s = time.perf_counter() - t
    test, timings, slices = {}, {}, {}
    if cfg.test:
        t = time.perf_counter()
        test, pred = evaluate(model, texts["test"], y["test"], labels, "test")
        timings["test_s"] = time.perf_counter() - t
        slices = {"test": slice_accuracy(catalog, "test", pred, y["test"])}

    n_features = svm.coef_.shape[1]
    params = {"total": int(svm.coef_.size + svm.intercept_.size),
              "nonzero": int(np.count_nonzero(svm.coef_) + np.count_nonzero(svm.intercept_)),
              "n_features": int(n_features), "tfidf": tfidf}
    timings = {"load_s": load_s, "fit_s": fit_s, "val_s": val_s, **timings,
               "total_s": load_s + time.perf_counter() - started}
    metrics = run_record(cfg, catalog, labels, val=val, test=test, timings=timings, params=params,
                         choices={"backbone": "tfidf", "head": "linear_svc"}, slices=slices)
    out = Path(cfg.paths.output_dir) / "metrics.json"
    write_json_atomic(out, metrics)
    log.info("tfidf baseline: %s; metrics written to %s",
             {k: round(v, 4) for k, v in (test or val).items() if "f1_weighted" in k}, out)
    return metrics, {"cfg": cfg, "catalog": catalog, "labels": labels, "model": model}
