"""The command-line entry points: `prodcat-train`, `prodcat-predict`, `prodcat-export`, `prodcat-serve`
(pyproject.toml), which `python train.py`, `python predict.py`, `python export.py` and `python serve.py` at the
repository root also call.

The configs are the repository's `conf/` (an editable install, `pip install -e .`, as the Makefile does);
`PROJECT_ROOT` (the repository root, where `outputs/` and `data/` live) defaults to that checkout.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from prodcat.config_keys import check_keys

ROOT = Path(os.environ.get("PROJECT_ROOT") or Path(__file__).resolve().parents[2])
CONF = str(ROOT / "conf")
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network; `wandb sync` uploads later


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[%(asctime)s][%(name)s] %(message)s")
    logging.getLogger("prodcat").setLevel(logging.INFO)  # ours at INFO; libraries (ORT quantizer...) at WARNING


@hydra.main(version_base="1.3", config_path=CONF, config_name="train")
def train(cfg: DictConfig) -> float | None:
    """Train (or run any task): `prodcat-train +experiment=hybrid`; returns the objective for sweepers."""
    check_keys(cfg, CONF, "train")  # before the imports below (torch, Lightning: ~10 s): a typo fails at once
    from hydra.core.hydra_config import HydraConfig

    from prodcat.eval.run_record import error_record, write_json_atomic
    from prodcat.train import train as run_train

    try:
        metrics, _ = run_train(cfg)
    except Exception as exc:
        # A failed job leaves its error in its own folder; in a multirun Hydra still runs the other
        # jobs, and `python -m prodcat.report` lists the failure beside their results.
        out = Path(cfg.paths.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "error.json", error_record(cfg, exc, list(HydraConfig.get().overrides.task)))
        raise
    print(summary(metrics, Path(cfg.paths.output_dir)))
    return metrics["objective"]["value"]  # what a sweeper optimises


def summary(metrics: dict, out_dir: Path) -> str:
    """What a finished run prints: its scores, where its files are and what to try next."""
    lines = [f"\n== {metrics.get('run_name', 'run')} finished in {metrics['timings'].get('total_s', 0):.0f} s"]
    for split in ("val", "test"):
        scores = metrics.get(split) or {}
        shown = [f"{k.split('/', 1)[1]} {100 * scores[k]:.2f}" for k in
                 (f"{split}/acc", f"{split}/f1_weighted", f"{split}/f1_weighted_mean_levels") if k in scores]
        if shown:
            lines.append(f"   {split:<5} " + ", ".join(shown))
    lines.append(f"   metrics    {out_dir / 'metrics.json'}")
    ckpt = metrics.get("best_checkpoint")
    if ckpt:
        lines += [f"   checkpoint {ckpt}",
                  f"   next       python predict.py model={ckpt} 'texts=[apple iphone 15 pro 256gb]'"]
    return "\n".join(lines)


@hydra.main(version_base="1.3", config_path=CONF, config_name="predict")
def predict(cfg: DictConfig) -> None:
    """Top-k categories, one JSON line per input: `prodcat-predict model=<ckpt> 'texts=[...]'`."""
    from prodcat.serve.commands import predict as run_predict

    _quiet_logging()
    check_keys(cfg, CONF, "predict")
    run_predict(cfg)  # JSON lines go to stdout (or `output`); logs go to stderr


@hydra.main(version_base="1.3", config_path=CONF, config_name="export")
def export(cfg: DictConfig) -> None:
    """ONNX fp32 + INT8, each checked against the checkpoint: `prodcat-export checkpoint=<ckpt>`."""
    from prodcat.serve.commands import export as run_export
    from prodcat.serve.export import ExportCheckFailed

    _quiet_logging()
    check_keys(cfg, CONF, "export")
    try:
        reports = run_export(cfg)
    except ExportCheckFailed as e:
        print(json.dumps(e.reports, indent=2))
        sys.exit(f"error: {e}")
    print(json.dumps(reports, indent=2))


@hydra.main(version_base="1.3", config_path=CONF, config_name="serve")
def serve(cfg: DictConfig) -> None:
    """HTTP serving with dynamic batching: `prodcat-serve model=<export>/model.int8.onnx port=8000`."""
    from prodcat.serve.server import serve as run_serve

    _quiet_logging()
    check_keys(cfg, CONF, "serve")
    run_serve(cfg)
