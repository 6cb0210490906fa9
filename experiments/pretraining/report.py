"""Tables (results.md) and the MLM loss plot (mlm_loss.png) of the pretraining study, from results.json.

    .venv/bin/python experiments/pretraining/report.py
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from prodcat.studies import mean_sd, write_generated

HERE = Path(__file__).resolve().parent
VARIANTS = ["tfidf_baseline", "minilm_l6", "minilm_l6_dapt", "scratch_bert", "minilm_l6_frozen",
            "minilm_l6_dapt_frozen"]
MAIN = "test/f1_weighted_mean_levels"
BEGIN, END = "<!-- tables: written by report.py -->", "<!-- end of tables -->"
COLS = ["test/acc", "test/f1_weighted", "test/f1_macro", "test/f1_weighted_mean_levels"]


def budget_table(records: list[dict]) -> str:
    lines = ["| dataset | model | steps | batch | max len | tokens seen | train texts | corpus tokens (1 epoch) | "
             "vocab | params | tokens/s | held-out MLM loss before → after | seconds |",
             "|---|---|" + "---|" * 11]
    for r in records:
        if r.get("kind") != "pretraining":
            continue
        b, m = r["budget"], r["metrics"]
        lines.append(f"| {r['dataset']} | {r['variant']} | {b['steps']} | {b['batch_size']} | {b['max_length']} | "
                     f"{b['tokens_seen']:,} | {b['texts']:,} | {b['corpus_tokens']:,} | {b['vocab_size']:,} | "
                     f"{b['params'] / 1e6:.1f} M | {m['tokens_per_s']:,.0f} | {m['initial_val_mlm_loss']:.2f} → "
                     f"{m['final_val_mlm_loss']:.2f} | {r['seconds']:.0f} |")
    return "\n".join(lines)


def downstream_table(records: list[dict]) -> str:
    runs = [r for r in records if r.get("kind") == "downstream"]
    lines = ["| dataset | variant | encoder training | seeds | " + " | ".join(c.removeprefix("test/") for c in COLS)
             + " | seconds per run |", "|---|---|---|---|" + "---|" * (len(COLS) + 1)]
    for dataset in sorted({r["dataset"] for r in runs}):
        for variant in VARIANTS:
            rs = [r for r in runs if r["dataset"] == dataset and r["variant"] == variant]
            if not rs:
                continue
            epochs = rs[0].get("epochs")
            how = rs[0]["encoder"] + (f", {epochs} epoch{'s' if epochs != 1 else ''}" if epochs else "")
            vals = " | ".join(mean_sd([r["metrics"][c] for r in rs]) for c in COLS)
            secs = statistics.fmean(r["seconds"] for r in rs)
            lines.append(f"| {dataset} | {variant} | {how} | {len(rs)} | {vals} | {secs:.0f} |")
    return "\n".join(lines)


def seeds_table(records: list[dict]) -> str:
    runs = [r for r in records if r.get("kind") == "downstream"]
    seeds = sorted({r["seed"] for r in runs})
    lines = ["| dataset | variant | " + " | ".join(f"seed {s}" for s in seeds) + " |",
             "|---|---|" + "---|" * len(seeds)]
    for dataset in sorted({r["dataset"] for r in runs}):
        for variant in VARIANTS:
            by_seed = {r["seed"]: r for r in runs if r["dataset"] == dataset and r["variant"] == variant}
            if by_seed:
                cells = [f"{100 * by_seed[s]['metrics']['test/f1_weighted_mean_levels']:.2f}" if s in by_seed else "-"
                         for s in seeds]
                lines.append(f"| {dataset} | {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def dapt_table(records: list[dict]) -> str:
    """DAPT minus no DAPT, per dataset and encoder use: the difference of the seed means, each seed's paired
    difference (same seed, same data order), and the seed spread (std over seeds) of each arm."""
    runs = [r for r in records if r.get("kind") == "downstream"]
    lines = ["| dataset | encoder | seeds | without DAPT | with DAPT | difference of means | per seed (DAPT - without) "
             "| larger std of the two arms | difference > larger std? |", "|---|---|---|---|---|---|---|---|---|"]
    for dataset in sorted({r["dataset"] for r in runs}):
        for base, how in (("minilm_l6", "fine-tuned"), ("minilm_l6_frozen", "frozen")):
            dapt = base.replace("minilm_l6", "minilm_l6_dapt")
            a = {r["seed"]: 100 * r["metrics"][MAIN] for r in runs if r["dataset"] == dataset and r["variant"] == base}
            b = {r["seed"]: 100 * r["metrics"][MAIN] for r in runs if r["dataset"] == dataset and r["variant"] == dapt}
            seeds = sorted(a.keys() & b.keys())
            if not seeds:
                continue
            xa, xb = [a[s] for s in seeds], [b[s] for s in seeds]
            diff = statistics.fmean(xb) - statistics.fmean(xa)
            spread = max(statistics.stdev(xa), statistics.stdev(xb)) if len(seeds) > 1 else None
            verdict = "-" if spread is None else ("yes" if abs(diff) > spread else "no")
            lines.append(f"| {dataset} | {how} | {', '.join(map(str, seeds))} | {statistics.fmean(xa):.2f} | "
                         f"{statistics.fmean(xb):.2f} | {diff:+.2f} | "
                         f"{', '.join(f'{b[s] - a[s]:+.2f}' for s in seeds)} | "
                         f"{'-' if spread is None else f'{spread:.2f}'} | {verdict} |")
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pre = [r for r in records if r.get("kind") == "pretraining"]
    if not pre:
        return
    datasets = sorted({r["dataset"] for r in pre})
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        for r, color in zip([r for r in pre if r["dataset"] == dataset], ["tab:blue", "tab:orange"], strict=False):
            tr = [h for h in r["history"] if "train_mlm_loss" in h]
            va = [h for h in r["history"] if "val_mlm_loss" in h]
            ax.plot([h["step"] for h in tr], [h["train_mlm_loss"] for h in tr], color=color, alpha=0.4, lw=1,
                    label=f"{r['variant']}: train (mean of 10 steps)")
            ax.plot([h["step"] for h in va], [h["val_mlm_loss"] for h in va], "o-", color=color,
                    label=f"{r['variant']}: held-out (fixed masks)")
        ax.set(title=f"MLM loss, {dataset}", xlabel="optimizer step", ylabel="cross-entropy (nats)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(records: list[dict], folder: Path, verbose: bool = True) -> None:
    text = ("## Pretraining budget\n\n" + budget_table(records) + "\n\n## Downstream (test split, mean ± std over "
            "seeds, %)\n\n" + downstream_table(records) + "\n\n### test/f1_weighted_mean_levels per seed (%)\n\n"
            + seeds_table(records) + "\n\n### DAPT's effect on test/f1_weighted_mean_levels (points)\n\n"
            + dapt_table(records) + "\n\nRun time of all runs (the sum of each run's `total_s`, lock waits excluded): "
            f"{sum(r['seconds'] for r in records) / 60:.1f} min.\n")
    (folder / "results.md").write_text(text)
    readme = folder / "README.md"  # the README shows the same tables between these markers
    if readme.exists() and BEGIN in readme.read_text():
        write_generated(readme, text, BEGIN, END)
    plot(records, folder / "mlm_loss.png")
    if verbose:
        print(text)


if __name__ == "__main__":
    write_report(json.loads((HERE / "results.json").read_text()), HERE)
