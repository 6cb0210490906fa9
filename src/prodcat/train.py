"""`train(cfg) -> (metrics, objects)`: the pure function behind `train.py`; tests call it directly.

Data -> prepare (labels, graph, tokens) -> datamodule + module -> Trainer.fit -> test on the best
checkpoint -> `metrics.json` in the run folder. All `hydra.utils.instantiate` calls live here.

`freeze=frozen`: the module's encoder computes the pooled features of every split once (or they come from
the cache, `data/cache/features/<key>/`), and batches carry them instead of token ids. `head=knn`: no
Trainer; a k-nearest-neighbour vote over the cached training features (`prodcat.features.knn`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from prodcat.data.catalog import Catalog, with_brand_in_text
from prodcat.data.datamodule import CatalogDataModule
from prodcat.distill import enabled as distill_enabled
from prodcat.distributed import after_ddp_fit, check_ddp_launch
from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.eval.plots import plot_category_vectors
from prodcat.eval.run_record import run_record, slice_accuracy, write_json_atomic
from prodcat.eval.test_report import log_to_wandb, report_tables
from prodcat.features.knn import KNNClassifier
from prodcat.features.store import FeatureStore
from prodcat.models.backbones import build_encoder
from prodcat.models.heads import HEADS
from prodcat.models.module import ProductClassifier
from prodcat.prepare import Prepared, add_text_features, feature_stores, prepare
from prodcat.resume import check_label_space, resolve_ckpt_path

log = logging.getLogger(__name__)


def _plain(cfg) -> dict:
    return OmegaConf.to_container(cfg, resolve=True)


def _instantiate_all(group: DictConfig | None, **kwargs) -> list:
    """Objects from a config group of named `_target_` entries (callbacks, loggers); null entries skipped."""
    return [instantiate(c, _convert_="all", **kwargs) for c in (group or {}).values() if c]


def train(cfg: DictConfig) -> tuple[dict, dict]:
    out_dir = Path(cfg.paths.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    L.seed_everything(cfg.seed, workers=True)
    started = time.perf_counter()
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    if cfg.data.get("brand_in_text"):  # +experiment=text_brand: the brand as words, not as graph links
        catalog = with_brand_in_text(catalog)
    load_s = time.perf_counter() - started
    if cfg.get("model_type", "neural") == "tfidf":  # the classical baseline: no encoder, no Trainer
        from prodcat.baselines.tfidf import train_tfidf

        return train_tfidf(cfg, catalog, load_s)
    if cfg.get("model_type") == "mlm":  # +experiment=pretrain_mlm: masked-LM pretraining, no classifier
        from prodcat.pretrain.run import pretrain

        return pretrain(cfg, catalog, load_s)
    if distill_enabled(cfg):  # a teacher checkpoint trains a student (prodcat.distill)
        from prodcat.distill.run import train_distill

        return train_distill(cfg, catalog, load_s)
    freeze = _plain(cfg.get("freeze")) or {"strategy": "full"}
    if cfg.head.name == "knn":  # no gradient training: a vote over the frozen encoder's cached features
        return _train_knn(cfg, catalog, load_s, started)
    try:
        resume_from = resolve_ckpt_path(cfg, out_dir)  # ckpt_path= / resume=true (prodcat.resume)
        head_cls = HEADS[cfg.head.name]
        frozen = freeze["strategy"] == "frozen" and head_cls.uses_text
        prepared = prepare(
            catalog, backbone_cfg=_plain(cfg.backbone), graph_cfg=_plain(cfg.graph),
            uses_text=head_cls.uses_text, uses_graph=head_cls.uses_graph, cache_dir=cfg.paths.cache_dir,
            out_dir=out_dir, seed=cfg.seed, skip_invalid=cfg.data.skip_invalid, tokenize=not frozen,
            label_vectors=head_cls.uses_label_vectors, lexical_cfg=_plain(cfg.lexical),
        )
        if resume_from:  # before any expensive step: a checkpoint of other classes cannot continue here
            check_label_space(resume_from, prepared.labels)
        backbone = _resolved_backbone(cfg, prepared)
        model = ProductClassifier(
            labels=prepared.labels.to_dict(), backbone=backbone, head=_plain(cfg.head),
            optim=_plain(cfg.optim), graph_dim=prepared.graph_dim, vocab_size=prepared.vocab_size, seed=cfg.seed,
            freeze=freeze, label_dim=prepared.label_dim, hierarchy=_plain(cfg.get("hierarchy")),
            label_vectors=prepared.label_vectors, **_lexical_args(cfg, prepared),
        )
        if frozen:  # the module's own encoder computes (or finds cached) the features it will never rerun
            t = time.perf_counter()
            add_text_features(prepared, feature_stores(catalog, model.encoder, prepared.tokenizer,
                                                       backbone, cfg.paths.cache_dir,
                                                       freeze.get("batch_size", 256), model.encoder_sha256()))
            prepared.timings["features_s"] = time.perf_counter() - t
            model.assets["feature_cache"] = {s: str(st.folder) for s, st in prepared.feature_stores.items()}
        datamodule = CatalogDataModule(prepared.splits, prepared.pad_id, cfg.batch_size,
                                       cfg.eval_batch_size, cfg.num_workers, seed=cfg.seed)
        if prepared.linker is not None:
            model.assets["linker"] = prepared.linker.state_dict()
        if prepared.lexical is not None:  # the n-gram vocabularies and idf: the predictor's featurizer
            model.assets["lexical"] = prepared.lexical["featurizer"]
        if prepared.tokenizer is not None:
            model.assets["tokenizer_files"] = _tokenizer_files(prepared.tokenizer, out_dir)

        loggers = _instantiate_all(cfg.get("logger"))
        callbacks = _instantiate_all(cfg.get("callbacks"))
        check_ddp_launch(cfg)
        trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False, _convert_="all")
        params = {"total": sum(p.numel() for p in model.parameters()),
                  "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}
        for lg in loggers:
            lg.log_hyperparams({**_plain(cfg), "params": params, "data_info": catalog.info})
        if prepared.linker is not None:  # what the graph side learned, saved with every run that embeds it
            _log_image(loggers, "graph/category_vectors",
                       plot_category_vectors(prepared.linker, out_dir / "category_vectors.png"))

        t = time.perf_counter()
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from)
        fit_s = time.perf_counter() - t
        trained_epochs, fit_world_size = trainer.current_epoch, trainer.world_size
        epochs = max(1, trained_epochs)

        # Final numbers come from the best checkpoint (the one early stopping and sweeps select).
        ckpt = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
        if fit_world_size > 1:
            trainer = after_ddp_fit(cfg, trainer, loggers)
            if trainer is None:  # not rank 0: rank 0 scores and writes metrics.json
                return {"test": {}, "timings": {"fit_s": fit_s}, "objective": {"value": None}}, {"model": model}
        val = trainer.validate(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
        test, slices = {}, {}
        if cfg.test:
            t = time.perf_counter()
            test = trainer.test(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
            test_s = time.perf_counter() - t
            if not cfg.trainer.get("fast_dev_run"):  # a fast_dev_run scores one batch, not every row
                slices = {"test": slice_accuracy(catalog, "test", model.test_predictions,
                                                 prepared.splits["test"].labels)}
                tables = report_tables([p.text for p in catalog.test], prepared.splits["test"].labels,
                                       model.test_predictions, model.test_confidences, prepared.labels,
                                       seed=cfg.seed)
                write_json_atomic(out_dir / "test_report.json", tables)
                _save_test_predictions(out_dir, model.test_predictions, prepared)
                log_to_wandb(loggers, tables)
        timings = {"load_s": load_s, **prepared.timings, "fit_s": fit_s, "seconds_per_epoch": fit_s / epochs,
                   "epochs": trained_epochs, **({"test_s": test_s} if cfg.test else {}),
                   "total_s": time.perf_counter() - started}
        metrics = run_record(cfg, catalog, prepared.labels, val=val, test=test, timings=timings, params=params,
                             link_rates=prepared.link_rates, best_checkpoint=ckpt, slices=slices,
                             choices={**_freeze_choices(cfg, freeze),
                                      "hierarchical": bool((cfg.get("hierarchy") or {}).get("enabled"))})
        metrics["features"] = _feature_info(prepared.feature_stores)
        metrics["resumed_from"] = resume_from
        metrics["world_size"] = fit_world_size  # processes that trained (DDP: 2 or more)
        write_json_atomic(out_dir / "metrics.json", metrics)
        log.info("metrics written to %s", out_dir / "metrics.json")
        return metrics, {"cfg": cfg, "model": model, "datamodule": datamodule, "trainer": trainer,
                         "prepared": prepared, "catalog": catalog}
    finally:
        import wandb  # every job of a multirun must close its own W&B run

        wandb.finish()


def _log_image(loggers: list, key: str, path: Path) -> None:
    from lightning.pytorch.loggers import WandbLogger

    for lg in loggers:
        if isinstance(lg, WandbLogger):
            lg.log_image(key=key, images=[str(path)])


def _resolved_backbone(cfg: DictConfig, prepared: Prepared) -> dict:
    """The backbone config with `max_length: auto` replaced by the length prepare() chose, so the
    checkpoint, the feature cache key and inference all truncate as training did."""
    backbone = _plain(cfg.backbone)
    if prepared.max_length:
        backbone["max_length"] = prepared.max_length
    return backbone


def _lexical_args(cfg: DictConfig, prepared: Prepared) -> dict:
    """The module's lexical view: its size, fusion and loss weight as hyperparameters, the fitted model
    (W, b, T) as buffers."""
    if prepared.lexical is None:
        return {}
    model = prepared.lexical["model"]
    return {"lexical": {"n_features": int(model.weight.shape[0]), "fusion": cfg.lexical.fusion,
                        "head_loss_weight": cfg.lexical.head_loss_weight},
            "lexical_model": model}


def _tokenizer_files(tokenizer, out_dir: Path) -> dict[str, str]:
    """The tokenizer as {file name: text}, so a checkpoint can rebuild it without the cache or a hub."""
    folder = out_dir / "tokenizer"
    tokenizer.save_pretrained(str(folder))
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def _save_test_predictions(out_dir: Path, pred: list[int], prepared: Prepared) -> None:
    """Per-row test predictions (and, for heads that read g(x), the two link flags per row), so studies
    can compare runs row by row: which rows a variant fixes or breaks, linked or not."""
    test = prepared.splits["test"]
    extra = {"graph_links": test.graph[:, -2:]} if test.graph is not None else {}
    np.savez_compressed(out_dir / "test_predictions.npz", pred=np.asarray(pred, dtype=np.int64),
                        target=np.asarray(test.labels), **extra)


def _freeze_choices(cfg: DictConfig, freeze: dict) -> dict:
    return {"freeze": freeze["strategy"], **({"freeze_k": freeze["k"]} if freeze["strategy"] == "partial" else {}),
            "layer_decay": cfg.optim.get("layer_decay")}


def _feature_info(stores: dict[str, FeatureStore]) -> dict:
    """Which feature caches a run read, and whether it had to build them (metrics.json `features`)."""
    if not stores:
        return {}
    return {"cache": "built" if any(s.built for s in stores.values()) else "hit",
            "build_s": sum(s.build_s for s in stores.values()),
            "keys": {split: s.key for split, s in stores.items()},
            "folders": {split: str(s.folder) for split, s in stores.items()}}


def _score(scores: np.ndarray, y: np.ndarray, prepared: Prepared, split: str) -> dict:
    metrics = HierarchicalMetrics(len(prepared.labels), prepared.labels.level_ids)
    metrics.update(torch.from_numpy(scores), torch.as_tensor(y, dtype=torch.long))
    return {f"{split}/{k}": v for k, v in metrics.compute().items()}


def _train_knn(cfg: DictConfig, catalog: Catalog, load_s: float, started: float) -> tuple[dict, dict]:
    """`head=knn`: the frozen encoder's cached features of every split, a kNN vote over the TRAIN ones;
    the same metrics.json as a trained head (the encoder is frozen whatever `freeze` says)."""
    out_dir = Path(cfg.paths.output_dir)
    head = _plain(cfg.head)
    prepared = prepare(catalog, backbone_cfg=_plain(cfg.backbone), graph_cfg=_plain(cfg.graph), uses_text=True,
                       uses_graph=False, cache_dir=cfg.paths.cache_dir, out_dir=out_dir, seed=cfg.seed,
                       skip_invalid=cfg.data.skip_invalid, tokenize=False)
    t = time.perf_counter()
    backbone = _resolved_backbone(cfg, prepared)
    encoder = build_encoder(backbone, prepared.vocab_size, cfg.seed)  # the same weights a module would hold
    batch_size = (_plain(cfg.get("freeze")) or {}).get("batch_size", 256)
    add_text_features(prepared, feature_stores(catalog, encoder, prepared.tokenizer, backbone,
                                               cfg.paths.cache_dir, batch_size))
    prepared.timings["features_s"] = time.perf_counter() - t
    t = time.perf_counter()
    options = {k: v for k, v in head.items() if k != "name" and v is not None}  # k, temperature, index...
    train_split = prepared.splits["train"]
    knn = KNNClassifier(train_split.text_features, train_split.labels, len(prepared.labels), seed=cfg.seed, **options)
    fit_s = time.perf_counter() - t
    results, preds = {}, {}
    for split in ("val", "test") if cfg.test else ("val",):
        t = time.perf_counter()
        scores = knn.scores(prepared.splits[split].text_features)  # (N, C)
        results[split] = _score(scores, prepared.splits[split].labels, prepared, split)
        preds[split] = scores.argmax(1).tolist()
        prepared.timings[f"{split}_s"] = time.perf_counter() - t
    slices = {}
    if cfg.test:
        slices = {"test": slice_accuracy(catalog, "test", preds["test"], prepared.splits["test"].labels)}
    timings = {"load_s": load_s, **prepared.timings, "fit_s": fit_s, "total_s": time.perf_counter() - started}
    params = {"total": 0, "trainable": 0, "memory_rows": len(prepared.splits["train"]),
              "encoder": sum(p.numel() for p in encoder.parameters())}
    metrics = run_record(cfg, catalog, prepared.labels, val=results["val"], test=results.get("test", {}),
                         timings=timings, params=params, slices=slices, choices={"freeze": "frozen"})
    metrics["features"] = _feature_info(prepared.feature_stores)
    write_json_atomic(out_dir / "metrics.json", metrics)
    log.info("knn head: %s; metrics written to %s", {k: round(v, 4) for k, v in results.get(
        "test", results["val"]).items() if k.endswith("/acc")}, out_dir / "metrics.json")
    return metrics, {"cfg": cfg, "catalog": catalog, "prepared": prepared, "knn": knn,
                     "stores": prepared.feature_stores, "encoder": encoder}
