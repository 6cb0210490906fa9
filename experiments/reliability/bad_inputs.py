"""Each bad input of issue 9, tried once through the project's own readers and checks; what it produced.
(The assertions live in tests/test_bad_input.py; this records the actual messages for the study README.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

SKOS = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:toys a skos:Concept ; skos:prefLabel "Toys" .
ex:puzzles a skos:Concept ; skos:prefLabel "Puzzles" ; skos:broader ex:toys .
"""
FIELDS = dict(text_fields=["title"], path_field="category_path", brand_field="brand")
GOOD = json.dumps({"title": "apple iphone 15", "category_path": "Electronics > Phones", "brand": "Apple"})


def _catalog_cases(tmp: Path) -> list[tuple[str, str, Callable]]:
    from prodcat.data.catalog import Catalog, Product
    from prodcat.data.labels import LabelSpace, encode_labels
    from prodcat.data.readers import read_products

    def jsonl(name: str, bad: bytes, skip: bool = False):
        f = tmp / name
        f.write_bytes(GOOD.encode() + b"\n" + bad + b"\n" + GOOD.encode() + b"\n")
        return lambda: read_products(f, **FIELDS, skip_invalid=skip)

    csv = tmp / "products.csv"
    csv.write_text("title,category_path,brand\nphone,A > B,x\nphone,A > B,x,extra\n")
    train = [Product("a", ("X", "Y")), Product("b", ("X", "Z"))]
    test = [Product("c", ("X", "Y")), Product("d", ("Q", "R"))]
    return [
        ("catalog", "malformed JSONL line", jsonl("malformed.jsonl", b'{"title": "x", "category_path": ')),
        ("catalog", "same, data.skip_invalid=true",
         jsonl("malformed_skip.jsonl", b'{"title": "x", "category_path": ', skip=True)),
        ("catalog", "CSV row with the wrong number of columns", lambda: read_products(csv, **FIELDS)),
        ("catalog", "non-UTF-8 bytes (Latin-1 e-acute)",
         jsonl("latin1.jsonl", b'{"title": "caf\xe9", "category_path": "A > B"}')),
        ("catalog", "empty title", jsonl("empty_title.jsonl", b'{"title": "  ", "category_path": "A > B"}')),
        ("catalog", "category path that contradicts the taxonomy (a level named 'Toys > Games')",
         jsonl("clash.jsonl", b'{"title": "x", "category_path": ["Toys > Games", "Puzzles"]}')),
        ("catalog", "category in the test split that training never saw",
         lambda: encode_labels(Catalog("c", train, list(train), list(test)), LabelSpace.from_products(train), False)),
    ]


def _graph_cases(tmp: Path) -> list[tuple[str, str, Callable]]:
    from rdflib import Graph

    from prodcat.graph.kg import load_graph
    from prodcat.graph.rdf2vec import embed_entities
    from prodcat.graph.taxonomy import Taxonomy
    from prodcat.graph.taxonomy_files import read_google_taxonomy, read_skos_taxonomy

    def skos(name: str, text: str):
        f = tmp / name
        f.write_text(text)
        return lambda: read_skos_taxonomy(f)

    google = tmp / "taxonomy-with-ids.txt"
    google.write_text("1 - Toys\n2 - Toys > Puzzles\n2 - Games\n")
    broken = tmp / "broken.ttl"
    broken.write_text('@prefix pc: <https://w3id.org/prodcat/> .\npc:a pc:b "unterminated .\n')
    return [
        ("taxonomy", "cycle (SKOS file)", skos("cycle.ttl", SKOS + "ex:toys skos:broader ex:puzzles .\n")),
        ("taxonomy", "orphan: parent never defined (id rows)",
         lambda: Taxonomy.from_edges([("1", "A", None), ("2", "B", "9")], "taxonomy.csv")),
        ("taxonomy", "duplicate id with another name (Google taxonomy file)", lambda: read_google_taxonomy(google)),
        ("graph", "broken Turtle file", lambda: load_graph(broken)),
        ("graph", "empty graph (no skos:Concept)", skos("empty.ttl", "@prefix ex: <http://example.org/> .\n")),
        ("graph", "empty graph given to RDF2Vec", lambda: embed_entities(Graph(), [], {"max_walks": 2}, tmp)),
    ]


def _config_cases(tmp: Path) -> list[tuple[str, str, Callable]]:
    import torch
    from hydra import compose, initialize_config_dir

    from prodcat.data.catalog import Product
    from prodcat.data.labels import LabelSpace
    from prodcat.resume import check_label_space

    conf = str(Path(__file__).resolve().parents[2] / "conf")

    def composed(overrides: list[str], resolve: str | None = None):
        def run():
            with initialize_config_dir(version_base="1.3", config_dir=conf):
                cfg = compose(config_name="train", overrides=overrides)
            return cfg.data.catalog[resolve] if resolve else cfg
        return run

    ckpt = tmp / "other.ckpt"
    torch.save({"hyper_parameters": {"labels": {"leaves": ["A > B", "Q > R"]}}}, ckpt)
    labels = LabelSpace.from_products([Product("", ("A", "B")), Product("", ("A", "C"))])
    return [
        ("config", "misspelt group choice: backbone=minilm_l7", composed(["+experiment=hybrid", "backbone=minilm_l7"])),
        ("config", "misspelt key: trainer.max_epoch=3", composed(["+experiment=hybrid", "trainer.max_epoch=3"])),
        ("config", "missing required value: data=catalog_file without data.catalog.file",
         composed(["+experiment=hybrid", "data=catalog_file", "data.catalog.file=???"], resolve="file")),
        ("config", "checkpoint whose label space differs from the data's (ckpt_path=...)",
         lambda: check_label_space(str(ckpt), labels)),
    ]


def _serving_cases(tmp: Path) -> list[tuple[str, str, Callable]]:
    import numpy as np
    import torch

    from prodcat.features.store import open_store
    from prodcat.serve.backends import load_module
    from prodcat.serve.inputs import parse_lines, to_item
    from prodcat.serve.predictor import Predictor

    truncated, foreign = tmp / "truncated.ckpt", tmp / "notes.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(1000)}, "hyper_parameters": {}}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:300])
    foreign.write_text("not a checkpoint")
    texts = ["apple iphone 15", "nike air max 90"]
    inputs = {"backbone": "fake", "dim": 2, "split": "train"}

    def encode(batch):
        return np.ones((len(batch), 2), dtype=np.float32)

    def corrupted_cache():
        store = open_store(tmp / "cache", inputs, texts, encode)
        index = store.folder / "features.faiss"
        index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
        again = open_store(tmp / "cache", inputs, texts, encode)
        return f"rebuilt: {again.built}, vectors intact: {bool((again.vectors == 1).all())}"

    return [
        ("predict", "empty title", lambda: to_item("")),
        ("predict", "whitespace-only title", lambda: to_item(" \t\n")),
        ("predict", "text of the wrong JSON type", lambda: to_item({"text": 5})),
        ("predict", "a JSONL line that is not JSON", lambda: next(parse_lines(["{not json"], "jsonl"))),
        ("predict", "an input line that is not UTF-8",
         lambda: next(parse_lines([b"caf\xe9".decode("utf-8", "surrogateescape")], "text"))),
        ("predict", "top_k=0", lambda: Predictor(None, None, top_k=0)),
        ("checkpoint", "missing checkpoint file", lambda: load_module(tmp / "nowhere.ckpt")),
        ("checkpoint", "truncated checkpoint file", lambda: load_module(truncated)),
        ("checkpoint", "a file that is not a checkpoint", lambda: load_module(foreign)),
        ("cache", "feature cache truncated on disk", corrupted_cache),
    ]


def try_all(tmp: Path) -> list[dict]:
    tmp.mkdir(parents=True, exist_ok=True)
    out = []
    for group, case, call in [*_catalog_cases(tmp), *_graph_cases(tmp), *_config_cases(tmp), *_serving_cases(tmp)]:
        try:
            value = call()
        except Exception as e:  # noqa: BLE001 - recording what each input produced is the point
            message = " ".join(str(e).split()).replace(str(tmp) + "/", "")
            out.append({"group": group, "input": case, "result": type(e).__name__, "message": message[:400]})
            continue
        if getattr(value, "error", None):  # the predictor's inputs: an error record in place, not an exception
            out.append({"group": group, "input": case, "result": "error record", "message": value.error})
            continue
        if isinstance(value, str):  # a case that reports what it saw
            out.append({"group": group, "input": case, "result": "handled", "message": value})
            continue
        dropped = dict(value[1]) if isinstance(value, tuple) and len(value) == 2 else None
        out.append({"group": group, "input": case, "result": "accepted",
                    "message": f"rows kept: {len(value[0])}, dropped and counted: {dropped}" if dropped else ""})
    return out
