"""Generated marketplace graphs for scale studies, as int triples (no rdflib needed at any size).

Triples, in the proportions of a marketplace (for `n_triples` = T: T/50 categories, T/50 brands):
- category tree: a random recursive tree (20 roots), `skos:broader` child -> parent and `skos:narrower`
  parent -> child, as in `prodcat.graph.kg`;
- brand `pc:sellsIn` leaf: each brand sells in 1 + Poisson(2) random leaves;
- product `pc:hasBrand` brand (brand popularity skewed: a few brands have most products) and product
  `pc:inCategory` leaf (80% one of its brand's leaves, else any leaf); products fill the rest of T.
Repeated triples are dropped, so the count is T minus a few hundredths of a percent.
`SyntheticKG.walk_graph()` is the fast engine's input; `to_rdflib()` builds the same triples in rdflib
(GBs and minutes at 10^6 triples: the reference engine's path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rdflib import SKOS

from prodcat.graph.kg import PC, SELLS_IN
from prodcat.graph.walks import WalkGraph

HAS_BRAND, IN_CATEGORY = PC["hasBrand"], PC["inCategory"]
PREDICATES = [str(SKOS.broader), str(SKOS.narrower), str(SELLS_IN), str(HAS_BRAND), str(IN_CATEGORY)]
N_ROOTS = 20


@dataclass
class SyntheticKG:
    names: np.ndarray  # (N,) object array of URIs: categories, then brands, then products
    n_categories: int
    n_brands: int
    n_products: int
    triples: np.ndarray  # (M, 3) int64 (subject, predicate index into PREDICATES, object)

    def walk_graph(self) -> WalkGraph:
        return WalkGraph.from_id_triples(self.triples[:, 0], self.triples[:, 1], self.triples[:, 2],
                                         self.names, PREDICATES)

    def subjects(self) -> np.ndarray:
        """Names of every node with an out-edge (every category, brand and product here)."""
        return self.names[np.unique(self.triples[:, 0])]

    def to_rdflib(self):
        import rdflib

        g = rdflib.Graph()
        terms = [rdflib.URIRef(n) for n in self.names]
        preds = [rdflib.URIRef(p) for p in PREDICATES]
        g.addN((terms[s], preds[p], terms[o], g) for s, p, o in self.triples.tolist())
        return g


def product_graph(n_triples: int, seed: int = 0) -> SyntheticKG:
    rng = np.random.default_rng(seed)
    n_cat = n_brand = max(N_ROOTS + 10, n_triples // 50)
    # Category tree: node i >= N_ROOTS hangs under a uniformly chosen earlier node (depth ~ ln n).
    parent = np.full(n_cat, -1)
    parent[N_ROOTS:] = (rng.random(n_cat - N_ROOTS) * np.arange(N_ROOTS, n_cat)).astype(np.int64)
    child = np.arange(N_ROOTS, n_cat)
    is_leaf = np.ones(n_cat, bool)
    is_leaf[parent[N_ROOTS:]] = False
    leaves = np.flatnonzero(is_leaf)
    b0, p0 = n_cat, n_cat + n_brand  # id offsets of brands and products
    parts = [np.c_[child, np.zeros_like(child), parent[child]],  # broader
             np.c_[parent[child], np.ones_like(child), child]]  # narrower
    k = 1 + rng.poisson(2, n_brand)  # leaves per brand
    brand_of_edge = np.repeat(np.arange(n_brand), k)
    brand_leaf = leaves[rng.integers(0, len(leaves), len(brand_of_edge))]
    parts.append(np.c_[b0 + brand_of_edge, np.full_like(brand_of_edge, 2), brand_leaf])
    n_prod = max(1, (n_triples - sum(len(x) for x in parts)) // 2)
    brand = np.minimum((n_brand * rng.random(n_prod) ** 3).astype(np.int64), n_brand - 1)  # skewed
    first = np.r_[0, np.cumsum(k)[:-1]]  # first sellsIn edge of each brand
    own = brand_leaf[first[brand] + (rng.random(n_prod) * k[brand]).astype(np.int64)]
    leaf = np.where(rng.random(n_prod) < 0.8, own, leaves[rng.integers(0, len(leaves), n_prod)])
    prod = p0 + np.arange(n_prod)
    parts += [np.c_[prod, np.full_like(prod, 3), b0 + brand], np.c_[prod, np.full_like(prod, 4), leaf]]
    triples = np.unique(np.concatenate(parts).astype(np.int64), axis=0)
    names = np.empty(n_cat + n_brand + n_prod, dtype=object)
    names[:] = ([f"{PC}category/c{i}" for i in range(n_cat)] + [f"{PC}brand/b{i}" for i in range(n_brand)]
                + [f"{PC}product/p{i}" for i in range(n_prod)])
    return SyntheticKG(names, n_cat, n_brand, n_prod, triples)
