"""The HTTP server for real: `serve.py` in a subprocess on a free 127.0.0.1 port, a tiny trained hybrid,
real HTTP requests. Answers equal the `Predictor`'s (the code `predict.py` runs), each kind of bad request
gets a 4xx naming its field, concurrent requests share forward passes, and SIGTERM answers what is in flight.

The server waits up to MAX_WAIT_MS for a batch to fill: a single request is answered after that wait (so the
shutdown test can catch one in flight for sure), 50 concurrent ones fill batches of MAX_BATCH at once."""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from prodcat.serve import Predictor
from prodcat.train import train

from .conftest import FAST, ROOT, compose

MAX_BATCH, MAX_WAIT_MS, MAX_CHARS, MAX_BODY = 8, 250, 200, 20_000
TITLES = ["apple iphone 15 pro 256gb", "nike air max 90 white", "spigen case for iphone 15 pro", "lego city police"]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    """The tiny hybrid of tests/test_serve.py (same overrides, so the session's graph cache is shared)."""
    cfg = compose(["+experiment=text_graph", *FAST], tmp_path_factory.mktemp("serve_http"))
    metrics, _ = train(cfg)
    return Path(metrics["best_checkpoint"])


@pytest.fixture(scope="module")
def predictor(ckpt):
    return Predictor.from_checkpoint(ckpt, top_k=5, batch_size=MAX_BATCH, abstain_unknown_share=0.5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(ckpt, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve_http_log") / "server.log"
    args = [sys.executable, str(ROOT / "serve.py"), f"model={ckpt}", f"port={port}", "threads=1",
            f"max_batch_size={MAX_BATCH}", f"max_wait_ms={MAX_WAIT_MS}", f"max_title_chars={MAX_CHARS}",
            f"max_body_bytes={MAX_BODY}", "log_level=info"]
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "OMP_NUM_THREADS": "1"})
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 180:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if _get(url + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"server not ready after 180 s:\n{log.read_text()}")
    yield {"url": url, "proc": proc, "log": log, "ready_s": time.monotonic() - t0}
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, json.loads(r.read())


def _post(url, body, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(url + "/predict", data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _same_answers(got: list[dict], expected: list[dict]):
    """Same records; confidences may differ in the last printed digit (a batch pads to its longest text)."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert {k: v for k, v in g.items() if k != "categories"} == {k: v for k, v in e.items() if k != "categories"}
        assert [c["id"] for c in g["categories"]] == [c["id"] for c in e["categories"]]
        assert [c["path"] for c in g["categories"]] == [c["path"] for c in e["categories"]]
        for cg, ce in zip(g["categories"], e["categories"], strict=True):
            assert abs(cg["confidence"] - ce["confidence"]) <= 2e-6


def test_predict_one_title_a_list_and_products_answer_as_the_predictor(server, predictor):
    url = server["url"]
    status, body = _post(url, {"title": TITLES[0]})
    assert status == 200
    _same_answers(body["predictions"], predictor.predict(TITLES[:1]))
    status, body = _post(url, {"titles": TITLES, "top_k": 3})
    assert status == 200 and all(len(r["categories"]) == 3 for r in body["predictions"])
    _same_answers(body["predictions"], predictor.predict(TITLES, top_k=3))
    products = [{"text": "air max 90", "brand": "Nike", "id": "sku-7"}, {"text": TITLES[2], "id": 12}]
    status, body = _post(url, {"products": products, "top_k": 2})
    assert status == 200 and [r["id"] for r in body["predictions"]] == ["sku-7", 12]
    _same_answers(body["predictions"], predictor.predict(products, top_k=2))


def test_healthz_metadata_and_openapi(server, predictor, ckpt):
    assert _get(server["url"] + "/healthz") == (200, {"status": "ok"})
    status, meta = _get(server["url"] + "/metadata")
    assert status == 200
    assert meta["labels"] == len(predictor.assets.leaves) and meta["backbone"] == "tiny"
    assert meta["model_version"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()[:12]
    run = json.loads((ckpt.parent.parent / "metrics.json").read_text())["provenance"]
    assert meta["training_run"]["git_commit"] == run["git_commit"]
    assert meta["serving"]["max_batch_size"] == MAX_BATCH and meta["serving"]["batching"] is True
    status, schema = _get(server["url"] + "/openapi.json")
    request = schema["components"]["schemas"]["PredictRequest"]["properties"]
    assert "/predict" in schema["paths"] and set(request) == {"title", "titles", "products", "top_k"}
    assert json.dumps(request["titles"]).count(f'"maxItems": {MAX_BATCH}') == 1


@pytest.mark.parametrize("body, field, words", [
    ({"title": ""}, "title", "empty"),
    ({"title": "  \t "}, "title", "whitespace"),
    ({"titles": ["ok", "   "]}, "titles[1]", "whitespace"),
    ({"title": "x" * (MAX_CHARS + 1)}, "title", f"at most {MAX_CHARS} characters"),
    ({"titles": [TITLES[0], 42]}, "titles[1]", "valid string"),
    ({"title": TITLES[0], "top_k": "3"}, "top_k", "valid integer"),
    ({"title": TITLES[0], "top_k": 0}, "top_k", "greater than or equal to 1"),
    ({"products": [{"text": "air max", "brand": 7}]}, "products[0].brand", "valid string"),
    ({"titles": ["a"] * (MAX_BATCH + 1)}, "titles", f"at most {MAX_BATCH} items"),
    ({"title": TITLES[0], "language": "en"}, "language", "Extra inputs"),
    ({"products": [{"text": "air max", "colour": "red"}]}, "products[0].colour", "Extra inputs"),
    ({"title": "a", "titles": ["b"]}, "body", "exactly one of"),
    ({"products": [{"text": "air max", "url": "not a url"}]}, "products[0]", "has no host"),
])
def test_a_bad_request_gets_422_naming_its_field(server, body, field, words):
    status, answer = _post(server["url"], body)
    assert status == 422, answer
    assert answer["error"].startswith(f"{field}: ") and words in answer["error"], answer


def test_invalid_json_and_an_oversized_body(server):
    status, answer = _post(server["url"], None, raw=b'{"title": "unterminated')
    assert status == 422 and answer["error"].startswith("body: ") and "JSON" in answer["error"]
    status, answer = _post(server["url"], None, raw=json.dumps({"title": "x" * MAX_BODY}).encode())
    assert status == 413 and f"limit of {MAX_BODY} bytes" in answer["error"]


def test_fifty_concurrent_requests_are_batched_and_answer_as_the_predictor(server, predictor):
    before = _get(server["url"] + "/metadata")[1]["serving"]["forward_passes"]
    titles = [f"{TITLES[i % len(TITLES)]} {i}" for i in range(50)]
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda t: _post(server["url"], {"title": t, "top_k": 3}), titles))
    assert all(status == 200 for status, _ in answers)
    alone = [{**r, "index": 0} for r in predictor.predict(titles, top_k=3)]  # each request held one title
    _same_answers([body["predictions"][0] for _, body in answers], alone)
    passes = _get(server["url"] + "/metadata")[1]["serving"]["forward_passes"] - before
    assert passes < 50 / 2, f"50 concurrent requests took {passes} forward passes: not batched"


def test_sigterm_answers_the_request_in_flight_then_exits(server, predictor):
    """Last in this module: it stops the shared server. The request waits MAX_WAIT_MS in the batcher, so the
    signal lands while it is in flight."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(_post, server["url"], {"title": TITLES[1]})
        time.sleep(MAX_WAIT_MS / 1000 / 3)
        assert not pending.done()
        server["proc"].send_signal(signal.SIGTERM)
        status, body = pending.result(timeout=60)
    assert status == 200
    _same_answers(body["predictions"], predictor.predict(TITLES[1:2]))
    # uvicorn drains, stops the app, then re-raises the signal: the process ends by SIGTERM, as a supervisor expects
    assert server["proc"].wait(timeout=60) == -signal.SIGTERM, server["log"].read_text()
    with pytest.raises(OSError):
        _get(server["url"] + "/healthz")
    assert "stopped after" in server["log"].read_text()
