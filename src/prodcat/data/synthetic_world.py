"""The world the synthetic catalog is sampled from (`prodcat.data.synthetic`): the category tree, brands
that each sell in a few leaves, their product lines and model codes, ~10% of lines held out of training.
Deterministic: string-seeded `random.Random`, no `hash()`, no set iteration.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from prodcat.data import synthetic_vocab as V

Path = tuple[str, ...]

ZIPF_EXPONENT = 0.8  # leaf frequency ~ 1 / rank^s: the head leaf is ~40x the median leaf
MIN_TRAIN_PER_LEAF = 5  # every leaf that val/test can draw has at least this many training rows
HELD_OUT_FRACTION = 0.10  # share of product lines that appear only in val/test
N_INVENTED_BRANDS = 50  # on top of the hand-written real brands; they fill leaves few real brands cover
MIN_BRANDS_PER_LEAF = 3


@dataclass(frozen=True)
class Leaf:
    path: Path  # ("Electronics", "Mobile Phones", "Smartphones")
    nouns: tuple[str, ...]  # words a title may use for the product type: "smartphone", "phone"
    attrs: tuple[str, ...]  # attribute kinds (keys of synthetic_vocab.ATTRS)


@dataclass(frozen=True)
class Line:
    name: str  # "Galaxy S23 Ultra"
    brand: str
    path: Path
    codes: tuple[str, ...]  # model numbers: "SM-S918B"
    weight: float  # popularity within its (brand, leaf)
    held_out: bool = False  # only in val/test


@dataclass
class World:
    leaves: dict[Path, Leaf]
    leaf_brands: dict[Path, list[str]]  # sellers of each leaf, most popular first
    lines: dict[tuple[str, Path], list[Line]]  # (brand, leaf) -> its product lines
    device_of: dict[Path, Path]  # accessory leaf -> the device leaf its titles name

    @property
    def brands(self) -> list[str]:
        return list(dict.fromkeys(brand for brand, _ in self.lines))

    def all_lines(self) -> list[Line]:
        return [line for group in self.lines.values() for line in group]


# ---- the category tree ---------------------------------------------------------------------------------


def _walk(node: dict, prefix: Path, default_attrs: str):
    default_attrs = node.get("_", default_attrs)  # a "_" key sets the attribute kinds of everything below
    for name, spec in node.items():
        if name == "_":
            continue
        if isinstance(spec, dict):
            yield from _walk(spec, prefix + (name,), default_attrs)
            continue
        nouns, has_attrs, attrs = spec.partition(";")
        yield Leaf(
            path=prefix + (name,),
            nouns=tuple(n.strip() for n in nouns.split("/")),
            attrs=tuple((attrs if has_attrs else default_attrs).split()),
        )


@lru_cache(maxsize=1)
def category_tree() -> tuple[Leaf, ...]:
    """Every leaf of the (seed-independent) tree, in a fixed order."""
    return tuple(_walk(V.TREE, (), ""))


def category_paths() -> list[Path]:
    return [leaf.path for leaf in category_tree()]


def _resolve(ref: str, paths: list[Path]) -> Path:
    """'Women's Shoes>Running Shoes' -> the one path that ends with those names."""
    tail = tuple(part.strip() for part in ref.split(">"))
    hits = [p for p in paths if p[-len(tail) :] == tail]
    if len(hits) != 1:
        raise ValueError(f"leaf reference {ref!r} matches {len(hits)} leaves; qualify it as 'Parent>Leaf'")
    return hits[0]


# ---- brands, product lines, model codes ----------------------------------------------------------------


def _real_offers(paths: list[Path]) -> dict[str, dict[Path, list[str]]]:
    """REAL_BRANDS parsed: brand -> leaf -> hand-written line names (empty: generate them)."""
    offers = {}
    for brand, spec in V.REAL_BRANDS.items():
        offers[brand] = {}
        for item in spec.split("|"):
            ref, _, names = item.partition(":")
            offers[brand][_resolve(ref, paths)] = [n.strip() for n in names.split(",") if n.strip()]
    return offers


def _invented_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = rng.choice(V.BRAND_HEADS) + rng.choice(V.BRAND_TAILS) + rng.choice(V.BRAND_SUFFIX_WORDS)
        if name.lower() not in taken:
            taken.add(name.lower())
            return name


def _add_invented_brands(rng: random.Random, offers: dict, paths: list[Path]) -> None:
    """Invented brands sell in one mid-level family, a quarter of them also in a second top level."""
    taken = {b.lower() for b in offers} | {s.lower() for s in V.STEMS}
    tops = list(dict.fromkeys(p[0] for p in paths))
    home = {}
    for _ in range(N_INVENTED_BRANDS):
        name = _invented_name(rng, taken)
        home[name] = rng.choice(tops)
        mid = rng.choice([p[:2] for p in paths if p[0] == home[name]])
        family = [p for p in paths if p[:2] == mid]
        picks = rng.sample(family, min(len(family), rng.randint(1, 3)))
        if rng.random() < 0.25:
            other = rng.choice(tops)
            picks += rng.sample([p for p in paths if p[0] == other], 2)
        offers[name] = {p: [] for p in dict.fromkeys(picks)}
    # Coverage: every leaf gets a few sellers, preferring invented brands whose home is that top level.
    sellers = Counter(p for by_leaf in offers.values() for p in by_leaf)
    for path in paths:
        while sellers[path] < MIN_BRANDS_PER_LEAF:
            free = [b for b in home if path not in offers[b]]
            brand = rng.choice([b for b in free if home[b] == path[0]] or free)
            offers[brand][path] = []
            sellers[path] += 1


def _number(rng: random.Random) -> str:
    style = rng.randrange(7)
    return (
        str(rng.randint(2, 9)),
        str(rng.randint(10, 99)),
        str(rng.randrange(100, 1000, 50)),
        f"S{rng.randint(2, 24)}",
        f"X{rng.randint(1, 9)}",
        f"{rng.randint(1, 9)}000",
        f"V{rng.randint(2, 12)}",
    )[style]


def _line_name(rng: random.Random, stems: list[str]) -> str:
    stem, num = rng.choice(stems), _number(rng)
    roll = rng.random()
    # Shared words ("pro", "air"...) go into ~40% of generated lines, so they name no category.
    mod = rng.choice(V.SHARED_WORDS) if roll < 0.4 else rng.choice(V.OTHER_MODIFIERS) if roll < 0.6 else ""
    if not mod:
        return rng.choice((f"{stem} {num}", f"{stem}{num}", f"{stem} {num}{rng.choice('aesx')}"))
    mod = mod.upper() if len(mod) <= 2 else mod.capitalize()
    return rng.choice((f"{stem} {num} {mod}", f"{stem} {mod}", f"{mod} {stem} {num}", f"{stem} {mod} {num}"))


def _model_code(rng: random.Random, prefix: str, fmt: str) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return fmt.format(
        p=prefix, d4=digits[:4], d3=digits[:3], d2=digits[:2], e2=digits[4:], l1=letters[0], l2=letters
    )


CODE_FORMATS = ("{p}-{d4}{l1}", "{p}{d3}", "{p}{d4}{l2}", "{p}-{d3}", "{d4}-{e2}{p}", "{p}{d2}{l1}{e2}")


def _make_lines(rng: random.Random, offers: dict[str, dict[Path, list[str]]]) -> dict:
    """Every (brand, leaf) gets its listed lines or 2-4 generated ones; a brand's lines share its stems."""
    lines, codes_taken = {}, set()
    for brand, by_leaf in offers.items():
        stems = rng.sample(V.STEMS, 2)
        letters = [c for c in brand.upper() if c.isalpha()] or ["X"]
        prefix = (
            letters[0]
            + rng.choice(letters[1:] or ["X"])
            + (rng.choice("ABDGHKMT") if rng.random() < 0.3 else "")
        )
        fmt = rng.choice(CODE_FORMATS)
        used = {n.lower() for names in by_leaf.values() for n in names}
        for path, names in by_leaf.items():
            names, wanted = list(names), len(names) or rng.randint(2, 4)
            while len(names) < wanted:
                name = _line_name(rng, stems)
                if name.lower() not in used:
                    used.add(name.lower())
                    names.append(name)
            group = []
            for name in names:
                codes, n_codes = [], rng.randint(1, 2)  # a line ships in one or two variants
                while len(codes) < n_codes:
                    code = _model_code(rng, prefix, fmt)
                    if code not in codes_taken:
                        codes_taken.add(code)
                        codes.append(code)
                group.append(Line(name, brand, path, tuple(codes), rng.uniform(0.5, 1.5)))
            lines[(brand, path)] = group
    return lines


def _hold_out(rng: random.Random, lines: dict, leaves: list[Leaf]) -> None:
    """Mark ~HELD_OUT_FRACTION of lines val/test-only, keeping a visible line in every (brand, leaf).

    Only distinctive names qualify: a held-out name must not occur inside another line name, a brand,
    a type word or an attribute value, and needs one word of its own ("Ultra White" is "ultra" plus a
    colour), or training titles would spell it by accident. `_RowMaker.learn_train` catches the rest.
    """
    all_names = "\n".join(line.name.lower() for line in (ln for g in lines.values() for ln in g))
    other_text = "\n".join(
        [b.lower() for b, _ in lines]
        + [n for leaf in leaves for n in leaf.nouns]
        + [v.lower() for values in V.ATTRS.values() for v in values.split("|")]
    )
    common_words = set(other_text.split()) | set(V.SHARED_WORDS) | set(V.OTHER_MODIFIERS)

    def distinctive(line: Line) -> bool:
        name = line.name.lower()
        own_word = any(not w.isdigit() and w not in common_words for w in name.split())
        return len(name) >= 4 and own_word and all_names.count(name) == 1 and name not in other_text

    n_lines = all_names.count("\n") + 1
    candidates = sum(distinctive(ln) for g in lines.values() if len(g) > 1 for ln in g)
    p = min(0.5, HELD_OUT_FRACTION * n_lines / max(1, candidates))
    for key, group in lines.items():
        visible, marked = len(group), []
        for line in group:
            if visible > 1 and distinctive(line) and rng.random() < p:
                line, visible = replace(line, held_out=True), visible - 1
            marked.append(line)
        lines[key] = marked


def build_world(seed: int = 0) -> World:
    """The brands, product lines and codes for `seed` (the tree is the same for every seed)."""
    rng = random.Random(f"prodcat-synthetic-world-{seed}")
    leaves = list(category_tree())
    paths = [leaf.path for leaf in leaves]
    offers = _real_offers(paths)
    _add_invented_brands(rng, offers, paths)
    lines = _make_lines(rng, offers)
    _hold_out(rng, lines, leaves)
    leaf_brands = {p: [] for p in paths}
    for brand, path in lines:
        leaf_brands[path].append(brand)
    for sellers in leaf_brands.values():
        rng.shuffle(sellers)  # the order is the popularity rank within the leaf
    device_of = {_resolve(acc, paths): _resolve(dev, paths) for acc, dev in V.ACCESSORY_OF.items()}
    return World({leaf.path: leaf for leaf in leaves}, leaf_brands, lines, device_of)
