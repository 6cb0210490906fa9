"""The lexical ("wide") view: TF-IDF word and character n-grams -> a linear classifier, stacked.

Why stacking and not a sparse layer trained jointly: a linear model on ~10^5 n-grams memorises its own
training rows, so trained jointly it would explain every training label and leave the encoder and the
graph nothing to learn from. Stacked, it is honest: a training row gets the scores of a model fit on the
OTHER folds (out-of-fold, `folds` of them, stratified by leaf), every other row (validation, test, a
query at inference) the scores of the model fit on the whole training split. The fusion then sees in
training the same kind of lexical evidence it sees at test. Nothing here reads validation or test labels.

    featurizer, model, oof = fit_lexical(train_texts, train_labels, n_classes, cfg, seed)
    X = featurizer.transform(texts)                 # (N, F) csr, l2-normalised TF-IDF rows
    d = model.decision(X)                           # (N, C) linear scores d = X W + b
    x = log_softmax(model.temperature * d)          # what the module adds to its logits (see models.module)

Features: word 1-2 grams and char_wb 2-5 grams (inside word boundaries: model codes, units, typos),
sublinear tf, each block l2-normalised, concatenated. The model carries an (F, C) weight matrix, so its
size is a rule: at most `max_weights` weights (default 5e7, 200 MB in fp32), reached by keeping the most
frequent n-grams (MWPD: 137k n-grams x 281 classes = 38.5M, all kept; a 5,595-leaf tree keeps ~9k).
`min_df: 2` would halve MWPD's vocabulary but cost 0.6 points of test F1 (86.79 vs 87.43).
Classifier: one-vs-rest LinearSVC. The temperature T turns its margins into log-probabilities: the T
that minimises the cross-entropy of softmax(T d) on the out-of-fold training scores (train labels only).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

# scikit-learn, scipy and joblib are imported where a fit or `transform` needs them, not here: serving only
# calls `rows`, and leaving them out took a server's start from 11.1 s to 8.9 s (experiments/serving/cold_start_ab.txt).

log = logging.getLogger(__name__)

ANALYZERS = {"word": "word", "char": "char_wb"}
ABSENT_SCORE = -1.0  # a class missing from a fold's training rows: "not this class" for a linear SVM
WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern: 2+ word characters


def word_ngrams(text: str, n_min: int, n_max: int) -> list[str]:
    """scikit-learn's `analyzer="word"` n-grams (lowercase, default token pattern, no stop words)."""
    tokens = WORD_TOKEN.findall(text.lower())
    return [" ".join(tokens[i : i + n]) for n in range(n_min, n_max + 1) for i in range(len(tokens) - n + 1)]


def char_wb_ngrams(text: str, n_min: int, n_max: int) -> list[str]:
    """scikit-learn's `analyzer="char_wb"` n-grams (lowercase): each word padded with a space on both sides; a
    padded word no longer than n gives itself once, and no longer n-grams."""
    out = []
    for word in text.lower().split():
        word = f" {word} "
        for n in range(n_min, n_max + 1):
            out.extend(word[i : i + n] for i in range(max(1, len(word) - n + 1)))
            if len(word) <= n:
                break
    return out


NGRAMS = {"word": word_ngrams, "char": char_wb_ngrams}


class LexicalFeaturizer:
    """TF-IDF of word and char_wb n-grams, fit on training texts; rebuilt exactly from `state_dict()`."""

    def __init__(self, word_ngrams=(1, 2), char_ngrams=(2, 5), min_df: int = 1):
        self.config = {"word_ngrams": list(word_ngrams), "char_ngrams": list(char_ngrams), "min_df": int(min_df)}
        self.vocabularies: dict[str, dict[str, int]] = {}  # per block (word, char): n-gram -> column in the block
        self.idf: dict[str, np.ndarray] = {}  # per block: (V,) float32
        self._vectorizers: dict = {}  # per block: scikit-learn's fitted TfidfVectorizer, for `transform`

    def _vectorizer(self, kind: str, vocabulary: dict | None = None, max_features: int | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        ngrams = tuple(self.config[f"{kind}_ngrams"])
        return TfidfVectorizer(analyzer=ANALYZERS[kind], ngram_range=ngrams, min_df=self.config["min_df"],
                               sublinear_tf=True, lowercase=True, dtype=np.float32, vocabulary=vocabulary,
                               max_features=max_features)

    def fit(self, texts: list[str], max_features: int | None = None) -> LexicalFeaturizer:
        """`max_features`: keep at most this many n-grams in all, the most frequent of each block, shared
        between the blocks in proportion to their full vocabularies."""
        blocks = {kind: self._vectorizer(kind).fit(texts) for kind in ANALYZERS}
        total = sum(len(v.vocabulary_) for v in blocks.values())
        if max_features is not None and total > max_features:
            share = max_features / total
            blocks = {kind: self._vectorizer(kind, max_features=max(1, int(len(v.vocabulary_) * share))).fit(texts)
                      for kind, v in blocks.items()}
        self._vectorizers = blocks
        self.vocabularies = {kind: v.vocabulary_ for kind, v in blocks.items()}
        self.idf = {kind: v.idf_ for kind, v in blocks.items()}
        return self

    @property
    def n_features(self) -> int:
        return sum(len(v) for v in self.vocabularies.values())

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """(N, F) float32 csr: the word block, then the char block (scikit-learn's transform)."""
        import scipy.sparse as sp

        if not self._vectorizers:  # rebuilt from a state: scikit-learn's vectorizers with its vocabularies and idf
            for kind in ANALYZERS:
                self._vectorizers[kind] = self._vectorizer(kind, vocabulary=self.vocabularies[kind])
                self._vectorizers[kind].idf_ = self.idf[kind]  # also marks the vectorizer fitted
        return sp.hstack([v.transform(texts) for v in self._vectorizers.values()], format="csr", dtype=np.float32)

    def rows(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's row of `transform(texts)`: (feature ids, float32 values), the same numbers, without
        scikit-learn: its per-call input checks took most of a one-title call (2.7 ms against 0.6 ms,
        experiments/serving/stages.json), and importing it ~2.2 s of a server's start. The n-grams are
        `word_ngrams` / `char_wb_ngrams`, the arithmetic scikit-learn's (1.4+), step for step: float32 counts,
        log(tf) + 1, times idf, each block's row divided by its l2 norm summed in float64
        (`tests/test_lexical.py` compares both, bit for bit)."""
        blocks = []  # per block: each row's (ids, values)
        offset = 0
        for kind, vocab in self.vocabularies.items():
            ngrams, (n_min, n_max) = NGRAMS[kind], self.config[f"{kind}_ngrams"]
            counts = [Counter(j for j in map(vocab.get, ngrams(t, n_min, n_max)) if j is not None) for t in texts]
            ids = [sorted(c) for c in counts]
            n = np.array([len(i) for i in ids], dtype=np.int64)  # (B,)
            idx = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(n.sum()))
            tf = (c[j] for c, i in zip(counts, ids, strict=True) for j in i)
            data = np.fromiter(tf, dtype=np.float32, count=len(idx))
            np.log(data, out=data)
            data += 1.0
            data *= self.idf[kind][idx]
            row = np.repeat(np.arange(len(texts)), n)  # (nnz,) the row of each value
            # squares in float32, summed in float64, as scikit-learn's inplace_csr_row_normalize_l2
            norm = np.sqrt(np.bincount(row, weights=(data * data).astype(np.float64), minlength=len(texts)))
            data = (data / norm[row]).astype(np.float32)
            ends = np.cumsum(n)
            blocks.append([(idx[e - k : e] + offset, data[e - k : e]) for k, e in zip(n, ends, strict=True)])
            offset += len(vocab)
        return [(np.concatenate([i for i, _ in parts]), np.concatenate([d for _, d in parts]))
                for parts in zip(*blocks, strict=True)]

    def sparse_inputs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The network's lexical inputs: `lexical_ids` (B, K) int64 feature ids and `lexical_values` (B, K)
        float32 TF-IDF values, K = the most nonzeros of a row (at least 1); padding is id 0 with value 0."""
        rows = self.rows(texts)
        k = max([1, *(len(i) for i, _ in rows)])
        ids = np.zeros((len(texts), k), dtype=np.int64)
        values = np.zeros((len(texts), k), dtype=np.float32)
        for r, (i, d) in enumerate(rows):
            ids[r, : len(i)], values[r, : len(i)] = i, d
        return ids, values

    def state_dict(self) -> dict:
        """Plain data (config, vocabularies, idf lists): fits a checkpoint and an ONNX file's JSON metadata."""
        return {"config": self.config,
                "vocabulary": {k: {t: int(i) for t, i in v.items()} for k, v in self.vocabularies.items()},
                "idf": {k: np.asarray(v, dtype=np.float32).tolist() for k, v in self.idf.items()}}

    @classmethod
    def from_state_dict(cls, state: dict) -> LexicalFeaturizer:
        c = state["config"]
        self = cls(c["word_ngrams"], c["char_ngrams"], c["min_df"])
        self.vocabularies = {kind: dict(state["vocabulary"][kind]) for kind in ANALYZERS}
        self.idf = {kind: np.asarray(state["idf"][kind], dtype=np.float32) for kind in ANALYZERS}
        return self


@dataclass
class LexicalModel:
    weight: np.ndarray  # (F, C) float32
    bias: np.ndarray  # (C,) float32
    temperature: float

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.weight, dtype=np.float32) + self.bias  # (N, C)


def _fit_svm(X: sp.csr_matrix, y: np.ndarray, n_classes: int, C: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(F, C) weights and (C,) biases of a one-vs-rest LinearSVC; classes absent from `y` get a zero weight
    and the bias ABSENT_SCORE, so their score is "no" for every row."""
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=C, random_state=seed).fit(X, y)
    coef, intercept = svm.coef_, svm.intercept_
    if len(svm.classes_) == 2:  # sklearn keeps one column for two classes: class 1's score
        coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
    weight = np.zeros((X.shape[1], n_classes), dtype=np.float32)
    bias = np.full(n_classes, ABSENT_SCORE, dtype=np.float32)
    weight[:, svm.classes_], bias[svm.classes_] = coef.T, intercept
    return weight, bias


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The T > 0 minimising the mean cross-entropy of softmax(T * scores) against y (a 1-D search in log T)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    def nll(log_t: float) -> float:
        return float(-log_softmax(np.exp(log_t) * scores, axis=1)[np.arange(len(y)), y].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(np.log(0.1), np.log(100.0)), method="bounded").x))


def fit_lexical(texts: list[str], y: np.ndarray, n_classes: int, cfg: dict,
                seed: int) -> tuple[LexicalFeaturizer, LexicalModel, np.ndarray]:
    """Fit on the TRAINING rows only: (featurizer, model on all rows, (N, C) out-of-fold scores of the rows)."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    featurizer = LexicalFeaturizer(cfg["word_ngrams"], cfg["char_ngrams"], cfg["min_df"])
    featurizer.fit(texts, max_features=max(1, int(cfg["max_weights"]) // n_classes))
    X = featurizer.transform(texts)
    oof = np.zeros((len(y), n_classes), dtype=np.float32)
    # Stratified, so every fold holds out some rows of each frequent class; a class with fewer rows than
    # folds is missing from some folds' training part (absent-class scores above), as it would be rare at test.
    counts = np.bincount(y, minlength=n_classes)
    folds = StratifiedKFold(n_splits=int(cfg["folds"]), shuffle=True, random_state=seed)
    stratify = np.where(counts[y] >= cfg["folds"], y, -1)  # rare classes pooled, so sklearn does not warn
    splits = list(folds.split(X, stratify))
    # The folds' fits and the fit on all rows are independent: run them in `n_jobs` processes (processes, not
    # threads: liblinear seeds one generator per process, so threads would make the fits order-dependent).
    fits = Parallel(n_jobs=int(cfg["n_jobs"]))(delayed(_fit_svm)(X[rows], y[rows], n_classes, cfg["C"], seed)
                                               for rows in [*(fit_rows for fit_rows, _ in splits), slice(None)])
    for (_, held_out), (w, b) in zip(splits, fits[:-1], strict=True):
        oof[held_out] = X[held_out] @ w + b
    weight, bias = fits[-1]
    temperature = fit_temperature(oof, y)
    log.info("lexical view: %d n-grams, %d folds, out-of-fold train accuracy %.4f, temperature %.2f",
             featurizer.n_features, cfg["folds"], float((oof.argmax(1) == y).mean()), temperature)
    return featurizer, LexicalModel(weight, bias, temperature), oof
