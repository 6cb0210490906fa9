"""plot.png from results.json: answered queries per second against p50 and p99 latency, one curve per variant."""

from __future__ import annotations

import json
from pathlib import Path


def series(record: dict) -> tuple:
    """What one curve of the plot holds: variant, threads, max_batch_tokens (records before it existed: None),
    thread_spinning (before it existed: ONNX Runtime's default, on), max_wait_ms."""
    server = record["server"]
    return (record["variant"], server["threads"], server.get("max_batch_tokens"), server.get("thread_spinning", True),
            server["max_wait_ms"])


def plot(results: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = json.loads(results.read_text())
    fig, ax = plt.subplots(figsize=(11, 4.5))
    curves = sorted({series(r) for r in records}, key=str)
    for i, curve in enumerate(curves):
        pts = sorted((r for r in records if series(r) == curve and r["metrics"]["p99_ms"] is not None),
                     key=lambda r: r["offered_qps"])
        variant, threads, tokens, spinning, wait = curve
        label = (f"{variant}, {threads} thread{'s' if threads > 1 else ''}{'' if spinning else ' (no spin)'}, "
                 + (f"{tokens} tokens" if tokens else "one padded call")
                 + (f", wait {wait:g} ms" if not variant.startswith("http_batch1") else ""))
        qps = [r["metrics"]["qps"] for r in pts]
        color = f"C{i}"  # one colour per series: p99 solid, p50 dashed
        ax.plot(qps, [r["metrics"]["p99_ms"] for r in pts], "o-", color=color, label=f"{label} p99")
        ax.plot(qps, [r["metrics"]["p50_ms"] for r in pts], "s--", color=color, alpha=0.6, label=f"{label} p50")
    ax.axhline(50, color="grey", lw=0.8, ls=":")
    ax.text(ax.get_xlim()[0], 52, "50 ms target", color="grey", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("answered queries per second (open loop, one title per request)")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title("prodcat-serve, MWPD hybrid INT8, 2-core CPU (load generator on the same cores)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: the curves stay visible
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
