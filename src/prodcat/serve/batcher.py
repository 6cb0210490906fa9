"""Dynamic micro-batching: concurrent HTTP requests share one forward pass.

Each request puts its items (at most `max_batch_size`) on an asyncio queue and awaits a future. One worker
task takes the first waiting request, then keeps taking requests until the batch holds `max_batch_size`
items or `max_wait_ms` have passed since the first one arrived, and runs the whole batch in a single
inference thread (ONNX Runtime and the tokenizer release the GIL there, so the event loop keeps parsing
HTTP meanwhile). While a batch runs, new requests pile up and form the next batch at once: under load the
batches grow by themselves, at low load a request waits at most `max_wait_ms`. With `max_wait_ms=0` (the
default) nothing waits on a timer: a batch is whatever queued while the previous one ran.

`enabled=False` is batch-1 serving, the baseline: every request runs alone, in arrival order, in the same
single inference thread.

The batch runs with the largest `top_k` asked for in it; each request gets the first `top_k` of its own
records' categories (the predictor's ranking is a stable sort, so a prefix of the top 10 is the top 3).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

RunBatch = Callable[[list, int], list[dict]]  # (items, top_k) -> one record per item, in order


@dataclass
class _Request:
    items: list
    top_k: int
    future: asyncio.Future = field(repr=False)


class MicroBatcher:
    def __init__(self, run_batch: RunBatch, max_batch_size: int = 64, max_wait_ms: float = 0.0,
                 enabled: bool = True):
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size={max_batch_size}: expected >= 1")
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms={max_wait_ms}: expected >= 0")
        self.run_batch, self.max_batch_size, self.max_wait_s = run_batch, max_batch_size, max_wait_ms / 1000
        self.enabled = enabled
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        self.queue: asyncio.Queue[_Request] | None = None
        self.worker: asyncio.Task | None = None
        self.batches = 0  # forward passes run, and the items they held: /metadata reports the mean batch
        self.items = 0

    async def start(self) -> None:
        if self.enabled:
            self.queue = asyncio.Queue()
            self.worker = asyncio.create_task(self._work(), name="micro-batcher")

    async def stop(self) -> None:
        """Called after the server has answered its in-flight requests: nothing is left in the queue."""
        if self.worker is not None:
            self.worker.cancel()
            try:
                await self.worker
            except asyncio.CancelledError:
                pass
        self.executor.shutdown(wait=True)

    async def submit(self, items: list, top_k: int) -> list[dict]:
        if len(items) > self.max_batch_size:  # the HTTP layer refuses these first; a direct caller gets this
            raise ValueError(f"{len(items)} items in one request, at most max_batch_size={self.max_batch_size}")
        loop = asyncio.get_running_loop()
        if not self.enabled:
            return await loop.run_in_executor(self.executor, self._run, items, top_k)
        if self.worker is None or self.worker.done():
            raise RuntimeError("the micro-batcher is not running (start() not called, or its worker died)")
        request = _Request(items, top_k, loop.create_future())
        self.queue.put_nowait(request)
        return await request.future

    def _run(self, items: list, top_k: int) -> list[dict]:
        self.batches += 1
        self.items += len(items)
        return self.run_batch(items, top_k)

    async def _collect(self, first: _Request) -> tuple[list[_Request], _Request | None]:
        """Requests for one batch, starting with `first`; a request that would overflow it is handed back."""
        batch, size = [first], len(first.items)
        deadline = asyncio.get_running_loop().time() + self.max_wait_s
        while size < self.max_batch_size:
            try:  # what is already waiting joins without a timer
                nxt = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(self.queue.get(), remaining)
                except TimeoutError:
                    break
            if size + len(nxt.items) > self.max_batch_size:
                return batch, nxt
            batch.append(nxt)
            size += len(nxt.items)
        return batch, None

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        carry: _Request | None = None
        while True:
            first = carry or await self.queue.get()
            batch, carry = await self._collect(first)
            batch = [r for r in batch if not r.future.done()]  # a client that went away was cancelled
            if not batch:
                continue
            items = [it for r in batch for it in r.items]
            k = max(r.top_k for r in batch)
            try:
                records = await loop.run_in_executor(self.executor, self._run, items, k)
            except Exception as e:  # the batch fails as a whole: every request in it gets the error
                log.exception("batch of %d items failed", len(items))
                for r in batch:
                    if not r.future.done():
                        r.future.set_exception(e)
                continue
            start = 0
            for r in batch:
                mine = records[start : start + len(r.items)]
                start += len(r.items)
                if not r.future.done():
                    r.future.set_result([_own(rec, i, r.top_k, k) for i, rec in enumerate(mine)])


def _own(record: dict, index: int, top_k: int, batch_k: int) -> dict:
    """A record as the request alone would have got it: its index in the request, its own top_k."""
    record = {**record, "index": index}
    if top_k < batch_k and "categories" in record:
        record["categories"] = record["categories"][:top_k]
    return record
