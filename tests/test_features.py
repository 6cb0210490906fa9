"""The frozen-encoder feature cache (FAISS store with meta.json), the kNN head and frozen training that
reads the cache and never runs the encoder."""

import json
import logging
import multiprocessing as mp
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import PreTrainedModel

from prodcat.cache import cache_key
from prodcat.data.catalog import Catalog, Product
from prodcat.features import INDEX_TYPES, KNNClassifier, open_store
from prodcat.features.store import INDEX_FILE, TEXTS_FILE
from prodcat.models.backbones import build_encoder, load_tokenizer
from prodcat.models.module import ProductClassifier
from prodcat.prepare import encode_texts, feature_stores, open_feature_store
from prodcat.serve.predictor import Predictor
from prodcat.train import train

from .conftest import ROOT, compose
from .feature_worker import INPUTS, TEXTS, build_in_process, fake_encode


def _folders(root: Path) -> list[Path]:
    return [p for p in (root / "features").iterdir() if not p.name.startswith(".")]


def test_store_builds_once_then_hits_with_identical_features(tmp_path):
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return fake_encode(texts)

    first = open_store(tmp_path, INPUTS, TEXTS, encode)
    second = open_store(tmp_path, INPUTS, TEXTS, encode)
    assert first.built and not second.built and calls == [len(TEXTS)]
    assert second.folder == first.folder and second.folder.parent == tmp_path / "features"
    np.testing.assert_array_equal(second.vectors, fake_encode(TEXTS))  # raw vectors, bit-identical
    meta = json.loads((second.folder / "meta.json").read_text())
    assert {"backbone", "weights_sha256", "tokenizer_sha256", "max_length", "pooling", "data", "split",
            "dtype", "rows"} <= set(meta["inputs"])
    assert set(meta["files"]) == {INDEX_FILE, TEXTS_FILE}
    # Other texts (a change of the data) or any other input: a new key.
    assert open_store(tmp_path, INPUTS, TEXTS[:-1], encode).folder != first.folder
    assert open_store(tmp_path, {**INPUTS, "pooling": "mean"}, TEXTS, encode).folder != first.folder


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete_meta"])
def test_corrupted_store_is_detected_logged_and_rebuilt(damage, tmp_path, caplog):
    store = open_store(tmp_path, INPUTS, TEXTS, fake_encode)
    index = store.folder / INDEX_FILE
    if damage == "truncate":
        index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    elif damage == "flip":
        raw = bytearray(index.read_bytes())
        raw[-5] ^= 0xFF
        index.write_bytes(bytes(raw))
    else:
        (store.folder / "meta.json").unlink()
    with caplog.at_level(logging.WARNING, logger="prodcat.cache"):
        again = open_store(tmp_path, INPUTS, TEXTS, fake_encode)
    assert again.built and "unusable" in caplog.text
    np.testing.assert_array_equal(again.vectors, fake_encode(TEXTS))
    assert not open_store(tmp_path, INPUTS, TEXTS, fake_encode).built and len(_folders(tmp_path)) == 1


@pytest.mark.parametrize("lock", [True, False])
def test_two_processes_building_the_same_cache_end_with_one_good_cache(lock, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    ctx = mp.get_context("spawn")
    a_encodes, b_encodes, b_opens = ctx.Event(), ctx.Event(), ctx.Event()
    root = tmp_path / "cache"
    if lock:  # A holds the lock and encodes until B is at the store's door; B must then read A's build
        first = ctx.Process(target=build_in_process, args=(root, markers, lock, a_encodes, b_opens))
        first.start()
        assert a_encodes.wait(60)
        second = ctx.Process(target=build_in_process, args=(root, markers, lock, b_encodes, None, b_opens))
        second.start()
    else:  # each one waits inside its encoder for the other: both build, the first rename wins
        first = ctx.Process(target=build_in_process, args=(root, markers, lock, a_encodes, b_encodes))
        second = ctx.Process(target=build_in_process, args=(root, markers, lock, b_encodes, a_encodes))
        first.start(), second.start()
    procs = [first, second]
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    folders = _folders(tmp_path / "cache")
    assert len(folders) == 1 and not any(p.name.startswith(".tmp") for p in (tmp_path / "cache" / "features").iterdir())
    # With the lock the second job waits and reads the first one's build; without it both encode and the
    # first rename wins. Either way the cache left behind is sound: the next open is a hit.
    assert len(list(markers.iterdir())) == (1 if lock else 2)
    assert not open_store(tmp_path / "cache", INPUTS, TEXTS, fake_encode).built


# ---- real (tiny) encoders --------------------------------------------------------------------------------
BACKBONE = {"name": "tiny", "tokenizer": {"vocab_size": 200}, "max_length": 16, "pooling": "cls", "pooling_layers": 4,
            "architecture": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                             "intermediate_size": 64, "max_position_embeddings": 64}}
LEAVES = {("Phones", "Smartphones"): ["iphone", "galaxy", "pixel", "smartphone"],
          ("Phones", "Cases"): ["case", "cover", "bumper", "wallet"],
          ("Sports", "Tennis"): ["racket", "tennis", "strings", "grip"],
          ("Home", "Lamps"): ["lamp", "bulb", "shade", "light"]}


def _catalog(per_leaf=20, seed=0) -> Catalog:
    rng = np.random.default_rng(seed)
    rows = []
    for path, words in LEAVES.items():
        for _ in range(per_leaf):
            rows.append(Product(" ".join(rng.choice(words, 3)) + f" model {rng.integers(100)}", path))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    n = len(rows)
    return Catalog("tiny", rows[: n // 2], rows[n // 2: 3 * n // 4], rows[3 * n // 4:])


def test_feature_key_changes_with_max_length_and_pooling(tmp_path):
    catalog = _catalog()
    tok = load_tokenizer(BACKBONE, [p.text for p in catalog.train], tmp_path, data_key="k")
    encoder = build_encoder(BACKBONE, len(tok), seed=0)
    keys = {}
    for name, cfg in {"base": BACKBONE, "again": BACKBONE, "max_length": {**BACKBONE, "max_length": 8},
                      "pooling": {**BACKBONE, "pooling": "mean"}}.items():
        stores = feature_stores(catalog, encoder, tok, cfg, tmp_path)
        keys[name] = stores["train"].key
        assert len({s.key for s in stores.values()}) == 3  # one artifact per split
    assert keys["base"] == keys["again"]
    assert len({keys["base"], keys["max_length"], keys["pooling"]}) == 3
    # The cached vectors are what the encoder gives for the same texts, however batched.
    stores = feature_stores(catalog, encoder, tok, BACKBONE, tmp_path)
    direct = encode_texts(encoder, tok, [p.text for p in catalog.test[:5]], max_length=16, pooling="cls", batch_size=2)
    np.testing.assert_allclose(stores["test"].vectors[:5], direct, atol=1e-5)
    other = build_encoder(BACKBONE, len(tok), seed=1)  # other weights: another key
    assert feature_stores(catalog, other, tok, BACKBONE, tmp_path)["train"].key != keys["base"]


def test_knn_beats_chance_with_every_index_and_finds_nearest_products(tmp_path):
    catalog = _catalog(per_leaf=40)
    tok = load_tokenizer(BACKBONE, [p.text for p in catalog.train], tmp_path, data_key="k2")
    encoder = build_encoder({**BACKBONE, "pooling": "mean"}, len(tok), seed=0)
    stores = feature_stores(catalog, encoder, tok, {**BACKBONE, "pooling": "mean"}, tmp_path)
    leaves = sorted({p.leaf for p in catalog.train})
    y = {s: np.array([leaves.index(p.leaf) for p in catalog.split(s)]) for s in ("train", "test")}
    for kind in INDEX_TYPES:
        knn = KNNClassifier(stores["train"].vectors, y["train"], len(leaves), k=5, index=kind, nlist=4)
        scores = knn.scores(stores["test"].vectors)
        assert np.allclose(scores.sum(1), 1.0, atol=1e-5)
        acc = float((scores.argmax(1) == y["test"]).mean())
        assert acc >= 0.6, (kind, acc)  # chance: 0.25
    hits = stores["train"].nearest_products([catalog.train[3].text, "tennis racket grip"], k=3)
    assert hits[0][0]["row"] == 3 and hits[0][0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert hits[0][0]["label"] == catalog.train[3].leaf and len(hits[1]) == 3
    assert hits[1][0]["score"] >= hits[1][1]["score"] >= hits[1][2]["score"]


class EncoderCalls:
    """Counts forward calls of any Hugging Face encoder while active (a global module hook)."""

    def __enter__(self):
        self.n = 0

        def hook(module, args, output):
            if isinstance(module, PreTrainedModel):
                self.n += 1

        self.handle = torch.nn.modules.module.register_module_forward_hook(hook)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


def test_frozen_run_reads_the_cache_and_never_runs_the_encoder(tmp_path, fast_overrides):
    cfg = compose(["+experiment=text_graph", "freeze=frozen", "+debug=limit", *fast_overrides], tmp_path / "a")
    shutil.rmtree(Path(cfg.paths.cache_dir) / "features", ignore_errors=True)  # the first run must build
    with EncoderCalls() as first_calls:
        first, objs = train(cfg)
    n_rows = sum(len(objs["catalog"].split(s)) for s in ("train", "val", "test"))
    assert first["features"]["cache"] == "built"
    assert 0 < first_calls.n <= n_rows // 256 + 3  # only the batched feature build ran the encoder
    cfg2 = compose(["+experiment=text_graph", "freeze=frozen", "+debug=limit", *fast_overrides], tmp_path / "b")
    with EncoderCalls() as second_calls:
        second, objs2 = train(cfg2)
    assert second["features"]["cache"] == "hit" and second_calls.n == 0  # not once: train, val, test
    assert second["features"]["keys"] == first["features"]["keys"]
    for s in ("train", "val", "test"):
        np.testing.assert_array_equal(objs2["prepared"].splits[s].text_features,
                                      objs["prepared"].splits[s].text_features)
    assert second["choices"]["freeze"] == "frozen" and second["params"]["trainable"] < second["params"]["total"]

    # The checkpoint keeps the frozen encoder by reference (sha256), and loading rebuilds and checks it.
    ckpt = second["best_checkpoint"]
    raw_ckpt = torch.load(ckpt, map_location="cpu", weights_only=True)
    assert not any(k.startswith("encoder.") for k in raw_ckpt["state_dict"])
    assert raw_ckpt["prodcat_encoder_sha256"] == objs2["model"].encoder_sha256()
    restored = ProductClassifier.load_from_checkpoint(ckpt, map_location="cpu").eval()
    for name, value in objs2["model"].encoder.state_dict().items():
        torch.testing.assert_close(restored.encoder.state_dict()[name], value)
    raw_ckpt["prodcat_encoder_sha256"] = "0" * 64  # other weights under the same backbone name
    torch.save(raw_ckpt, tmp_path / "tampered.ckpt")
    with pytest.raises(RuntimeError, match="saved by reference"):
        ProductClassifier.load_from_checkpoint(tmp_path / "tampered.ckpt", map_location="cpu")
    # The predictor's nearest products come from the same index the run read.
    store = open_feature_store(restored, objs2["prepared"].tokenizer)
    assert store.folder == objs2["prepared"].feature_stores["train"].folder
    title = objs2["catalog"].train[7].text
    assert store.nearest_products([title], k=2)[0][0]["text"] == title
    hits = Predictor.from_module(restored).nearest_products([title, "usb cable"], k=3)
    assert hits[0][0]["text"] == title and hits[0][0]["row"] == 7
    assert len(hits[1]) == 3 and hits[1][0]["score"] >= hits[1][2]["score"]
    # ... and `predict.py neighbours=N` adds them to each record.
    from omegaconf import OmegaConf

    from prodcat.serve.commands import predict

    out = tmp_path / "predictions.jsonl"
    predict(OmegaConf.merge(OmegaConf.load(ROOT / "conf" / "predict.yaml"),
                            {"model": ckpt, "texts": [title], "neighbours": 2, "output": str(out)}))
    assert json.loads(out.read_text())["neighbours"][0]["text"] == title
    # On raw text the restored model gives what the cached features gave.
    batch = next(iter(objs2["datamodule"].test_dataloader()))
    texts = [p.text for p in objs2["catalog"].test[: len(batch["label"])]]
    enc = objs2["prepared"].tokenizer(texts, truncation=True, max_length=cfg2.backbone.max_length,
                                      padding=True, return_tensors="pt")
    raw = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "graph": batch["graph"]}
    with torch.no_grad():
        torch.testing.assert_close(restored(raw), restored(batch), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("overrides", [["freeze=frozen", "+debug=fdr"], ["task=knn", "+debug=fdr"],
                                       ["task=knn", "task.index=hnsw", "task.k=5"]])
def test_fast_dev_run_frozen_and_knn(overrides, tmp_path, fast_overrides):
    metrics, _ = train(compose(["+experiment=hybrid", *overrides, *fast_overrides], tmp_path))
    written = json.loads((Path(tmp_path) / "run" / "metrics.json").read_text())
    assert written["choices"]["freeze"] == "frozen" and written["features"]["cache"] in {"built", "hit"}
    for key in ("acc", "acc_top5", "f1_weighted", "f1_macro", "f1_weighted_mean_levels"):
        assert 0.0 <= written["test"][f"test/{key}"] <= 1.0
    if "task=knn" in overrides and "+debug=fdr" not in overrides:
        assert metrics["test"]["test/acc"] >= 0.25  # 200 leaves, chance 0.005; a random tiny BERT gets ~0.4


def test_cache_key_covers_the_inputs():
    assert cache_key(INPUTS) == cache_key(dict(reversed(list(INPUTS.items()))))
    assert cache_key({**INPUTS, "max_length": 9}) != cache_key(INPUTS)
