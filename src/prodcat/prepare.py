"""The prepare step: catalog -> label space, knowledge graph, RDF2Vec vectors, graph features g(x),
token ids. Everything a training run reads, built once before the first batch (and cached where it
is expensive), so the training loop only indexes arrays.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.data.datamodule import SplitArrays
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.graph.kg import build_graph, graph_entities, write_turtle
from prodcat.graph.linker import GraphLinker
from prodcat.graph.rdf2vec import embed_entities
from prodcat.graph.taxonomy import Taxonomy
from prodcat.models.backbones import load_tokenizer

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    labels: LabelSpace
    splits: dict[str, SplitArrays]
    graph_dim: int = 0
    vocab_size: int = 0
    pad_id: int = 0
    tokenizer: object | None = None
    linker: GraphLinker | None = None
    timings: dict[str, float] = field(default_factory=dict)
    link_rates: dict[str, dict[str, float]] = field(default_factory=dict)


def build_linker(catalog: Catalog, taxonomy: Taxonomy, graph_cfg: dict, cache_dir: str | Path,
                 out_dir: str | Path, seed: int) -> GraphLinker:
    """Knowledge graph from the taxonomy and the TRAIN split only, embedded with RDF2Vec."""
    graph = build_graph(taxonomy, catalog.train, min_brand_count=graph_cfg.get("min_brand_count", 1))
    write_turtle(graph, Path(out_dir) / "knowledge_graph.ttl")  # for people: open it in any RDF tool
    vectors = embed_entities(graph, graph_entities(graph), graph_cfg["settings"], cache_dir, seed=seed)
    return GraphLinker.from_graph(taxonomy, graph, vectors)


def prepare(catalog: Catalog, *, backbone_cfg: dict, graph_cfg: dict, uses_text: bool, uses_graph: bool,
            cache_dir: str | Path, out_dir: str | Path, seed: int, skip_invalid: bool) -> Prepared:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    taxonomy = Taxonomy.from_paths([p.path for p in catalog.train], source=f"{catalog.name}:train")
    labels = LabelSpace.from_products(catalog.train)
    y = encode_labels(catalog, labels, skip_invalid)
    splits = {s: SplitArrays(labels=np.asarray(y[s], dtype=np.int64)) for s in SPLITS}
    prepared = Prepared(labels=labels, splits=splits)
    timings["labels_s"] = time.perf_counter() - t
    log.info("catalog %s: %s rows, %d classes, depth %d", catalog.name,
             {s: len(catalog.split(s)) for s in SPLITS}, len(labels), labels.depth)

    if uses_graph:
        t = time.perf_counter()
        linker = build_linker(catalog, taxonomy, graph_cfg, cache_dir, out_dir, seed)
        for s in SPLITS:
            g = splits[s].graph = linker.features(catalog.split(s))  # (N, 2d + 2)
            # The last two columns flag "brand linked" and "a category name linked".
            prepared.link_rates[s] = {"brand": float(g[:, -2].mean()), "category": float(g[:, -1].mean())}
        prepared.linker, prepared.graph_dim = linker, linker.dim
        timings["graph_s"] = time.perf_counter() - t
        log.info("graph vectors: dim %d, link rates %s", linker.dim, prepared.link_rates)

    if uses_text:
        t = time.perf_counter()
        tok = load_tokenizer(backbone_cfg, [p.text for p in catalog.train], cache_dir, catalog.fingerprint())
        for s in SPLITS:
            enc = tok([p.text for p in catalog.split(s)], truncation=True, max_length=backbone_cfg["max_length"])
            splits[s].token_ids = enc["input_ids"]
        prepared.tokenizer, prepared.vocab_size, prepared.pad_id = tok, len(tok), tok.pad_token_id
        timings["tokenize_s"] = time.perf_counter() - t
    prepared.timings = timings
    return prepared
