"""A fake of the web for end-to-end tests: an intercepting HTTP(S) proxy on 127.0.0.1.

The checker is pointed at it with HTTPS_PROXY / HTTP_PROXY and SSL_CERT_FILE (a trustme CA),
exactly as a corporate proxy would be used. Each ``(host, path)`` is served by a scripted
``Route``; every request is logged. TLS is terminated with a certificate for the requested
host (or an expired one for hosts listed in ``expired_hosts``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trustme

MAX_HEADER_BYTES = 64 * 1024
IO_TIMEOUT = 10.0


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """How one URL behaves. ``responses`` are served in turn; the last one repeats."""

    responses: list[Response]
    hang: bool = False
    """Never answer (the client must time out)."""
    head: Response | None = None
    """A different answer to HEAD requests."""
    served: int = 0

    def next(self, method: str) -> Response:
        if method == "HEAD" and self.head is not None:
            return self.head
        response = self.responses[min(self.served, len(self.responses) - 1)]
        self.served += 1
        return response


@dataclass(frozen=True)
class Hit:
    method: str
    host: str
    path: str
    at: float


Handler = Callable[[str, str, str], Response | None]


class FakeWeb:
    """Serve scripted routes through a proxy on 127.0.0.1; use as a context manager."""

    def __init__(self, tmp: Path, *, unknown_hosts: set[str] | None = None) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.hits: list[Hit] = []
        self.unknown_hosts = unknown_hosts or set()
        self.expired_hosts: set[str] = set()
        self.gateway_unknown_hosts: set[str] = set()
        """Hosts whose failed lookup is reported after the tunnel opened, as a 502 page."""
        self.ca = trustme.CA()
        self.ca_file = tmp / "fake-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    # -- configuration -------------------------------------------------------------------

    def route(
        self, url: str, *responses: Response, hang: bool = False, head: Response | None = None
    ) -> None:
        _, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        self.routes[(host, "/" + path)] = Route(list(responses) or [Response()], hang, head)

    def hits_for(self, url: str) -> list[Hit]:
        _, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        return [h for h in self.hits if h.host == host and h.path == "/" + path]

    def env(self) -> dict[str, str]:
        proxy = f"http://127.0.0.1:{self.port}"
        return {
            "HTTPS_PROXY": proxy,
            "HTTP_PROXY": proxy,
            "SSL_CERT_FILE": str(self.ca_file),
            "NO_PROXY": "",
        }

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FakeWeb:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._client, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=IO_TIMEOUT)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=IO_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=IO_TIMEOUT)

    # -- serving -------------------------------------------------------------------------

    def _context_for(self, host: str) -> ssl.SSLContext:
        if host not in self._contexts:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            if host in self.expired_hosts:
                past = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
                cert = self.ca.issue_cert(host, not_after=past)
            else:
                cert = self.ca.issue_cert(host)
            cert.configure_cert(context)
            self._contexts[host] = context
        return self._contexts[host]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await self._serve(reader, writer)
        with contextlib.suppress(Exception):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line, _ = await self._read_head(reader)
        method, target, _ = request_line.split(" ", 2)
        if method == "CONNECT":
            host = target.rsplit(":", 1)[0]
            if host in self.unknown_hosts:
                writer.write(
                    b"HTTP/1.1 502 Bad Gateway: host name not found\r\nContent-Length: 0\r\n\r\n"
                )
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await writer.start_tls(self._context_for(host))
            await self._serve_http(reader, writer, host, None)
            return
        # Plain http through the proxy: absolute-form target.
        _, _, rest = target.partition("://")
        host, _, path = rest.partition("/")
        await self._serve_http(reader, writer, host, (method, "/" + path))

    async def _read_head(self, reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT)
        if len(raw) > MAX_HEADER_BYTES:
            raise ValueError("header too large")
        lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return lines[0], headers

    async def _serve_http(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        host: str,
        first: tuple[str, str] | None,
    ) -> None:
        pending = first
        for _ in range(100):
            if pending is None:
                try:
                    line, _headers = await self._read_head(reader)
                except (asyncio.IncompleteReadError, TimeoutError):
                    return
                method, path, _ = line.split(" ", 2)
            else:
                method, path = pending
                pending = None
            self.hits.append(Hit(method, host, path, self._loop.time()))
            route = self.routes.get((host, path)) or self.routes.get((host, path.split("?")[0]))
            if host in self.gateway_unknown_hosts:
                response = Response(
                    502,
                    b"<html><body>Cannot connect: [Errno -2] Name or service not known</body>",
                    {"Content-Type": "text/html"},
                )
            elif route is None:
                response = Response(404, b"<title>Not here</title>")
            else:
                if route.hang:
                    await asyncio.sleep(IO_TIMEOUT * 3)
                    return
                response = route.next(method)
            headers = {"Content-Length": str(len(response.body)), **response.headers}
            head = f"HTTP/1.1 {response.status} X\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()
            )
            writer.write(head.encode("latin-1") + b"\r\n")
            if method != "HEAD":
                writer.write(response.body)
            await writer.drain()
