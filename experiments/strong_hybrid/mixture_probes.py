"""Is anything left to gain in how the hybrid's members are mixed and decoded? Post-hoc, on each run's own
members (members.npz, see evidence.py), five changes to today's rule (grid of the simplex, step 0.1, sharpness
0.5-4, chosen by leaf weighted F1 on validation, argmax decoding), one at a time:

- `decode_levels`: decode each row to the leaf with the most expected right levels (sum over levels of the
  probability of the leaf's ancestor there) instead of the most probable leaf: the Bayes choice for a
  metric that averages the levels;
- `select_levels`: choose (w, s) by the reported metric, mean-level weighted F1, instead of leaf F1;
- `sharpness_wide`: sharpness from 0.125 (the grid's lowest value, 0.5, is chosen on most runs);
- `lexical_C=<c>`: the lexical member refit with LinearSVC C=c (prodcat.features.lexical.fit_lexical: the
  same folds and out-of-fold temperature; the split seed 0 folds for every run);
- `second_text`: the text expert of a second fine-tuned encoder (the same seed's run of `--second`) as a
  fourth member: what an ensemble of two encoders would add.

Each rule is judged on validation alone: fit on a random half, scored (mean-level weighted F1) on the other
half, both ways round, 10 halvings; the test column is the rule fit on all validation rows, test scored once.

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/mixture_probes.py amazon_toys \
        hybrid_graph_fast hybrid_llrd0.9 --second hybrid_llrd0.9 > experiments/strong_hybrid/mixture_probes.txt
"""
import argparse

import numpy as np
import torch
from evidence import member_logits, run_labels
from run import OUT
from selection_cv import weighted_f1

from prodcat.features.lexical import fit_lexical
from prodcat.models.mixture import SHARPNESS, mix, simplex_grid
from prodcat.studies import run_folder

HALVINGS = 10
LEXICAL_C = (0.5, 2.0)


def mean_levels(y: np.ndarray, pred: np.ndarray, level_maps: list[np.ndarray]) -> float:
    return float(np.mean([weighted_f1(m[y], m[pred]) for m in level_maps]))


def expected_levels_argmax(log_p: torch.Tensor, level_maps: list[np.ndarray]) -> np.ndarray:
    """(N,) leaves with the largest sum over levels of p(ancestor at that level)."""
    p = log_p.exp().numpy()
    score = np.zeros_like(p)
    for m in level_maps:
        node_p = np.zeros((len(p), m.max() + 1))
        np.add.at(node_p.T, m, p.T)  # p summed over the leaves under each node of this level
        score += node_p[:, m]
    return score.argmax(1)


def candidates(members: list[np.ndarray], sharpness, level_maps, decode_levels: bool = False) -> list[np.ndarray]:
    """Predictions of every (w, s) on the grid, the lexical member last (as in Mixture)."""
    z = [torch.from_numpy(m) for m in members]
    out = []
    for s in sharpness:
        for w in simplex_grid(len(z)):
            log_p = mix([*z[:-1], s * z[-1]], torch.tensor(w))
            out.append(expected_levels_argmax(log_p, level_maps) if decode_levels else log_p.argmax(-1).numpy())
    return out


def judged(val_preds, test_preds, y: dict, level_maps, select_levels: bool = False) -> tuple[float, float]:
    """(held-out validation, test) mean-level weighted F1 of choosing among `val_preds` on validation."""
    yv = y["val"]

    def chosen(rows) -> int:
        score = (lambda p: mean_levels(yv[rows], p[rows], level_maps)) if select_levels else (
            lambda p: weighted_f1(yv[rows], p[rows]))
        return int(np.argmax([score(p) for p in val_preds]))

    rng, held = np.random.default_rng(0), []
    for _ in range(HALVINGS):
        perm = rng.permutation(len(yv))
        halves = (perm[: len(yv) // 2], perm[len(yv) // 2:])
        for fit, other in (halves, halves[::-1]):
            held.append(mean_levels(yv[other], val_preds[chosen(fit)][other], level_maps))
    best = chosen(np.arange(len(yv)))
    return round(100 * float(np.mean(held)), 2), round(100 * mean_levels(y["test"], test_preds[best], level_maps), 2)


def refit_lexical(folder, catalog, labels, y: dict) -> dict[float, dict[str, np.ndarray]]:
    """{C: {split: (N, C) T d}} of the lexical member refit with other C values, the rest of the run's own
    `lexical` config unchanged."""
    from omegaconf import OmegaConf

    lexical_cfg = OmegaConf.to_container(OmegaConf.load(folder / ".hydra" / "config.yaml").lexical)
    texts = {s: [p.text for p in catalog.split(s)] for s in ("train", "val", "test")}
    out = {}
    for c in LEXICAL_C:
        featurizer, model, _ = fit_lexical(texts["train"], y["train"], len(labels), {**lexical_cfg, "C": c}, seed=0)
        out[c] = {s: model.temperature * model.decision(featurizer.transform(texts[s])) for s in ("val", "test")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset")
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--second", help="variant whose text expert (same seed) is the fourth member of `second_text`")
    args = ap.parse_args()
    first = run_folder(OUT, args.dataset, args.variants[0], 0)
    catalog, labels, y = run_labels(first)
    level_maps = [np.asarray(ids) for ids in labels.level_ids]
    lexical = refit_lexical(first, catalog, labels, y)
    print(f"{args.dataset}: (held-out validation, test) mean-level weighted F1 per rule; "
          f"{len(y['val'])} validation, {len(y['test'])} test rows", flush=True)
    for variant in args.variants:
        for seed in (0, 1, 2):
            folder = run_folder(OUT, args.dataset, variant, seed)
            if not (folder / "members.npz").is_file() and not (folder / "checkpoints").is_dir():
                continue
            members = member_logits(folder)
            rules = {
                "today": (members, SHARPNESS, {}),
                "decode_levels": (members, SHARPNESS, {"decode_levels": True}),
                "select_levels": (members, SHARPNESS, {"select_levels": True}),
                "sharpness_wide": (members, (0.125, 0.25, *SHARPNESS), {}),
                **{f"lexical_C={c}": ({s: [*members[s][:-1], lexical[c][s]] for s in members}, SHARPNESS, {})
                   for c in LEXICAL_C},
            }
            if args.second and args.second != variant:
                other = member_logits(run_folder(OUT, args.dataset, args.second, seed))
                rules["second_text"] = ({s: [members[s][0], other[s][0], *members[s][1:]] for s in members},
                                        SHARPNESS, {})
            scores = {}
            for name, (m, sharpness, opts) in rules.items():
                decode = opts.get("decode_levels", False)
                preds = {s: candidates(m[s], sharpness, level_maps, decode) for s in ("val", "test")}
                scores[name] = judged(preds["val"], preds["test"], y, level_maps, opts.get("select_levels", False))
            print(variant, seed, scores, flush=True)


if __name__ == "__main__":
    main()
