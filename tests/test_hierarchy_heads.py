"""Hierarchy-aware heads: the label-graph head, per-level auxiliary losses, hierarchy-masked decoding
(predictions always consistent with the tree), and both trained end to end through `train(cfg)`."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from prodcat.data.catalog import Catalog, Product, with_brand_in_text
from prodcat.data.labels import LabelSpace
from prodcat.models.heads import LabelGraphHead
from prodcat.models.hierarchy import Hierarchy, level_weights
from prodcat.models.module import ProductClassifier
from prodcat.serve import Predictor
from prodcat.serve.export import export_checked
from prodcat.train import train

from .conftest import compose

# A tree of variable depth: "B > z" is a leaf at level 2 of a depth-3 tree.
PATHS = [("A", "a1", "x"), ("A", "a1", "y"), ("A", "a2", "w"), ("B", "b1", "v"), ("B", "z")]
TINY_BACKBONE = {"name": "tiny", "architecture": {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                                                  "intermediate_size": 32, "max_position_embeddings": 40},
                 "pooling": "cls", "pooling_layers": 4}
OPTIM = {"lr": 1e-3, "head_lr": 3e-2, "weight_decay": 0.0, "warmup_ratio": 0.0}


def _labels() -> LabelSpace:
    return LabelSpace.from_products([Product("t", p) for p in PATHS])


def _ancestors(labels: LabelSpace, c: int) -> list[str]:
    return [labels.level_names[lvl][labels.level_ids[lvl][c]] for lvl in range(labels.depth)]


def test_masked_decoding_keeps_every_prediction_under_its_predicted_parents():
    labels = _labels()
    hier = Hierarchy(labels.level_ids)
    gen = torch.Generator().manual_seed(0)
    aux = [torch.randn(512, n, generator=gen) * 3 for n in hier.sizes[:-1]]  # (B, n_l) per non-leaf level
    leaf = torch.randn(512, len(labels), generator=gen) * 3  # (B, C)
    pred = hier.decode(aux, leaf).argmax(-1)
    top = aux[0].argmax(-1)
    for b in range(512):
        path = _ancestors(labels, int(pred[b]))
        assert path[0] == labels.level_names[0][int(top[b])]  # the level-1 head's own argmax
        # level 2: the best child of the predicted level-1 node, as the level-2 head scores them
        children = [k for k, n in enumerate(labels.level_names[1]) if n.startswith(path[0] + " > ") or n == path[0]]
        assert labels.level_names[1].index(path[1]) == max(children, key=lambda k: aux[1][b, k])
    # The flat leaf argmax disagrees with the level-1 head on many rows: masking is not a no-op here.
    flat_top = torch.as_tensor(labels.level_ids[0])[leaf.argmax(-1)]
    assert (flat_top != top).sum() > 50


def test_decoded_scores_rank_the_predicted_branch_first_and_keep_leaf_order_inside_it():
    labels = _labels()
    hier = Hierarchy(labels.level_ids)
    leaf = torch.tensor([[5.0, 4.0, 3.0, 2.0, 1.0]])  # leaves sorted: A>a1>x, A>a1>y, A>a2>w, B>b1>v, B>z
    aux = [torch.tensor([[0.0, 9.0]]), torch.tensor([[0.0, 0.0, 9.0, 0.0]])]  # level 1: B; level 2: B > b1
    assert labels.level_names[1][2] == "B > b1"
    scores = hier.decode(aux, leaf)[0]
    assert labels.leaves[int(scores.argmax())] == "B > b1 > v"
    assert scores.softmax(-1)[3] > 0.999  # p(leaf | predicted path): the only leaf under B > b1
    order = scores.argsort(descending=True).tolist()
    assert order[1:] == [0, 1, 2, 4]  # then the rest, in the leaf head's order


def test_level_weights_are_checked_against_the_depth():
    assert level_weights(0.5, 3) == [0.5, 0.5]
    assert level_weights([1, 0.2], 3) == [1.0, 0.2]
    with pytest.raises(ValueError, match="hierarchy.level_weights: 3 weights given, but the tree has depth 3"):
        level_weights([1, 1, 1], 3)
    with pytest.raises(ValueError, match="unknown key"):
        Hierarchy.from_config({"enabled": True, "decode": "beam"}, _labels().level_ids)
    assert Hierarchy.from_config({"enabled": False}, _labels().level_ids) is None


def test_label_graph_head_scores_classes_through_their_vectors():
    e = torch.randn(4, 6)
    e[3] = e[1]  # two classes with the same graph vector
    head = LabelGraphHead(16, 0, 4, label_dim=6, hidden=32, rank=8, label_vectors=e).eval()
    scores = head(torch.randn(10, 16), None)  # (B, C)
    assert scores.shape == (10, 4)
    torch.testing.assert_close(scores[:, 1], scores[:, 3])  # no free per-class weights but the (zero) bias
    assert not torch.allclose(scores[:, 0], scores[:, 1])
    with pytest.raises(ValueError, match="needs the category vectors"):
        LabelGraphHead(16, 0, 4)
    with pytest.raises(ValueError, match=r"shape \(3, 6\), expected \(4, 6\)"):
        LabelGraphHead(16, 0, 4, label_dim=6, label_vectors=torch.zeros(3, 6))


def test_label_graph_class_residual_separates_classes_with_the_same_graph_vector():
    """Two classes with one graph vector: the pure scorer cannot rank them differently for any input (their
    scores differ by the bias alone); with class_residual it learns to, from examples of each."""
    torch.manual_seed(0)
    e = torch.randn(2, 6).repeat(2, 1)  # classes 0 and 2 share a vector, as do 1 and 3
    x = torch.randn(64, 16)
    y = (x[:, 0] > 0).long() * 2  # class 0 or 2, decided by the text
    accuracy = {}
    for residual in (False, True):
        head = LabelGraphHead(16, 0, 4, label_dim=6, hidden=32, rank=8, dropout=0.0, class_residual=residual,
                              label_vectors=e)
        opt = torch.optim.Adam(head.parameters(), lr=1e-2)
        for _ in range(200):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(x, None), y).backward()
            opt.step()
        accuracy[residual] = (head(x, None).argmax(1) == y).float().mean().item()
    assert accuracy[False] <= 0.75  # one of the two wins everywhere: the majority class at best
    assert accuracy[True] >= 0.95


def _module(head: dict, **kwargs) -> ProductClassifier:
    return ProductClassifier(labels=_labels().to_dict(), backbone=TINY_BACKBONE, head=head, optim=OPTIM,
                             graph_dim=8, vocab_size=60, freeze={"strategy": "frozen"}, **kwargs)


@pytest.mark.parametrize("head", ["graph", "label_graph"])
def test_hierarchical_loss_falls_and_every_level_head_trains(head):
    torch.manual_seed(0)
    labels = _labels()
    y = torch.arange(200) % len(labels)
    centers = torch.randn(len(labels), 16)
    batch = {"text_features": centers[y] + 0.3 * torch.randn(200, 16), "label": y}
    batch["graph"] = batch["text_features"][:, :8]
    kwargs = {}
    if head == "label_graph":
        gen = torch.Generator().manual_seed(1)
        kwargs = {"label_dim": 6, "label_vectors": {"leaf": torch.randn(len(labels), 6, generator=gen).numpy(),
                                                    "levels": [torch.randn(n, 6, generator=gen).numpy()
                                                               for n in (2, 4)]}}
    hierarchy = {"enabled": True, "level_weights": [1, 0.5]}
    model = _module({"name": head, "hidden": 32, "dropout": 0.0}, hierarchy=hierarchy, **kwargs)
    assert len(model.level_heads) == 2
    in_optimizer = {id(p) for g in model.param_groups() for p in g["params"]}
    assert all(id(p) in in_optimizer for p in model.level_heads.parameters())
    opt = torch.optim.AdamW([{k: v for k, v in g.items() if k != "name"} for g in model.param_groups()])
    model.train()
    first = float(model.training_step(batch, 0).detach())
    for _ in range(60):
        opt.zero_grad()
        loss = model.training_step(batch, 0)
        loss.backward()
        opt.step()
    leaf, levels = model.logits(batch)
    targets = model.hierarchy.targets(y)
    assert float(loss.detach()) < 0.3 * first
    for logits, t in zip(levels, targets, strict=True):  # each level head learned its own level
        assert (logits.argmax(-1) == t).float().mean() > 0.9


def test_brand_in_text_appends_the_brand_and_refuses_a_catalog_without_brands():
    rows = [Product("lego city", ("Toys", "Bricks"), "LEGO"), Product("ball", ("Toys", "Balls"), None)]
    cat = with_brand_in_text(Catalog("c", list(rows), list(rows), list(rows)))
    assert [p.text for p in cat.train] == ["lego city | LEGO", "ball"]
    assert cat.info["brand_in_text"]["test"] == 1
    with pytest.raises(ValueError, match="no training row of catalog 'c' has a brand"):
        with_brand_in_text(Catalog("c", [rows[1]], [], []))


@pytest.mark.slow  # trains a hierarchical label-graph model end to end
def test_label_graph_hierarchical_end_to_end_checkpoint_and_predictor(tmp_path, fast_overrides):
    cfg = compose(["+experiment=label_graph", "hierarchy.enabled=true", "hierarchy.level_weights=0.5",
                   "head.class_residual=true", *fast_overrides], tmp_path)
    metrics, objects = train(cfg)
    run = Path(cfg.paths.output_dir)
    written = json.loads((run / "metrics.json").read_text())
    assert written["choices"]["head"] == "label_graph" and written["choices"]["hierarchical"] is True
    assert 0.0 <= written["test"]["test/f1_weighted_mean_levels"] <= 1.0
    model, prepared = objects["model"], objects["prepared"]
    assert model.hparams.label_dim == prepared.label_dim > 0
    assert "label_vectors" not in model.hparams  # in the state_dict (buffers), not the hyperparameters

    # Every test prediction lies under the level-1 node that the level-1 head predicts for that row.
    saved = np.load(run / "test_predictions.npz")
    restored = ProductClassifier.load_from_checkpoint(metrics["best_checkpoint"], map_location="cpu").eval()
    torch.testing.assert_close(restored.head.label_vectors, torch.as_tensor(prepared.label_vectors["leaf"]))
    assert restored.head.residual is not None and restored.head.residual.abs().sum() > 0  # trained, restored
    torch.testing.assert_close(restored.level_heads[0].label_vectors,
                               torch.as_tensor(prepared.label_vectors["levels"][0]))
    top_of = torch.as_tensor(prepared.labels.level_ids[0])
    with torch.no_grad():
        level1 = [restored.logits(b)[1][0].argmax(-1) for b in objects["datamodule"].test_dataloader()]
    assert torch.equal(top_of[torch.as_tensor(saved["pred"])], torch.cat(level1))

    # The checkpoint alone serves: the label vectors travel in it, no graph linker is needed.
    predictor = Predictor.from_checkpoint(metrics["best_checkpoint"], top_k=3)
    assert not predictor.assets.uses_graph
    out = predictor.predict([p.text for p in objects["catalog"].test[:8]])
    assert [r["categories"][0]["id"] for r in out] == [prepared.labels.leaves[i] for i in saved["pred"][:8]]

    # ...and exports to ONNX: the masked decoding is part of the traced forward, and agrees with PyTorch.
    items = [{"text": p.text} for p in objects["catalog"].val[:64]]
    report = export_checked(restored, tmp_path / "export", items, precisions=("fp32",))[0]
    assert report["passed"] and report["top1_agreement"] == 1.0
