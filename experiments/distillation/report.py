"""The tables of the distillation study (results.md and the README block), from its records (run.py)."""

from __future__ import annotations

import numpy as np

F1, MACRO, VAL = "test/f1_weighted_mean_levels", "test/f1_macro", "val/f1_weighted"
MODES = ("none", "soft", "tinybert")


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def tables(records: list[dict]) -> str:
    final = [r for r in records if r["split"] == "test"]
    by_variant: dict[str, list[dict]] = {}
    for r in sorted(final, key=lambda r: r["seed"]):
        by_variant.setdefault(r["variant"], []).append(r)
    t = by_variant["teacher"][0]["metrics"]
    lines = ["Every variant, test split; F1 columns are means over the seeds listed (latency: the seed-0 checkpoint).",
             "", "| variant | seeds | mean weighted F1 | macro F1 | % of teacher F1 (mean; worst seed) | params "
             "| p50 ms (batch 1) | p50 / teacher | queries/s (batch 64) | both targets | epochs: best / run / max "
             "(seed 0) | train s/epoch |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for v, rs in by_variant.items():
        f1 = [r["metrics"][F1] for r in rs]
        m0 = rs[0]["metrics"]
        keep, worst, speed = np.mean(f1) / t[F1], min(f1) / t[F1], m0["p50_ms"] / t["p50_ms"]
        ok = "-" if v == "teacher" else ("yes" if keep >= 0.97 and speed <= 0.5 else "no")
        lines.append(f"| {v} | {', '.join(str(r['seed']) for r in rs)} | {_pct(np.mean(f1))} "
                     f"| {_pct(np.mean([r['metrics'][MACRO] for r in rs]))} | {100 * keep:.1f}%; {100 * worst:.1f}% "
                     f"| {m0['params'] / 1e6:.2f}M | {m0['p50_ms']:.2f} | {speed:.2f} | {m0['throughput_per_s']:.0f} "
                     f"| {ok} | {rs[0]['best_epoch']} / {rs[0]['epochs_trained']} / {rs[0]['max_epochs']} "
                     f"| {rs[0]['seconds_per_epoch']:.0f} |")
    grid = [r for r in records if r["split"] == "val"]
    if grid:
        lines += ["", "Soft-target grid (seed 0, validation only, test not scored); the best `val/f1_weighted` is "
                  "the setting of the final runs:", "",
                  "| student | T | alpha | val weighted F1 (leaf) | val mean weighted F1 | val macro F1 "
                  "| epochs: best / run / max | chosen |", "|---|---|---|---|---|---|---|---|"]
        for name in sorted({r["student"] for r in grid}):
            rs = [r for r in grid if r["student"] == name]
            best = max(rs, key=lambda r: r["metrics"][VAL])
            for r in rs:
                m = r["metrics"]
                lines.append(f"| {name} | {r['T']:g} | {r['alpha']:g} | {_pct(m[VAL])} "
                             f"| {_pct(m['val/f1_weighted_mean_levels'])} | {_pct(m['val/f1_macro'])} "
                             f"| {r['best_epoch']} / {r['epochs_trained']} / {r['max_epochs']} "
                             f"| {'yes' if r is best else ''} |")
    lines += ["", "Distillation against the same student without the teacher (test, every seed):", "",
              "| student | mode | T, alpha | seeds | mean weighted F1 per seed | mean | spread (max - min) "
              "| macro F1 per seed | macro F1 mean |", "|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for name in sorted({r["student"] for r in final if r.get("student")}):
        stats = {}
        for mode in MODES:
            rs = by_variant.get(f"student_{name}_{mode}", [])
            if not rs:
                continue
            f1, macro = [r["metrics"][F1] for r in rs], [r["metrics"][MACRO] for r in rs]
            stats[mode] = {r["seed"]: r["metrics"][F1] for r in rs}
            setting = f"{rs[0]['T']:g}, {rs[0]['alpha']:g}" if mode == "soft" else "-"
            lines.append(f"| {name} | {mode} | {setting} | {', '.join(str(r['seed']) for r in rs)} "
                         f"| {', '.join(_pct(x) for x in f1)} | {_pct(np.mean(f1))} | {_pct(max(f1) - min(f1))} "
                         f"| {', '.join(_pct(x) for x in macro)} | {_pct(np.mean(macro))} |")
        if "none" in stats and "soft" in stats and min(len(stats["none"]), len(stats["soft"])) >= 2:
            none, soft = stats["none"], stats["soft"]
            gain = np.mean(list(soft.values())) - np.mean(list(none.values()))
            spread = max(max(s.values()) - min(s.values()) for s in (none, soft))
            paired = ", ".join(f"{s}: {100 * (soft[s] - none[s]):+.2f}" for s in sorted(set(soft) & set(none)))
            verdicts.append(f"- {name}: soft - none = {100 * gain:+.2f} points of mean weighted F1 (seed means); "
                            f"the larger seed spread is {100 * spread:.2f}; per seed (soft - none) {paired}. "
                            f"Distillation beats no-teacher by more than the spread: "
                            f"**{'yes' if gain > spread else 'no'}**.")
    return "\n".join(lines + [""] + verdicts)
