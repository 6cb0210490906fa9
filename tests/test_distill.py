"""Knowledge distillation (prodcat.distill): the losses against hand computations, the layer copy, the teacher
logits cache, each mode end to end from a tiny trained teacher, and the errors a user can run into."""

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import prodcat.distill.teacher as teacher_mod
from prodcat.data.datamodule import Collate
from prodcat.data.labels import LabelSpace
from prodcat.distill.losses import attention_mse, copy_layer_ids, hidden_mse, soft_kl, soft_loss, uniform_layer_map
from prodcat.distill.module import DistillClassifier, forward_with_states
from prodcat.distill.student import copy_backbone
from prodcat.distill.teacher import check_label_space, load_teacher, teacher_logits
from prodcat.models.module import ProductClassifier
from prodcat.serve.predictor import Predictor
from prodcat.train import train

from .conftest import FAST, compose
from .tiny_models import build_tiny


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A tiny text + graph model (2-layer BERT, concat head) trained for one epoch on the small synthetic
    catalog (text_graph: distillation from a teacher with the lexical view is not implemented)."""
    cfg = compose(["+experiment=text_graph", *FAST], tmp_path_factory.mktemp("teacher"))
    metrics, objects = train(cfg)
    assert metrics["best_checkpoint"] and Path(metrics["best_checkpoint"]).is_file()
    return SimpleNamespace(ckpt=metrics["best_checkpoint"], objects=objects)


def _distill(mode: str, teacher, tmp_path, *extra: str, fast: list[str] = FAST):
    cfg = compose(["+experiment=distill", f"distill={mode}", f"distill.teacher={teacher.ckpt}", *fast, *extra],
                  tmp_path)
    return train(cfg)


# -- losses --------------------------------------------------------------------------------------------
def _softmax(xs, t=1.0):
    e = [math.exp(x / t) for x in xs]
    return [v / sum(e) for v in e]


def test_soft_loss_matches_a_hand_computation():
    s, t, temp, alpha = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], [[0.2, 3.0, -1.0], [1.0, 1.0, 1.0]], 2.0, 0.3
    y = [2, 1]
    kl = [sum(q * math.log(q / p) for p, q in zip(_softmax(si, temp), _softmax(ti, temp), strict=True))
          for si, ti in zip(s, t, strict=True)]  # KL(p_teacher || p_student) per row
    ce = [-math.log(_softmax(si)[yi]) for si, yi in zip(s, y, strict=True)]
    kd_expected = temp ** 2 * sum(kl) / 2
    got = soft_loss(torch.tensor(s), torch.tensor(t), torch.tensor(y), temperature=temp, alpha=alpha)
    assert got["kd"].item() == pytest.approx(kd_expected, rel=1e-5)
    assert got["ce"].item() == pytest.approx(sum(ce) / 2, rel=1e-5)
    assert got["loss"].item() == pytest.approx(alpha * kd_expected + (1 - alpha) * sum(ce) / 2, rel=1e-5)
    assert soft_kl(torch.tensor(t), torch.tensor(t), temp).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="alpha"):
        soft_loss(torch.tensor(s), torch.tensor(t), torch.tensor(y), temperature=temp, alpha=1.5)


def test_state_and_attention_mse_skip_padding():
    mask = torch.tensor([[1, 1, 0]])
    a = torch.zeros(1, 3, 4)
    b = a.clone()
    b[0, 2] = 100.0  # differs only at the padded position
    ident = torch.nn.Identity()
    assert hidden_mse([a], [b], [(0, 0)], mask, ident, ident).item() == 0.0
    b[0, 1, 0] = 2.0  # one real value off by 2 -> 4 / (2 tokens * 4 dims)
    assert hidden_mse([a], [b], [(0, 0)], mask, ident, ident).item() == pytest.approx(0.5)
    s_att, t_att = torch.zeros(1, 2, 3, 3), torch.zeros(1, 4, 3, 3)  # different head counts: head means
    t_att[0, :, 0, 1] = 1.0
    t_att[0, :, 2, 2] = 9.0  # padded query and key: ignored
    assert attention_mse([s_att], [t_att], [(0, 0)], mask).item() == pytest.approx(1.0 / 4)


def test_layer_mappings():
    assert copy_layer_ids(12, 6) == [0, 2, 4, 7, 9, 11]  # DistilBERT's choice
    assert copy_layer_ids(6, 3) == [0, 3, 5]
    assert copy_layer_ids(6, 2) == [0, 5]
    assert copy_layer_ids(6, 1) == [5]
    for bad in (0, 7):
        with pytest.raises(ValueError, match="student_layers"):
            copy_layer_ids(6, bad)
    assert uniform_layer_map(3, 6) == [1, 3, 5]
    assert uniform_layer_map(4, 12) == [2, 5, 8, 11]


# -- the student's encoder -----------------------------------------------------------------------------
def _code_teacher(layers: int = 4) -> ProductClassifier:
    backbone = {"name": "t", "architecture": dict(hidden_size=32, num_hidden_layers=layers, num_attention_heads=2,
                                                  intermediate_size=64, max_position_embeddings=32),
                "pooling": "cls", "pooling_layers": 4, "max_length": 16, "dropout": {"hidden_dropout_prob": 0.0}}
    return ProductClassifier(labels={"leaves": ["a > b", "a > c", "d > e"]}, backbone=backbone,
                             head={"name": "linear", "dropout": 0.0}, optim={"lr": 1e-3}, graph_dim=0,
                             vocab_size=50, seed=3).eval()


def test_copy_keeps_the_mapped_teacher_layers():
    t = _code_teacher(4)
    backbone, state, ids = copy_backbone(t, 2)
    assert ids == [0, 3] and backbone["architecture"]["num_hidden_layers"] == 2
    student = ProductClassifier(labels=t.hparams.labels, backbone=backbone, head=dict(t.hparams.head),
                                optim={"lr": 1e-3}, graph_dim=0, vocab_size=50, seed=0)
    student.encoder.load_state_dict(state, strict=True)  # every key of the rebuilt architecture is filled
    for j, i in enumerate(ids):
        for (name, p), (_, q) in zip(student.encoder.encoder.layer[j].named_parameters(),
                                     t.encoder.encoder.layer[i].named_parameters(), strict=True):
            assert torch.equal(p, q), (j, i, name)
    assert torch.equal(student.encoder.embeddings.word_embeddings.weight, t.encoder.embeddings.word_embeddings.weight)
    assert not torch.equal(student.encoder.encoder.layer[1].output.dense.weight,
                           t.encoder.encoder.layer[1].output.dense.weight)  # layer 1 was skipped
    _, _, explicit = copy_backbone(t, 2, [1, 2])
    assert explicit == [1, 2]
    with pytest.raises(ValueError, match="student_layer_ids"):
        copy_backbone(t, 2, [2, 1])
    with pytest.raises(ValueError, match="BERT-architecture"):
        copy_backbone(SimpleNamespace(encoder=torch.nn.Linear(2, 2)), 1)


def test_forward_with_states_is_the_module_forward():
    t = _code_teacher(2)
    t.encoder.set_attn_implementation("eager")
    ids = torch.tensor([[2, 7, 9, 3], [2, 5, 3, 0]])
    batch = {"input_ids": ids, "attention_mask": (ids != 0).long()}
    with torch.no_grad():
        logits, states, attn = forward_with_states(t, batch)
        torch.testing.assert_close(logits, t(batch))
    assert len(states) == 3 and len(attn) == 2 and attn[0].shape == (2, 2, 4, 4)


# -- the teacher -------------------------------------------------------------------------------------
def test_teacher_logits_are_cached(teacher, tmp_path, monkeypatch):
    model = load_teacher(teacher.ckpt)
    train_split = teacher.objects["prepared"].splits["train"]
    pad = teacher.objects["prepared"].pad_id
    args = (train_split.token_ids, train_split.graph, pad, tmp_path / "cache")
    first, info = teacher_logits(model, teacher.ckpt, "data-a", *args)
    assert info["cache"] == "built" and first.shape == (len(train_split), len(model.label_space))
    rows = list(range(8))  # the cached rows are the teacher's own output on those rows
    with torch.no_grad():
        direct = model(Collate(train_split, pad)(rows))
    torch.testing.assert_close(torch.from_numpy(first[rows]), direct, rtol=1e-4, atol=1e-4)

    def must_not_run(*a, **k):
        raise AssertionError("the teacher ran again although its logits are cached")

    monkeypatch.setattr(teacher_mod, "run_teacher", must_not_run)
    again, info2 = teacher_logits(model, teacher.ckpt, "data-a", *args)
    assert info2["cache"] == "hit" and info2["key"] == info["key"]
    assert (again == first).all()
    with pytest.raises(AssertionError, match="ran again"):  # other data: another key, so it must run
        teacher_logits(model, teacher.ckpt, "data-b", *args)


def test_label_space_mismatch_errors(teacher, tmp_path):
    model = load_teacher(teacher.ckpt)
    fewer = LabelSpace.from_dict({"leaves": list(model.label_space.leaves)[1:]})
    with pytest.raises(ValueError, match=r"label space .* differs"):
        check_label_space(model, fewer, "t.ckpt")
    rows = [{"title": f"acme widget {i}", "category_path": "Other Stuff > Widgets"} for i in range(12)]
    file = tmp_path / "other.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(ValueError, match="teacher classes absent from the data"):
        _distill("none", teacher, tmp_path, "data=catalog_file", f"data.catalog.file={file}",
                 "distill.student_layers=1", "+debug=fdr", fast=[o for o in FAST if not o.startswith("data.")])


# -- end to end ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,student", [
    ("none", ["distill.student_layers=1"]),
    ("soft", ["distill.student_layers=1"]),
    ("tinybert", ["distill.student_layers=1"]),
    # the `tiny` architecture at another width and head count: projections and head-averaged attention
    ("tinybert", ["backbone.architecture.hidden_size=48", "backbone.architecture.num_attention_heads=1",
                  "backbone.architecture.intermediate_size=96"]),
])
def test_fast_dev_run_each_mode(mode, student, teacher, tmp_path):
    alpha = ["distill.alpha=0.7"] if mode == "soft" else []  # not 0.5: a swap of the two weights must show
    metrics, objects = _distill(mode, teacher, tmp_path, "+debug=fdr", *student, *alpha)
    assert metrics["distill"]["mode"] == mode and metrics["choices"]["distill"] == mode
    for key in ("f1_weighted", "f1_weighted_mean_levels", "f1_macro"):
        assert 0.0 <= metrics["test"][f"test/{key}"] <= 1.0
    parts = getattr(objects["model"], "last_loss_parts", {})  # the terms of the last training step
    if mode != "none":  # a one-layer copy differs from its teacher: the KL term is positive
        assert {"kd", "ce"} <= set(parts) and float(parts["kd"]) > 0
    if mode == "soft":  # and the loss is alpha KD + (1 - alpha) CE with the configured alpha
        alpha, kd, ce = metrics["distill"]["alpha"], float(parts["kd"]), float(parts["ce"])
        assert alpha == 0.7 and float(parts["loss"]) == pytest.approx(alpha * kd + (1 - alpha) * ce)
    if mode == "tinybert":
        assert float(parts["hidden_mse"]) > 0 and float(parts["attention_mse"]) >= 0
        assert parts["loss"] > parts["hidden_mse"]  # the soft loss is in the total too
    if mode == "soft":
        assert metrics["distill"]["teacher_logits"]["cache"] in ("built", "hit")
    # The teacher is frozen: its weights are the checkpoint's after the student trained.
    saved = load_teacher(teacher.ckpt).state_dict()
    assert all(torch.equal(v, saved[k]) for k, v in objects["teacher"].state_dict().items())
    student_model = objects["model"]
    assert student_model.hparams.labels == objects["teacher"].hparams.labels
    if "distill.student_layers=1" in student:
        assert metrics["distill"]["copied_layers"] == [1]
        assert student_model.encoder.config.num_hidden_layers == 1


def test_student_graph_features_hold_out_training_rows_as_plain_training_does(teacher, tmp_path):
    """The student's training rows link brands out of fold, as the teacher's did (graph.train_links), not
    in-sample: the student trains on the g(x) distribution the teacher was trained and tested on."""
    metrics, objects = _distill("soft", teacher, tmp_path, "+debug=fdr", "head=concat")
    student_g = objects["datamodule"].splits["train"].graph
    teacher_g = teacher.objects["prepared"].splits["train"].graph  # same catalog, same seed, same folds
    np.testing.assert_array_equal(student_g, teacher_g)
    in_sample = teacher.objects["prepared"].linker.features(objects["catalog"].train)
    assert student_g[:, -2].mean() < in_sample[:, -2].mean()  # fewer brands linked than in-sample


def test_a_teacher_with_the_lexical_view_is_refused(tmp_path):
    metrics, _ = train(compose(["+experiment=text_lexical", *FAST, "+debug=limit", "trainer.max_epochs=1"],
                               tmp_path / "t"))
    with pytest.raises(ValueError, match="teacher with the lexical view"):
        _distill("soft", SimpleNamespace(ckpt=metrics["best_checkpoint"]), tmp_path / "s", "+debug=fdr")


def test_student_checkpoint_loads_and_serves_as_a_product_classifier(teacher, tmp_path):
    extra = ["+debug=limit", "trainer.max_epochs=1", "backbone.architecture.hidden_size=48",
             "backbone.architecture.num_attention_heads=1", "backbone.architecture.intermediate_size=96"]
    metrics, objects = _distill("tinybert", teacher, tmp_path, *extra)  # validate/test reload it as a distiller
    ckpt = metrics["best_checkpoint"]
    raw = torch.load(ckpt, map_location="cpu", weights_only=True)
    assert not any(k.startswith("distill_proj.") for k in raw["state_dict"])
    assert raw["prodcat_distill"]["projections"]  # 48 -> 128: trained projections kept beside the student
    student = ProductClassifier.load_from_checkpoint(ckpt, map_location="cpu").eval()
    assert student.encoder.config.hidden_size == 48
    records = Predictor.from_checkpoint(ckpt).predict([objects["catalog"].test[0].text])
    assert len(records[0]["categories"]) == 5
    # validate/test reloaded the best checkpoint into the distiller: its projections are the saved ones
    for k, v in objects["model"].distill_proj.state_dict().items():
        assert torch.equal(v, raw["prodcat_distill"]["projections"][f"distill_proj.{k}"])
    plain = DistillClassifier.load_from_checkpoint(ckpt, map_location="cpu")  # no setup: the student alone
    assert not hasattr(plain, "distill_proj")


def test_configuration_errors(teacher, tmp_path):
    with pytest.raises(ValueError, match="needs a teacher"):  # a teacher loss without a teacher
        train(compose(["+experiment=distill", *FAST], tmp_path))
    with pytest.raises(ValueError, match="need task=distill"):  # the classify task never ignores distill settings
        train(compose(["distill=soft", *FAST], tmp_path))
    with pytest.raises(ValueError, match="freeze=frozen"):
        _distill("soft", teacher, tmp_path, "freeze=frozen")
    with pytest.raises(ValueError, match="resume"):
        _distill("soft", teacher, tmp_path, "resume=true")
    own = build_tiny("bert", [p.text for p in teacher.objects["catalog"].train[:200]], tmp_path / "own_tok")
    with pytest.raises(ValueError, match="must tokenize as the teacher"):
        _distill("tinybert", teacher, tmp_path, f"backbone.name_or_path={own}", "backbone.max_length=16")
