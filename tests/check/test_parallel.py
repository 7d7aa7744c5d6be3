"""The network stage over several processes: the same results, hosts never shared.

Helpers are real processes (``spawn``) checking URLs of a server on loopback addresses that
this test's event loop runs. Every test is bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from check_server import Request, Server, send, serving
from check_support import HTML, TEST_TIMEOUT, check, clean_env, html_page, make_settings

from linkcheck.check import parallel
from linkcheck.check.options import CheckOptions
from linkcheck.models import CheckRequest, CheckResult, Verdict
from linkcheck.sources import host_of

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
HTML_HEADERS = list(HTML.items())


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)


async def ok(request: Request, writer: Any, server: Server) -> None:
    await asyncio.sleep(0.02)
    body = html_page(f"Page {request.path}", body='<h2 id="here">x</h2>')
    await send(writer, server, request, 200, body, HTML_HEADERS)


async def dead(request: Request, writer: Any, server: Server) -> None:
    await send(writer, server, request, 404, b"no such page", [("Content-Type", "text/plain")])


async def moved(request: Request, writer: Any, server: Server) -> None:
    await send(writer, server, request, 301, b"", [("Location", "/ok/target")])


ROUTES = {"ok": ok, "dead": dead, "moved": moved}


def requests_for(server: Server) -> list[CheckRequest]:
    found: list[CheckRequest] = []
    for host in HOSTS:
        for i in range(8):
            found.append(CheckRequest(server.url(f"/ok/{i}", host)))
        found.append(CheckRequest(server.url("/ok/anchored", host), frozenset({"here", "gone"})))
        found.append(CheckRequest(server.url("/dead/1", host)))
        found.append(CheckRequest(server.url("/moved/1", host)))
    return found


async def in_batches(
    requests: Sequence[CheckRequest], size: int = 7
) -> AsyncIterator[Sequence[CheckRequest]]:
    for start in range(0, len(requests), size):
        yield requests[start : start + size]
        await asyncio.sleep(0)


def comparable(result: CheckResult) -> tuple[object, ...]:
    """A result without what depends on timing."""
    return (
        result.url,
        result.verdict,
        result.status,
        result.final_url,
        result.title,
        result.reason,
        result.missing_fragments,
        result.redirects,
    )


@pytest.mark.parametrize("method", ["fork", "spawn"])
async def test_several_processes_give_the_results_of_one(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if method not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: [method])
    settings = make_settings(transport="aiohttp", concurrency=8, per_host_concurrency=2)
    options = CheckOptions.from_settings(settings)
    async with serving(ROUTES, addresses=HOSTS) as server:
        requests = requests_for(server)
        alone = await check(requests, settings)
        finished: list[str] = []
        started: list[str] = []
        async with asyncio.timeout(TEST_TIMEOUT):
            together = await parallel.check_stream_parallel(
                in_batches(requests),
                options,
                processes=3,
                on_result=lambda r: finished.append(r.url),
                on_start=started.append,
            )
    assert list(together) == [r.url for r in requests]  # the order the URLs came in
    assert [comparable(r) for r in together.values()] == [comparable(r) for r in alone.values()]
    assert sorted(finished) == sorted(started) == sorted(r.url for r in requests)
    verdicts = {r.verdict for r in together.values()}
    assert {Verdict.OK, Verdict.DEAD, Verdict.MOVED} <= verdicts


async def test_a_host_is_checked_by_one_process_and_the_limits_hold() -> None:
    # One request at a time per host, four in all: a host split between two processes
    # would show two requests in flight at once.
    settings = make_settings(transport="aiohttp", concurrency=4, per_host_concurrency=1)
    options = CheckOptions.from_settings(settings)
    async with serving(ROUTES, addresses=HOSTS) as server:
        urls = [CheckRequest(server.url(f"/ok/{i}", host)) for host in HOSTS for i in range(6)]
        async with asyncio.timeout(TEST_TIMEOUT):
            results = await parallel.check_stream_parallel(
                in_batches(urls, size=5), options, processes=2
            )
    assert all(r.verdict is Verdict.OK for r in results.values())
    assert len(server.stats.requests) == len(urls)
    assert all(count == 1 for count in server.stats.host_max.values())
    assert server.stats.max_in_flight <= 4


async def test_urls_of_a_helper_that_dies_are_checked_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(transport="aiohttp", concurrency=6, per_host_concurrency=2)
    options = CheckOptions.from_settings(settings)
    helpers: list[Any] = []
    start = parallel._Parallel._start_helpers

    def keep(self: Any) -> None:
        start(self)
        helpers.extend(self.helpers)

    monkeypatch.setattr(parallel._Parallel, "_start_helpers", keep)
    async with serving(ROUTES, addresses=HOSTS) as server:
        requests = [CheckRequest(server.url(f"/ok/{i}", host)) for host in HOSTS for i in range(6)]

        async def batches() -> AsyncIterator[Sequence[CheckRequest]]:
            yield requests[:10]
            while not helpers:
                await asyncio.sleep(0.01)
            os.kill(helpers[0].process.pid, signal.SIGKILL)
            helpers[0].process.join(5)
            yield requests[10:]

        async with asyncio.timeout(TEST_TIMEOUT):
            results = await parallel.check_stream_parallel(batches(), options, processes=2)
    assert list(results) == [r.url for r in requests]
    assert all(r.verdict is Verdict.OK for r in results.values())


def test_hosts_go_to_the_process_with_the_fewest_urls() -> None:
    loads: dict[int, int] = {}

    async def route() -> dict[str, int]:
        runner = parallel._Parallel(CheckOptions(), 3, None, None)
        runner.helpers = [
            parallel._Helper(None, None, None, _Discard(), {}),  # type: ignore[arg-type]
            parallel._Helper(None, None, None, _Discard(), {}),  # type: ignore[arg-type]
        ]
        batch = [CheckRequest(f"https://a.example/{i}") for i in range(5)]
        batch += [CheckRequest(f"https://b.example/{i}") for i in range(2)]
        batch += [CheckRequest(f"https://c.example/{i}") for i in range(2)]
        batch += [CheckRequest(f"https://D.example:8443/{i}") for i in range(1)]
        runner._route(batch)
        loads.update(enumerate(runner.load))
        return runner.owner

    owner = asyncio.run(route())
    assert owner == {"a.example": 0, "b.example": 1, "c.example": 2, "d.example": 1}
    assert loads == {0: 5, 1: 3, 2: 2}
    assert host_of("https://D.example:8443/x") == "d.example"


class _Discard:
    def put(self, item: object) -> None:
        return None


def test_how_many_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert parallel.process_count(posts=10, min_posts=200) == 1
    assert parallel.process_count(posts=500, min_posts=200) == 1  # two CPUs: no gain
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert parallel.process_count(posts=500, min_posts=200) == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert parallel.process_count(posts=500, min_posts=200) == parallel.MAX_PROCESSES
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert parallel.process_count(posts=500, min_posts=200) == 1


def test_the_global_limit_is_shared_out() -> None:
    options = CheckOptions(concurrency=128)
    assert parallel.split_options(options, 2).concurrency == 64
    assert parallel.split_options(replace(options, concurrency=1), 3).concurrency == 1


ORPHAN_SCRIPT = """
import asyncio, sys
from linkcheck.check import parallel
from linkcheck.check.options import CheckOptions

async def forever():
    yield []
    await asyncio.Event().wait()

async def main():
    start = parallel._Parallel._start_helpers
    def keep(self):
        start(self)
        print(*(h.process.pid for h in self.helpers), flush=True)
    parallel._Parallel._start_helpers = keep
    await parallel.check_stream_parallel(forever(), CheckOptions(), processes=2)

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_a_helper_ends_when_the_main_process_is_killed(tmp_path: Any) -> None:
    import subprocess
    import sys
    import time

    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN_SCRIPT)
    main = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert main.stdout is not None
        helper = int(main.stdout.readline())
    finally:
        main.kill()
        main.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            return
        if _zombie(helper):
            return
        time.sleep(0.1)
    pytest.fail("the helper outlived the main process by 10 s")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False
