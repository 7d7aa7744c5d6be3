"""Throughput of the checking engine per transport, against a loopback server farm.

``python benchmarks/bench_transport.py`` starts, in a child process, an asyncio HTTP/1.1
server on 20 loopback addresses (127.0.0.2 .. 127.0.0.21; Linux routes all of 127/8 to ``lo``)
that answers every request after 50 ms with a small HTML page that has a title. Then, for
each transport and per-host limit, a fresh client process runs ``check_urls`` on 5,000 unique
URLs (250 per host) with 128 requests in flight, and reports its wall time (the
``check_urls`` call alone), its CPU time per URL (``process_time`` of that call: less
sensitive to other work on the machine than wall time), the whole client process's CPU per
URL (start and imports included) and its peak RSS. The network-bound floor is
``urls / concurrency * latency`` (1.95 s for the defaults).

Options: ``--urls``, ``--hosts``, ``--latency``, ``--concurrency``, ``--per-host 8 128``,
``--transports aiohttp httpx floor httpx-floor curl-floor`` (``floor``: the same requests through
aiohttp alone, a GET and a title found by a regular expression, without the checker;
``httpx-floor``: the same through httpx's own client and transport alone; ``curl-floor``:
the same through libcurl's multi interface, when pycurl is installed), ``--repeat``,
``--uvloop`` (run the client on uvloop, when installed), ``--profile FILE`` (cProfile of one
aiohttp run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URLS = 5000
DEFAULT_HOSTS = 20
DEFAULT_LATENCY = 0.05
DEFAULT_CONCURRENCY = 128
DEFAULT_PER_HOST = (8, 128)
DEFAULT_TRANSPORTS = ("aiohttp", "httpx")
FLOOR = "floor"
"""Not a transport: aiohttp alone, without the checker (``--transports aiohttp floor``)."""
HTTPX_FLOOR = "httpx-floor"
"""Nor this: httpx's ``AsyncClient`` alone, the same requests without the checker."""
CURL_FLOOR = "curl-floor"
"""Not a transport either: libcurl's multi interface alone (through pycurl, when installed),
the same requests without asyncio nor the checker: what a transport over libcurl could reach."""
FLOORS = (FLOOR, HTTPX_FLOOR, CURL_FLOOR)
FIRST_ADDRESS = 2
CLIENT_TIMEOUT = 300.0
START_TIMEOUT = 10.0
MAX_HEAD = 16 * 1024
PAGE_FILLER = "<p>Measured energy use of training runs, by year and by model size.</p>\n" * 8
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def addresses(hosts: int) -> list[str]:
    return [f"127.0.0.{FIRST_ADDRESS + i}" for i in range(hosts)]


# ---------------------------------------------------------------------------
# The server (child process)
# ---------------------------------------------------------------------------


class _Farm(asyncio.Protocol):
    """Keep-alive HTTP/1.1: every request answered with a titled page after ``latency``."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > MAX_HEAD and b"\r\n\r\n" not in self.buffer:
            assert self.transport is not None
            self.transport.close()
            return
        loop = asyncio.get_running_loop()
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            target = head.split(b" ", 2)[1].decode("latin-1")
            loop.call_later(self.latency, self._answer, target)

    def _answer(self, target: str) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        body = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>Page {target}</title>"
            f"</head><body><h1 id='top'>{target}</h1>{PAGE_FILLER}</body></html>"
        ).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.transport.write(head + body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def serve(hosts: int, latency: float, ready: Any, port_box: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        port = 0
        servers = []
        for address in addresses(hosts):
            server = await loop.create_server(
                lambda: _Farm(latency), address, port, reuse_address=True, backlog=1024
            )
            port = port or server.sockets[0].getsockname()[1]
            servers.append(server)
        port_box.value = port
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


# ---------------------------------------------------------------------------
# The client (a fresh process per measurement)
# ---------------------------------------------------------------------------


def client(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from linkcheck.check import check_urls
    from linkcheck.check.options import CheckOptions
    from linkcheck.models import CheckRequest

    for name in PROXY_VARS:
        os.environ.pop(name, None)
        os.environ.pop(name.upper(), None)
    hosts = addresses(args.hosts)
    requests = [
        CheckRequest(f"http://{hosts[i % len(hosts)]}:{args.port}/page/{i}")
        for i in range(args.urls)
    ]
    settings = CheckOptions(
        transport="aiohttp" if args.transport in FLOORS else args.transport,
        concurrency=args.concurrency,
        per_host_concurrency=args.per_host_one,
        timeout=10.0,
        retries=0,
        allow_private=True,  # the farm listens on loopback addresses
    )

    async def floor() -> tuple[float, float, Counter[str], int]:
        """The same requests through aiohttp alone: a GET, the body, a title found by a
        regular expression. No checker does less; its CPU per URL is the floor."""
        import re

        import aiohttp

        title = re.compile(rb"<title[^>]*>([^<]*)", re.IGNORECASE)
        started, cpu_started = time.perf_counter(), time.process_time()
        connector = aiohttp.TCPConnector(limit=args.concurrency, limit_per_host=args.per_host_one)
        verdicts: Counter[str] = Counter()
        titled = 0
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(url: str) -> None:
                nonlocal titled
                async with session.get(url, allow_redirects=False) as response:
                    body = await response.content.read(1024 * 1024)
                    verdicts["ok" if response.status == 200 else "other"] += 1
                    titled += title.search(body) is not None

            await asyncio.gather(*(one(r.url) for r in requests))
        wall = time.perf_counter() - started
        return wall, time.process_time() - cpu_started, verdicts, titled

    async def httpx_floor() -> tuple[float, float, Counter[str], int]:
        """The same requests through httpx alone (its own connection pool and transport): a
        GET, the body, a title found by a regular expression."""
        import re

        import httpx

        title = re.compile(rb"<title[^>]*>([^<]*)", re.IGNORECASE)
        started, cpu_started = time.perf_counter(), time.process_time()
        limits = httpx.Limits(
            max_connections=args.concurrency, max_keepalive_connections=args.concurrency
        )
        verdicts: Counter[str] = Counter()
        titled = 0
        gate = asyncio.Semaphore(args.concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=10.0, trust_env=False) as session:

            async def one(url: str) -> None:
                nonlocal titled
                async with gate:
                    response = await session.get(url)
                verdicts["ok" if response.status_code == 200 else "other"] += 1
                titled += title.search(response.content) is not None

            await asyncio.gather(*(one(r.url) for r in requests))
        wall = time.perf_counter() - started
        return wall, time.process_time() - cpu_started, verdicts, titled

    def curl_floor() -> tuple[float, float, Counter[str], int]:
        """The same requests through libcurl's multi interface (pycurl) in a plain loop: a
        GET, the body, a title found by a regular expression."""
        import io
        import re

        import pycurl  # type: ignore[import-not-found]  # optional: not a dependency

        title = re.compile(rb"<title[^>]*>([^<]*)", re.IGNORECASE)
        started, cpu_started = time.perf_counter(), time.process_time()
        multi = pycurl.CurlMulti()
        multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, args.per_host_one)
        waiting = [r.url for r in reversed(requests)]
        bodies: dict[Any, io.BytesIO] = {}
        verdicts: Counter[str] = Counter()
        titled = 0

        def start(handle: Any) -> None:
            bodies[handle] = io.BytesIO()
            handle.setopt(pycurl.URL, waiting.pop())
            handle.setopt(pycurl.WRITEDATA, bodies[handle])
            multi.add_handle(handle)

        for _ in range(min(args.concurrency, len(waiting))):
            start(pycurl.Curl())
        while bodies:
            while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                pass
            while True:
                queued, done, failed = multi.info_read()
                for handle in [*done, *(entry[0] for entry in failed)]:
                    multi.remove_handle(handle)
                    ok = handle in done and handle.getinfo(pycurl.RESPONSE_CODE) == 200
                    verdicts["ok" if ok else "other"] += 1
                    titled += title.search(bodies.pop(handle).getvalue()) is not None
                    if waiting:
                        start(handle)
                if not queued:
                    break
            multi.select(1.0)
        wall = time.perf_counter() - started
        return wall, time.process_time() - cpu_started, verdicts, titled

    async def run() -> tuple[float, float, Counter[str], int]:
        if args.transport == FLOOR:
            return await floor()
        if args.transport == HTTPX_FLOOR:
            return await httpx_floor()
        if args.transport == CURL_FLOOR:
            return curl_floor()
        started, cpu_started = time.perf_counter(), time.process_time()
        results = await check_urls(requests, settings)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        titled = sum(1 for r in results.values() if r.title)
        return wall, cpu, Counter(r.verdict.value for r in results.values()), titled

    if args.uvloop:
        import uvloop

        uvloop.install()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    wall, cpu, verdicts, titled = asyncio.run(run())
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_kib = usage.ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "process_cpu": usage.ru_utime + usage.ru_stime,
                "rss_mib": rss_kib / 1024,
                "verdicts": verdicts,
                "titled": titled,
            }
        )
    )


def measure(args: argparse.Namespace, transport: str, per_host: int, port: int) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--client", "--transport", transport,
        "--per-host-one", str(per_host), "--port", str(port), "--urls", str(args.urls),
        "--hosts", str(args.hosts), "--concurrency", str(args.concurrency),
    ]  # fmt: skip
    if args.uvloop:
        command.append("--uvloop")
    if args.profile and transport == "aiohttp":
        command += ["--profile", args.profile]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    if done.returncode:
        raise SystemExit(f"{transport}: the client failed\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--urls", type=int, default=DEFAULT_URLS)
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS)
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--per-host", type=int, nargs="+", default=list(DEFAULT_PER_HOST))
    parser.add_argument("--transports", nargs="+", default=list(DEFAULT_TRANSPORTS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the aiohttp client here")
    # internal: one client run
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--transport", help=argparse.SUPPRESS)
    parser.add_argument("--per-host-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        client(args)
        return 0

    ready = multiprocessing.Event()
    port_box = multiprocessing.Value("i", 0)
    farm = multiprocessing.Process(
        target=serve, args=(args.hosts, args.latency, ready, port_box), daemon=True
    )
    farm.start()
    try:
        if not ready.wait(START_TIMEOUT):
            print("the server did not start", file=sys.stderr)
            return 1
        floor = args.urls / args.concurrency * args.latency
        loop_name = "uvloop" if args.uvloop else "asyncio"
        print(
            f"{args.urls} URLs, {args.hosts} hosts, {args.latency * 1000:.0f} ms latency, "
            f"concurrency {args.concurrency}, event loop {loop_name}; floor {floor:.2f} s"
        )
        print(
            "| transport | per-host | wall s (median) | runs | CPU ms / URL (median, range) "
            "| whole process CPU ms / URL | peak RSS MiB | ok | titled |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for transport in args.transports:
            for per_host in args.per_host:
                runs = [
                    measure(args, transport, per_host, port_box.value) for _ in range(args.repeat)
                ]
                walls = [r["wall"] for r in runs]
                runs_text = " ".join(f"{w:.2f}" for w in walls)
                rss = max(r["rss_mib"] for r in runs)
                per_url = [1000 * r["cpu"] / args.urls for r in runs]
                cpu_text = (
                    f"{statistics.median(per_url):.3f} ({min(per_url):.3f}–{max(per_url):.3f})"
                )
                whole = statistics.median(1000 * r["process_cpu"] / args.urls for r in runs)
                last = runs[-1]
                print(
                    f"| {transport} | {per_host} | {statistics.median(walls):.2f} | "
                    f"{runs_text} | {cpu_text} | {whole:.3f} | {rss:.0f} | "
                    f"{last['verdicts'].get('ok', 0)} | {last['titled']} |",
                    flush=True,
                )
    finally:
        farm.terminate()
        with contextlib.suppress(Exception):
            farm.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
