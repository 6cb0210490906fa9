"""Intrinsic quality of category and brand vectors: do siblings in the hierarchy sit next to each other, and
does a brand sit next to the categories it sells in?

`sibling_at_k(vectors, parent, k=5)`: for each leaf category (a category that is no other's parent and has a
parent), the share of its `k` nearest category vectors (cosine, itself excluded) whose parent is its own;
the mean over leaves. It needs no labels and no training run, so every walk / Word2Vec configuration can be
scored on the same graph in seconds: a check that speed was not bought with worse vectors, beside (not
instead of) the downstream scores. `ceiling` is the best any vectors could score (a leaf with fewer than
`k` siblings cannot fill its `k` neighbours with them), `chance` that of neighbours drawn at random.

`sells_in_at_k(vectors, sells_in, categories, k=5)`: for each brand, the share of its `k` nearest category
vectors that are categories it sells in (`pc:sellsIn`); the mean over brands. The graph head reads brand
vectors as much as category vectors, and a brand has only a few edges, so fewer walks or epochs can place
brands worse while the category tree keeps its shape: sibling@k alone would not see it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import rdflib
from rdflib import SKOS

from prodcat.graph.kg import BRAND_CLASS, SELLS_IN

_BLOCK = 2048  # query rows per similarity block: (block, C) float32 stays ~160 MB at C = 20,000


def sibling_at_k(vectors: Mapping[str, np.ndarray], parent: Mapping[str, str], k: int = 5) -> dict:
    """{"sibling_at_5": mean share, "ceiling", "chance", "n_leaves", "n_categories"} over the categories
    that are keys of `parent` or its values and have a vector. `parent`: child URI -> parent URI."""
    cats = sorted({c for c in (*parent.keys(), *parent.values()) if c in vectors})
    if len(cats) <= k:
        raise ValueError(f"need more than k={k} categories with vectors, got {len(cats)}")
    idx = {c: i for i, c in enumerate(cats)}
    par = np.full(len(cats), -1, np.int64)  # (C,) parent index, -1 for roots (or a parent without a vector)
    for c, p in parent.items():
        if c in idx and p in idx:
            par[idx[c]] = idx[p]
    is_parent = np.zeros(len(cats), bool)
    is_parent[par[par >= 0]] = True
    leaves = np.flatnonzero(~is_parent & (par >= 0))  # (L,)
    if len(leaves) == 0:
        raise ValueError("no leaf category with a parent among the vectors")
    x = np.stack([np.asarray(vectors[c], np.float32) for c in cats])  # (C, d)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    shares = np.empty(len(leaves))
    for lo in range(0, len(leaves), _BLOCK):
        q = leaves[lo : lo + _BLOCK]
        sim = x[q] @ x.T  # (B, C)
        sim[np.arange(len(q)), q] = -np.inf  # a leaf is not its own neighbour
        nn = np.argpartition(-sim, k, axis=1)[:, :k]  # (B, k) the k most similar, in any order
        shares[lo : lo + len(q)] = (par[nn] == par[q][:, None]).mean(axis=1)
    siblings = np.bincount(par[par >= 0], minlength=len(cats))[par[leaves]] - 1  # (L,) siblings per leaf
    return {f"sibling_at_{k}": float(shares.mean()),
            "ceiling": float(np.minimum(siblings, k).mean() / k),
            "chance": float((siblings / (len(cats) - 1)).mean()),
            "n_leaves": int(len(leaves)), "n_categories": len(cats)}


def sells_in_at_k(vectors: Mapping[str, np.ndarray], sells_in: Mapping[str, set[str]], categories, k: int = 5
                  ) -> dict:
    """{"sells_in_at_5": mean share, "ceiling", "chance", "n_brands", "n_categories"} over the brands of
    `sells_in` (brand URI -> category URIs) that have a vector and sell in a category with one; neighbours are
    searched among `categories` that have a vector."""
    cats = sorted(c for c in set(categories) if c in vectors)
    if len(cats) <= k:
        raise ValueError(f"need more than k={k} categories with vectors, got {len(cats)}")
    idx = {c: i for i, c in enumerate(cats)}
    brands = sorted(b for b, cs in sells_in.items() if b in vectors and any(c in idx for c in cs))
    if not brands:
        raise ValueError("no brand with a vector sells in a category with a vector")
    x = np.stack([np.asarray(vectors[c], np.float32) for c in cats])  # (C, d)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    shares, sizes = np.empty(len(brands)), np.empty(len(brands))
    for lo in range(0, len(brands), _BLOCK):
        chunk = brands[lo : lo + _BLOCK]
        q = np.stack([np.asarray(vectors[b], np.float32) for b in chunk])  # (B, d)
        q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        nn = np.argpartition(-(q @ x.T), k, axis=1)[:, :k]  # (B, k) the k nearest categories, in any order
        for j, b in enumerate(chunk):
            sold = {idx[c] for c in sells_in[b] if c in idx}
            shares[lo + j] = np.isin(nn[j], list(sold)).mean()
            sizes[lo + j] = len(sold)
    return {f"sells_in_at_{k}": float(shares.mean()), "ceiling": float(np.minimum(sizes, k).mean() / k),
            "chance": float((sizes / len(cats)).mean()), "n_brands": len(brands), "n_categories": len(cats)}


def skos_parents(graph: rdflib.Graph) -> dict[str, str]:
    """child URI -> parent URI from the `skos:broader` triples of a `prodcat.graph.kg` graph."""
    return {str(c): str(p) for c, p in graph.subject_objects(SKOS.broader)}


def sells_in_map(graph: rdflib.Graph) -> dict[str, set[str]]:
    """brand URI -> URIs of the categories it sells in, from the `pc:sellsIn` triples of brands."""
    brands = set(graph.subjects(rdflib.RDF.type, BRAND_CLASS))
    out: dict[str, set[str]] = {}
    for b, c in graph.subject_objects(SELLS_IN):
        if b in brands:
            out.setdefault(str(b), set()).add(str(c))
    return out
