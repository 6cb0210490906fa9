"""Would a per-row gate use the graph's unique rows (headroom.py)? A small gate reads, for each row, each
member's top probability, top-1 - top-2 margin and entropy and whether the members' top-1 agree, and gives
the row its own mixture weights: p = sum_m g_m(row) softmax(z_m), g = softmax(A f(row)), A fit by the mixture's
log-likelihood. Judged on validation alone, as selection_cv.py: fit on one random half of the validation rows,
scored (leaf weighted F1) on the other, both ways round, 10 halvings, against today's rule (one weight per
member and a lexical sharpness, chosen on the grid by F1) on the same halves. Test is not read.

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/row_gate.py > experiments/strong_hybrid/row_gate.txt
"""
import numpy as np
import torch
from evidence import member_logits, run_labels
from headroom import hybrid_runs
from selection_cv import HALVINGS, candidates, weighted_f1

from prodcat.models.mixture import simplex_grid


def row_features(probs: list[torch.Tensor]) -> torch.Tensor:
    """(N, 3M + M(M-1)/2 + 1): per member top probability, margin and entropy; pairwise top-1 agreement; 1."""
    feats = []
    for p in probs:
        top2 = p.topk(2, dim=1).values
        feats += [top2[:, 0], top2[:, 0] - top2[:, 1], -(p * p.clamp_min(1e-12).log()).sum(1)]
    tops = [p.argmax(1) for p in probs]
    feats += [(tops[i] == tops[j]).float() for i in range(len(tops)) for j in range(i + 1, len(tops))]
    return torch.stack([*feats, torch.ones(len(probs[0]))], dim=1)


def fit_gate(f: torch.Tensor, probs: torch.Tensor, y: torch.Tensor, steps: int = 300) -> torch.Tensor:
    """(F, M) gate weights minimising the mean NLL of the per-row mixture; probs (N, M, C)."""
    a = torch.zeros(f.shape[1], probs.shape[1], requires_grad=True)
    opt = torch.optim.Adam([a], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        mixed = (torch.softmax(f @ a, dim=1).unsqueeze(2) * probs).sum(1)  # (N, C)
        loss = -mixed[torch.arange(len(y)), y].clamp_min(1e-12).log().mean() + 1e-3 * (a ** 2).sum()
        loss.backward()
        opt.step()
    return a.detach()


def main() -> None:
    torch.manual_seed(0)
    print("| catalog | variant | seed | today's rule (grid, by F1) | per-row gate | gate - rule (paired) |\n"
          "|---|---|---|---|---|---|")
    for ds, variant, seed, folder in hybrid_runs():
        _, _, y = run_labels(folder)
        yv, val = y["val"], member_logits(folder)["val"]
        coarse = candidates(val, yv, simplex_grid(len(val)))
        probs = [torch.softmax(torch.from_numpy(m), dim=1) for m in val]
        f, stacked = row_features(probs), torch.stack(probs, dim=1)  # (N, F), (N, M, C)
        rule, gate = [], []
        rng = np.random.default_rng(0)
        for _ in range(HALVINGS):
            perm = rng.permutation(len(yv))
            halves = (perm[: len(yv) // 2], perm[len(yv) // 2:])
            for fit, held in (halves, halves[::-1]):
                best = coarse[int(np.argmax([weighted_f1(yv[fit], p[fit]) for p, _ in coarse]))][0]
                rule.append(weighted_f1(yv[held], best[held]))
                a = fit_gate(f[fit], stacked[fit], torch.from_numpy(yv[fit]))
                pred = (torch.softmax(f[held] @ a, 1).unsqueeze(2) * stacked[held]).sum(1).argmax(1).numpy()
                gate.append(weighted_f1(yv[held], pred))
        d = 100 * (np.array(gate) - np.array(rule))
        print(f"| {ds} | {variant} | {seed} | {100 * np.mean(rule):.2f} | {100 * np.mean(gate):.2f} | "
              f"{d.mean():+.2f} ± {d.std() / np.sqrt(len(d)):.2f} |", flush=True)


if __name__ == "__main__":
    main()
