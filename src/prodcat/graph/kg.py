"""The knowledge graph: the category tree as SKOS, plus brands linked to the categories they sell in.

Triples (prefix `pc:` = https://w3id.org/prodcat/):
- `pc:scheme a skos:ConceptScheme`; every category `a skos:Concept`, `skos:prefLabel` its name,
  `skos:inScheme pc:scheme`, `skos:broader` its parent and `skos:narrower` each child (both directions,
  so forward-only random walks move up and down the tree); top categories `skos:topConceptOf` the scheme
  and the scheme `skos:hasTopConcept` them.
- every brand `a pc:Brand`, `rdfs:label` its display name (its most frequent spelling in train), and
  `pc:sellsIn` each category it has >= `min_brand_count` train rows in.

Leakage rule: brand edges are labels in disguise (brand -> category), so `build_graph` must be given the
TRAIN split only; validation and test rows never shape the graph. A brand with no edge left after
`min_brand_count` is left out entirely (it would have no walk and so no vector).

URIs: `category_uri` and `brand_uri` percent-encode the node id / the normalised brand name, which is
injective, so two ids never share a URI and no registry of slugs is needed to stay consistent between
callers. Brands are matched case-insensitively with whitespace collapsed (`normalize_brand`).
"""

from __future__ import annotations

import logging
import os
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
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


def normalize_brand(name: str | None) -> str:
    """The key brands are matched by: NFKC, case-folded, whitespace collapsed ("" for no brand)."""
    if not name:
        return ""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def category_uri(node_id: str) -> URIRef:
    return PC["category/" + quote(node_id, safe="")]


def brand_uri(brand_name: str) -> URIRef:
    """URI of a brand given any spelling of its name (it is normalised first)."""
    key = normalize_brand(brand_name)
    if not key:
        raise ValueError(f"empty brand name {brand_name!r}")
    return PC["brand/" + quote(key, safe="")]


def build_graph(
    taxonomy: Taxonomy, train_products: Sequence[Product], min_brand_count: int = 1
) -> rdflib.Graph:
    """SKOS tree of `taxonomy` plus brand -> category edges from `train_products` (train split only)."""
    if min_brand_count < 1:
        raise ValueError(f"min_brand_count must be >= 1, got {min_brand_count}")
    g = rdflib.Graph()
    g.bind("skos", SKOS)
    g.bind("pc", PC)
    g.add((SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((SCHEME, RDFS.label, Literal(f"prodcat taxonomy ({taxonomy.source})")))
    for node in taxonomy.nodes:
        uri = category_uri(node)
        g.add((uri, RDF.type, SKOS.Concept))
        g.add((uri, SKOS.prefLabel, Literal(taxonomy.name(node))))
        g.add((uri, SKOS.inScheme, SCHEME))
        parent = taxonomy.parent(node)
        if parent is None:
            g.add((uri, SKOS.topConceptOf, SCHEME))
            g.add((SCHEME, SKOS.hasTopConcept, uri))
        else:
            g.add((uri, SKOS.broader, category_uri(parent)))
            g.add((category_uri(parent), SKOS.narrower, uri))

    pairs: Counter[tuple[str, str]] = Counter()  # (brand key, category node) -> train rows
    spellings: dict[str, Counter[str]] = {}
    unplaced = 0
    for p in train_products:
        key = normalize_brand(p.brand)
        if not key:
            continue
        node = taxonomy.find(p.path)
        if node is None:
            unplaced += 1
            continue
        pairs[key, node] += 1
        spellings.setdefault(key, Counter())[" ".join(p.brand.split())] += 1
    if unplaced:
        log.warning("%d branded train rows have a category path not in the taxonomy: no edge", unplaced)

    brands_linked: set[str] = set()
    for (key, node), count in sorted(pairs.items()):
        if count >= min_brand_count:
            g.add((brand_uri(key), SELLS_IN, category_uri(node)))
            brands_linked.add(key)
    for key in sorted(brands_linked):
        uri = brand_uri(key)
        # Most frequent spelling; ties go to the first seen (Counter keeps insertion order).
        display = spellings[key].most_common(1)[0][0]
        g.add((uri, RDF.type, BRAND_CLASS))
        g.add((uri, RDFS.label, Literal(display)))
    log.info(
        "graph: %d categories, %d brands (%d dropped below min_brand_count=%d), %d sellsIn edges, %d triples",
        len(taxonomy), len(brands_linked), len(spellings) - len(brands_linked), min_brand_count,
        sum(1 for _ in g.triples((None, SELLS_IN, None))), len(g),
    )
    return g


def graph_entities(graph: rdflib.Graph) -> list[str]:
    """Every category and brand URI in `graph`, sorted: the entities to embed."""
    cats = {str(s) for s in graph.subjects(RDF.type, SKOS.Concept)}
    brands = {str(s) for s in graph.subjects(RDF.type, BRAND_CLASS)}
    return sorted(cats | brands)


def brand_labels(graph: rdflib.Graph) -> dict[str, str]:
    """Normalised brand key -> display label, for every `pc:Brand` in `graph`."""
    out = {}
    for s in graph.subjects(RDF.type, BRAND_CLASS):
        label = graph.value(s, RDFS.label)
        if label is not None:
            out[normalize_brand(str(label))] = str(label)
    return dict(sorted(out.items()))


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
