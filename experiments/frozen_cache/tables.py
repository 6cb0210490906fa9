"""Markdown tables of experiments/frozen_cache/results.json (called by run.py; also runnable alone:
`.venv/bin/python experiments/frozen_cache/tables.py`)."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _pct(r: dict, key: str, group: str = "metrics") -> str:
    v = r.get(group, {}).get(key)
    return "-" if v is None else f"{100 * v:.2f}"


def _arg(r: dict, name: str, default: str = "-") -> str:
    """The value of a `name=value` override in the record's command."""
    found = re.search(rf"(?:^| ){re.escape(name)}=(\S+)", r["command"])
    return found.group(1) if found else default


def _recipe(r: dict) -> str:
    return (f"head lr {_arg(r, 'optim.head_lr', '1e-3')}, batch {_arg(r, 'batch_size', '32')}, "
            f"{_arg(r, 'trainer.max_epochs', '2')} epochs max")


def cache_table(records: list[dict]) -> list[str]:
    build = [r for r in records if r["variant"] == "cache_build"]
    hits = [r for r in records if r["variant"] == "cache_hit"]
    if not build or not hits:
        return []
    b = build[-1]
    same = [r for r in hits if (r["config"]["head.hidden"], r["config"]["head.dropout"]) == ("512", "0.1")]
    med = statistics.median(r["seconds"] for r in hits)
    lines = [f"### Cache build vs cache hits (frozen hybrid head: {_recipe(b)})", "",
             "| run | head config | feature cache | job seconds | features s | head training s | test acc "
             "| f1 mean levels |", "|---|---|---|---|---|---|---|---|"]
    for r in [b, *hits]:
        c = r.get("config") or {"head.hidden": "512", "head.dropout": "0.1"}
        lines.append(f"| {'first frozen run' if r is b else 'sweep job'} | hidden {c['head.hidden']}, dropout "
                     f"{c['head.dropout']} | {r['feature_cache']} | {r['seconds']:.1f} | {r['features_seconds']:.2f} "
                     f"| {r['fit_seconds']:.1f} | {_pct(r, 'test/acc')} | {_pct(r, 'test/f1_weighted_mean_levels')} |")
    lines += ["", f"- median cache-hit job: {med:.1f} s = **{med / b['seconds']:.3f}** of the cache-building run "
                  f"({b['seconds']:.1f} s)" + (f"; same head config: {same[0]['seconds']:.1f} s = "
                                               f"**{same[0]['seconds'] / b['seconds']:.3f}**" if same else ""),
              f"- process wall time: building run {b['process_seconds']:.1f} s (one process); the 6-job sweep "
              f"{hits[0]['sweep_seconds']:.1f} s in one process ({hits[0]['sweep_seconds'] / len(hits):.1f} s per job "
              f"with the imports shared)"]
    return lines


def recipe_table(records: list[dict]) -> list[str]:
    """The frozen head's training recipes on validation (no test scores), best first."""
    rows = [r for r in records if r["variant"] == "head_recipe"]
    if not rows:
        return []
    rows.sort(key=lambda r: -r["val_metrics"]["val/f1_weighted"])
    lines = ["### Head recipe on cached features, chosen on validation (hidden 512, dropout 0.1, seed 0)", "",
             "| head lr | batch | max epochs | epochs run | job seconds | val f1 weighted | val f1 mean levels |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["config"]
        lines.append(f"| {c['optim.head_lr']} | {c['batch_size']} | {c['trainer.max_epochs']} | {r['epochs']} "
                     f"| {r['seconds']:.1f} | {_pct(r, 'val/f1_weighted', 'val_metrics')} "
                     f"| {_pct(r, 'val/f1_weighted_mean_levels', 'val_metrics')} |")
    return lines


def freeze_table(records: list[dict]) -> list[str]:
    order = ["full", "full_llrd", "partial", "partial_llrd", "frozen", "frozen_llrd", "frozen_bs32"]
    rows = [r for v in order for r in records if r["variant"] == v]
    if not rows:
        return []
    lines = ["### Freezing strategies (hybrid head, MWPD, all-MiniLM-L6-v2)", "",
             "| variant | seed | batch | epochs | s / epoch | trainable params | test acc | f1 weighted | f1 macro "
             "| f1 mean levels | run seconds |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        batch = _arg(r, "batch_size", "32")
        lines.append(f"| {r['variant']} | {r['seed']} | {batch} | {r['epochs']} | {r['seconds_per_epoch']:.2f} "
                     f"| {r['params']['trainable']:,} | {_pct(r, 'test/acc')} | {_pct(r, 'test/f1_weighted')} "
                     f"| {_pct(r, 'test/f1_macro')} | {_pct(r, 'test/f1_weighted_mean_levels')} | {r['seconds']:.0f} |")
    epoch = {v: statistics.median(r["seconds_per_epoch"] for r in rows if r["variant"] == v)
             for v in order if any(r["variant"] == v for r in rows)}
    if "partial" in epoch:
        for v in ("frozen", "frozen_bs32"):
            if v in epoch:
                lines.append(f"\n- epoch time partial / {v}: {epoch['partial']:.1f} s / {epoch[v]:.2f} s = "
                             f"**{epoch['partial'] / epoch[v]:.0f}x**")
    return lines


def knn_table(records: list[dict]) -> list[str]:
    rows = [r for r in records if r["variant"].startswith("knn")]
    if not rows:
        return []
    lines = ["### kNN head over the cached train features (temperature 0.05)", "",
             "| variant | k | index | job seconds | test acc | acc top5 | f1 weighted | f1 mean levels |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = {k.replace("head.", "task."): v for k, v in r["config"].items()}  # records before task=knn: head.*
        lines.append(f"| {r['variant']} | {c['task.k']} | {c['task.index']} | {r['seconds']:.1f} "
                     f"| {_pct(r, 'test/acc')} | {_pct(r, 'test/acc_top5')} | {_pct(r, 'test/f1_weighted')} "
                     f"| {_pct(r, 'test/f1_weighted_mean_levels')} |")
    return lines


def faiss_table(records: list[dict]) -> list[str]:
    rows = [r for r in records if r["variant"] == "faiss"]
    if not rows:
        return []
    lines = ["### FAISS query throughput (k = 10, cosine, 2 OpenMP threads)", "",
             "| stored vectors | index | mode | queries | queries / s | build s | recall@10 vs flat |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        source = r["dataset"].rsplit("_", 2)[0]
        lines.append(f"| {source} ({r['stored']:,} x {r['dim']}) | {r['index']} {r['params'] or ''} | {r['mode']} "
                     f"| {r['queries']} | {r['throughput_per_s']:,.0f} | {r['build_s']:.1f} "
                     f"| {r['recall_at_10']:.3f} |")
    return lines


def tables(records: list[dict]) -> str:
    parts = [recipe_table(records), cache_table(records), freeze_table(records), knn_table(records),
             faiss_table(records)]
    return "\n\n".join("\n".join(p) for p in parts if p)


if __name__ == "__main__":
    print(tables(json.loads((HERE / "results.json").read_text())))
