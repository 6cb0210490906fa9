"""The embedded synthetic marketplace catalog (`data=synthetic`, the default): no download, deterministic.

`generate_catalog(seed=s)` builds a "world" (a fixed 236-leaf category tree, ~290 brands that each sell
in a few leaves, ~1,900 product lines that each belong to one brand and one leaf, model codes) and then
samples marketplace rows from it: a leaf from a Zipf-like long tail, a brand from that leaf's sellers,
a product line, attributes, and a title from one of several templates with marketplace casing. Same seed
gives the same catalog in any process (string-seeded `random.Random`, no `hash()`, no set iteration).

Planted hard cases (keys of `HARD_CASES`, counted per split in `catalog.info["hard_cases"]`):

* ``accessory``: an accessory titled with the device it fits ("spigen tough armor iphone 15 pro case",
  "replacement jar compatible with vitamix e310 blender") next to the device ("apple iphone 15 pro 256gb").
* ``shared_word``: the product line holds a word reused across branches (pro, air, max, mini, ultra,
  plus, sport, classic): "AirPods Max", "Air Max 90", "Pro Staff 97", "Pro 750" blender.
* ``unseen_line``: the title names a product line held out of training (~10% of lines); the line's
  brand sells in that leaf in training, so brand -> category knowledge resolves it.
* ``no_brand_field`` (~15% of rows): the brand field is None; ``no_brand_anywhere``: neither the field
  nor the title names the brand. ``brand_only_in_field`` (~25%): the brand is set but not in the title.
* ``typo`` (~10%): character swaps, drops and doubles, and seller abbreviations ("wrls", "bt", "blk").
* ``no_type_word``: the title never names the product type, only brand, line, code and attributes.

The name tables live in `prodcat.data.synthetic_vocab`; data/README.md documents each case with examples.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate

from prodcat.data import synthetic_vocab as V
from prodcat.data.catalog import Catalog, Product

Path = tuple[str, ...]

HARD_CASES: tuple[str, ...] = (
    "accessory",
    "shared_word",
    "unseen_line",
    "no_brand_field",
    "no_brand_anywhere",
    "brand_only_in_field",
    "typo",
    "no_type_word",
)

ZIPF_EXPONENT = 0.8  # leaf frequency ~ 1 / rank^s: the head leaf is ~40x the median leaf
MIN_TRAIN_PER_LEAF = 5  # every leaf that val/test can draw has at least this many training rows
HELD_OUT_FRACTION = 0.10  # share of product lines that appear only in val/test
N_INVENTED_BRANDS = 50  # on top of the hand-written real brands; they fill leaves few real brands cover
MIN_BRANDS_PER_LEAF = 3


def hard_case_names() -> tuple[str, ...]:
    return HARD_CASES


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


# ---- titles --------------------------------------------------------------------------------------------

P_GENERIC = 0.04  # unbranded products ("stainless steel water bottle 750ml")...
P_GENERIC_ACCESSORY = 0.22  # ...far more common among accessories ("case for iphone 15 pro")
P_DEVICE_REF = 0.75  # accessory titles that name the device they fit
P_BRAND_FIELD_MISSING = 0.09  # with the generic rows, ~15% of rows have no brand field
P_BRAND_IN_TITLE = 0.70  # brand field set: the title names it; otherwise the brand is only in its column
P_MISSING_BRAND_IN_TITLE = 0.5  # brand field missing: the title may still name it
P_TYPE_WORD = 0.55  # the title names the product type ("smartphone"); otherwise brand + line + attributes
P_CODE = 0.3  # a model number ("SM-S918B")
P_NOISE = 0.12  # typos and abbreviations
BRAND_ZIPF = 0.8  # brand popularity within a leaf
CONNECTORS = ("for", "for", "compatible with", "fits", "replacement for", "designed for")

ATTR_VALUES = {kind: values.split("|") for kind, values in V.ATTRS.items()}
_ABBREV = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, V.ABBREVIATIONS), key=len, reverse=True)) + r")\b", re.I
)
_SHARED = set(V.SHARED_WORDS)


def _has_shared_word(line: Line) -> bool:
    return not _SHARED.isdisjoint(re.findall(r"[a-z]+", line.name.lower()))


def _title_case(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def _tidy(title: str) -> str:
    """Collapse the gaps and dangling separators that empty template slots leave behind."""
    title = " ".join(title.split()).replace(" ,", ",").replace("( ", "(").replace(" )", ")").replace("()", "")
    title = re.sub(r"(?<=\s)([,|-])(\s*[,|-](?=\s|$))+", r"\1", title)  # "x - , y" -> "x - y"
    title = re.sub(r"(?<=\s)[,|-]\s+(?=\()", "", title)  # "x - (y)" when the type word is missing
    return re.sub(r"^[\s,|-]+|[\s,|(-]+$", "", title)


class _RowMaker:
    """Draws one product per (leaf, split) and counts the hard cases each row carries."""

    def __init__(self, world: World, rng: random.Random):
        self.world, self.rng = world, rng
        self.brand_cum = {
            path: list(accumulate(1.0 / (i + 1) ** BRAND_ZIPF for i in range(len(sellers))))
            for path, sellers in world.leaf_brands.items()
        }
        self.train_pairs: set[tuple[str, Path]] = set()
        self.leaked: set[str] = set()
        self.counts: dict[str, dict[str, int]] = {}
        self.slices: dict[str, dict[str, list[int]]] = {}  # split -> case -> row indices

    def rows(self, leaves: list[Path], split: str) -> list[Product]:
        counts = self.counts.setdefault(split, dict.fromkeys(HARD_CASES, 0))
        slices = self.slices.setdefault(split, {case: [] for case in HARD_CASES})
        products = []
        for i, path in enumerate(leaves):
            product, cases = self._row(path, split)
            for case in cases:
                counts[case] += 1
                slices[case].append(i)
            products.append(product)
        return products

    def learn_train(self, train: list[Product]) -> None:
        """A held-out line may appear in val/test only where training shows its brand in that leaf
        (what a brand -> category graph built from training can know), and never if its name slipped into
        a training title through some other wording."""
        self.train_pairs = {(p.brand, p.path) for p in train if p.brand}
        text = "\n".join(p.text.lower() for p in train)
        self.leaked = {ln.name for ln in self.world.all_lines() if ln.held_out and ln.name.lower() in text}

    def _brand(self, path: Path) -> str:
        return self.rng.choices(self.world.leaf_brands[path], cum_weights=self.brand_cum[path])[0]

    def _line(self, brand: str, path: Path, split: str) -> Line:
        unseen_ok = split != "train" and (brand, path) in self.train_pairs
        group = [
            ln
            for ln in self.world.lines[(brand, path)]
            if not ln.held_out or (unseen_ok and ln.name not in self.leaked)
        ]
        return self.rng.choices(group, weights=[ln.weight for ln in group])[0]

    def _row(self, path: Path, split: str) -> tuple[Product, list[str]]:
        rng, leaf = self.rng, self.world.leaves[path]
        device = self.world.device_of.get(path)
        generic = rng.random() < (P_GENERIC_ACCESSORY if device else P_GENERIC)
        brand = None if generic else self._brand(path)
        line = None if brand is None else self._line(brand, path, split)
        dev_line = None
        if device and rng.random() < P_DEVICE_REF:
            # Makers of both (Oral-B heads, Nespresso pods, Dell chargers) mostly name their own devices.
            own = brand is not None and (brand, device) in self.world.lines and rng.random() < 0.85
            dev_line = self._line(brand if own else self._brand(device), device, split)
        # The brand column and the title are drawn apart: catalogs keep the maker in its own field.
        field = brand if brand and rng.random() >= P_BRAND_FIELD_MISSING else None
        mention = brand is not None and rng.random() < (
            P_BRAND_IN_TITLE if field else P_MISSING_BRAND_IN_TITLE
        )

        parts = self._parts(leaf, brand if mention else "", line, dev_line, generic)
        before = repr(parts)
        if rng.random() < P_NOISE:
            self._noise(parts)
        typo = repr(parts) != before
        self._case(parts)
        title = self._accessory_title(parts) if dev_line else self._plain_title(parts)

        named = [ln for ln in (line if parts["line"] else None, dev_line) if ln]  # lines the title names
        cases = ["accessory"] if dev_line else []
        cases += ["shared_word"] if any(_has_shared_word(ln) for ln in named) else []
        cases += ["unseen_line"] if any(ln.held_out for ln in named) else []
        if field is None:
            cases += ["no_brand_field"] + ([] if mention else ["no_brand_anywhere"])
        elif field.lower() not in title.lower():
            cases.append("brand_only_in_field")
        cases += ["typo"] if typo else []
        cases += [] if parts["noun"] else ["no_type_word"]
        return Product(text=title, path=path, brand=field), cases

    def _parts(self, leaf: Leaf, brand: str, line: Line | None, dev_line: Line | None, generic: bool) -> dict:
        rng = self.rng
        kinds = [k for k in leaf.attrs if k in ATTR_VALUES]
        n_attrs = min(len(kinds), rng.choice((0, 1, 1, 2, 2, 3)))
        p_noun = 1.0 if generic else 0.75 if dev_line else P_TYPE_WORD
        parts = {
            "brand": brand,
            "line": line.name if line and (dev_line is None or rng.random() < 0.6) else "",
            "code": rng.choice(line.codes) if line and not dev_line and rng.random() < P_CODE else "",
            "noun": rng.choice(leaf.nouns) if rng.random() < p_noun else "",
            "attrs": [rng.choice(ATTR_VALUES[k]) for k in rng.sample(kinds, n_attrs)],
            "dev": "",
            "devnoun": "",
            "conn": "",
        }
        if parts["noun"] and parts["line"] and not dev_line and rng.random() < 0.05:
            parts["line"] = parts["code"] = ""  # "samsung smartphone 128gb": brand and type only
        if dev_line:
            dev_brand = dev_line.brand + " " if rng.random() < 0.5 else ""
            parts["dev"] = dev_brand + dev_line.name
            parts["devnoun"] = (
                rng.choice(self.world.leaves[dev_line.path].nouns) if rng.random() < 0.25 else ""
            )
            parts["conn"] = rng.choice(CONNECTORS)
        return parts

    def _noise(self, parts: dict) -> None:
        """Seller abbreviations on type words and attributes, then 1-2 character slips anywhere."""
        rng = self.rng

        def abbreviate(text: str) -> str:
            return _ABBREV.sub(
                lambda m: V.ABBREVIATIONS[m.group(0).lower()] if rng.random() < 0.8 else m.group(0), text
            )

        for key in ("noun", "devnoun", "conn"):
            parts[key] = abbreviate(parts[key])
        parts["attrs"] = [abbreviate(a) for a in parts["attrs"]]
        slots = [(k, None) for k in ("brand", "line", "noun", "dev", "devnoun") if parts[k]]
        slots += [("attrs", i) for i in range(len(parts["attrs"]))]
        for _ in range(rng.randint(1, 2)):
            key, i = rng.choice(slots) if slots else (None, None)
            if key is None:
                return
            text = parts[key] if i is None else parts[key][i]
            words = text.split(" ")
            long = [j for j, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
            if not long:
                continue
            j = rng.choice(long)
            words[j] = self._slip(words[j])
            if i is None:
                parts[key] = " ".join(words)
            else:
                parts[key][i] = " ".join(words)

    def _slip(self, word: str) -> str:
        k = self.rng.randrange(len(word) - 1)
        op = self.rng.randrange(3)
        if op == 0:  # swap two neighbours
            return word[:k] + word[k + 1] + word[k] + word[k + 2 :]
        if op == 1:  # drop one
            return word[:k] + word[k + 1 :]
        return word[:k] + word[k] + word[k:]  # double one

    def _case(self, parts: dict) -> None:
        """Marketplace casing: mostly all-lowercase or as written, sometimes Title Case or SHOUTING."""
        roll = self.rng.random()
        if 0.45 <= roll < 0.85:  # as written: names keep their spelling, type words and attributes lowercase
            return
        fn = str.lower if roll < 0.45 else _title_case if roll < 0.93 else str.upper
        for key, value in parts.items():
            parts[key] = [fn(a) for a in value] if key == "attrs" else fn(value)

    def _plain_title(self, p: dict) -> str:
        b, ln, c, n, attrs = p["brand"], p["line"], p["code"], p["noun"], p["attrs"]
        spaced, commas, rest = " ".join(attrs), ", ".join(attrs), " ".join(attrs[1:])
        first = attrs[0] if attrs else ""
        head = f"{b} {ln} {c}"
        templates = (
            f"{head} {n} {spaced}",
            f"{b} {n} {ln} {spaced} {c}",
            f"{n} - {head}, {commas}",
            f"{head} - {n} ({commas})",
            f"{first} {head} {n} {rest}",
            f"{ln} {c} {n} by {b} | {' | '.join(attrs)}" if b else f"{head} {n} | {' | '.join(attrs)}",
        )
        return _tidy(self.rng.choice(templates))

    def _accessory_title(self, p: dict) -> str:
        b, ln, n, d, dn, conn, attrs = (
            p[k] for k in ("brand", "line", "noun", "dev", "devnoun", "conn", "attrs")
        )
        spaced, commas = " ".join(attrs), ", ".join(attrs)
        if not n:  # "spigen tough armor iphone 15 pro black": no word says it is a case
            return _tidy(f"{b} {ln} {d} {spaced}")
        templates = (
            f"{b} {ln} {n} {conn} {d} {dn} {spaced}",
            f"{d} {n} {b} {ln} {spaced}",
            f"{b} {n} {conn} {d} {dn}, {commas}",
            f"{n} {conn} {d} - {b} {ln} ({commas})",
        )
        return _tidy(self.rng.choice(templates))


# ---- sampling rows -------------------------------------------------------------------------------------


def _leaf_popularity(rng: random.Random, world: World) -> list[Path]:
    """Leaves from most to least frequent: random ranks, with device/accessory leaves pulled toward the
    head so the accessory confusion has enough rows to measure."""
    paired = set(world.device_of) | set(world.device_of.values())
    keys = [rng.random() * (0.35 if path in paired else 1.0) for path in world.leaves]
    return [path for _, _, path in sorted(zip(keys, range(len(keys)), world.leaves, strict=False))]


def _train_sequence(rng: random.Random, active: list[Path], cum: list[float], n: int) -> list[Path]:
    """n leaves drawn from the long tail, then topped up to MIN_TRAIN_PER_LEAF from the largest leaves."""
    counts = Counter(rng.choices(range(len(active)), cum_weights=cum, k=n))
    for i in range(len(active)):
        while counts[i] < MIN_TRAIN_PER_LEAF:
            donor = max(range(len(active)), key=lambda j: counts[j])
            if counts[donor] <= MIN_TRAIN_PER_LEAF:  # fewer than 5 rows in all: nothing to move
                break
            counts[donor] -= 1
            counts[i] += 1
    sequence = [active[i] for i in range(len(active)) for _ in range(counts[i])]
    rng.shuffle(sequence)
    return sequence


def generate_catalog(n_train: int = 8000, n_val: int = 2000, n_test: int = 2000, seed: int = 0) -> Catalog:
    """A synthetic marketplace catalog with planted hard cases (see the module docstring)."""
    if n_train < 1 or n_val < 0 or n_test < 0:
        raise ValueError(
            f"sizes must be n_train >= 1, n_val >= 0, n_test >= 0; got {n_train}, {n_val}, {n_test}"
        )
    world = build_world(seed)
    rng = random.Random(f"prodcat-synthetic-rows-{seed}")
    order = _leaf_popularity(rng, world)
    # Small catalogs keep only the head of the tail, so every usable leaf still has 5 training rows.
    active = order[: min(len(order), max(1, n_train // (2 * MIN_TRAIN_PER_LEAF)))]
    cum = list(accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(active))))

    maker = _RowMaker(world, rng)
    train = maker.rows(_train_sequence(rng, active, cum, n_train), "train")
    maker.learn_train(train)  # which (brand, leaf) pairs training shows: held-out lines need them
    val = maker.rows(rng.choices(active, cum_weights=cum, k=n_val), "val")
    test = maker.rows(rng.choices(active, cum_weights=cum, k=n_test), "test")

    depths = Counter(len(path) for path in world.leaves)
    info = {
        "generator": "prodcat.data.synthetic",
        "seed": seed,
        "sizes": {"train": n_train, "val": n_val, "test": n_test},
        "n_leaves": len(world.leaves),
        "n_leaves_used": len(active),
        "n_levels": max(depths),
        "leaf_depths": {str(d): depths[d] for d in sorted(depths)},
        "n_brands": len(world.brands),
        "n_product_lines": len(world.all_lines()),
        "n_unseen_lines": sum(ln.held_out and ln.name not in maker.leaked for ln in world.all_lines()),
        "hard_cases": maker.counts,
    }
    # Row indices of each hard case in val/test, so runs report accuracy per case (metrics.json "slices").
    slices = {split: maker.slices[split] for split in ("val", "test")}
    return Catalog("synthetic", train, val, test, info, slices)


__all__ = [
    "HARD_CASES",
    "Leaf",
    "Line",
    "Product",
    "World",
    "build_world",
    "category_paths",
    "category_tree",
    "generate_catalog",
    "hard_case_names",
]
