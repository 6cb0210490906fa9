"""TF-IDF + LinearSVC: the lexical baseline every neural run is compared against.

Same catalog reader, label space (train split only) and `HierarchicalMetrics` as the neural tasks, so its
`metrics.json` (task=tfidf, `prodcat.tasks.tfidf`) has the same shape and metric names as theirs.

Features: word 1-2 grams and char_wb 2-5 grams (n-grams inside word boundaries, robust to model codes
and typos), each TF-IDF with sublinear tf and l2 norm, concatenated. Classifier: one-vs-rest LinearSVC on
the leaf class. Its decision function (N, C) stands in for logits: the argmax gives the leaf (and through
its ancestors every level), the top 5 give `acc_top5`.
`params`: total = n_features x n_classes + n_classes (weights and biases of the linear model, the size
of the stored model), nonzero = the nonzero ones (each class's weight vector is a sum of its support
vectors, so n-grams absent from all of them stay 0: about 20% of the total on MWPD).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from prodcat.data.labels import LabelSpace
from prodcat.eval.metrics import HierarchicalMetrics


def build_model(tfidf: dict, seed: int) -> Pipeline:
    common = dict(sublinear_tf=True, lowercase=True, max_features=tfidf.get("max_features"), dtype=np.float32)
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(tfidf["word_ngrams"]), **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(tfidf["char_ngrams"]), **common)),
    ])
    return Pipeline([("features", features), ("svm", LinearSVC(C=tfidf["C"], random_state=seed))])


def decision_scores(model: Pipeline, texts: list[str]) -> torch.Tensor:
    """(N, C) class scores; LinearSVC gives one column (class 1's score) for two classes."""
    d = np.asarray(model.decision_function(texts), dtype=np.float32)
    if d.ndim == 1:
        d = np.stack([-d, d], axis=1)
    return torch.from_numpy(d)


def evaluate(model: Pipeline, texts: list[str], y: list[int], labels: LabelSpace, split: str):
    """({split}/metric: value, predicted class ids) on one split."""
    metrics = HierarchicalMetrics(len(labels), labels.level_ids)
    scores = decision_scores(model, texts)  # (N, C)
    metrics.update(scores, torch.tensor(y, dtype=torch.long))
    return {f"{split}/{k}": v for k, v in metrics.compute().items()}, scores.argmax(-1).tolist()
