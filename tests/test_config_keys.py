"""A key that no file under conf/ declares fails at start-up with its name (prodcat.config_keys)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from prodcat.config_keys import check_keys

from .conftest import ROOT

CONF = str(ROOT / "conf")


def composed(config: str, overrides: list[str]):
    with initialize_config_dir(version_base="1.3", config_dir=CONF):
        return compose(config_name=config, overrides=overrides)


@pytest.mark.parametrize("config,overrides", [
    ("train", ["+experiment=hybrid", "data=mwpd"]),
    ("train", ["+experiment=pretrain_mlm", "pretrain.sentence_pair=sop"]),  # task/mlm.yaml declares pretrain.*
    ("train", ["+experiment=tfidf_baseline", "data=amazon_toys", "data.brand_in_text=true"]),
    ("train", ["+experiment=distill", "distill=tinybert", "+sweep=distillation"]),
    ("predict", ["model=x.ckpt"]), ("export", ["checkpoint=x.ckpt"]), ("serve", ["model=x.onnx"]),
])
def test_declared_keys_pass(config, overrides):
    check_keys(composed(config, overrides), CONF, config)


@pytest.mark.parametrize("config,overrides,key", [
    ("train", ["+experiment=hybrid", "+optim.warmup_ratoi=0.1"], "optim.warmup_ratoi"),
    ("train", ["+experiment=pretrain_mlm", "+pretrain.mlm_probabilty=0.2"], "pretrain.mlm_probabilty"),
    ("train", ["+experiment=hybrid", "+lexcial.kind=tfidf"], "lexcial"),  # a whole new node: named once
    ("predict", ["model=x.ckpt", "+topk=3"], "topk"),
])
def test_an_undeclared_key_is_named(config, overrides, key):
    with pytest.raises(KeyError, match=rf"unknown config key\(s\) {key}:"):
        check_keys(composed(config, overrides), CONF, config)


def test_free_form_mappings_take_any_key_but_their_siblings_are_checked():
    """walker_kwargs goes to pyrdf2vec's walker, which checks its own arguments; a key beside it is still ours."""
    check_keys(composed("train", ["+experiment=hybrid", "+graph.settings.walker_kwargs.n_jobs=2"]), CONF, "train")
    with pytest.raises(KeyError, match="graph.settings.walker_kwarg:"):
        check_keys(composed("train", ["+experiment=hybrid", "+graph.settings.walker_kwarg.n_jobs=2"]), CONF, "train")


def test_a_misspelt_key_in_an_experiment_file_is_caught():
    """What struct mode cannot see: a key an experiment file sets (here as if text_brand.yaml said brand_in_txt)."""
    cfg = composed("train", ["+experiment=text_brand"])
    with open_dict(cfg):
        cfg.data.brand_in_txt = True
    with pytest.raises(KeyError, match="data.brand_in_txt"):
        check_keys(cfg, CONF, "train")


def test_train_py_refuses_an_undeclared_key_before_reading_data(tmp_path):
    done = subprocess.run([sys.executable, "train.py", "+experiment=hybrid", "+optim.warmup_ratoi=0.1",
                           f"hydra.run.dir={tmp_path}", "logger=none"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "unknown config key(s) optim.warmup_ratoi" in done.stderr
