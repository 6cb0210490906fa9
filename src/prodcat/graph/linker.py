"""From a product to its graph vector g(x), and the label-side category matrix E.

g(x) = [brand vector (d) ; mean of the vectors of the categories named in the text (d) ;
        one block (d) per extra entity kind ; one 0/1 flag per extra kind ;
        brand_linked, category_linked (two 0/1 flags)]            -> dim = 2d + 2 + k (d + 1)

Extra kinds (`EXTRA_KINDS`, from `prodcat.graph.kg.RELATIONS`): `seller` (the offer's URL host) and
`shop_category` (the segments of the shop's breadcrumb), only those the graph holds at least one entity
of (k = 0 on catalogs without them, so g(x) there is exactly the brand + category layout). An offer links
to its seller / breadcrumb segments only when that exact key was seen in TRAINING rows (the graph is
built from train only): an unseen host links nothing. A kind's block is the mean over the keys linked
(a breadcrumb has several segments). The last two columns stay "brand linked" and "category linked",
which training and the study read as `g[:, -2:]`; `link_rates(g)` names every flag column.

Brand: the brand field when it names a known brand (one that has a vector, i.e. seen in train); else
the first brand name found in the text (left to right, the longest name at a position wins). Brands
not seen in train never link. Category names: every whole-word, case-insensitive occurrence of a
category name (longest first, non-overlapping), with a light plural tolerance ("phone cases" matches
"Phone Case", "batteries" matches "Battery"); a name shared by several nodes links all of them.
Names in GENERIC_NAMES ("Accessories", "Other"...) and one-letter names never link: they say nothing;
nor do words that spell a known brand ("Phone House" the brand is not the category "Phone").
Nothing linked: that half is zeros and its flag 0, so the head learns an "unlinked" bias from the flags.

Category names are matched by their label (`Taxonomy.label`: without a GS1-style numeric code
prefix, which no title contains); node ids keep the code.
Matching runs on word tokens (\\w+ after NFKC + casefold) through an n-gram dict, which is linear in
the text length whatever the number of names: 24k titles take well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import rdflib

from prodcat.data.catalog import Product
from prodcat.graph.kg import (
    RELATIONS,
    brand_labels,
    brand_uri,
    category_uri,
    entity_labels,
    entity_uri,
    normalize_brand,
    product_keys,
)
from prodcat.graph.link_text import KeysOutsideFold, NGramIndex, singular, tokens
from prodcat.graph.taxonomy import Taxonomy

GENERIC_NAMES = frozenset(
    {"accessories", "accessory", "other", "others", "misc", "miscellaneous", "general", "more", "all",
     "various", "parts", "supplies", "sets", "set", "new", "sale", "gifts", "unknown", "n/a", "none"}
)
STATE_VERSION = 2  # 2: extra entity kinds (seller, shop_category); version 1 (brand only) still loads
EXTRA_KINDS = tuple(k for k in RELATIONS if k != "brand")  # brand keeps its own text search and block


@dataclass
class Link:
    brand: str | None  # normalised brand key, or None
    brand_source: Literal["field", "text"] | None
    categories: list[str] = field(default_factory=list)  # node ids, in order of first mention
    entities: dict[str, list[str]] = field(default_factory=dict)  # extra kind -> keys linked (seen in train)


class GraphLinker:
    def __init__(
        self,
        taxonomy: Taxonomy,
        category_vectors: dict[str, np.ndarray],
        brand_vectors: dict[str, np.ndarray],
        brand_names: dict[str, str],
        entity_vectors: dict[str, dict[str, np.ndarray]] | None = None,
    ):
        """`category_vectors`: node id -> (d,); `brand_vectors`: normalised brand -> (d,);
        `brand_names`: normalised brand -> display name (the name searched for in texts);
        `entity_vectors`: extra kind -> {normalised key -> (d,)}; kinds with no key get no block."""
        self.taxonomy = taxonomy
        self.cat_ids = [n for n in taxonomy.nodes if n in category_vectors]
        if not self.cat_ids:
            raise ValueError("no category of the taxonomy has a vector")
        self.cat_vecs = np.stack([category_vectors[n] for n in self.cat_ids]).astype(np.float32)  # (C, d)
        self.d = self.cat_vecs.shape[1]
        self.brand_keys = sorted({normalize_brand(b) for b in brand_vectors})
        by_key = {normalize_brand(b): v for b, v in brand_vectors.items()}
        self.brand_vecs = (
            np.stack([by_key[b] for b in self.brand_keys]).astype(np.float32)
            if self.brand_keys else np.zeros((0, self.d), np.float32)
        )  # (B, d)
        if self.brand_vecs.shape[1] != self.d:
            raise ValueError(f"brand vectors have dim {self.brand_vecs.shape[1]}, categories {self.d}")
        names = {normalize_brand(k): v for k, v in brand_names.items()}
        self.brand_names = {b: names.get(b, b) for b in self.brand_keys}
        self._brand_row = {b: i for i, b in enumerate(self.brand_keys)}
        self._cat_row = {n: i for i, n in enumerate(self.cat_ids)}

        brands: dict[tuple[str, ...], list[str]] = {}
        for b in self.brand_keys:  # search both the key and the display spelling ("H&M" vs "h&m": same)
            for spelling in {b, self.brand_names[b]}:
                toks = tuple(tokens(spelling))
                if toks and len("".join(toks)) > 1:
                    brands.setdefault(toks, [b])
        cats: dict[tuple[str, ...], list[str]] = {}
        for n in self.cat_ids:
            name = " ".join(taxonomy.label(n).casefold().split())
            toks = tuple(singular(t) for t in tokens(name))
            if toks and name not in GENERIC_NAMES and len("".join(toks)) > 1:
                cats.setdefault(toks, []).append(n)
        self._brands, self._cats = NGramIndex(brands), NGramIndex(cats)

        entity_vectors = entity_vectors or {}
        unknown = set(entity_vectors) - set(EXTRA_KINDS)
        if unknown:
            raise ValueError(f"entity kinds {sorted(unknown)} unknown; expected some of {list(EXTRA_KINDS)}")
        self.kinds = [k for k in EXTRA_KINDS if entity_vectors.get(k)]
        self.entity_keys = {k: sorted(entity_vectors[k]) for k in self.kinds}
        self.entity_vecs = {k: np.stack([entity_vectors[k][key] for key in self.entity_keys[k]]).astype(np.float32)
                            for k in self.kinds}  # kind -> (n_k, d)
        for k, v in self.entity_vecs.items():
            if v.shape[1] != self.d:
                raise ValueError(f"{k} vectors have dim {v.shape[1]}, categories {self.d}")
        self._entity_row = {k: {key: i for i, key in enumerate(keys)} for k, keys in self.entity_keys.items()}

    @classmethod
    def from_graph(
        cls, taxonomy: Taxonomy, graph: rdflib.Graph, vectors: dict[str, np.ndarray]
    ) -> GraphLinker:
        """From the graph of `kg.build_graph` and the URI -> vector dict of `rdf2vec.embed_entities`."""
        cat = {n: vectors[str(category_uri(n))] for n in taxonomy.nodes if str(category_uri(n)) in vectors}
        names = brand_labels(graph)
        brand = {b: vectors[str(brand_uri(b))] for b in names if str(brand_uri(b)) in vectors}
        extra = {k: {key: vectors[str(entity_uri(k, key))] for key in entity_labels(graph, k)
                     if str(entity_uri(k, key)) in vectors} for k in EXTRA_KINDS}
        return cls(taxonomy, cat, brand, {b: names[b] for b in brand}, extra)

    @property
    def dim(self) -> int:
        return 2 * self.d + 2 + len(self.kinds) * (self.d + 1)

    def flag_columns(self) -> dict[str, int]:
        """Column of g(x) that flags each kind as linked: extra kinds first, then brand, category (last two)."""
        k = len(self.kinds)
        cols = {kind: (2 + k) * self.d + i for i, kind in enumerate(self.kinds)}
        return {**cols, "brand": self.dim - 2, "category": self.dim - 1}

    def link_rates(self, g: np.ndarray) -> dict[str, float]:
        """Share of rows of a `features` matrix with each kind linked (brand, category, seller, ...)."""
        return {kind: float(g[:, col].mean()) if len(g) else 0.0 for kind, col in self.flag_columns().items()}

    def link(self, product: Product) -> Link:
        key = normalize_brand(product.brand)
        toks = tokens(product.text)
        spans = self._brands.find(toks)
        if key in self._brand_row:
            brand, source = key, "field"
        elif spans:
            brand, source = spans[0][2][0], "text"
        else:
            brand, source = None, None
        # Words that spell a known brand are not read as category names ("Phone House" the brand).
        words = [singular(t) for t in toks]
        for start, end, _ in spans:
            words[start:end] = [""] * (end - start)
        cats: list[str] = []
        for _, _, hit in self._cats.find(words):
            cats.extend(n for n in hit if n not in cats)
        entities = {k: [key for key, _ in product_keys(product, k) if key in self._entity_row[k]]
                    for k in self.kinds}
        return Link(brand, source, cats, {k: v for k, v in entities.items() if v})

    def features(self, products: Sequence[Product], leave_one_out: bool = False,
                 folds: Sequence[int] | None = None) -> np.ndarray:
        """(N, dim) float32: [brand (d) | mean named category (d) | mean linked key per extra kind (d each) |
        one flag per extra kind | brand_linked | category_linked].

        `folds` (one fold id per row) is for the TRAINING rows the graph was built from (pass exactly those):
        a row links a seller, shop category or brand only if a training row of ANOTHER fold carries it, i.e.
        if it would be "seen in training" without its fold, as a test row links only what training saw.
        In-sample, every training row's own host is in the graph (100 % linked on MWPD, test 83 %), so a
        head never sees an unlinked row in training and fails on the unlinked test rows.
        `leave_one_out=True` is the same with one fold per row, for sellers and shop categories only (brands
        stay in-sample: the earlier Amazon results were measured that way)."""
        d = self.d
        out = np.zeros((len(products), self.dim), np.float32)
        flags = self.flag_columns()
        if leave_one_out and folds is None:
            folds, brands_held_out = range(len(products)), False
        else:
            brands_held_out = folds is not None
        known = KeysOutsideFold(products, folds, self.kinds) if folds is not None else None
        for i, p in enumerate(products):
            link = self.link(p)
            for j, kind in enumerate(self.kinds):
                keys = link.entities.get(kind)
                if keys and known is not None:
                    keys = [key for key in keys if known(i, kind, key)]
                if keys:
                    rows = [self._entity_row[kind][key] for key in keys]
                    out[i, (2 + j) * d : (3 + j) * d] = self.entity_vecs[kind][rows].mean(axis=0)
                    out[i, flags[kind]] = 1.0
            if link.brand is not None and (not brands_held_out or known(i, "brand", link.brand)):
                out[i, :d] = self.brand_vecs[self._brand_row[link.brand]]
                out[i, flags["brand"]] = 1.0
            if link.categories:
                rows = [self._cat_row[n] for n in link.categories]
                out[i, d : 2 * d] = self.cat_vecs[rows].mean(axis=0)
                out[i, flags["category"]] = 1.0
        return out

    def category_matrix(self, node_ids: Sequence[str]) -> np.ndarray:
        """(len(node_ids), d) float32: the label-side vectors E, one row per node id in that order."""
        missing = [n for n in node_ids if n not in self._cat_row]
        if missing:
            raise KeyError(f"{len(missing)} node ids have no graph vector, e.g. {missing[:3]}")
        return self.cat_vecs[[self._cat_row[n] for n in node_ids]]

    def state_dict(self) -> dict:
        """Plain Python values only (vectors as lists of floats), so a checkpoint holding it still loads
        with `torch.load(weights_only=True)`, which refuses numpy arrays."""
        return {
            "version": STATE_VERSION,
            "taxonomy_source": self.taxonomy.source,
            "taxonomy": [list(r) for r in self.taxonomy.rows()],
            "category_ids": list(self.cat_ids),
            "category_vectors": self.cat_vecs.tolist(),
            "brand_keys": list(self.brand_keys),
            "brand_names": [self.brand_names[b] for b in self.brand_keys],
            "brand_vectors": self.brand_vecs.tolist(),
            "entities": {k: {"keys": list(self.entity_keys[k]), "vectors": self.entity_vecs[k].tolist()}
                         for k in self.kinds},
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> GraphLinker:
        if state.get("version") not in (1, STATE_VERSION):  # 1: written before the extra kinds, none then
            raise ValueError(f"GraphLinker state version {state.get('version')!r}, expected 1 or {STATE_VERSION}")
        tax = Taxonomy.from_edges([tuple(r) for r in state["taxonomy"]], state["taxonomy_source"])
        cat = np.asarray(state["category_vectors"], np.float32).reshape(len(state["category_ids"]), -1)
        brand = np.asarray(state["brand_vectors"], np.float32).reshape(len(state["brand_keys"]), cat.shape[1])
        return cls(
            tax,
            dict(zip(state["category_ids"], cat, strict=True)),
            dict(zip(state["brand_keys"], brand, strict=True)),
            dict(zip(state["brand_keys"], state["brand_names"], strict=True)),
            {k: dict(zip(e["keys"], np.asarray(e["vectors"], np.float32).reshape(len(e["keys"]), cat.shape[1]),
                         strict=True))
             for k, e in state.get("entities", {}).items()},
        )
