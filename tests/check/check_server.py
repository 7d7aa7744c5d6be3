"""A small scripted HTTP/1.1 server on loopback addresses, for the socket tests.

Routes are async functions ``(request, writer) -> None`` keyed by the first path segment.
The server counts requests in flight (in total and per Host header), bytes written and
every request it saw; it can speak TLS with any ``ssl.SSLContext``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import struct
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

MAX_HEAD_BYTES = 64 * 1024
READ_TIMEOUT = 10.0
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    host: str
    headers: dict[str, str]
    at: float
    proxied: bool = False


@dataclass
class Stats:
    """What the server saw."""

    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    host_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    host_max: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bytes_sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    served: dict[str, int] = field(default_factory=lambda: defaultdict(int))


Route = Callable[[Request, asyncio.StreamWriter, "Server"], Awaitable[None]]


def response_head(status: int, headers: Sequence[tuple[str, str]] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter,
    server: Server,
    request: Request,
    status: int,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> None:
    """A complete response with Content-Length."""
    data = response_head(status, [*headers, ("Content-Length", str(len(body)))]) + body
    writer.write(data)
    server.stats.bytes_sent[request.path] += len(data)
    await writer.drain()


class Server:
    """Serves ``routes`` on ``addresses`` (one port for all), optionally over TLS."""

    def __init__(
        self,
        routes: dict[str, Route],
        *,
        addresses: Sequence[str] = (LOOPBACK,),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.routes = routes
        self.addresses = tuple(addresses)
        self.tls = tls
        self.stats = Stats()
        self.port = 0
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str, address: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{address or self.addresses[0]}:{self.port}{path}"

    async def start(self) -> None:
        for address in self.addresses:
            server = await asyncio.start_server(
                self._serve, address, self.port, ssl=self.tls, reuse_address=True
            )
            self._servers.append(server)
            if not self.port:
                self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    return
                await self._dispatch(request, writer)
                if writer.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            return
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        host = headers.get("host", "").rsplit(":", 1)[0]
        proxied = target.startswith("http://")
        if proxied:  # absolute form: the server is being used as a proxy
            authority, _, rest = target[len("http://") :].partition("/")
            host, target = authority.rsplit(":", 1)[0], "/" + rest
        return Request(method, target, host, headers, time.monotonic(), proxied)

    async def _dispatch(self, request: Request, writer: asyncio.StreamWriter) -> None:
        stats = self.stats
        stats.requests.append(request)
        stats.served[request.path] += 1
        stats.in_flight += 1
        stats.host_in_flight[request.host] += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        stats.host_max[request.host] = max(
            stats.host_max[request.host], stats.host_in_flight[request.host]
        )
        try:
            segment = request.path.split("?", 1)[0].strip("/").split("/", 1)[0]
            route = self.routes.get(segment)
            if route is None:
                await send(writer, self, request, 404, b"not found")
            else:
                await route(request, writer, self)
        finally:
            stats.in_flight -= 1
            stats.host_in_flight[request.host] -= 1


@contextlib.asynccontextmanager
async def serving(
    routes: dict[str, Route],
    *,
    addresses: Sequence[str] = (LOOPBACK,),
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[Server]:
    server = Server(routes, addresses=addresses, tls=tls)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport = writer.transport
    transport.abort()


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip stream of zeros: tiny compressed, ``decoded_bytes`` once decoded."""
    return gzip.compress(b"\0" * decoded_bytes, compresslevel=9)
