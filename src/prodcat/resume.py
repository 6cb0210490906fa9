"""Continuing a training run that was killed: which checkpoint, whether it fits the data, and the RNG.

- `ckpt_path=<file>` resumes from that checkpoint; `resume=true` from the run folder's
  `checkpoints/last.ckpt` when it exists (written every `callbacks.last_checkpoint.every_n_train_steps`
  steps and after every validation), and otherwise starts from scratch with a log line, so a requeued
  cluster job can always pass `resume=true hydra.run.dir=<its folder>`.
- A checkpoint trained on another label space cannot continue on this data: that fails before training,
  naming the checkpoint and the first differing class, instead of as a tensor shape error deep in Lightning.
- `ResumeState` saves the global torch RNG (dropout masks) and the training data's position in every
  checkpoint and restores both, so with the seeded per-epoch order (`prodcat.data.resumable`) a resumed
  run sees the same batches and draws the same dropout masks as an uninterrupted one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from lightning.pytorch.callbacks import Callback
from omegaconf import DictConfig

from prodcat.data.labels import LabelSpace
from prodcat.data.resumable import ResumableLoader

log = logging.getLogger(__name__)

LAST = "checkpoints/last.ckpt"


def resolve_ckpt_path(cfg: DictConfig, out_dir: Path) -> str | None:
    """The checkpoint `trainer.fit` resumes from, or None for a fresh start (see the module docstring)."""
    explicit = cfg.get("ckpt_path")
    if explicit:
        path = Path(str(explicit)).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"ckpt_path={explicit}: no such checkpoint file")
        return str(path)
    if cfg.get("resume"):
        last = out_dir / LAST
        if last.is_file():
            log.info("resume=true: continuing from %s", last)
            return str(last)
        log.warning("resume=true but %s does not exist: starting from scratch", last)
    return None


def check_label_space(ckpt_path: str, labels: LabelSpace) -> None:
    """Raise ValueError when the checkpoint's classes are not exactly this data's, in the same order."""
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True, mmap=True)
    saved = (ckpt.get("hyper_parameters") or {}).get("labels")
    if saved is None:
        raise ValueError(f"{ckpt_path}: no 'hyper_parameters.labels' in the checkpoint: not a prodcat checkpoint")
    theirs, ours = list(saved["leaves"]), list(labels.leaves)
    if theirs == ours:
        return
    only_ckpt, only_data = sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs))
    detail = (f"{len(only_ckpt)} classes only in the checkpoint (e.g. {only_ckpt[:3]}), {len(only_data)} only "
              f"in the data (e.g. {only_data[:3]})" if only_ckpt or only_data else "the same classes in another order")
    raise ValueError(f"{ckpt_path}: its label space (hyper_parameters.labels: {len(theirs)} classes) differs from "
                     f"the training data's ({len(ours)} classes): {detail}. Resume only with the data it was "
                     f"trained on (same data config and skip_invalid).")


class ResumeState(Callback):
    """What Lightning's own checkpoint leaves out, saved in every checkpoint and restored on resume: the
    global torch RNG (dropout masks; a uint8 tensor, so checkpoints still load with weights_only=True) and
    the position of a `ResumableLoader` in its epoch.

    The position is applied in `on_train_start` because Lightning 2.6 only loads a loader's state when
    it sets up the training data after the restore, and `configure_optimizers` (which asks for
    `estimated_stepping_batches`) has made it set up the data before; the sampler draws its order lazily,
    at the first batch, so the position still applies. Loading it twice is harmless."""

    def __init__(self):
        self._position: dict = {}

    def state_dict(self) -> dict:
        loader = self._loader
        return {"torch": torch.get_rng_state(), "loader": loader.state_dict() if loader is not None else {}}

    def load_state_dict(self, state: dict) -> None:
        torch.set_rng_state(state["torch"])
        self._position = state.get("loader") or {}

    def setup(self, trainer, pl_module, stage: str) -> None:
        self._trainer = trainer

    def on_train_start(self, trainer, pl_module) -> None:
        if self._position:
            if self._loader is None:
                raise RuntimeError("the checkpoint holds a training-data position but this run's training loader "
                                   "is not a prodcat ResumableLoader")
            self._loader.load_state_dict(self._position)
            self._position = {}

    @property
    def _loader(self) -> ResumableLoader | None:
        trainer = getattr(self, "_trainer", None)
        loader = getattr(trainer, "train_dataloader", None) if trainer is not None else None
        return loader if isinstance(loader, ResumableLoader) else None
