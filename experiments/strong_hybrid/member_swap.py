"""Where the Amazon gap between late_fusion and the hybrid comes from: late fusion's own grid (w, T chosen on
validation, test scored once) on other pairs of members of the same seed: (a) text_only + TF-IDF (= late_fusion),
(b) the hybrid's text expert + TF-IDF, (c) the hybrid's text expert + its lexical member, (d) text_only + the
hybrid's lexical member; "alone": each member's own test score. Per seed: (test, val, (w, T)).

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/member_swap.py amazon_toys > member_swap_amazon_toys.txt
"""
import sys

import numpy as np
from evidence import member_logits, metrics_of, run_labels, softmax, text_probabilities, tfidf_scores
from run import OUT

from prodcat.studies import run_folder

SPLITS = ("val", "test")
GRID = [(w, t) for w in np.linspace(0, 1, 21) for t in (1, 2, 5, 10, 20, 50)]  # late_fusion's grid (run.py)


def late_fusion(p: dict, q: dict, y: dict, levels) -> tuple:
    """w p + (1 - w) softmax(T q), (w, T) by validation leaf weighted F1: (test mean-level F1, val F1, (w, T))."""
    def fused(split, w, t):
        return w * p[split] + (1 - w) * softmax(t * q[split])

    val = {g: metrics_of(fused("val", *g), y["val"], levels)["f1_weighted"] for g in GRID}
    w, t = max(val, key=val.get)
    test = metrics_of(fused("test", w, t), y["test"], levels)["f1_weighted_mean_levels"]
    return round(100 * test, 2), round(100 * val[(w, t)], 2), (round(float(w), 2), t)


def main(ds: str) -> None:
    _, labels, y = run_labels(run_folder(OUT, ds, "hybrid", 0))
    tfidf = tfidf_scores(run_folder(OUT, ds, "tfidf_baseline", 0))
    for seed in (0, 1, 2):
        z = member_logits(run_folder(OUT, ds, "hybrid", seed))  # [text, graph, lexical T d] per split
        text_only = text_probabilities(run_folder(OUT, ds, "text_only", seed))
        hybrid_text = {s: softmax(z[s][0]) for s in SPLITS}
        hybrid_lex = {s: z[s][2] for s in SPLITS}
        alone = {"text_only": text_only, "hybrid_text": hybrid_text,
                 "hybrid_graph": {s: softmax(z[s][1]) for s in SPLITS},
                 "hybrid_lexical": {s: softmax(z[s][2]) for s in SPLITS}}
        print(seed, "alone", {k: round(100 * metrics_of(v["test"], y["test"], labels.level_ids)
                                      ["f1_weighted_mean_levels"], 2) for k, v in alone.items()})
        pairs = {"a text_only+tfidf": (text_only, tfidf), "b hybrid_text+tfidf": (hybrid_text, tfidf),
                 "c hybrid_text+hybrid_lex": (hybrid_text, hybrid_lex),
                 "d text_only+hybrid_lex": (text_only, hybrid_lex)}
        print(seed, *(f"{name} {late_fusion(p, q, y, labels.level_ids)}" for name, (p, q) in pairs.items()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
