"""The feature store of a frozen encoder: the pooled text vector of every row of one split, computed once
(batched, without gradients) and cached under `<cache>/features/<key>/` through `prodcat.cache`.

What one folder holds (one folder per split):
- `features.faiss`: a FAISS `IndexIDMap2(IndexFlatIP(H))` with the RAW pooled vectors (float32, exactly
  as the encoder produced them, NOT normalised) and the split's row ids 0..N-1. A flat index stores the
  vectors verbatim, so training reads back bit-identical features (`FeatureStore.vectors`).
- `texts.json`: the split's texts (row i = id i), so nearest-neighbour answers can name their products.
- `meta.json` (written by `prodcat.cache`): the inputs the key hashes (backbone name and source, sha256 of
  the encoder weights, sha256 of the tokenizer, max_length, pooling, fingerprint of the split's texts,
  split, dtype, rows, dim, format) and a sha256 of each file. A load re-checks them; a truncated or
  corrupted file is logged and the folder rebuilt.

Cosine search (the kNN head, `nearest_products`) runs on an index built in memory from an L2-normalised
copy (`prodcat.features.index`): exact `flat` by default, `ivf`/`hnsw` for large catalogs.

Concurrency: builds go through `load_or_build` (private temp folder, one atomic rename), so two jobs that
start together can never half-write the cache. An advisory file lock per key also makes the second job
wait for the first one's build and then read it, instead of encoding the same rows twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from prodcat.cache import load_or_build
from prodcat.features.index import build_index, normalise

log = logging.getLogger(__name__)

KIND = "features"
INDEX_FILE = "features.faiss"
TEXTS_FILE = "texts.json"
FORMAT = 1  # bump when the stored layout changes: every key changes with it

Encode = Callable[[list[str]], np.ndarray]  # texts -> (N, H) float32 pooled vectors


def texts_fingerprint(texts: Sequence[str]) -> str:
    """A hash of the texts in order: the data part of a feature key (features depend on nothing else)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    return h.hexdigest()[:16]


def weights_sha256(module) -> str:
    """sha256 over every tensor of a module's state_dict (names, dtypes, shapes, values), in name order."""
    import torch

    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy())  # the raw bytes, whatever the dtype
    return h.hexdigest()


def tokenizer_sha256(tokenizer) -> str:
    """sha256 of a tokenizer's full definition (vocabulary, normaliser, special tokens)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # without the per-call truncation/padding state a fast tokenizer keeps there
        spec = json.loads(backend.to_str())
        spec.pop("truncation", None)
        spec.pop("padding", None)
        spec = json.dumps(spec, sort_keys=True)
    else:
        spec = json.dumps(tokenizer.get_vocab(), sort_keys=True)
    extra = json.dumps({"class": type(tokenizer).__name__, "special": tokenizer.special_tokens_map},
                       sort_keys=True, default=str)
    return hashlib.sha256((spec + extra).encode()).hexdigest()


def write_index(vectors: np.ndarray, path: Path) -> None:
    """Raw (N, H) float32 vectors with ids 0..N-1 into an `IndexIDMap2(IndexFlatIP)` file."""
    n, d = vectors.shape
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
    index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.arange(n, dtype=np.int64))
    faiss.write_index(index, str(path))


def read_index(path: Path) -> np.ndarray:
    """The (N, H) vectors of a file written by `write_index`, in row-id order, bit-identical."""
    index = faiss.read_index(str(path))
    ids = faiss.vector_to_array(faiss.downcast_index(index).id_map)
    flat = faiss.downcast_index(faiss.downcast_index(index).index)
    vectors = flat.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
    if not np.array_equal(np.sort(ids), np.arange(len(ids))):
        raise ValueError(f"{path}: row ids are not 0..{len(ids) - 1}")
    out = np.empty_like(vectors)
    out[ids] = vectors
    return out


@dataclass
class FeatureStore:
    """The cached features of one split, plus cosine search over them."""

    folder: Path
    vectors: np.ndarray  # (N, H) float32 raw pooled vectors; row i = row i of the split
    texts: list[str]
    meta: dict
    encode: Encode | None = None  # set by the opener: encodes query texts for `nearest_products`
    row_labels: Sequence[str] | None = None  # optional name per row (e.g. its category), for answers
    built: bool = False  # True when this call encoded the rows, False on a cache hit
    build_s: float = 0.0
    _indexes: dict = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        return self.folder.name

    @classmethod
    def load(cls, folder: Path) -> FeatureStore:
        vectors = read_index(folder / INDEX_FILE)
        texts = json.loads((folder / TEXTS_FILE).read_text(encoding="utf-8"))
        meta = json.loads((folder / "meta.json").read_text())
        if len(texts) != len(vectors):
            raise ValueError(f"{folder}: {len(vectors)} vectors for {len(texts)} texts")
        return cls(folder=folder, vectors=vectors, texts=texts, meta=meta)

    def index(self, kind: str = "flat", **params):
        """A cosine index over the L2-normalised vectors (built once per kind and parameters)."""
        key = (kind, tuple(sorted(params.items())))
        if key not in self._indexes:
            self._indexes[key] = build_index(normalise(self.vectors), kind, **params)
        return self._indexes[key]

    def search(self, queries: np.ndarray, k: int, kind: str = "flat", **params) -> tuple[np.ndarray, np.ndarray]:
        """(cosine similarities (M, k), row ids (M, k)) of the k nearest rows of raw (M, H) query vectors;
        an approximate index may return fewer than k, padded with id -1."""
        return self.index(kind, **params).search(normalise(queries), min(k, len(self.vectors)))

    def nearest_products(self, query_texts: Sequence[str], k: int = 5, kind: str = "flat",
                         **params) -> list[list[dict]]:
        """For each query text, its k most similar rows of this split: [{"row", "text", "score"
        (cosine), "label" (when row_labels are set)}], most similar first."""
        if self.encode is None:
            raise RuntimeError("this FeatureStore has no encoder: open it with `encode=` to query by text")
        sims, ids = self.search(self.encode(list(query_texts)), k, kind, **params)
        out = []
        for row_sims, row_ids in zip(sims, ids, strict=True):
            hits = []
            for s, i in zip(row_sims.tolist(), row_ids.tolist(), strict=True):
                if i < 0:
                    continue
                hit = {"row": i, "text": self.texts[i], "score": s}
                if self.row_labels is not None:
                    hit["label"] = self.row_labels[i]
                hits.append(hit)
            out.append(hits)
        return out


def open_store(root: str | Path, inputs: dict, texts: Sequence[str], encode: Encode, *,
               lock: bool = True) -> FeatureStore:
    """The store for `texts` under `inputs` (what the features depend on besides the texts: backbone,
    weights and tokenizer hashes, max_length, pooling, split, dtype): a sound cached copy, or built with
    `encode(texts)` and cached. The key also covers the texts' fingerprint, their count and the format."""
    texts = list(texts)
    inputs = {**inputs, "data": texts_fingerprint(texts), "rows": len(texts), "format": FORMAT}
    timing: dict[str, float] = {}

    def build(tmp: Path) -> None:
        t = time.perf_counter()
        vectors = np.asarray(encode(texts), dtype=np.float32)  # (N, H)
        if vectors.shape[0] != len(texts) or (inputs.get("dim") and vectors.shape[1] != inputs["dim"]):
            raise ValueError(f"encoder returned {vectors.shape} for {len(texts)} texts, dim {inputs.get('dim')}")
        write_index(vectors, tmp / INDEX_FILE)
        (tmp / TEXTS_FILE).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        timing["build_s"] = time.perf_counter() - t
        log.info("features %s: encoded %d rows in %.1f s", inputs.get("split"), len(texts), timing["build_s"])

    folder = load_or_build(root, KIND, inputs, build, lock=lock)  # one build per key: the lock is in there
    store = FeatureStore.load(folder)
    store.encode, store.built, store.build_s = encode, "build_s" in timing, timing.get("build_s", 0.0)
    return store


def describe_stores(stores: dict[str, FeatureStore]) -> dict:
    """Which feature caches a run read, and whether it had to build them (metrics.json `features`)."""
    if not stores:
        return {}
    return {"cache": "built" if any(s.built for s in stores.values()) else "hit",
            "build_s": sum(s.build_s for s in stores.values()),
            "keys": {split: s.key for split, s in stores.items()},
            "folders": {split: str(s.folder) for split, s in stores.items()}}
