"""What inference needs besides the network: labels, tokenizer, graph linker, max length, input names.

A Lightning checkpoint carries them in its hyperparameters and `checkpoint["prodcat_assets"]`; an
exported ONNX file carries the same, as JSON, in its metadata (key `prodcat_assets`), so the ONNX file
alone is enough to serve: no checkpoint, no torch, no Lightning.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from prodcat.data.labels import LabelSpace

log = logging.getLogger(__name__)

METADATA_KEY = "prodcat_assets"
FORMAT = 1


def _plain(obj):
    """Tensors/arrays -> lists, recursively (a checkpoint's linker state may hold tensors)."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


@dataclass
class ServingAssets:
    leaves: list[str]  # class index -> leaf id ("A > B > C")
    uses_text: bool
    uses_graph: bool
    max_length: int = 0  # tokens, [CLS] and [SEP] included; the training value
    tokenizer_files: dict[str, str] = field(default_factory=dict)  # file name -> text
    linker: dict | None = None  # GraphLinker.state_dict()
    lexical: dict | None = None  # LexicalFeaturizer.state_dict() (lexical=tfidf); its W, b, T are in the network
    format: int = FORMAT

    @property
    def input_names(self) -> list[str]:
        """The network's inputs, in order (also the ONNX graph's input names)."""
        return ((["input_ids", "attention_mask"] if self.uses_text else []) + (["graph"] if self.uses_graph else [])
                + (["lexical_ids", "lexical_values"] if self.lexical else []))

    @classmethod
    def from_module(cls, module) -> ServingAssets:
        """From a `ProductClassifier` (freshly trained or loaded with `load_from_checkpoint`)."""
        hp, assets = module.hparams, module.assets
        head = module.head
        if head.uses_text and not assets.get("tokenizer_files"):
            raise ValueError("the model reads text but carries no tokenizer files (checkpoint['prodcat_assets'])")
        if head.uses_graph and not assets.get("linker"):
            raise ValueError("the model reads g(x) but carries no graph linker (checkpoint['prodcat_assets'])")
        uses_lexical = getattr(module, "lexical", None) is not None
        if uses_lexical and not assets.get("lexical"):
            raise ValueError("the model has a lexical view but carries no n-gram vocabulary "
                             "(checkpoint['prodcat_assets'])")
        max_length = assets.get("max_length", hp.backbone.get("max_length")) if head.uses_text else 0
        if not isinstance(max_length, int) or isinstance(max_length, bool):
            raise ValueError(f"the checkpoint holds no resolved max_length (backbone.max_length={max_length!r}): "
                             "inference must truncate as training did, so training has to store the number")
        return cls(
            leaves=list(module.label_space.leaves), uses_text=bool(head.uses_text), uses_graph=bool(head.uses_graph),
            max_length=max_length,
            tokenizer_files=dict(assets.get("tokenizer_files") or {}),
            linker=_plain(assets["linker"]) if head.uses_graph else None,
            lexical=_plain(assets["lexical"]) if uses_lexical else None,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ServingAssets:
        d = json.loads(text)
        if d.get("format") != FORMAT:
            raise ValueError(f"serving assets format {d.get('format')!r}, expected {FORMAT}")
        return cls(**d)

    def label_space(self) -> LabelSpace:
        return LabelSpace.from_dict({"leaves": self.leaves})

    def tokenizer(self, without_transformers: bool = False):
        """The training tokenizer, rebuilt from its files (fully loaded in memory, so the folder can go).
        `without_transformers` (the ONNX runtime): a `ServingTokenizer` on its tokenizer.json, the same ids without
        importing transformers and torch; transformers' when the files have no tokenizer.json."""
        if not self.uses_text:
            return None
        if without_transformers:
            from prodcat.serve.tokenizer import ServingTokenizer

            tokenizer = ServingTokenizer.from_files(self.tokenizer_files)
            if tokenizer is not None:
                return tokenizer
            log.info("the tokenizer files hold no tokenizer.json: loading them with transformers (imports torch)")
        from transformers import AutoTokenizer

        with tempfile.TemporaryDirectory() as tmp:
            for name, text in self.tokenizer_files.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            return AutoTokenizer.from_pretrained(tmp)

    def lexical_featurizer(self):
        if not self.lexical:
            return None
        from prodcat.features.lexical import LexicalFeaturizer

        return LexicalFeaturizer.from_state_dict(self.lexical)

    def graph_linker(self):
        if not self.uses_graph:
            return None
        from prodcat.graph.linker import GraphLinker

        return GraphLinker.from_state_dict(self.linker)
