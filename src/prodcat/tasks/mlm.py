"""task=mlm: masked-language-model pretraining of a backbone (`python train.py +experiment=pretrain_mlm`).

corpus (train split + text files) -> tokenizer (the backbone's own, or for an `architecture` backbone a
WordPiece vocabulary trained on the corpus, `backbone.tokenizer.vocab_size`) -> MLM model -> Trainer.fit
(`checkpoints/last.ckpt` every `callbacks.last_checkpoint.every_n_train_steps`; `resume=true` or
`ckpt_path=<file>` continues it, see `prodcat.resume`) ->
`save_pretrained` of model and tokenizer into `pretrain.save_dir`, which fine-tunes as a backbone:
`python train.py +experiment=hybrid backbone.name_or_path=<save_dir>`. Also writes `metrics.json` (budget,
throughput, losses) and `pretrain_history.json` (the loss curve) into the run folder.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from torch.utils.data import DataLoader

from prodcat.data.resumable import train_loader
from prodcat.eval.run_record import write_json_atomic
from prodcat.models.backbones import load_tokenizer
from prodcat.pretrain.corpus import MLMCollator, corpus_texts, fixed_batches, split_heldout, texts_key
from prodcat.pretrain.model import MLMPretrainer, PretrainProgress
from prodcat.provenance import provenance
from prodcat.resume import resolve_ckpt_path
from prodcat.tasks.context import Result, RunContext, plain

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> Result:
    cfg, catalog, out_dir = ctx.cfg, ctx.catalog, ctx.out_dir
    p, backbone = plain(cfg.pretrain), plain(cfg.backbone)
    texts = corpus_texts(catalog, p["splits"], p.get("text_files") or [], p.get("max_texts"))
    train_texts, heldout = split_heldout(texts, p["heldout"], cfg.seed)
    tok = load_tokenizer(backbone, train_texts, cfg.paths.cache_dir, texts_key(train_texts))
    log.info("pretraining corpus: %d texts (%d held out), tokenizer of %d tokens", len(texts), len(heldout),
             len(tok))
    masking = {k: p[k] for k in ("mlm_probability", "mask_replace", "random_replace")}

    def collator(seed: int) -> MLMCollator:
        return MLMCollator(tok, p["max_length"], sentence_pair=p["sentence_pair"],
                           separator=p["pair_separator"], partners=train_texts, seed=seed, **masking)

    # the seeded, resumable order of classification training: a resumed run continues the killed one's epoch
    # at the saved batch (the masks of the remaining steps are drawn afresh: the collator's RNG is not saved)
    loader = train_loader(train_texts, batch_size=cfg.batch_size, seed=cfg.seed, collate_fn=collator(cfg.seed),
                          num_workers=cfg.num_workers)
    val_batches = fixed_batches(heldout, collator(cfg.seed + 1), cfg.eval_batch_size) if heldout else None
    val_loader = DataLoader(val_batches, batch_size=None) if val_batches else None
    optim = {"lr": p["lr"], "weight_decay": p["weight_decay"], "warmup_ratio": p["warmup_ratio"]}
    module = MLMPretrainer(backbone, len(tok), optim, sentence_pair=p.get("sentence_pair"), seed=cfg.seed)

    progress = PretrainProgress()  # tokens/s and the loss curve: part of the run, not a config choice
    trainer = ctx.trainer(ctx.loggers(), extra_callbacks=(progress,))
    ckpt = resolve_ckpt_path(cfg, out_dir)  # resume=true / ckpt_path=<file>
    initial = {}
    if val_loader is not None and ckpt is None:  # the held-out loss before any step: the curve's start
        initial = trainer.validate(module, val_loader, verbose=False)[0]
    t = time.perf_counter()
    trainer.fit(module, loader, val_loader, ckpt_path=ckpt)
    fit_s = time.perf_counter() - t
    final = trainer.validate(module, val_loader, verbose=False)[0] if val_loader is not None else {}

    save_dir = Path(p["save_dir"])
    module.model.save_pretrained(save_dir)
    tok.save_pretrained(save_dir)
    log.info("pretrained model and tokenizer saved to %s (backbone.name_or_path=%s)", save_dir, save_dir)
    write_json_atomic(out_dir / "pretrain_history.json", {"history": progress.history})
    steps = int(trainer.global_step)
    metrics = {
        "val": final, "test": {},
        "objective": {"name": "val/mlm_loss", "value": final.get("val/mlm_loss")},
        "pretrain": {
            "initial_val_mlm_loss": initial.get("val/mlm_loss"), "final_val_mlm_loss": final.get("val/mlm_loss"),
            "texts": len(train_texts), "heldout_texts": len(heldout), "vocab_size": len(tok),
            "steps": steps, "batch_size": cfg.batch_size, "max_length": p["max_length"],
            "tokens_seen": progress.tokens_seen, "tokens_per_s": progress.tokens_per_s,
            "corpus_tokens": sum(len(x) for x in tok(train_texts, truncation=True,
                                                     max_length=p["max_length"])["input_ids"]),
            "params": sum(x.numel() for x in module.model.parameters()), "save_dir": str(save_dir),
            "resumed_from": ckpt,
        },
        "timings": {"load_s": ctx.load_s, "fit_s": fit_s, "train_step_s": progress.train_seconds,
                    "total_s": ctx.elapsed()},
        "choices": {"experiment": cfg.experiment_name, "data": cfg.data.name, "backbone": backbone["name"],
                    "seed": cfg.seed, "sentence_pair": p["sentence_pair"], "splits": p["splits"]},
        "run_name": cfg.run_name,
        "provenance": provenance(),
    }
    ctx.write_metrics(metrics)
    return Result(metrics, {"cfg": cfg, "module": module, "trainer": trainer, "tokenizer": tok, "catalog": catalog,
                            "save_dir": save_dir})
