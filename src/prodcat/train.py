"""`train(cfg) -> Result(metrics, objects)`: the pure function behind `train.py`; tests call it directly.

One way through: `build_context(cfg)` reads the catalog and sets up the run folder and seeds once, then the
task the config selects (`task=classify|knn|tfidf|mlm|distill`, `prodcat.tasks`) runs on that context and
writes `metrics.json`.
"""

from __future__ import annotations

from omegaconf import DictConfig

from prodcat.tasks import get_task
from prodcat.tasks.context import Result, build_context


def train(cfg: DictConfig) -> Result:
    run = get_task(cfg.task.name)  # an unknown task fails before any data is read
    try:
        return run(build_context(cfg))
    finally:
        import wandb  # every job of a multirun must close its own W&B run

        wandb.finish()
