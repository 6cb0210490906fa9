"""Would a mixture that knows whether the graph linked a row fix the MWPD shift? (a post-hoc probe)

The hybrid's own trained members (members.npz of run.py) are remixed on validation with separate weights for
rows whose offer links to the graph (any link flag of g(x) set; or the seller flag alone) and rows that do
not, and scored on test. Also: each member's leaf accuracy on linked and unlinked rows, validation vs test.

    .venv/bin/python experiments/strong_hybrid/link_gate.py --dataset mwpd --seed 0   # -> link_gate_mwpd_seed0.json
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from evidence import member_logits, metrics_of, run_labels
from run import HERE, OUT, run_folder

from prodcat.models.mixture import Mixture

MEMBERS = ("text", "graph", "lexical")


def link_flags(folder, catalog) -> dict[str, np.ndarray]:
    """{split: (N, kinds) 0/1 link flags} through the checkpoint's own linker (cached in link_flags.npz)."""
    cache = folder / "link_flags.npz"
    if not cache.is_file():
        from prodcat.serve import Predictor
        from prodcat.serve.inputs import product_input, to_item

        predictor = Predictor.from_checkpoint(json.loads((folder / "metrics.json").read_text())["best_checkpoint"])
        cols = predictor.linker.flag_columns()
        flags = {}
        for split in ("val", "test"):
            items = [to_item(product_input(p)) for p in catalog.split(split)]
            g = np.concatenate([predictor.features(items[i:i + 256])[0]["graph"] for i in range(0, len(items), 256)])
            flags[split] = g[:, list(cols.values())]
        np.savez(cache, kinds=np.array(list(cols)), **flags)
    z = np.load(cache)
    return {"kinds": list(z["kinds"]), "val": z["val"], "test": z["test"]}


def mixed(z: dict, y: dict, rows_val: np.ndarray, rows_test: np.ndarray, out: np.ndarray) -> list[float]:
    """Fit a mixture of the three members on the selected validation rows; write its test probabilities."""
    t = torch.from_numpy
    mixture = Mixture(3)
    mixture.fit([t(z["val"][k][rows_val]) for k in range(3)], t(y["val"][rows_val]))
    with torch.no_grad():
        out[rows_test] = mixture([t(z["test"][k][rows_test]) for k in range(3)]).exp().numpy()
    return mixture.weights.tolist()


def member_accuracy(logits: list[np.ndarray], y: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    return {name: round(float((z[rows].argmax(1) == y[rows]).mean()), 4)
            for name, z in zip(MEMBERS, logits, strict=True)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="mwpd")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    folder = run_folder(OUT, args.dataset, "hybrid", args.seed)
    catalog, labels, y = run_labels(folder)
    z, flags = member_logits(folder), link_flags(folder, catalog)
    score = lambda p: round(100 * metrics_of(p, y["test"], labels.level_ids)["f1_weighted_mean_levels"], 2)  # noqa: E731
    report = {"dataset": args.dataset, "seed": args.seed, "link_rates": {
        s: dict(zip(flags["kinds"], flags[s].mean(0).round(4).tolist(), strict=True)) for s in ("val", "test")}}
    everything = np.zeros_like(z["test"][0])
    report["one_mixture"] = {"weights": mixed(z, y, np.ones(len(y["val"]), bool), np.ones(len(y["test"]), bool),
                                              everything), "test_f1_mean_levels": score(everything)}
    for gate in ["any"] + [k for k in ("seller",) if k in flags["kinds"]]:  # MWPD links sellers; Amazon none
        col = None if gate == "any" else flags["kinds"].index(gate)
        linked = {s: (flags[s].max(1) if col is None else flags[s][:, col]) > 0 for s in ("val", "test")}
        probs = np.zeros_like(everything)
        weights = {name: mixed(z, y, rows(linked["val"]), rows(linked["test"]), probs)
                   for name, rows in (("linked", lambda m: m), ("unlinked", lambda m: ~m))}
        accuracy = {f"{split}/{part}": member_accuracy(z[split], y[split], sel) for split in ("val", "test")
                    for part, sel in (("linked", linked[split]), ("unlinked", ~linked[split]))}
        report[f"gated_{gate}"] = {"weights": weights, "test_f1_mean_levels": score(probs),
                                   "member_accuracy": accuracy}
    (HERE / f"link_gate_{args.dataset}_seed{args.seed}.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
