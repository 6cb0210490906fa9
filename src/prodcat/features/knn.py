"""k-nearest-neighbour classification over a frozen encoder's cached TRAINING features (no gradients).

For a query q and its k most cosine-similar training rows j (similarity s_j, label y_j):

    score(c | q) = sum_{j : y_j = c} exp(s_j / T)  /  sum_j exp(s_j / T)

a similarity-weighted vote (T -> 0: the nearest neighbour decides; large T: a plain majority vote).
Classes with no neighbour score 0. The memory is built from the train split only (leakage rule).
"""

from __future__ import annotations

import numpy as np

from prodcat.features.index import build_index, normalise


class KNNClassifier:
    def __init__(self, vectors: np.ndarray, labels: np.ndarray, num_labels: int, k: int = 10,
                 temperature: float = 0.05, index: str = "flat", **index_params):
        if k < 1 or temperature <= 0:
            raise ValueError(f"head.k must be >= 1 and head.temperature > 0, got k={k}, temperature={temperature}")
        self.labels = np.asarray(labels, dtype=np.int64)  # (N,)
        if len(self.labels) != len(vectors):
            raise ValueError(f"{len(vectors)} training vectors for {len(self.labels)} labels")
        self.num_labels, self.k, self.temperature = num_labels, min(k, len(vectors)), temperature
        self.index = build_index(normalise(vectors), index, **index_params)

    def neighbours(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine similarities (M, k), training row ids (M, k); -1 where an approximate index found fewer)."""
        return self.index.search(normalise(queries), self.k)

    def scores(self, queries: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """(M, C) vote shares of raw (M, H) query vectors; each row sums to 1 (0 where nothing was found)."""
        out = np.zeros((len(queries), self.num_labels), dtype=np.float32)
        for start in range(0, len(queries), batch_size):
            sims, ids = self.neighbours(queries[start:start + batch_size])  # (B, k)
            found = ids >= 0
            logits = np.where(found, sims / self.temperature, -np.inf)
            with np.errstate(invalid="ignore"):  # rows with nothing found: -inf - -inf, masked out below
                weights = np.exp(logits - logits.max(axis=1, keepdims=True), where=found, out=np.zeros_like(sims))
            weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
            rows = np.repeat(np.arange(len(ids)), ids.shape[1])[found.ravel()]
            np.add.at(out[start:start + batch_size], (rows, self.labels[ids[found]]), weights[found])
        return out

    def predict(self, queries: np.ndarray) -> np.ndarray:
        return self.scores(queries).argmax(axis=1)
