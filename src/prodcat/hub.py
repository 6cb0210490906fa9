"""Share a trained model the Hugging Face way: `save_pretrained`, `from_pretrained`, `push_to_hub`.

    save_pretrained(module, "shared/my-hybrid", metrics=json.load(open("<run>/metrics.json")))
    module = from_pretrained("shared/my-hybrid")            # a local folder: offline
    module = from_pretrained("my-org/my-hybrid")            # a hub repo: downloaded once, then cached
    push_to_hub(module, "my-org/my-hybrid", metrics=...)    # needs `huggingface-cli login` or token=

The folder:
    config.json         prodcat's format number and the module's hyperparameters (labels, backbone, head, ...)
    model.safetensors   every weight except the encoder's: head, lexical view, mixture, label vectors
    encoder/            the fine-tuned encoder and the training tokenizer, a plain Hugging Face model folder
                        (AutoModel / AutoTokenizer.from_pretrained("<folder>/encoder") work on it alone)
    assets.json         what inference needs beyond weights: the graph linker (entity vectors), the lexical
                        n-gram vocabulary, the resolved max_length, the tokenizer files
    labels.json         class index -> category id ("A > B > C")
    README.md           the model card: metrics, data, intended use, how to load

Loading rebuilds the module from config.json with the encoder read from `encoder/` (never from the hub id
it was fine-tuned from), so a shared model loads offline on a machine that never saw the original backbone.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from safetensors.torch import load_file, save_file

from prodcat.models.heads import head_class
from prodcat.serve.assets import _plain

FORMAT = 1
ENCODER = "encoder"
CARD_METRICS = ("acc", "acc_top5", "f1_weighted", "f1_macro", "f1_weighted_mean_levels")


def save_pretrained(module, folder: str | Path, metrics: dict | None = None) -> Path:
    """Write `module` (a trained `ProductClassifier`) into `folder`; `metrics`: the run's metrics.json, for
    the model card."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hparams = _plain(dict(module.hparams))
    (folder / "config.json").write_text(json.dumps({"prodcat_format": FORMAT, "hparams": hparams}, indent=1))
    state = {k: v.contiguous() for k, v in module.state_dict().items() if not k.startswith(f"{ENCODER}.")}
    save_file(state, str(folder / "model.safetensors"))
    if module.encoder is not None:
        module.encoder.save_pretrained(folder / ENCODER)
        for name, text in module.assets.get("tokenizer_files", {}).items():
            (folder / ENCODER / name).write_text(text, encoding="utf-8")
    (folder / "assets.json").write_text(json.dumps(_plain(module.assets), ensure_ascii=False))
    (folder / "labels.json").write_text(json.dumps(list(module.label_space.leaves), ensure_ascii=False, indent=0))
    (folder / "README.md").write_text(model_card(hparams, metrics))
    return folder


def from_pretrained(name_or_path: str | Path, revision: str | None = None, device: str = "cpu"):
    """A `ProductClassifier` in eval mode from a folder written by `save_pretrained`, or from a hub repo id."""
    from prodcat.models.module import ProductClassifier

    folder = Path(name_or_path)
    if not folder.is_dir():
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(str(name_or_path), revision=revision))
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{folder}: no config.json; not a folder written by prodcat's save_pretrained")
    config = json.loads(config_path.read_text())
    if config.get("prodcat_format") != FORMAT:
        raise ValueError(f"{config_path}: prodcat_format {config.get('prodcat_format')!r}, expected {FORMAT}")
    hparams = config["hparams"]
    if (folder / ENCODER).is_dir():  # the fine-tuned encoder travels with the model
        hparams["backbone"] = {**hparams["backbone"], "name_or_path": str(folder / ENCODER)}
    module = ProductClassifier(**hparams, assets=json.loads((folder / "assets.json").read_text()))
    state = load_file(str(folder / "model.safetensors"))
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(f"{ENCODER}.")]
    if missing or unexpected:
        raise ValueError(f"{folder / 'model.safetensors'}: weights do not fit the model of config.json "
                         f"(missing {missing[:5]}, unexpected {unexpected[:5]})")
    return module.eval().to(device)


def push_to_hub(module, repo_id: str, metrics: dict | None = None, private: bool = True,
                token: str | None = None, commit_message: str = "prodcat model") -> str:
    """`save_pretrained` into a temporary folder and upload it to the hub repo `repo_id` (created if needed);
    returns the commit URL."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        save_pretrained(module, tmp, metrics)
        return str(api.upload_folder(folder_path=tmp, repo_id=repo_id, commit_message=commit_message))


def model_card(hparams: dict, metrics: dict | None) -> str:
    """README.md: hub metadata, what the model is, its scores, data and intended use."""
    leaves = hparams["labels"]["leaves"]
    backbone, head = hparams["backbone"], hparams["head"]
    kind = head_class(head["name"])
    views = [v for v, on in (("text", kind.uses_text), ("knowledge graph (RDF2Vec)", kind.uses_graph),
                             ("lexical (TF-IDF n-grams)", bool(hparams.get("lexical")))) if on]
    lines = ["---", "library_name: prodcat", "pipeline_tag: text-classification",
             "tags: [product-categorization, knowledge-graph, rdf2vec]", "---", "",
             f"# prodcat product categorizer ({backbone.get('name')}, head `{head['name']}`)", "",
             f"Classifies a product title into one of {len(leaves)} leaf categories "
             f"(depth {max(len(leaf.split(' > ')) for leaf in leaves)}), reading: {', '.join(views)}.", ""]
    if metrics:
        val, test = metrics.get("val", {}), metrics.get("test", {})
        nan = float("nan")
        rows = [f"| {name} | {val.get(f'val/{name}', nan):.4f} | {test.get(f'test/{name}', nan):.4f} |"
                for name in CARD_METRICS]
        data = metrics.get("data", {})
        lines += ["## Scores", "", "| metric | validation | test |", "|---|---|---|", *rows, "",
                  "## Data", "", f"Catalog `{data.get('name', '?')}`, rows per split {data.get('rows', '?')}; "
                  "validation chose the checkpoint (and the mixture weights), test was scored once.", ""]
    lines += ["## Intended use", "",
              "Suggesting the category of a product listing in the catalog it was trained on, with confidences "
              "for a human or a threshold to check. It knows only these categories, and the brands and sellers "
              "of its training catalog; other catalogs need retraining.", "",
              "## Load", "", "```python", "from prodcat.hub import from_pretrained",
              "from prodcat.serve import Predictor", "", "predictor = Predictor.from_module(from_pretrained(\"<this "
              "folder or repo id>\"))", "predictor.predict([\"apple iphone 15 pro 256gb\"])", "```", ""]
    return "\n".join(lines)
