"""What padding costs, and what `max_batch_tokens` buys back: a batch of titles run as one network call padded
to its longest title (`max_batch_tokens=None`, the predictor before) against groups of similar-length titles,
each padding to at most N tokens (`Predictor.logits`, `length_groups`).

    .venv/bin/python experiments/serving/padding.py \
        --model amazon_toys/int8=outputs/serving/int8/amazon_toys/dynamic_encoder_fp32_ffn_out.onnx \
        --model amazon_toys/fp32=outputs/serving/int8/amazon_toys/fp32.onnx \
        --checkpoint amazon_toys=outputs/strong_hybrid/amazon_toys/hybrid/seed0/checkpoints/best.ckpt

Per model: validation rows with every field the graph reads (as int8.py), batches of 8 and 32, every setting
timed on the same batches in 3 interleaved rounds (drift hits all alike); milliseconds per query (medians) of the
whole `Predictor.predict` call and its network part. Top-1 agreement of each setting with one padded call, over
the validation rows in batches of 32 (fp32: should be 100%; dynamic INT8 scales activations per call, so a few
near-ties may flip). Appends to experiments/serving/padding.json.
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
from int8 import commit, machine, rows
from stages import Timed

RESULTS = Path(__file__).resolve().parent / "padding.json"
SETTINGS = (None, 64, 96, 128, 192, 256, 512)
BATCHES = (8, 32)


def main() -> None:
    from prodcat.serve.inputs import to_item
    from prodcat.serve.predictor import Predictor

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True,
                    help="name=path/to/model.onnx (repeatable); the name up to its first '/' picks the --checkpoint")
    ap.add_argument("--checkpoint", action="append", required=True, help="name=best.ckpt whose validation rows to use")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (the server's default)")
    args = ap.parse_args()
    checkpoints = dict(c.split("=", 1) for c in args.checkpoint)

    records = json.loads(RESULTS.read_text()) if RESULTS.is_file() else []
    for name, path in (m.split("=", 1) for m in args.model):
        predictor = Predictor.from_onnx(path, threads=args.threads, top_k=5, batch_size=64)
        val, _, _ = rows(checkpoints[name.split("/")[0]], predictor.assets.leaves)
        lengths = np.concatenate([predictor.features([to_item(q) for q in val[i:i + 64]])[0]["attention_mask"].sum(1)
                                  for i in range(0, len(val), 64)])
        padded_share = {}
        for b in BATCHES:  # the share of a padded call's tokens that are padding, over the validation batches
            real = sum(int(lengths[i:i + b].sum()) for i in range(0, len(val), b))
            cells = sum(int(lengths[i:i + b].max()) * len(lengths[i:i + b]) for i in range(0, len(val), b))
            padded_share[b] = round(1 - real / cells, 4)
        log: dict = defaultdict(float)
        predictor.backend = Timed(predictor.backend, None, "network", log)
        # agreement with one padded call, before any timing (it also warms the session up)
        top1 = {}
        for tokens in SETTINGS:
            predictor.max_batch_tokens = tokens
            top1[tokens] = np.concatenate([predictor.probabilities(val[i:i + 32]).argmax(1)
                                           for i in range(0, len(val), 32)])
        agreement = {t: round(float((top1[t] == top1[None]).mean()), 4) for t in SETTINGS}
        shapes = {b: [val[b * i: b * (i + 1)] for i in range(min(48, len(val) // b))] for b in BATCHES}
        timed: dict = defaultdict(list)
        for rnd in range(3):
            for b, batches in shapes.items():
                for tokens in SETTINGS:
                    predictor.max_batch_tokens = tokens
                    for batch in batches[rnd::3]:
                        log.clear()
                        t = time.perf_counter()
                        predictor.predict(batch)
                        total = time.perf_counter() - t
                        timed[b, tokens].append((1e3 * total / len(batch), 1e3 * log["network"] / len(batch)))
        for b in BATCHES:
            base = np.median([r[0] for r in timed[b, None]])
            for tokens in SETTINGS:
                total, network = (float(np.median([r[k] for r in timed[b, tokens]])) for k in (0, 1))
                rec = {"study": "serving_padding", "dataset": name, "split": "val",
                       "variant": "one_padded_call" if tokens is None else f"max_batch_tokens_{tokens}",
                       "model": path, "batch_size": b, "max_batch_tokens": tokens, "threads": args.threads,
                       "metrics": {"ms_per_query_total": round(total, 4), "ms_per_query_network": round(network, 4),
                                   "speedup_vs_one_padded_call": round(base / total, 3),
                                   "top1_agreement_with_one_padded_call": agreement[tokens]},
                       "padding_share_of_one_padded_call": padded_share[b], "calls": len(timed[b, tokens]),
                       "validation_rows": len(val),
                       "command": "python experiments/serving/padding.py " + " ".join(
                           f"--model {m}" for m in args.model) + " " + " ".join(f"--checkpoint {c}"
                                                                                  for c in args.checkpoint),
                       "machine": machine(), "date": dt.date.today().isoformat(), "commit": commit(),
                       "load_avg_1m": round(os.getloadavg()[0], 2)}
                records = [r for r in records if (r["dataset"], r["batch_size"], r["max_batch_tokens"], r["threads"])
                           != (name, b, tokens, args.threads)] + [rec]
                print(f"{name} batch {b} max_batch_tokens {tokens}: total {total:.3f} ms/query (x{base / total:.2f}),"
                      f" network {network:.3f}; top-1 agreement {agreement[tokens]:.2%}; padding share of one call "
                      f"{padded_share[b]:.1%}", flush=True)
        RESULTS.write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
