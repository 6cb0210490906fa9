"""`RunContext`: what every task starts from, built once per run by `build_context(cfg)`.

It holds the resolved config, the run folder, the catalog (read once, by the data config's reader) and the
run's clock, and it makes the pieces every task needs the same way: loggers and callbacks from their config
groups, a Trainer, the metrics record written atomically. What a task prepares beyond the catalog (tokens,
graph vectors, the lexical view, a teacher's logits) differs by task and is the task's own first step.
"""

from __future__ import annotations

import logging
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from prodcat.data.catalog import Catalog, with_brand_in_text
from prodcat.eval.run_record import write_json_atomic

log = logging.getLogger(__name__)


class Result(NamedTuple):
    """A task's outcome: the metrics record (also in `metrics.json`) and the objects tests inspect."""

    metrics: dict
    objects: dict


def plain(node) -> dict | list | None:
    """A config node as plain dicts and lists, interpolations resolved (None stays None)."""
    return OmegaConf.to_container(node, resolve=True) if node is not None else None


def instantiate_all(group: DictConfig | None) -> list:
    """Objects from a config group of named `_target_` entries (callbacks, loggers); null entries skipped."""
    return [instantiate(c, _convert_="all") for c in (group or {}).values() if c]


@dataclass
class RunContext:
    cfg: DictConfig
    out_dir: Path
    catalog: Catalog
    load_s: float  # seconds to read the catalog
    started: float = field(default_factory=time.perf_counter)  # the run's clock (time.perf_counter)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def loggers(self) -> list:
        """The configured loggers; a W&B logger gets this run folder's id, so a resumed run continues it."""
        out = []
        for c in (self.cfg.get("logger") or {}).values():
            if c:
                extra = {"id": self.wandb_run_id(), "resume": "allow"} if c._target_.endswith("WandbLogger") else {}
                out.append(instantiate(c, _convert_="all", **extra))
        return out

    def wandb_run_id(self) -> str:
        """The W&B run id of this run folder: made on the first run, read back by a resumed one."""
        path = self.out_dir / "wandb_run_id"
        if not path.is_file():
            path.write_text(uuid.uuid4().hex[:16])
        return path.read_text().strip()

    def trainer(self, loggers: list, extra_callbacks: tuple = (), train_rows: int | None = None) -> L.Trainer:
        """The configured Trainer with the configured callbacks (plus a task's own) and these loggers.
        `trainer.max_epochs=auto` is resolved here from the training rows the task passes (`auto_epochs`)."""
        callbacks = [*instantiate_all(self.cfg.get("callbacks")), *extra_callbacks]
        extra = {}
        if self.cfg.trainer.get("max_epochs") == "auto":
            if train_rows is None:
                raise ValueError(f"trainer.max_epochs=auto needs the number of training rows, which "
                                 f"task={self.cfg.task.name} does not give here; set a number of epochs")
            extra["max_epochs"] = auto_epochs(train_rows, self.cfg.batch_size * world_size(self.cfg.trainer))
            log.info("trainer.max_epochs=auto: %d epochs for %d training rows in batches of %d",
                     extra["max_epochs"], train_rows, self.cfg.batch_size)
        return instantiate(self.cfg.trainer, callbacks=callbacks, logger=loggers or False, _convert_="all", **extra)

    def write_metrics(self, metrics: dict) -> None:
        write_json_atomic(self.out_dir / "metrics.json", metrics)
        log.info("metrics written to %s", self.out_dir / "metrics.json")


# trainer.max_epochs=auto: at least AUTO_MIN_STEPS optimizer steps, in whole epochs between AUTO_EPOCHS. Longer
# fine-tuning kept paying on both real catalogs (4 -> 6 epochs: +0.23 MWPD, +0.33 Amazon toys, every seed;
# MWPD text alone on a GPU: 85.5 at 4 epochs, 87.1 at 8, 87.4 at 16), and the cost is per step, so a small
# catalog gets more epochs for the same time: 1,500 steps of 32 rows is 5 epochs of MWPD (10,012 rows, under 20
# minutes on 2 CPU cores) and 7 of Amazon toys (7,486 rows); a catalog past 12,000 rows keeps 4 epochs
# (experiments/strong_hybrid).
AUTO_MIN_STEPS = 1500
AUTO_EPOCHS = (4, 10)


def auto_epochs(train_rows: int, rows_per_step: int) -> int:
    """Whole epochs for at least AUTO_MIN_STEPS steps of `rows_per_step` rows, clamped to AUTO_EPOCHS."""
    if train_rows < 1 or rows_per_step < 1:
        raise ValueError(f"trainer.max_epochs=auto needs training rows and a batch size, got {train_rows} rows "
                         f"in steps of {rows_per_step}")
    steps_per_epoch = math.ceil(train_rows / rows_per_step)
    lo, hi = AUTO_EPOCHS
    return min(max(math.ceil(AUTO_MIN_STEPS / steps_per_epoch), lo), hi)


def world_size(trainer_cfg) -> int:
    """Processes that share an epoch's rows (devices x nodes when both are numbers, else 1)."""
    devices, nodes = trainer_cfg.get("devices", 1), trainer_cfg.get("num_nodes", 1)
    return devices * nodes if isinstance(devices, int) and isinstance(nodes, int) else 1


def build_context(cfg: DictConfig) -> RunContext:
    """Run folder, seeds, and the catalog the data config names (with the brand as words for text_brand)."""
    started = time.perf_counter()
    os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network unless asked (WANDB_MODE=online)
    out_dir = Path(cfg.paths.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    L.seed_everything(cfg.seed, workers=True)
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    if cfg.data.brand_in_text:  # +experiment=text_brand: the brand as words, not as graph links
        catalog = with_brand_in_text(catalog)
    return RunContext(cfg, out_dir, catalog, load_s=time.perf_counter() - started, started=started)


def freeze_choices(cfg: DictConfig, freeze: dict) -> dict:
    """The freezing choices a metrics record carries (its `choices`)."""
    return {"freeze": freeze["strategy"], **({"freeze_k": freeze["k"]} if freeze["strategy"] == "partial" else {}),
            "layer_decay": cfg.optim.layer_decay}


def tokenizer_files(tokenizer, out_dir: Path) -> dict[str, str]:
    """The tokenizer as {file name: text}, so a checkpoint can rebuild it without the cache or a hub."""
    folder = out_dir / "tokenizer"
    tokenizer.save_pretrained(str(folder))
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}
