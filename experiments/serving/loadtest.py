"""Open-loop load test of `serve.py`: requests at a constant arrival rate (they do not wait for answers), rising
rates, batching on (`http_batched`) and off (`http_batch1`); one record per point in results.json.

    .venv/bin/python experiments/serving/loadtest.py \
        --model outputs/serving/int8/mwpd/dynamic_encoder_only.onnx --variant http_batched --rates 100 200 400 600
    .venv/bin/python experiments/serving/loadtest.py --plot      # plot.png from results.json

The script starts the server itself (serve.py on 127.0.0.1, a subprocess), waits for /healthz (that wait is
the cold start, recorded), then for each rate sends `rate` requests per second for `--seconds`, each one MWPD
validation offer (title, brand, seller, shop category: what the graph side reads), one title per request.
Latency runs from a request's scheduled send time to its last response byte, so a client that falls behind
shows as latency, not as a lower rate (no coordinated omission). Traffic goes to 127.0.0.1 only, and each
point is bounded: `rate * seconds` requests, 5 s timeout per request, and the series stops past the knee.

CPU: the server's from /proc/<pid>/stat (user + system) over the timed window; the load generator's own
(`time.process_time`) beside it, since both share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from prodcat.serve.predictor import MAX_BATCH_TOKENS  # the server's default, so records say what ran

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = HERE / "results.json"
TICK = os.sysconf("SC_CLK_TCK")
TIMEOUT_S = 5.0


def machine() -> str:
    names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
             if ln.startswith("model name")]
    return f"{os.cpu_count()}-core CPU ({platform.machine()}, {names[0] if names else 'unknown'}), no GPU"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have been busy (/proc/stat: all but idle and iowait)."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def start_server(model: str, batching: bool, threads: int, max_batch: int, max_wait_ms: float, port: int,
                 max_batch_tokens: int | None = MAX_BATCH_TOKENS, thread_spinning: bool = True):
    args = [sys.executable, str(ROOT / "serve.py"), f"model={model}", f"port={port}", f"threads={threads}",
            f"batching={str(batching).lower()}", f"max_batch_size={max_batch}", f"max_wait_ms={max_wait_ms}",
            f"max_batch_tokens={'null' if max_batch_tokens is None else max_batch_tokens}",
            f"thread_spinning={str(thread_spinning).lower()}"]
    t0 = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            get_json(f"http://127.0.0.1:{port}/healthz")
            return proc, time.monotonic() - t0, args
        except OSError:
            if time.monotonic() - t0 > 120:
                proc.kill()
                raise RuntimeError("server not ready after 120 s") from None
            time.sleep(0.05)


def offers(n: int, run: Path) -> list[bytes]:
    """Request bodies: validation offers of the training run `run` (its own data config), one per request."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(run / ".hydra" / "config.yaml")
    os.environ.setdefault("PROJECT_ROOT", str(ROOT))
    catalog = instantiate(cfg.data.catalog, _convert_="all")
    bodies = []
    for p in catalog.val[:n]:
        product = {"text": p.text, "brand": p.brand, "seller": getattr(p, "seller", None),
                   "shop_category": getattr(p, "shop_category", None) or None}
        bodies.append(json.dumps({"products": [{k: v for k, v in product.items() if v}], "top_k": 5}).encode())
    return bodies


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time (a minimal client: the generator shares the
    server's cores, so it must cost little per request)."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.reader, self.writer = host, port, None, None

    async def post(self, body: bytes) -> int:
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"POST /predict HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        try:
            header = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            # the server closes a keep-alive connection idle past its timeout (uvicorn: 5 s); a request that met
            # such a closed connection before any answer byte is sent again on a new one, as HTTP clients do
            if not reused or getattr(e, "partial", b""):
                raise
            self.close()
            return await self.post(body)
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def run_point(ports: list[int], bodies: list[bytes], rate: float, seconds: float, connections: int):
    """Send `rate * seconds` requests on schedule; returns latencies (s) of the answered ones and error counts."""
    n = int(rate * seconds)
    queue: asyncio.Queue = asyncio.Queue()
    latencies, errors = [], {"status": 0, "timeout": 0, "connection": 0}

    async def worker(conn: Connection):
        while True:
            i, scheduled = await queue.get()
            try:
                status = await asyncio.wait_for(conn.post(bodies[i % len(bodies)]), TIMEOUT_S)
                if status == 200:
                    latencies.append(time.perf_counter() - scheduled)
                else:
                    errors["status"] += 1
            except TimeoutError:
                errors["timeout"] += 1
                conn.close()
            except (OSError, asyncio.IncompleteReadError):
                errors["connection"] += 1
                conn.close()
            queue.task_done()

    conns = [Connection("127.0.0.1", ports[i % len(ports)]) for i in range(connections)]  # round robin: the LB
    workers = [asyncio.create_task(worker(c)) for c in conns]
    start = time.perf_counter()
    for i in range(n):  # open loop: the schedule does not wait for answers
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, scheduled))
    await queue.join()
    elapsed = time.perf_counter() - start
    for w in workers:
        w.cancel()
    for c in conns:
        c.close()
    return np.array(latencies), errors, elapsed


def measure(args, variant: str, batching: bool, replicas: int) -> list[dict]:
    bodies = offers(2000, args.offers_from)
    ports = [free_port() for _ in range(replicas)]
    servers = [start_server(args.model, batching, args.threads, args.max_batch, args.max_wait_ms, p,
                            args.max_batch_tokens, args.thread_spinning) for p in ports]
    ready_s = [s[1] for s in servers]
    print(f"{variant}: ready in {', '.join(f'{r:.2f}' for r in ready_s)} s", flush=True)
    records = []
    try:
        asyncio.run(run_point(ports, bodies, 50, 2, args.connections))  # warm-up: connections, caches
        for rate in args.rates:
            meta0 = [get_json(f"http://127.0.0.1:{p}/metadata")["serving"] for p in ports]
            cpu0, client0, wall0 = [cpu_seconds(s[0].pid) for s in servers], time.process_time(), time.perf_counter()
            busy0 = machine_busy_seconds()
            lat, errors, elapsed = asyncio.run(run_point(ports, bodies, rate, args.seconds, args.connections))
            server_cpu = sum(cpu_seconds(s[0].pid) - c for s, c in zip(servers, cpu0, strict=True))
            client_cpu, wall = time.process_time() - client0, time.perf_counter() - wall0
            others = machine_busy_seconds() - busy0 - server_cpu - client_cpu  # what else ran on the machine
            meta1 = [get_json(f"http://127.0.0.1:{p}/metadata")["serving"] for p in ports]
            passes = sum(b["forward_passes"] - a["forward_passes"] for a, b in zip(meta0, meta1, strict=True))
            items = sum(b["items"] - a["items"] for a, b in zip(meta0, meta1, strict=True))
            answered, n_err = len(lat), sum(errors.values())
            rec = {
                "study": "serving", "dataset": "mwpd", "variant": variant, "seed": 0, "split": "val",
                "offered_qps": rate,
                "metrics": {"qps": round(answered / elapsed, 1),
                            "p50_ms": round(float(np.percentile(lat, 50)) * 1e3, 2) if answered else None,
                            "p99_ms": round(float(np.percentile(lat, 99)) * 1e3, 2) if answered else None},
                "requests": int(rate * args.seconds), "answered": answered, "errors": n_err, "error_kinds": errors,
                "seconds": round(elapsed, 2),
                "server_cpu_s_per_1k": round(1000 * server_cpu / max(answered, 1), 3),
                "server_cores_busy": round(server_cpu / wall, 2),
                "client_cpu_s_per_1k": round(1000 * client_cpu / max(answered, 1), 3),
                "client_cores_busy": round(client_cpu / wall, 2),
                "other_processes_cores_busy": round(others / wall, 2),
                "mean_batch": round(items / passes, 2) if passes else None,
                "replicas": replicas, "ready_s": [round(r, 2) for r in ready_s],
                "server": {"model": args.model, "batching": batching, "threads": args.threads,
                           "max_batch_size": args.max_batch, "max_wait_ms": args.max_wait_ms,
                           "max_batch_tokens": args.max_batch_tokens, "thread_spinning": args.thread_spinning},
                "client": {"connections": args.connections, "timeout_s": TIMEOUT_S},
                "command": " ".join(["python", *sys.argv]),
                "machine": machine(), "date": dt.date.today().isoformat(),
                "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                         text=True).stdout.strip(),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
            records.append(rec)
            m = rec["metrics"]
            print(f"  offered {rate:>5}/s: {m['qps']:>7.1f}/s answered, p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms, "
                  f"errors {n_err}, mean batch {rec['mean_batch']}, server {rec['server_cores_busy']} cores "
                  f"({rec['server_cpu_s_per_1k']} s/1k), client {rec['client_cores_busy']} cores, "
                  f"others {rec['other_processes_cores_busy']} cores", flush=True)
            if n_err > 0.01 * rate * args.seconds or (m["p99_ms"] or 1e9) > 1000:
                print("  past the knee: stopping this series", flush=True)
                break
    finally:
        for proc, *_ in servers:
            proc.terminate()
            proc.wait(timeout=60)
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--variant", choices=["http_batched", "http_batch1", "http_batched_2replicas",
                                          "http_batch1_2replicas"])
    ap.add_argument("--rates", type=float, nargs="+", default=[100, 200, 300],
                    help="offered rates, in order; a rate given twice is measured twice (the spread of one point)")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads per server")
    ap.add_argument("--max-batch", type=int, default=64)
    ap.add_argument("--max-wait-ms", type=float, default=0.0, help="the server's (conf/serve.yaml default: 0)")
    ap.add_argument("--max-batch-tokens", type=lambda v: None if v == "none" else int(v), default=MAX_BATCH_TOKENS,
                    help="the server's max_batch_tokens (length groups per forward pass); none: one padded call")
    ap.add_argument("--no-thread-spinning", dest="thread_spinning", action="store_false",
                    help="the server's thread_spinning=false: idle ONNX Runtime threads sleep")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--offers-from", type=Path, default=ROOT / "outputs/strong_hybrid/mwpd/hybrid/seed0",
                    help="the training run whose validation offers are sent (an MWPD run: the served model's)")
    ap.add_argument("--plot", action="store_true", help="only draw plot.png from results.json")
    ap.add_argument("--results", type=Path, default=RESULTS,
                    help="the records file a series replaces its earlier points in; its plot is drawn beside it "
                         "(results.json: plot.png)")
    args = ap.parse_args()
    from plot import plot, series  # experiments/serving/plot.py

    if not args.plot:
        batching = not args.variant.startswith("http_batch1")
        replicas = 2 if args.variant.endswith("_2replicas") else 1
        new = measure(args, args.variant, batching, replicas)
        old = json.loads(args.results.read_text()) if args.results.is_file() else []
        keep = [r for r in old if series(r) != series(new[0])] if new else old
        args.results.write_text(json.dumps(keep + new, indent=1) + "\n")
    plot(args.results, HERE / "plot.png" if args.results == RESULTS else args.results.with_suffix(".png"))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
