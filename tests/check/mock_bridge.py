"""Run pytest-httpx expectations over the aiohttp transport, through real loopback sockets.

pytest-httpx answers requests sent through httpx's own transports only. To hold the aiohttp
transport to the same expectations, ``bridged_clients`` opens the run's clients exactly as
production does (``AiohttpTransport`` over an aiohttp session) with one difference: every
request goes to a loopback server (``Bridge``), with the URL it was meant for in a header.
The server rebuilds the ``httpx.Request`` and asks the ``HTTPXMock`` for the response, then
writes that response on the socket, so aiohttp parses real bytes.

An exception registered with ``add_exception`` cannot cross a socket, so the bridge answers
with a marker status naming the failure, and the client side then makes that failure happen
for real through the same aiohttp transport: a refused connection (a closed loopback port), a
host that does not resolve (a resolver that knows loopback addresses only, so no DNS query
leaves the machine), a reset (the bridge closes with RST), a read timeout (the bridge keeps
quiet past a short read timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from check_server import LOOPBACK, closed_port, reset_connection
from pytest_httpx import HTTPXMock

from linkcheck.check import transport as transport_module
from linkcheck.check.options import CheckOptions
from linkcheck.check.transport import AiohttpTransport, Clients, SharedClient

URL_HEADER = "x-bridge-url"
FAIL_HEADER = "x-bridge-fail"
FAIL_STATUS = 599
RESET_PATH = "/__reset"
HANG_PATH = "/__hang"
HANG_SECONDS = 5.0
"""How long the bridge keeps quiet for a timeout (the client gives up long before)."""
FAILING_READ_TIMEOUT = 0.05
READ_HEAD_TIMEOUT = 10.0
HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})

REFUSED = "refused"
UNRESOLVED = "unresolved"
RESET = "reset"
TIMEOUT = "timeout"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def failure_of(exc: BaseException) -> str:
    """Which real failure stands for a registered exception."""
    chain = list(_chain(exc))
    if any(isinstance(e, socket.gaierror) for e in chain):
        return UNRESOLVED
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return REFUSED
    if any(isinstance(e, ConnectionResetError | httpx.ReadError) for e in chain):
        return RESET
    if any(isinstance(e, httpx.TimeoutException | TimeoutError) for e in chain):
        return TIMEOUT
    raise AssertionError(f"the bridge cannot reproduce {exc!r}")


class Bridge:
    """A loopback HTTP/1.1 server that answers from an ``HTTPXMock``."""

    def __init__(self, mock: HTTPXMock) -> None:
        self.mock = mock
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._mock_transport = httpx.AsyncHTTPTransport()

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await self._mock_transport.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while not writer.is_closing():
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_HEAD_TIMEOUT)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                    return
                await self._answer(head, writer)
        except ConnectionError:
            return
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _answer(self, head: bytes, writer: asyncio.StreamWriter) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        if target == RESET_PATH:
            reset_connection(writer)
            return
        if target == HANG_PATH:
            await asyncio.sleep(HANG_SECONDS)
            writer.close()
            return
        headers: list[tuple[str, str]] = []
        url = ""
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name, value = name.strip(), value.strip()
            if name.lower() == URL_HEADER:
                url = value
            elif name.lower() != "host":
                headers.append((name, value))
        request = httpx.Request(method, url, headers=headers)
        try:
            response = await self.mock._handle_async_request(self._mock_transport, request)
        except Exception as exc:
            marker = [(FAIL_HEADER, failure_of(exc)), ("content-length", "0")]
            writer.write(_head(FAIL_STATUS, "Bridge", marker))
            await writer.drain()
            return
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        out = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        out.append(("content-length", str(len(body))))
        writer.write(_head(response.status_code, response.reason_phrase or "Unknown", out))
        if method != "HEAD":
            writer.write(body)
        await writer.drain()


def _head(status: int, phrase: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {phrase}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class LoopbackResolver(AbstractResolver):
    """Resolves IPv4 loopback literals only; any name is "not known" (no query is sent)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not host.startswith("127."):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host, host=host, port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


class BridgeTransport(httpx.AsyncBaseTransport):
    """Sends each request to the bridge; a failure marker is turned into the real failure."""

    def __init__(self, inner: AiohttpTransport, bridge: Bridge) -> None:
        self.inner = inner
        self.bridge = bridge

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "host"]
        bridged = httpx.Request(
            request.method,
            self.bridge.base + "/",
            headers=[*headers, (URL_HEADER, str(request.url))],
            extensions=request.extensions,
        )
        response = await self.inner.handle_async_request(bridged)
        failure = response.headers.get(FAIL_HEADER)
        if response.status_code != FAIL_STATUS or failure is None:
            response.request = request
            return response
        await response.aclose()
        extensions: dict[str, Any] = dict(request.extensions)
        target = {
            REFUSED: f"http://{LOOPBACK}:{closed_port()}/",
            UNRESOLVED: f"http://{request.url.host}/",
            RESET: self.bridge.base + RESET_PATH,
            TIMEOUT: self.bridge.base + HANG_PATH,
        }[failure]
        if failure == TIMEOUT:
            timeout = dict(extensions.get("timeout") or {})
            timeout["read"] = FAILING_READ_TIMEOUT
            extensions["timeout"] = timeout
        failing = httpx.Request(request.method, target, headers=headers, extensions=extensions)
        return await self.inner.handle_async_request(failing)

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextlib.asynccontextmanager
async def bridged_clients(mock: HTTPXMock, settings: CheckOptions) -> AsyncIterator[Clients]:
    """The aiohttp transport of a run, its requests answered by ``mock`` over loopback."""
    bridge = Bridge(mock)
    await bridge.start()
    context = transport_module.build_ssl_context(insecure=False, environ={})
    shared = transport_module.aiohttp_client(settings, context, resolver=LoopbackResolver())
    assert isinstance(shared.transport, AiohttpTransport)
    wrapped = BridgeTransport(shared.transport, bridge)
    clients = SharedClient(shared.client, wrapped)
    try:
        yield clients
    finally:
        await shared.client.aclose()
        await bridge.stop()
