"""The HTTP app (FastAPI): `POST /predict`, `GET /healthz`, `GET /metadata`, OpenAPI at `/openapi.json`
and `/docs`.

`/predict` answers with the records `Predictor.predict` makes (the same code `predict.py` runs), one per
input, through the micro-batcher. Every refusal is a 4xx whose `error` names the field:
422 for a body that breaks the schema (see `prodcat.serve.schema`), 413 for a body over `max_body_bytes`.

`POST /predict` requests skip FastAPI's per-request machinery (`PredictPath`): the body is validated by the
same pydantic model straight from its bytes and answered by the same `answer` function the FastAPI route
calls. FastAPI still owns the route for the OpenAPI schema and serves every other path. Why: its routing,
dependency solving and exception layers cost ~0.36 ms a request, a fifth of what a query costs in all when
two replicas share 2 cores (experiments/serving/README.md, "A CPU with AVX-512 VNNI").
"""

# no `from __future__ import annotations`: FastAPI must see the request model itself, built at run time
import json
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

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
    await _send_json(send, 413, {"error": f"body: request body over the limit of {limit} bytes"})


async def _send_json(send, status: int, payload: dict) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class PredictPath:
    """ASGI middleware: `POST /predict` validated from the raw body and answered by `answer(request model)`
    -> (status, payload); every other request goes on to the app."""

    def __init__(self, app, body_model, answer):
        self.app, self.body_model, self.answer = app, body_model, answer

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/predict":
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        try:
            body = self.body_model.model_validate_json(b"".join(chunks))
        except ValidationError as e:
            return await _send_json(send, 422, refusal(e.errors()))
        await _send_json(send, *await self.answer(body))


def refusal(errors) -> dict:
    """pydantic's errors -> the 422 body: `error` names each field once, `errors` has the details."""
    out, seen = [], set()
    for e in errors:
        field = field_name(tuple(e["loc"]), e["type"])
        if field not in seen:  # a union reports each member it tried: one line per field is enough
            seen.add(field)
            out.append({"field": field, "message": e["msg"].removeprefix("Value error, "), "type": e["type"]})
    return {"error": "; ".join(f"{e['field']}: {e['message']}" for e in out), "errors": out}


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

    async def answer(body) -> tuple[int, dict]:
        items = [to_item(x) for x in items_of(body)]  # what predict.py does with a JSONL line
        bad = [(i, it.error) for i, it in enumerate(items) if it.error]
        if bad:  # e.g. a url without a host: the schema cannot see it, the graph linker would
            where = "title" if body.title is not None else "titles" if body.titles is not None else "products"
            return 422, {"error": "; ".join(f"{where}[{i}]: {e}" for i, e in bad)}
        return 200, {"predictions": await batcher.submit(items, body.top_k), "model_version": version}

    app.add_middleware(PredictPath, body_model=body_model, answer=answer)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)  # added last: outermost, so it also guards /predict

    @app.exception_handler(RequestValidationError)
    async def refused(_request: Request, exc: RequestValidationError):
        return JSONResponse(refusal(exc.errors()), status_code=422)

    @app.post("/predict", response_model=PredictResponse)
    async def predict(body: body_model) -> JSONResponse:  # type: ignore[valid-type]
        """The schema's route (OpenAPI); requests are answered by `PredictPath` with the same `answer`."""
        status, payload = await answer(body)
        return JSONResponse(payload, status_code=status)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}  # the model is loaded before the server listens: up means ready

    @app.get("/metadata")
    async def get_metadata() -> dict:
        mean = batcher.items / batcher.batches if batcher.batches else None
        return {**metadata, "serving": {**serving, "forward_passes": batcher.batches, "items": batcher.items,
                                        "mean_batch": mean}}

    return app
