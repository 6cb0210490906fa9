"""The masked-language model of a backbone config, and the LightningModule that pretrains it.

Weights: a pretrained backbone (`name_or_path`, `package` or `hub_id`, as in `prodcat.models.backbones`)
loads with its MLM head where the checkpoint has one; where it has none (all-MiniLM-L6-v2 is a sentence
encoder: no `cls.*` weights) the head's transform is freshly initialised and its decoder is tied to the
word embeddings, as usual. An `architecture` backbone (no `name_or_path`) is a BertForMaskedLM built in code.

The MLM model has no pooler, while the backbone (`AutoModel`) has one; the backbone's pooler is attached
so that `save_pretrained` writes it too and `AutoModel.from_pretrained(<saved dir>)` initialises nothing at
random: the frozen-feature cache and checkpoints key on a hash of every encoder weight.
"""

from __future__ import annotations

import logging
import time

import lightning as L
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import Callback
from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, BertConfig, BertForMaskedLM, BertModel

from prodcat.models.backbones import backbone_load_error, resolve_pretrained
from prodcat.models.schedule import warmup_linear_decay
from prodcat.pretrain.masking import IGNORE

log = logging.getLogger(__name__)

MLM_HEADS = ("cls", "lm_head", "predictions")  # BERT, RoBERTa, ALBERT: the head that maps (..., H) -> (..., V)


def build_mlm_model(backbone: dict, vocab_size: int, seed: int = 0) -> torch.nn.Module:
    dropout = dict(backbone.get("dropout") or {})
    source = resolve_pretrained(backbone)
    with torch.random.fork_rng():  # fresh weights (a missing MLM head, a new model) depend on the seed only
        torch.manual_seed(seed)
        if source is not None:
            try:
                config = AutoConfig.from_pretrained(source, **dropout)
                mlm = AutoModelForMaskedLM.from_pretrained(source, config=config)
                base = AutoModel.from_pretrained(source, config=config)
            except (OSError, ValueError) as e:
                raise backbone_load_error(backbone, source, e) from e
        else:
            config = BertConfig(vocab_size=vocab_size, **backbone["architecture"], **dropout)
            mlm, base = BertForMaskedLM(config), BertModel(config)
    if mlm.config.vocab_size < vocab_size:
        raise ValueError(f"backbone {backbone.get('name')!r}: the tokenizer has {vocab_size} tokens but the "
                         f"model's vocabulary only {mlm.config.vocab_size}")
    if getattr(base, "pooler", None) is not None and getattr(mlm.base_model, "pooler", "absent") is None:
        mlm.base_model.pooler = base.pooler
    return mlm


class MLMPretrainer(L.LightningModule):
    """MLM (+ optional NSP/SOP) training of `build_mlm_model(backbone)`: `train/loss`, `train/mlm_loss`,
    `val/mlm_loss` (and `*/pair_loss`). Throughput and the loss curve: `PretrainProgress`."""

    def __init__(self, backbone: dict, vocab_size: int, optim: dict, sentence_pair: str | None = None,
                 seed: int = 0):
        super().__init__()
        self.save_hyperparameters(logger=False)
        # from_pretrained returns eval mode and Lightning keeps the modes it finds: without .train() a
        # pretrained model would be pretrained with its dropout off.
        self.model = build_mlm_model(backbone, vocab_size, seed).train()
        self.head = next((getattr(self.model, n) for n in MLM_HEADS if hasattr(self.model, n)), None)
        self.pair_head = torch.nn.Linear(self.model.config.hidden_size, 2) if sentence_pair else None

    def losses(self, batch: dict) -> dict[str, torch.Tensor]:
        inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch}
        labels = batch["labels"]  # (B, T), IGNORE where no token was selected
        if self.head is not None:
            hidden = self.model.base_model(**inputs).last_hidden_state  # (B, T, H)
            selected = labels != IGNORE
            # Only the selected positions reach the vocabulary projection: (M, H) -> (M, V), not (B, T, V).
            logits = self.head(hidden[selected])
            mlm = F.cross_entropy(logits, labels[selected]) if selected.any() else hidden.sum() * 0.0
        else:  # a family without a known head attribute (DistilBERT): the model's own loss over all positions
            out = self.model(**inputs, labels=labels, output_hidden_states=True)
            hidden, mlm = out.hidden_states[-1], out.loss
        out = {"mlm_loss": mlm, "loss": mlm}
        if self.pair_head is not None:
            pair_labels = batch["pair_labels"]  # (B,)
            pair_logits = self.pair_head(hidden[:, 0])  # (B, 2) from the first token's state
            pair = (F.cross_entropy(pair_logits, pair_labels, ignore_index=IGNORE)
                    if (pair_labels != IGNORE).any() else pair_logits.sum() * 0.0)
            out["pair_loss"], out["loss"] = pair, mlm + pair
        return out

    def training_step(self, batch, batch_idx):
        losses = self.losses(batch)
        self.log_dict({f"train/{k}": v for k, v in losses.items()}, prog_bar=True, batch_size=len(batch["labels"]))
        return losses

    def validation_step(self, batch, batch_idx):
        losses = self.losses(batch)
        n = int((batch["labels"] != IGNORE).sum())  # weight by masked tokens: the loss is a per-token mean
        self.log("val/mlm_loss", losses["mlm_loss"], batch_size=max(n, 1), prog_bar=True)
        if "pair_loss" in losses:
            self.log("val/pair_loss", losses["pair_loss"], batch_size=len(batch["labels"]))

    def configure_optimizers(self):
        """AdamW (no decay on biases and LayerNorm weights, as BERT); linear warmup then linear decay to 0."""
        o = self.hparams.optim
        decay, no_decay = [], []
        for name, p in self.named_parameters():
            if p.requires_grad:
                (no_decay if p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(p)
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": o["weight_decay"]},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=o["lr"])
        schedule = warmup_linear_decay(optimizer, self.trainer.estimated_stepping_batches, o.get("warmup_ratio", 0.0))
        return {"optimizer": optimizer, "lr_scheduler": schedule}


class PretrainProgress(Callback):
    """Tokens/s (non-padding tokens per second of training steps: forward, backward, optimizer) on the
    progress bar, and the loss curve `history`: the mean train MLM loss every `log_every_n_steps` steps and
    every held-out evaluation. Its state travels in the checkpoints (Lightning runs checkpoint callbacks
    last), so a resumed run continues the same curve and token count."""

    def __init__(self):
        self.history: list[dict] = []
        self.tokens_seen, self.train_seconds = 0, 0.0
        self._window: list[float] = []
        self._t0 = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.tokens_seen / max(self.train_seconds, 1e-9)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.train_seconds += time.perf_counter() - self._t0
        self.tokens_seen += int(batch["attention_mask"].sum())
        self._window.append(float(outputs["mlm_loss"].detach()))
        pl_module.log("train/tokens_per_s", self.tokens_per_s, prog_bar=True)
        if trainer.global_step % trainer.log_every_n_steps == 0:
            self.history.append({"step": trainer.global_step, "train_mlm_loss": sum(self._window) / len(self._window),
                                 "tokens": self.tokens_seen, "seconds": self.train_seconds,
                                 "tokens_per_s": self.tokens_per_s})
            self._window = []

    def on_validation_epoch_end(self, trainer, pl_module):
        value = trainer.callback_metrics.get("val/mlm_loss")
        last = [h for h in self.history if "val_mlm_loss" in h][-1:]
        if value is None or trainer.sanity_checking or (last and last[0]["step"] == trainer.global_step):
            return  # one held-out point per step (fit's last evaluation and a final validate() coincide)
        self.history.append({"step": trainer.global_step, "val_mlm_loss": float(value), "tokens": self.tokens_seen})

    def state_dict(self) -> dict:
        return {"history": self.history, "tokens_seen": self.tokens_seen, "train_seconds": self.train_seconds}

    def load_state_dict(self, state: dict) -> None:
        self.history = list(state["history"])
        self.tokens_seen, self.train_seconds = state["tokens_seen"], state["train_seconds"]
