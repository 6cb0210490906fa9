"""Where a hybrid's prediction time goes, stage by stage: tokenizer, graph lookup, the lexical view's TF-IDF
row, the network (ONNX Runtime, the default INT8 export) and the rest (input parsing, softmax, top-k, records).
Issue 18 asks for the lexical view's share of the latency.

    .venv/bin/python experiments/serving/stages.py \
        --checkpoint amazon_toys=outputs/strong_hybrid/amazon_toys/hybrid/seed0/checkpoints/best.ckpt

The stages are timed inside real `Predictor.predict` calls (each component wrapped by a timer; nothing is
re-implemented), over validation rows with every field the graph reads: batch 1 (300 queries) and batches of
32 (up to 24, from the rows after those 300), 3 interleaved rounds, medians per query. The lexical layer
inside the network (a gather of K weight rows per title and a weighted sum) cannot be timed apart in ONNX
Runtime; `lexical_in_network_ms` is the same operation in NumPy on the same weights. `lexical_tfidf_sklearn`
times the same rows through scikit-learn's `transform` (what the lexical stage called before
`LexicalFeaturizer.rows`), on the same batches right after each call. Appends to experiments/serving/stages.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from int8 import OUT, commit, machine, rows

RESULTS = Path(__file__).resolve().parent / "stages.json"
STAGES = ("tokenizer", "graph", "lexical_tfidf", "network")


class Timed:
    """`obj` with its method `name` (or the object itself when called, name=None) timed into `log[stage]`;
    every other attribute is the object's own."""

    def __init__(self, obj, name: str | None, stage: str, log: dict):
        self._obj, self._name, self._stage, self._log = obj, name, stage, log

    def _timed(self, fn):
        def call(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            self._log[self._stage] += time.perf_counter() - t
            return out
        return call

    def __call__(self, *args, **kwargs):
        return self._timed(self._obj)(*args, **kwargs)

    def __getattr__(self, attr):
        value = getattr(self._obj, attr)
        return self._timed(value) if attr == self._name else value


def instrument(predictor) -> dict:
    log: dict = defaultdict(float)
    predictor.tokenizer = Timed(predictor.tokenizer, None, "tokenizer", log)
    predictor.linker = Timed(predictor.linker, "features", "graph", log)
    predictor.lexical = Timed(predictor.lexical, "sparse_inputs", "lexical_tfidf", log)
    predictor.backend = Timed(predictor.backend, None, "network", log)
    return log


def per_query_ms(predictor, log: dict, batches: list[list[dict]]) -> list[dict]:
    """One record per batch: each stage's and the whole call's milliseconds per query."""
    out = []
    for batch in batches:
        log.clear()
        t = time.perf_counter()
        predictor.predict(batch)
        total = time.perf_counter() - t
        rec = {s: 1e3 * log[s] / len(batch) for s in STAGES}
        rec["rest"] = 1e3 * (total - sum(log[s] for s in STAGES)) / len(batch)
        rec["total"] = 1e3 * total / len(batch)
        t = time.perf_counter()  # the same TF-IDF rows through scikit-learn (what sparse_inputs called before)
        predictor.lexical.transform([q["text"] for q in batch])
        rec["lexical_tfidf_sklearn"] = 1e3 * (time.perf_counter() - t) / len(batch)
        out.append(rec)
    return out


def lexical_in_network_ms(module, predictor, batches: list[list[dict]]) -> float:
    """NumPy's time for the network's lexical layer (W[ids] weighted by the TF-IDF values, summed), ms/query."""
    from prodcat.models.lexical import LexicalLayer

    layer = next(m for m in module.modules() if isinstance(m, LexicalLayer))
    weight = layer.weight.numpy()  # (F, C)
    times = []
    for batch in batches:
        ids, values = predictor.lexical.sparse_inputs([q["text"] for q in batch])  # (B, K) each
        t = time.perf_counter()
        np.einsum("bk,bkc->bc", values, weight[ids])
        times.append(1e3 * (time.perf_counter() - t) / len(batch))
    return float(np.median(times))


def main() -> None:
    from prodcat.serve.assets import ServingAssets
    from prodcat.serve.backends import load_module
    from prodcat.serve.model_info import checkpoint_provenance
    from prodcat.serve.onnx_export import export_onnx
    from prodcat.serve.predictor import Predictor
    from prodcat.serve.quantize import DEFAULT, quantize

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="name=path/to/best.ckpt of a hybrid (text, graph, lexical)")
    ap.add_argument("--variant", default=DEFAULT, help="INT8 variant (default: export.py's)")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (the server's default)")
    args = ap.parse_args()
    name, ckpt = args.checkpoint.split("=", 1)

    module = load_module(ckpt)
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    model = out / f"{args.variant}.onnx"
    if not model.is_file():
        fp32 = export_onnx(module, ServingAssets.from_module(module), out / "fp32.onnx",
                           provenance=checkpoint_provenance(module, ckpt))
        quantize(fp32, model, args.variant)
    predictor = Predictor.from_onnx(model, threads=args.threads, top_k=5, batch_size=64)
    val, _, _ = rows(ckpt, predictor.assets.leaves)
    n32 = min(24, (len(val) - 300) // 32)  # whole batches of 32 after the 300 batch-1 queries
    shapes = {1: [[q] for q in val[:300]], 32: [val[300 + 32 * i: 332 + 32 * i] for i in range(n32)]}
    log = instrument(predictor)
    per_query_ms(predictor, log, shapes[1][:20])  # warm-up
    timed: dict = {b: [] for b in shapes}
    for rnd in range(3):  # interleaved rounds: drift hits both batch sizes alike
        for b, batches in shapes.items():
            timed[b] += per_query_ms(predictor, log, batches[rnd::3])

    records = json.loads(RESULTS.read_text()) if RESULTS.is_file() else []
    for b, recs in timed.items():
        med = {s: round(float(np.median([r[s] for r in recs])), 4)
               for s in (*STAGES, "rest", "total", "lexical_tfidf_sklearn")}
        med["lexical_in_network_ms"] = round(lexical_in_network_ms(module, predictor, shapes[b]), 4)
        lexical = med["lexical_tfidf"] + med["lexical_in_network_ms"]
        rec = {"study": "serving_stages", "dataset": name, "variant": args.variant, "batch_size": b,
               "threads": args.threads, "ms_per_query_median": med,
               "lexical_share_of_total": round(lexical / med["total"], 4), "calls": len(recs),
               "checkpoint": ckpt, "command": "python experiments/serving/stages.py --checkpoint " + args.checkpoint,
               "machine": machine(), "date": dt.date.today().isoformat(), "commit": commit(),
               "load_avg_1m": os.getloadavg()[0]}
        records = [r for r in records if (r["dataset"], r["variant"], r["batch_size"], r["threads"])
                   != (name, args.variant, b, args.threads)] + [rec]
        print(f"{name} batch {b}: " + ", ".join(f"{k} {v:.3f}" for k, v in med.items())
              + f" ms/query; lexical share {rec['lexical_share_of_total']:.1%}", flush=True)
    RESULTS.write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
