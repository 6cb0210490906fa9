"""Taxonomies that come as files with their own ids, read into a `Taxonomy` (see taxonomy.py).

- `read_google_taxonomy`: Google's `taxonomy-with-ids.<locale>.txt`, one `<id> - A > B > C` line per
  category (`#` lines are comments). Node id = the Google numeric id, name = the last path component,
  parent = the id of the line whose path is this path minus its last component.
- `read_skos_taxonomy`: any RDF file rdflib reads (Turtle by default) with `skos:Concept`s,
  `skos:prefLabel` and `skos:broader` (or the inverse `skos:narrower`). Node id = the concept URI.

Errors name the file (and the line, for the text format). Conflicting parents and cycles are rejected by
`Taxonomy` itself, so both formats get the same checks as `from_paths`.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, SKOS, Literal

from prodcat.graph.kg import load_graph
from prodcat.graph.taxonomy import SEP, Taxonomy

_GOOGLE_LINE = re.compile(r"^\s*(\d+)\s+-\s+(\S.*?)\s*$")


def read_google_taxonomy(path: str | Path) -> Taxonomy:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"taxonomy file not found: {path} (data/download.sh fetches it)")
    entries: list[tuple[int, str, tuple[str, ...]]] = []  # (line, id, path names)
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                m = _GOOGLE_LINE.match(line)
                if m is None:
                    raise ValueError(f"{path}, line {n}: expected '<id> - A > B > C', got {line.strip()!r}")
                names = tuple(p.strip() for p in m[2].split(SEP))
                if not all(names):
                    raise ValueError(f"{path}, line {n}: empty category name in {m[2]!r}")
                entries.append((n, m[1], names))
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not valid UTF-8 text ({e.reason} at byte {e.start})") from e

    # Two passes: a child line may come before its parent's line.
    id_of: dict[tuple[str, ...], tuple[int, str]] = {}  # path -> (line, id)
    for n, node, names in entries:
        seen = id_of.setdefault(names, (n, node))
        if seen[1] != node:
            raise ValueError(f"{path}, line {n}: category {SEP.join(names)!r} has id {node} here and id "
                             f"{seen[1]} on line {seen[0]}")
    rows, lines = [], []
    for n, node, names in entries:
        parent = None
        if len(names) > 1:
            if names[:-1] not in id_of:
                missing = SEP.join(names[:-1])
                raise ValueError(f"{path}, line {n}: parent {missing!r} of id {node} has no line of its own")
            parent = id_of[names[:-1]][1]
        rows.append((node, names[-1], parent))
        lines.append(n)
    # Row numbers = file lines, so Taxonomy's own errors (an id given two parents) point at the line.
    return Taxonomy(rows, source=str(path), row_numbers=lines)


def _pref_label(labels: list[Literal], lang: str) -> str | None:
    """The `lang` label, else an untagged one, else any; sorted first among equals (deterministic)."""
    for accept in (lambda x: x.language == lang, lambda x: x.language is None, lambda x: True):
        chosen = sorted(str(x) for x in labels if accept(x))
        if chosen:
            return chosen[0]
    return None


def read_skos_taxonomy(path: str | Path, lang: str = "en") -> Taxonomy:
    graph = load_graph(path)  # FileNotFoundError / ValueError naming the file when it is missing or broken
    concepts = sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str)
    if not concepts:
        raise ValueError(f"{path}: no skos:Concept in the file")
    rows: list[tuple[str, str, str | None]] = []
    for c in concepts:
        name = _pref_label([x for x in graph.objects(c, SKOS.prefLabel) if isinstance(x, Literal)], lang)
        if not name:
            raise ValueError(f"{path}: concept <{c}> has no skos:prefLabel")
        parents = set(graph.objects(c, SKOS.broader)) | set(graph.subjects(SKOS.narrower, c))
        # One row per parent: two different parents reach Taxonomy's conflicting-parents check.
        rows.extend((str(c), name, str(p)) for p in sorted(parents, key=str))
        if not parents:
            rows.append((str(c), name, None))
    return Taxonomy.from_edges(rows, source=str(path))
