"""Schedule the checks of one run: limits, host backoff, one fetch per URL, arXiv titles.

Every unique URL becomes one task, but tasks are started only as room frees up: at most
``ADMIT_FACTOR`` times the global limit at once, and at most ``ADMIT_FACTOR`` times the
per-host limit for one host (hosts take turns), so a run of 5,000 URLs holds a few hundred
coroutines, not 5,000, and a slow or held-back host never ties up the others. Before each
request (retries and redirect hops included)
a task takes, in this order:

1. a slot of the request's host (``per_host_concurrency``), so one busy host never ties up
   global slots while its requests queue;
2. its turn at that host: not before the host's backoff ends (set when the host answers
   429/503 or Retry-After ``HOST_PAUSE_STREAK`` times in a row) and at least
   ``host_interval`` after the host's previous request;
3. a global slot (``concurrency``).

All per-host state lives in a dict keyed by host name; waking a waiter is O(1), so scheduling
n URLs is O(n) whatever the number of hosts.

arXiv (see ``quirks``): an arXiv URL that is not the abstract page (a PDF, say) takes the
paper's title from ``https://arxiv.org/abs/<id>``: from that page's own check when it is among
the requests, otherwise from one extra fetch per paper, shared by every such URL of the paper.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from linkcheck.check.fetch import SUCCESS_VERDICTS, Fetcher, Timing
from linkcheck.check.options import CheckOptions
from linkcheck.check.quirks import ARXIV_ABS_URL, arxiv_paper
from linkcheck.check.transport import ClientFactory, Clients, open_clients
from linkcheck.models import CheckRequest, CheckResult, Verdict
from linkcheck.sources import host_of

INTERNAL_ERROR_REASON = "internal error"
HOST_PAUSE_STREAK = 2
"""Rate-limit answers in a row from one host (429/503 or Retry-After, nothing else between)
that hold back the whole host. One such answer delays only its own URL: a host that
rate-limits the client answers every request so, while a host that limits one path (or
sheds one request) goes on answering the others."""
ADMIT_FACTOR = 2
"""Checks started ahead of the free request slots (globally and per host), as a multiple."""

ResultCallback = Callable[[CheckResult], None]
StartCallback = Callable[[str], None]
"""Called with a URL as its check is admitted."""


@dataclass(slots=True)
class _Host:
    """The scheduling state of one host."""

    slots: asyncio.Semaphore
    interval: float = 0.0
    """Minimum seconds between two request starts (``host_interval`` or the host's own)."""
    not_before: float = 0.0
    """Clock time before which no request starts (backoff)."""
    next_start: float = 0.0
    """Clock time of the earliest next start (``host_interval``)."""
    limited: int = 0
    """Rate-limit answers in a row (see ``HOST_PAUSE_STREAK``)."""


class Scheduler:
    """Global and per-host slots, per-host backoff and request spacing."""

    def __init__(self, options: CheckOptions, timing: Timing) -> None:
        self._timing = timing
        self._options = options
        self._global = asyncio.Semaphore(options.concurrency)
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            options = self._options
            slots = asyncio.Semaphore(options.concurrency_for(host))
            state = self._hosts[host] = _Host(slots, options.interval_for(host))
        return state

    def slot(self, host: str) -> _Slot:
        """Hold a slot of ``host`` and a global one, after the host's backoff and interval."""
        return _Slot(self, self._host(host))

    async def _wait_turn(self, state: _Host) -> None:
        clock = self._timing.clock
        while True:
            now = clock()
            start = max(state.not_before, state.next_start)
            if start <= now:
                state.next_start = now + state.interval
                return
            await self._timing.sleep(start - now)

    def rate_limited(self, host: str, seconds: float) -> None:
        """``host`` answered 429/503 or with Retry-After: hold it back after a streak."""
        state = self._host(host)
        state.limited += 1
        if state.limited >= HOST_PAUSE_STREAK:
            self.hold_back(host, seconds)

    def answered(self, host: str) -> None:
        """``host`` answered with anything but a rate limit: the streak ends."""
        state = self._hosts.get(host)
        if state is not None:
            state.limited = 0

    def hold_back(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts in the next ``seconds``."""
        if seconds <= 0:
            return
        state = self._host(host)
        state.not_before = max(state.not_before, self._timing.clock() + seconds)


class _Slot:
    """One request's hold on its host's slots and a global slot (an async context manager)."""

    __slots__ = ("_host", "_scheduler")

    def __init__(self, scheduler: Scheduler, host: _Host) -> None:
        self._scheduler = scheduler
        self._host = host

    async def __aenter__(self) -> None:
        host = self._host
        await host.slots.acquire()
        try:
            if host.interval or host.not_before:  # most hosts have neither: no wait
                await self._scheduler._wait_turn(host)
            await self._scheduler._global.acquire()
        except BaseException:
            host.slots.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._scheduler._global.release()
        self._host.slots.release()


class _Admission:
    """Which URL's check starts next: bounded in total and per host, hosts taking turns.

    URLs may keep arriving (``add``) while checks run; ``close`` says no more will come.
    """

    def __init__(self, total: int, per_host: int) -> None:
        self._total = max(1, total)
        self._per_host = max(1, per_host)
        self._pending: dict[str, deque[CheckRequest]] = {}
        self._ready: deque[str] = deque()
        """Hosts with pending URLs and room for another check, in turn order."""
        self._live: dict[str, int] = {}
        self._live_total = 0
        self._left = 0
        self._closed = False
        self.changed = asyncio.Event()
        """Set whenever a check ends or URLs arrive (room or work may be there)."""

    def add(self, requests: Iterable[CheckRequest]) -> None:
        """More URLs to check."""
        for request in requests:
            host = host_of(request.url)
            queue = self._pending.get(host)
            if queue is None:
                queue = self._pending[host] = deque()
                self._live[host] = 0
            if not queue and self._live[host] < self._per_host:
                self._ready.append(host)  # it had nothing to start: its turn comes again
            queue.append(request)
            self._left += 1
        self.changed.set()

    def close(self) -> None:
        """No more URLs will be added."""
        self._closed = True
        self.changed.set()

    @property
    def finished(self) -> bool:
        """No more URLs will come, and every check was started and has released its place."""
        return self._closed and self._left == 0 and self._live_total == 0

    def take(self) -> tuple[str, CheckRequest] | None:
        """The next check to start (its place is held until ``release``), or None."""
        if self._live_total >= self._total or not self._ready:
            return None
        host = self._ready.popleft()
        queue = self._pending[host]
        request = queue.popleft()
        self._left -= 1
        self._live_total += 1
        self._live[host] += 1
        if queue and self._live[host] < self._per_host:
            self._ready.append(host)
        return host, request

    def release(self, host: str) -> None:
        """A check of ``host`` no longer needs its place."""
        self._live_total -= 1
        self._live[host] -= 1
        if self._pending[host] and self._live[host] == self._per_host - 1:
            self._ready.append(host)  # it was full: its turn comes again
        self.changed.set()


class _Run:
    """One run: the scheduler, the fetcher, the results and the arXiv titles."""

    def __init__(self, options: CheckOptions, clients: Clients, timing: Timing) -> None:
        self.options = options
        self.scheduler = Scheduler(options, timing)
        self.fetcher = Fetcher(clients, self.scheduler, options, timing)
        self.timing = timing
        self.results: dict[str, CheckResult] = {}
        self.titles: dict[str, asyncio.Future[str | None]] = {}
        """arXiv id -> the paper's title (from its abstract page)."""
        self.owners: dict[str, str] = {}
        """Request URL -> the arXiv id whose title its check provides."""
        self.papers: dict[str, tuple[str, bool]] = {}
        """Request URL -> its arXiv id and whether it is the abstract page."""

    def _note_papers(self, requests: Iterable[CheckRequest]) -> None:
        """Which requests are arXiv papers, and which abstract page provides which title."""
        loop = asyncio.get_running_loop()
        for request in requests:
            paper = arxiv_paper(request.url)
            if paper is None:
                continue
            self.papers[request.url] = paper
            if paper[1] and paper[0] not in self.titles:
                self.titles[paper[0]] = loop.create_future()
                self.owners[request.url] = paper[0]

    async def run(
        self,
        batches: AsyncIterator[Sequence[CheckRequest]],
        on_result: ResultCallback | None,
        on_start: StartCallback | None = None,
    ) -> dict[str, CheckResult]:
        admission = _Admission(
            ADMIT_FACTOR * self.options.concurrency,
            ADMIT_FACTOR * self.options.max_host_concurrency,
        )
        order: list[str] = []

        async def feed() -> None:
            try:
                async for batch in batches:
                    self._note_papers(batch)
                    order.extend(request.url for request in batch)
                    admission.add(batch)
            finally:
                admission.close()

        async with asyncio.TaskGroup() as group:
            group.create_task(feed())
            while not admission.finished:
                admission.changed.clear()
                while (taken := admission.take()) is not None:
                    host, request = taken
                    if on_start is not None:
                        on_start(request.url)
                    group.create_task(self._check(request, host, admission, on_result))
                await admission.changed.wait()
        return {url: self.results[url] for url in order}

    async def _check(
        self,
        request: CheckRequest,
        host: str,
        admission: _Admission,
        on_result: ResultCallback | None,
    ) -> None:
        owned = self.owners.get(request.url)
        title: str | None = None
        try:
            result = await self._fetch(request)
            if result.verdict in SUCCESS_VERDICTS:
                title = result.title
        finally:
            if owned is not None and not self.titles[owned].done():
                self.titles[owned].set_result(title)
            # Waiting for a paper's title below must not hold a place: the abstract page
            # it waits for may still be queued behind it.
            admission.release(host)
        paper = self.papers.get(request.url)
        if paper is not None and not paper[1] and result.verdict in SUCCESS_VERDICTS:
            title = await self._paper_title(paper[0])
            if title:
                result = replace(result, title=title)
        self.results[request.url] = result
        if on_result is not None:
            on_result(result)

    async def _fetch(self, request: CheckRequest) -> CheckResult:
        try:
            return await self.fetcher.check(request)
        except Exception as exc:
            # A bug must not cost the other URLs their results.
            return CheckResult(
                url=request.url,
                verdict=Verdict.ERROR,
                reason=f"{INTERNAL_ERROR_REASON}: {type(exc).__name__}",
                checked_at=self.timing.wall(),
            )

    async def _paper_title(self, paper: str) -> str | None:
        future = self.titles.get(paper)
        if future is None:
            future = self.titles[paper] = asyncio.ensure_future(self._fetch_abstract(paper))
        return await asyncio.shield(future)

    async def _fetch_abstract(self, paper: str) -> str | None:
        result = await self._fetch(CheckRequest(ARXIV_ABS_URL.format(paper)))
        return result.title if result.verdict in SUCCESS_VERDICTS else None


def unique_requests(requests: Iterable[CheckRequest]) -> list[CheckRequest]:
    """One request per URL, in first-seen order, with the fragments of duplicates merged."""
    merged: dict[str, CheckRequest] = {}
    for request in requests:
        known = merged.get(request.url)
        if known is None:
            merged[request.url] = request
        elif not request.fragments <= known.fragments:
            merged[request.url] = replace(known, fragments=known.fragments | request.fragments)
    return list(merged.values())


async def check_urls(
    requests: Sequence[CheckRequest],
    options: CheckOptions,
    *,
    on_result: ResultCallback | None = None,
    client_factory: ClientFactory | None = None,
    timing: Timing | None = None,
) -> dict[str, CheckResult]:
    """Check each unique URL once; a result per request URL, in request order.

    Link failures are results, never exceptions. ``on_result`` is called once per finished
    URL, on the event loop's thread. ``client_factory`` replaces the transports (tests);
    ``timing`` replaces clocks and sleeping (tests).
    """
    unique = unique_requests(requests)
    if not unique:
        return {}
    return await check_stream(
        _one_batch(unique),
        options,
        on_result=on_result,
        client_factory=client_factory,
        timing=timing,
    )


async def check_stream(
    batches: AsyncIterator[Sequence[CheckRequest]],
    options: CheckOptions,
    *,
    on_result: ResultCallback | None = None,
    client_factory: ClientFactory | None = None,
    timing: Timing | None = None,
    on_start: StartCallback | None = None,
) -> dict[str, CheckResult]:
    """``check_urls`` for requests that arrive in batches while the first ones are checked.

    Each URL must come at most once over all batches (the caller merges fragments first).
    Results are in arrival order. Checking starts with the first batch, so a caller that
    is still reading its input keeps the network busy meanwhile. ``on_start`` is called
    with each URL as its check is admitted (progress displays show what is in flight).
    """
    factory = client_factory or open_clients
    async with factory(options) as clients:
        run = _Run(options, clients, timing or Timing())
        return await run.run(batches, on_result, on_start)


async def _one_batch(requests: Sequence[CheckRequest]) -> AsyncIterator[Sequence[CheckRequest]]:
    yield requests
