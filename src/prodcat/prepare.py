"""The prepare step: catalog -> label space, knowledge graph, RDF2Vec vectors, graph features g(x),
token ids, and for a frozen encoder its pooled text features. Everything a training run reads, built
once before the first batch (and cached where it is expensive), so the training loop only indexes arrays.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.data.datamodule import SplitArrays
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.features.lexical import fit_lexical
from prodcat.features.store import FeatureStore, open_store, tokenizer_sha256, weights_sha256
from prodcat.graph.kg import RELATIONS, build_graph, graph_entities, write_turtle
from prodcat.graph.linker import GraphLinker
from prodcat.graph.rdf2vec import embed_entities
from prodcat.graph.taxonomy import Taxonomy
from prodcat.models.backbones import encode, load_tokenizer, pooled_dim, resolve_max_length
from prodcat.models.hierarchy import label_vectors as build_label_vectors

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    labels: LabelSpace
    splits: dict[str, SplitArrays]
    graph_dim: int = 0
    vocab_size: int = 0
    pad_id: int = 0
    max_length: int = 0  # tokens: the backbone's max_length, `auto` resolved from the training texts
    tokenizer: object | None = None
    linker: GraphLinker | None = None
    timings: dict[str, float] = field(default_factory=dict)
    link_rates: dict[str, dict[str, float]] = field(default_factory=dict)
    feature_stores: dict[str, FeatureStore] = field(default_factory=dict)  # freeze=frozen: per split
    # head=label_graph: the categories' graph vectors {"leaf": (C, D), "levels": [(n_l, D), ...]}
    label_vectors: dict | None = None
    label_dim: int = 0
    # lexical=tfidf: {"featurizer": its state_dict (vocabularies, idf), "model": LexicalModel (W, b, T)}
    lexical: dict | None = None


def build_linker(catalog: Catalog, taxonomy: Taxonomy, graph_cfg: dict, cache_dir: str | Path,
                 out_dir: str | Path, seed: int) -> GraphLinker:
    """Knowledge graph from the taxonomy and the TRAIN split only, embedded with RDF2Vec."""
    graph = build_graph(taxonomy, catalog.train, min_brand_count=graph_cfg.get("min_brand_count", 1),
                        relations=graph_cfg.get("relations", list(RELATIONS)))
    write_turtle(graph, Path(out_dir) / "knowledge_graph.ttl")  # for people: open it in any RDF tool
    vectors = embed_entities(graph, graph_entities(graph), graph_cfg["settings"], cache_dir, seed=seed)
    if graph_cfg.get("unit_vectors", False):
        vectors = {k: v / max(float(np.linalg.norm(v)), 1e-12) for k, v in vectors.items()}
    return GraphLinker.from_graph(taxonomy, graph, vectors)


TRAIN_LINKS = ("in_sample", "leave_one_out", "out_of_fold")


def link_folds(n: int, k: int, seed: int) -> np.ndarray:
    """(n,) fold ids 0..k-1, a seeded random assignment of equal-sized folds."""
    return np.random.default_rng(seed).permutation(np.arange(n) % int(k))


def split_graph_features(linker: GraphLinker, catalog: Catalog, split: str, graph_cfg: dict, seed: int) -> np.ndarray:
    """g(x) of one split. Training rows link only what they would if they were not in training
    (`graph.train_links`, see GraphLinker.features), as val/test rows link only keys seen in training."""
    train_links = graph_cfg["train_links"]  # conf/graph/rdf2vec.yaml
    if train_links not in TRAIN_LINKS:
        raise ValueError(f"graph.train_links must be one of {TRAIN_LINKS}, got {train_links!r}")
    held_out = {}
    if split == "train" and train_links == "leave_one_out":
        held_out = {"leave_one_out": True}
    elif split == "train" and train_links == "out_of_fold":
        held_out = {"folds": link_folds(len(catalog.train), graph_cfg["folds"], seed)}
    return linker.features(catalog.split(split), **held_out)


def prepare(catalog: Catalog, *, backbone_cfg: dict, graph_cfg: dict, uses_text: bool, uses_graph: bool,
            cache_dir: str | Path, out_dir: str | Path, seed: int, skip_invalid: bool,
            tokenize: bool = True, label_vectors: bool = False, lexical_cfg: dict | None = None) -> Prepared:
    """`tokenize=False` (frozen encoder): load the tokenizer but keep no token ids; the text features
    come from `add_text_features` instead. `label_vectors=True` (head=label_graph): build the graph
    even when the head does not read g(x), for the categories' own vectors. `lexical_cfg` with
    `enabled: true`: the stacked TF-IDF view's scores for every split (`prodcat.features.lexical`)."""
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

    if uses_graph or label_vectors:
        t = time.perf_counter()
        linker = build_linker(catalog, taxonomy, graph_cfg, cache_dir, out_dir, seed)
        prepared.linker = linker
        if label_vectors:
            prepared.label_vectors = build_label_vectors(labels, linker)
            prepared.label_dim = prepared.label_vectors["leaf"].shape[1]
        if uses_graph:
            for s in SPLITS:
                g = splits[s].graph = split_graph_features(linker, catalog, s, graph_cfg, seed)  # (N, dim)
                # Share of rows with each kind linked (brand, category name, and seller / shop category
                # when the graph has them); the last two columns stay "brand", "category".
                prepared.link_rates[s] = linker.link_rates(g)
            prepared.graph_dim = linker.dim
            log.info("graph vectors: dim %d, link rates %s", linker.dim, prepared.link_rates)
        timings["graph_s"] = time.perf_counter() - t

    if lexical_cfg and lexical_cfg.get("enabled"):
        t = time.perf_counter()
        add_lexical_scores(prepared, catalog, lexical_cfg, seed)
        timings["lexical_s"] = time.perf_counter() - t

    if uses_text:
        t = time.perf_counter()
        tok = load_tokenizer(backbone_cfg, [p.text for p in catalog.train], cache_dir, catalog.fingerprint())
        prepared.max_length = resolve_max_length(backbone_cfg, tok, [p.text for p in catalog.train])
        for s in SPLITS if tokenize else ():
            enc = tok([p.text for p in catalog.split(s)], truncation=True, max_length=prepared.max_length)
            splits[s].token_ids = enc["input_ids"]
        prepared.tokenizer, prepared.vocab_size, prepared.pad_id = tok, len(tok), tok.pad_token_id
        timings["tokenize_s"] = time.perf_counter() - t
    prepared.timings = timings
    return prepared


def add_lexical_scores(prepared: Prepared, catalog: Catalog, cfg: dict, seed: int) -> None:
    """Fit the lexical view on the training rows; training rows carry their out-of-fold scores, validation
    and test rows the scores of the model fit on all training rows (as a query at inference)."""
    splits = prepared.splits
    featurizer, model, oof = fit_lexical([p.text for p in catalog.train], splits["train"].labels,
                                         len(prepared.labels), cfg, seed)
    splits["train"].lexical = oof
    for s in ("val", "test"):
        splits[s].lexical = model.decision(featurizer.transform([p.text for p in catalog.split(s)]))
    prepared.lexical = {"featurizer": featurizer.state_dict(), "model": model}


@torch.inference_mode()
def encode_texts(encoder: torch.nn.Module, tokenizer, texts: list[str], *, max_length: int, pooling: str,
                 batch_size: int = 256, pooling_layers: int = 4) -> np.ndarray:
    """(N, H) float32 pooled vectors of `texts`, in eval mode and without gradients. Rows are batched in
    order of token length (little padding) and returned in input order."""
    was_training = encoder.training
    encoder.eval()
    ids = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    cfg = {"pooling": pooling, "pooling_layers": pooling_layers}
    out = np.zeros((len(texts), pooled_dim(encoder, cfg)), dtype=np.float32)
    pad = tokenizer.pad_token_id
    try:
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(ids[i]) for i in rows)
            batch = torch.full((len(rows), width), pad, dtype=torch.long)  # (B, T)
            mask = torch.zeros_like(batch)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])] = torch.as_tensor(ids[i])
                mask[r, : len(ids[i])] = 1
            out[rows] = encode(encoder, batch, mask, cfg).float().cpu().numpy()  # (B, H)
    finally:
        encoder.train(was_training)
    return out


def feature_inputs(backbone_cfg: dict, encoder: torch.nn.Module, tokenizer, weights: str | None = None) -> dict:
    """What a frozen encoder's features depend on besides the texts: the key inputs of the feature cache.
    Not the weights' path: the same weights give the same features wherever they are installed.
    `weights`: the sha256 of the encoder's weights when the caller has it already."""
    return {"backbone": backbone_cfg["name"], "weights_sha256": weights or weights_sha256(encoder),
            "tokenizer_sha256": tokenizer_sha256(tokenizer), "max_length": int(backbone_cfg["max_length"]),
            "pooling": backbone_cfg["pooling"], "pooling_layers": int(backbone_cfg["pooling_layers"]),
            "dim": pooled_dim(encoder, backbone_cfg),
            "encoder_dtype": str(next(encoder.parameters()).dtype).removeprefix("torch."), "dtype": "float32"}


def feature_stores(catalog: Catalog, encoder: torch.nn.Module, tokenizer, backbone_cfg: dict,
                   cache_dir: str | Path, batch_size: int = 256, weights: str | None = None) -> dict[str, FeatureStore]:
    """The cached pooled features of every split (built once per key, see `prodcat.features.store`);
    each store can also encode query texts for `nearest_products`."""
    base = feature_inputs(backbone_cfg, encoder, tokenizer, weights)  # hashes the weights once for all splits

    def encode(texts: list[str]) -> np.ndarray:
        return encode_texts(encoder, tokenizer, texts, max_length=backbone_cfg["max_length"],
                            pooling=base["pooling"], batch_size=batch_size, pooling_layers=base["pooling_layers"])

    stores = {}
    for s in SPLITS:
        stores[s] = open_store(cache_dir, {**base, "split": s}, [p.text for p in catalog.split(s)], encode)
        stores[s].row_labels = [p.leaf for p in catalog.split(s)]
    return stores


def add_text_features(prepared: Prepared, stores: dict[str, FeatureStore]) -> None:
    """Batches of every split carry the cached vectors (`text_features`) instead of token ids."""
    for s, store in stores.items():
        prepared.splits[s].text_features = store.vectors
        prepared.splits[s].token_ids = None
    prepared.feature_stores = stores


def open_feature_store(model, tokenizer, split: str = "train") -> FeatureStore:
    """The feature store a frozen-encoder checkpoint was trained on (its `assets["feature_cache"]`), with
    the model's encoder attached, for `nearest_products(query_texts, k)`: the nearest training products
    of a query, from the same index the run read. The folder must still exist (it is a cache)."""
    folders = model.assets.get("feature_cache") or {}
    if split not in folders:
        raise KeyError(f"this checkpoint was not trained with freeze=frozen: no feature cache for {split!r}")
    store = FeatureStore.load(Path(folders[split]))
    backbone = model.hparams.backbone
    if store.meta["inputs"]["weights_sha256"] != model.encoder_sha256():
        raise ValueError(f"{store.folder}: features of other encoder weights than this model's")

    def encode(texts: list[str]) -> np.ndarray:
        return encode_texts(model.encoder, tokenizer, texts, max_length=backbone["max_length"],
                            pooling=backbone["pooling"], pooling_layers=backbone["pooling_layers"])

    store.encode = encode
    return store


def resolved_backbone(backbone_cfg: dict, prepared: Prepared) -> dict:
    """The backbone config with `max_length: auto` replaced by the length prepare() chose, so the
    checkpoint, the feature cache key and inference all truncate as training did."""
    return {**backbone_cfg, "max_length": prepared.max_length} if prepared.max_length else backbone_cfg
