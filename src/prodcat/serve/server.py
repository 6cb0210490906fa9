"""`serve(cfg)`: the function behind `serve.py` / `prodcat-serve` (conf/serve.yaml).

Loads the model, answers one warm-up query (ONNX Runtime and the tokenizer allocate lazily: the first
real request should not pay for it), then runs uvicorn. The port opens only after that, so a client that
can reach `/healthz` is talking to a ready server. uvicorn handles SIGINT/SIGTERM: it stops accepting
connections, waits up to `graceful_shutdown_s` for the requests in flight to be answered, then the app's
lifespan stops the batcher.

Why FastAPI + uvicorn with our own batching queue rather than LitServe: the queue is ~100 lines we can
read and test (`prodcat.serve.batcher`), it runs in the one process beside the HTTP loop (LitServe puts
inference in separate worker processes fed through queues: on 2 cores, another process and a copy per
request); FastAPI's pydantic models give the strict request checks and the OpenAPI schema in one place.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from omegaconf import DictConfig

log = logging.getLogger(__name__)


def runtime_of(model: str, runtime: str) -> str:
    if runtime == "auto":
        return "onnx" if Path(model).suffix == ".onnx" else "torch"
    if runtime not in ("onnx", "torch"):
        raise ValueError(f"runtime={runtime!r}: expected auto, onnx or torch")
    return runtime


def build(cfg: DictConfig):
    """The FastAPI app for `cfg`, with its model loaded and warmed up; also the seconds that took."""
    from prodcat.serve.app import create_app
    from prodcat.serve.model_info import describe
    from prodcat.serve.predictor import Predictor

    t0 = time.perf_counter()
    if not Path(cfg.model).exists():
        raise FileNotFoundError(f"model: no such file or folder {cfg.model}")
    predictor = Predictor.load(cfg.model, runtime_of(cfg.model, cfg.runtime), threads=cfg.threads,
                               thread_spinning=cfg.thread_spinning, top_k=cfg.top_k, batch_size=cfg.max_batch_size,
                               abstain_unknown_share=cfg.abstain_unknown_share, max_batch_tokens=cfg.max_batch_tokens)
    predictor.predict(["warm up"])
    metadata = describe(cfg.model, predictor)
    load_s = time.perf_counter() - t0
    metadata["load_s"] = round(load_s, 3)
    app = create_app(predictor, metadata, max_batch_size=cfg.max_batch_size, max_wait_ms=cfg.max_wait_ms,
                     batching=cfg.batching, max_title_chars=cfg.max_title_chars, max_body_bytes=cfg.max_body_bytes)
    return app, load_s


def serve(cfg: DictConfig) -> None:
    import uvicorn

    app, load_s = build(cfg)
    config = uvicorn.Config(app, host=cfg.host, port=int(cfg.port), log_level=cfg.log_level, access_log=False,
                            timeout_graceful_shutdown=cfg.graceful_shutdown_s, lifespan="on", http=cfg.http,
                            loop=cfg.loop)
    log.info("model %s loaded in %.2f s; serving http://%s:%d (batching=%s, max_batch_size=%d, max_wait_ms=%s)",
             cfg.model, load_s, cfg.host, cfg.port, cfg.batching, cfg.max_batch_size, cfg.max_wait_ms)
    uvicorn.Server(config).run()  # on SIGTERM/SIGINT it drains, then re-raises the signal: the exit status says so
