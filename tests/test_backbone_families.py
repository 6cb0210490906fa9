"""Every backbone family's code path, offline: a tiny model of the same architecture built from its
config class, loaded through the backbone config exactly as a hub checkpoint would be."""

import pytest
import torch
from omegaconf import OmegaConf
from transformers import AutoModel, AutoTokenizer

from prodcat.models.backbones import build_encoder, encode, pooled_dim, resolve_max_length
from prodcat.serve import Predictor
from prodcat.serve.export import export_checked
from prodcat.serve.inputs import to_item

from .conftest import ROOT
from .tiny_models import build_tiny

TEXTS = ["apple iphone 15 pro 256gb", "spigen case for iphone 15 pro", "wilson pro staff 97 tennis racket",
         "bosch serie 4 washing machine 8kg", "lego star wars x-wing 75301"] * 8
CONFIGS = {"bert": "bert_base", "roberta": "roberta_base", "albert": "albert_base", "distilbert": "distilbert"}


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("families")
    return {f: build_tiny(f, TEXTS, root / f) for f in CONFIGS}


def _cfg(family: str, path) -> dict:
    cfg = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "backbone" / f"{CONFIGS[family]}.yaml"))
    return {**cfg, "name_or_path": str(path)}


@pytest.mark.parametrize("family", list(CONFIGS))
def test_family_loads_pools_and_matches_reference(family, tiny_dirs):
    cfg = _cfg(family, tiny_dirs[family])
    tok = AutoTokenizer.from_pretrained(tiny_dirs[family])
    batch = tok(TEXTS[:3], padding=True, return_tensors="pt")
    encoder = build_encoder(cfg, vocab_size=len(tok)).eval()
    reference = AutoModel.from_pretrained(tiny_dirs[family]).eval()
    with torch.no_grad():
        h = encode(encoder, batch["input_ids"], batch["attention_mask"], cfg)
        ref = reference(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state[:, 0]
        torch.testing.assert_close(h, ref)  # the first token: [CLS] or <s>
        deep = encode(encoder, batch["input_ids"], batch["attention_mask"], {**cfg, "pooling": "cls_last_k",
                                                                              "pooling_layers": 2})
        mean = encode(encoder, batch["input_ids"], batch["attention_mask"], {**cfg, "pooling": "mean"})
    assert deep.shape == (3, pooled_dim(encoder, {"pooling": "cls_last_k", "pooling_layers": 2}))
    assert deep.shape[1] == 2 * h.shape[1] and mean.shape == h.shape
    assert tok(TEXTS[0])["input_ids"][0] == tok.cls_token_id  # the pooled token really is the first one


def test_dropout_rates_reach_the_encoder(tiny_dirs):
    encoder = build_encoder({**_cfg("distilbert", tiny_dirs["distilbert"]),
                             "dropout": {"dropout": 0.3, "attention_dropout": 0.2}}, vocab_size=0)
    assert (encoder.config.dropout, encoder.config.attention_dropout) == (0.3, 0.2)
    encoder = build_encoder({**_cfg("bert", tiny_dirs["bert"]), "dropout": {"hidden_dropout_prob": 0.25}},
                            vocab_size=0)
    assert encoder.config.hidden_dropout_prob == 0.25


def test_max_length_auto_is_the_99th_percentile(tiny_dirs):
    tok = AutoTokenizer.from_pretrained(tiny_dirs["bert"])
    texts = ["a"] * 199 + ["a " * 40]  # 99.5% of texts are 3 tokens long ([CLS] a [SEP])
    assert resolve_max_length({"max_length": "auto"}, tok, texts) == 8  # the floor of 8 tokens
    texts = ["a"] * 190 + ["a " * 40] * 10  # 5% are 42 tokens long: the 99th percentile reaches them
    assert resolve_max_length({"max_length": "auto"}, tok, texts) == 42
    texts = ["word " * 20] * 100
    assert resolve_max_length({"max_length": "auto"}, tok, texts) == len(tok(texts[0])["input_ids"])
    assert resolve_max_length({"max_length": 48}, tok, texts) == 48


@pytest.mark.parametrize("family", [f if f == "bert" else pytest.param(f, marks=pytest.mark.slow) for f in CONFIGS])
def test_fast_dev_run_of_text_and_graph_through_every_family(family, tiny_dirs, tmp_path, fast_overrides):
    from prodcat.train import train

    from .conftest import compose

    overrides = [o for o in fast_overrides if not o.startswith("backbone=")]
    # text_graph: the encoder and g(x); the lexical view does not depend on the family (tests/test_lexical.py)
    cfg = compose(["+experiment=text_graph", "+debug=fdr", *overrides, f"backbone={CONFIGS[family]}",
                   f"backbone.name_or_path={tiny_dirs[family]}", "backbone.pooling=cls_last_k",
                   "backbone.pooling_layers=2"], tmp_path)
    _, objects = train(cfg)
    model = objects["model"]
    max_length = model.hparams.backbone["max_length"]
    assert isinstance(max_length, int)  # `auto` resolved and stored
    # ONNX at batch size 1 and at the maximum length: a title far longer than max_length is cut to exactly
    # max_length tokens on both sides, and the exported graph answers like the PyTorch model.
    items = [{"text": " ".join(TEXTS)}, *({"text": t} for t in TEXTS[:5])]
    # The INT8 file export.py writes by default must build for every family (its agreement on a model trained
    # for one batch says nothing, so its threshold is off here; tests/test_serve.py checks a trained one).
    report, int8 = export_checked(model, tmp_path / "export", items, batch_size=1, min_agreement={"int8": 0.0})
    assert report["passed"] and report["top1_agreement"] == 1.0 and report["max_prob_diff"] < 1e-4
    assert int8["written"] and Predictor.from_onnx(int8["file"]).predict(items[:1])[0]["categories"]
    onnx = Predictor.from_onnx(report["file"], batch_size=1)
    assert onnx.features([to_item(items[0])])[0]["input_ids"].shape == (1, max_length)
    assert onnx.predict(items[:1])[0]["truncated"]


@pytest.mark.parametrize("strategy", ["full", "frozen"])
def test_a_pretrained_encoder_trains_with_dropout_unless_frozen(strategy, tiny_dirs):
    """from_pretrained hands back an encoder in eval mode; Lightning would keep it so (no dropout)."""
    from prodcat.models.module import ProductClassifier

    labels = {"leaves": ["A > B", "A > C", "D > E"]}
    model = ProductClassifier(labels=labels, backbone=_cfg("bert", tiny_dirs["bert"]),
                              head={"name": "linear", "dropout": 0.1}, optim={}, graph_dim=0, vocab_size=0,
                              freeze={"strategy": strategy})
    assert {m.training for m in model.encoder.modules()} == {strategy != "frozen"}
