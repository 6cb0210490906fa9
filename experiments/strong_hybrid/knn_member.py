"""Would a k-nearest-neighbour member help the hybrid? Each run's fine-tuned encoder embeds the training rows
([CLS], as its text expert reads them); `prodcat.features.knn.KNNClassifier` votes among a row's k most similar
training rows (k 5, 10, 25; temperature 0.02, 0.05, 0.1), and the vote is mixed into the run's own mixture,
(1 - w) p_hybrid + w p_knn, with (w, k, T) chosen on validation leaf weighted F1 (w = 0 allowed: nothing is
forced in); test is scored once. Embeddings are cached beside each run (embeddings.npz).

    cd experiments/strong_hybrid; PYTHONPATH=../../src ../../.venv/bin/python knn_member.py \
        amazon_toys hybrid_llrd0.9 > knn_member.txt
"""
import sys

import numpy as np
import torch
from evidence import best_checkpoint, member_logits, metrics_of, run_labels
from run import OUT

from prodcat.features.knn import KNNClassifier
from prodcat.models.backbones import encode
from prodcat.serve import Predictor
from prodcat.serve.inputs import product_input, to_item
from prodcat.studies import run_folder

GRID = [(k, t) for k in (5, 10, 25) for t in (0.02, 0.05, 0.1)]
WEIGHTS = np.round(np.arange(0.0, 0.55, 0.05), 2)


def embeddings(folder, catalog, predictor) -> dict[str, np.ndarray]:
    """{split: (N, H)} pooled vectors of the run's best checkpoint's encoder (cached in embeddings.npz)."""
    cache = folder / "embeddings.npz"
    if not cache.is_file():
        module = predictor.backend.module
        out = {}
        for split in ("train", "val", "test"):
            items = [to_item(product_input(p)) for p in catalog.split(split)]
            parts = []
            for i in range(0, len(items), 256):
                f = {k: torch.from_numpy(v) for k, v in predictor.features(items[i:i + 256])[0].items()}
                with torch.inference_mode():
                    parts.append(encode(module.encoder, f["input_ids"], f["attention_mask"],
                                        module.hparams.backbone).numpy())
            out[split] = np.concatenate(parts)
        np.savez_compressed(cache, **out)
    return dict(np.load(cache))


def main(dataset: str, variant: str) -> None:
    for seed in (0, 1, 2):
        folder = run_folder(OUT, dataset, variant, seed)
        catalog, labels, y = run_labels(folder)
        predictor = Predictor.from_checkpoint(best_checkpoint(folder), batch_size=256)
        z = member_logits(folder)
        mix = {s: predictor.backend.module.mixture([torch.from_numpy(m) for m in z[s]]).exp().numpy()
               for s in ("val", "test")}
        e = embeddings(folder, catalog, predictor)
        votes = {}
        for k, t in GRID:
            knn = KNNClassifier(e["train"], y["train"], len(labels), k=k, temperature=t)
            votes[k, t] = {s: knn.scores(e[s]) for s in ("val", "test")}
        val = {(w, kt): metrics_of((1 - w) * mix["val"] + w * votes[kt]["val"], y["val"], labels.level_ids)
               ["f1_weighted"] for w in WEIGHTS for kt in GRID}
        w, kt = max(val, key=val.get)  # ties: the first, i.e. w = 0 before any kNN weight
        test = metrics_of((1 - w) * mix["test"] + w * votes[kt]["test"], y["test"], labels.level_ids)
        alone = max(GRID, key=lambda g: metrics_of(votes[g]["val"], y["val"], labels.level_ids)["f1_weighted"])
        mean_levels = {name: 100 * metrics_of(probs, y["test"], labels.level_ids)["f1_weighted_mean_levels"]
                       for name, probs in (("hybrid", mix["test"]), ("knn", votes[alone]["test"]))}
        print(f"{dataset} {variant} seed {seed}: hybrid val F1w {100 * val[0.0, GRID[0]]:.2f} test "
              f"{mean_levels['hybrid']:.2f} | + kNN (w {w}, k {kt[0]}, T {kt[1]}) val {100 * val[w, kt]:.2f} test "
              f"{100 * test['f1_weighted_mean_levels']:.2f} | kNN alone (k {alone[0]}, T {alone[1]}, best on val) "
              f"test {mean_levels['knn']:.2f}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
