"""The synthetic marketplace: deterministic, realistic in shape, and carrying the hard cases it promises."""

import statistics
from collections import Counter

import pytest

from prodcat.data import synthetic_vocab as V
from prodcat.data.synthetic import (
    HARD_CASES,
    MIN_TRAIN_PER_LEAF,
    build_world,
    category_paths,
    category_tree,
    generate_catalog,
    hard_case_names,
)

SMALL = dict(n_train=2000, n_val=300, n_test=300)


@pytest.fixture(scope="module")
def default():
    return generate_catalog()  # 24k rows, well under a second


@pytest.fixture(scope="module")
def small():
    return generate_catalog(**SMALL, seed=3)


def rows(catalog):
    return catalog.train + catalog.val + catalog.test


def test_same_seed_same_catalog_and_different_seed_differs(small):
    again = generate_catalog(**SMALL, seed=3)
    assert again.fingerprint() == small.fingerprint()
    assert again.info == small.info
    other = generate_catalog(**SMALL, seed=4)
    assert other.fingerprint() != small.fingerprint()
    assert [p.text for p in other.train[:50]] != [p.text for p in small.train[:50]]


def test_sizes_and_name(small):
    assert small.name == "synthetic"
    assert (len(small.train), len(small.val), len(small.test)) == (2000, 300, 300)
    assert small.info["sizes"] == {"train": 2000, "val": 300, "test": 300}
    with pytest.raises(ValueError):
        generate_catalog(n_train=0)


def test_tree_is_deep_wide_and_realistic(default):
    paths = category_paths()
    assert len(paths) >= 150 and len(set(paths)) == len(paths)
    assert min(map(len, paths)) >= 3 and max(map(len, paths)) == 4
    for path in [
        ("Electronics", "Mobile Phones", "Smartphones"),
        ("Electronics", "Mobile Phone Accessories", "Phone Cases"),
        ("Sports & Outdoors", "Tennis", "Tennis Rackets"),
        ("Home & Kitchen", "Small Appliances", "Blenders"),
        ("Fashion", "Men's Shoes", "Athletic Shoes", "Running Shoes"),
        ("Fashion", "Women's Shoes", "Running Shoes"),  # same leaf name, different parent
    ]:
        assert path in paths
    assert len({p[0] for p in paths}) >= 12
    assert default.info["n_leaves"] == len(paths) and default.info["n_levels"] == 4
    assert {p.path for p in default.train} == set(paths)  # the default size uses every leaf


def test_every_attribute_kind_exists():
    for leaf in category_tree():
        assert leaf.nouns and all(leaf.nouns)
        assert set(leaf.attrs) <= set(V.ATTRS), leaf.path


def test_brands_have_affinities():
    world = build_world(0)
    assert 200 <= len(world.brands) <= 300
    tops = {}
    for brand, path in world.lines:
        tops.setdefault(brand, set()).add(path[0])
    tops_per_brand = [len(t) for t in tops.values()]
    assert statistics.median(tops_per_brand) <= 2  # most brands stay inside one or two families
    samsung = {p[-1] for b, p in world.lines if b == "Samsung"}
    assert {"Smartphones", "Tablets", "Televisions", "Washing Machines"} <= samsung
    assert {p[-1] for b, p in world.lines if b == "Spigen"} >= {"Phone Cases", "Screen Protectors"}
    assert all(len(sellers) >= 3 for sellers in world.leaf_brands.values())


def test_val_and_test_leaves_have_enough_training_rows(small, default):
    for catalog in (small, default):
        train = Counter(p.path for p in catalog.train)
        for p in catalog.val + catalog.test:
            assert train[p.path] >= MIN_TRAIN_PER_LEAF


def test_long_tail(default):
    counts = sorted(Counter(p.path for p in default.train).values())
    assert counts[-1] >= 10 * statistics.median(counts)
    assert counts[0] >= MIN_TRAIN_PER_LEAF


def test_unseen_lines_are_absent_from_training_but_their_brand_is_not(default):
    world = build_world(0)
    held = [line for line in world.all_lines() if line.held_out]
    assert 0.07 <= len(held) / len(world.all_lines()) <= 0.13
    train_text = "\n".join(p.text.lower() for p in default.train)
    train_pairs = {(p.brand, p.path) for p in default.train if p.brand}
    used = set()
    for p in default.val + default.test:
        for line in held:
            if line.brand == p.brand and line.path == p.path and line.name.lower() in p.text.lower():
                assert (p.brand, p.path) in train_pairs  # brand -> category is learnable from training
                used.add(line.name)
    assert len(used) >= 50
    assert not [name for name in used if name.lower() in train_text]
    # Held-out names are chosen so that training titles do not spell them by accident.
    assert sum(line.name.lower() in train_text for line in held) <= 0.02 * len(held)
    assert default.info["hard_cases"]["train"]["unseen_line"] == 0
    assert default.info["hard_cases"]["test"]["unseen_line"] >= 100


def test_missing_brand_fractions(default):
    everything = rows(default)
    no_field = sum(p.brand is None for p in everything) / len(everything)
    assert 0.12 <= no_field <= 0.18
    only_in_field = sum(bool(p.brand) and p.brand.lower() not in p.text.lower() for p in everything)
    assert 0.20 <= only_in_field / len(everything) <= 0.32
    counts = default.info["hard_cases"]["train"]
    assert 0 < counts["no_brand_anywhere"] < counts["no_brand_field"]


def test_an_accessory_and_its_device_share_a_product_line(default):
    world = build_world(0)
    titles = {}
    for p in default.train:
        titles.setdefault(p.path, []).append(p.text.lower())
    shared = 0
    for acc, device in world.device_of.items():
        for line in (ln for (_, path), group in world.lines.items() if path == device for ln in group):
            name = line.name.lower()
            if any(name in t for t in titles.get(acc, [])) and any(name in t for t in titles[device]):
                shared += 1
    assert shared >= 20
    phones = [ln.name.lower() for (b, p), g in world.lines.items() if p[-1] == "Smartphones" for ln in g]
    cases = titles[next(a for a in world.device_of if a[-1] == "Phone Cases")]
    assert any(name in t for name in phones for t in cases)


def test_shared_words_cross_branches():
    world = build_world(0)
    for word in ("pro", "air", "max", "mini", "ultra", "plus"):
        tops = {ln.path[0] for ln in world.all_lines() if word in ln.name.lower().split()}
        assert len(tops) >= 3, word


def test_hard_case_counts_are_reported(default, small):
    assert hard_case_names() == HARD_CASES
    for catalog in (default, small):
        for split in ("train", "val", "test"):
            counts = catalog.info["hard_cases"][split]
            assert tuple(counts) == HARD_CASES
            assert all(0 <= c <= len(catalog.split(split)) for c in counts.values())
    train = default.info["hard_cases"]["train"]
    assert 0.07 <= train["typo"] / len(default.train) <= 0.13
    assert train["accessory"] >= 500 and train["shared_word"] >= 1000 and train["no_type_word"] >= 2000


def test_titles_look_like_titles(default):
    texts = [p.text for p in default.train]
    assert all(t and t == t.strip() and "  " not in t for t in texts)
    assert len(set(texts)) > 0.8 * len(texts)
    assert any(t.islower() for t in texts) and any(t.isupper() for t in texts)
