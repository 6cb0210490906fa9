"""task=distill: train a student under a frozen teacher checkpoint (`python train.py +experiment=distill
distill.teacher=<ckpt>`; the losses, teacher and student helpers are in `prodcat.distill`).

The teacher fixes what the student reads and predicts, so both see the same inputs:
- labels: the teacher's label space, which must be the training split's (else an error naming both);
- graph features g(x): the teacher's own graph linker (its checkpoint assets): the same vectors, no RDF2Vec run;
- text: a copy of the teacher (`distill.student_layers=k`) and an `architecture` student (backbone=tiny) read
  the teacher's tokenizer and max_length (so token-level losses line up, position for position); a pretrained
  student backbone (tinybert, minilm_l6...) keeps its own tokenizer, and distill=tinybert then requires it to
  tokenize exactly as the teacher's does.
- A copy also starts from the teacher's head (same head config, same input width); other students use `head`.
The run writes the same metrics.json as plain training, plus a `distill` section (teacher, cache, layers).
"""

from __future__ import annotations

import logging
import time

import numpy as np
from omegaconf import DictConfig

from prodcat.data.catalog import SPLITS, Catalog
from prodcat.data.datamodule import SplitArrays
from prodcat.data.labels import LabelSpace, encode_labels
from prodcat.distill import MODES
from prodcat.distill.losses import uniform_layer_map
from prodcat.distill.module import DistillClassifier, DistillDataModule
from prodcat.distill.student import copy_backbone
from prodcat.distill.teacher import check_label_space, load_teacher, teacher_logits
from prodcat.eval.run_record import run_record, scored_every_row, slice_accuracy
from prodcat.features.store import tokenizer_sha256
from prodcat.models.backbones import load_tokenizer, resolve_max_length, resolve_pretrained
from prodcat.models.heads import head_class
from prodcat.prepare import split_graph_features
from prodcat.serve.assets import ServingAssets
from prodcat.tasks.context import Result, RunContext, freeze_choices, plain, tokenizer_files

log = logging.getLogger(__name__)


def _check_config(cfg: DictConfig, d: dict, freeze: dict) -> None:
    if d.get("mode") not in MODES:
        raise ValueError(f"distill.mode={d.get('mode')!r}: expected one of {MODES}")
    if not d.get("teacher"):
        raise ValueError(f"distill={d['mode']} needs a teacher: distill.teacher=<path to a trained prodcat .ckpt>")
    if freeze.get("strategy") == "frozen":
        raise ValueError("freeze=frozen with distillation: the student's encoder must train (freeze=full or partial)")
    if cfg.resume or cfg.ckpt_path:
        raise ValueError("resume=true / ckpt_path= with distillation is not implemented: rerun the student (the "
                         "teacher's logits are cached, so only the student's epochs are repeated)")
    devices = cfg.trainer.get("devices", 1)
    if devices not in (1, "1", [0]) or int(cfg.trainer.get("num_nodes", 1)) > 1:
        raise ValueError(f"trainer.devices={devices}: distillation trains on one device (multi-process training "
                         "is not implemented for it)")
    if cfg.hierarchy.enabled:
        raise ValueError("hierarchy.enabled=true with distillation is not implemented: the soft loss reads leaf "
                         "logits only")


def _student(cfg: DictConfig, d: dict, teacher, t_assets: ServingAssets, catalog: Catalog) -> dict:
    """The student's backbone config, tokenizer (+ its files), max length, initial weights and head config."""
    if d.get("student_layers"):
        backbone, state, ids = copy_backbone(teacher, int(d["student_layers"]), d.get("student_layer_ids"))
        return {"backbone": backbone, "tokenizer": t_assets.tokenizer(), "tokenizer_files": t_assets.tokenizer_files,
                "max_length": t_assets.max_length, "state": state, "layers": ids,
                "head": dict(teacher.hparams.head), "head_state": teacher.head.state_dict()}
    backbone = plain(cfg.backbone)
    out = {"backbone": backbone, "state": None, "layers": None, "head": plain(cfg.head), "head_state": None}
    if resolve_pretrained(backbone) is None:  # built from `architecture`: read the teacher's tokens
        if not t_assets.uses_text:
            raise ValueError(f"backbone={backbone['name']} student of a teacher that reads no text: it has no "
                             "tokenizer to share; use a pretrained student backbone")
        out.update(tokenizer=t_assets.tokenizer(), tokenizer_files=t_assets.tokenizer_files,
                   max_length=t_assets.max_length)
    else:
        texts = [p.text for p in catalog.train]
        tok = load_tokenizer(backbone, texts, cfg.paths.cache_dir, catalog.fingerprint())
        out.update(tokenizer=tok, tokenizer_files=None, max_length=resolve_max_length(backbone, tok, texts))
    out["backbone"] = {**backbone, "max_length": out["max_length"]}
    return out


def _check_tinybert(student: dict, t_assets: ServingAssets) -> None:
    if not t_assets.uses_text or not head_class(student["head"]["name"]).uses_text:
        raise ValueError("distill=tinybert: teacher and student must both read text")
    same = tokenizer_sha256(student["tokenizer"]) == tokenizer_sha256(t_assets.tokenizer())
    if not same or student["max_length"] != t_assets.max_length:
        raise ValueError(f"distill=tinybert matches the student's hidden states and attention maps to the teacher's "
                         f"token by token: backbone={student['backbone']['name']} must tokenize as the teacher does "
                         f"(same tokenizer: {same}; max_length {student['max_length']} vs {t_assets.max_length})")


def run(ctx: RunContext) -> Result:
    cfg, catalog, out_dir = ctx.cfg, ctx.catalog, ctx.out_dir
    d, freeze = plain(cfg.distill), plain(cfg.freeze)
    _check_config(cfg, d, freeze)
    timings: dict[str, float] = {"load_s": ctx.load_s}
    t = time.perf_counter()
    teacher = load_teacher(d["teacher"])
    labels = LabelSpace.from_products(catalog.train)
    check_label_space(teacher, labels, d["teacher"])
    y = encode_labels(catalog, labels, cfg.data.skip_invalid)
    if teacher.lexical is not None:
        raise ValueError(f"distillation from a teacher with the lexical view (lexical=tfidf) is not implemented: "
                         f"{d['teacher']}; distil from a teacher trained with lexical=none")
    t_assets = ServingAssets.from_module(teacher)
    student = _student(cfg, d, teacher, t_assets, catalog)
    head_cls = head_class(student["head"]["name"])
    if d["mode"] == "tinybert":
        _check_tinybert(student, t_assets)
    splits = {s: SplitArrays(labels=np.asarray(y[s], dtype=np.int64)) for s in SPLITS}
    linker = t_assets.graph_linker() if head_cls.uses_graph else None
    if head_cls.uses_graph and linker is None:
        raise ValueError(f"head={student['head']['name']} reads graph features but the teacher has no graph "
                         "linker: use a text-only student head (head=linear) or a hybrid teacher")
    tok = student["tokenizer"]
    for s in SPLITS:
        rows = catalog.split(s)
        if linker is not None:  # the teacher's vectors, training rows held out as in plain training
            splits[s].graph = split_graph_features(linker, catalog, s, plain(cfg.graph), cfg.seed)  # (N, G)
        if head_cls.uses_text:
            splits[s].token_ids = tok([p.text for p in rows], truncation=True,
                                      max_length=student["max_length"])["input_ids"]
    timings["prepare_s"] = time.perf_counter() - t

    logits, cache = None, {}
    if d["mode"] == "soft":
        t = time.perf_counter()
        t_tok = t_assets.tokenizer() if t_assets.uses_text else None
        t_ids = (t_tok([p.text for p in catalog.train], truncation=True, max_length=t_assets.max_length)
                 ["input_ids"] if t_tok is not None else None)
        logits, cache = teacher_logits(teacher, d["teacher"], catalog.fingerprint(), t_ids, splits["train"].graph,
                                       t_tok.pad_token_id if t_tok is not None else 0, cfg.paths.cache_dir,
                                       int(d["teacher_batch_size"]))
        timings["teacher_logits_s"] = time.perf_counter() - t

    assets = {}  # what the student serves with: the teacher's linker, its own tokenizer
    if linker is not None:
        assets["linker"] = t_assets.linker
    if tok is not None:
        assets["tokenizer_files"] = student["tokenizer_files"] or tokenizer_files(tok, out_dir)
    model = DistillClassifier(labels=labels.to_dict(), backbone=student["backbone"], head=student["head"],
                              optim=plain(cfg.optim), graph_dim=linker.dim if linker is not None else 0,
                              vocab_size=len(tok) if tok is not None else 0, seed=cfg.seed, freeze=freeze,
                              assets=assets)
    if student["state"] is not None:  # the copy: the teacher's embeddings, kept layers and head
        model.encoder.load_state_dict(student["state"], strict=True)
        model.head.load_state_dict(student["head_state"], strict=True)
    layer_map = None
    if d["mode"] == "tinybert":
        layer_map = student["layers"] or uniform_layer_map(model.encoder.config.num_hidden_layers,
                                                           teacher.encoder.config.num_hidden_layers)
    model.setup_distillation(d, teacher, layer_map)
    datamodule = DistillDataModule(splits, tok.pad_token_id if tok is not None else 0, cfg.batch_size,
                                   cfg.eval_batch_size, cfg.num_workers, seed=cfg.seed,
                                   group_by_length=cfg.group_by_length, teacher_logits=logits)

    loggers = ctx.loggers()
    trainer = ctx.trainer(loggers)
    proj = sum(p.numel() for n, p in model.named_parameters() if n.startswith("distill_proj."))
    params = {"total": sum(p.numel() for p in model.parameters()) - proj,  # the student as served
              "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad) - proj,
              "distill_projections": proj, "teacher": sum(p.numel() for p in teacher.parameters())}
    for lg in loggers:
        lg.log_hyperparams({**plain(cfg), "params": params, "data_info": catalog.info})

    t = time.perf_counter()
    trainer.fit(model, datamodule=datamodule)
    fit_s = time.perf_counter() - t
    ckpt = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
    val = trainer.validate(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
    test, slices = {}, {}
    if cfg.test:
        test = trainer.test(model, datamodule=datamodule, ckpt_path=ckpt, verbose=False)[0]
        if scored_every_row("test", model.test_predictions, splits["test"].labels):
            slices = {"test": slice_accuracy(catalog, "test", model.test_predictions, splits["test"].labels)}
    timings.update(fit_s=fit_s, seconds_per_epoch=fit_s / max(1, trainer.current_epoch),
                   epochs=trainer.current_epoch, total_s=ctx.elapsed())
    metrics = run_record(cfg, catalog, labels, val=val, test=test, timings=timings, params=params,
                         best_checkpoint=ckpt, slices=slices,
                         choices={**freeze_choices(cfg, freeze), "backbone": student["backbone"]["name"],
                                  "head": student["head"]["name"], "distill": d["mode"]})
    metrics["distill"] = {"mode": d["mode"], "teacher": str(d["teacher"]), "teacher_backbone":
                          teacher.hparams.backbone["name"], "copied_layers": student["layers"],
                          "layer_map": layer_map, "teacher_logits": cache,
                          **{k: d[k] for k in ("temperature", "alpha", "hidden_weight", "attention_weight")
                             if k in d and d["mode"] != "none"}}
    ctx.write_metrics(metrics)
    return Result(metrics, {"cfg": cfg, "model": model, "teacher": teacher, "datamodule": datamodule,
                            "trainer": trainer, "catalog": catalog, "student": student})
