"""Export a checkpoint to ONNX (fp32) and dynamic INT8, each checked against the PyTorch model on the
validation split and written only when it passes (see conf/export.yaml and the README):

    python export.py checkpoint=outputs/train/runs/<run>/checkpoints/best.ckpt

The same as `prodcat-export` (prodcat.cli).
"""

import os
from pathlib import Path

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))

from prodcat.cli import export  # noqa: E402  (PROJECT_ROOT first: the configs read it)

if __name__ == "__main__":
    export()
