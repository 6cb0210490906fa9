"""CONTRIBUTING.md's three examples run as written: a task (majority), a head given by its dotted path and a
catalog reader given by its `_target_`, each by one module and one config, through `train(cfg)`."""

from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf, open_dict
from torch import nn

from prodcat.data.catalog import Catalog, Product
from prodcat.train import train

from .conftest import compose


class GatedHead(nn.Module):
    """CONTRIBUTING.md's head: a learned per-dimension gate mixes h and a projection of g(x)."""

    uses_text, uses_graph, uses_label_vectors = True, True, False

    def __init__(self, text_dim: int, graph_dim: int, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.graph = nn.Linear(graph_dim, text_dim)
        self.gate = nn.Linear(text_dim + graph_dim, text_dim)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(text_dim, num_labels))

    def forward(self, h: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        z = torch.sigmoid(self.gate(torch.cat([h, g], dim=-1)))  # (B, H) in (0, 1)
        return self.out(z * h + (1 - z) * self.graph(g))


def read_tab_separated(file: str, name: str = "tsv") -> Catalog:
    """CONTRIBUTING.md's catalog: `title<TAB>a > b > c` lines, every 5th row to validation, every 5th + 1 to test."""
    rows = [line.split("\t") for line in Path(file).read_text(encoding="utf-8").splitlines() if line.strip()]
    products = [Product(text=t, path=tuple(p.strip() for p in path.split(">"))) for t, path in rows]
    parts = {"train": [p for i, p in enumerate(products) if i % 5 > 1],
             "val": products[0::5], "test": products[1::5]}
    return Catalog(name, parts["train"], parts["val"], parts["test"], {"source": file})


def test_majority_task_scores_the_most_frequent_leaf(tmp_path, fast_overrides):
    metrics, objects = train(compose(["task=majority", *fast_overrides], tmp_path))
    catalog, labels = objects["catalog"], objects["labels"]
    most_frequent = labels.leaves[int(objects["prior"].argmax())]
    expected = sum(p.leaf == most_frequent for p in catalog.test) / len(catalog.test)
    assert metrics["test"]["test/acc"] == pytest.approx(expected) and 0 < expected < 0.5
    assert (tmp_path / "run" / "metrics.json").is_file()


def test_unknown_task_names_the_available_ones(tmp_path):
    with pytest.raises(ValueError, match="majority"):
        train(compose(["task.name=nope"], tmp_path))


def test_a_head_by_its_dotted_path_trains_and_restores(tmp_path, fast_overrides):
    from prodcat.serve import Predictor

    cfg = compose(["+experiment=text_graph", f"head.name={__name__}.GatedHead", "~head.hidden", *fast_overrides],
                  tmp_path)
    metrics, objects = train(cfg)
    assert isinstance(objects["model"].head, GatedHead)
    restored = Predictor.from_checkpoint(metrics["best_checkpoint"], top_k=1)
    assert isinstance(restored.backend.module.head, GatedHead)


def test_a_catalog_reader_by_its_target(tmp_path, fast_overrides):
    lines = [f"{brand} {kind} model {i}\tToys > {kind.title()}s" for i in range(60)
             for brand, kind in [("lego", "brick"), ("hasbro", "puzzle"), ("mattel", "doll")][i % 3:i % 3 + 1]]
    (tmp_path / "toys.tsv").write_text("\n".join(lines), encoding="utf-8")
    cfg = compose(["+experiment=tfidf_baseline"], tmp_path)
    with open_dict(cfg):  # what conf/data/toys_tsv.yaml would hold
        cfg.data.catalog = OmegaConf.create({"_target_": f"{__name__}.read_tab_separated",
                                             "file": str(tmp_path / "toys.tsv"), "name": "toys_tsv"})
    metrics, _ = train(cfg)
    assert metrics["data"]["rows"] == {"train": 36, "val": 12, "test": 12}
    assert metrics["test"]["test/acc"] == 1.0  # the brand word gives the leaf away
