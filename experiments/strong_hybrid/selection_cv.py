"""Should the mixture's weights be chosen by validation F1 (today) or by validation log-loss (smoother, less
prone to fit the noise of one split)? Judged on validation alone: the hybrid's own members of each seed, the
grid of `prodcat.models.mixture` fit on one random half of the validation rows and scored (leaf weighted F1)
on the other half, both ways round, 10 random halvings. Test is not read. Prints mean ± standard error.

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/selection_cv.py amazon_toys > selection_cv_amazon_toys.txt
"""
import sys

import numpy as np
import torch
from evidence import member_logits, run_labels
from run import OUT
from sklearn.metrics import f1_score

from prodcat.models.mixture import SHARPNESS, mix, simplex_grid
from prodcat.studies import run_folder

HALVINGS = 10


def candidates(members: list[np.ndarray], y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(predictions, per-row log-loss) of every (w, s) of the mixture's grid, in the grid's order."""
    out = []
    for s in SHARPNESS:
        z = [torch.from_numpy(m) for m in members]
        sharpened = [*z[:-1], s * z[-1]]  # the lexical member last, as in Mixture
        for w in simplex_grid(len(members)):
            mixed = mix(sharpened, torch.tensor(w))
            out.append((mixed.argmax(-1).numpy(), -mixed[torch.arange(len(y)), torch.from_numpy(y)].numpy()))
    return out


def main(ds: str) -> None:
    _, _, y = run_labels(run_folder(OUT, ds, "hybrid", 0))
    yv = y["val"]
    for seed in (0, 1, 2):
        cands = candidates(member_logits(run_folder(OUT, ds, "hybrid", seed))["val"], yv)
        scores = {"f1": [], "log_loss": []}
        rng = np.random.default_rng(0)
        for _ in range(HALVINGS):
            perm = rng.permutation(len(yv))
            halves = (perm[: len(yv) // 2], perm[len(yv) // 2:])
            for fit, held in (halves, halves[::-1]):
                f1 = [f1_score(yv[fit], pred[fit], average="weighted", zero_division=0) for pred, _ in cands]
                chosen = {"f1": int(np.argmax(f1)), "log_loss": int(np.argmin([nll[fit].mean() for _, nll in cands]))}
                for rule, i in chosen.items():
                    scores[rule].append(f1_score(yv[held], cands[i][0][held], average="weighted", zero_division=0))
        print(seed, {rule: f"{100 * np.mean(v):.2f} ± {100 * np.std(v) / np.sqrt(len(v)):.2f}"
                     for rule, v in scores.items()})


if __name__ == "__main__":
    main(sys.argv[1])
