"""Where the Amazon gap between late_fusion and the hybrid comes from: late fusion's own grid (w, T chosen on
validation, test scored once) on other pairs of members of the same seed: (a) text_only + TF-IDF (= late_fusion),
(b) the hybrid's text expert + TF-IDF, (c) the hybrid's text expert + its lexical member, (d) text_only + the
hybrid's lexical member; "alone": each member's own test score. Per seed: (test, val, (w, T)).

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/member_swap.py amazon_toys > member_swap_amazon_toys.txt
"""
import sys

from evidence import member_logits, metrics_of, run_labels, softmax, text_probabilities, tfidf_scores
from run import OUT, fit_late_fusion

from prodcat.studies import run_folder

SPLITS = ("val", "test")


def late_fusion(p: dict, q: dict, y: dict, levels) -> tuple:
    """run.py's late fusion on any pair: (test mean-level F1, val F1, (w, T))."""
    w, t, val, probs = fit_late_fusion(p, q, y, levels)
    test = metrics_of(probs, y["test"], levels)["f1_weighted_mean_levels"]
    return round(100 * test, 2), round(100 * val, 2), (round(float(w), 2), t)


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
