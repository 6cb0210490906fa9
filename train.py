"""Train a product classifier: `python train.py +experiment=hybrid` (see conf/ and the README)."""

import json
import os
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))
os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network; `wandb sync` uploads later


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from prodcat.eval.run_record import error_record, write_json_atomic
    from prodcat.train import train

    try:
        metrics, _ = train(cfg)
    except Exception as exc:
        # A failed job leaves its error in its own folder; in a multirun Hydra still runs the other
        # jobs, and `python -m prodcat.report` lists the failure beside their results.
        out = Path(cfg.paths.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "error.json", error_record(cfg, exc, list(HydraConfig.get().overrides.task)))
        raise
    print(json.dumps({"test": metrics["test"], "timings": metrics["timings"]}, indent=2))
    return metrics["objective"]["value"]  # what a sweeper optimises


if __name__ == "__main__":
    main()
