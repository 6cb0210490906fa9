"""`DistillClassifier`: the student, a ProductClassifier whose training loss also reads a frozen teacher.

It keeps ProductClassifier's constructor (so its hyperparameters are exactly a ProductClassifier's) and its
validation/test steps (the student alone is scored). The teacher is held outside the module tree: it is not
in the state dict, the optimizer or `.train()`. The tinybert projections are trained with the student but
are not part of it: a checkpoint keeps them under `checkpoint["prodcat_distill"]`, not in its state dict, so
`ProductClassifier.load_from_checkpoint` (Predictor, export) loads a student checkpoint as any other.

Batches of `distill=soft` carry the cached teacher logits (`teacher_logits`, (B, C)); `distill=tinybert`
runs the teacher on the same batch (same tokens: the student must share the teacher's tokenizer).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from prodcat.data.datamodule import CatalogDataModule
from prodcat.distill.losses import attention_mse, hidden_mse, soft_loss
from prodcat.models.backbones import pool_outputs
from prodcat.models.module import ProductClassifier

PROJ = "distill_proj."


def forward_with_states(module: ProductClassifier, batch: dict) -> tuple[torch.Tensor, tuple, tuple]:
    """The module's forward (B, C), plus its encoder's hidden states ((B, T, H) x layers + 1, the embedding output
    first) and attention maps ((B, heads, T, T) x layers). Pools as `prodcat.models.backbones.encode` does."""
    cfg = module.hparams.backbone
    mask = batch["attention_mask"]
    out = module.encoder(input_ids=batch["input_ids"], attention_mask=mask, output_hidden_states=True,
                         output_attentions=True)
    if not out.attentions:
        raise RuntimeError(f"{type(module.encoder).__name__} returned no attention maps: it must run with eager "
                           "attention (set_attn_implementation('eager')) for distill=tinybert")
    return module.head(pool_outputs(out, mask, cfg), batch.get("graph")), out.hidden_states, out.attentions


class DistillClassifier(ProductClassifier):
    def setup_distillation(self, distill: dict, teacher: ProductClassifier | None,
                           layer_map: list[int] | None = None) -> None:
        """`distill`: the run's distill config. `layer_map[j]`: the teacher layer (0-based) student layer j learns
        from (tinybert)."""
        self.distill = dict(distill)
        self.mode = self.distill["mode"]
        self._teacher = [teacher]  # a list, so nn.Module does not register the teacher as a submodule
        if self.mode != "tinybert":
            return
        if teacher is None or teacher.encoder is None or self.encoder is None:
            raise ValueError("distill=tinybert: the teacher and the student must both read text (an encoder)")
        s_dim, t_dim = self.encoder.config.hidden_size, teacher.encoder.config.hidden_size

        def proj() -> nn.Module:
            return nn.Identity() if s_dim == t_dim else nn.Linear(s_dim, t_dim)

        self.distill_proj = nn.ModuleDict({"embeddings": proj(), "hidden": proj()})
        self.layer_map = list(layer_map)
        self.hidden_pairs = [(0, 0)] + [(j + 1, t + 1) for j, t in enumerate(self.layer_map)]  # hidden_states idx
        self.attention_pairs = list(enumerate(self.layer_map))
        for m in (self.encoder, teacher.encoder):  # SDPA returns no attention maps
            m.set_attn_implementation("eager")

    @property
    def teacher(self) -> ProductClassifier | None:
        return self._teacher[0]

    def on_fit_start(self) -> None:
        if self.teacher is not None:
            self.teacher.to(self.device).eval()

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        if self.mode == "none":
            return super().training_step(batch, batch_idx)
        y, d = batch["label"], self.distill
        if self.mode == "soft":
            parts = soft_loss(self(batch), batch["teacher_logits"], y, temperature=d["temperature"],
                              alpha=d["alpha"], ce=self._loss)
        else:
            logits, states, attn = forward_with_states(self, batch)
            with torch.no_grad():
                t_logits, t_states, t_attn = forward_with_states(self.teacher, batch)
            parts = soft_loss(logits, t_logits, y, temperature=d["temperature"], alpha=d["alpha"], ce=self._loss)
            mask = batch["attention_mask"]
            parts["hidden_mse"] = hidden_mse(states, t_states, self.hidden_pairs, mask,
                                             self.distill_proj["embeddings"], self.distill_proj["hidden"])
            parts["attention_mse"] = attention_mse(attn, t_attn, self.attention_pairs, mask)
            parts["loss"] = (parts["loss"] + d["hidden_weight"] * parts["hidden_mse"]
                             + d["attention_weight"] * parts["attention_mse"])
        n = len(y)
        self.last_loss_parts = {k: v.detach() for k, v in parts.items()}  # the last step's terms (for tests, debugging)
        self.log("train/loss", parts["loss"], prog_bar=True, batch_size=n)
        for k, v in parts.items():
            if k != "loss":
                self.log(f"train/{k}", v, batch_size=n)
        return parts["loss"]

    def param_groups(self) -> list[dict]:
        """The student's groups, plus the tinybert projections at the head's rate (they start from scratch)."""
        groups = super().param_groups()
        proj = [p for p in getattr(self, "distill_proj", nn.ModuleDict()).parameters() if p.requires_grad]
        if proj:
            groups.append({"params": proj, "lr": self.hparams.optim.get("head_lr", self.hparams.optim["lr"]),
                           "weight_decay": self.hparams.optim.get("weight_decay", 0.01), "name": "distill_proj"})
        return groups

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        state = checkpoint["state_dict"]
        projections = {k: state.pop(k) for k in [k for k in state if k.startswith(PROJ)]}
        checkpoint["prodcat_distill"] = {"config": getattr(self, "distill", {}), "projections": projections}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        """Into a distiller being trained (validate/test/resume with ckpt_path): the projections come back.
        `DistillClassifier.load_from_checkpoint` alone (no `setup_distillation`) gives the plain student."""
        super().on_load_checkpoint(checkpoint)
        if hasattr(self, "distill_proj"):
            checkpoint["state_dict"].update(checkpoint.get("prodcat_distill", {}).get("projections", {}))


class WithTeacherLogits:
    """Wraps a training loader's collate function: the batch of rows `indices`, plus their cached teacher
    logits as `teacher_logits` (B, C). Wrapping (not replacing) keeps the base loader's order and resumability."""

    def __init__(self, collate, logits: np.ndarray):
        self.collate, self.logits = collate, logits

    def __call__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        batch = self.collate(indices)
        batch["teacher_logits"] = torch.as_tensor(self.logits[indices], dtype=torch.float32)
        return batch


class DistillDataModule(CatalogDataModule):
    """Training batches carry the teacher's logits when they are given (distill=soft)."""

    def __init__(self, *args, teacher_logits: np.ndarray | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher_logits = teacher_logits
        if teacher_logits is not None and len(teacher_logits) != len(self.splits["train"]):
            raise ValueError(f"{len(teacher_logits)} teacher logits for {len(self.splits['train'])} training rows")

    def train_dataloader(self) -> DataLoader:
        loader = super().train_dataloader()
        if self.teacher_logits is not None:
            loader.collate_fn = WithTeacherLogits(loader.collate_fn, self.teacher_logits)
        return loader
