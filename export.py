"""Export a checkpoint to ONNX (fp32) and dynamic INT8, each checked against the PyTorch model on the
validation split and written only when it passes (see conf/export.yaml and the README):

    python export.py checkpoint=outputs/train/runs/<run>/checkpoints/best.ckpt
"""

import json
import logging
import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

os.environ.setdefault("PROJECT_ROOT", str(Path(__file__).resolve().parent))


@hydra.main(version_base="1.3", config_path="conf", config_name="export")
def main(cfg: DictConfig) -> None:
    from prodcat.serve.commands import export
    from prodcat.serve.export import ExportCheckFailed

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[%(asctime)s][%(name)s] %(message)s")
    logging.getLogger("prodcat").setLevel(logging.INFO)  # ours at INFO; libraries (ORT quantizer...) at WARNING
    try:
        reports = export(cfg)
    except ExportCheckFailed as e:
        print(json.dumps(e.reports, indent=2))
        sys.exit(f"error: {e}")
    print(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
