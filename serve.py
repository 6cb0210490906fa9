"""Serve a model over HTTP with dynamic batching (see conf/serve.yaml and experiments/serving/README.md):

    python serve.py model=<run>/export/model.int8.onnx port=8000
    curl -s localhost:8000/predict -H 'content-type: application/json' -d '{"titles": ["apple iphone 15 pro"]}'

The same as `prodcat-serve` (prodcat.cli).
"""

import os
from pathlib import Path

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))

from prodcat.cli import serve  # noqa: E402  (PROJECT_ROOT first: the configs read it)

if __name__ == "__main__":
    serve()
