"""Masked-LM pretraining (prodcat.pretrain): BERT masking statistics, special and padding tokens never
masked, the loss falls on a tiny corpus, and a pretrained directory fine-tunes as a backbone."""

import json
import warnings
from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from prodcat.data.catalog import Catalog, Product
from prodcat.models.backbones import train_wordpiece
from prodcat.pretrain.corpus import MLMCollator, corpus_texts, fixed_batches
from prodcat.pretrain.masking import IGNORE, mask_tokens
from prodcat.pretrain.model import MLMPretrainer, build_mlm_model
from prodcat.train import train

from .conftest import compose
from .tiny_models import build_tiny

TEXTS = ["apple iphone 15 pro 256gb black", "spigen case for iphone 15 pro clear", "wilson pro staff 97 tennis racket",
         "bosch serie 4 washing machine 8kg", "lego star wars x-wing 75301", "samsung galaxy s24 ultra 512gb",
         "usb-c charging cable 2m braided", "nike air zoom pegasus 40 running shoes"] * 4
TINY = {"name": "tiny", "architecture": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                                         "intermediate_size": 64, "max_position_embeddings": 64}}


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wordpiece")
    train_wordpiece(TEXTS, 200, folder)
    return AutoTokenizer.from_pretrained(folder)


def test_masking_statistics_match_bert_on_a_large_sample():
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(10, 5000, (2000, 64), generator=g)  # (B, T); ids 0..9 play the special tokens
    maskable = torch.rand(ids.shape, generator=g) > 0.2  # 20% special or padding positions
    inputs, labels = mask_tokens(ids, maskable, mask_id=4, random_ids=torch.arange(10, 5000), generator=g)
    selected = labels != IGNORE
    assert torch.equal(labels[selected], ids[selected])  # labels are the original ids, only where selected
    assert not selected[~maskable].any() and torch.equal(inputs[~maskable], ids[~maskable])
    rate = selected.sum() / maskable.sum()  # ~100k maskable tokens: std of the rate ~0.001
    assert abs(float(rate) - 0.15) < 0.006
    n = selected.sum()  # ~15k selected: std of the 80% share ~0.003, of the 10% shares ~0.0025
    as_mask = (inputs[selected] == 4).sum() / n
    kept = (inputs[selected] == ids[selected]).sum() / n
    as_random = 1 - as_mask - kept
    assert abs(float(as_mask) - 0.8) < 0.015
    assert abs(float(kept) - 0.1) < 0.012
    assert abs(float(as_random) - 0.1) < 0.012
    assert torch.equal(inputs[~selected], ids[~selected])  # nothing unselected changes


def test_special_and_padding_tokens_are_never_masked(tokenizer):
    # Every maskable token selected, every selected one replaced at random: only specials/padding survive.
    collate = MLMCollator(tokenizer, 16, mlm_probability=0.999, mask_replace=0.0, random_replace=1.0, seed=1)
    special = torch.as_tensor(tokenizer.all_special_ids)
    for start in range(0, len(TEXTS), 8):
        batch = collate(TEXTS[start:start + 8])
        clean = tokenizer(TEXTS[start:start + 8], truncation=True, max_length=16, padding=True,
                          return_tensors="pt")["input_ids"]
        is_special = torch.isin(clean, special)  # [CLS], [SEP] and the [PAD]s of the shorter rows
        assert is_special.any() and (clean == tokenizer.pad_token_id).any()
        assert torch.equal(batch["input_ids"][is_special], clean[is_special])
        assert (batch["labels"][is_special] == IGNORE).all()
        assert not torch.isin(batch["input_ids"][~is_special], special).any()  # random ids are never specials


def test_masks_are_drawn_anew_for_every_batch(tokenizer):
    collate = MLMCollator(tokenizer, 16, seed=0)
    first, second = collate(TEXTS), collate(TEXTS)  # the same rows in two epochs
    assert not torch.equal(first["labels"], second["labels"])
    fixed = fixed_batches(TEXTS, MLMCollator(tokenizer, 16, seed=3), 8)
    again = fixed_batches(TEXTS, MLMCollator(tokenizer, 16, seed=3), 8)
    assert all(torch.equal(a["input_ids"], b["input_ids"]) for a, b in zip(fixed, again, strict=True))  # fixed


@pytest.mark.parametrize("objective", ["sop", "nsp"])
def test_sentence_pair_batches(tokenizer, objective):
    texts = [f"{a} | {b}" for a, b in zip(TEXTS[:8], TEXTS[8:16][::-1], strict=True)] + ["no description"]
    collate = MLMCollator(tokenizer, 32, sentence_pair=objective, partners=texts, seed=0)
    batch = collate(texts * 4)
    labels = batch["pair_labels"]
    assert labels.shape == (36,)
    assert (labels[8::9] == IGNORE).all()  # the text without a second part takes no part
    paired = labels != IGNORE
    assert 0 < int(labels[paired].sum()) < int(paired.sum())  # both classes occur
    assert (batch["token_type_ids"][paired] == 1).any(dim=1).all()  # the second segment is marked
    module = MLMPretrainer(TINY, len(tokenizer), {"lr": 1e-3, "weight_decay": 0.0}, sentence_pair=objective)
    losses = module.losses(batch)
    assert torch.isfinite(losses["pair_loss"]) and torch.allclose(losses["loss"],
                                                                   losses["mlm_loss"] + losses["pair_loss"])


def test_mlm_loss_falls_on_a_tiny_corpus(tokenizer):
    torch.manual_seed(0)
    module = MLMPretrainer(TINY, len(tokenizer), {"lr": 3e-3, "weight_decay": 0.0}, seed=0)
    heldout = fixed_batches(TEXTS, MLMCollator(tokenizer, 16, seed=99), 32)  # fixed masks: comparable losses

    def loss() -> float:
        with torch.no_grad():
            return float(sum(module.losses(b)["mlm_loss"] for b in heldout) / len(heldout))

    before = loss()
    collate = MLMCollator(tokenizer, 16, seed=0)
    optimizer = torch.optim.AdamW(module.parameters(), lr=3e-3)
    for _ in range(150):
        optimizer.zero_grad()
        module.losses(collate(TEXTS))["loss"].backward()
        optimizer.step()
    after = loss()
    # Chance level is ln(vocab) ~ 5; a model that learns nothing stays there.
    assert before > 4.0 and after < 0.5 * before, (before, after)


def test_continued_pretraining_saves_a_directory_that_loads_back_unchanged(tmp_path):
    source = build_tiny("bert", TEXTS, tmp_path / "src")  # an encoder without an MLM head, like all-MiniLM
    mlm = build_mlm_model({"name": "src", "name_or_path": str(source)}, vocab_size=10)
    mlm.save_pretrained(tmp_path / "out")
    loaded, info = AutoModel.from_pretrained(tmp_path / "out", output_loading_info=True)
    assert not info["missing_keys"]  # the pooler travels too: nothing is initialised at random on load
    original = AutoModel.from_pretrained(source).state_dict()
    for name, tensor in loaded.state_dict().items():
        torch.testing.assert_close(tensor, original[name])


def test_corpus_is_the_training_split_unless_asked(tmp_path):
    catalog = Catalog("c", [Product("train row", ("A", "B"))], [Product("val row", ("A", "B"))],
                      [Product("test row", ("A", "B"))])
    assert corpus_texts(catalog, ["train"]) == ["train row"]
    extra = tmp_path / "unlabeled.txt"
    extra.write_text("first line\n\n  second line \n", encoding="utf-8")
    assert corpus_texts(catalog, ["train"], [str(extra)]) == ["train row", "first line", "second line"]
    with pytest.raises(ValueError, match="pretrain.splits"):
        corpus_texts(catalog, ["training"])
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        corpus_texts(catalog, ["train"], [str(tmp_path / "missing.txt")])


@pytest.fixture(scope="module")
def pretrained_run(tmp_path_factory):
    from .conftest import FAST

    tmp = tmp_path_factory.mktemp("pretrain")
    overrides = [o for o in FAST if not o.startswith("trainer.")]
    cfg = compose(["+experiment=pretrain_mlm", *overrides, "trainer.max_steps=12", "trainer.val_check_interval=6",
                   "trainer.log_every_n_steps=3", "callbacks.last_checkpoint.every_n_train_steps=6"], tmp)
    metrics, _ = train(cfg)
    return cfg, metrics


def test_pretrain_experiment_writes_a_backbone_and_a_loss_curve(pretrained_run):
    cfg, metrics = pretrained_run
    out = Path(cfg.paths.output_dir)
    p = metrics["pretrain"]
    assert p["steps"] == 12 and p["tokens_seen"] > 0 and p["tokens_per_s"] > 0
    assert p["final_val_mlm_loss"] < p["initial_val_mlm_loss"]
    history = json.loads((out / "pretrain_history.json").read_text())["history"]
    assert [h["step"] for h in history if "val_mlm_loss" in h] == [0, 6, 12]
    assert (out / "checkpoints" / "last.ckpt").is_file()
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {f.name for f in Path(p["save_dir"]).iterdir()}


def test_pretrain_resumes_from_its_last_checkpoint(pretrained_run, tmp_path):
    cfg, _ = pretrained_run
    from omegaconf import open_dict

    with open_dict(cfg):
        cfg.resume, cfg.trainer.max_steps = True, 18
        cfg.pretrain.save_dir = str(tmp_path / "resumed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metrics, objects = train(cfg)
    # the training order is the resumable one (prodcat.data.resumable), so Lightning has no reason to warn
    assert not [w for w in caught if "not resumable" in str(w.message)]
    assert metrics["pretrain"]["resumed_from"].endswith("last.ckpt")
    assert objects["trainer"].global_step == 18
    assert metrics["pretrain"]["tokens_seen"] > 0 and metrics["pretrain"]["initial_val_mlm_loss"] is None


def test_pretrained_directory_fine_tunes_as_the_hybrid_backbone(pretrained_run, tmp_path, fast_overrides):
    _, metrics = pretrained_run
    save_dir = metrics["pretrain"]["save_dir"]
    cfg = compose(["+experiment=hybrid", "+debug=fdr", *fast_overrides, f"backbone.name_or_path={save_dir}"],
                  tmp_path)
    result, objects = train(cfg)
    assert 0.0 <= result["test"]["test/acc"] <= 1.0
    # The encoder started from the pretrained weights: one Adam step (lr 1e-3) moves each weight by ~1e-3 at
    # most, a fresh initialisation (std 0.02) would be far off.
    saved = AutoModel.from_pretrained(save_dir).embeddings.word_embeddings.weight
    tuned = objects["model"].encoder.embeddings.word_embeddings.weight.detach()
    assert tuned.shape == saved.shape and (tuned - saved).abs().max() < 0.005
    assert objects["prepared"].tokenizer.get_vocab() == AutoTokenizer.from_pretrained(save_dir).get_vocab()
