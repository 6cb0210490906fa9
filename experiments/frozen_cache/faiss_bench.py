"""FAISS query throughput of the index types the kNN head offers (`prodcat.features.index`): flat (exact),
ivf, hnsw, with their defaults (ivf: nlist ~ sqrt(N), nprobe 16; hnsw: M 32, efConstruction 40,
efSearch 64), cosine similarity (inner product of unit vectors), k = 10.

- 10k point: the real cached MWPD train features of all-MiniLM-L6-v2 (10,012 x 384) as the stored
  vectors, the MWPD test features as queries (pass --features-dir; random vectors otherwise).
- 1M point: 1,000,000 random unit vectors of dimension 384 (Gaussian, seed 0), random unit queries.
  Random vectors are the hard case for approximate indexes (no cluster structure): recall is a floor.

Single query: one `search` call per query (batch 1), as an online predictor sends them; batched: one call
with all the queries. recall@10 is measured against the flat index's answers on the same queries.

    .venv/bin/python experiments/frozen_cache/faiss_bench.py --out outputs/frozen_cache/faiss.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import faiss
import numpy as np

from prodcat.features.index import INDEX_TYPES, build_index, default_nlist, normalise
from prodcat.features.store import read_index

K = 10


def single_query_rate(index, queries: np.ndarray, budget_s: float) -> tuple[float, int]:
    """Queries per second sending one query per call (stops after budget_s)."""
    done, start = 0, time.perf_counter()
    for q in queries:
        index.search(q[None], K)
        done += 1
        if time.perf_counter() - start > budget_s:
            break
    return done / (time.perf_counter() - start), done


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def bench(name: str, stored: np.ndarray, queries: np.ndarray, n_single: int, n_batch: int,
          budget_s: float) -> list[dict]:
    records, truth = [], None
    for kind in INDEX_TYPES:
        t = time.perf_counter()
        index = build_index(stored, kind)
        build_s = time.perf_counter() - t
        single, n_done = single_query_rate(index, queries[:n_single], budget_s)
        batch = queries[:n_batch]
        t = time.perf_counter()
        _, ids = index.search(batch, K)
        batched = len(batch) / (time.perf_counter() - t)
        if kind == "flat":
            truth = ids
        params = {"nlist": default_nlist(len(stored)), "nprobe": 16} if kind == "ivf" else (
            {"M": 32, "efConstruction": 40, "efSearch": 64} if kind == "hnsw" else {})
        for mode, rate, n in (("single", single, n_done), ("batched", batched, len(batch))):
            records.append({"dataset": f"{name}_{kind}_{mode}", "index": kind, "stored": len(stored),
                            "dim": stored.shape[1], "mode": mode, "queries": n, "k": K,
                            "throughput_per_s": round(rate, 1), "build_s": round(build_s, 2),
                            f"recall_at_{K}": round(recall(ids, truth), 4), "params": params})
            print(records[-1], flush=True)
        del index
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features-dir", nargs=2, metavar=("TRAIN_FOLDER", "TEST_FOLDER"),
                        help="feature cache folders (data/cache/features/<key>) for the 10k point")
    parser.add_argument("--sizes", nargs="+", default=["10k", "1M"])
    parser.add_argument("--budget-s", type=float, default=20.0, help="time cap of each single-query loop")
    parser.add_argument("--out", type=Path, required=True)
    a = parser.parse_args()
    faiss.omp_set_num_threads(faiss.omp_get_max_threads())
    rng = np.random.default_rng(0)
    records = []
    if "10k" in a.sizes:
        if a.features_dir:
            stored = normalise(read_index(Path(a.features_dir[0]) / "features.faiss"))
            queries = normalise(read_index(Path(a.features_dir[1]) / "features.faiss"))
            name = f"mwpd_minilm_{len(stored)}"
        else:
            stored = normalise(rng.standard_normal((10_000, 384), dtype=np.float32))
            queries = normalise(rng.standard_normal((2_000, 384), dtype=np.float32))
            name = "random_10k"
        records += bench(name, stored, queries, n_single=2000, n_batch=2000, budget_s=a.budget_s)
    if "1M" in a.sizes:
        stored = normalise(rng.standard_normal((1_000_000, 384), dtype=np.float32))
        queries = normalise(rng.standard_normal((1_000, 384), dtype=np.float32))
        records += bench("random_1M", stored, queries, n_single=1000, n_batch=1000, budget_s=a.budget_s)
    for r in records:
        r["omp_threads"] = faiss.omp_get_max_threads()
    a.out.write_text(json.dumps(records, indent=2) + "\n")


if __name__ == "__main__":
    main()
