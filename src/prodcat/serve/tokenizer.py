"""The training tokenizer read straight from its `tokenizer.json` with the `tokenizers` library.

Why: an ONNX server needs neither torch nor transformers, but `AutoTokenizer` imports both, and that import
was most of a cold start (5.6-6.3 s of ~9 s, experiments/serving). A fast Hugging Face tokenizer is a thin
layer over this same Rust tokenizer; `ServingTokenizer` sets the truncation and padding the way that layer does
(its `tokenizer_config.json`), so the ids are the same bit for bit (tests/test_serving_tokenizer.py checks every
tokenizer family against transformers). Only the calls `Predictor` makes are offered.
"""

from __future__ import annotations

import json

import numpy as np

# tokenizer_config.json keys whose values name special tokens (transformers' `all_special_ids` reads the same)
SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
LIST_KEYS = ("additional_special_tokens", "extra_special_tokens")


class ServingTokenizer:
    def __init__(self, tokenizer_json: str, config: dict):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_str(tokenizer_json)
        self._tok.no_truncation()
        self._tok.no_padding()
        self.padding_side = config.get("padding_side", "right")
        self.truncation_side = config.get("truncation_side", "right")
        self.pad_token_type_id = int(config.get("pad_token_type_id", 0))
        self.pad_token = _content(config.get("pad_token"))
        self.pad_token_id = self._id(self.pad_token)
        self.unk_token_id = self._id(_content(config.get("unk_token")))
        names = [_content(config.get(k)) for k in SPECIAL_KEYS]
        names += [_content(t) for k in LIST_KEYS for t in (config.get(k) or [])]
        self.all_special_ids = sorted({i for i in map(self._id, names) if i is not None})

    @classmethod
    def from_files(cls, files: dict[str, str]) -> ServingTokenizer | None:
        """From a checkpoint's tokenizer files; None when they hold no `tokenizer.json` (a slow-only tokenizer)."""
        if "tokenizer.json" not in files:
            return None
        return cls(files["tokenizer.json"], json.loads(files.get("tokenizer_config.json", "{}")))

    def _id(self, token: str | None) -> int | None:
        return None if token is None else self._tok.token_to_id(token)

    def __call__(self, texts: list[str], *, truncation: bool, max_length: int | None = None, padding: bool = False,
                 return_tensors: str | None = None, return_token_type_ids: bool = False, verbose: bool = True) -> dict:
        """`{"input_ids", "attention_mask"}` for `texts` with special tokens, cut to `max_length` (truncation) and
        padded to the longest (padding), as lists of lists, or (B, T) int arrays with return_tensors="np".
        `verbose` is transformers' switch for its over-length warning; this class has no warning to switch."""
        if return_token_type_ids or return_tensors not in (None, "np") or (padding and return_tensors is None):
            raise ValueError("ServingTokenizer offers ids and attention masks, padded as numpy arrays or unpadded "
                             "as lists")
        if truncation:
            if max_length is None:
                raise ValueError("truncation needs max_length")
            self._tok.enable_truncation(max_length, stride=0, strategy="longest_first", direction=self.truncation_side)
        else:
            self._tok.no_truncation()
        if padding:
            if self.pad_token_id is None:
                raise ValueError("padding needs a pad token, and the tokenizer has none")
            self._tok.enable_padding(direction=self.padding_side, pad_id=self.pad_token_id,
                                     pad_type_id=self.pad_token_type_id, pad_token=self.pad_token)
        else:
            self._tok.no_padding()
        encodings = self._tok.encode_batch(list(texts), add_special_tokens=True)
        ids, mask = [e.ids for e in encodings], [e.attention_mask for e in encodings]
        if return_tensors == "np":
            return {"input_ids": np.asarray(ids, dtype=np.int64).reshape(len(ids), -1),
                    "attention_mask": np.asarray(mask, dtype=np.int64).reshape(len(ids), -1)}
        return {"input_ids": ids, "attention_mask": mask}


def _content(token) -> str | None:
    """A special token as tokenizer_config.json writes it: a string, or an AddedToken dict with `content`."""
    return token.get("content") if isinstance(token, dict) else token
