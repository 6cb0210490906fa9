"""`predict(cfg)` and `export(cfg)`: the pure functions behind `predict.py` and `export.py`."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from prodcat.serve.inputs import product_input, read_stream, to_item

log = logging.getLogger(__name__)


def _inputs(cfg: DictConfig):
    fields = {"text_field": cfg.text_field, "brand_field": cfg.brand_field, "id_field": cfg.id_field}
    if cfg.texts:  # command-line arguments are text: Hydra reads `texts=[12345]` as an int, give it back
        yield from (to_item(t if t is None or isinstance(t, str) else str(t)) for t in cfg.texts)
    if cfg.input and cfg.input != "-":
        with open(cfg.input, encoding="utf-8", errors="surrogateescape") as f:  # bad lines: errors in place
            yield from read_stream(f, cfg.input, cfg.input_format, **fields)
    elif cfg.input == "-" or not cfg.texts:
        if cfg.input is None and sys.stdin.isatty():
            raise SystemExit("no input: give 'texts=[...]', input=<file.jsonl|file.txt>, or pipe lines into stdin")
        sys.stdin.reconfigure(errors="surrogateescape")
        yield from read_stream(sys.stdin, "-", cfg.input_format, **fields)


def predict(cfg: DictConfig) -> dict:
    """Write one JSON line per input to `cfg.output` (or stdout); returns counts and the seconds spent
    loading (`load_s`: checkpoint or ONNX file, tokenizer, graph linker) apart from predicting (`predict_s`):
    a one-title call is almost all load, which a server pays once."""
    from prodcat.serve.predictor import Predictor

    t0 = time.perf_counter()
    predictor = Predictor.load(cfg.model, cfg.runtime, threads=cfg.threads, top_k=cfg.top_k,
                               batch_size=cfg.batch_size, abstain_unknown_share=cfg.abstain_unknown_share,
                               max_batch_tokens=cfg.max_batch_tokens)
    load_s = time.perf_counter() - t0
    log.info("model loaded in %.2f s (%s)", load_s, cfg.model)
    t0 = time.perf_counter()
    counts = {"items": 0, "errors": 0, "truncated": 0}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(cfg.output, "w", encoding="utf-8")) if cfg.output else sys.stdout
        for rec in predictor.predict_stream(_inputs(cfg)):
            if cfg.neighbours and "error" not in rec:
                rec["neighbours"] = predictor.nearest_products([rec["text"]], cfg.neighbours)[0]
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["items"] += 1
            counts["errors"] += "error" in rec
            counts["truncated"] += bool(rec.get("truncated"))
        out.flush()
    predict_s = time.perf_counter() - t0
    log.info("%d inputs, %d errors, %d truncated; predicted in %.2f s after %.2f s loading", counts["items"],
             counts["errors"], counts["truncated"], predict_s, load_s)
    return {**counts, "load_s": round(load_s, 3), "predict_s": round(predict_s, 3)}


def run_config_path(checkpoint: str | Path) -> Path:
    """Hydra's saved config of the run that wrote `<run>/checkpoints/<name>.ckpt`."""
    return Path(checkpoint).resolve().parent.parent / ".hydra" / "config.yaml"


def validation_split(cfg: DictConfig, leaves: list[str]) -> tuple[list, list[int | None]]:
    """The validation rows (as predictor inputs) and their class ids (None when the leaf is unknown).

    The checkpoint holds no data, so the catalog is rebuilt from a data config: `cfg.data` when one is
    chosen on the command line (`data=synthetic ...`), else the training run's own config."""
    if cfg.get("data") is not None:
        source, data_root = "the data config given", cfg
    else:
        path = Path(cfg.train_config) if cfg.train_config else run_config_path(cfg.checkpoint)
        if not path.is_file():
            raise FileNotFoundError(
                f"no training config at {path} to rebuild the validation split from; pass "
                "train_config=<run>/.hydra/config.yaml or a data config (data=synthetic data.catalog.n_train=...)")
        source, data_root = str(path), OmegaConf.load(path)
    catalog = instantiate(data_root.data.catalog, _convert_="all")
    index = {leaf: i for i, leaf in enumerate(leaves)}
    rows = catalog.val[: cfg.max_val_rows] if cfg.max_val_rows else catalog.val
    log.info("validation split from %s: %d rows (catalog %s)", source, len(rows), catalog.name)
    return [product_input(p) for p in rows], [index.get(p.leaf) for p in rows]


def export(cfg: DictConfig) -> list[dict]:
    """Export, check and write; `export_report.json` in the output folder; raises if a check failed."""
    from prodcat.eval.run_record import write_json_atomic
    from prodcat.serve.backends import load_module
    from prodcat.serve.export import ExportCheckFailed, export_checked
    from prodcat.serve.model_info import checkpoint_provenance

    if cfg.threads:
        import torch

        torch.set_num_threads(int(cfg.threads))
    module = load_module(cfg.checkpoint)
    inputs, targets = validation_split(cfg, list(module.label_space.leaves))
    out_dir = Path(cfg.out_dir) if cfg.out_dir else Path(cfg.checkpoint).resolve().parent.parent / "export"
    reports = export_checked(module, out_dir, inputs, targets, precisions=list(cfg.precisions),
                             min_agreement=OmegaConf.to_container(cfg.min_agreement), batch_size=cfg.batch_size,
                             threads=cfg.threads, provenance=checkpoint_provenance(module, cfg.checkpoint),
                             int8_variant=cfg.int8_variant)
    write_json_atomic(out_dir / "export_report.json", {"checkpoint": str(cfg.checkpoint), "exports": reports})
    if not all(r["passed"] for r in reports):
        raise ExportCheckFailed(reports)
    return reports
