"""The generic catalog reader and the label space: good files load (bad rows: tests/test_bad_input.py)."""

import json

import pytest

from prodcat.data.catalog import Product
from prodcat.data.labels import LabelSpace
from prodcat.data.readers import read_catalog, read_products

FIELDS = dict(text_fields=["title"], path_field="category_path", brand_field="brand")


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _row(title="apple iphone 15 pro 256gb", path="Electronics > Phones > Smartphones", brand="Apple"):
    return {"title": title, "category_path": path, "brand": brand}


def test_jsonl_and_csv_read_the_same_products(tmp_path):
    rows = [_row(), _row("wilson pro staff 97", "Sports > Tennis > Rackets", "")]
    a, _ = read_products(_jsonl(tmp_path / "a.jsonl", rows), **FIELDS)
    csv = tmp_path / "a.csv"
    csv.write_text("title,category_path,brand\n" + "".join(f'"{r["title"]}","{r["category_path"]}",{r["brand"]}\n'
                                                             for r in rows))
    b, _ = read_products(csv, **FIELDS)
    assert a == b
    assert a[0] == Product("apple iphone 15 pro 256gb", ("Electronics", "Phones", "Smartphones"), "Apple")
    assert a[1].brand is None  # an empty brand cell means "no brand", not the brand ""


def test_single_file_split_is_seeded_and_stratified(tmp_path):
    rows = [_row(f"phone {i}") for i in range(50)] + [_row(f"racket {i}", "Sports > Rackets") for i in range(30)]
    f = _jsonl(tmp_path / "all.jsonl", rows)
    a = read_catalog("c", file=str(f), split={"val": 0.2, "test": 0.2, "seed": 1}, **FIELDS)
    b = read_catalog("c", file=str(f), split={"val": 0.2, "test": 0.2, "seed": 1}, **FIELDS)
    assert a.fingerprint() == b.fingerprint()
    assert (len(a.train), len(a.val), len(a.test)) == (48, 16, 16)
    assert sum(p.path[0] == "Sports" for p in a.test) == 6  # each class keeps its share


def test_label_space_levels_handle_variable_depth():
    paths = [("A", "B", "C"), ("A", "D"), ("E", "F", "G")]
    labels = LabelSpace.from_products([Product("", p) for p in paths])
    assert labels.leaves == ("A > B > C", "A > D", "E > F > G")
    assert labels.level_names[0] == ("A", "E")
    assert [labels.level_names[0][i] for i in labels.level_ids[0]] == ["A", "A", "E"]
    # "A > D" is shallower than level 3: it stands for itself there
    assert [labels.level_names[2][i] for i in labels.level_ids[2]] == ["A > B > C", "A > D", "E > F > G"]
    assert LabelSpace.from_dict(labels.to_dict()) == labels


def test_separators_do_not_depend_on_stray_whitespace(tmp_path):
    rows = [_row(path="Electronics > Phones"), _row(path="Electronics>Phones"), _row(path=" Electronics >Phones ")]
    products, _ = read_products(_jsonl(tmp_path / "a.jsonl", rows), **FIELDS)
    assert {p.path for p in products} == {("Electronics", "Phones")}
    for trailing in ("Electronics > Phones >", "Electronics > Phones > "):
        with pytest.raises(ValueError, match="line 1: empty level in category path"):
            read_products(_jsonl(tmp_path / "b.jsonl", [_row(path=trailing)]), **FIELDS)


def test_a_csv_record_with_an_unbalanced_quote_is_reported_at_its_first_line(tmp_path):
    good = "".join(f"title {i},A > B,x\n" for i in range(3))
    csv = tmp_path / "a.csv"
    csv.write_text("title,category_path,brand\n" + good + '"broken title,A > B,x\n' + good)
    with pytest.raises(ValueError, match=r"a.csv, line 5: .* runs to line 8: an unbalanced quote"):
        read_products(csv, **FIELDS)
