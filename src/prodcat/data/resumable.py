"""A training DataLoader that a killed run can resume in the middle of an epoch, in the same order.

The order of epoch e is a permutation of the rows drawn from `(seed, e)` alone, not from the global RNG,
so a resumed process reproduces it. `state_dict()` is the epoch and how many of its batches were handed
out (the loader follows Lightning's `_Stateful` protocol, and `prodcat.resume.ResumeState` saves and
restores it with every checkpoint); after `load_state_dict()` the next iteration skips the batches already
trained on. (Lightning knows this loader's length, so it does not prefetch: handed out = started.)
Its own `generator` keeps the DataLoader from drawing its base seed from the global RNG, which the
resumed run restores to the killed run's state.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler


class SeededEpochSampler(Sampler[int]):
    """Row indices in the order `np.random.default_rng([seed, epoch]).permutation(n)`; Lightning calls
    `set_epoch` at the start of every epoch (as for a DistributedSampler)."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed, self.epoch = n, int(seed), 0
        self.skip = 0  # rows to leave out at the start of the next iteration (a resumed epoch)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        # A generator: the order is drawn at the first batch, after Lightning has set the epoch.
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        skip, self.skip = self.skip, 0
        yield from order[skip:].tolist()


class ResumableLoader(DataLoader):
    """`DataLoader(dataset, batch_size=..., sampler=SeededEpochSampler(...), ...)` whose position in the
    epoch is saved in checkpoints. With another sampler (Lightning swaps in a sequential one for
    `overfit_batches`) it has no state and behaves as a plain DataLoader."""

    def __iter__(self) -> Iterator:
        self._handed_out = getattr(self, "_resume_at", 0)
        self._resume_at = 0
        for batch in super().__iter__():
            self._handed_out += 1
            yield batch

    def state_dict(self) -> dict:
        if not isinstance(self.sampler, SeededEpochSampler):
            return {}
        return {"epoch": self.sampler.epoch, "batches": getattr(self, "_handed_out", 0),
                "seed": self.sampler.seed, "rows": self.sampler.n, "batch_size": self.batch_size}

    def load_state_dict(self, state: dict) -> None:
        if not state or not isinstance(self.sampler, SeededEpochSampler):
            return
        mine = {"seed": self.sampler.seed, "rows": self.sampler.n, "batch_size": self.batch_size}
        theirs = {k: state.get(k) for k in mine}
        if theirs != mine:  # another split, seed or batch size: the saved position means nothing here
            raise ValueError(f"cannot resume the training data at the checkpoint's position: the checkpoint "
                             f"was saved with {theirs}, this run has {mine}")
        batches = int(state["batches"])
        if batches >= len(self):  # saved after the last batch: the next epoch starts from its beginning
            return
        self.sampler.set_epoch(state["epoch"])
        self.sampler.skip = batches * self.batch_size
        self._resume_at = batches


def train_loader(dataset, *, batch_size: int, seed: int, **kwargs) -> ResumableLoader:
    """The resumable, seeded training loader over `dataset` (row indices)."""
    generator = torch.Generator().manual_seed(int(seed))
    return ResumableLoader(dataset, batch_size=batch_size, sampler=SeededEpochSampler(len(dataset), seed),
                           generator=generator, **kwargs)
