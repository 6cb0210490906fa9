"""Where a result came from, recorded in every metrics.json (`provenance`) and study record: the code (git
commit and whether the tree had uncommitted changes), the packages, the machine and the exact command."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("torch", "lightning", "transformers", "scikit-learn", "numpy", "gensim", "rdflib", "faiss-cpu",
            "onnxruntime", "hydra-core")


def _git(*args: str) -> str | None:
    root = os.environ.get("PROJECT_ROOT") or str(Path(__file__).resolve().parents[2])
    try:
        out = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@cache
def code_and_machine() -> dict:
    """The parts that do not change within a process (computed once)."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {"git_commit": _git("rev-parse", "HEAD"), "git_dirty": None if status is None else bool(status),
            "python": platform.python_version(), "packages": packages,
            "machine": {"platform": platform.platform(), "processor": platform.machine(),
                        "cpus": os.cpu_count()}}


def command() -> str:
    """The command line: `python train.py <the Hydra overrides>` under Hydra, else this process's argv."""
    try:
        from hydra.core.hydra_config import HydraConfig

        overrides = list(HydraConfig.get().overrides.task)
        return " ".join(["python train.py", *overrides])
    except ValueError:  # not inside a Hydra app (a test or a notebook calling train(cfg))
        return " ".join([Path(sys.executable).name, *sys.argv])


def provenance() -> dict:
    return {**code_and_machine(), "command": command()}
