"""Rows of the synthetic catalog (`prodcat.data.synthetic`): a brand, a product line and a title from one
of several templates for a given leaf, with the hard cases each row carries counted and indexed.
"""

from __future__ import annotations

import random
import re
from itertools import accumulate

from prodcat.data import synthetic_vocab as V
from prodcat.data.catalog import Product
from prodcat.data.synthetic_world import Leaf, Line, Path, World

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


class RowMaker:
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
