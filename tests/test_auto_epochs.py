"""trainer.max_epochs=auto: whole epochs for a minimum number of optimizer steps, from the catalog's size."""

import pytest

from prodcat.tasks import context
from prodcat.tasks.context import auto_epochs, build_context
from prodcat.train import train

from .conftest import compose


@pytest.mark.parametrize("rows, epochs", [
    (10_012, 5),    # MWPD: 313 steps of 32 rows an epoch
    (7_486, 7),     # Amazon toys: 234 steps
    (12_000, 4),    # 375 steps: exactly 1,500 in 4 epochs
    (100_000, 4),   # a large catalog keeps the floor
    (600, 10),      # a tiny one stops at the ceiling
])
def test_auto_epochs_reach_the_minimum_steps_within_bounds(rows, epochs):
    assert auto_epochs(rows, 32) == epochs


def test_auto_epochs_refuse_empty_input():
    with pytest.raises(ValueError, match="0 rows"):
        auto_epochs(0, 32)


def test_auto_epochs_drive_the_trainer(tmp_path, fast_overrides, monkeypatch):
    # 600 rows in batches of 300 are 2 steps an epoch: 12 steps need 6 epochs, inside the bounds
    monkeypatch.setattr(context, "AUTO_MIN_STEPS", 12)
    cfg = compose([*fast_overrides, "trainer.max_epochs=auto", "batch_size=300", "test=false"], tmp_path)
    metrics, objects = train(cfg)
    assert metrics["timings"]["epochs"] == 6
    assert objects["trainer"].global_step == 12


def test_auto_epochs_need_a_task_that_trains_on_rows(tmp_path, fast_overrides):
    ctx = build_context(compose([*fast_overrides, "trainer.max_epochs=auto"], tmp_path))
    with pytest.raises(ValueError, match="needs the number of training rows, which task=classify"):
        ctx.trainer([])
