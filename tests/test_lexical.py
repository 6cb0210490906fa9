"""The stacked lexical view: out-of-fold scores for training rows, an exact featurizer round trip, and the
view through training, checkpoint, predictor and ONNX; `lexical=none` switches it off."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from prodcat.features.lexical import LexicalFeaturizer, fit_lexical
from prodcat.models.lexical import LexicalLayer
from prodcat.models.mixture import Mixture, mix, simplex_grid
from prodcat.serve import Predictor
from prodcat.serve.export import export_checked
from prodcat.train import train

from .conftest import compose

CFG = {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "min_df": 1, "C": 1.0, "folds": 5, "max_weights": 5e7,
       "n_jobs": 2}


def _texts(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]
    return [" ".join(rng.choice(words, 6)) for _ in range(n)]


def test_training_rows_are_scored_out_of_fold():
    """Labels that are pure noise: the full model memorises its training rows, so scores in-sample would
    be nearly all right; out-of-fold they are at chance, as on unseen rows."""
    texts, y = _texts(300, 0), np.random.default_rng(1).integers(0, 3, 300)
    featurizer, model, oof = fit_lexical(texts, y, 3, CFG, seed=0)
    in_sample = model.decision(featurizer.transform(texts)).argmax(1)
    assert (in_sample == y).mean() > 0.95
    assert (oof.argmax(1) == y).mean() < 0.5
    assert 0.1 < model.temperature < 100


def test_fits_in_parallel_processes_give_the_same_model_as_one_process():
    texts, y = _texts(300, 3), np.arange(300) % 5
    _, one, oof_one = fit_lexical(texts, y, 5, {**CFG, "n_jobs": 1}, seed=0)
    _, two, oof_two = fit_lexical(texts, y, 5, {**CFG, "n_jobs": 2}, seed=0)
    np.testing.assert_array_equal(oof_one, oof_two)
    np.testing.assert_array_equal(one.weight, two.weight)
    assert one.temperature == two.temperature


def test_featurizer_round_trip_and_sparse_inputs_give_the_same_scores():
    texts, y = _texts(200, 2), np.arange(200) % 4
    featurizer, model, _ = fit_lexical(texts, y, 4, CFG, seed=0)
    rebuilt = LexicalFeaturizer.from_state_dict(json.loads(json.dumps(featurizer.state_dict())))
    queries = [*_texts(20, 3), "w1", "an unseen word"]
    assert abs(rebuilt.transform(queries) - featurizer.transform(queries)).max() < 1e-7
    layer = LexicalLayer(featurizer.n_features, 4, model)
    ids, values = rebuilt.sparse_inputs(queries)
    from_rows = layer.scores({"lexical_ids": torch.from_numpy(ids), "lexical_values": torch.from_numpy(values)})
    expected = model.decision(featurizer.transform(queries))
    torch.testing.assert_close(from_rows, torch.from_numpy(expected), atol=1e-5, rtol=1e-5)


def test_rows_are_scikit_learns_transform_bit_for_bit():
    """The serving path (`rows`, no scikit-learn call) gives transform's csr exactly: same ids, same float32
    values, for repeated n-grams, case, punctuation, unicode, texts with no known n-gram and empty texts;
    on a fitted featurizer and on one rebuilt from its state, as a checkpoint or ONNX file loads it."""
    words = ["Lego", "lego", "LEGO-City", "60150", "pizza", "van", "Ü-Ei", "café", "x", "3.5mm", "éé"]
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(300)]
    featurizer = LexicalFeaturizer().fit(texts[:200])
    rebuilt = LexicalFeaturizer.from_state_dict(json.loads(json.dumps(featurizer.state_dict())))
    queries = [*texts, "a b c lego\tcity\n\n60150  x", " Ü-Ei\u00a0café ", "", "   ", "qqqq kkkk", "🙂",
               "lego lego lego lego"]
    for f in (featurizer, rebuilt):
        X = f.transform(queries)
        X.sort_indices()
        rows = f.rows(queries)
        assert len(rows) == X.shape[0]
        for r, (ids, values) in enumerate(rows):
            lo, hi = X.indptr[r], X.indptr[r + 1]
            np.testing.assert_array_equal(ids, X.indices[lo:hi])
            assert values.dtype == np.float32 and np.array_equal(values, X.data[lo:hi]), queries[r]
    assert [len(ids) for ids, _ in rows[-4:-1]] == [0, 0, 0]  # "   ", "qqqq kkkk" and the emoji: no known n-gram
    assert len(rows[-1][0]) > 0 and len(rows[0][0]) > 0


def test_serving_rows_do_not_import_scikit_learn(tmp_path):
    """A server builds the featurizer from its state and calls `rows`: importing scikit-learn for that took
    ~2.2 s of an 11 s start (experiments/serving/cold_start_ab.txt)."""
    featurizer = LexicalFeaturizer().fit(_texts(50, 3))
    state = tmp_path / "state.json"
    state.write_text(json.dumps(featurizer.state_dict()))
    code = ("import json, sys; from prodcat.features.lexical import LexicalFeaturizer; "
            f"f = LexicalFeaturizer.from_state_dict(json.load(open({str(state)!r}))); "
            "assert len(f.rows(['w1 w2'])[0][0]) > 0; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sklearn', 'scipy', 'joblib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_feature_cap_keeps_the_weight_matrix_within_max_weights():
    texts, y = _texts(200, 4), np.arange(200) % 4
    featurizer, model, _ = fit_lexical(texts, y, 4, {**CFG, "max_weights": 4 * 300}, seed=0)
    assert featurizer.n_features <= 300 and model.weight.shape == (featurizer.n_features, 4)


def test_mixture_is_the_log_of_the_weighted_probabilities():
    a, b, c = torch.randn(5, 7), torch.randn(5, 7), torch.randn(5, 7)
    for w in ([0.0, 1.0, 0.0], [0.3, 0.3, 0.4], [1.0, 0.0, 0.0]):
        expected = (w[0] * a.softmax(-1) + w[1] * b.softmax(-1) + w[2] * c.softmax(-1)).log()
        torch.testing.assert_close(mix([a, b, c], torch.tensor(w)), expected, atol=1e-5, rtol=1e-5)
    assert all(abs(sum(w) - 1) < 1e-9 and min(w) >= 0 for k in (2, 3) for w in simplex_grid(k))


def test_the_mixture_weighs_the_member_that_is_right_on_held_out_rows():
    target = torch.arange(300) % 6
    right, noise = 5.0 * F.one_hot(target, 6).float(), torch.randn(300, 6, generator=torch.Generator().manual_seed(0))
    mixture = Mixture(2)
    assert mixture.fit([right, noise], target) == 1.0
    assert mixture.weights[0] > 0 and torch.equal(mixture([right, noise]).argmax(-1), target)
    assert mixture.fit([noise, right], target) == 1.0
    assert mixture.weights[0] < 1 and torch.equal(mixture([noise, right]).argmax(-1), target)
    # with each member right on a third of the rows, none alone reaches 0.6; the fitted mixture is right on all
    third = torch.arange(300) % 3
    members = [torch.where((third == k)[:, None], right, 0.5 * noise) for k in range(3)]
    assert Mixture(3).fit(members, target) > 0.95


@pytest.mark.parametrize("overrides", [[], pytest.param(["head=concat", "lexical.fusion=joint"],
                                                        marks=pytest.mark.slow)])
def test_hybrid_with_lexical_view_trains_restores_serves_and_exports(tmp_path, fast_overrides, overrides):
    cfg = compose(["+experiment=hybrid", *overrides, *fast_overrides], tmp_path)
    metrics, objects = train(cfg)
    model, prepared = objects["model"], objects["prepared"]
    assert metrics["timings"]["lexical_s"] > 0 and model.lexical is not None
    restored = Predictor.from_checkpoint(metrics["best_checkpoint"], top_k=1)
    module = restored.backend.module
    torch.testing.assert_close(module.lexical.weight, torch.as_tensor(prepared.lexical["model"].weight))
    if overrides:  # joint: the lexical weight trained with the head
        assert model.mixture is None and model.lexical.scale.detach().item() != 1.0
    else:  # text, graph and lexical members; the mixture fit on validation travels with the checkpoint
        assert module.mixture.weights.shape == (3,)
        assert module.mixture.weights.tolist() == pytest.approx([metrics["val"][f"val/mixture_weight_{k}"]
                                                                 for k in range(3)])
        # stacked checkpoints written before 24849b6 carry the joint fusion's scale, unused: they still load
        old = torch.load(metrics["best_checkpoint"], map_location="cpu", weights_only=False)
        old["state_dict"]["lexical.scale"] = torch.tensor(1.0)
        torch.save(old, tmp_path / "old.ckpt")
        assert Predictor.from_checkpoint(tmp_path / "old.ckpt").backend.module.lexical.scale is None
    # The checkpoint alone serves: predictions from raw text (the lexical inputs made by the predictor from
    # the saved vocabulary) equal the run's own test predictions, made from the prepared scores.
    saved = np.load(Path(cfg.paths.output_dir) / "test_predictions.npz")
    out = restored.predict([p.text for p in objects["catalog"].test])
    assert [r["categories"][0]["id"] for r in out] == [prepared.labels.leaves[i] for i in saved["pred"]]
    items = [{"text": p.text} for p in objects["catalog"].val[:64]]
    report = export_checked(restored.backend.module, tmp_path / "export", items, precisions=("fp32",))[0]
    assert report["passed"] and report["top1_agreement"] == 1.0


def test_lexical_none_switches_the_view_off(tmp_path, fast_overrides):
    cfg = compose(["+experiment=hybrid", "lexical=none", *fast_overrides], tmp_path)
    metrics, objects = train(cfg)
    assert objects["model"].lexical is None and "lexical_s" not in metrics["timings"]
    assert "lexical" not in objects["model"].assets


def test_each_expert_reads_its_own_view():
    from prodcat.models.heads import ExpertsHead

    head = ExpertsHead(text_dim=8, graph_dim=6, num_labels=5).eval()
    h, g = torch.randn(4, 8), torch.randn(4, 6)
    text, graph = head.experts(h, g)
    text_g, graph_g = head.experts(h, torch.randn(4, 6))  # another graph vector: only the graph expert moves
    text_h, graph_h = head.experts(torch.randn(4, 8), g)  # another text vector: only the text expert moves
    assert torch.equal(text, text_g) and not torch.allclose(graph, graph_g)
    assert torch.equal(graph, graph_h) and not torch.allclose(text, text_h)
    assert len(head.experts(h, g)) == head.n_experts
