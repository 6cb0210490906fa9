"""Tasks: what `python train.py` runs, one module per task, chosen by the `task` config group.

Each module has `run(ctx: RunContext) -> Result` (`prodcat.tasks.context`). Adding a task is one module
here plus `conf/task/<name>.yaml` with `name: <name>`; an experiment selects it with `override /task: <name>`.

- `classify`: the neural classifier (encoder and/or graph, optional lexical view), Lightning training.
- `knn`: a vote over the frozen encoder's cached features, no training (`task.k`, `task.index`...).
- `tfidf`: the TF-IDF + LinearSVC baseline.
- `mlm`: masked-language-model pretraining of a backbone.
- `distill`: a student trained under a frozen teacher checkpoint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from prodcat.tasks.context import Result, RunContext

TASKS = ("classify", "knn", "tfidf", "mlm", "distill")


def get_task(name: str) -> Callable[[RunContext], Result]:
    if name not in TASKS:
        raise ValueError(f"task={name!r}: expected one of {TASKS} (conf/task/)")
    return importlib.import_module(f"prodcat.tasks.{name}").run
