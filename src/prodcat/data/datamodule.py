"""Batches of prepared arrays: token ids (padded per batch) or cached text features, graph vectors g(x),
lexical scores, labels.

Everything is tokenized and linked once before training (see `prodcat.prepare`); a batch is only
an index lookup plus dynamic padding to the longest title in it, so short titles stay cheap. With a
frozen encoder the split carries its pooled vectors instead of token ids (`text_features`, read from
the feature cache), and batches carry them under the same name: the encoder is then never run.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from prodcat.data.resumable import train_loader


@dataclass
class SplitArrays:
    labels: np.ndarray  # (N,) int64 class ids
    token_ids: list[list[int]] | None = None  # N ragged lists, truncated to max_length; None without text
    graph: np.ndarray | None = None  # (N, G) float32; None without graph features
    text_features: np.ndarray | None = None  # (N, H) float32 cached pooled vectors (freeze=frozen)
    lexical: np.ndarray | None = None  # (N, C) float32 lexical scores (train: out-of-fold), lexical=tfidf

    def __len__(self) -> int:
        return len(self.labels)


class Collate:
    def __init__(self, arrays: SplitArrays, pad_id: int):
        self.arrays, self.pad_id = arrays, pad_id

    def __call__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        a = self.arrays
        batch = {"label": torch.as_tensor(a.labels[indices], dtype=torch.long)}
        if a.graph is not None:
            batch["graph"] = torch.as_tensor(a.graph[indices], dtype=torch.float32)  # (B, G)
        if a.lexical is not None:
            batch["lexical_scores"] = torch.as_tensor(a.lexical[indices], dtype=torch.float32)  # (B, C)
        if a.text_features is not None:
            batch["text_features"] = torch.as_tensor(a.text_features[indices], dtype=torch.float32)  # (B, H)
        if a.token_ids is not None:
            seqs = [a.token_ids[i] for i in indices]
            width = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)  # (B, T)
            for row, s in enumerate(seqs):
                ids[row, : len(s)] = torch.as_tensor(s)
            batch["input_ids"] = ids
            batch["attention_mask"] = (ids != self.pad_id).long()
        return batch


class CatalogDataModule(L.LightningDataModule):
    def __init__(self, splits: dict[str, SplitArrays], pad_id: int, batch_size: int = 32,
                 eval_batch_size: int = 128, num_workers: int = 0, seed: int = 0, group_by_length: bool = False):
        super().__init__()
        self.splits, self.pad_id, self.seed, self.group_by_length = splits, pad_id, seed, group_by_length
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers

    def _loader(self, split: str, shuffle: bool, batch_size: int) -> DataLoader:
        arrays = self.splits[split]
        return DataLoader(range(len(arrays)), batch_size=batch_size, shuffle=shuffle,
                          collate_fn=Collate(arrays, self.pad_id), num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        if self.trainer is not None and self.trainer.world_size > 1:
            # DDP: Lightning gives each process a DistributedSampler (seeded, reshuffled per epoch); a
            # mid-epoch resume then restarts that epoch's data order (Lightning warns).
            return self._loader("train", True, self.batch_size)
        arrays = self.splits["train"]  # one process: seeded order per epoch, resumable mid-epoch
        lengths = [len(s) for s in arrays.token_ids] if self.group_by_length and arrays.token_ids else None
        return train_loader(range(len(arrays)), batch_size=self.batch_size, seed=self.seed, lengths=lengths,
                            collate_fn=Collate(arrays, self.pad_id), num_workers=self.num_workers,
                            persistent_workers=self.num_workers > 0)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", False, self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", False, self.eval_batch_size)
