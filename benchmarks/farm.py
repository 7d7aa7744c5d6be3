"""A local web farm for benchmarks: many loopback "hosts", fixed latency, behaviours by path.

Every address 127.0.0.2 .. 127.0.0.(N+1) is one host (Linux routes all of 127/8 to ``lo``),
all on one port. The server speaks a minimal HTTP/1.1 with keep-alive over plain asyncio
streams. Each response waits ``latency`` seconds first. Behaviours, by path:

=============================  ===============================================================
``/ok/<id>``                   200, an HTML page with ``<title>`` and ``og:title``
``/pdf/<id>.pdf``              200, a small PDF whose metadata has a ``/Title``
``/nohead/<id>``               HEAD is refused with 405; GET gives 200
``/moved/<n>/<id>``            a chain of ``n`` 301s ending at ``/ok/<id>``
``/found/<n>/<id>``            a chain of ``n`` 302s ending at ``/ok/<id>``
``/dead/<id>``                 404
``/gone/<id>``                 410
``/forbidden/<id>``            403
``/ratelimit/<id>``            first request 429 with ``Retry-After: 1``, then 200 (per URL)
``/slow/<ms>/<id>``            200 after an extra ``ms`` milliseconds (capped)
``/large/<id>``                200, a large HTML page (5 MiB by default) written in chunks
``/error/<id>``                500, always
``/loop/<id>``                 301 to itself
anything else                  404
=============================  ===============================================================

Every request is logged (time, host, method, path, status, bytes written). The farm stops by
itself after ``lifetime`` seconds.

Run it alone with ``python -m benchmarks.farm --hosts 20 --latency 0.05 --port 8080``, or
in-process with :class:`FarmThread`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

DEFAULT_HOSTS = 20
DEFAULT_LATENCY = 0.05
DEFAULT_PORT = 8080
DEFAULT_LIFETIME = 600.0
ADDRESS_PREFIX = "127.0.0."
FIRST_HOST = 2
MAX_HOSTS = 250
MAX_SLOW_SECONDS = 60.0
DEFAULT_LARGE_BYTES = 5 * 1024 * 1024
DEFAULT_PAGE_BYTES = 16 * 1024
LARGE_CHUNK = 64 * 1024
HEAD_LIMIT = 16 * 1024
BACKLOG = 1024
MAX_REQUEST_BODY = 64 * 1024
IDLE_TIMEOUT = 30.0
MAX_REQUESTS_PER_CONNECTION = 100_000
RETRY_AFTER_SECONDS = 1
START_TIMEOUT = 15.0
BIND_ATTEMPTS = 5
"""With port 0, tries at a port free on every address."""
STOP_TIMEOUT = 10.0
PDF_TITLE = "Farm Annual Report on Sustainable Computing"
SERVER_NAME = "linkcheck-farm"

REASONS: dict[int, str] = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}

_FILLER = (
    "<p>Data centres drew an estimated share of national electricity use that grew year "
    "on year, while the efficiency of the hardware inside them improved more slowly than "
    "the demand for training and inference. This paragraph is filler text.</p>\n"
)


@dataclass(frozen=True, slots=True)
class FarmConfig:
    """How a farm is laid out and how it answers."""

    hosts: int = DEFAULT_HOSTS
    """Number of loopback addresses, from 127.0.0.2 upward."""
    latency: float = DEFAULT_LATENCY
    """Seconds waited before every response."""
    port: int = DEFAULT_PORT
    """One port on every address; 0 picks a free one (the same for all hosts)."""
    lifetime: float = DEFAULT_LIFETIME
    """The farm stops by itself after this many seconds."""
    large_bytes: int = DEFAULT_LARGE_BYTES
    page_bytes: int = DEFAULT_PAGE_BYTES
    """Approximate size of an ordinary HTML page."""
    group: int = 1
    groups: int = 1
    """This server answers host group ``group`` of ``groups`` (every ``groups``-th address):
    a farm in several processes runs one group in each, so each host has one process (and
    its per-URL state one home)."""

    def addresses(self) -> tuple[str, ...]:
        """The loopback addresses of the whole farm."""
        if not 1 <= self.hosts <= MAX_HOSTS:
            raise ValueError(f"hosts must be between 1 and {MAX_HOSTS}")
        return tuple(f"{ADDRESS_PREFIX}{FIRST_HOST + i}" for i in range(self.hosts))

    def bound_addresses(self) -> tuple[str, ...]:
        """The addresses this server listens on (its host group)."""
        return self.addresses()[self.group - 1 :: self.groups]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the farm answered."""

    at: float
    """Seconds since the farm started (or was last reset)."""
    host: str
    method: str
    path: str
    status: int
    bytes_sent: int
    """Bytes of head and body handed to the socket (less when the client hung up)."""


@dataclass(frozen=True, slots=True)
class FarmSummary:
    """Totals over a request log."""

    requests: int
    by_method: dict[str, int]
    by_status: dict[str, int]
    bytes_sent: int
    hosts: int


def summarise(records: Sequence[RequestRecord]) -> FarmSummary:
    """Count requests by method and status, and add up the bytes written."""
    return FarmSummary(
        requests=len(records),
        by_method=dict(Counter(r.method for r in records)),
        by_status={str(k): v for k, v in sorted(Counter(r.status for r in records).items())},
        bytes_sent=sum(r.bytes_sent for r in records),
        hosts=len({r.host for r in records}),
    )


def write_log(records: Sequence[RequestRecord], path: Path) -> None:
    """Write the request log as JSON Lines."""
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(asdict(record)) + "\n")


def read_log(path: Path) -> list[RequestRecord]:
    """Read a request log written by :func:`write_log`."""
    with path.open(encoding="utf-8") as handle:
        return [RequestRecord(**json.loads(line)) for line in handle if line.strip()]


def make_pdf(title: str = PDF_TITLE) -> bytes:
    """A one-page PDF whose document information carries ``title``."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title, "/Author": "Farm Statistics Office"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _filler(size: int) -> bytes:
    repeats = max(1, size // len(_FILLER))
    return (_FILLER * repeats).encode()


def html_page(title: str, filler: bytes) -> bytes:
    """An HTML page titled ``title`` (escaped), padded with ``filler``."""
    safe = html.escape(title)
    head = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>{safe}</title><meta property="og:title" content="{safe}">'
        f'</head><body><h1 id="top">{safe}</h1>\n'
    )
    return head.encode() + filler + b"</body></html>\n"


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    keep_alive: bool
    body_length: int


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0


def parse_request_head(head: bytes) -> _Request | None:
    """Parse a request line and headers; None when malformed."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        return None
    try:
        method = parts[0].decode("ascii")
        target = parts[1].decode("ascii")
    except UnicodeDecodeError:
        return None
    if target.startswith(("http://", "https://")):
        slash = target.find("/", target.find("//") + 2)
        target = target[slash:] if slash >= 0 else "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    keep_alive = parts[2] == b"HTTP/1.1"
    body_length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"connection":
            token = value.strip().lower()
            if token == b"close":
                keep_alive = False
            elif token == b"keep-alive":
                keep_alive = True
        elif key == b"content-length":
            try:
                body_length = max(0, int(value.strip()))
            except ValueError:
                return None
    return _Request(method, path, keep_alive, body_length)


def _hops(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 20 else None


class Farm:
    """The server: bind with :meth:`start`, serve with :meth:`run`; state is per URL."""

    def __init__(self, config: FarmConfig, *, t0: float | None = None) -> None:
        self.config = config
        self.records: list[RequestRecord] = []
        self._rate_limited: set[tuple[str, str]] = set()
        self._generation = 0
        """Bumped by reset(): requests that arrived before it are not logged after it."""
        self._servers: list[asyncio.Server] = []
        self._connections: set[_Connection] = set()
        self._t0 = time.monotonic() if t0 is None else t0
        self._filler = _filler(config.page_bytes)
        self._pdf = b""
        self._large = b""
        self.port = config.port
        self.stopping: asyncio.Event | None = None
        self._writers: set[asyncio.Task[None]] = set()

    @property
    def base_urls(self) -> tuple[str, ...]:
        """``http://address:port`` for every host."""
        return tuple(f"http://{a}:{self.port}" for a in self.config.addresses())

    def reset(self) -> None:
        """Forget the log and the per-URL state (between two measured runs)."""
        self.records = []
        self._rate_limited.clear()
        self._generation += 1
        self._t0 = time.monotonic()

    async def start(self) -> None:
        """Build the static bodies and bind every address."""
        self._pdf = make_pdf()
        large_filler = _filler(self.config.large_bytes)
        self._large = html_page("A very large page", large_filler)[: self.config.large_bytes]
        self.stopping = asyncio.Event()
        attempts = BIND_ATTEMPTS if self.config.port == 0 else 1
        for attempt in range(attempts):
            try:
                await self._bind_all()
                return
            except OSError:
                for server in self._servers:
                    server.close()
                self._servers.clear()
                self.port = self.config.port
                if attempt == attempts - 1:
                    raise

    async def _bind_all(self) -> None:
        loop = asyncio.get_running_loop()
        for address in self.config.bound_addresses():
            server = await loop.create_server(
                lambda address=address: _Connection(self, address),  # type: ignore[misc]
                host=address,
                port=self.port,
                reuse_address=True,
                backlog=BACKLOG,
            )
            self._servers.append(server)
            if self.port == 0:
                self.port = server.sockets[0].getsockname()[1]

    async def run(self) -> None:
        """Serve until :meth:`stop` or until the lifetime is over, then close everything."""
        assert self.stopping is not None, "start() first"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=self.config.lifetime)
        await self.close()

    def stop(self) -> None:
        """Ask :meth:`run` to return (call from the farm's loop)."""
        if self.stopping is not None:
            self.stopping.set()

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        for server in self._servers:
            server.close()
        for connection in list(self._connections):
            connection.abort()
        self._servers.clear()

    # -- behaviours ---------------------------------------------------------------------

    def _location(self, host: str, path: str) -> tuple[tuple[str, str], ...]:
        return (("Location", f"http://{host}:{self.port}{path}"),)

    def _ok(self, ident: str) -> _Response:
        return _Response(
            200,
            (("Content-Type", "text/html; charset=utf-8"),),
            html_page(f"Source {ident}", self._filler),
        )

    def respond(self, host: str, method: str, path: str) -> _Response:
        """What the farm answers to ``method path`` on ``host`` (pure but for rate limits)."""
        parts = path.strip("/").split("/")
        kind, args = parts[0], parts[1:]
        if method not in ("GET", "HEAD"):
            return _Response(405, (("Allow", "GET, HEAD"),))
        if kind == "ok" and len(args) == 1:
            return self._ok(args[0])
        if kind == "pdf" and len(args) == 1 and args[0].endswith(".pdf"):
            return _Response(200, (("Content-Type", "application/pdf"),), self._pdf)
        if kind == "nohead" and len(args) == 1:
            if method == "HEAD":
                return _Response(405, (("Allow", "GET"),))
            return self._ok(args[0])
        if kind in ("moved", "found") and len(args) == 2 and (hops := _hops(args[0])):
            status = 301 if kind == "moved" else 302
            target = f"/ok/{args[1]}" if hops == 1 else f"/{kind}/{hops - 1}/{args[1]}"
            return _Response(status, self._location(host, target))
        if kind == "dead":
            return _Response(404, (("Content-Type", "text/plain"),), b"not found\n")
        if kind == "gone":
            return _Response(410, (("Content-Type", "text/plain"),), b"gone\n")
        if kind == "forbidden":
            return _Response(403, (("Content-Type", "text/plain"),), b"no robots\n")
        if kind == "error":
            return _Response(500, (("Content-Type", "text/plain"),), b"oops\n")
        if kind == "loop":
            return _Response(301, self._location(host, path))
        if kind == "ratelimit" and len(args) == 1:
            key = (host, path)
            if key not in self._rate_limited:
                self._rate_limited.add(key)
                return _Response(429, (("Retry-After", str(RETRY_AFTER_SECONDS)),), b"slow down\n")
            return self._ok(args[0])
        if kind == "slow" and len(args) == 2 and args[0].isdigit():
            delay = min(int(args[0]) / 1000, MAX_SLOW_SECONDS)
            response = self._ok(args[1])
            return _Response(response.status, response.headers, response.body, delay)
        if kind == "large" and len(args) == 1:
            return _Response(200, (("Content-Type", "text/html; charset=utf-8"),), self._large)
        return _Response(404, (("Content-Type", "text/plain"),), b"not found\n")

    # -- logging ------------------------------------------------------------------------

    def log(
        self, host: str, method: str, path: str, status: int, sent: int, generation: int
    ) -> None:
        """Note one answered request (unless the farm was reset since it arrived)."""
        if generation == self._generation:
            at = round(time.monotonic() - self._t0, 6)
            self.records.append(RequestRecord(at, host, method, path, status, sent))


def _head_bytes(response: _Response, *, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append(f"Server: {SERVER_NAME}")
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Connection(asyncio.Protocol):
    """One client connection: requests one at a time, each answered after the latency.

    A protocol, not streams: the farm must cost far less per request than any client it
    measures, so it does the least work it can (one buffer, one timer, one write).
    """

    def __init__(self, farm: Farm, host: str) -> None:
        self.farm = farm
        self.host = host
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.closed = False
        self._writable: asyncio.Event | None = None
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.farm._connections.add(self)
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.farm._connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        if self._writable is not None:
            self._writable.set()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def pause_writing(self) -> None:
        self._writable = asyncio.Event()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()
            self._writable = None

    def _arm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        loop = asyncio.get_running_loop()
        self._idle = loop.call_later(IDLE_TIMEOUT, self._close)

    def _close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > HEAD_LIMIT + MAX_REQUEST_BODY:
            self._refuse(431)
            return
        self._next()

    def _refuse(self, status: int) -> None:
        assert self.transport is not None
        response = _Response(status)
        self.transport.write(_head_bytes(response, keep_alive=False))
        self.farm.log(self.host, "?", "?", status, 0, self.farm._generation)
        self.busy = True
        self.transport.close()

    def _next(self) -> None:
        if self.busy or self.closed:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > HEAD_LIMIT:
                self._refuse(431)
            return
        request = parse_request_head(self.buffer[: end + 4])
        if request is None or request.body_length > MAX_REQUEST_BODY:
            self._refuse(400)
            return
        need = end + 4 + request.body_length
        if len(self.buffer) < need:
            return
        self.buffer = self.buffer[need:]
        self.busy = True
        self._arm_idle()
        farm = self.farm
        response = farm.respond(self.host, request.method, request.path)
        loop = asyncio.get_running_loop()
        loop.call_later(
            farm.config.latency + response.delay,
            self._answer,
            request,
            response,
            farm._generation,
        )

    def _answer(self, request: _Request, response: _Response, generation: int) -> None:
        if self.closed or self.transport is None:
            return
        head = _head_bytes(response, keep_alive=request.keep_alive)
        if request.method == "HEAD":
            self.transport.write(head)
            self._done(request, response, len(head), generation)
        elif len(response.body) <= LARGE_CHUNK:
            self.transport.write(head + response.body)
            self._done(request, response, len(head) + len(response.body), generation)
        else:
            task = asyncio.get_running_loop().create_task(
                self._write_large(request, response, head, generation)
            )
            self.farm._writers.add(task)
            task.add_done_callback(self.farm._writers.discard)

    async def _write_large(
        self, request: _Request, response: _Response, head: bytes, generation: int
    ) -> None:
        assert self.transport is not None
        self.transport.write(head)
        sent = len(head)
        view = memoryview(response.body)
        for start in range(0, len(view), LARGE_CHUNK):
            if self._writable is not None:
                await self._writable.wait()
            if self.closed:
                break
            chunk = view[start : start + LARGE_CHUNK]
            self.transport.write(chunk)
            sent += len(chunk)
        self._done(request, response, sent, generation)

    def _done(self, request: _Request, response: _Response, sent: int, generation: int) -> None:
        self.farm.log(self.host, request.method, request.path, response.status, sent, generation)
        self.busy = False
        if not request.keep_alive:
            self._close()
        elif self.buffer:
            self._next()


class FarmThread:
    """A farm on its own event loop in a daemon thread; a context manager."""

    def __init__(self, config: FarmConfig) -> None:
        self.farm = Farm(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="farm", daemon=True)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.farm.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_until_complete(self.farm.run())
        finally:
            loop.close()

    def start(self) -> FarmThread:
        """Start serving; returns once every address is bound."""
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("the farm did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the farm could not start: {self._error}") from self._error
        return self

    def stop(self) -> None:
        """Stop serving and wait (bounded) for the thread to end."""
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.farm.stop)
            self._thread.join(STOP_TIMEOUT)

    def records(self) -> list[RequestRecord]:
        """A snapshot of the request log."""
        return list(self.farm.records)

    def reset(self) -> None:
        """Clear the log and the per-URL state, and wait until done."""
        loop = self._loop
        assert loop is not None
        done = threading.Event()

        def _reset() -> None:
            self.farm.reset()
            done.set()

        loop.call_soon_threadsafe(_reset)
        if not done.wait(STOP_TIMEOUT):
            raise RuntimeError("the farm did not reset in time")

    @property
    def base_urls(self) -> tuple[str, ...]:
        return self.farm.base_urls

    @property
    def port(self) -> int:
        return self.farm.port

    def __enter__(self) -> FarmThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def running_farm(config: FarmConfig) -> Iterator[FarmThread]:
    """Run a farm in a thread for the duration of a ``with`` block."""
    thread = FarmThread(config)
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


async def _serve_forever(config: FarmConfig, log: Path | None, t0: float | None) -> FarmSummary:
    farm = Farm(config, t0=t0)
    await farm.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, farm.stop)
    print(json.dumps({"ready": True, "port": farm.port, "hosts": list(farm.base_urls)}), flush=True)
    await farm.run()
    if log is not None:
        write_log(farm.records, log)
    return summarise(farm.records)


class FarmProcesses:
    """A farm in ``workers`` processes of its own, each serving one group of hosts.

    The client under test then shares no interpreter with the farm, and the farm has as
    many event loops as it has processes. All hosts keep one port. The interface is
    :class:`FarmThread`'s: ``reset`` starts the processes afresh (new log, new per-URL
    state), ``records`` stops them and returns their joined request log.
    """

    def __init__(self, config: FarmConfig, workers: int, *, scratch: Path | None = None) -> None:
        self.config = config
        self.workers = max(1, min(workers, config.hosts))
        self.port = config.port or _free_port(config.addresses())
        self._scratch = scratch or Path(tempfile.mkdtemp(prefix="linkcheck-farm-"))
        self._processes: list[subprocess.Popen[str]] = []
        self._logs: list[Path] = []

    @property
    def base_urls(self) -> tuple[str, ...]:
        return tuple(f"http://{a}:{self.port}" for a in self.config.addresses())

    def start(self) -> FarmProcesses:
        """Start every process; returns once each has bound its addresses."""
        self._stop_processes()
        t0 = time.monotonic()
        self._logs = []
        for group in range(1, self.workers + 1):
            log = self._scratch / f"farm-{group}-{len(os.listdir(self._scratch))}.jsonl"
            self._logs.append(log)
            command = [
                sys.executable,
                "-m",
                "benchmarks.farm",
                *("--hosts", str(self.config.hosts), "--latency", str(self.config.latency)),
                *("--port", str(self.port), "--lifetime", str(self.config.lifetime)),
                *("--large-bytes", str(self.config.large_bytes)),
                *("--page-bytes", str(self.config.page_bytes)),
                *("--group", f"{group}/{self.workers}", "--t0", repr(t0), "--log", str(log)),
            ]
            root = str(Path(__file__).resolve().parent.parent)
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
            }
            errors = (self._scratch / f"{log.stem}.stderr").open("w", encoding="utf-8")
            with errors:  # the child keeps its own copy of the descriptor
                process = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
                )
            self._processes.append(process)
        for process in self._processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.strip().startswith('{"ready": true'):
                self._stop_processes()
                raise RuntimeError(f"a farm process did not start: {line!r}")
        return self

    def _stop_processes(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
            if process.stdout is not None:
                process.stdout.close()
        self._processes = []

    def reset(self) -> None:
        """A fresh farm: new processes, empty log, no per-URL state."""
        self.start()

    def records(self) -> list[RequestRecord]:
        """Stop the processes and return their request logs joined, in time order."""
        self._stop_processes()
        records = [r for log in self._logs if log.exists() for r in read_log(log)]
        return sorted(records, key=lambda r: r.at)

    def stop(self) -> None:
        self._stop_processes()

    def __enter__(self) -> FarmProcesses:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _free_port(addresses: Sequence[str]) -> int:
    """A port free on every address (checked by binding each; the farm binds it next)."""
    for _ in range(BIND_ATTEMPTS * 4):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port: int = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as other:
                    other.bind((address, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port is free on every farm address")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.farm``: serve until SIGINT/SIGTERM or the lifetime ends."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.farm", description=__doc__)
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS)
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--lifetime", type=float, default=DEFAULT_LIFETIME)
    parser.add_argument("--large-bytes", type=int, default=DEFAULT_LARGE_BYTES)
    parser.add_argument("--page-bytes", type=int, default=DEFAULT_PAGE_BYTES)
    parser.add_argument("--group", default="1/1", help="serve host group I of N (I/N)")
    parser.add_argument("--t0", type=float, help="monotonic time that log times count from")
    parser.add_argument("--log", type=Path, help="write the request log here (JSON Lines)")
    args = parser.parse_args(argv)
    group, _, groups = args.group.partition("/")
    config = FarmConfig(
        hosts=args.hosts,
        latency=args.latency,
        port=args.port,
        lifetime=args.lifetime,
        large_bytes=args.large_bytes,
        page_bytes=args.page_bytes,
        group=int(group),
        groups=int(groups or 1),
    )
    summary = asyncio.run(_serve_forever(config, args.log, args.t0))
    print(json.dumps(asdict(summary)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
