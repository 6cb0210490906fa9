"""Every kind of bad input in one place (issue 9): catalog files, taxonomies and graphs, configuration.
Each fails fast with a message naming the file and line (or row) or the config key; where
`data.skip_invalid` applies the rows are dropped and counted instead; a failed build leaves nothing behind."""

import json

import pytest
import torch
from hydra.errors import HydraException, MissingConfigException
from omegaconf.errors import MissingMandatoryValue
from rdflib import Graph

from prodcat.cache import load_or_build
from prodcat.data.catalog import Catalog, Product
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.data.readers import read_catalog, read_products
from prodcat.graph.kg import load_graph
from prodcat.graph.rdf2vec import embed_entities
from prodcat.graph.taxonomy import Taxonomy
from prodcat.graph.taxonomy_files import read_google_taxonomy, read_skos_taxonomy
from prodcat.resume import check_label_space
from prodcat.train import train

from .conftest import FAST, compose
from .test_readers import FIELDS, _jsonl, _row


# ---- catalog files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    ('{"title": "x", "category_path": ', "malformed JSON"),
    (_row(title="  "), "empty text"),
    (_row(path=""), "empty category path"),
    (_row(path="A >  > C"), "empty level"),
    ({"title": "no path here"}, "missing field"),
    ({"title": "x", "category_path": ["Toys > Games", "Puzzles"]}, r"contains ' > ', the taxonomy's level separator"),
])
def test_bad_jsonl_row_names_file_and_line_or_is_dropped(tmp_path, bad, message):
    f = _jsonl(tmp_path / "bad.jsonl", [_row(), _row(), bad, _row()])
    with pytest.raises(ValueError, match=rf"bad\.jsonl, line 3: .*{message}"):
        read_products(f, **FIELDS)
    products, dropped = read_products(f, **FIELDS, skip_invalid=True)
    assert len(products) == 3 and sum(dropped.values()) == 1


def test_non_utf8_bytes_name_the_line(tmp_path):
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(json.dumps(_row()).encode() + b'\n{"title": "caf\xe9", "category_path": "A > B"}\n')
    with pytest.raises(ValueError, match=r"latin1\.jsonl, line 2: not valid UTF-8"):
        read_products(f, **FIELDS)
    products, dropped = read_products(f, **FIELDS, skip_invalid=True)
    assert len(products) == 1 and list(dropped) == ["not valid UTF-8"]
    csv = tmp_path / "latin1.csv"
    csv.write_bytes(b"title,category_path,brand\nphone,A > B,x\ncaf\xe9,A > B,x\n")
    with pytest.raises(ValueError, match=r"latin1\.csv, line 3: not valid UTF-8"):
        read_products(csv, **FIELDS)


def test_csv_row_with_wrong_column_count(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("title,category_path,brand\nphone,A > B,x\nphone,A > B,x,extra\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3: 4 columns where the header has 3"):
        read_products(f, **FIELDS)
    assert sum(read_products(f, **FIELDS, skip_invalid=True)[1].values()) == 1


def test_missing_catalog_file_and_ambiguous_data_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        read_products(tmp_path / "missing.jsonl", **FIELDS)
    with pytest.raises(ValueError, match="give exactly one of `files`"):
        read_catalog("c", file="a.jsonl", files={"train": "a.jsonl"}, **FIELDS)


def test_path_that_contradicts_the_taxonomy_names_the_row():
    # "A > B" given as one name collides with the node of the path ("A", "B"): two parents for one node.
    with pytest.raises(ValueError, match=r"cats: row 2: conflicting parents"):
        Taxonomy.from_paths([("A", "B"), ("A > B",)], source="cats")
    with pytest.raises(ValueError, match=r"cats: row 2: empty category name at level 2"):
        Taxonomy.from_paths([("A", "B"), ("A", "", "C")], source="cats")


def test_unknown_label_in_test_split_fails_or_is_dropped():
    train_rows = [Product("a", ("X", "Y")), Product("b", ("X", "Z"))]
    test = [Product("c", ("X", "Y")), Product("d", ("Q", "R"))]
    labels = LabelSpace.from_products(train_rows)
    with pytest.raises(ValueError, match=r"split 'test', row 2: category 'Q > R' never occurs.*skip_invalid"):
        encode_labels(Catalog("c", train_rows, list(train_rows), list(test)), labels, skip_invalid=False)
    catalog = Catalog("c", train_rows, list(train_rows), list(test))
    y = encode_labels(catalog, labels, skip_invalid=True)
    assert y["test"] == [0] and catalog.info["dropped"]["test_unknown_label"] == 1


# ---- taxonomy and graph -----------------------------------------------------------------------------------
@pytest.mark.parametrize("rows, match", [
    ([("1", "A", None), ("2", "B", "3"), ("3", "C", "2")], r"f\.csv: row 2: cycle"),
    ([("1", "A", None), ("2", "B", "1"), ("3", "C", "9")], r"f\.csv: row 3: parent '9' .* never appears"),  # orphan
    ([("1", "A", None), ("2", "B", "1"), ("2", "C", "1")], r"f\.csv: row 3: conflicting names for '2'"),  # dup id
    ([("1", "A", None), ("2", "B", "1"), ("3", "C", None), ("2", "B", "3")], r"f\.csv: row 4: conflicting parents"),
    ([("1", "A", None), ("2", "  ", "1")], r"f\.csv: row 2: empty category name"),
], ids=["cycle", "orphan", "duplicate-id", "conflicting-parent", "empty-name"])
def test_taxonomy_rows_name_the_row(rows, match):
    with pytest.raises(ValueError, match=match):
        Taxonomy.from_edges(rows, "f.csv")


@pytest.mark.parametrize("text, message", [
    ("1 - Toys\nToys > Dolls\n", r"tax\.txt, line 2: expected '<id> - A > B > C'"),
    ("1 - Toys\n5 - Toys > Dolls > Barbie\n", r"tax\.txt, line 2: parent 'Toys > Dolls'"),  # orphan
    ("1 - Toys\n2 - Toys\n", r"tax\.txt, line 2: category 'Toys' has id 2 here and id 1 on line 1"),
    ("1 - Toys\n\n1 - Games\n", r"tax\.txt: row 3: conflicting names for '1'"),  # duplicate id
], ids=["syntax", "orphan", "two-ids", "duplicate-id"])
def test_google_taxonomy_file_names_the_line(tmp_path, text, message):
    f = tmp_path / "tax.txt"
    f.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_google_taxonomy(f)


SKOS = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:toys a skos:Concept ; skos:prefLabel "Toys"@en .
ex:puzzles a skos:Concept ; skos:prefLabel "Puzzles" ; skos:broader ex:toys .
ex:jigsaws a skos:Concept ; skos:prefLabel "Jigsaws"@en ; skos:broader ex:puzzles .
"""


@pytest.mark.parametrize("text, message", [
    (SKOS + "ex:jigsaws skos:broader ex:toys .\n", r"bad\.ttl: row \d+: conflicting parents"),
    (SKOS + "ex:toys skos:broader ex:jigsaws .\n", r"bad\.ttl: row \d+: cycle"),
    (SKOS + "ex:dolls a skos:Concept ; skos:prefLabel \"Dolls\" ; skos:broader ex:gone .\n",
     r"bad\.ttl: row \d+: parent 'http://example.org/gone' .* never appears"),  # orphan
    (SKOS + "ex:toys skos:broader", r"cannot parse RDF file \S*bad\.ttl"),  # broken Turtle
    ("@prefix ex: <http://example.org/> .\n", r"bad\.ttl: no skos:Concept in the file"),  # empty graph
    (SKOS + "ex:cars a skos:Concept .\n", r"bad\.ttl: concept <http://example.org/cars> has no skos:prefLabel"),
], ids=["conflicting-parent", "cycle", "orphan", "broken-turtle", "empty", "no-label"])
def test_skos_taxonomy_file_names_the_file(tmp_path, text, message):
    f = tmp_path / "bad.ttl"
    f.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_skos_taxonomy(f)


def test_broken_or_missing_graph_file(tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix pc: <https://w3id.org/prodcat/> .\npc:a pc:b \"unterminated .\n")
    with pytest.raises(ValueError, match=r"broken\.ttl"):
        load_graph(bad)
    with pytest.raises(FileNotFoundError, match=r"missing\.ttl"):
        load_graph(tmp_path / "missing.ttl")


def test_empty_graph_cannot_be_embedded_and_leaves_no_cache(tmp_path):
    with pytest.raises(ValueError, match="no entities to embed"):
        embed_entities(Graph(), [], {"max_walks": 2}, tmp_path)
    with pytest.raises(ValueError, match="no walkable triple"):
        embed_entities(Graph(), ["https://w3id.org/prodcat/category/x"], {"max_walks": 2}, tmp_path)
    assert not (tmp_path / "rdf2vec").exists() or list((tmp_path / "rdf2vec").iterdir()) == []


def test_failed_build_leaves_nothing_half_written(tmp_path):
    def build(folder):
        (folder / "part.bin").write_bytes(b"half")
        raise RuntimeError("killed in the middle")

    with pytest.raises(RuntimeError, match="killed in the middle"):
        load_or_build(tmp_path, "kind", {"x": 1}, build)
    assert list((tmp_path / "kind").iterdir()) == []


# ---- configuration ----------------------------------------------------------------------------------------
def test_misspelt_group_choice_names_the_group(tmp_path):
    with pytest.raises((MissingConfigException, HydraException), match="backbone.*minilm_l7|minilm_l7.*backbone"):
        compose(["+experiment=hybrid", "backbone=minilm_l7"], tmp_path)
    with pytest.raises((MissingConfigException, HydraException), match="hybird"):
        compose(["+experiment=hybird"], tmp_path)


def test_missing_required_value_names_the_key(tmp_path):
    cfg = compose(["+experiment=hybrid", "backbone=tiny", "logger=csv", "data=catalog_file",
                   "data.catalog.file=???"], tmp_path)
    with pytest.raises(MissingMandatoryValue, match="data.catalog.file"):
        train(cfg)


def test_unknown_config_key_names_the_key(tmp_path):
    with pytest.raises(HydraException, match="trainer.max_epoch"):
        compose(["+experiment=hybrid", "trainer.max_epoch=3"], tmp_path)


def test_checkpoint_with_another_label_space_fails_before_training(tmp_path):
    labels = LabelSpace.from_products([Product("", ("A", "B")), Product("", ("A", "C"))])
    other = tmp_path / "other.ckpt"
    torch.save({"hyper_parameters": {"labels": {"leaves": ["A > B", "Q > R"]}}}, other)
    with pytest.raises(ValueError, match=r"other\.ckpt: its label space .* 2 classes.*'Q > R'.*'A > C'"):
        check_label_space(str(other), labels)
    torch.save({"hyper_parameters": {"labels": {"leaves": ["A > B", "A > C"]}}}, other)
    check_label_space(str(other), labels)  # the same classes in the same order: fine

    # End to end: resuming the synthetic run from that checkpoint stops before the Trainer starts.
    cfg = compose(["+experiment=hybrid", *FAST, f"ckpt_path={other}"], tmp_path)
    with pytest.raises(ValueError, match=r"hyper_parameters\.labels: 2 classes\) differs from the training data's"):
        train(cfg)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_a_missing_truncated_or_foreign_checkpoint_fails_with_its_path(tmp_path):
    from prodcat.serve.backends import load_module

    truncated, foreign = tmp_path / "truncated.ckpt", tmp_path / "notes.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(1000)}, "hyper_parameters": {}}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:300])
    foreign.write_text("not a checkpoint")
    with pytest.raises(FileNotFoundError, match="nowhere.ckpt"):
        load_module(tmp_path / "nowhere.ckpt")
    for path in (truncated, foreign):
        with pytest.raises(ValueError, match=f"{path.name}: not a readable prodcat checkpoint"):
            load_module(path)
