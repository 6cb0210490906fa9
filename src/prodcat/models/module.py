"""The LightningModule: encoder (when the head reads text) + head, loss, metrics, optimizer groups.

Hyperparameters are plain configs and lists (label leaves, backbone/head/optim dicts, run-time sizes),
so `ProductClassifier.load_from_checkpoint(path)` rebuilds the same model. What inference needs beyond
the weights (tokenizer files, the graph linker's vectors) travels in `checkpoint["prodcat_assets"]`.
"""

from __future__ import annotations

import math

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F

from prodcat.data.labels import LabelSpace
from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.models.backbones import build_encoder, pool
from prodcat.models.heads import HEADS, build_head


def _to_torch(obj):
    """numpy arrays -> tensors, recursively: checkpoints must load with torch.load(weights_only=True)."""
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj)
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


class ProductClassifier(L.LightningModule):
    def __init__(self, labels: dict, backbone: dict, head: dict, optim: dict, graph_dim: int,
                 vocab_size: int, seed: int = 0):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.label_space = LabelSpace.from_dict(labels)
        head_kwargs = {k: v for k, v in head.items() if k != "name"}
        uses_text = HEADS[head["name"]].uses_text
        self.encoder = build_encoder(backbone, vocab_size, seed) if uses_text else None
        text_dim = self.encoder.config.hidden_size if uses_text else 0
        self.head = build_head(head["name"], text_dim, graph_dim, len(self.label_space), **head_kwargs)
        level_ids = self.label_space.level_ids
        self.val_metrics = HierarchicalMetrics(len(self.label_space), level_ids)
        self.test_metrics = HierarchicalMetrics(len(self.label_space), level_ids)
        self.assets: dict = {}  # tokenizer files, linker state: set by the trainer, saved in checkpoints
        self.test_predictions: list[int] = []  # argmax class of every test row, in order (slice metrics)

    # -- forward ---------------------------------------------------------------------------------
    def forward(self, batch: dict) -> torch.Tensor:
        h = None
        if self.head.uses_text:
            text_inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch}
            hidden = self.encoder(**text_inputs).last_hidden_state  # (B, T, H)
            h = pool(hidden, batch["attention_mask"], self.hparams.backbone.get("pooling", "cls"))  # (B, H)
        return self.head(h, batch.get("graph"))  # (B, C)

    def _loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), target, label_smoothing=self.hparams.optim.get("label_smoothing", 0.0))

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self._loss(self(batch), batch["label"])
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["label"]))
        return loss

    def _eval_step(self, batch: dict, split: str, metrics: HierarchicalMetrics) -> None:
        logits = self(batch)
        self.log(f"{split}/loss", self._loss(logits, batch["label"]), prog_bar=split == "val",
                 batch_size=len(batch["label"]), sync_dist=True)
        metrics.update(logits.float(), batch["label"])
        if split == "test":
            self.test_predictions += logits.argmax(-1).tolist()

    def _eval_epoch_end(self, split: str, metrics: HierarchicalMetrics) -> None:
        values = metrics.compute()
        metrics.reset()
        for k, v in values.items():
            self.log(f"{split}/{k}", v, prog_bar=k == "f1_weighted")

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._eval_step(batch, "val", self.val_metrics)

    def on_validation_epoch_end(self) -> None:
        self._eval_epoch_end("val", self.val_metrics)

    def on_test_epoch_start(self) -> None:
        self.test_predictions = []

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self._eval_step(batch, "test", self.test_metrics)

    def on_test_epoch_end(self) -> None:
        self._eval_epoch_end("test", self.test_metrics)

    # -- optimisation ----------------------------------------------------------------------------
    def configure_optimizers(self):
        """AdamW; the encoder at `lr`, the freshly initialised head at `head_lr`; no weight decay on
        biases and LayerNorm weights (as in BERT); linear warmup then linear decay to zero."""
        o = self.hparams.optim
        groups = []
        for part, lr in ((self.encoder, o["lr"]), (self.head, o.get("head_lr", o["lr"]))):
            if part is None:
                continue
            named = [(n, p) for n, p in part.named_parameters() if p.requires_grad]
            decay = [p for n, p in named if p.ndim >= 2]
            no_decay = [p for n, p in named if p.ndim < 2]
            groups += [{"params": decay, "lr": lr, "weight_decay": o.get("weight_decay", 0.01)},
                       {"params": no_decay, "lr": lr, "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW([g for g in groups if g["params"]], betas=tuple(o.get("betas", (0.9, 0.999))))
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = int(math.ceil(o.get("warmup_ratio", 0.0) * total))

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return max(0.0, (total - step) / max(1, total - warmup))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # -- checkpoint assets -----------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["prodcat_assets"] = _to_torch(self.assets)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.assets = checkpoint.get("prodcat_assets", {})
