"""Top-k categories for product texts, one JSON line per input (see conf/predict.yaml and the README):

    python predict.py model=<run>/checkpoints/best.ckpt 'texts=[apple iphone 15 pro 256gb, nike air max 90]'
    python predict.py model=<run>/checkpoints/best.ckpt input=products.jsonl output=predictions.jsonl
    cat titles.txt | python predict.py model=<run>/export/model.int8.onnx runtime=onnx
"""

import logging
import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))


@hydra.main(version_base="1.3", config_path="conf", config_name="predict")
def main(cfg: DictConfig) -> None:
    from prodcat.serve.commands import predict

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[%(asctime)s][%(name)s] %(message)s")
    logging.getLogger("prodcat").setLevel(logging.INFO)  # ours at INFO; libraries (ORT quantizer...) at WARNING
    predict(cfg)  # JSON lines go to stdout (or `output`); logs go to stderr


if __name__ == "__main__":
    main()
