"""Top-k categories for product texts, one JSON line per input (see conf/predict.yaml and the README):

    python predict.py model=<run>/checkpoints/best.ckpt 'texts=[apple iphone 15 pro 256gb, nike air max 90]'
    python predict.py model=<run>/checkpoints/best.ckpt input=products.jsonl output=predictions.jsonl
    cat titles.txt | python predict.py model=<run>/export/model.int8.onnx runtime=onnx

The same as `prodcat-predict` (prodcat.cli).
"""

import os
from pathlib import Path

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))

from prodcat.cli import predict  # noqa: E402  (PROJECT_ROOT first: the configs read it)

if __name__ == "__main__":
    predict()
