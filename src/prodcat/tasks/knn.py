"""task=knn: classify by a vote of the k nearest training rows in the frozen encoder's feature space.

No Trainer: the encoder's cached pooled features of every split (`prodcat.features.store`), a kNN vote
over the TRAIN ones (`prodcat.features.knn`), the same metrics.json as a trained head. The encoder is
frozen whatever `freeze` says; the vote's settings (k, temperature, index) are `task.*` (conf/task/knn.yaml).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch

from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.eval.run_record import run_record, slice_accuracy
from prodcat.features.knn import KNNClassifier
from prodcat.features.store import describe_stores
from prodcat.models.backbones import build_encoder
from prodcat.prepare import add_text_features, feature_stores, prepare, resolved_backbone
from prodcat.tasks.context import Result, RunContext, plain

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> Result:
    cfg, catalog = ctx.cfg, ctx.catalog
    prepared = prepare(catalog, backbone_cfg=plain(cfg.backbone), graph_cfg=plain(cfg.graph), uses_text=True,
                       uses_graph=False, cache_dir=cfg.paths.cache_dir, out_dir=ctx.out_dir, seed=cfg.seed,
                       skip_invalid=cfg.data.skip_invalid, tokenize=False)
    t = time.perf_counter()
    backbone = resolved_backbone(plain(cfg.backbone), prepared)
    encoder = build_encoder(backbone, prepared.vocab_size, cfg.seed)  # the same weights a module would hold
    batch_size = cfg.freeze.get("batch_size") or 256  # freeze=frozen's encoder batch; other strategies lack it
    add_text_features(prepared, feature_stores(catalog, encoder, prepared.tokenizer, backbone,
                                               cfg.paths.cache_dir, batch_size))
    prepared.timings["features_s"] = time.perf_counter() - t
    t = time.perf_counter()
    options = {k: v for k, v in plain(cfg.task).items() if k != "name" and v is not None}  # k, temperature...
    train_split = prepared.splits["train"]
    knn = KNNClassifier(train_split.text_features, train_split.labels, len(prepared.labels), seed=cfg.seed, **options)
    fit_s = time.perf_counter() - t
    results, preds = {}, {}
    for split in ("val", "test") if cfg.test else ("val",):
        t = time.perf_counter()
        scores = knn.scores(prepared.splits[split].text_features)  # (N, C)
        metrics = HierarchicalMetrics(len(prepared.labels), prepared.labels.level_ids)
        metrics.update(torch.from_numpy(scores), torch.as_tensor(prepared.splits[split].labels, dtype=torch.long))
        results[split] = {f"{split}/{k}": v for k, v in metrics.compute().items()}
        preds[split] = np.asarray(scores).argmax(1).tolist()
        prepared.timings[f"{split}_s"] = time.perf_counter() - t
    slices = {}
    if cfg.test:
        slices = {"test": slice_accuracy(catalog, "test", preds["test"], prepared.splits["test"].labels)}
    timings = {"load_s": ctx.load_s, **prepared.timings, "fit_s": fit_s, "total_s": ctx.elapsed()}
    params = {"total": 0, "trainable": 0, "memory_rows": len(train_split),
              "encoder": sum(p.numel() for p in encoder.parameters())}
    record = run_record(cfg, catalog, prepared.labels, val=results["val"], test=results.get("test", {}),
                        timings=timings, params=params, slices=slices, choices={"freeze": "frozen", "head": "knn"})
    record["features"] = describe_stores(prepared.feature_stores)
    ctx.write_metrics(record)
    log.info("knn vote: %s", {k: round(v, 4) for k, v in results.get("test", results["val"]).items()
                              if k.endswith("/acc")})
    return Result(record, {"cfg": cfg, "catalog": catalog, "prepared": prepared, "knn": knn,
                           "stores": prepared.feature_stores, "encoder": encoder})
