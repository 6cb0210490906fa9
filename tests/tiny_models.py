"""Tiny encoders of every supported family, saved as local Hugging Face directories (model + tokenizer),
so each family's code path runs offline exactly as a downloaded checkpoint would."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tokenizers import ByteLevelBPETokenizer, SentencePieceUnigramTokenizer
from transformers import (
    AlbertConfig,
    AlbertModel,
    AlbertTokenizer,
    BertConfig,
    BertModel,
    BertTokenizer,
    DistilBertConfig,
    DistilBertModel,
    DistilBertTokenizer,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizer,
)

from prodcat.models.backbones import train_wordpiece

SIZE = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64)
FAMILIES = ("bert", "roberta", "albert", "distilbert")


def _bpe_tokenizer(texts: list[str]) -> RobertaTokenizer:
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False)
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(m) if not isinstance(m, str) else tuple(m.split(" ")) for m in model["merges"]]
    return RobertaTokenizer(vocab=model["vocab"], merges=merges)


def _unigram_tokenizer(texts: list[str]) -> AlbertTokenizer:
    uni = SentencePieceUnigramTokenizer()
    uni.train_from_iterator(texts, vocab_size=300, special_tokens=["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"],
                            unk_token="<unk>", show_progress=False)
    vocab = [tuple(v) for v in json.loads(uni.to_str())["model"]["vocab"]]
    return AlbertTokenizer(vocab=vocab)


def build_tiny(family: str, texts: list[str], out_dir: Path) -> Path:
    """Save a randomly initialised tiny `family` encoder and a tokenizer trained on `texts` to `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = list(texts)
    if family in ("bert", "distilbert"):
        with tempfile.TemporaryDirectory() as tmp:
            train_wordpiece(texts, 300, Path(tmp))
            vocab = json.loads((Path(tmp) / "tokenizer.json").read_text())["model"]["vocab"]
        tok = (DistilBertTokenizer if family == "distilbert" else BertTokenizer)(vocab=vocab, do_lower_case=True)
    elif family == "roberta":
        tok = _bpe_tokenizer(texts)
    elif family == "albert":
        tok = _unigram_tokenizer(texts)
    else:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")
    n = len(tok)
    if family == "bert":
        model = BertModel(BertConfig(vocab_size=n, **SIZE))
    elif family == "distilbert":
        model = DistilBertModel(DistilBertConfig(vocab_size=n, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                                                 max_position_embeddings=64))
    elif family == "roberta":
        model = RobertaModel(RobertaConfig(vocab_size=n, pad_token_id=tok.pad_token_id, **{
            **SIZE, "max_position_embeddings": 66}))  # RoBERTa offsets positions by padding_idx + 1
    else:
        model = AlbertModel(AlbertConfig(vocab_size=n, embedding_size=16, **SIZE))
    tok.model_max_length = 64  # as a hub tokenizer declares its model's limit (64 positions here)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return out_dir
