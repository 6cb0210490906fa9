"""The HTTP app (FastAPI): `POST /predict`, `GET /healthz`, `GET /metadata`, OpenAPI at `/openapi.json`
and `/docs`.

`/predict` answers with the records `Predictor.predict` makes (the same code `predict.py` runs), one per
input, through the micro-batcher. Every refusal is a 4xx whose `error` names the field:
422 for a body that breaks the schema (see `prodcat.serve.schema`), 413 for a body over `max_body_bytes`.
"""

# no `from __future__ import annotations`: FastAPI must see the request model itself, built at run time
import json
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from prodcat.serve.batcher import MicroBatcher
from prodcat.serve.inputs import to_item
from prodcat.serve.schema import PredictResponse, field_name, items_of, request_model

log = logging.getLogger(__name__)


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413, whether it declares its length or streams."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _too_large(send, self.max_bytes)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            return await self.app(scope, counted, send)
        except _TooLarge:
            return await _too_large(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": f"body: request body over the limit of {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(predictor, metadata: dict, *, max_batch_size: int = 64, max_wait_ms: float = 0.0,
               batching: bool = True, max_title_chars: int = 1000, max_body_bytes: int = 1 << 20) -> FastAPI:
    """`predictor`: a loaded `Predictor`; `metadata`: what `/metadata` shows (see `model_info.describe`)."""
    batcher = MicroBatcher(lambda items, k: predictor.predict(items, top_k=k), max_batch_size, max_wait_ms, batching)
    body_model = request_model(max_title_chars, max_batch_size, predictor.top_k)
    version = metadata.get("model_version", "unknown")
    serving = {"batching": batching, "max_batch_size": max_batch_size, "max_wait_ms": max_wait_ms,
               "max_batch_tokens": predictor.max_batch_tokens, "max_title_chars": max_title_chars,
               "max_body_bytes": max_body_bytes}

    @asynccontextmanager
    async def lifespan(_app):
        await batcher.start()
        yield
        await batcher.stop()  # uvicorn has answered the requests in flight before it gets here
        log.info("stopped after %d forward passes (%d items)", batcher.batches, batcher.items)

    app = FastAPI(title="prodcat", summary="Product categorization: top-k categories for product titles",
                  version=version, lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def refused(_request: Request, exc: RequestValidationError):
        errors, seen = [], set()
        for e in exc.errors():
            field = field_name(tuple(e["loc"]), e["type"])
            if field not in seen:  # a union reports each member it tried: one line per field is enough
                seen.add(field)
                errors.append({"field": field, "message": e["msg"].removeprefix("Value error, "), "type": e["type"]})
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"error": text, "errors": errors}, status_code=422)

    @app.post("/predict", response_model=PredictResponse)
    async def predict(body: body_model) -> JSONResponse:  # type: ignore[valid-type]
        items = [to_item(x) for x in items_of(body)]  # what predict.py does with a JSONL line
        bad = [(i, it.error) for i, it in enumerate(items) if it.error]
        if bad:  # e.g. a url without a host: the schema cannot see it, the graph linker would
            where = "title" if body.title is not None else "titles" if body.titles is not None else "products"
            return JSONResponse({"error": "; ".join(f"{where}[{i}]: {e}" for i, e in bad)}, status_code=422)
        records = await batcher.submit(items, body.top_k)
        return JSONResponse({"predictions": records, "model_version": version})

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}  # the model is loaded before the server listens: up means ready

    @app.get("/metadata")
    async def get_metadata() -> dict:
        mean = batcher.items / batcher.batches if batcher.batches else None
        return {**metadata, "serving": {**serving, "forward_passes": batcher.batches, "items": batcher.items,
                                        "mean_batch": mean}}

    return app
