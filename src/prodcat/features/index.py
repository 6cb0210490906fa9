"""FAISS search indexes over L2-normalised vectors: inner product of unit vectors = cosine similarity.

`flat` is exact (brute force, the default). For large catalogs two approximate indexes are offered:
- `ivf`: an inverted file (k-means into `nlist` cells, search the `nprobe` nearest cells); needs a training
  pass over the vectors; default `nlist` ~ sqrt(N) (at most N / 39, FAISS's minimum points per centroid).
- `hnsw`: a navigable small-world graph (`hnsw_m` links per node, `ef_search` candidates per query); no
  training, slower to build, fast and accurate at query time.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

INDEX_TYPES = ("flat", "ivf", "hnsw")


def normalise(vectors: np.ndarray) -> np.ndarray:
    """An L2-normalised float32 copy of (N, H) vectors (zero rows stay zero)."""
    out = np.array(vectors, dtype=np.float32, order="C", copy=True)
    faiss.normalize_L2(out)
    return out


def default_nlist(n: int) -> int:
    return max(1, min(round(math.sqrt(n)), n // 39))


def build_index(unit: np.ndarray, kind: str = "flat", *, nlist: int | None = None, nprobe: int = 16,
                hnsw_m: int = 32, ef_construction: int = 40, ef_search: int = 64, seed: int = 0) -> faiss.Index:
    """A cosine-similarity index over (N, H) unit vectors; ids are row positions 0..N-1."""
    if kind not in INDEX_TYPES:
        raise ValueError(f"head.index={kind!r}: expected one of {list(INDEX_TYPES)}")
    unit = np.ascontiguousarray(unit, dtype=np.float32)
    n, d = unit.shape
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "ivf":
        cells = nlist or default_nlist(n)
        index = faiss.index_factory(d, f"IVF{cells},Flat", faiss.METRIC_INNER_PRODUCT)
        faiss.extract_index_ivf(index).cp.seed = seed
        index.train(unit)
        faiss.extract_index_ivf(index).nprobe = min(nprobe, cells)
    else:
        index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
    index.add(unit)
    return index
