"""Freezing strategies and layer-wise learning-rate decay on tiny encoders of every supported family
(BERT, RoBERTa, DistilBERT, ALBERT with shared layers), built in code."""

import types

import pytest
from transformers import (
    AlbertConfig,
    AlbertModel,
    BertConfig,
    BertModel,
    DistilBertConfig,
    DistilBertModel,
    RobertaConfig,
    RobertaModel,
)

from prodcat.models.freezing import apply_freeze, layer_depth, num_layers
from prodcat.models.module import ProductClassifier
from prodcat.train import train

from .conftest import compose

SIZES = dict(vocab_size=60, hidden_size=16, num_attention_heads=2, intermediate_size=32, max_position_embeddings=40)


def tiny(family: str):
    if family == "bert":
        return BertModel(BertConfig(num_hidden_layers=3, **SIZES))  # with a pooler: it counts as the top
    if family == "roberta":
        return RobertaModel(RobertaConfig(num_hidden_layers=3, **SIZES))
    if family == "distilbert":
        return DistilBertModel(DistilBertConfig(vocab_size=60, dim=16, n_layers=3, n_heads=2, hidden_dim=32,
                                                max_position_embeddings=40))
    # 4 layers sharing 2 groups: group 0 runs layers 0-1, group 1 runs layers 2-3
    return AlbertModel(AlbertConfig(num_hidden_layers=4, num_hidden_groups=2, embedding_size=8, **SIZES))


FAMILIES = ["bert", "roberta", "distilbert", "albert"]


def _depths(model) -> dict[str, int]:
    return {n: layer_depth(n, model.config) for n, _ in model.named_parameters()}


@pytest.mark.parametrize("family", FAMILIES)
def test_layer_depth_covers_every_layer_of_every_family(family):
    model = tiny(family)
    depths = _depths(model)
    n_layers = num_layers(model.config)
    embeddings = {n for n, d in depths.items() if d == 0}
    assert embeddings and all("embed" in n for n in embeddings)
    if family == "albert":  # shared groups take the depth of the last layer that runs them
        assert {d for n, d in depths.items() if "albert_layer_groups.0." in n} == {2}
        assert {d for n, d in depths.items() if "albert_layer_groups.1." in n} == {4}
        assert depths["encoder.embedding_hidden_mapping_in.weight"] == 0
    else:
        assert set(depths.values()) == set(range(n_layers + 1))
        prefix = "transformer.layer" if family == "distilbert" else "encoder.layer"
        assert {d for n, d in depths.items() if n.startswith(f"{prefix}.1.")} == {2}
    assert all(depths[n] == n_layers for n in depths if n.startswith("pooler."))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("strategy", ["full", "partial", "frozen"])
def test_freeze_strategies_set_requires_grad(family, strategy):
    model = tiny(family)
    apply_freeze(model, {"strategy": strategy, "k": 2})
    for name, p in model.named_parameters():
        depth = layer_depth(name, model.config)
        expected = {"full": True, "frozen": False, "partial": depth > 2}[strategy]
        assert p.requires_grad == expected, name
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if strategy == "partial" and family != "albert":  # embeddings + layers 0, 1 frozen; layer 2 trains
        assert not any("embeddings" in n for n in trainable)
        assert not any(".layer.1." in n for n in trainable) and any(".layer.2." in n for n in trainable)


def test_partial_albert_freezes_a_shared_group_only_when_all_its_layers_are_frozen():
    model = tiny("albert")
    apply_freeze(model, {"strategy": "partial", "k": 1})  # group 0 also runs layer 1: it still trains
    assert all(p.requires_grad for n, p in model.named_parameters() if "albert_layer_groups.0." in n)
    assert not model.embeddings.word_embeddings.weight.requires_grad
    apply_freeze(model, {"strategy": "partial", "k": 2})
    assert not any(p.requires_grad for n, p in model.named_parameters() if "albert_layer_groups.0." in n)


def test_partial_k_is_checked_against_the_backbone():
    with pytest.raises(ValueError, match=r"freeze\.k=4.*\[0, 3\]"):
        apply_freeze(tiny("bert"), {"strategy": "partial", "k": 4})
    with pytest.raises(ValueError, match="freeze.strategy"):
        apply_freeze(tiny("bert"), {"strategy": "half"})


TINY_BACKBONE = {"name": "tiny", "architecture": {"hidden_size": 16, "num_hidden_layers": 3, "num_attention_heads": 2,
                                                  "intermediate_size": 32, "max_position_embeddings": 40},
                 "pooling": "cls", "pooling_layers": 4}
LABELS_OF = [("A", "x"), ("A", "y"), ("B", "z")]


def _module(freeze: dict, layer_decay=None) -> ProductClassifier:
    from prodcat.data.catalog import Product
    from prodcat.data.labels import LabelSpace

    labels = LabelSpace.from_products([Product("t", p) for p in LABELS_OF]).to_dict()
    optim = {"lr": 1e-3, "head_lr": 1e-2, "weight_decay": 0.01, "warmup_ratio": 0.1, "layer_decay": layer_decay}
    return ProductClassifier(labels=labels, backbone=TINY_BACKBONE, head={"name": "linear"}, optim=optim,
                             graph_dim=0, vocab_size=60, freeze=freeze)


def _rate_of(groups: list[dict]) -> dict[int, float]:
    return {id(p): g["lr"] for g in groups for p in g["params"]}


@pytest.mark.parametrize("strategy", ["full", "partial", "frozen"])
def test_layer_wise_lr_decay_follows_decay_to_the_depth(strategy):
    model = _module({"strategy": strategy, "k": 1}, layer_decay=0.5)
    rates = _rate_of(model.param_groups())
    for name, p in model.encoder.named_parameters():
        if not p.requires_grad:
            assert id(p) not in rates, name  # frozen weights stay out of the optimizer
            continue
        assert rates[id(p)] == pytest.approx(1e-3 * 0.5 ** (3 - layer_depth(name, model.encoder.config))), name
    assert all(rates[id(p)] == 1e-2 for p in model.head.parameters())  # the head keeps its own base rate
    n_encoder = sum(id(p) in rates for p in model.encoder.parameters())
    assert (n_encoder == 0) == (strategy == "frozen")
    # Without decay every trainable encoder weight gets lr.
    flat = _rate_of(_module({"strategy": strategy, "k": 1}).param_groups())
    assert {flat[id(p)] for p in model.encoder.parameters() if id(p) in flat} <= {1e-3}


def test_warmup_schedule_keeps_the_layer_ratios():
    model = _module({"strategy": "full"}, layer_decay=0.5)
    model._trainer = types.SimpleNamespace(estimated_stepping_batches=20)
    opt = model.configure_optimizers()
    optimizer, scheduler = opt["optimizer"], opt["lr_scheduler"]["scheduler"]
    base = [g["initial_lr"] for g in optimizer.param_groups]  # each group's own rate (layer-wise decayed)
    assert len(set(base)) > 2
    factors = []
    for _ in range(6):  # through the warmup (2 steps) and past it
        ratios = [g["lr"] / b for g, b in zip(optimizer.param_groups, base, strict=True)]
        assert max(ratios) == pytest.approx(min(ratios))  # one multiplier for every group
        factors.append(ratios[0])
        optimizer.step()
        scheduler.step()
    assert factors == pytest.approx([0.0, 0.5, 1.0, 17 / 18, 16 / 18, 15 / 18])  # warmup 2 of 20, then linear


def test_frozen_encoder_stays_in_eval_mode():
    model = _module({"strategy": "frozen"}).train()
    assert not model.encoder.training and model.head.training
    assert not any(p.requires_grad for p in model.encoder.parameters())
    model = _module({"strategy": "partial", "k": 1}).train()
    assert model.encoder.training  # partial: the layers above k train, dropout on


@pytest.mark.parametrize("overrides", [["freeze=partial"], ["freeze=full", "optim.layer_decay=0.8"],
                                       ["freeze=partial", "freeze.k=1", "optim.layer_decay=0.8"]])
def test_fast_dev_run_with_each_freezing_option(overrides, tmp_path, fast_overrides):
    metrics, objects = train(compose(["+experiment=hybrid", "+debug=fdr", *overrides, *fast_overrides], tmp_path))
    assert metrics["choices"]["freeze"] == overrides[0].split("=")[1]
    frozen = metrics["params"]["total"] - metrics["params"]["trainable"]
    assert (frozen > 0) == (metrics["choices"]["freeze"] == "partial")
    assert 0.0 <= metrics["test"]["test/acc"] <= 1.0
    batch = next(iter(objects["datamodule"].test_dataloader()))
    assert "input_ids" in batch and "text_features" not in batch  # the encoder runs: no cached features


@pytest.mark.parametrize("freeze, by_reference", [({"strategy": "frozen"}, True),
                                                  ({"strategy": "frozen", "save_encoder": True}, False),
                                                  ({"strategy": "partial", "k": 1}, False)])
def test_only_a_frozen_encoder_is_saved_by_reference(freeze, by_reference):
    model = _module(freeze)
    checkpoint = {"state_dict": model.state_dict()}
    model.on_save_checkpoint(checkpoint)
    assert any(k.startswith("encoder.") for k in checkpoint["state_dict"]) != by_reference
    assert ("prodcat_encoder_sha256" in checkpoint) == by_reference
    fresh = _module(freeze)
    fresh.on_load_checkpoint(checkpoint)  # fills the encoder back in (same seeded weights)
    assert fresh.load_state_dict(checkpoint["state_dict"], strict=True)
