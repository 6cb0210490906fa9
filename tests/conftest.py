"""Offline, fast fixtures: configs composed in code, tiny catalogs, a tiny BERT backbone."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ["HF_HUB_OFFLINE"] = "1"  # no test may reach a model hub
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
os.environ["PROJECT_ROOT"] = str(ROOT)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# A small but real run: the synthetic catalog at a tiny size, the tiny BERT, a small RDF2Vec, CSV logs.
FAST = [
    "backbone=tiny", "logger=csv", "data.catalog.n_train=600", "data.catalog.n_val=150",
    "data.catalog.n_test=150", "graph.settings.max_walks=8", "graph.settings.epochs=5",
    "batch_size=32", "trainer.max_epochs=1",
]


def compose(overrides: list[str], tmp_path: Path):
    """The training config as `python train.py <overrides>` would see it, writing into tmp_path."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import open_dict

    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        cfg = hydra_compose(config_name="train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(tmp_path / "run")
        cfg.paths.cache_dir = str(tmp_path.parent / "shared_cache")  # shared by the tests of one session
    return cfg


@pytest.fixture
def fast_overrides() -> list[str]:
    return list(FAST)
