"""Sharing the Hugging Face way: save_pretrained -> from_pretrained (offline, from a local folder) gives a model
that answers exactly like the one that was saved, with every view (text, graph, lexical, mixture)."""

import json

import numpy as np
import pytest
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer

from prodcat.hub import from_pretrained, save_pretrained
from prodcat.serve import Predictor
from prodcat.train import train

from .conftest import compose


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from .conftest import FAST

    tmp = tmp_path_factory.mktemp("hub")
    metrics, objects = train(compose(["+experiment=hybrid", "+debug=fdr", *FAST], tmp))
    return metrics, objects


def test_round_trip_answers_like_the_saved_model(trained, tmp_path):
    metrics, objects = trained
    model, catalog = objects["model"], objects["catalog"]
    folder = save_pretrained(model, tmp_path / "shared", metrics=metrics)

    restored = Predictor.load(folder)  # predict.py model=<folder> takes the same path
    assert restored.backend.module.hparams.backbone["name_or_path"] == str(folder / "encoder")
    items = [{"text": p.text, "brand": p.brand} for p in catalog.val[:64]]
    np.testing.assert_allclose(restored.probabilities(items), Predictor.from_module(model).probabilities(items),
                               rtol=0, atol=1e-6)
    assert restored.backend.module.mixture.weights.tolist() == model.mixture.weights.tolist()

    assert json.loads((folder / "labels.json").read_text()) == list(model.label_space.leaves)
    card = (folder / "README.md").read_text()
    assert "library_name: prodcat" in card and "| f1_weighted_mean_levels |" in card
    assert "reading: text, knowledge graph (RDF2Vec), lexical (TF-IDF n-grams)." in card
    # the encoder folder is a plain Hugging Face model: usable without prodcat
    assert AutoModel.from_pretrained(folder / "encoder").config.hidden_size == model.encoder.config.hidden_size
    assert AutoTokenizer.from_pretrained(folder / "encoder")("a title")["input_ids"]


def test_weights_of_another_model_fail_with_the_file_named(trained, tmp_path):
    _, objects = trained
    folder = save_pretrained(objects["model"], tmp_path / "shared")
    weights = load_file(str(folder / "model.safetensors"))
    save_file({k: v for k, v in weights.items() if not k.startswith("head.")}, str(folder / "model.safetensors"))
    with pytest.raises(ValueError, match="model.safetensors: weights do not fit"):
        from_pretrained(folder)


def test_a_folder_that_is_not_a_saved_model_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        from_pretrained(tmp_path)
