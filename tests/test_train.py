"""End to end through `train(cfg)`: every experiment composes and runs, a checkpoint is
self-contained, a run writes metrics.json, W&B stays offline (bad configs: tests/test_bad_input.py)."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from omegaconf import open_dict
from transformers import AutoTokenizer

from prodcat.graph.linker import GraphLinker
from prodcat.models.module import ProductClassifier
from prodcat.train import train

from .conftest import ROOT, compose

EXPERIMENTS = sorted(p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml"))
# `distill` needs a trained teacher checkpoint: tests/test_distill.py trains one and runs every mode end to end.
# `pretrain_mlm` trains no classifier (no val/test scores): tests/test_pretrain.py runs it end to end.
FDR_EXPERIMENTS = [e for e in EXPERIMENTS if e not in ("distill", "pretrain_mlm")]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
@pytest.mark.parametrize("debug", ["fdr", "limit", "overfit"])
def test_every_experiment_composes(experiment, debug, tmp_path):
    cfg = compose([f"+experiment={experiment}", f"+debug={debug}"], tmp_path)
    assert cfg.experiment_name == experiment
    assert cfg.head.name in {"linear", "graph", "concat", "experts", "label_graph"}


@pytest.mark.parametrize("experiment", FDR_EXPERIMENTS)
def test_fast_dev_run_every_experiment(experiment, tmp_path, fast_overrides):
    cfg = compose([f"+experiment={experiment}", "+debug=fdr", *fast_overrides], tmp_path)
    metrics, objects = train(cfg)
    written = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert written["choices"]["experiment"] == experiment
    for split in ("val", "test"):
        for key in ("acc", "acc_top5", "f1_weighted", "f1_macro", "lvl1/f1_weighted", "f1_weighted_mean_levels"):
            assert 0.0 <= written[split][f"{split}/{key}"] <= 1.0
    if written["choices"]["backbone"] != "tfidf":
        no_text = experiment in ("graph_only", "lexical_graph")
        assert (objects["model"].encoder is None) == no_text  # never built when unused


def test_a_test_pass_over_some_batches_skips_the_per_row_reports(tmp_path, fast_overrides):
    # +debug=limit on MWPD scores 3 test batches of 256 (768 of 3,104 rows): the run used to fail after training
    # when it lined those predictions up with every test row's slice (synthetic catalogs have slices, as MWPD's do).
    cfg = compose(["+experiment=text_only", *fast_overrides, "eval_batch_size=64", "+trainer.limit_test_batches=1"],
                  tmp_path)
    metrics, _ = train(cfg)
    assert 0.0 <= metrics["test"]["test/acc"] <= 1.0
    assert metrics["slices"] == {}
    assert not (Path(cfg.paths.output_dir) / "test_report.json").exists()


def test_checkpoint_is_self_contained_for_inference(tmp_path, fast_overrides):
    cfg = compose(["+experiment=hybrid", *fast_overrides], tmp_path)
    with open_dict(cfg):
        cfg.paths.cache_dir = str(tmp_path / "own_cache")  # this run's own: deleted below
    metrics, objects = train(cfg)
    ckpt = metrics["best_checkpoint"]
    assert ckpt and Path(ckpt).is_file()
    raw = torch.load(ckpt, map_location="cpu", weights_only=True)  # no pickled objects inside
    assets = raw["prodcat_assets"]
    # The tokenizer is rebuilt from the checkpoint alone and tokenizes as the training one did.
    tok_dir = tmp_path / "tok"
    tok_dir.mkdir()
    for name, text in assets["tokenizer_files"].items():
        (tok_dir / name).write_text(text, encoding="utf-8")
    title = objects["catalog"].test[0].text
    rebuilt = AutoTokenizer.from_pretrained(tok_dir)
    assert rebuilt(title)["input_ids"] == objects["prepared"].tokenizer(title)["input_ids"]
    restored = ProductClassifier.load_from_checkpoint(ckpt, map_location="cpu").eval()
    assert restored.label_space.leaves == objects["prepared"].labels.leaves

    # The graph features of a product are recomputed from the checkpoint alone, identically.
    catalog = objects["catalog"]
    linker = GraphLinker.from_state_dict(restored.assets["linker"])
    feats = torch.as_tensor(linker.features(catalog.test[:16]))
    torch.testing.assert_close(feats, torch.as_tensor(objects["prepared"].splits["test"].graph[:16]))
    # Against the model that wrote it (after trainer.test(ckpt_path=best) it holds the best weights), once
    # the folders it was built from (caches, the run's tokenizer copy) are gone.
    batch = next(iter(objects["datamodule"].test_dataloader()))
    with torch.no_grad():
        expected = objects["model"].eval()(batch)
    shutil.rmtree(cfg.paths.cache_dir)
    shutil.rmtree(Path(cfg.paths.output_dir) / "tokenizer")
    with torch.no_grad():
        torch.testing.assert_close(ProductClassifier.load_from_checkpoint(ckpt, map_location="cpu").eval()(batch),
                                   expected)


def test_wandb_logs_offline_into_the_run_folder(tmp_path, fast_overrides):
    overrides = [o for o in fast_overrides if not o.startswith("logger=")]
    cfg = compose(["+experiment=graph_only", "+debug=limit", "logger=wandb", *overrides], tmp_path)
    train(cfg)
    runs = list((Path(cfg.paths.output_dir) / "wandb").glob("offline-run-*"))
    assert len(runs) == 1


def test_slice_accuracy_follows_rows_and_dropped_rows():
    from prodcat.data.catalog import Catalog, Product
    from prodcat.data.labels import LabelSpace, encode_labels
    from prodcat.eval.run_record import slice_accuracy

    train = [Product("a", ("X", "Y")), Product("b", ("X", "Z"))]
    test = [Product("c", ("X", "Y")), Product("d", ("Q", "R")), Product("e", ("X", "Z"))]
    catalog = Catalog("c", train, list(train), test, slices={"test": {"hard": [1, 2], "easy": [0]}})
    y = encode_labels(catalog, LabelSpace.from_products(train), skip_invalid=True)  # drops row 1
    assert catalog.slices["test"] == {"hard": [1], "easy": [0]}
    out = slice_accuracy(catalog, "test", pred=[0, 0], target=y["test"])
    assert out == {"all": {"n": 2, "acc": 0.5}, "hard": {"n": 1, "acc": 0.0}, "easy": {"n": 1, "acc": 1.0}}
