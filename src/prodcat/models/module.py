"""The LightningModule: encoder (when the head reads text) + head, loss, metrics, optimizer groups.

Hyperparameters are plain configs and lists (label leaves, backbone/head/optim dicts, run-time sizes),
so `ProductClassifier.load_from_checkpoint(path)` rebuilds the same model. What inference needs beyond
the weights (tokenizer files, the graph linker's vectors) travels in `checkpoint["prodcat_assets"]`.

Freezing (`freeze` hyperparameter, see `prodcat.models.freezing`): with `frozen`, batches carry the cached
pooled vectors as `text_features` (B, H) and the encoder is never run in training; it still lives in the
module (no gradients, always in eval mode, outside the optimizer) so a checkpoint runs on raw text too:
a batch without `text_features` goes through the encoder, in training or at inference alike.
A frozen encoder is saved BY REFERENCE unless `freeze.save_encoder=true`: its weights are exactly the
pretrained ones the backbone config names (or the seeded init of an `architecture` backbone), which
`__init__` loads anyway, so the checkpoint keeps only their sha256 (91 MB less per checkpoint for
minilm_l6) and loading checks the rebuilt encoder against it, failing loudly if those weights changed.
"""

from __future__ import annotations

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F

from prodcat.data.labels import LabelSpace
from prodcat.eval.metrics import HierarchicalMetrics
from prodcat.features.store import weights_sha256
from prodcat.models.backbones import build_encoder, encode, pooled_dim
from prodcat.models.freezing import apply_freeze, encoder_param_groups
from prodcat.models.heads import build_head, head_class
from prodcat.models.hierarchy import Hierarchy
from prodcat.models.lexical import LexicalLayer
from prodcat.models.mixture import Mixture
from prodcat.models.schedule import warmup_linear_decay


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
                 vocab_size: int, seed: int = 0, freeze: dict | None = None, label_dim: int = 0,
                 hierarchy: dict | None = None, label_vectors: dict | None = None, lexical: dict | None = None,
                 lexical_model=None, assets: dict | None = None):
        """`label_vectors` ({"leaf": (C, D), "levels": [(n_l, D)...]}, see `prodcat.models.hierarchy`) and
        `lexical_model` (`prodcat.features.lexical.LexicalModel`) are passed at the call, not saved as
        hyperparameters: the modules keep them as buffers in the state_dict. `lexical`: {"n_features": F,
        "fusion": "stacked" | "joint", "head_loss_weight": w} when the lexical view is on
        (`prodcat.models.lexical`), else None. `assets`: what inference needs besides the weights (tokenizer
        files, the linker's state, the lexical featurizer), saved in checkpoints beside the state_dict; a
        checkpoint restores them in `on_load_checkpoint`."""
        super().__init__()
        self.save_hyperparameters(logger=False, ignore=["label_vectors", "lexical_model", "assets"])
        self.label_space = LabelSpace.from_dict(labels)
        head_kwargs = {k: v for k, v in head.items() if k != "name"}
        uses_text = head_class(head["name"]).uses_text
        self.encoder = build_encoder(backbone, vocab_size, seed) if uses_text else None
        self.freeze_strategy = (freeze or {}).get("strategy", "full")
        if self.encoder is not None:
            apply_freeze(self.encoder, freeze or {"strategy": "full"})
            # from_pretrained returns an encoder in eval mode and Lightning keeps submodule modes as they are:
            # set the mode here, once, or a fine-tuned encoder would train without dropout.
            self.encoder.train(self.freeze_strategy != "frozen")
        text_dim = pooled_dim(self.encoder, backbone) if uses_text else 0
        label_vectors = label_vectors or {}
        if head_class(head["name"]).uses_label_vectors:
            head_kwargs["label_dim"] = label_dim
        self.head = build_head(head["name"], text_dim, graph_dim, len(self.label_space), **head_kwargs,
                               **self._label_kwargs(label_vectors.get("leaf")))
        # hierarchy.enabled: one head of the same kind per non-leaf level, see prodcat.models.hierarchy
        self.hierarchy = Hierarchy.from_config(hierarchy, self.label_space.level_ids)
        self.level_heads = None
        if self.hierarchy is not None:
            levels = label_vectors.get("levels") or [None] * (self.hierarchy.depth - 1)
            self.level_heads = torch.nn.ModuleList(
                build_head(head["name"], text_dim, graph_dim, n, **head_kwargs, **self._label_kwargs(e))
                for n, e in zip(self.hierarchy.sizes[:-1], levels, strict=True))
        self.lexical = (LexicalLayer(int(lexical["n_features"]), len(self.label_space), lexical_model,
                                     fusion=lexical["fusion"]) if lexical else None)
        # Stacked fusion (prodcat.models.mixture): the head's experts and the lexical view, mixed with weights
        # fit on validation; None when there is one member (or the lexical view is fused jointly).
        experts = getattr(self.head, "n_experts", 1)
        if self.lexical is not None and self.lexical.fusion == "joint" and experts > 1:
            raise ValueError(f"lexical.fusion=joint adds to one head's logits; head={head['name']} has {experts} "
                             "experts: use lexical.fusion=stacked")
        members = experts + int(self.lexical is not None and self.lexical.fusion == "stacked")
        self.mixture = Mixture(members) if members > 1 else None
        self._held_out: list[tuple] = []  # the validation pass's (experts, d, levels, label) to fit the mixture
        level_ids = self.label_space.level_ids
        self.val_metrics = HierarchicalMetrics(len(self.label_space), level_ids)
        self.test_metrics = HierarchicalMetrics(len(self.label_space), level_ids)
        self.assets: dict = dict(assets or {})
        self.test_predictions: list[int] = []  # argmax class of every test row, in order (slice metrics)
        self.test_confidences: list[float] = []  # its softmax probability (the test report's samples)

    def _label_kwargs(self, vectors) -> dict:
        return {"label_vectors": vectors} if self.head_uses_label_vectors else {}

    @property
    def head_uses_label_vectors(self) -> bool:
        return head_class(self.hparams.head["name"]).uses_label_vectors

    # -- forward ---------------------------------------------------------------------------------
    def logits(self, batch: dict) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Leaf logits (B, C), and with a hierarchy the logits of each non-leaf level (B, n_l), top first."""
        experts, scores, levels = self.view_logits(batch)
        return self._fused(experts, scores), levels

    def _fused(self, experts: list[torch.Tensor], scores: torch.Tensor | None) -> torch.Tensor:
        """(B, C) leaf scores from the head's experts and the lexical scores: the stacked mixture, the joint
        sum, or the one head's logits."""
        if self.mixture is not None:
            return self.mixture([*experts, *([self.lexical.logits(scores)] if scores is not None else [])])
        return experts[0] if scores is None else self.lexical.fuse(experts[0], scores)

    def view_logits(self, batch: dict) -> tuple[list[torch.Tensor], torch.Tensor | None, list[torch.Tensor]]:
        """The head's leaf logits, one (B, C) per expert (one for most heads), the lexical view's scores d
        (B, C) or None, and the non-leaf levels' logits."""
        h = None
        if self.head.uses_text and "text_features" in batch:
            h = batch["text_features"]  # (B, H) pooled vectors from the feature cache (freeze=frozen)
        elif self.head.uses_text:
            h = encode(self.encoder, batch["input_ids"], batch["attention_mask"], self.hparams.backbone)  # (B, H)
        g = batch.get("graph")
        scores = self.lexical.scores(batch) if self.lexical is not None else None
        experts = self.head.experts(h, g) if getattr(self.head, "n_experts", 1) > 1 else [self.head(h, g)]
        return experts, scores, [m(h, g) for m in self.level_heads or ()]

    def forward(self, batch: dict) -> torch.Tensor:
        """(B, C) leaf scores; with a hierarchy, hierarchy-masked ones (the argmax respects the tree)."""
        leaf, levels = self.logits(batch)
        return self.hierarchy.decode(levels, leaf) if self.hierarchy is not None else leaf

    def train(self, mode: bool = True):
        """A frozen encoder stays in eval mode (no dropout): it then computes exactly the cached features."""
        super().train(mode)
        if self.encoder is not None and self.freeze_strategy == "frozen":
            self.encoder.eval()
        return self

    def _loss(self, logits: torch.Tensor, target: torch.Tensor,
              levels: list[torch.Tensor] | None = None) -> torch.Tensor:
        smoothing = self.hparams.optim.get("label_smoothing", 0.0)
        loss = F.cross_entropy(logits.float(), target, label_smoothing=smoothing)
        if levels:  # hierarchy: + sum_l w_l CE(level l)
            loss = loss + self.hierarchy.aux_loss(levels, target, smoothing)
        return loss

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        experts, scores, levels = self.view_logits(batch)
        y = batch["label"]
        if scores is not None and self.mixture is None:  # joint: the fused logits, plus the head alone
            # (lexical.head_loss_weight), so text and graph learn a whole classifier of their own rather than
            # only the residual of the lexical model's errors
            loss = self._loss(self.lexical.fuse(experts[0], scores), y, levels)
            loss = loss + self.hparams.lexical["head_loss_weight"] * self._loss(experts[0], y)
        else:  # each expert learns alone; a stacked mixture is fit on validation
            loss = self._loss(experts[0], y, levels) + sum(self._loss(z, y) for z in experts[1:])
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["label"]))
        return loss

    def _decoded(self, leaf: torch.Tensor, levels: list[torch.Tensor]) -> torch.Tensor:
        return self.hierarchy.decode(levels, leaf) if self.hierarchy is not None else leaf

    def _eval_step(self, batch: dict, split: str, metrics: HierarchicalMetrics) -> None:
        experts, scores, levels = self.view_logits(batch)
        leaf = self._fused(experts, scores)
        loss = self._loss(leaf, batch["label"], levels)  # the loss reads the raw logits, the metrics decoded ones
        self.log(f"{split}/loss", loss, prog_bar=split == "val", batch_size=len(batch["label"]), sync_dist=True)
        if split == "val" and self.mixture is not None:  # scored at the epoch's end, once the mixture is fit
            self._held_out.append(([z.detach() for z in experts], None if scores is None else scores.detach(),
                                   [x.detach() for x in levels], batch["label"]))
            return
        logits = self._decoded(leaf, levels)
        metrics.update(logits.float(), batch["label"])
        if split == "test":
            confidence, predicted = logits.float().softmax(-1).max(-1)
            self.test_predictions += predicted.tolist()
            self.test_confidences += confidence.tolist()

    def _eval_epoch_end(self, split: str, metrics: HierarchicalMetrics) -> None:
        values = metrics.compute()
        metrics.reset()
        for k, v in values.items():
            self.log(f"{split}/{k}", v, prog_bar=k == "f1_weighted")

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._eval_step(batch, "val", self.val_metrics)

    def on_validation_epoch_start(self) -> None:
        self._held_out = []

    def on_validation_epoch_end(self) -> None:
        if self.mixture is not None and self._held_out:
            self._fit_mixture_on_validation()
        self._eval_epoch_end("val", self.val_metrics)

    def _fit_mixture_on_validation(self) -> None:
        """Stacked fusion: choose the mixture on this pass's validation rows (so the checkpoint of each
        epoch carries the mixture fit to its head), then score those rows with it."""
        experts = [torch.cat([b[0][k] for b in self._held_out]) for k in range(len(self._held_out[0][0]))]
        members = experts + ([self.lexical.logits(torch.cat([b[1] for b in self._held_out]))]
                             if self._held_out[0][1] is not None else [])
        target = torch.cat([b[3] for b in self._held_out])
        if self.trainer.world_size > 1:  # every process fits on every process's rows: one mixture for all
            members, target = [self.all_gather(z).flatten(0, 1) for z in members], self.all_gather(target).flatten()
        self.mixture.fit(members, target)
        for experts, scores, levels, target in self._held_out:
            self.val_metrics.update(self._decoded(self._fused(experts, scores), levels).float(), target)
        self._held_out = []
        for k, w in enumerate(self.mixture.weights.tolist()):  # the members: experts, then the lexical view
            self.log(f"val/mixture_weight_{k}", w)
        self.log("val/mixture_sharpness", self.mixture.sharpness)

    def on_test_epoch_start(self) -> None:
        self.test_predictions, self.test_confidences = [], []

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self._eval_step(batch, "test", self.test_metrics)

    def on_test_epoch_end(self) -> None:
        self._eval_epoch_end("test", self.test_metrics)

    # -- optimisation ----------------------------------------------------------------------------
    def param_groups(self) -> list[dict]:
        """AdamW groups: the trainable encoder parameters at `lr` (per layer with layer-wise decay,
        `optim.layer_decay`: the top layer at `lr`, each lower one `layer_decay` times the one above, see
        `prodcat.models.freezing`), the freshly initialised head at its own base rate `head_lr`. Frozen
        parameters are not in the optimizer. No weight decay on biases and LayerNorm weights (as in BERT)."""
        o = self.hparams.optim
        wd = o.get("weight_decay", 0.01)
        groups = []
        if self.encoder is not None:
            groups += encoder_param_groups(self.encoder, o["lr"], wd, o.get("layer_decay"))
        head_lr = o.get("head_lr", o["lr"])
        # the per-level heads of a hierarchy and the lexical view's scale (joint fusion) train like the head
        heads = [self.head, *(self.level_heads or ()), *([self.lexical] if self.lexical is not None else [])]
        named = [(n, p) for m in heads for n, p in m.named_parameters() if p.requires_grad]
        groups += [{"params": [p for _, p in named if p.ndim >= 2], "lr": head_lr, "weight_decay": wd, "name": "head"},
                   {"params": [p for _, p in named if p.ndim < 2], "lr": head_lr, "weight_decay": 0.0,
                    "name": "head/no_decay"}]
        return [g for g in groups if g["params"]]

    def configure_optimizers(self):
        """AdamW over `param_groups`; linear warmup (`optim.warmup_ratio` of the steps) then linear decay
        to zero, applied to every group's own rate (so layer-wise ratios hold throughout)."""
        o = self.hparams.optim
        groups = self.param_groups()
        # fused: one kernel over all parameters instead of a Python loop of small ops (the same update; on
        # 2 CPU cores 0.13 -> 0.02 s per step for MiniLM-L6, a sixth of a fine-tuning step)
        fused = all(p.device.type in ("cpu", "cuda") for g in groups for p in g["params"])
        optimizer = torch.optim.AdamW(groups, betas=tuple(o.get("betas", (0.9, 0.999))), fused=fused)
        schedule = warmup_linear_decay(optimizer, self.trainer.estimated_stepping_batches, o.get("warmup_ratio", 0.0))
        return {"optimizer": optimizer, "lr_scheduler": schedule}

    # -- checkpoint assets -----------------------------------------------------------------------
    def encoder_sha256(self) -> str:
        """sha256 of the encoder weights (computed once: only used for a frozen encoder, which never changes)."""
        if getattr(self, "_encoder_sha256", None) is None:
            self._encoder_sha256 = weights_sha256(self.encoder)
        return self._encoder_sha256

    def _encoder_by_reference(self) -> bool:
        freeze = self.hparams.get("freeze") or {}
        return self.encoder is not None and self.freeze_strategy == "frozen" and not freeze.get("save_encoder")

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["prodcat_assets"] = _to_torch(self.assets)
        if self._encoder_by_reference():
            state = checkpoint["state_dict"]
            for key in [k for k in state if k.startswith("encoder.")]:
                del state[key]
            checkpoint["prodcat_encoder_sha256"] = self.encoder_sha256()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.assets = checkpoint.get("prodcat_assets", {})
        if self.lexical is not None and self.lexical.scale is None:
            # checkpoints written before 24849b6 kept the joint fusion's scale in stacked fusion too, unused
            checkpoint["state_dict"].pop("lexical.scale", None)
        expected = checkpoint.get("prodcat_encoder_sha256")
        if expected is not None:  # a frozen encoder saved by reference: __init__ has rebuilt it; check it
            if self.encoder_sha256() != expected:
                raise RuntimeError(
                    f"checkpoint of a frozen {self.hparams.backbone.get('name')!r} encoder saved by reference: "
                    f"the weights loaded now (sha256 {self.encoder_sha256()[:12]}) are not the ones it was trained "
                    f"with ({expected[:12]}). Point backbone.name_or_path at the original weights, or train with "
                    f"freeze.save_encoder=true to store them in the checkpoint.")
            checkpoint["state_dict"].update({f"encoder.{k}": v for k, v in self.encoder.state_dict().items()})
