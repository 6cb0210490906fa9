"""Where the real datasets are found: one rule for every reader and every machine.

`data.root` set: that folder. `data.root: null` (the default): the first of $PRODCAT_DATA_ROOT,
`<repo>/data/datasets` (what `bash data/download.sh` writes) and `<repo>/../shared/datasets` (the shared
copy beside a checkout) that holds the dataset's subfolder. A miss names every place looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "PRODCAT_DATA_ROOT"
DOWNLOAD = "bash data/download.sh  (writes data/datasets/)"


def candidate_roots() -> list[Path]:
    repo = Path(os.environ.get("PROJECT_ROOT") or Path(__file__).resolve().parents[3])
    roots = [Path(os.environ[ENV])] if os.environ.get(ENV) else []
    return [*roots, repo / "data" / "datasets", repo.parent / "shared" / "datasets"]


def dataset_folder(subfolder: str, root: str | Path | None = None) -> Path:
    """The folder `<root>/<subfolder>`, from `root` or from the first candidate root that has it."""
    if root is not None:
        return Path(root) / subfolder
    roots = candidate_roots()
    for r in roots:
        if (r / subfolder).is_dir():
            return r / subfolder
    looked = ", ".join(str(r / subfolder) for r in roots)
    raise FileNotFoundError(f"dataset folder {subfolder!r} not found; looked in: {looked}. Fetch it with "
                            f"`{DOWNLOAD}`, or point data.root (or ${ENV}) at the folder holding {subfolder}/")
