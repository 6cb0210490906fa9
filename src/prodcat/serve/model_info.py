"""What a served model is and where it came from: the facts `GET /metadata` reports.

A checkpoint does not hold the git commit of its training run; the run's `metrics.json` beside it does
(`<run>/checkpoints/best.ckpt` -> `<run>/metrics.json`, key `provenance`). `export.py` copies that record and
the backbone name into the ONNX file's metadata (key `prodcat_provenance`), so an exported file carries
its provenance alone. A model with neither says so (`training_run: null` and a note) instead of guessing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

PROVENANCE_KEY = "prodcat_provenance"
RUN_FIELDS = ("git_commit", "git_dirty", "command")


def file_sha256(path: str | Path, chunk: int = 1 << 22) -> str:
    """sha256 of a file; of a model folder, over its files' relative names and contents in sorted order."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    for file in files:
        if path.is_dir():
            h.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
    return h.hexdigest()


def training_run(checkpoint: str | Path) -> dict | None:
    """The training run's provenance from `<run>/metrics.json`, or None when there is none to read."""
    metrics = Path(checkpoint).resolve().parent.parent / "metrics.json"
    if not metrics.is_file():
        return None
    try:
        prov = json.loads(metrics.read_text(encoding="utf-8")).get("provenance") or {}
    except (json.JSONDecodeError, OSError, AttributeError):
        return None
    if not prov.get("git_commit"):
        return None
    return {**{k: prov.get(k) for k in RUN_FIELDS}, "source": str(metrics)}


def backbone_name(module) -> str | None:
    return (module.hparams.get("backbone") or {}).get("name") if module.head.uses_text else None


def checkpoint_provenance(module, checkpoint: str | Path) -> dict:
    """What `export.py` writes into the ONNX metadata: the backbone, the checkpoint, its training run."""
    return {"backbone": backbone_name(module), "checkpoint": str(checkpoint),
            "checkpoint_sha256": file_sha256(checkpoint), "training_run": training_run(checkpoint)}


def onnx_provenance(session) -> dict | None:
    raw = session.get_modelmeta().custom_metadata_map.get(PROVENANCE_KEY)
    return json.loads(raw) if raw else None


def describe(model_path: str | Path, predictor) -> dict:
    """`/metadata` minus the serving settings: label space, backbone, version, training run."""
    path = Path(model_path)
    sha = file_sha256(path)
    session = getattr(predictor.backend, "session", None)
    if session is not None:  # ONNX: what export.py recorded, if it did
        prov = onnx_provenance(session) or {}
        backbone = prov.get("backbone")
        run = prov.get("training_run")
        note = None if run else ("this ONNX file carries no training provenance (exported before export.py "
                                 "recorded it, or from a run without metrics.json): git commit unknown")
    else:  # a checkpoint: its run folder's metrics.json
        backbone = backbone_name(predictor.backend.module)
        run = training_run(path)
        note = None if run else f"no provenance in {path.resolve().parent.parent / 'metrics.json'}: git commit unknown"
    a = predictor.assets
    return {
        "labels": len(a.leaves),
        "backbone": backbone,
        "views": {"text": a.uses_text, "graph": a.uses_graph, "lexical": bool(a.lexical)},
        "max_length": a.max_length,
        "model": {"path": str(path), "runtime": "onnx" if session is not None else "torch",
                  "sha256": sha,
                  "bytes": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir()
                  else path.stat().st_size},
        "model_version": sha[:12],
        "training_run": run,
        **({"training_run_note": note} if note else {}),
    }
