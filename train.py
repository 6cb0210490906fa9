"""Train a product classifier: `python train.py +experiment=hybrid` (see conf/ and the README)."""

import json
import os
from pathlib import Path

import hydra
from omegaconf import DictConfig

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))
os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network; `wandb sync` uploads later


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from prodcat.train import train

    metrics, _ = train(cfg)
    print(json.dumps({"test": metrics["test"], "timings": metrics["timings"]}, indent=2))
    return metrics["objective"]["value"]  # what a sweeper optimises


if __name__ == "__main__":
    main()
