"""The teacher: a trained prodcat checkpoint, frozen in eval mode, and its logits on the training set.

The logits are computed once per (teacher checkpoint, data) and cached under
`data/cache/teacher_logits/<key>/logits.npy` with `prodcat.cache.load_or_build` (atomic, checksummed). The
key hashes the checkpoint file's sha256 and the catalog fingerprint, not T or alpha: a sweep over the soft
loss's settings reads the same cache and never runs the teacher. (distill=tinybert also needs the teacher's
hidden states and attention maps: for MWPD that is gigabytes per epoch, so that mode runs the frozen teacher
live, forward only, beside the student.)
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from prodcat.cache import load_or_build
from prodcat.data.datamodule import Collate, SplitArrays
from prodcat.data.labels import LabelSpace

log = logging.getLogger(__name__)


def load_teacher(path: str | Path):
    """The teacher `ProductClassifier`: eval mode (no dropout) and no gradients, for the whole run."""
    from prodcat.serve.backends import load_module

    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"distill.teacher={path}: no such checkpoint file (train the teacher first: "
                                "python train.py +experiment=hybrid ..., then point at its checkpoints/best.ckpt)")
    teacher = load_module(file)
    teacher.requires_grad_(False)
    return teacher


def check_label_space(teacher, labels: LabelSpace, source: str) -> None:
    """The student learns the teacher's classes, index for index: the data's label space must be the same."""
    if tuple(teacher.label_space.leaves) == tuple(labels.leaves):
        return
    data, taught = set(labels.leaves), set(teacher.label_space.leaves)
    unknown, unused = sorted(data - taught), sorted(taught - data)
    raise ValueError(
        f"distill.teacher={source}: the teacher's label space ({len(taught)} classes) differs from the training "
        f"split's ({len(data)} classes): {len(unknown)} data classes the teacher never learned "
        f"(e.g. {unknown[:3]}), {len(unused)} teacher classes absent from the data (e.g. {unused[:3]}). "
        "Distil on the data the teacher was trained on.")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@torch.inference_mode()
def run_teacher(teacher, token_ids: list[list[int]] | None, graph: np.ndarray | None, pad_id: int,
                batch_size: int = 256) -> np.ndarray:
    """(N, C) float32 logits of the teacher on prepared rows (its own token ids, the graph vectors)."""
    n = len(token_ids) if token_ids is not None else len(graph)
    arrays = SplitArrays(labels=np.zeros(n, dtype=np.int64), token_ids=token_ids, graph=graph)
    order = np.argsort([len(t) for t in token_ids], kind="stable") if token_ids is not None else np.arange(n)
    out = np.zeros((n, len(teacher.label_space)), dtype=np.float32)
    device = next(teacher.parameters()).device
    for rows in DataLoader(order.tolist(), batch_size=batch_size, collate_fn=lambda idx: idx):
        batch = {k: v.to(device) for k, v in Collate(arrays, pad_id)(rows).items()}  # length-sorted: little padding
        out[rows] = teacher(batch).float().cpu().numpy()  # (B, C)
    return out


def teacher_logits(teacher, checkpoint: str | Path, data_key: str, token_ids, graph, pad_id: int,
                   cache_dir: str | Path, batch_size: int = 256) -> tuple[np.ndarray, dict]:
    """The teacher's logits on the training rows, from the cache or computed (and cached) now."""
    n = len(token_ids) if token_ids is not None else len(graph)
    inputs = {"teacher_sha256": file_sha256(checkpoint), "data": data_key, "split": "train", "rows": n,
              "classes": len(teacher.label_space), "format": 1}
    built = {"built": False}

    def build(tmp: Path) -> None:
        log.info("teacher logits: running the teacher over %d training rows (once per teacher and data)", n)
        np.save(tmp / "logits.npy", run_teacher(teacher, token_ids, graph, pad_id, batch_size))
        built["built"] = True

    folder = load_or_build(cache_dir, "teacher_logits", inputs, build)
    logits = np.load(folder / "logits.npy")
    if logits.shape != (n, len(teacher.label_space)):
        raise ValueError(f"{folder}/logits.npy: shape {logits.shape}, expected {(n, len(teacher.label_space))}")
    return logits, {"cache": "built" if built["built"] else "hit", "folder": str(folder),
                    "key": folder.name, "teacher_sha256": inputs["teacher_sha256"]}
