"""The network stage over several processes, each owning its own hosts.

Checking is CPU-bound in Python well before the network is busy: one process spends about
half a millisecond of CPU per URL, so on a machine with several CPUs a large run checks its
URLs in ``processes`` processes. This process checks some hosts itself and hands every
other host to one of ``processes - 1`` helper processes; a host is given to the process
with the fewest URLs so far the first time it is seen, and all its URLs go there. Each
process has its own scheduler, so per-host limits, intervals and backoff stay exact; the
global limit is split between the processes, so together they never have more requests in
flight than ``concurrency``.

Helpers are forked where ``fork`` exists (a spawned interpreter spends about 0.45 s of CPU
importing the network stack before its first request), before the first request is made
and before the progress display starts its thread; a helper uses nothing it inherits but
its two pipes, starts a loop of its own and exits without running exit handlers. Elsewhere
they are spawned. Requests go to a helper in batches through a pipe and results come back
in batches; pipes are written and read by threads, so a full pipe never holds up an event
loop. A helper that fails or dies costs nothing but time: the URLs it did not answer are
checked here.

The result is that of :func:`linkcheck.check.engine.check_stream`: one result per URL, in
the order the URLs arrived, ``on_result`` and ``on_start`` called on this process's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from linkcheck.check.engine import ResultCallback, StartCallback, check_stream
from linkcheck.check.options import CheckOptions
from linkcheck.models import CheckRequest, CheckResult
from linkcheck.sources import host_of
from linkcheck.worker import end_with, usable_cpus

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, SpawnContext  # no fork on Windows

MIN_CPUS = 4
"""Helpers only from this many CPUs on. Measured on two CPUs (the benchmarks' healthy
workloads, 5,000 URLs, with the posts' extraction worker and the farm on the same CPUs):
two processes took 3.42-3.47 s against 3.22-3.43 s for one, at 0.7-1.0 s more CPU, so a
machine with two CPUs keeps one process; with four, each process has a CPU of its own."""
MAX_PROCESSES = 4
"""At most this many processes check URLs (beyond that the pipes and the shared CPU of a
runner cost more than they save)."""
FLUSH_SECONDS = 0.02
"""A helper sends the results it has at least this often."""
FLUSH_RESULTS = 64
"""... or as soon as it holds this many."""
JOIN_SECONDS = 5.0
"""How long a helper may take to exit once its work is done, before it is stopped."""


def process_count(*, posts: int, min_posts: int) -> int:
    """How many processes should check the URLs of a run of ``posts`` posts: one for small
    runs (fewer than ``min_posts`` posts) or fewer than ``MIN_CPUS`` CPUs, else one per
    CPU up to ``MAX_PROCESSES``."""
    if posts < min_posts:
        return 1
    cpus = usable_cpus()
    if cpus < MIN_CPUS:
        return 1
    return min(cpus, MAX_PROCESSES)


def split_options(options: CheckOptions, processes: int) -> CheckOptions:
    """The options of one of ``processes`` processes: the global limit shared out."""
    return replace(options, concurrency=max(1, options.concurrency // processes))


@dataclass(slots=True)
class _Helper:
    """A helper process, seen from here."""

    process: Any
    requests: Connection
    """Where requests are written (one thread writes)."""
    results: Connection
    """Where results are read (one thread reads)."""
    outbox: queue.SimpleQueue[list[CheckRequest] | None]
    sent: dict[str, CheckRequest]
    """Requests handed to it and not answered yet."""
    done: bool = False


async def check_stream_parallel(
    batches: AsyncIterator[Sequence[CheckRequest]],
    options: CheckOptions,
    *,
    processes: int,
    on_result: ResultCallback | None = None,
    on_start: StartCallback | None = None,
) -> dict[str, CheckResult]:
    """``check_stream`` over ``processes`` processes, each owning a disjoint set of hosts."""
    if processes <= 1:
        return await check_stream(batches, options, on_result=on_result, on_start=on_start)
    return await _Parallel(options, processes, on_result, on_start).run(batches)


class _Parallel:
    def __init__(
        self,
        options: CheckOptions,
        processes: int,
        on_result: ResultCallback | None,
        on_start: StartCallback | None,
    ) -> None:
        self.options = split_options(options, processes)
        self.processes = processes
        self.on_result = on_result
        self.on_start = on_start
        self.helpers: list[_Helper] = []
        self.owner: dict[str, int] = {}
        """Host -> its process: 0 is this one, i > 0 is ``helpers[i - 1]``."""
        self.load = [0] * processes
        self.results: dict[str, CheckResult] = {}
        self.local: asyncio.Queue[list[CheckRequest] | None] = asyncio.Queue()
        self.orphans: list[CheckRequest] = []
        """Requests of helpers that failed: checked here at the end."""
        self.loop = asyncio.get_running_loop()
        self.finished = asyncio.Event()

    async def run(self, batches: AsyncIterator[Sequence[CheckRequest]]) -> dict[str, CheckResult]:
        self._start_helpers()
        order: list[str] = []
        try:
            local_task = asyncio.create_task(
                check_stream(
                    self._local_batches(),
                    self.options,
                    on_result=self._take,
                    on_start=self.on_start,
                )
            )
            try:
                async for batch in batches:
                    order.extend(request.url for request in batch)
                    self._route(batch)
            finally:
                self.local.put_nowait(None)
                for helper in self.helpers:
                    helper.outbox.put(None)
            await local_task
            while not all(helper.done for helper in self.helpers):
                self.finished.clear()
                await self.finished.wait()
            if self.orphans:
                orphans, self.orphans = self.orphans, []
                await check_stream(
                    _one(orphans), self.options, on_result=self._take, on_start=self.on_start
                )
        finally:
            await asyncio.to_thread(self._stop_helpers)
        return {url: self.results[url] for url in order if url in self.results}

    # -- routing ------------------------------------------------------------

    def _route(self, batch: Sequence[CheckRequest]) -> None:
        mine: list[CheckRequest] = []
        theirs: dict[int, list[CheckRequest]] = {}
        for request in batch:
            host = host_of(request.url)
            index = self.owner.get(host)
            if index is None:
                index = self.owner[host] = self._least_loaded()
            self.load[index] += 1
            if index == 0 or self.helpers[index - 1].done:
                mine.append(request)
            else:
                theirs.setdefault(index, []).append(request)
        if mine:
            self.local.put_nowait(mine)
        for index, requests in theirs.items():
            helper = self.helpers[index - 1]
            helper.sent.update((r.url, r) for r in requests)
            helper.outbox.put(requests)

    def _least_loaded(self) -> int:
        live = [0] + [i + 1 for i, h in enumerate(self.helpers) if not h.done]
        return min(live, key=lambda i: (self.load[i], i))

    async def _local_batches(self) -> AsyncIterator[list[CheckRequest]]:
        while (batch := await self.local.get()) is not None:
            yield batch

    def _take(self, result: CheckResult) -> None:
        self.results[result.url] = result
        if self.on_result is not None:
            self.on_result(result)

    # -- helpers --------------------------------------------------------------

    def _start_helpers(self) -> None:
        context: ForkContext | SpawnContext
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
        else:
            context = multiprocessing.get_context("spawn")
        thresholds = gc.get_threshold()
        for _ in range(self.processes - 1):
            try:
                requests_in, requests_out = context.Pipe(duplex=False)
                results_in, results_out = context.Pipe(duplex=False)
            except OSError:
                break  # fewer processes, same results
            process = context.Process(
                target=helper_main,
                args=(requests_in, results_out, self.options, thresholds, os.getpid()),
                daemon=True,
            )
            try:
                process.start()
            except (OSError, ValueError, RuntimeError):
                for end in (requests_in, requests_out, results_in, results_out):
                    end.close()
                break
            requests_in.close()  # the helper's ends
            results_out.close()
            helper = _Helper(process, requests_out, results_in, queue.SimpleQueue(), {})
            self.helpers.append(helper)
            threading.Thread(target=self._send, args=(helper,), daemon=True).start()
            threading.Thread(target=self._receive, args=(helper,), daemon=True).start()

    def _send(self, helper: _Helper) -> None:
        """Thread: hand batches to a helper (a full pipe blocks this thread only)."""
        while True:
            batch = helper.outbox.get()
            try:
                helper.requests.send(batch)
            except (OSError, ValueError):
                return  # the receiving thread sees the helper is gone
            if batch is None:
                return

    def _receive(self, helper: _Helper) -> None:
        """Thread: results from a helper, handed to the loop; its end, however it ends."""
        while True:
            try:
                kind, payload = helper.results.recv()
            except Exception:  # closed, cut short or unreadable: the helper is lost
                self.loop.call_soon_threadsafe(self._ended, helper)
                return
            if kind == "done":
                self.loop.call_soon_threadsafe(self._ended, helper)
                return
            self.loop.call_soon_threadsafe(self._message, helper, kind, payload)

    def _message(self, helper: _Helper, kind: str, payload: list[Any]) -> None:
        if kind == "started":
            if self.on_start is not None:
                for url in payload:
                    self.on_start(url)
            return
        for result in payload:
            if helper.sent.pop(result.url, None) is not None:
                self._take(result)

    def _ended(self, helper: _Helper) -> None:
        """A helper said it is done, or is gone: what it did not answer is checked here."""
        if helper.done and not helper.sent:
            return
        helper.done = True
        self._orphan(helper)
        self.finished.set()

    def _orphan(self, helper: _Helper) -> None:
        """Requests a helper never answered (it failed): they are checked here."""
        if helper.sent:
            self.orphans.extend(helper.sent.values())
            helper.sent.clear()

    def _stop_helpers(self) -> None:
        for helper in self.helpers:
            helper.outbox.put(None)
            helper.process.join(JOIN_SECONDS)
            if helper.process.is_alive():
                helper.process.terminate()
                helper.process.join(JOIN_SECONDS)
            for end in (helper.requests, helper.results):
                with contextlib.suppress(OSError):
                    end.close()


async def _one(requests: Sequence[CheckRequest]) -> AsyncIterator[Sequence[CheckRequest]]:
    yield requests


# ---------------------------------------------------------------------------
# In a helper process
# ---------------------------------------------------------------------------


def helper_main(
    requests: Connection,
    results: Connection,
    options: CheckOptions,
    gc_thresholds: tuple[int, ...],
    parent: int,
) -> None:
    """A helper process: check the requests that come through ``requests``, send the
    results back through ``results`` in batches, then ``("done", None)``. Ctrl-C and
    SIGTERM are the main process's: it stops its helpers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    end_with(parent)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)  # a forked copy of the main loop's: not this process's
    asyncio.events._set_running_loop(None)  # forked while the main process's loop ran
    gc.freeze()  # what it inherits is never collected (nor its file descriptors closed)
    if gc_thresholds:
        gc.set_threshold(*gc_thresholds)
    try:
        asyncio.run(_serve(requests, results, options))
        results.send(("done", None))
    except (OSError, ValueError, EOFError):
        return  # the main process is gone
    finally:
        for end in (requests, results):
            with contextlib.suppress(OSError):
                end.close()


async def _serve(requests: Connection, results: Connection, options: CheckOptions) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[list[CheckRequest] | None] = asyncio.Queue()

    def receive() -> None:
        while True:
            try:
                batch = requests.recv()
            except (EOFError, OSError, ValueError):
                batch = None
            loop.call_soon_threadsafe(inbox.put_nowait, batch)
            if batch is None:
                return

    threading.Thread(target=receive, daemon=True).start()
    outbox = _Outbox(results)

    async def batches() -> AsyncIterator[list[CheckRequest]]:
        while (batch := await inbox.get()) is not None:
            yield batch

    flusher = asyncio.create_task(outbox.flush_every(FLUSH_SECONDS))
    try:
        await check_stream(
            batches(), options, on_result=outbox.add_result, on_start=outbox.add_start
        )
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
    outbox.flush()


class _Outbox:
    """Results and started URLs, sent in batches."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.results: list[CheckResult] = []
        self.started: list[str] = []

    def add_result(self, result: CheckResult) -> None:
        self.results.append(result)
        if len(self.results) >= FLUSH_RESULTS:
            self.flush()

    def add_start(self, url: str) -> None:
        self.started.append(url)

    def flush(self) -> None:
        if self.started:
            started, self.started = self.started, []
            self.conn.send(("started", started))
        if self.results:
            results, self.results = self.results, []
            self.conn.send(("results", results))

    async def flush_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.flush()
