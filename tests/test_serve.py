"""Serving: top-k records, per-item errors, truncation, parity with the module, checked ONNX/INT8
export (and exports that fail their check leave no file), and the predict.py command line."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from prodcat.serve import Predictor
from prodcat.serve.backends import load_module
from prodcat.serve.commands import export as export_command
from prodcat.serve.export import ExportCheckFailed, export_checked
from prodcat.serve.onnx_export import Exportable
from prodcat.serve.predictor import length_groups
from prodcat.train import train

from .conftest import FAST, ROOT, compose

TITLES = ["apple iphone 15 pro 256gb", "nike air max 90 white", "spigen case for iphone 15 pro"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A tiny hybrid trained once; its run folder gets the `.hydra/config.yaml` Hydra would write."""
    tmp = tmp_path_factory.mktemp("serve")
    # the lexical view's serving: tests/test_lexical.py. Random batches, as when the INT8 floor below was set:
    # with length-grouped ones this tiny model's near-tied classes flip more under INT8 (0.9733 measured)
    cfg = compose(["+experiment=text_graph", *FAST, "group_by_length=false"], tmp)
    metrics, objects = train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    (run_dir / ".hydra").mkdir(exist_ok=True)
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    return {"ckpt": metrics["best_checkpoint"], "run_dir": run_dir, **objects}


@pytest.fixture(scope="module")
def predictor(run):
    return Predictor.from_checkpoint(run["ckpt"], top_k=5, batch_size=16)


def _export_cfg(overrides):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        return hydra_compose(config_name="export", overrides=overrides)


@pytest.fixture(scope="module")
def exported(run):
    """`export.py checkpoint=<ckpt>` in-process: the validation split comes from the run's saved config."""
    # The tiny one-epoch model has near-tied top classes, so INT8 flips ~1 % of them (0.9867 on a fresh clone);
    # the product default (0.99) is for trained models, and the test checks the gate at the floor it sets here.
    reports = export_command(_export_cfg([f"checkpoint={run['ckpt']}", "min_agreement.int8=0.98"]))
    return {"reports": {r["precision"]: r for r in reports}, "dir": run["run_dir"] / "export"}


def _val_inputs(run, n=None):
    rows = run["catalog"].val[:n]
    return [{"text": p.text, "brand": p.brand} for p in rows]


def test_topk_records_fields_order_and_probabilities(predictor):
    records = predictor.predict(TITLES, top_k=4)
    leaves = set(predictor.assets.leaves)
    assert [r["index"] for r in records] == [0, 1, 2]
    for rec, title in zip(records, TITLES, strict=True):
        assert rec["text"] == title and rec["truncated"] is False and "error" not in rec
        cats = rec["categories"]
        assert len(cats) == 4
        conf = [c["confidence"] for c in cats]
        assert conf == sorted(conf, reverse=True) and all(0.0 <= c <= 1.0 for c in conf)
        assert sum(conf) <= 1.0 + 1e-5
        for c in cats:
            assert set(c) == {"id", "name", "path", "confidence"}
            assert c["id"] in leaves and c["id"] == " > ".join(c["path"]) and c["name"] == c["path"][-1]
    assert len(predictor.predict(TITLES[:1])[0]["categories"]) == 5  # the predictor's default top_k


def test_top_k_must_be_a_whole_number_of_at_least_one(predictor):
    for k in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=f"top_k={k!r}"):
            predictor.predict(TITLES, top_k=k)
    with pytest.raises(ValueError, match="top_k=0"):
        Predictor(predictor.backend, predictor.assets, top_k=0)
    n = len(predictor.assets.leaves)
    assert len(predictor.predict(TITLES[:1], top_k=n + 5)[0]["categories"]) == n  # more than exist: all of them


def test_a_text_the_tokenizer_cannot_read_says_it_abstains(predictor):
    guarded = Predictor(predictor.backend, predictor.assets, abstain_unknown_share=0.5)
    emoji, known = guarded.predict(["\U0001f642\U0001f680 \U0001f642", TITLES[0]])
    assert emoji["unknown_token_share"] == 1.0 and emoji["abstain"] is True and emoji["categories"]
    assert known["unknown_token_share"] == 0.0 and "abstain" not in known
    assert "abstain" not in predictor.predict(["\U0001f642"])[0]  # no threshold: never


def test_a_line_that_is_not_utf8_is_an_error_in_place(exported, tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"apple iphone 15 pro\n\xff\xfe broken \xc3\n nike air max 90\n")
    out = tmp_path / "out.jsonl"
    onnx = exported["dir"] / "model.int8.onnx"  # the runtime that starts fastest: reading is the same for both
    assert _cli([f"model={onnx}", "runtime=onnx", "threads=1", f"input={src}", f"output={out}"]) == []
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("error") for r in records] == [None, "line 2: not valid UTF-8 text", None]


def test_bad_items_get_errors_in_place_without_failing_the_batch(predictor):
    inputs = ["apple iphone 15 pro", "", "   \n", None, 42, {"text": "air max 90", "brand": 3},
              {"title": "no text field", "id": "a"}, {"text": "nike air max 90", "brand": "Nike", "id": "sku-7"}]
    records = predictor.predict(inputs)
    assert [r["index"] for r in records] == list(range(len(inputs)))
    errors = {r["index"]: r["error"] for r in records if "error" in r}
    assert set(errors) == {1, 2, 3, 4, 5, 6}
    assert errors[1] == errors[2] == "empty text"
    assert "NoneType" in errors[3] and "int" in errors[4] and "brand" in errors[5] and "'text'" in errors[6]
    assert records[6]["id"] == "a" and records[7]["id"] == "sku-7"
    alone = predictor.predict([inputs[0]])[0]["categories"]
    assert [c["id"] for c in records[0]["categories"]] == [c["id"] for c in alone]
    assert predictor.predict(["", None]) == [{"index": 0, "error": "empty text"},
                                             {"index": 1, "error": "text must be a string, got NoneType"}]


def test_overlong_text_is_truncated_and_flagged(predictor):
    n = predictor.assets.max_length
    assert len(predictor.tokenizer("pro", add_special_tokens=False)["input_ids"]) == 1
    exact = " ".join(["pro"] * (n - 2))  # [CLS] + n - 2 words + [SEP] = n tokens: nothing is cut
    over = exact + " pro"
    long = " ".join(TITLES * 20)
    flags = [r["truncated"] for r in predictor.predict([exact, over, long, TITLES[0]])]
    assert flags == [False, True, True, False]
    # Only the first max_length tokens are read: the cut text predicts as its own head does.
    head = predictor.tokenizer.decode(predictor.tokenizer(long, truncation=True, max_length=n)["input_ids"][1:-1])
    a, b = predictor.probabilities([long, head])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_predictions_equal_the_modules_on_the_same_rows(run, predictor):
    module = load_module(run["ckpt"])
    with torch.no_grad():
        logits = torch.cat([module(b) for b in run["datamodule"].val_dataloader()])  # (N, C)
    expected = torch.softmax(logits, dim=-1).numpy()
    got = predictor.probabilities(_val_inputs(run))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_length_groups_hold_every_row_once_within_the_token_budget():
    lengths = np.random.default_rng(0).integers(3, 40, size=200)
    groups = length_groups(lengths, 96)
    assert sorted(np.concatenate(groups).tolist()) == list(range(200))
    for g, nxt in zip(groups, groups[1:] + [None], strict=True):
        assert len(g) * lengths[g].max() <= 96 or len(g) == 1
        if nxt is not None:  # shortest first, and a group is closed only when the next text would overflow it
            assert lengths[g].max() <= lengths[nxt].min()
            assert (len(g) + 1) * lengths[nxt[0]] > 96
    assert [g.tolist() for g in length_groups(np.array([50, 3]), 8)] == [[1], [0]]  # over the budget: alone


class _Recorder:
    """The real backend, with the attention mask of every call it answers kept."""

    def __init__(self, backend):
        self.backend, self.calls = backend, []

    def __call__(self, inputs):
        self.calls.append(inputs["attention_mask"])
        return self.backend(inputs)


def test_length_groups_drop_the_padding_and_change_no_answer(run, predictor):
    inputs = [*_val_inputs(run, 30), {"text": " ".join(TITLES * 3)}, TITLES[1]]
    whole, grouped = (Predictor(_Recorder(predictor.backend), predictor.assets, batch_size=64, max_batch_tokens=m)
                      for m in (None, 64))
    expected, got = whole.probabilities(inputs), grouped.probabilities(inputs)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert (got.argmax(1) == expected.argmax(1)).all()
    (padded,), calls = whole.backend.calls, grouped.backend.calls
    assert len(calls) > 1 and sum(len(m) for m in calls) == len(inputs)
    for mask in calls:  # no column of padding alone, and within the budget (a longer text goes alone)
        assert mask.any(axis=0).all() and (mask.size <= 64 or len(mask) == 1)
    assert sum(m.size for m in calls) < padded.size / 2
    with pytest.raises(ValueError, match="max_batch_tokens=0"):
        Predictor(predictor.backend, predictor.assets, max_batch_tokens=0)


def test_static_int8_calibrated_by_percentile_answers_a_title_alike_in_any_batch(run, exported, tmp_path):
    # The histogram calibrators stack every batch's activations into one array: texts of different lengths
    # only go through because the calibration batches are padded to one shape first (quantize._one_shape).
    from prodcat.serve.quantize import quantize

    fp32 = exported["dir"] / "model.onnx"
    training_rows = [{"text": p.text, "brand": p.brand} for p in run["catalog"].train[:96]]
    path = quantize(fp32, tmp_path / "static.onnx", "static_encoder_percentile",
                    calibration=(Predictor.from_onnx(fp32, batch_size=32), training_rows))
    static, reference = Predictor.from_onnx(path, batch_size=64), Predictor.from_onnx(fp32, batch_size=64)
    items = _val_inputs(run, 48)
    batched = static.probabilities(items)  # (48, C)
    alone = np.concatenate([static.probabilities([x]) for x in items])
    np.testing.assert_allclose(alone, batched, atol=1e-5)  # fixed scales: no neighbour moves an answer
    assert (batched.argmax(1) == reference.probabilities(items).argmax(1)).mean() >= 0.9
    assert static.assets.leaves == reference.assets.leaves  # the serving assets rode along


def test_calibration_batches_pad_to_one_shape_on_the_tokenizer_side():
    from prodcat.serve.quantize import _one_shape

    batches = [{"input_ids": np.array([[5, 6]]), "attention_mask": np.array([[1, 1]]), "graph": np.ones((1, 3)),
                "lexical_ids": np.array([[7]]), "lexical_values": np.array([[0.5]], dtype=np.float32)},
               {"input_ids": np.array([[5, 6, 8]]), "attention_mask": np.array([[1, 1, 1]]), "graph": np.ones((1, 3)),
                "lexical_ids": np.array([[7, 9]]), "lexical_values": np.array([[0.5, 0.1]], dtype=np.float32)}]
    pads = {"input_ids": 0, "attention_mask": 0, "lexical_ids": 0, "lexical_values": 0}
    right, left = _one_shape(batches, pads, left=False)[0], _one_shape(batches, pads, left=True)[0]
    assert right["input_ids"].tolist() == [[5, 6, 0]] and right["attention_mask"].tolist() == [[1, 1, 0]]
    assert left["input_ids"].tolist() == [[0, 5, 6]] and left["attention_mask"].tolist() == [[0, 1, 1]]
    for padded in (right, left):  # TF-IDF pairs pad on the right whatever the tokenizer's side; g(x) is untouched
        assert padded["lexical_ids"].tolist() == [[7, 0]] and padded["lexical_values"].tolist() == [[0.5, 0.0]]
        assert padded["graph"].shape == (1, 3)


def test_onnx_fp32_and_int8_pass_their_checks(exported):
    reports = exported["reports"]
    for precision, name, floor in (("fp32", "model.onnx", 0.995), ("int8", "model.int8.onnx", 0.98)):
        r = reports[precision]
        assert r["passed"] and r["written"] and r["min_agreement"] == floor
        assert r["top1_agreement"] >= floor and r["rows"] == 150
        assert r["file_bytes"] == (exported["dir"] / name).stat().st_size
    assert reports["fp32"]["max_prob_diff"] < 1e-4
    assert reports["int8"]["file_bytes"] < reports["fp32"]["file_bytes"]
    written = json.loads((exported["dir"] / "export_report.json").read_text())
    assert [r["precision"] for r in written["exports"]] == ["fp32", "int8"]
    assert not list(exported["dir"].glob(".export-*"))  # no temporary folder left behind


def test_onnx_predictor_has_the_same_interface_and_agrees(run, predictor, exported):
    inputs = [*_val_inputs(run, 40), "", {"text": " ".join(TITLES * 20)}]
    ref = predictor.predict(inputs)
    for name in ("model.onnx", "model.int8.onnx"):
        onnx_records = Predictor.load(exported["dir"] / name, runtime="onnx", threads=2).predict(inputs)
        assert [r.keys() for r in onnx_records] == [r.keys() for r in ref]
        assert onnx_records[-2] == ref[-2] and onnx_records[-1]["truncated"] is True
        top1 = [(a["categories"][0]["id"] == b["categories"][0]["id"]) for a, b in zip(ref[:-2], onnx_records[:-2],
                                                                                          strict=True)]
        assert np.mean(top1) >= (1.0 if name == "model.onnx" else 0.95)


def test_thread_spinning_off_changes_no_answer_and_is_onnx_only(run, exported):
    """thread_spinning=false (conf/serve.yaml) is a session option of ONNX Runtime: the same probabilities, and a
    clear error where the runtime has no such setting."""
    inputs = _val_inputs(run, 40)
    model = exported["dir"] / "model.onnx"
    spinning = Predictor.load(model, runtime="onnx", threads=2).probabilities(inputs)
    sleeping = Predictor.load(model, runtime="onnx", threads=2, thread_spinning=False)
    assert sleeping.backend.session.get_session_options().get_session_config_entry(
        "session.intra_op.allow_spinning") == "0"
    np.testing.assert_allclose(sleeping.probabilities(inputs), spinning, atol=1e-6)
    with pytest.raises(ValueError, match="thread_spinning=false is an ONNX Runtime setting"):
        Predictor.load(run["ckpt"], runtime="torch", thread_spinning=False)


def test_sessions_run_without_the_fused_skip_layernorm_and_answer_alike(run, exported, tmp_path):
    """OnnxBackend leaves out SkipLayerNormFusion (slow on ONNX Runtime's CPU kernel, see backends.py): the
    optimized graph keeps Add + LayerNormalization, where the library default fuses them, and the
    probabilities stay those of the fused graph."""
    import onnx
    import onnxruntime as ort

    from prodcat.serve.backends import OnnxBackend, session_options

    model = exported["dir"] / "model.onnx"
    ops = {}
    for name, options in (("ours", session_options(threads=1)),
                          ("library_default", session_options(threads=1, disabled_optimizers=()))):
        options.optimized_model_filepath = str(tmp_path / f"{name}.onnx")
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        ops[name] = {n.op_type for n in onnx.load(str(tmp_path / f"{name}.onnx")).graph.node}
    assert "SkipLayerNormalization" in ops["library_default"]
    assert "SkipLayerNormalization" not in ops["ours"] and "LayerNormalization" in ops["ours"]

    inputs = _val_inputs(run, 40)
    ours = Predictor.from_onnx(model, threads=1).probabilities(inputs)
    fused = OnnxBackend(model, threads=1, disabled_optimizers=())
    np.testing.assert_allclose(ours, Predictor(fused, fused.assets).probabilities(inputs), atol=1e-5)


def test_an_export_that_fails_its_check_is_not_written(run, tmp_path, monkeypatch):
    module = load_module(run["ckpt"])
    inputs = _val_inputs(run, 40)
    reports = export_checked(module, tmp_path, inputs, precisions=["fp32"], min_agreement={"fp32": 1.01})
    assert reports[0]["top1_agreement"] == 1.0 and not reports[0]["passed"] and not reports[0]["written"]
    # A deliberately corrupted graph: the exported network puts the class scores in reverse order.
    def reversed_scores(self, *inputs):
        return self.module(dict(zip(self.input_names, inputs, strict=True))).flip(-1)

    monkeypatch.setattr(Exportable, "forward", reversed_scores)
    reports = export_checked(module, tmp_path, inputs, precisions=["int8"])
    assert reports[0]["top1_agreement"] < 0.5 and not reports[0]["written"]
    assert list(tmp_path.iterdir()) == []  # neither file, nor a temporary folder


def test_export_command_raises_and_writes_only_the_report_when_a_check_fails(run, tmp_path):
    cfg = _export_cfg([f"checkpoint={run['ckpt']}", f"out_dir={tmp_path}", "precisions=[fp32]",
                       "min_agreement.fp32=1.01", "max_val_rows=20"])
    with pytest.raises(ExportCheckFailed, match="fp32"):
        export_command(cfg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export_report.json"]


def _cli(args, stdin=None):
    proc = subprocess.run([sys.executable, "predict.py", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_predict_cli_texts_from_arguments(run):
    texts = "texts=[apple iphone 15 pro 256gb, 'nike air max 90, white', '']"  # Hydra list syntax; quoted commas
    records = _cli([f"model={run['ckpt']}", "top_k=2", texts])
    assert [len(r.get("categories", [])) for r in records] == [2, 2, 0]
    assert records[1]["text"] == "nike air max 90, white" and records[2]["error"] == "empty text"


def test_predict_cli_stdin_with_the_onnx_runtime(exported):
    records = _cli([f"model={exported['dir'] / 'model.int8.onnx'}", "runtime=onnx", "threads=1"],
                   stdin="apple iphone 15 pro\n\nnike air max 90\n")
    assert [r["index"] for r in records] == [0, 1, 2]
    assert "categories" in records[0] and records[1]["error"] == "empty text" and "categories" in records[2]


@pytest.mark.slow  # a predict.py process; the faster CLI tests cover arguments and stdin
def test_predict_cli_jsonl_file_in_batches(run, tmp_path):
    lines = [json.dumps({"id": i, "text": t, "brand": "Apple" if i == 0 else None}) for i, t in enumerate(TITLES)]
    lines += ["{not json", json.dumps({"text": 5}), json.dumps({"id": "x", "text": ""}), ""]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n" + json.dumps({"text": "garden hose 50ft"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert _cli([f"model={run['ckpt']}", f"input={src}", f"output={out}", "batch_size=2"]) == []
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in records] == list(range(8))
    assert [r.get("id") for r in records[:3]] == [0, 1, 2] and all("categories" in r for r in records[:3])
    assert "invalid JSON" in records[3]["error"] and "int" in records[4]["error"]
    assert records[5] == {"index": 5, "id": "x", "error": "empty text"}
    assert records[6]["error"] == "line 7: empty line" and records[7]["text"] == "garden hose 50ft"
