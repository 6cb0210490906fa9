"""Serving: top-k prediction (PyTorch or ONNX Runtime), checked ONNX/INT8 export, latency helpers.

`from prodcat.serve import Predictor` stays light (no torch import for the ONNX runtime);
the export lives in `prodcat.serve.export` (`export_checked`, `ExportCheckFailed`).
"""

from prodcat.serve.assets import ServingAssets
from prodcat.serve.inputs import Item
from prodcat.serve.predictor import Predictor

__all__ = ["Item", "Predictor", "ServingAssets"]
