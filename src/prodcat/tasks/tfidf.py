"""task=tfidf: the TF-IDF + LinearSVC baseline (`prodcat.baselines.tfidf`), fit on the train split,
scored on validation and test with the metric code of the neural tasks (`+experiment=tfidf_baseline`)."""

from __future__ import annotations

import logging
import time

import numpy as np

from prodcat.baselines.tfidf import build_model, evaluate
from prodcat.data.catalog import SPLITS
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.eval.run_record import run_record, slice_accuracy
from prodcat.tasks.context import Result, RunContext, plain

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> Result:
    cfg, catalog = ctx.cfg, ctx.catalog
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, cfg.data.skip_invalid)  # drops unknown val/test rows in place
    texts = {s: [p.text for p in catalog.split(s)] for s in SPLITS}

    tfidf = plain(cfg.tfidf)
    model = build_model(tfidf, cfg.seed)
    t = time.perf_counter()
    model.fit(texts["train"], y["train"])
    fit_s = time.perf_counter() - t
    svm = model.named_steps["svm"]
    # Column c of the decision function must be class id c: every class id occurs in train by construction.
    if svm.classes_.tolist() != list(range(len(labels))):
        raise RuntimeError("LinearSVC classes do not match the label space")

    t = time.perf_counter()
    val, _ = evaluate(model, texts["val"], y["val"], labels, "val")
    timings = {"load_s": ctx.load_s, "fit_s": fit_s, "val_s": time.perf_counter() - t}
    test, slices = {}, {}
    if cfg.test:
        t = time.perf_counter()
        test, pred = evaluate(model, texts["test"], y["test"], labels, "test")
        timings["test_s"] = time.perf_counter() - t
        slices = {"test": slice_accuracy(catalog, "test", pred, y["test"])}
    timings["total_s"] = ctx.elapsed()

    params = {"total": int(svm.coef_.size + svm.intercept_.size),
              "nonzero": int(np.count_nonzero(svm.coef_) + np.count_nonzero(svm.intercept_)),
              "n_features": int(svm.coef_.shape[1]), "tfidf": tfidf}
    metrics = run_record(cfg, catalog, labels, val=val, test=test, timings=timings, params=params,
                         choices={"backbone": "tfidf", "head": "linear_svc"}, slices=slices)
    ctx.write_metrics(metrics)
    log.info("tfidf baseline: %s", {k: round(v, 4) for k, v in (test or val).items() if "f1_weighted" in k})
    return Result(metrics, {"cfg": cfg, "catalog": catalog, "labels": labels, "model": model})
