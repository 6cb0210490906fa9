"""The pretraining corpus and its batches.

Texts: the catalog's rows of the `splits` asked for (default the training split only: validation and test
rows never shape a model that is later scored on them unless the user says so), each as the catalog
reader joined its text fields (title, and description / breadcrumb where `data.catalog.text_fields`
names them), plus one text per non-empty line of any `text_files` (unlabeled text).

Batches are tokenized and masked when they are drawn (`MLMCollator`), so each epoch gets a new mask
(dynamic masking). The held-out texts get one fixed mask, drawn once (`fixed_batches`), so their loss is
comparable from one evaluation to the next.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Sequence
from pathlib import Path

import torch

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.pretrain.masking import IGNORE, mask_tokens

log = logging.getLogger(__name__)

PAIR_OBJECTIVES = (None, "nsp", "sop")


def corpus_texts(catalog: Catalog, splits: Sequence[str], text_files: Sequence[str] = (),
                 max_texts: int | None = None) -> list[str]:
    texts: list[str] = []
    for s in splits:
        if s not in SPLITS:
            raise ValueError(f"pretrain.splits: unknown split {s!r}; expected some of {SPLITS}")
        if s != "train":
            log.warning("pretrain.splits includes %r: the model will have seen those texts before it is "
                        "scored on them", s)
        texts += [p.text for p in catalog.split(s)]
    for f in text_files:
        path = Path(f)
        if not path.is_file():
            raise FileNotFoundError(f"pretrain.text_files: no such file {path}")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        if not lines:
            raise ValueError(f"pretrain.text_files: {path} holds no non-empty line")
        texts += lines
    if not texts:
        raise ValueError(f"pretrain: no texts (pretrain.splits={list(splits)}, pretrain.text_files={list(text_files)})")
    if max_texts is not None and len(texts) > max_texts:
        texts = random.Random(0).sample(texts, max_texts)
    return texts


def split_heldout(texts: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded random `fraction` of the texts held out for the MLM loss curve (at least 1 when > 0)."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"pretrain.heldout must be in [0, 1), got {fraction}")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    n = max(1, round(fraction * len(texts))) if fraction > 0 else 0
    return [texts[i] for i in order[n:]], [texts[i] for i in order[:n]]


def texts_key(texts: Sequence[str]) -> str:
    """A hash of the corpus: the data part of the cache key of a tokenizer trained on it."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    return h.hexdigest()[:16]


class MLMCollator:
    """list of texts -> {input_ids, attention_mask, [token_type_ids], labels, [pair_labels]}, all (B, T)
    except pair_labels (B,).

    `sentence_pair`: a text with a `separator` (the catalog's " | " between text fields) is a pair
    (first field, the rest). NSP: half the pairs get the second part of another random text (label 1);
    SOP (ALBERT): half the pairs are swapped (label 1). Texts without a second part are single sequences
    with pair label -100 (no pair loss).
    """

    def __init__(self, tokenizer, max_length: int, *, mlm_probability: float = 0.15, mask_replace: float = 0.8,
                 random_replace: float = 0.1, sentence_pair: str | None = None, separator: str = " | ",
                 partners: Sequence[str] = (), seed: int = 0):
        if sentence_pair not in PAIR_OBJECTIVES:
            raise ValueError(f"pretrain.sentence_pair must be one of {PAIR_OBJECTIVES}, got {sentence_pair!r}")
        if tokenizer.mask_token_id is None:
            raise ValueError(f"tokenizer {type(tokenizer).__name__} has no mask token: it cannot do MLM")
        self.tok, self.max_length, self.separator = tokenizer, max_length, separator
        self.masking = {"mlm_probability": mlm_probability, "mask_replace": mask_replace,
                        "random_replace": random_replace}
        self.sentence_pair = sentence_pair
        self.special = torch.as_tensor(sorted(set(tokenizer.all_special_ids)))
        vocab = torch.arange(len(tokenizer))
        self.random_ids = vocab[~torch.isin(vocab, self.special)]
        self.partners = [p for p in (self._split(t)[1] for t in partners) if p]  # NSP's random second parts
        if sentence_pair == "nsp" and not self.partners:
            raise ValueError("pretrain.sentence_pair=nsp: no text has a second part after "
                             f"{separator!r}; add a description field to data.catalog.text_fields")
        self.generator = torch.Generator().manual_seed(seed)

    def _split(self, text: str) -> tuple[str, str]:
        first, _, rest = text.partition(self.separator)
        return first, rest.strip()

    def _coin(self) -> bool:
        return bool(torch.rand((), generator=self.generator) < 0.5)

    def _encode(self, texts: list[str]) -> tuple[dict, list[int]]:
        kw = {"truncation": True, "max_length": self.max_length}
        if self.sentence_pair is None:
            return self.tok(list(texts), **kw), [IGNORE] * len(texts)
        rows, pair_labels = [], []
        for text in texts:
            a, b = self._split(text)
            if not b:
                rows.append(self.tok(text, **kw))
                pair_labels.append(IGNORE)
                continue
            label = int(self._coin())
            if label and self.sentence_pair == "nsp":
                b = self.partners[int(torch.randint(len(self.partners), (), generator=self.generator))]
            elif label:  # sop: the same two parts in the wrong order
                a, b = b, a
            rows.append(self.tok(a, b, truncation="longest_first", max_length=self.max_length))
            pair_labels.append(label)
        return {k: [r[k] for r in rows] for k in rows[0].keys()}, pair_labels

    def __call__(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc, pair_labels = self._encode(texts)
        enc = {k: v for k, v in enc.items() if k in ("input_ids", "token_type_ids", "attention_mask")}
        batch = dict(self.tok.pad(enc, return_tensors="pt"))  # dynamic padding to the longest row
        ids = batch["input_ids"]  # (B, T)
        maskable = (batch["attention_mask"] == 1) & ~torch.isin(ids, self.special)
        batch["input_ids"], batch["labels"] = mask_tokens(
            ids, maskable, mask_id=self.tok.mask_token_id, random_ids=self.random_ids, generator=self.generator,
            **self.masking)
        if self.sentence_pair is not None:
            batch["pair_labels"] = torch.as_tensor(pair_labels, dtype=torch.long)  # (B,)
        return batch


def fixed_batches(texts: list[str], collator: MLMCollator, batch_size: int) -> list[dict]:
    """Held-out batches masked once, in order: the same masks at every evaluation."""
    return [collator(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]
