"""Issue 23: Word2Vec's vocabulary step at the 1M-triple graph, gensim's `build_vocab_from_freq` against
`prodcat.graph.walks.build_vocab` (the same model bit for bit, `tests/test_walks.py`), interleaved rounds on
the same walks (5 per entity, every entity), in one process. Writes vocab_bench.json beside this file.

    .venv/bin/python experiments/rdf2vec_scale/vocab_bench.py [--triples 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from gensim.models import Word2Vec

from prodcat import studies
from prodcat.graph import walks
from prodcat.graph.synthetic_kg import product_graph


def fresh_model() -> Word2Vec:
    return Word2Vec(vector_size=64, window=5, epochs=5, sg=1, negative=5, min_count=1, workers=2, seed=0,
                    hashfxn=walks.stable_hash)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--triples", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    kg = product_graph(a.triples, seed=0)
    wg = kg.walk_graph()
    w = walks.random_walks(wg, np.unique(kg.triples[:, 0]), 4, 5, seed=0)
    n_tokens = wg.n_nodes + len(wg.predicates)
    counts = np.bincount(w[w >= 0], minlength=n_tokens)
    present = np.flatnonzero(counts)
    words = walks.token_words(present, n_tokens)
    seconds: dict[str, list[float]] = {"gensim_build_vocab_from_freq": [], "prodcat_build_vocab": []}
    for _ in range(a.rounds):
        for name in seconds:
            model = fresh_model()
            t = time.perf_counter()
            if name == "prodcat_build_vocab":
                walks.build_vocab(model, words, counts[present])
            else:
                model.build_vocab_from_freq(dict(zip(words, counts[present].tolist(), strict=True)))
            seconds[name].append(round(time.perf_counter() - t, 3))
    med = {k: statistics.median(v) for k, v in seconds.items()}
    rec = {"study": "rdf2vec_scale", "issue": 23, "dataset": f"synthetic_{a.triples // 1000}k",
           "vocabulary": len(words), "seconds": seconds, "median_s": med,
           "speedup": round(med["gensim_build_vocab_from_freq"] / med["prodcat_build_vocab"], 1),
           "load_avg": [round(x, 2) for x in os.getloadavg()], "command": "python " + " ".join(os.sys.argv),
           "commit": studies.git_commit(), "date": dt.date.today().isoformat()}
    print(json.dumps(rec, indent=1))
    (Path(__file__).parent / "vocab_bench.json").write_text(json.dumps(rec, indent=1) + "\n")


if __name__ == "__main__":
    main()
