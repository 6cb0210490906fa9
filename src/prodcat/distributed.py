"""Training with several processes (Lightning DDP): what `train(cfg)` does differently.

- Lightning's `ddp` launcher starts ranks 1..N-1 by running `train.py` again with its arguments plus
  `hydra.run.dir=<rank 0's run folder>`: every rank writes into one folder. They start when rank 0 reaches
  `trainer.fit`, after it has prepared and cached everything, so they only read the caches.
- After the fit, rank 0 alone scores the best checkpoint on every val/test row (`after_ddp_fit`).
"""

from __future__ import annotations

import os

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig


def check_ddp_launch(cfg: DictConfig) -> None:
    """Lightning's `ddp` launcher starts the other processes by re-running this script with its own
    arguments plus `hydra.run.dir=<this run's folder>` (so every rank writes into one folder). Inside a
    local multirun (`-m`) that would re-run the whole sweep in every child: refuse it with the way out."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    t = cfg.trainer
    launched_here = str(t.get("strategy", "auto")).startswith("ddp") and not any(
        w in str(t.get("strategy")) for w in ("spawn", "fork", "notebook"))
    several = t.get("devices", 1) not in (1, "1", [0]) or int(t.get("num_nodes", 1)) > 1
    external = any(v in os.environ for v in ("SLURM_NTASKS", "TORCHELASTIC_RUN_ID", "LOCAL_RANK"))
    if (launched_here and several and not external and HydraConfig.initialized()
            and HydraConfig.get().mode == RunMode.MULTIRUN):
        raise ValueError(
            f"trainer.strategy={t.strategy} with trainer.devices={t.devices} inside a multirun (-m): Lightning would "
            "re-run the whole sweep in each extra process. Run the jobs one by one (no -m), or sweep with "
            "hydra/launcher=slurm and hydra.launcher.tasks_per_node=<devices> (SLURM starts the processes).")


def after_ddp_fit(cfg: DictConfig, trainer: L.Trainer, loggers: list) -> L.Trainer | None:
    """After a multi-process fit, every process leaves the process group; rank 0 gets a one-process Trainer
    to score the best checkpoint on EVERY val/test row once (under DDP each process would score a shard,
    which a DistributedSampler pads with repeated rows), the others None: they are done."""
    import torch.distributed as dist

    rank = trainer.global_rank
    trainer.strategy.barrier("prodcat_after_fit")
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()  # torchmetrics would otherwise sync with processes that have left
    if rank != 0:
        return None
    return instantiate(cfg.trainer, devices=1, num_nodes=1, strategy="auto", callbacks=[], logger=loggers or False,
                       enable_checkpointing=False, _convert_="all")
