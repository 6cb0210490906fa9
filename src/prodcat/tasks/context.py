"""`RunContext`: what every task starts from, built once per run by `build_context(cfg)`.

It holds the resolved config, the run folder, the catalog (read once, by the data config's reader) and the
run's clock, and it makes the pieces every task needs the same way: loggers and callbacks from their config
groups, a Trainer, the metrics record written atomically. What a task prepares beyond the catalog (tokens,
graph vectors, the lexical view, a teacher's logits) differs by task and is the task's own first step.
"""

from __future__ import annotations

import logging
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

    def trainer(self, loggers: list, extra_callbacks: tuple = ()) -> L.Trainer:
        """The configured Trainer with the configured callbacks (plus a task's own) and these loggers."""
        callbacks = [*instantiate_all(self.cfg.get("callbacks")), *extra_callbacks]
        return instantiate(self.cfg.trainer, callbacks=callbacks, logger=loggers or False, _convert_="all")

    def write_metrics(self, metrics: dict) -> None:
        write_json_atomic(self.out_dir / "metrics.json", metrics)
        log.info("metrics written to %s", self.out_dir / "metrics.json")


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
