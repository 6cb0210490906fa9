"""`Predictor`: product texts -> top-k categories (id, name, full path, confidence), as plain dicts.

    p = Predictor.from_checkpoint("outputs/train/runs/<run>/checkpoints/best.ckpt")   # PyTorch eager
    p = Predictor.from_onnx("outputs/train/runs/<run>/export/model.int8.onnx")        # ONNX Runtime
    p.predict(["apple iphone 15 pro 256gb", {"text": "air max 90", "brand": "Nike", "id": "sku-7"}])

The features are made by the training code: the training tokenizer with `truncation=True,
max_length=<training max_length>` (as in `prodcat.prepare`), and `GraphLinker.features` for g(x).
Only the network runtime differs between the PyTorch and the ONNX predictor.

The network reads a batch in groups of texts of similar length (`max_batch_tokens`, see `length_groups`):
padded to its longest title, ~45 % of a batch of 32 Amazon toys titles' tokens were padding (MWPD: 49 %).

One output record per input, in input order:
    {"index": 0, "id": "sku-7", "text": "...", "truncated": false,
     "categories": [{"id": "A > B > C", "name": "C", "path": ["A", "B", "C"], "confidence": 0.91}, ...]}
or, for an input that cannot be classified, `{"index": 3, "error": "empty text"}`.
`truncated` is true when the text had more than `max_length` tokens and only its start was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from prodcat.serve.assets import ServingAssets
from prodcat.serve.backends import OnnxBackend, TorchBackend, load_module
from prodcat.serve.inputs import Item, to_item


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)  # (B, C)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# Padded tokens per network call (rows x longest row). On 2 CPU cores (experiments/serving/padding.json) 96-192
# were equally fast for MiniLM-L6 and 256 or more slower per query (larger calls cost more per token there).
MAX_BATCH_TOKENS = 128
TOKEN_INPUTS = ("input_ids", "attention_mask")  # the (B, T) inputs; every other input is (B, ...) per row


def length_groups(lengths: np.ndarray, max_tokens: int) -> list[np.ndarray]:
    """Row indices in groups, shortest texts first, each group padding to at most `max_tokens` tokens (its
    size times its longest length); a text longer than the budget forms a group of its own."""
    groups, current = [], []
    for i in np.argsort(lengths, kind="stable"):
        if current and (len(current) + 1) * lengths[i] > max_tokens:
            groups.append(np.array(current))
            current = []
        current.append(i)
    if current:
        groups.append(np.array(current))
    return groups


def _whole_at_least_one(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: expected a whole number >= 1")
    return int(value)


class Predictor:
    def __init__(self, backend, assets: ServingAssets, *, top_k: int = 5, batch_size: int = 64,
                 abstain_unknown_share: float | None = None, max_batch_tokens: int | None = MAX_BATCH_TOKENS):
        """`abstain_unknown_share`: a record whose text has at least this share of word pieces unknown to the
        tokenizer (emoji, an uncovered script) says `"abstain": true`; None: never.
        `max_batch_tokens`: padded tokens per network call (`length_groups`); None: one call per batch, padded
        to its longest text (what a GPU prefers)."""
        self.backend, self.assets = backend, assets
        self.max_batch_tokens = None if max_batch_tokens is None else _whole_at_least_one(
            "max_batch_tokens", max_batch_tokens)
        self.abstain_unknown_share = abstain_unknown_share
        self.top_k, self.batch_size = _whole_at_least_one("top_k", top_k), _whole_at_least_one("batch_size", batch_size)
        # None for a graph-only head; without transformers (and torch) beside ONNX Runtime: a faster cold start
        self.tokenizer = assets.tokenizer(without_transformers=isinstance(backend, OnnxBackend))
        self.linker = assets.graph_linker()  # None for a text-only head
        self.lexical = assets.lexical_featurizer()  # None without the lexical view
        self.categories = [{"id": leaf, "name": leaf.split(" > ")[-1], "path": leaf.split(" > ")}
                           for leaf in assets.leaves]
        self._train_store = None  # opened on the first `nearest_products` call

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_module(cls, module, device: str = "cpu", **kwargs) -> Predictor:
        return cls(TorchBackend(module, device), ServingAssets.from_module(module), **kwargs)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu", **kwargs) -> Predictor:
        return cls.from_module(load_module(path, device), device, **kwargs)

    @classmethod
    def from_onnx(cls, path: str | Path, threads: int | None = None, thread_spinning: bool = True,
                  **kwargs) -> Predictor:
        backend = OnnxBackend(path, threads, thread_spinning=thread_spinning)
        return cls(backend, backend.assets, **kwargs)

    @classmethod
    def load(cls, path: str | Path, runtime: str = "torch", threads: int | None = None, thread_spinning: bool = True,
             **kwargs) -> Predictor:
        """`runtime`: torch (a .ckpt checkpoint, or a folder written by `prodcat.hub.save_pretrained`) or onnx
        (an .onnx file written by export.py). `thread_spinning=False` is an ONNX Runtime setting (`OnnxBackend`)."""
        suffix = Path(path).suffix
        if not thread_spinning and runtime != "onnx":
            raise ValueError(f"thread_spinning=false is an ONNX Runtime setting; runtime={runtime!r} has none")
        if runtime == "torch" and Path(path).is_dir():
            from prodcat.hub import from_pretrained

            return cls.from_module(from_pretrained(path), **kwargs)
        if runtime == "torch":
            if suffix == ".onnx":
                raise ValueError(f"{path} is an ONNX file: use runtime=onnx")
            if threads:
                import torch

                torch.set_num_threads(int(threads))
            return cls.from_checkpoint(path, **kwargs)
        if runtime == "onnx":
            if suffix != ".onnx":
                raise ValueError(f"runtime=onnx needs an .onnx file written by export.py, got {path}")
            return cls.from_onnx(path, threads, thread_spinning, **kwargs)
        raise ValueError(f"runtime={runtime!r}: expected 'torch' or 'onnx'")

    # -- features --------------------------------------------------------------------------------
    def features(self, items: Sequence[Item]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Network inputs for valid items, and a (B,) bool array: was the text truncated."""
        inputs: dict[str, np.ndarray] = {}
        truncated = np.zeros(len(items), dtype=bool)
        texts = [it.text for it in items]
        if self.assets.uses_text:
            n = self.assets.max_length
            enc = self.tokenizer(texts, truncation=True, max_length=n, padding=True, return_tensors="np",
                                 return_token_type_ids=False)
            inputs["input_ids"] = enc["input_ids"].astype(np.int64)  # (B, T), T <= max_length
            inputs["attention_mask"] = enc["attention_mask"].astype(np.int64)  # (B, T)
            full = np.flatnonzero(inputs["attention_mask"].sum(axis=1) >= n)  # only these can have been cut
            if full.size:
                whole = self.tokenizer([texts[i] for i in full], truncation=False, verbose=False)["input_ids"]
                truncated[full] = [len(ids) > n for ids in whole]
        if self.assets.uses_graph:
            inputs["graph"] = self.linker.features([it.as_offer() for it in items])  # (B, G)
        if self.lexical is not None:  # TF-IDF rows as (id, value) pairs; the network holds the weights
            inputs["lexical_ids"], inputs["lexical_values"] = self.lexical.sparse_inputs(texts)  # (B, K) each
        return inputs, truncated

    def logits(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """(B, C) network logits of `features` inputs, the texts run in groups of similar length, each group's
        padding columns dropped; the rows come back in input order."""
        mask = inputs.get("attention_mask")
        if mask is None or self.max_batch_tokens is None:
            return self.backend(inputs)
        groups = length_groups(mask.sum(axis=1), self.max_batch_tokens)
        if len(groups) == 1:  # the batch already pads to its own longest text
            return self.backend(inputs)
        out = None
        for rows in groups:
            columns = mask[rows].any(axis=0)  # the group's real token positions, whichever side pads
            part = self.backend({k: v[rows][:, columns] if k in TOKEN_INPUTS else v[rows] for k, v in inputs.items()})
            if out is None:
                out = np.empty((len(mask), part.shape[1]), dtype=part.dtype)
            out[rows] = part
        return out

    def unknown_share(self, inputs: dict[str, np.ndarray]) -> np.ndarray | None:
        """(B,) share of each text's word pieces (special tokens and padding aside) that are the tokenizer's
        unknown token: the text side's answer is a guess when it is high. None for a model without text."""
        if "input_ids" not in inputs or self.tokenizer.unk_token_id is None:
            return None
        ids, real = inputs["input_ids"], inputs["attention_mask"].astype(bool)  # (B, T)
        real &= ~np.isin(ids, self.tokenizer.all_special_ids) | (ids == self.tokenizer.unk_token_id)
        unknown = (ids == self.tokenizer.unk_token_id) & real
        return unknown.sum(1) / np.maximum(real.sum(1), 1)

    def probabilities(self, inputs: Iterable) -> np.ndarray:
        """(N, C) class probabilities; every input must be valid (used by the export checks)."""
        items = [to_item(x) for x in inputs]
        bad = [(i, it.error) for i, it in enumerate(items) if it.error]
        if bad:
            raise ValueError(f"{len(bad)} invalid inputs, e.g. #{bad[0][0]}: {bad[0][1]}")
        out = [softmax(self.logits(self.features(items[i : i + self.batch_size])[0]))
               for i in range(0, len(items), self.batch_size)]
        return np.concatenate(out) if out else np.zeros((0, len(self.categories)))

    # -- nearest training products ----------------------------------------------------------------
    def nearest_products(self, texts: Sequence[str], k: int = 5) -> list[list[dict]]:
        """For each text, the k training products most similar to it: {"row" (in the training split), "text",
        "score" (cosine)}, searched in the feature index a `freeze=frozen` run trained on. PyTorch runtime
        only: the ONNX graph outputs class scores, not the pooled vector."""
        if self._train_store is None:
            from prodcat.prepare import open_feature_store

            module = getattr(self.backend, "module", None)
            if module is None:
                raise ValueError("nearest products need runtime=torch and a freeze=frozen checkpoint")
            self._train_store = open_feature_store(module, self.tokenizer)
        return self._train_store.nearest_products(list(texts), k)

    # -- prediction ------------------------------------------------------------------------------
    def predict(self, inputs: Iterable, top_k: int | None = None) -> list[dict]:
        return list(self.predict_stream(inputs, top_k))

    def predict_stream(self, inputs: Iterable, top_k: int | None = None) -> Iterator[dict]:
        """Records in input order, computed `batch_size` inputs at a time (a file is never read whole)."""
        batch: list[Item] = []
        start = 0
        k = self.top_k if top_k is None else _whole_at_least_one("top_k", top_k)
        for obj in inputs:
            batch.append(to_item(obj))
            if len(batch) == self.batch_size:
                yield from self._predict_batch(batch, start, k)
                start, batch = start + len(batch), []
        if batch:
            yield from self._predict_batch(batch, start, k)

    def _predict_batch(self, items: list[Item], start: int, k: int) -> Iterator[dict]:
        valid = [i for i, it in enumerate(items) if it.error is None]
        rows: dict[int, int] = {i: r for r, i in enumerate(valid)}
        if valid:
            inputs, truncated = self.features([items[i] for i in valid])
            unknown = self.unknown_share(inputs)
            probs = softmax(self.logits(inputs))  # (B, C)
            top = np.argsort(-probs, axis=1, kind="stable")[:, :k]  # (B, k), most probable first
        for i, it in enumerate(items):
            rec: dict = {"index": start + i}
            if it.id is not None:
                rec["id"] = it.id
            if it.error is not None:
                rec["error"] = it.error
            else:
                r = rows[i]
                rec["text"] = it.text
                rec["truncated"] = bool(truncated[r])
                if unknown is not None:
                    rec["unknown_token_share"] = round(float(unknown[r]), 3)
                    if self.abstain_unknown_share is not None and unknown[r] >= self.abstain_unknown_share:
                        rec["abstain"] = True
                rec["categories"] = [{**self.categories[c], "confidence": round(float(probs[r, c]), 6)}
                                     for c in top[r]]
            yield rec
