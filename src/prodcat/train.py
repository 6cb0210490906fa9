"""`train(cfg) -> (metrics, objects)`: the pure function behind `train.py`; tests call it directly.

Data -> prepare (labels, graph, tokens) -> datamodule + module -> Trainer.fit -> test on the best
checkpoint -> `metrics.json` in the run folder. All `hydra.utils.instantiate` calls live here.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from prodcat.data.datamodule import CatalogDataModule
from prodcat.eval.run_record import run_record, slice_accuracy, write_json_atomic
from prodcat.models.heads import HEADS
from prodcat.models.module import ProductClassifier
from prodcat.prepare import prepare

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
    load_s = time.perf_counter() - started
    if cfg.get("model_type", "neural") == "tfidf":  # the classical baseline: no encoder, no Trainer
        from prodcat.baselines.tfidf import train_tfidf

        return train_tfidf(cfg, catalog, load_s)
    try:
        head_cls = HEADS[cfg.head.name]
        prepared = prepare(
            catalog, backbone_cfg=_plain(cfg.backbone), graph_cfg=_plain(cfg.graph),
            uses_text=head_cls.uses_text, uses_graph=head_cls.uses_graph, cache_dir=cfg.paths.cache_dir,
            out_dir=out_dir, seed=cfg.seed, skip_invalid=cfg.data.skip_invalid,
        )
        datamodule = CatalogDataModule(prepared.splits, prepared.pad_id, cfg.batch_size,
                                       cfg.eval_batch_size, cfg.num_workers)
        model = ProductClassifier(
            labels=prepared.labels.to_dict(), backbone=_plain(cfg.backbone), head=_plain(cfg.head),
            optim=_plain(cfg.optim), graph_dim=prepared.graph_dim, vocab_size=prepared.vocab_size, seed=cfg.seed,
        )
        if prepared.linker is not None:
            model.assets["linker"] = prepared.linker.state_dict()
        if prepared.tokenizer is not None:
            model.assets["tokenizer_files"] = _tokenizer_files(prepared.tokenizer, out_dir)

        loggers = _instantiate_all(cfg.get("logger"))
        callbacks = _instantiate_all(cfg.get("callbacks"))
        trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False, _convert_="all")
        params = {"total": sum(p.numel() for p in model.parameters()),
                  "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}
        for lg in loggers:
            lg.log_hyperparams({**_plain(cfg), "params": params, "data_info": catalog.info})

        t = time.perf_counter()
        trainer.fit(model, datamodule=datamodule)
        fit_s = time.perf_counter() - t
        epochs = max(1, trainer.current_epoch)

        # Final numbers come from the best checkpoint (the one early stopping and sweeps select).
        ckpt = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
        val = trainer.validate(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
        test, slices = {}, {}
        if cfg.test:
            t = time.perf_counter()
            test = trainer.test(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
            test_s = time.perf_counter() - t
            if not cfg.trainer.get("fast_dev_run"):  # a fast_dev_run scores one batch, not every row
                slices = {"test": slice_accuracy(catalog, "test", model.test_predictions,
                                                 prepared.splits["test"].labels)}
        timings = {"load_s": load_s, **prepared.timings, "fit_s": fit_s, "seconds_per_epoch": fit_s / epochs,
                   "epochs": trainer.current_epoch, **({"test_s": test_s} if cfg.test else {}),
                   "total_s": time.perf_counter() - started}
        metrics = run_record(cfg, catalog, prepared.labels, val=val, test=test, timings=timings, params=params,
                             link_rates=prepared.link_rates, best_checkpoint=ckpt, slices=slices)
        write_json_atomic(out_dir / "metrics.json", metrics)
        log.info("metrics written to %s", out_dir / "metrics.json")
        return metrics, {"cfg": cfg, "model": model, "datamodule": datamodule, "trainer": trainer,
                         "prepared": prepared, "catalog": catalog}
    finally:
        import wandb  # every job of a multirun must close its own W&B run

        wandb.finish()


def _tokenizer_files(tokenizer, out_dir: Path) -> dict[str, str]:
    """The tokenizer as {file name: text}, so a checkpoint can rebuild it without the cache or a hub."""
    folder = out_dir / "tokenizer"
    tokenizer.save_pretrained(str(folder))
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}
