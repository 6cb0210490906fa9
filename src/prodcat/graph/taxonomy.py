"""The category tree: node ids, names, parents, levels.

Two ways in:
- `Taxonomy.from_paths(paths)`: category paths as catalogs store them ("Electronics", "Phones", "Cases").
  A node's id is its joined path prefix "Electronics > Phones" (the same string as `Product.leaf` for a
  full path), its name the last component, so equal names under different parents stay distinct.
- `Taxonomy.from_edges(rows)`: `(node_id, name, parent_id_or_None)` rows for taxonomies that carry their
  own ids (the Google product taxonomy, SKOS files). A blank parent id ("" from a CSV) means a root.

Both validate every row and raise `ValueError` naming the source and the 1-based row number: blank ids or
names, a node given two different parents or names, a parent id that never appears as a node, a cycle.
A row repeated verbatim is accepted (real taxonomy files repeat rows).

Order: `nodes` is a pre-order walk (parents before children; roots and siblings in order of first
appearance), so it is stable for a given input and every parent precedes its children.
`ancestors(n)` runs from the top level down to and INCLUDING `n` itself: `ancestors(n)[k - 1]` is the
ancestor at level k and `ancestors(n)[-1] == n`.

Names and labels: `name(n)` is the name exactly as the data gives it (it is part of the path, so it must
match the catalog's rows); `label(n)` is the name people and texts use, without a leading numeric code:
GS1 GPC names in MWPD come as `"65010700_Computer/Video Game Peripherals"`, and a title never contains
the code. The code stays in the node id and in `name`; only matching and display read `label`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

SEP = " > "
# "<code>_<name>" with a code of 4+ digits (GS1 GPC codes have 8): shorter digit runs may be real names
# ("3_Wheelers" is unlikely, "2_in_1" less so), so they are left alone.
_CODE_PREFIX = re.compile(r"^\d{4,}_(?=\S)")


def strip_code(name: str) -> str:
    """`"65010700_Computer/Video Game Peripherals"` -> `"Computer/Video Game Peripherals"`; other names unchanged."""
    return _CODE_PREFIX.sub("", name, count=1)


class Taxonomy:
    def __init__(
        self,
        rows: list[tuple[str, str, str | None]],
        source: str = "<rows>",
        row_numbers: list[int] | None = None,
    ):
        """Validate and index `rows`; `row_numbers[k]` is the number errors give rows[k] (default k + 1)."""
        self.source = source
        names: dict[str, str] = {}
        parents: dict[str, str | None] = {}
        first_row: dict[str, int] = {}  # node id -> 1-based row that defined it (for error messages)
        for k, row in enumerate(rows):
            i = row_numbers[k] if row_numbers is not None else k + 1
            if len(row) != 3:
                raise ValueError(f"{source}: row {i}: expected (node_id, name, parent_id), got {row!r}")
            node, name, parent = row
            node = (node or "").strip()
            name = (name or "").strip()
            parent = (parent or "").strip() or None  # "" from a CSV column means "no parent"
            if not node:
                raise ValueError(f"{source}: row {i}: empty node id")
            if not name:
                raise ValueError(f"{source}: row {i}: empty category name for node {node!r}")
            if node in names:
                if parents[node] != parent:
                    raise ValueError(
                        f"{source}: row {i}: conflicting parents for {node!r}: {parents[node]!r} "
                        f"(row {first_row[node]}) and {parent!r}"
                    )
                if names[node] != name:
                    raise ValueError(
                        f"{source}: row {i}: conflicting names for {node!r}: {names[node]!r} "
                        f"(row {first_row[node]}) and {name!r}"
                    )
                continue
            names[node], parents[node], first_row[node] = name, parent, i

        for node, parent in parents.items():
            if parent is not None and parent not in names:
                raise ValueError(
                    f"{source}: row {first_row[node]}: parent {parent!r} of {node!r} never appears as a node"
                )
        # Cycle check: follow parents upwards until a root or a node already known to reach one; meeting
        # a node of the current chain again is a cycle. Marking known nodes keeps it linear.
        state: dict[str, int] = {}  # 1 = on the current chain, 2 = known to reach a root
        for start in names:
            chain: list[str] = []
            node: str | None = start
            while node is not None and state.get(node) != 2:
                if state.get(node) == 1:
                    cycle = chain[chain.index(node):] + [node]
                    row = min(first_row[c] for c in cycle)
                    raise ValueError(f"{source}: row {row}: cycle in parents: {' -> '.join(cycle)}")
                state[node] = 1
                chain.append(node)
                node = parents[node]
            for c in chain:
                state[c] = 2

        self._name = names
        self._parent = parents
        self._children: dict[str, list[str]] = {n: [] for n in names}
        for node, parent in parents.items():
            if parent is not None:
                self._children[parent].append(node)
        self._roots = [n for n, p in parents.items() if p is None]
        self._nodes: list[str] = []
        self._level: dict[str, int] = {}
        stack = [(r, 1) for r in reversed(self._roots)]
        while stack:  # iterative pre-order: deep taxonomies must not hit the recursion limit
            node, level = stack.pop()
            self._nodes.append(node)
            self._level[node] = level
            stack.extend((c, level + 1) for c in reversed(self._children[node]))
        self._index = {n: i for i, n in enumerate(self._nodes)}
        self._by_path: dict[tuple[str, ...], str] = {}
        for n in self._nodes:
            self._by_path.setdefault(self.path_names(n), n)

    # ---- constructors -------------------------------------------------------------------------
    @classmethod
    def from_paths(cls, paths: Iterable[tuple[str, ...]], source: str = "<paths>") -> Taxonomy:
        """Every prefix of every path becomes a node; the row number in errors is the path's number."""
        rows: list[tuple[str, str, str | None]] = []
        row_of: list[int] = []  # rows[k] came from path number row_of[k]
        seen: set[tuple] = set()
        for i, path in enumerate(paths, start=1):
            if isinstance(path, str) or len(path) == 0:
                raise ValueError(f"{source}: row {i}: expected a non-empty tuple of names, got {path!r}")
            names = [(p or "").strip() for p in path]
            for k, name in enumerate(names):
                if not name:
                    raise ValueError(f"{source}: row {i}: empty category name at level {k + 1} in {path!r}")
                row = (SEP.join(names[: k + 1]), name, SEP.join(names[:k]) or None)
                # Only verbatim repeats are dropped: a name containing " > " that collides with a real
                # prefix ("A > B" vs ("A", "B")) still reaches the conflicting-parents check.
                if row not in seen:
                    seen.add(row)
                    rows.append(row)
                    row_of.append(i)
        return cls(rows, source, row_of)

    @classmethod
    def from_edges(cls, rows: Iterable[tuple[str, str, str | None]], source: str) -> Taxonomy:
        return cls(list(rows), source)

    def rows(self) -> list[tuple[str, str, str | None]]:
        """`(node_id, name, parent_id)` in node order: `from_edges(t.rows())` rebuilds the same tree."""
        return [(n, self._name[n], self._parent[n]) for n in self._nodes]

    # ---- structure ----------------------------------------------------------------------------
    @property
    def nodes(self) -> list[str]:
        return list(self._nodes)

    @property
    def roots(self) -> list[str]:
        return list(self._roots)

    @property
    def leaves(self) -> list[str]:
        return [n for n in self._nodes if not self._children[n]]

    @property
    def depth(self) -> int:
        return max(self._level.values(), default=0)

    def name(self, n: str) -> str:
        return self._name[n]

    def label(self, n: str) -> str:
        """The name without a leading numeric code (see the module docstring): what texts can contain."""
        return strip_code(self._name[n])

    def parent(self, n: str) -> str | None:
        return self._parent[n]

    def children(self, n: str) -> list[str]:
        return list(self._children[n])

    def level(self, n: str) -> int:
        """1 for a top-level category."""
        return self._level[n]

    def index(self, n: str) -> int:
        """Position of `n` in `nodes`."""
        return self._index[n]

    def ancestors(self, n: str) -> list[str]:
        """Top level first, `n` itself last (see the module docstring)."""
        chain: list[str] = []
        node: str | None = n
        while node is not None:
            chain.append(node)
            node = self._parent[node]
        return chain[::-1]

    def ancestor_at(self, n: str, level: int) -> str:
        """The ancestor of `n` at `level`, or `n` itself when `n` is shallower (trees of variable depth)."""
        if level < 1:
            raise ValueError(f"level must be >= 1, got {level}")
        chain = self.ancestors(n)
        return chain[min(level, len(chain)) - 1]

    def path_names(self, n: str) -> tuple[str, ...]:
        return tuple(self._name[a] for a in self.ancestors(n))

    def find(self, path: Iterable[str]) -> str | None:
        """The node whose names from the top are `path` (a catalog row's category path), or None."""
        return self._by_path.get(tuple((p or "").strip() for p in path))

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, n: object) -> bool:
        return n in self._name

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __repr__(self) -> str:
        return f"Taxonomy({self.source!r}, nodes={len(self)}, leaves={len(self.leaves)}, depth={self.depth})"
