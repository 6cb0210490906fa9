"""Property-based tests (Hypothesis) for what users feed in first: catalog rows, category paths and the
predictor's inputs. Random unicode, control characters, very long strings and separators with stray
whitespace must either parse to exactly what was meant or fail with a message naming the file and line;
nothing else (no other exception type, no row silently changed or lost)."""

import csv
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcat.data.readers import read_products
from prodcat.serve.inputs import parse_lines, to_item

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# any unicode, control characters and separators included; surrogates cannot be written as UTF-8
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
# a category name as a catalog holds it: no ">" (the separator) and something visible
LEVEL = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=">"), min_size=1, max_size=20).filter(
    lambda s: s.strip())
SPACES = st.sampled_from(["", " ", "  ", "\t"])


def _write(rows: list[dict], suffix: str) -> Path:
    f = tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8", newline="")
    with f:
        if suffix == ".jsonl":
            f.writelines(json.dumps(r) + "\n" for r in rows)
        else:
            writer = csv.DictWriter(f, fieldnames=["title", "path"])
            writer.writeheader()
            writer.writerows(rows)
    return Path(f.name)


def _line_of(titles: list[str], row: int, suffix: str) -> int:
    """The file line row `row` starts on: JSONL escapes line breaks; a CSV field keeps them, after a header."""
    if suffix == ".jsonl":
        return row + 1
    return 2 + sum(1 + len(re.findall(r"\r\n|\r|\n", t)) for t in titles[:row])


@SETTINGS
@given(titles=st.lists(TEXT, min_size=1, max_size=5), suffix=st.sampled_from([".jsonl", ".csv"]))
def test_reader_keeps_every_row_with_text_or_names_the_line_of_the_first_without(titles, suffix):
    path = _write([{"title": t, "path": "A > B"} for t in titles], suffix)
    try:
        first_empty = next((i for i, t in enumerate(titles) if not t.strip()), None)
        if first_empty is None:
            products, _ = read_products(path, ["title"], "path")
            assert [p.text for p in products] == [t.strip() for t in titles]
            assert all(p.path == ("A", "B") for p in products)
        else:
            with pytest.raises(ValueError, match=f"{path.name}, line {_line_of(titles, first_empty, suffix)}: empty"):
                read_products(path, ["title"], "path")
            kept, dropped = read_products(path, ["title"], "path", skip_invalid=True)
            assert len(kept) + sum(dropped.values()) == len(titles)  # dropped rows are counted, not lost
    finally:
        path.unlink()


@SETTINGS
@given(levels=st.lists(LEVEL, min_size=1, max_size=6), before=SPACES, after=SPACES, trailing=st.booleans())
def test_category_path_does_not_depend_on_whitespace_around_the_separator(levels, before, after, trailing):
    raw = (before + ">" + after).join(levels) + (before + ">" + after if trailing else "")
    path = _write([{"title": "a title", "path": raw}], ".jsonl")
    try:
        if trailing:  # "A > B >" and "A>B>" alike: an empty last level, never a category named "B >"
            with pytest.raises(ValueError, match="line 1: empty level"):
                read_products(path, ["title"], "path")
        else:
            (product,), _ = read_products(path, ["title"], "path")
            assert product.path == tuple(level.strip() for level in levels)
    finally:
        path.unlink()


@SETTINGS
@given(obj=st.one_of(TEXT, st.text(min_size=5000, max_size=20000), st.none(), st.integers(), st.lists(TEXT),
                     st.dictionaries(st.sampled_from(["text", "brand", "id", "url", "seller"]),
                                     st.one_of(TEXT, st.none(), st.integers()))))
def test_predictor_input_is_an_item_or_an_error_never_an_exception(obj):
    item = to_item(obj)
    text = obj.get("text") if isinstance(obj, dict) else obj
    if item.error is None:
        assert item.text == text and item.text.strip()  # the text is passed on unchanged, never rewritten
    else:
        assert isinstance(item.error, str) and item.error


@SETTINGS
@given(lines=st.lists(TEXT.map(lambda s: s.replace("\n", " ").replace("\r", " ")), max_size=8),
       fmt=st.sampled_from(["text", "jsonl"]))
def test_one_record_per_input_line_in_order(lines, fmt):
    raw = lines if fmt == "text" else [json.dumps({"text": t}) for t in lines]
    items = list(parse_lines((line + "\n" for line in raw), fmt))
    assert len(items) == len(lines)  # output line i answers input line i, blank and bad lines included
    for line, item in zip(lines, items, strict=True):
        assert (item.error is None) == bool(line.strip())
        if item.error is None:
            assert item.text == line
