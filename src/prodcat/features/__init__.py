"""Frozen-encoder features: a FAISS-backed, checksummed cache of pooled text vectors per split
(`store`), cosine search indexes (`index`) and the k-nearest-neighbour classifier over them (`knn`)."""

from prodcat.features.index import INDEX_TYPES, build_index, normalise
from prodcat.features.knn import KNNClassifier
from prodcat.features.store import FeatureStore, open_store, texts_fingerprint, tokenizer_sha256, weights_sha256

__all__ = ["INDEX_TYPES", "FeatureStore", "KNNClassifier", "build_index", "normalise", "open_store",
           "texts_fingerprint", "tokenizer_sha256", "weights_sha256"]
