"""Faults during training: a run killed with SIGKILL in the middle of an epoch resumes from its last step
checkpoint and ends where an uninterrupted run of the same seed ends; two runs of one config give
identical metrics; nothing waits on or reaches the network."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import open_dict

from prodcat.train import train

from .conftest import FAST, ROOT, compose

# 600 rows at batch 8: 75 steps per epoch, a step checkpoint every 10 steps, 2 epochs.
RESUMABLE = ["+experiment=hybrid", *FAST, "batch_size=8", "trainer.max_epochs=2",
             "callbacks.last_checkpoint.every_n_train_steps=10", "callbacks.progress_bar=null"]
STEPS_PER_EPOCH = 75


def _run(tmp_path: Path, name: str, extra: list[str] = ()) -> dict:
    cfg = compose([*RESUMABLE, *extra], tmp_path)
    with open_dict(cfg):
        cfg.paths.output_dir = str(tmp_path / name)
    metrics, _ = train(cfg)
    return metrics


def _start_and_kill_mid_epoch(run_dir: Path, cache_dir: Path) -> dict:
    """`python train.py ...` in a child process, SIGKILLed as soon as its first step checkpoint exists."""
    cmd = [sys.executable, str(ROOT / "train.py"), *RESUMABLE, f"hydra.run.dir={run_dir}",
           f"paths.cache_dir={cache_dir}"]
    last = run_dir / "checkpoints" / "last.ckpt"
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not last.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        assert last.exists(), f"no step checkpoint appeared (exit code {proc.poll()}): {proc.stderr.read()[-2000:]}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not (run_dir / "metrics.json").exists()  # it really died before finishing
    return torch.load(last, map_location="cpu", weights_only=True)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    return tmp, _run(tmp, "uninterrupted")


@pytest.mark.slow
def test_killed_mid_epoch_resumes_to_the_same_metrics(uninterrupted):
    tmp, reference = uninterrupted
    run_dir = tmp / "killed"
    ckpt = _start_and_kill_mid_epoch(run_dir, tmp.parent / "shared_cache")
    steps = ckpt["global_step"]
    assert ckpt["epoch"] == 0 and 0 < steps < STEPS_PER_EPOCH, (ckpt["epoch"], steps)  # in the middle of epoch 0
    assert ckpt["loops"]["fit_loop"]["state_dict"]["combined_loader"][0]["batches"] == steps  # the data position

    resumed = _run(tmp, "killed", ["resume=true"])
    assert resumed["resumed_from"] == str(run_dir / "checkpoints" / "last.ckpt")
    assert resumed["timings"]["epochs"] == reference["timings"]["epochs"] == 2
    # The data order and the dropout RNG continue exactly, so every score matches (1e-6: float printing).
    assert resumed["test"].keys() == reference["test"].keys()
    for key, value in reference["test"].items():
        assert resumed["test"][key] == pytest.approx(value, abs=1e-6), key


@pytest.mark.slow
def test_same_seed_same_metrics(uninterrupted):
    tmp, reference = uninterrupted
    again = _run(tmp, "again")
    assert again["test"] == reference["test"] and again["val"] == reference["val"]


def test_resume_without_a_checkpoint_starts_fresh_and_a_missing_ckpt_path_fails(tmp_path, caplog):
    cfg = compose([*RESUMABLE, "ckpt_path=/nonexistent/last.ckpt"], tmp_path)
    with pytest.raises(FileNotFoundError, match="ckpt_path=/nonexistent/last.ckpt"):
        train(cfg)
    from prodcat.resume import resolve_ckpt_path

    cfg = compose([*RESUMABLE, "resume=true"], tmp_path)
    assert resolve_ckpt_path(cfg, tmp_path / "empty_run") is None
    assert "starting from scratch" in caplog.text


def test_no_network_wandb_offline_and_hub_offline(tmp_path, monkeypatch):
    """A real socket guard: any connect to a non-local address fails the test, whatever library tries it."""
    import socket

    attempts = []
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError(f"network access attempted: {address}")
        return real_connect(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in ("127.0.0.1", "::1", "localhost", None):
            attempts.append(("dns", host))
            raise OSError(f"DNS lookup attempted: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    with pytest.raises(OSError, match="network access attempted"):  # the guard is live
        socket.socket().connect(("192.0.2.1", 443))
    attempts.clear()
    monkeypatch.delenv("WANDB_MODE", raising=False)  # offline must be prodcat's default, not the test env's
    assert os.environ["HF_HUB_OFFLINE"] == "1"

    overrides = [o for o in FAST if not o.startswith("logger=")]
    cfg = compose(["+experiment=hybrid", "+debug=fdr", "logger=wandb", *overrides], tmp_path)
    t = time.perf_counter()
    train(cfg)
    assert time.perf_counter() - t < 60  # W&B never waits on a network timeout
    assert list((Path(cfg.paths.output_dir) / "wandb").glob("offline-run-*"))

    # A hub id with no local copy: a clear error naming the key, and not a single connection attempt.
    from prodcat.models.backbones import load_tokenizer

    with pytest.raises(RuntimeError, match="backbone.name_or_path"):
        load_tokenizer({"name": "bert_base", "hub_id": "bert-base-uncased"}, [], tmp_path, "k")
    assert attempts == []


def test_resumable_loader_skips_what_was_trained_on_and_checks_the_state():
    from prodcat.data.resumable import train_loader

    full = [b.tolist() for b in train_loader(range(10), batch_size=3, seed=0)]
    assert sorted(sum(full, [])) == list(range(10))
    loader = train_loader(range(10), batch_size=3, seed=0)
    batches = iter(loader)
    next(batches), next(batches)
    state = loader.state_dict()
    assert state == {"epoch": 0, "batches": 2, "seed": 0, "rows": 10, "batch_size": 3, "length_grouped": False}
    resumed = train_loader(range(10), batch_size=3, seed=0)
    resumed.load_state_dict(state)
    assert [b.tolist() for b in resumed] == full[2:]
    assert [b.tolist() for b in resumed] == full  # the next iteration is a whole epoch again
    resumed.sampler.set_epoch(1)
    assert [b.tolist() for b in resumed] != full  # another epoch, another order
    with pytest.raises(ValueError, match="batch_size"):
        train_loader(range(10), batch_size=4, seed=0).load_state_dict(state)


def test_length_grouped_batches_cover_every_row_once_pad_less_and_resume():
    from prodcat.data.resumable import train_loader

    lengths = np.random.default_rng(1).integers(3, 40, size=1003)
    plain = [b.numpy() for b in train_loader(range(1003), batch_size=8, seed=0)]
    grouped = [b.numpy() for b in train_loader(range(1003), batch_size=8, seed=0, lengths=lengths)]
    assert sorted(np.concatenate(grouped).tolist()) == list(range(1003))
    assert [len(b) for b in grouped] == [8] * 125 + [3]  # whole batches, the short one last
    padded = lambda batches: sum(lengths[b].max() * len(b) for b in batches)  # noqa: E731
    assert padded(grouped) < 0.7 * padded(plain)
    # batches are not sorted across the epoch: long and short ones alternate
    maxima = [lengths[b].max() for b in grouped[:-1]]
    assert maxima != sorted(maxima) and maxima != sorted(maxima, reverse=True)

    loader = train_loader(range(1003), batch_size=8, seed=0, lengths=lengths)
    batches = iter(loader)
    for _ in range(5):
        next(batches)
    resumed = train_loader(range(1003), batch_size=8, seed=0, lengths=lengths)
    resumed.load_state_dict(loader.state_dict())
    assert [b.tolist() for b in resumed] == [b.tolist() for b in grouped[5:]]
    with pytest.raises(ValueError, match="length_grouped"):  # a plain run cannot take a grouped one's position
        train_loader(range(1003), batch_size=8, seed=0).load_state_dict(loader.state_dict())
    with pytest.raises(ValueError, match="one length per row"):
        train_loader(range(10), batch_size=8, seed=0, lengths=[1, 2])


def test_a_resumed_run_logs_to_the_same_wandb_run_and_online_is_one_switch(tmp_path, monkeypatch):
    from prodcat.tasks.context import build_context

    cfg = compose(["+experiment=hybrid", "logger=wandb", *[o for o in FAST if not o.startswith("logger=")]],
                  tmp_path)
    first = build_context(cfg).loggers()[0]
    again = build_context(cfg).loggers()[0]  # the same run folder, as resume=true uses it
    assert first._wandb_init["id"] == again._wandb_init["id"] == (tmp_path / "run" / "wandb_run_id").read_text()
    assert first._wandb_init["resume"] == "allow"
    assert "offline" not in cfg.logger.wandb  # so WANDB_MODE=online is not overridden by the config
    assert "distill:none" in cfg.logger.wandb.tags
    soft = compose(["+experiment=distill", "distill.teacher=x.ckpt", "logger=wandb"], tmp_path)
    assert "distill:soft" in soft.logger.wandb.tags
