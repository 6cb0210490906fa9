"""task=classify: the neural classifier, trained with Lightning.

prepare (labels, tokens, graph vectors g(x), the lexical view) -> ProductClassifier + datamodule ->
Trainer.fit -> validation and test of the best checkpoint -> `metrics.json`, `test_report.json`,
`test_predictions.npz` in the run folder.

`freeze=frozen`: the module's encoder computes the pooled features of every split once (or they come from
the cache, `data/cache/features/<key>/`), and batches carry them instead of token ids.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from prodcat.data.datamodule import CatalogDataModule
from prodcat.distill import enabled as distill_enabled
from prodcat.distributed import after_ddp_fit, check_ddp_launch
from prodcat.eval.plots import plot_category_vectors
from prodcat.eval.report_tables import log_to_wandb, report_tables
from prodcat.eval.run_record import run_record, scored_every_row, slice_accuracy, write_json_atomic
from prodcat.features.store import describe_stores
from prodcat.models.heads import head_class
from prodcat.models.module import ProductClassifier
from prodcat.prepare import Prepared, add_text_features, feature_stores, prepare, resolved_backbone
from prodcat.resume import check_label_space, resolve_ckpt_path
from prodcat.tasks.context import Result, RunContext, freeze_choices, plain, tokenizer_files

log = logging.getLogger(__name__)


def _check(cfg) -> None:
    if distill_enabled(cfg):
        raise ValueError("distillation settings (distill=..., distill.teacher=...) need task=distill: "
                         "python train.py +experiment=distill distill.teacher=<ckpt>")


def serving_assets(prepared, out_dir) -> dict:
    """What the checkpoint carries for inference besides the weights: the linker's state, the lexical view's
    n-gram vocabularies and idf (the predictor's featurizer), the tokenizer files."""
    assets = {}
    if prepared.linker is not None:
        assets["linker"] = prepared.linker.state_dict()
    if prepared.lexical is not None:
        assets["lexical"] = prepared.lexical["featurizer"]
    if prepared.tokenizer is not None:
        assets["tokenizer_files"] = tokenizer_files(prepared.tokenizer, out_dir)
    return assets


def run(ctx: RunContext) -> Result:
    cfg, out_dir, catalog = ctx.cfg, ctx.out_dir, ctx.catalog
    _check(cfg)
    freeze = plain(cfg.freeze)
    resume_from = resolve_ckpt_path(cfg, out_dir)  # ckpt_path= / resume=true (prodcat.resume)
    head_cls = head_class(cfg.head.name)
    frozen = freeze["strategy"] == "frozen" and head_cls.uses_text
    prepared = prepare(
        catalog, backbone_cfg=plain(cfg.backbone), graph_cfg=plain(cfg.graph),
        uses_text=head_cls.uses_text, uses_graph=head_cls.uses_graph, cache_dir=cfg.paths.cache_dir,
        out_dir=out_dir, seed=cfg.seed, skip_invalid=cfg.data.skip_invalid, tokenize=not frozen,
        label_vectors=head_cls.uses_label_vectors, lexical_cfg=plain(cfg.lexical),
    )
    if resume_from:  # before any expensive step: a checkpoint of other classes cannot continue here
        check_label_space(resume_from, prepared.labels)
    backbone = resolved_backbone(plain(cfg.backbone), prepared)
    model = ProductClassifier(assets=serving_assets(prepared, out_dir),
        labels=prepared.labels.to_dict(), backbone=backbone, head=plain(cfg.head),
        optim=plain(cfg.optim), graph_dim=prepared.graph_dim, vocab_size=prepared.vocab_size, seed=cfg.seed,
        freeze=freeze, label_dim=prepared.label_dim, hierarchy=plain(cfg.hierarchy),
        label_vectors=prepared.label_vectors, **_lexical_args(cfg, prepared),
    )
    if frozen:  # the module's own encoder computes (or finds cached) the features it will never rerun
        t = time.perf_counter()
        add_text_features(prepared, feature_stores(catalog, model.encoder, prepared.tokenizer, backbone,
                                                   cfg.paths.cache_dir, freeze["batch_size"], model.encoder_sha256()))
        prepared.timings["features_s"] = time.perf_counter() - t
        # the one asset known only after construction: the store is keyed by the encoder's own weights
        model.assets["feature_cache"] = {s: str(st.folder) for s, st in prepared.feature_stores.items()}
    datamodule = CatalogDataModule(prepared.splits, prepared.pad_id, cfg.batch_size,
                                   cfg.eval_batch_size, cfg.num_workers, seed=cfg.seed,
                                   group_by_length=cfg.group_by_length)

    loggers = ctx.loggers()
    check_ddp_launch(cfg)
    trainer = ctx.trainer(loggers)
    params = {"total": sum(p.numel() for p in model.parameters()),
              "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}
    for lg in loggers:
        lg.log_hyperparams({**plain(cfg), "params": params, "data_info": catalog.info})
    if prepared.linker is not None:  # what the graph side learned, saved with every run that embeds it
        _log_image(loggers, "graph/category_vectors",
                   plot_category_vectors(prepared.linker, out_dir / "category_vectors.png"))

    t = time.perf_counter()
    trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from)
    fit_s = time.perf_counter() - t
    trained_epochs, fit_world_size = trainer.current_epoch, trainer.world_size

    # Final numbers come from the best checkpoint (the one early stopping and sweeps select).
    ckpt = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
    if fit_world_size > 1:
        trainer = after_ddp_fit(cfg, trainer, loggers)
        if trainer is None:  # not rank 0: rank 0 scores and writes metrics.json
            return Result({"test": {}, "timings": {"fit_s": fit_s}, "objective": {"value": None}}, {"model": model})
    val = trainer.validate(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
    test, slices = {}, {}
    if cfg.test:
        t = time.perf_counter()
        test = trainer.test(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
        prepared.timings["test_s"] = time.perf_counter() - t
        if scored_every_row("test", model.test_predictions, prepared.splits["test"].labels):
            slices = {"test": slice_accuracy(catalog, "test", model.test_predictions,
                                             prepared.splits["test"].labels)}
            tables = report_tables([p.text for p in catalog.test], prepared.splits["test"].labels,
                                   model.test_predictions, model.test_confidences, prepared.labels, seed=cfg.seed)
            write_json_atomic(out_dir / "test_report.json", tables)
            _save_test_predictions(out_dir, model.test_predictions, prepared)
            log_to_wandb(loggers, tables)
    timings = {"load_s": ctx.load_s, **prepared.timings, "fit_s": fit_s,
               "seconds_per_epoch": fit_s / max(1, trained_epochs), "epochs": trained_epochs,
               "total_s": ctx.elapsed()}
    metrics = run_record(cfg, catalog, prepared.labels, val=val, test=test, timings=timings, params=params,
                         link_rates=prepared.link_rates, best_checkpoint=ckpt, slices=slices,
                         choices={**freeze_choices(cfg, freeze), "hierarchical": bool(cfg.hierarchy.enabled)})
    metrics["features"] = describe_stores(prepared.feature_stores)
    metrics["resumed_from"] = resume_from
    metrics["world_size"] = fit_world_size  # processes that trained (DDP: 2 or more)
    ctx.write_metrics(metrics)
    return Result(metrics, {"cfg": cfg, "model": model, "datamodule": datamodule, "trainer": trainer,
                            "prepared": prepared, "catalog": catalog})


def _log_image(loggers: list, key: str, path: Path) -> None:
    from lightning.pytorch.loggers import WandbLogger

    for lg in loggers:
        if isinstance(lg, WandbLogger):
            lg.log_image(key=key, images=[str(path)])


def _lexical_args(cfg, prepared: Prepared) -> dict:
    """The module's lexical view: its size, fusion and loss weight as hyperparameters, the fitted model
    (W, b, T) as buffers."""
    if prepared.lexical is None:
        return {}
    model = prepared.lexical["model"]
    return {"lexical": {"n_features": int(model.weight.shape[0]), "fusion": cfg.lexical.fusion,
                        "head_loss_weight": cfg.lexical.head_loss_weight},
            "lexical_model": model}


def _save_test_predictions(out_dir: Path, pred: list[int], prepared: Prepared) -> None:
    """Per-row test predictions (and, for heads that read g(x), the two link flags per row), so studies
    can compare runs row by row: which rows a variant fixes or breaks, linked or not."""
    test = prepared.splits["test"]
    extra = {"graph_links": test.graph[:, -2:]} if test.graph is not None else {}
    np.savez_compressed(out_dir / "test_predictions.npz", pred=np.asarray(pred, dtype=np.int64),
                        target=np.asarray(test.labels), **extra)
