"""Pictures saved with a run: the RDF2Vec category vectors projected to 2-D, coloured by top level."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from prodcat.graph.linker import GraphLinker


def plot_category_vectors(linker: GraphLinker, path: str | Path) -> Path:
    """PCA of every category vector (leaves as dots, inner nodes as crosses), one colour per top level.

    PCA rather than t-SNE: deterministic, fast, and distances along the axes mean something. If the
    graph embedding learned the tree, the colours form clusters.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tax = linker.taxonomy
    vecs = linker.category_matrix(linker.cat_ids)  # (C, d)
    centred = vecs - vecs.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T  # (C, 2)
    tops = [tax.ancestors(n)[0] for n in linker.cat_ids]
    names = sorted(set(tops))
    cmap = plt.get_cmap("tab20", max(len(names), 1))
    leaves = set(tax.leaves)
    fig, ax = plt.subplots(figsize=(9, 7))
    for k, top in enumerate(names):
        rows = [i for i, t in enumerate(tops) if t == top]
        leaf_rows = [i for i in rows if linker.cat_ids[i] in leaves]
        inner_rows = [i for i in rows if linker.cat_ids[i] not in leaves]
        ax.scatter(xy[leaf_rows, 0], xy[leaf_rows, 1], s=12, color=cmap(k), label=tax.name(top)[:28])
        ax.scatter(xy[inner_rows, 0], xy[inner_rows, 1], s=40, marker="x", color=cmap(k))
    ax.set(title=f"RDF2Vec category vectors, PCA ({len(vecs)} categories)", xlabel="PC 1", ylabel="PC 2")
    if len(names) <= 20:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    plt.close(fig)
    return path
