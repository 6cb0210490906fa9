"""Would a better-calibrated lexical member help the mixture? The hybrid's lexical view is a one-vs-rest
LinearSVC whose margins become probabilities through one temperature; a multinomial logistic regression on the
same TF-IDF rows gives probabilities of its own. Judged on validation alone, like selection_cv.py: each seed's
own text and graph experts with either lexical member, the mixture (today's rule: grid, sharpness, leaf weighted
F1) fit on one random half of the validation rows and scored on the other, both ways round, 10 halvings. Test
is not read. The logistic regression is fit on the training split with a fixed C (no tuning on validation).

    cd experiments/strong_hybrid; (for a in "amazon_toys hybrid" "mwpd hybrid_6_epochs"; do
        PYTHONPATH=../../src ../../.venv/bin/python lexical_cv.py $a; done) > lexical_cv.txt
"""
import sys

import numpy as np
from evidence import member_logits, run_labels
from omegaconf import OmegaConf
from run import OUT
from selection_cv import HALVINGS, candidates, weighted_f1
from sklearn.linear_model import LogisticRegression

from prodcat.features.lexical import LexicalFeaturizer
from prodcat.models.mixture import simplex_grid
from prodcat.studies import run_folder

C = 10.0  # a common strength for l2-normalised TF-IDF rows; fixed, not chosen on validation
ABSENT_LOG_PROB = -30.0  # a class the regression never saw in training


def logistic_member(folder, n_classes: int) -> np.ndarray:
    """(N_val, C) log-probabilities of a multinomial logistic regression on the run's own TF-IDF features."""
    catalog, _, y = run_labels(folder)
    cfg = OmegaConf.to_container(OmegaConf.load(folder / ".hydra" / "config.yaml").lexical)
    featurizer = LexicalFeaturizer(cfg["word_ngrams"], cfg["char_ngrams"], cfg["min_df"])
    texts = [p.text for p in catalog.train]
    featurizer.fit(texts, max_features=max(1, int(cfg["max_weights"]) // n_classes))
    model = LogisticRegression(C=C, max_iter=300).fit(featurizer.transform(texts), y["train"])
    out = np.full((len(catalog.val), n_classes), ABSENT_LOG_PROB, dtype=np.float32)
    out[:, model.classes_] = model.predict_log_proba(featurizer.transform([p.text for p in catalog.val]))
    return out


def main(ds: str, variant: str = "hybrid") -> None:
    _, labels, y = run_labels(run_folder(OUT, ds, variant, 0))
    yv = y["val"]
    logistic = logistic_member(run_folder(OUT, ds, variant, 0), len(labels))  # the split is the same for every seed
    for seed in (0, 1, 2):
        text, graph, svm = member_logits(run_folder(OUT, ds, variant, seed))["val"]
        pools = {name: candidates([text, graph, lex], yv, simplex_grid(3))
                 for name, lex in (("svm", svm), ("logistic", logistic))}
        scores = {name: [] for name in pools}
        rng = np.random.default_rng(0)
        for _ in range(HALVINGS):
            perm = rng.permutation(len(yv))
            halves = (perm[: len(yv) // 2], perm[len(yv) // 2:])
            for fit, held in (halves, halves[::-1]):
                for name, pool in pools.items():
                    pred = pool[int(np.argmax([weighted_f1(yv[fit], p[fit]) for p, _ in pool]))][0]
                    scores[name].append(weighted_f1(yv[held], pred[held]))
        diff = 100 * (np.array(scores["logistic"]) - np.array(scores["svm"]))
        alone = {name: f"{100 * weighted_f1(yv, lex.argmax(1)):.2f}" for name, lex in (("svm", svm),
                                                                                        ("logistic", logistic))}
        print(ds, variant, seed, "lexical alone (val F1w):", alone, "mixture held-out:",
              {k: f"{100 * np.mean(v):.2f} ± {100 * np.std(v) / np.sqrt(len(v)):.2f}" for k, v in scores.items()},
              f"logistic - svm: {diff.mean():+.2f} ± {diff.std() / np.sqrt(len(diff)):.2f}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
