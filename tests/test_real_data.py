"""Real-catalog readers (MWPD, Amazon toys), taxonomy file readers (Google, SKOS) and the TF-IDF baseline.

Small files written here check the parsing rules; the shared copies of the real datasets check the
documented row counts and are skipped when ../shared/datasets is absent."""

import csv
import json
import random
from pathlib import Path

import pytest
from hydra.utils import instantiate

from prodcat.data.amazon import read_amazon_toys
from prodcat.data.mwpd import read_mwpd
from prodcat.graph.taxonomy_files import read_google_taxonomy, read_skos_taxonomy
from prodcat.train import train

from .conftest import ROOT, compose

SHARED = ROOT.parent / "shared" / "datasets"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real datasets not found at {SHARED}")


# ---- MWPD -------------------------------------------------------------------------------------------
def _offer(name="HP Pavilion 23xi IPS Monitor", lvl3="65010700_Peripherals"):
    return {"ID": "1", "Name": name, "Description": "a monitor", "CategoryText": "Product", "URL": "http://x",
            "lvl1": "65000000_Computing", "lvl2": "65010000_Computers", "lvl3": lvl3}


def _mwpd_root(tmp_path, test_lines=None):
    folder = tmp_path / "mwpd2020"
    folder.mkdir(parents=True)
    files = {"train.jsonl": [_offer(), _offer("Angel Charm", "65010800_Other")],
             "validation.jsonl": [_offer()], "test.jsonl": test_lines or [_offer(), _offer()]}
    for name, rows in files.items():
        (folder / name).write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return tmp_path


def test_mwpd_reads_the_official_split(tmp_path):
    c = read_mwpd(_mwpd_root(tmp_path))
    assert (len(c.train), len(c.val), len(c.test)) == (2, 1, 2)
    p = c.train[0]
    assert p.text == "HP Pavilion 23xi IPS Monitor" and p.brand is None
    assert p.path == ("65000000_Computing", "65010000_Computers", "65010700_Peripherals")  # codes kept
    assert read_mwpd(tmp_path, text_fields=["Name", "Description"]).train[0].text.endswith(" | a monitor")
    both = read_mwpd(tmp_path, train_on="trainval")
    assert len(both.train) == 3 and both.val == c.val and both.info["train_on"] == "trainval"


def test_mwpd_missing_file_and_bad_lines(tmp_path):
    root = _mwpd_root(tmp_path, test_lines=[_offer(), '{"Name": "broken', {**_offer(), "lvl2": ""}])
    (root / "mwpd2020" / "validation.jsonl").rename(root / "elsewhere.jsonl")
    with pytest.raises(FileNotFoundError, match=r"validation\.jsonl.*data/download\.sh"):
        read_mwpd(root)
    (root / "elsewhere.jsonl").rename(root / "mwpd2020" / "validation.jsonl")
    with pytest.raises(ValueError, match=r"test\.jsonl, line 2: malformed JSON"):
        read_mwpd(root)
    c = read_mwpd(root, skip_invalid=True)
    assert len(c.test) == 1 and sum(c.info["dropped"].values()) == 2
    with pytest.raises(ValueError, match="train_on"):
        read_mwpd(root, train_on="all")


def test_mwpd_config_composes_and_instantiates(tmp_path):
    cfg = compose(["data=mwpd", f"data.root={_mwpd_root(tmp_path / 'd')}"], tmp_path)
    assert len(instantiate(cfg.data.catalog, _convert_="all").train) == 2


# ---- Amazon toys ------------------------------------------------------------------------------------
def _listing(i, title, path, brand):
    return [f"id{i}", title, path, brand, "9.99", "5 new", "3", "1", "4.5"]


def _amazon_root(tmp_path, extra=()):
    rows = [_listing(i, f"train set {i}", "Hobbies > Model Trains > Trains", "Hornby") for i in range(10)]
    rows += [_listing(10 + i, f"jigsaw puzzle {i}", "Jigsaws & Puzzles > Jigsaws", "") for i in range(10)]
    rows += [_listing(20, "mystery toy", "", "Acme")]  # no category path: always dropped and counted
    path = tmp_path / "amazon_uk_toys" / "amazon_co-ecommerce_sample.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
        f.writelines(extra)
    return tmp_path


def test_amazon_reads_drops_empty_paths_and_records_the_split(tmp_path):
    c = read_amazon_toys(_amazon_root(tmp_path), split={"val": 0.2, "test": 0.2, "seed": 3})
    assert len(c.train) + len(c.val) + len(c.test) == 20
    assert c.info["dropped"] == {"empty category path in 'category_path'": 1} and c.info["rows_read"] == 21
    assert c.info["split"] == {"val": 0.2, "test": 0.2, "seed": 3, "stratified_by": "leaf",
                               "sizes": {"train": 12, "val": 4, "test": 4}}
    trains = [p for p in c.train if p.path[-1] == "Trains"]
    assert trains[0].brand == "Hornby" and trains[0].path == ("Hobbies", "Model Trains", "Trains")
    assert all(p.brand is None for p in c.train if p.path[0] == "Jigsaws & Puzzles")  # empty brand -> None
    again = read_amazon_toys(tmp_path, split={"val": 0.2, "test": 0.2, "seed": 3})
    assert again.fingerprint() == c.fingerprint()


def test_amazon_malformed_line_fails_or_is_counted(tmp_path):
    root = _amazon_root(tmp_path, extra=["id99,only,four,columns\n"])
    with pytest.raises(ValueError, match=r"amazon_co-ecommerce_sample\.csv, line 22: 4 columns"):
        read_amazon_toys(root)
    c = read_amazon_toys(root, skip_invalid=True)
    assert sum(c.info["dropped"].values()) == 2
    with pytest.raises(FileNotFoundError, match="download.sh"):
        read_amazon_toys(tmp_path / "nowhere")


# ---- the real files -----------------------------------------------------------------------------------
@needs_shared
def test_real_mwpd_row_counts(tmp_path):
    cfg = compose(["data=mwpd"], tmp_path)
    c = instantiate(cfg.data.catalog, _convert_="all")
    assert (len(c.train), len(c.val), len(c.test)) == (10_012, 3_000, 3_107)
    assert len({p.path[2] for p in c.train}) == 281 and c.info["dropped"] == {}
    assert len(read_mwpd(SHARED, train_on="trainval").train) == 13_012


@needs_shared
def test_real_amazon_row_counts(tmp_path):
    cfg = compose(["data=amazon_toys"], tmp_path)
    c = instantiate(cfg.data.catalog, _convert_="all")
    assert c.info["rows_read"] == 10_000
    assert c.info["dropped"] == {"empty category path in 'category_path'": 690}
    assert sum(c.info["split"]["sizes"].values()) == 9_310 == len(c.train) + len(c.val) + len(c.test)
    assert len({p.leaf for p in c.train}) == 255 and {len(p.path) for p in c.train} == {2, 3, 4, 5}


@needs_shared
def test_real_google_taxonomy():
    t = read_google_taxonomy(SHARED / "google_taxonomy" / "taxonomy-with-ids.en-US.txt")
    assert len(t) == 5_595 and t.depth == 7
    assert t.name("3237") == "Live Animals" and t.parent("3237") == "1"


# ---- taxonomy files -------------------------------------------------------------------------------------
def test_google_taxonomy_format(tmp_path):
    f = tmp_path / "tax.txt"
    f.write_text("# Google_Product_Taxonomy_Version: test\n1 - Toys\n3 - Toys > Puzzles > Jigsaws\n"
                 "2 - Toys > Puzzles\n\n4 - Games\n")
    t = read_google_taxonomy(f)  # a child line before its parent's line is fine
    assert t.rows() == [("1", "Toys", None), ("2", "Puzzles", "1"), ("3", "Jigsaws", "2"),
                        ("4", "Games", None)]


SKOS = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:toys a skos:Concept ; skos:prefLabel "Toys"@en, "Spielzeug"@de .
ex:puzzles a skos:Concept ; skos:prefLabel "Puzzles" ; skos:broader ex:toys .
ex:jigsaws a skos:Concept ; skos:prefLabel "Jigsaws"@en .
ex:puzzles skos:narrower ex:jigsaws .
"""


def test_skos_taxonomy_round_trips(tmp_path):
    f = tmp_path / "tax.ttl"
    f.write_text(SKOS)
    t = read_skos_taxonomy(f)
    ex = "http://example.org/"
    assert t.rows() == [(ex + "toys", "Toys", None), (ex + "puzzles", "Puzzles", ex + "toys"),
                        (ex + "jigsaws", "Jigsaws", ex + "puzzles")]
    assert t.path_names(ex + "jigsaws") == ("Toys", "Puzzles", "Jigsaws")


# ---- TF-IDF baseline -------------------------------------------------------------------------------------
LEAVES = {
    ("Electronics", "Phones", "Smartphones"): ["smartphone", "5g", "dual sim", "android"],
    ("Electronics", "Phones", "Cases"): ["case", "cover", "silicone", "flip"],
    ("Electronics", "Audio", "Headphones"): ["headphones", "over-ear", "noise cancelling", "earcups"],
    ("Electronics", "Audio", "Speakers"): ["speaker", "bluetooth speaker", "subwoofer", "bass"],
    ("Sports", "Tennis", "Rackets"): ["racket", "strung", "graphite", "grip"],
    ("Sports", "Tennis", "Balls"): ["tennis balls", "pressurised", "tube", "felt"],
    ("Toys", "Puzzles", "Jigsaws"): ["jigsaw", "1000 pieces", "puzzle", "landscape"],
    ("Toys", "Trains", "Sets"): ["train set", "locomotive", "track", "oo gauge"],
}


def _synthetic_file(path, per_leaf=30, seed=0):
    """Titles = brand + two of the leaf's words + shared filler + a model code, as real titles are."""
    rng = random.Random(seed)
    filler = ["new", "black", "pro", "2024", "edition", "uk", "pack", "premium"]
    brands = ["Acme", "Zenith", "Nova", "Orion"]
    rows = []
    for leaf, words in LEAVES.items():
        for _ in range(per_leaf):
            title = " ".join([rng.choice(brands), *rng.sample(words, 2), *rng.sample(filler, 3),
                              f"{rng.choice('ABCXYZ')}{rng.randint(100, 999)}"])
            rows.append({"title": title, "category_path": " > ".join(leaf)})
    rng.shuffle(rows)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_tfidf_baseline_quality_floor_and_metrics_json(tmp_path):
    f = _synthetic_file(tmp_path / "catalog.jsonl")
    cfg = compose(["+experiment=tfidf_baseline", "data=catalog_file", f"data.catalog.file={f}",
                   "data.catalog.split.val=0.2", "data.catalog.split.test=0.2"], tmp_path)
    assert cfg.task.name == "tfidf"
    metrics, objects = train(cfg)
    assert set(metrics) == {"val", "test", "objective", "timings", "choices", "params", "data",
                            "slices", "best_checkpoint", "run_name", "provenance"}
    data = metrics["data"]  # which leaves each split can score
    assert set(data["leaves"]) == {"train", "val", "test"} and data["leaves"]["train"] == data["classes"]
    assert 0 <= data["train_leaves_not_in_val_or_test"] <= data["classes"]
    prov = metrics["provenance"]  # where the number came from
    assert len(prov["git_commit"]) == 40 and isinstance(prov["git_dirty"], bool)
    assert prov["packages"]["scikit-learn"] and prov["machine"]["cpus"] and prov["command"]
    for split in ("val", "test"):
        names = {f"{split}/{k}" for k in ("acc", "acc_top5", "f1_weighted", "f1_macro",
                                          "f1_weighted_mean_levels", "lvl1/f1_weighted", "lvl2/f1_weighted",
                                          "lvl3/f1_weighted")}
        assert names <= set(metrics[split])
    assert metrics["test"]["test/acc"] >= 0.9  # chance is 1/8
    assert metrics["test"]["test/acc_top5"] >= metrics["test"]["test/acc"]
    assert metrics["choices"]["backbone"] == "tfidf" and metrics["best_checkpoint"] is None
    assert metrics["objective"] == {"name": "val/f1_weighted", "value": metrics["val"]["val/f1_weighted"]}
    assert metrics["params"]["nonzero"] <= metrics["params"]["total"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == metrics
    assert objects["model"].predict(["Nova locomotive oo gauge track Z123"]).tolist() == [
        objects["labels"].index()["Toys > Trains > Sets"]]


def test_the_data_root_is_found_the_same_way_everywhere(tmp_path, monkeypatch):
    from prodcat.data.roots import dataset_folder

    monkeypatch.setenv("PROJECT_ROOT", str(tmp_path / "repo"))
    monkeypatch.setenv("PRODCAT_DATA_ROOT", str(tmp_path / "mine"))
    with pytest.raises(FileNotFoundError) as err:
        dataset_folder("mwpd2020")
    for place in ("mine/mwpd2020", "repo/data/datasets/mwpd2020", "shared/datasets/mwpd2020", "data/download.sh"):
        assert place in str(err.value)
    (tmp_path / "shared" / "datasets" / "mwpd2020").mkdir(parents=True)
    assert dataset_folder("mwpd2020") == tmp_path / "shared" / "datasets" / "mwpd2020"
    (tmp_path / "repo" / "data" / "datasets" / "mwpd2020").mkdir(parents=True)  # what download.sh writes wins
    assert dataset_folder("mwpd2020") == tmp_path / "repo" / "data" / "datasets" / "mwpd2020"
    (tmp_path / "mine" / "mwpd2020").mkdir(parents=True)  # the environment variable wins over both
    assert dataset_folder("mwpd2020") == tmp_path / "mine" / "mwpd2020"
    assert dataset_folder("mwpd2020", root="/elsewhere") == Path("/elsewhere/mwpd2020")  # data.root: as given
