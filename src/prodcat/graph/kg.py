"""The knowledge graph: the category tree as SKOS, plus product-side entities linked to the leaves.

Triples (prefix `pc:` = https://w3id.org/prodcat/):
- `pc:scheme a skos:ConceptScheme`; every category `a skos:Concept`, `skos:prefLabel` its label (the name
  without a numeric code prefix, `Taxonomy.label`), `skos:inScheme pc:scheme`, `skos:broader` its parent and
  `skos:narrower` each child (both directions, so forward-only random walks move up and down the tree); top
  categories `skos:topConceptOf` the scheme and the scheme `skos:hasTopConcept` them.
- product-side entities, one kind per `RELATIONS` entry, each `a <its class>`, `rdfs:label` its display
  name (its most frequent spelling in train) and linked to every category it has >= `min_count` train
  rows in (`min_brand_count` in the graph config, for all kinds):
  - brand (`pc:Brand`, from `Product.brand`)                --pc:sellsIn--> category
  - seller (`pc:Seller`, the offer URL's host, `seller`)    --pc:sellsIn--> category
  - shop category (`pc:ShopCategory`, each segment of the shop's breadcrumb, `shop_category`)
                                                             --pc:mapsTo--> category
  `seller` and `shop_category` are attributes only MWPD offers carry (`prodcat.data.mwpd.Offer`); rows
  of other catalogs have none and add no such entity. Which kinds are built is `relations`.

Leakage rule: these edges are labels in disguise (entity -> category), so `build_graph` must be given the
TRAIN split only; validation and test rows never shape the graph. An entity with no edge left after
`min_count` is left out entirely (it would have no walk and so no vector).

URIs: `category_uri` and `entity_uri` percent-encode the node id / the normalised key, which is injective,
so two ids never share a URI and no registry of slugs is needed to stay consistent between callers.
Keys (`product_keys`) are NFKC, case-folded, whitespace collapsed; a breadcrumb is split on its level
separators (`>`, `::`, `|`, `»`, `›`; not `/`, which names like "Computer/Video Games" contain).
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import rdflib
from rdflib import RDF, RDFS, SKOS, Literal, Namespace, URIRef
from rdflib.util import guess_format

from prodcat.data.catalog import Product
from prodcat.graph.taxonomy import Taxonomy

log = logging.getLogger(__name__)

PC = Namespace("https://w3id.org/prodcat/")
SCHEME = PC["scheme"]
BRAND_CLASS = PC["Brand"]
SELLS_IN = PC["sellsIn"]
MAPS_TO = PC["mapsTo"]


@dataclass(frozen=True)
class Relation:
    kind: str  # the config name, and the name of the block of g(x) it fills
    rdf_class: URIRef
    predicate: URIRef
    uri_path: str  # entity URIs are pc:<uri_path>/<percent-encoded key>


# Order matters: it is the order of the blocks in g(x) (prodcat.graph.linker) and of `graph.relations`.
RELATIONS = {
    "brand": Relation("brand", BRAND_CLASS, SELLS_IN, "brand"),
    "seller": Relation("seller", PC["Seller"], SELLS_IN, "seller"),
    "shop_category": Relation("shop_category", PC["ShopCategory"], MAPS_TO, "shopcat"),
}
_CRUMB_SEP = re.compile(r"\s*(?:>|::|\||»|›)\s*")


def normalize_brand(name: str | None) -> str:
    """The key brands are matched by: NFKC, case-folded, whitespace collapsed ("" for no brand)."""
    if not name:
        return ""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def breadcrumb_segments(text: str | None) -> list[str]:
    """"Home :: Wireless :: WiFi" -> ["home", "wireless", "wifi"]: normalised, empty ones dropped,
    repeats kept once (first position)."""
    out: list[str] = []
    for seg in _CRUMB_SEP.split(normalize_brand(text)):
        seg = seg.strip()
        if seg and seg not in out:
            out.append(seg)
    return out


def product_keys(product: Product, kind: str) -> list[tuple[str, str]]:
    """(normalised key, display spelling) of each `kind` entity the product names; [] when it has none.
    The one place that reads a product's entity fields: the graph builder and the linker both call it, so
    training edges and prediction-time links always agree on spelling."""
    if kind == "brand":
        key = normalize_brand(product.brand)
        return [(key, " ".join(product.brand.split()))] if key else []
    if kind == "seller":  # already a host name (prodcat.data.mwpd.url_host); other catalogs have none
        key = normalize_brand(getattr(product, "seller", None))
        return [(key, key)] if key else []
    if kind == "shop_category":
        return [(seg, seg) for seg in breadcrumb_segments(getattr(product, "shop_category", None))]
    raise KeyError(f"unknown relation kind {kind!r}; expected one of {list(RELATIONS)}")


def check_relations(relations: Sequence[str]) -> list[str]:
    """The requested kinds, in `RELATIONS` order; an unknown name is an error naming the valid ones."""
    unknown = [r for r in relations if r not in RELATIONS]
    if unknown:
        raise ValueError(f"graph.relations: unknown kind(s) {unknown}; expected some of {list(RELATIONS)}")
    return [r for r in RELATIONS if r in relations]


def category_uri(node_id: str) -> URIRef:
    return PC["category/" + quote(node_id, safe="")]


def entity_uri(kind: str, key: str) -> URIRef:
    """URI of a `kind` entity from its normalised key (`product_keys`)."""
    if not key:
        raise ValueError(f"empty {kind} key")
    return PC[f"{RELATIONS[kind].uri_path}/" + quote(key, safe="")]


def brand_uri(brand_name: str) -> URIRef:
    """URI of a brand given any spelling of its name (it is normalised first)."""
    key = normalize_brand(brand_name)
    if not key:
        raise ValueError(f"empty brand name {brand_name!r}")
    return entity_uri("brand", key)


def build_graph(
    taxonomy: Taxonomy,
    train_products: Sequence[Product],
    min_brand_count: int = 1,
    relations: Sequence[str] = tuple(RELATIONS),
) -> rdflib.Graph:
    """SKOS tree of `taxonomy` plus entity -> category edges of each kind in `relations`, from
    `train_products` (the train split only). `min_brand_count` applies to every kind (the config name
    predates sellers and shop categories)."""
    if min_brand_count < 1:
        raise ValueError(f"min_brand_count must be >= 1, got {min_brand_count}")
    relations = check_relations(relations)
    g = rdflib.Graph()
    g.bind("skos", SKOS)
    g.bind("pc", PC)
    g.add((SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((SCHEME, RDFS.label, Literal(f"prodcat taxonomy ({taxonomy.source})")))
    for node in taxonomy.nodes:
        uri = category_uri(node)
        g.add((uri, RDF.type, SKOS.Concept))
        g.add((uri, SKOS.prefLabel, Literal(taxonomy.label(node))))
        g.add((uri, SKOS.inScheme, SCHEME))
        parent = taxonomy.parent(node)
        if parent is None:
            g.add((uri, SKOS.topConceptOf, SCHEME))
            g.add((SCHEME, SKOS.hasTopConcept, uri))
        else:
            g.add((uri, SKOS.broader, category_uri(parent)))
            g.add((category_uri(parent), SKOS.narrower, uri))
    counts = {kind: _add_relation(g, RELATIONS[kind], taxonomy, train_products, min_brand_count)
              for kind in relations}
    log.info("graph: %d categories, relations %s, %d triples", len(taxonomy), counts, len(g))
    return g


def _add_relation(g: rdflib.Graph, rel: Relation, taxonomy: Taxonomy, train_products: Sequence[Product],
                  min_count: int) -> dict[str, int]:
    """Add `rel`'s entities and edges to `g`; returns counts for the log."""
    pairs: Counter[tuple[str, str]] = Counter()  # (entity key, category node) -> train rows
    spellings: dict[str, Counter[str]] = {}
    unplaced = 0
    for p in train_products:
        keys = product_keys(p, rel.kind)
        if not keys:
            continue
        node = taxonomy.find(p.path)
        if node is None:
            unplaced += 1
            continue
        for key, display in keys:
            pairs[key, node] += 1
            spellings.setdefault(key, Counter())[display] += 1
    if unplaced:
        log.warning("%d train rows with a %s have a category path not in the taxonomy: no edge", unplaced, rel.kind)

    linked: set[str] = set()
    edges = 0
    for (key, node), count in sorted(pairs.items()):
        if count >= min_count:
            g.add((entity_uri(rel.kind, key), rel.predicate, category_uri(node)))
            linked.add(key)
            edges += 1
    for key in sorted(linked):
        uri = entity_uri(rel.kind, key)
        # Most frequent spelling; ties go to the first seen (Counter keeps insertion order).
        g.add((uri, RDF.type, rel.rdf_class))
        g.add((uri, RDFS.label, Literal(spellings[key].most_common(1)[0][0])))
    return {"entities": len(linked), "dropped_below_min_count": len(spellings) - len(linked), "edges": edges}


def graph_entities(graph: rdflib.Graph) -> list[str]:
    """Every category and product-side entity URI in `graph`, sorted: the entities to embed."""
    found = {str(s) for s in graph.subjects(RDF.type, SKOS.Concept)}
    for rel in RELATIONS.values():
        found |= {str(s) for s in graph.subjects(RDF.type, rel.rdf_class)}
    return sorted(found)


def entity_labels(graph: rdflib.Graph, kind: str) -> dict[str, str]:
    """Normalised key -> display label, for every entity of `kind` in `graph`."""
    out = {}
    for s in graph.subjects(RDF.type, RELATIONS[kind].rdf_class):
        label = graph.value(s, RDFS.label)
        if label is not None:
            out[normalize_brand(str(label))] = str(label)
    return dict(sorted(out.items()))


def brand_labels(graph: rdflib.Graph) -> dict[str, str]:
    """Normalised brand key -> display label, for every `pc:Brand` in `graph`."""
    return entity_labels(graph, "brand")


def write_turtle(graph: rdflib.Graph, path: str | Path) -> Path:
    """Serialise to Turtle under a temporary name, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        graph.serialize(destination=str(tmp), format="turtle", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_graph(path: str | Path) -> rdflib.Graph:
    """Parse an RDF file (format from the suffix, Turtle otherwise); a broken file names itself."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RDF file not found: {path}")
    fmt = guess_format(str(path)) or "turtle"
    g = rdflib.Graph()
    try:
        g.parse(str(path), format=fmt)
    except Exception as e:  # rdflib raises a different type per parser (BadSyntax, SAX errors...)
        raise ValueError(f"cannot parse RDF file {path} as {fmt}: {type(e).__name__}: {e}") from e
    return g
