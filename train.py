"""Train a product classifier: `python train.py +experiment=hybrid` (see conf/ and the README); the same as
`prodcat-train` (prodcat.cli)."""

import os
from pathlib import Path

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))

from prodcat.cli import train  # noqa: E402  (PROJECT_ROOT first: the configs read it)

if __name__ == "__main__":
    train()
