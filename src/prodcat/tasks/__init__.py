"""Tasks: what `python train.py` runs, one module per task, chosen by the `task` config group.

Each module has `run(ctx: RunContext) -> Result` (`prodcat.tasks.context`). Adding a task is one module
here plus `conf/task/<name>.yaml` with `name: <name>`; an experiment selects it with `override /task: <name>`.

- `classify`: the neural classifier (encoder and/or graph, optional lexical view), Lightning training.
- `knn`: a vote over the frozen encoder's cached features, no training (`task.k`, `task.index`...).
- `tfidf`: the TF-IDF + LinearSVC baseline.
- `mlm`: masked-language-model pretraining of a backbone.
- `distill`: a student trained under a frozen teacher checkpoint.
- `majority`: the most frequent training leaf for every row (the floor; the smallest task).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from prodcat.tasks.context import Result, RunContext


def available_tasks() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name != "context")


def get_task(name: str) -> Callable[[RunContext], Result]:
    """The `run` function of module `prodcat.tasks.<name>`."""
    if name not in available_tasks():
        raise ValueError(f"task={name!r}: expected one of {available_tasks()} (conf/task/, prodcat/tasks/)")
    return importlib.import_module(f"prodcat.tasks.{name}").run
