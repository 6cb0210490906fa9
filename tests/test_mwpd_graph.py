"""MWPD's graph: GS1 names without their code, seller and breadcrumb edges from TRAIN rows only, and how
offers link to them (real rdflib graphs; entity vectors are seeded random stand-ins for RDF2Vec's, so the
tests check the wiring of g(x), not the embedding)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rdflib import RDF, RDFS, SKOS, Literal

from prodcat.data.catalog import Product
from prodcat.data.mwpd import Offer, read_mwpd, url_host
from prodcat.graph.kg import (
    MAPS_TO,
    RELATIONS,
    SELLS_IN,
    breadcrumb_segments,
    build_graph,
    category_uri,
    entity_uri,
    graph_entities,
)
from prodcat.graph.linker import GraphLinker
from prodcat.graph.taxonomy import Taxonomy, strip_code

GAMES = ("65000000_Computing", "65010000_Computers/Video Games", "65010700_Computer/Video Game Peripherals")
SHIRTS = ("67000000_Clothing", "67010000_Clothing", "67010800_Upper Body Wear/Tops")
TRAIN = [
    Offer("Logitech gamepad F310", GAMES, seller="shop.example.com", shop_category="Home :: Gaming :: Pads"),
    Offer("Gaming mouse G502", GAMES, seller="shop.example.com", shop_category="Gaming"),
    Offer("Seahawks Tee", SHIRTS, seller="fanshop.com", shop_category="NFL > Seattle Seahawks > T-Shirts"),
]


def vectors_for(graph, d: int = 8) -> dict[str, np.ndarray]:
    """One seeded random (d,) vector per entity of `graph`, in place of RDF2Vec's."""
    rng = np.random.default_rng(0)
    return {uri: rng.normal(size=d).astype(np.float32) for uri in graph_entities(graph)}


def linker_for(train, relations=tuple(RELATIONS)) -> tuple[GraphLinker, dict[str, np.ndarray]]:
    tax = Taxonomy.from_paths([p.path for p in train], source="test:train")
    graph = build_graph(tax, train, relations=relations)
    vecs = vectors_for(graph)
    return GraphLinker.from_graph(tax, graph, vecs), vecs


# ---- names ----------------------------------------------------------------------------------------


def test_gs1_code_prefix_is_stripped_for_labels_but_kept_in_ids():
    assert strip_code("65010700_Computer/Video Game Peripherals") == "Computer/Video Game Peripherals"
    assert strip_code("Phone Cases") == "Phone Cases" and strip_code("12_Angry Men") == "12_Angry Men"
    tax = Taxonomy.from_paths([GAMES])
    leaf = " > ".join(GAMES)
    assert leaf in tax and tax.name(leaf) == GAMES[-1]  # ids and names keep the code: they match the rows
    assert tax.label(leaf) == "Computer/Video Game Peripherals"
    graph = build_graph(tax, [])
    assert graph.value(category_uri(leaf), SKOS.prefLabel) == Literal("Computer/Video Game Peripherals")


def test_category_names_link_without_their_code():
    linker, _ = linker_for(TRAIN)
    link = linker.link(Product("USB computer/video game peripherals hub", ("x",)))
    assert link.categories == [" > ".join(GAMES)]
    assert linker.link(Product("65010700 hub", ("x",))).categories == []  # a bare code is no name


# ---- edges from the training split only --------------------------------------------------------------


def test_seller_and_breadcrumb_edges_come_from_train_rows_only():
    val_only = Offer("Seahawks Hoodie", SHIRTS, seller="val-only-shop.com", shop_category="Hoodies")
    tax = Taxonomy.from_paths([p.path for p in TRAIN])
    graph = build_graph(tax, TRAIN)  # what prepare does: the train split, never val/test
    games, shirts = category_uri(" > ".join(GAMES)), category_uri(" > ".join(SHIRTS))
    seller = entity_uri("seller", "shop.example.com")
    assert set(graph.objects(seller, SELLS_IN)) == {games}
    assert (seller, RDF.type, RELATIONS["seller"].rdf_class) in graph
    assert graph.value(seller, RDFS.label) == Literal("shop.example.com")
    assert set(graph.objects(entity_uri("shop_category", "gaming"), MAPS_TO)) == {games}
    assert set(graph.objects(entity_uri("shop_category", "t-shirts"), MAPS_TO)) == {shirts}
    entities = graph_entities(graph)
    assert str(entity_uri("seller", "val-only-shop.com")) not in entities
    assert str(entity_uri("shop_category", "hoodies")) not in entities
    # the same rows plus a validation row would add its edges: the builder really reads what it is given
    assert str(entity_uri("seller", "val-only-shop.com")) in graph_entities(build_graph(tax, [*TRAIN, val_only]))


def test_relations_are_configurable_and_unknown_kinds_fail():
    tax = Taxonomy.from_paths([p.path for p in TRAIN])
    only_brand = build_graph(tax, TRAIN, relations=["brand"])
    assert not any(s for s in only_brand.subjects(RDF.type, RELATIONS["seller"].rdf_class))
    assert not any(s for s in only_brand.subjects(RDF.type, RELATIONS["shop_category"].rdf_class))
    with pytest.raises(ValueError, match="unknown kind.*'host'"):
        build_graph(tax, TRAIN, relations=["brand", "host"])


def test_breadcrumb_segments_are_normalised():
    assert breadcrumb_segments("Home   ::  Wireless :: WiFi") == ["home", "wireless", "wifi"]
    assert breadcrumb_segments("NFL > Seahawks > NFL") == ["nfl", "seahawks"]  # repeats once
    assert breadcrumb_segments("Computer/Video Games") == ["computer/video games"]  # "/" is not a separator
    assert breadcrumb_segments("") == [] and breadcrumb_segments(None) == []


# ---- linking at prediction time -----------------------------------------------------------------------


def test_seen_host_and_breadcrumb_fill_their_blocks_unseen_ones_link_nothing():
    linker, vecs = linker_for(TRAIN)
    d = linker.d
    assert linker.kinds == ["seller", "shop_category"] and linker.dim == 2 * d + 2 + 2 * (d + 1)
    cols = linker.flag_columns()
    assert cols["brand"] == linker.dim - 2 and cols["category"] == linker.dim - 1  # last two unchanged
    seen = Offer("a pad", GAMES, seller="shop.example.com", shop_category="Deals > Gaming > T-Shirts")
    unseen = Offer("a pad", GAMES, seller="never-seen.org", shop_category="Unknown Aisle")
    g = linker.features([seen, unseen, Product("a pad", GAMES)])
    seller_block, crumb_block = slice(2 * d, 3 * d), slice(3 * d, 4 * d)
    np.testing.assert_allclose(g[0, seller_block], vecs[str(entity_uri("seller", "shop.example.com"))])
    crumbs = [vecs[str(entity_uri("shop_category", k))] for k in ("gaming", "t-shirts")]  # "deals": unseen
    np.testing.assert_allclose(g[0, crumb_block], np.mean(crumbs, axis=0), rtol=1e-6)
    assert g[0, cols["seller"]] == 1 and g[0, cols["shop_category"]] == 1
    assert linker.link(unseen).entities == {}
    assert not g[1:, 2 * d : 4 * d].any() and not g[1:, [cols["seller"], cols["shop_category"]]].any()
    assert linker.link_rates(g) == pytest.approx({"seller": 1 / 3, "shop_category": 1 / 3, "brand": 0, "category": 0})


def test_catalog_without_offers_keeps_the_brand_and_category_layout():
    brands = [Product("Acme phone case", ("Electronics", "Phone Cases"), brand="Acme")]
    linker, _ = linker_for(brands)
    assert linker.kinds == [] and linker.dim == 2 * linker.d + 2


def test_state_dict_round_trip_keeps_the_extra_blocks():
    linker, _ = linker_for(TRAIN)
    offers = [*TRAIN, Offer("x", GAMES, seller="never-seen.org")]
    back = GraphLinker.from_state_dict(json.loads(json.dumps(linker.state_dict())))
    np.testing.assert_array_equal(back.features(offers), linker.features(offers))
    old = {**linker.state_dict(), "version": 1}  # a checkpoint from before the extra kinds
    del old["entities"]
    assert GraphLinker.from_state_dict(old).kinds == []


# ---- the reader: host from the URL; a malformed URL is a counted missing seller, not a dropped row -------


@pytest.mark.parametrize(("url", "host"), [
    ("http://www.Shop.Example.com/p/1.html", "shop.example.com"),
    ("https://store.nba.com:8080/x?y=1", "store.nba.com"),
    ("not a url", None), ("/relative/path", None), ("", None), (None, None), ("http://[broken/x", None),
])
def test_url_host(url, host):
    assert url_host(url) == host


def _write_mwpd(root, rows_by_file):
    folder = root / "mwpd2020"
    folder.mkdir()
    for name, rows in rows_by_file.items():
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _row(name, url, crumb, path=GAMES):
    return {"Name": name, "URL": url, "CategoryText": crumb, "lvl1": path[0], "lvl2": path[1], "lvl3": path[2]}


def test_read_mwpd_gives_offers_and_counts_urls_without_host(tmp_path):
    _write_mwpd(tmp_path, {
        "train.jsonl": [_row("Pad", "http://www.shop.example.com/a", "Home :: Gaming"),
                        _row("Tee", "http://[broken", "", SHIRTS)],
        "validation.jsonl": [_row("Pad 2", "http://other.org/b", "Gaming")],
        "test.jsonl": [_row("Pad 3", "", "Gaming")],
    })
    cat = read_mwpd(tmp_path)
    assert cat.train[0] == Offer("Pad", GAMES, seller="shop.example.com", shop_category="Home :: Gaming")
    assert cat.train[1].seller is None and cat.train[1].shop_category == ""  # row kept: title and labels are fine
    assert cat.info["no_seller_host"] == {"train": 1, "val": 0, "test": 1}
    fair = read_mwpd(tmp_path, text_fields=["Name", "CategoryText", "Host"])  # the "same extra input as text" row
    assert [p.text for p in fair.train] == ["Pad | Home :: Gaming | shop.example.com", "Tee"]


def test_leave_one_out_unlinks_training_keys_no_other_training_row_has():
    linker, _ = linker_for(TRAIN)
    cols = linker.flag_columns()
    in_sample = linker.features(TRAIN)
    loo = linker.features(TRAIN, leave_one_out=True)
    assert in_sample[:, cols["seller"]].tolist() == [1, 1, 1]  # every training host is in the graph
    # shop.example.com has two training rows, fanshop.com one: without its own row it would be unseen
    assert loo[:, cols["seller"]].tolist() == [1, 1, 0]
    np.testing.assert_array_equal(loo[:2, 2 * linker.d : 3 * linker.d], in_sample[:2, 2 * linker.d : 3 * linker.d])
    # "gaming" is in rows 0 and 1; "home", "pads", "nfl", "seattle seahawks", "t-shirts" in one row each
    assert loo[:, cols["shop_category"]].tolist() == [1, 1, 0]
    np.testing.assert_allclose(loo[0, 3 * linker.d : 4 * linker.d], loo[1, 3 * linker.d : 4 * linker.d])


def test_a_served_offer_links_its_url_host_and_breadcrumb_as_in_training():
    """The predictor's input items carry the seller (from `url`) and the breadcrumb to the linker: serving
    must fill the blocks training filled, and an unusable url is the item's own error."""
    from prodcat.serve.inputs import to_item

    linker, _ = linker_for(TRAIN)
    item = to_item({"text": "a pad", "url": "https://www.Shop.Example.com/p/1", "shop_category": "Gaming"})
    assert item.error is None and item.seller == "shop.example.com"
    same = Offer("a pad", (), seller="shop.example.com", shop_category="Gaming")
    np.testing.assert_array_equal(linker.features([item.as_offer()]), linker.features([same]))
    cols = linker.flag_columns()
    assert linker.features([to_item("a pad").as_offer()])[0, [cols["seller"], cols["shop_category"]]].tolist() == [0, 0]
    assert to_item({"text": "a pad", "url": "not a url"}).error == "url 'not a url' has no host"
    assert to_item({"text": "a pad", "shop_category": 3}).error == "shop_category must be a string or null, got int"


def test_out_of_fold_links_only_keys_another_fold_has():
    """Rows 0 and 1 share shop.example.com: in one fold neither links it (nothing outside their fold has it),
    in two folds both do; fanshop.com (row 2 alone) never links out of fold, as an unseen host at test."""
    linker, _ = linker_for(TRAIN)
    col = linker.flag_columns()["seller"]
    assert linker.features(TRAIN, folds=[0, 0, 1])[:, col].tolist() == [0, 0, 0]
    assert linker.features(TRAIN, folds=[0, 1, 0])[:, col].tolist() == [1, 1, 0]
    assert linker.features(TRAIN, folds=[0, 1, 2])[:, col].tolist() == linker.features(
        TRAIN, leave_one_out=True)[:, col].tolist()
    with pytest.raises(ValueError, match="2 fold ids for 3 rows"):
        linker.features(TRAIN, folds=[0, 1])


def test_export_checks_validation_offers_with_the_fields_serving_reads(tmp_path):
    """export.py's agreement check scores the graph side on what serving sees: each validation offer keeps its
    seller and breadcrumb on the way to the predictor, not only its title and brand."""
    from omegaconf import OmegaConf

    from prodcat.serve.commands import validation_split
    from prodcat.serve.inputs import to_item

    _write_mwpd(tmp_path, {
        "train.jsonl": [_row("Pad", "http://www.shop.example.com/a", "Home :: Gaming")],
        "validation.jsonl": [_row("Pad 2", "http://other.org/b", "Gaming"), _row("Tee", "", "", SHIRTS)],
        "test.jsonl": [_row("Pad 3", "", "Gaming")],
    })
    cfg = OmegaConf.create({"data": {"catalog": {"_target_": "prodcat.data.mwpd.read_mwpd", "root": str(tmp_path)}},
                            "max_val_rows": None})
    inputs, targets = validation_split(cfg, [" > ".join(GAMES)])
    assert inputs == [{"text": "Pad 2", "seller": "other.org", "shop_category": "Gaming"}, {"text": "Tee"}]
    assert targets == [0, None]
    catalog_rows = read_mwpd(tmp_path).val
    assert [to_item(i).as_offer() for i in inputs] == [
        Offer(p.text, (), p.brand, seller=p.seller, shop_category=p.shop_category) for p in catalog_rows]
