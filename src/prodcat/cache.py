"""Prepared artifacts under `<root>/<kind>/<key>/`, keyed by a hash of every input that changes them.

A build writes into a private temporary folder, records `meta.json` (the inputs and a sha256 of every
file), and renames the folder into place in one step. Two processes building the same key at once both
finish; the first rename wins and the other discards its copy, so readers never see a half-written
artifact. A load re-checks the inputs and checksums; a mismatch or a missing/corrupted file is logged
and the artifact is rebuilt.

A file lock per key (`<root>/.locks/<kind>-<key>.lock`, filelock; released by the OS when a process dies) makes
a second process wait for the first one's build and then read it: sweep jobs, or the ranks of a
multi-process run started together (torchrun, SLURM), build each artifact once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

log = logging.getLogger(__name__)

META = "meta.json"


def cache_key(inputs: dict) -> str:
    """A short stable hash of a JSON-serialisable dict of inputs."""
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _problem(folder: Path, inputs: dict) -> str | None:
    """Why the artifact in `folder` cannot be used, or None when it is sound."""
    try:
        meta = json.loads((folder / META).read_text())
    except (OSError, ValueError) as e:
        return f"unreadable {META}: {e}"
    if meta.get("inputs") != json.loads(json.dumps(inputs, default=str)):
        return "inputs differ from the ones recorded"
    for name, digest in meta.get("files", {}).items():
        file = folder / name
        if not file.is_file():
            return f"missing file {name}"
        if _sha256(file) != digest:
            return f"checksum mismatch for {name}"
    return None


@contextlib.contextmanager
def locked(path: Path, enabled: bool = True):
    """Hold an exclusive lock on `path` (filelock: an OS lock, released if the process dies; any platform)."""
    if not enabled:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
        yield


def load_or_build(root: str | Path, kind: str, inputs: dict, build: Callable[[Path], None], *,
                  lock: bool = True) -> Path:
    """Return the folder of a sound artifact for `inputs`, building it with `build(tmp_folder)` if needed.
    `lock=False`: no waiting; concurrent builders both build and the first rename wins."""
    key = cache_key(inputs)
    with locked(Path(root) / ".locks" / f"{kind}-{key}.lock", enabled=lock):
        return _load_or_build(Path(root) / kind / key, kind, inputs, build)


def _load_or_build(final: Path, kind: str, inputs: dict, build: Callable[[Path], None]) -> Path:
    if final.exists():
        problem = _problem(final, inputs)
        if problem is None:
            log.info("cache hit: %s", final)
            return final
        log.warning("cache at %s is unusable (%s): rebuilding", final, problem)
        trash = final.with_name(f".trash-{final.name}-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(final, trash)
            shutil.rmtree(trash, ignore_errors=True)
        except FileNotFoundError:  # another process removed it first
            pass

    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True)
    try:
        build(tmp)
        files = {p.name: _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        meta = {"kind": kind, "inputs": inputs, "files": files}
        (tmp / META).write_text(json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False, default=str))
        try:
            os.rename(tmp, final)
            log.info("cache built: %s", final)
        except OSError:
            # Another process renamed its copy into place first; use that one if it is sound.
            shutil.rmtree(tmp, ignore_errors=True)
            if _problem(final, inputs) is not None:
                raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
