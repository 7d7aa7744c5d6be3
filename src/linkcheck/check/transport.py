"""Build the httpx clients that checks are sent through.

Two transports sit under the same httpx API:

``aiohttp`` (the default)
    One ``httpx.AsyncClient`` over ``AiohttpTransport`` (below) with ONE shared aiohttp
    ``ClientSession``/``TCPConnector`` for every host. Measured on 5,000 URLs over 20 hosts it is
    an order of magnitude faster than one httpx connection pool for all hosts (httpcore scans
    its pool on every request) and faster than one httpx client per host. The adapter is kept
    thin on purpose: the URL httpx already encoded is handed over as is, timeouts are built
    once, and the body is passed on in the chunks the socket delivered.

``httpx``
    httpx's own transports, one ``AsyncClient`` per host so that no pool grows large. This is
    the transport of the unit tests (pytest-httpx intercepts it) and the one used whenever a
    proxy environment variable is set: httpx ignores ``HTTP(S)_PROXY``/``NO_PROXY`` when a
    custom transport is given, so with proxies the clients are built with ``trust_env=True``
    and proxy selection is exactly httpx's (curl's rules, ``NO_PROXY`` included).

Both connect only where the private-address policy allows (``linkcheck.check.netpolicy``):
aiohttp through ``PublicResolver``, httpx's transports through ``ResolvedBackend`` over the
same resolver (a proxy's own connections are the proxy's). A response aiohttp's parser
refuses is read again by httpx's transport (``garbled_transport``).

Both verify TLS against one ``ssl.SSLContext`` built here: certifi's bundle, plus
``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` when set (so a corporate CA can be added without losing
the public ones), or no verification at all with ``--insecure``.

No credential is ever stored or sent by the clients: cookies are neither kept nor sent, no
``.netrc`` is read, and no auth is configured.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http.cookiejar import Cookie, CookieJar
from typing import Any, Protocol
from urllib.request import Request as UrllibRequest

import aiohttp
import aiohttp.abc
import httpcore
import httpx
from yarl import URL

from linkcheck.check.netpolicy import PrivateAddressError, only_private
from linkcheck.check.options import CheckOptions
from linkcheck.http import NameResolutionError
from linkcheck.models import ConfigError

TRANSPORT_AIOHTTP = "aiohttp"
TRANSPORT_HTTPX = "httpx"

PROXY_ENV_VARS: frozenset[str] = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})
"""Environment variables (any case) that switch to httpx's own proxy-aware transports."""

CERT_FILE_ENV = "SSL_CERT_FILE"
CERT_DIR_ENV = "SSL_CERT_DIR"

DNS_CACHE_SECONDS = 300
"""How long aiohttp keeps a resolved address."""
KEEPALIVE_SECONDS = 30.0
"""How long an idle connection is kept for reuse."""

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"
"""Only encodings the checker decodes itself with a bounded output size."""


HTTP_VERSION = b"HTTP/1.1"


_ErrorMap = tuple[
    tuple[type[BaseException] | tuple[type[BaseException], ...], type[httpx.TransportError]], ...
]

AIOHTTP_ERRORS: _ErrorMap = (
    # Most specific first: several aiohttp errors derive from others (and from OSError).
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    ((aiohttp.ServerTimeoutError, TimeoutError), httpx.TimeoutException),
    ((aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError), httpx.ProxyError),
    (aiohttp.ClientConnectorDNSError, NameResolutionError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerFingerprintMismatch, httpx.ConnectError),
    ((aiohttp.NonHttpUrlClientError, aiohttp.InvalidURL), httpx.UnsupportedProtocol),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    ((aiohttp.ClientPayloadError, aiohttp.ClientResponseError), httpx.RemoteProtocolError),
    (OSError, httpx.ReadError),
)
"""aiohttp's errors and the httpx error each one is raised as, first match wins; anything
else is an ``httpx.NetworkError``.

The mapping follows httpx's own transports: a failure while connecting (DNS, refusal, TLS) is
a ``ConnectError`` (a failed name lookup a ``NameResolutionError``), a socket error once
connected a ``ReadError``, a connection the server dropped or a response it garbled a
``RemoteProtocolError``; each timeout keeps its phase (aiohttp's timeout without one stays a
plain ``TimeoutException``). The aiohttp error is chained as the cause, and its own cause is
the socket-level error (``socket.gaierror``, ``ConnectionRefusedError``,
``ssl.SSLCertVerificationError``...) that the verdict's reason
comes from, exactly as under httpx's transports."""


def aiohttp_error_to_httpx(
    exc: BaseException, request: httpx.Request | None = None
) -> httpx.TransportError:
    """The httpx error for an aiohttp failure (the original stays chained as its cause)."""
    kind: type[httpx.TransportError] = httpx.NetworkError
    for source, target in AIOHTTP_ERRORS:
        if isinstance(exc, source):
            kind = target
            break
    try:
        message = _parser_words(exc) if isinstance(exc, aiohttp.ClientResponseError) else str(exc)
    except Exception:  # a broken __str__ must not hide the failure
        message = ""
    if exc.__cause__ is None:
        # The socket-level error aiohttp wraps, should it have been raised without "from".
        root = getattr(exc, "certificate_error", None) or getattr(exc, "os_error", None)
        if isinstance(root, BaseException) and root is not exc:
            exc.__cause__ = root
    error = kind(message or type(exc).__name__, request=request)
    error.__cause__ = exc
    return error


QUOTED_BYTES_RE = re.compile(r"""\b(?:b['"]|bytearray\().*""")
"""Where aiohttp's parser quotes the bytes it refused (``b'HTTP/1.1 2000 OK'``)."""


def _parser_words(exc: aiohttp.ClientResponseError) -> str:
    """What aiohttp's parser says of a response it refused, in one line: its words without the
    bytes it quotes nor the status 400 it wraps them in (``400, message="Bad status line:...``
    reads as if the server had answered 400)."""
    lines = (QUOTED_BYTES_RE.sub("", line).strip() for line in str(exc.message).splitlines())
    words = [line for line in lines if line and not line.startswith("^")]
    return " ".join(words).rstrip(" :")


BODY_CHUNK_BYTES = 64 * 1024
"""The most bytes handed on at once: a read stops at most this far past a byte cap."""


class _AiohttpBody(httpx.AsyncByteStream):
    """A response body read from aiohttp as the chunks arrive (at most ``BODY_CHUNK_BYTES``
    at a time)."""

    __slots__ = ("_request", "_response")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        while True:
            try:
                chunk = await content.read(BODY_CHUNK_BYTES)
            except (aiohttp.ClientError, OSError) as exc:
                raise aiohttp_error_to_httpx(exc, self._request) from exc
            if not chunk:
                return
            yield chunk

    async def aclose(self) -> None:
        # A body not read to its end closes the connection instead of returning it.
        response = self._response
        response.release()
        try:
            await response.wait_for_close()
        except (aiohttp.ClientError, OSError) as exc:
            raise aiohttp_error_to_httpx(exc, self._request) from exc


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one aiohttp ``ClientSession`` (which it closes).

    A response aiohttp's parser refuses is asked for again through ``garbled``, when given
    (an httpx transport: h11 reads a complete response followed by extra bytes, such as a
    body longer than its ``Content-Length``, where aiohttp loses the response to the extra
    bytes' parse error)."""

    def __init__(
        self, session: aiohttp.ClientSession, garbled: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._session = session
        self._garbled = garbled
        self._timeouts: dict[tuple[object, ...], aiohttp.ClientTimeout] = {}

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        phases = request.extensions.get("timeout") or {}
        key = (phases.get("connect"), phases.get("read"), phases.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            connect, read, pool = key
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None,
                sock_connect=connect if isinstance(connect, float | int) else None,
                sock_read=read if isinstance(read, float | int) else None,
                connect=pool if isinstance(pool, float | int) else None,
            )
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request; the body is streamed (the caller closes the response)."""
        content = request.content if request.method not in ("GET", "HEAD") else b""
        try:
            response = await self._session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=content or None,
                allow_redirects=False,
                auto_decompress=False,
                compress=False,
                timeout=self._timeout(request),
            )
        except aiohttp.ClientResponseError as exc:  # a response the parser refused
            if self._garbled is None:
                raise aiohttp_error_to_httpx(exc, request) from exc
            return await self._garbled.handle_async_request(request)
        except (aiohttp.ClientError, OSError) as exc:
            raise aiohttp_error_to_httpx(exc, request) from exc
        extensions: dict[str, object] = {"http_version": HTTP_VERSION}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_AiohttpBody(response, request),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        await self._session.close()
        if self._garbled is not None:
            await self._garbled.aclose()


class Clients(Protocol):
    """Gives the httpx client that requests to one host go through, and sends them."""

    def client_for(self, host: str) -> httpx.AsyncClient:
        """The client for ``host`` (lower-case host name)."""
        ...

    async def send(self, host: str, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to ``host``; the body is streamed (the caller closes it)."""
        ...


ClientFactory = Callable[[CheckOptions], AbstractAsyncContextManager[Clients]]
"""Opens the clients for one run and closes them at its end."""


class SharedClient:
    """One client for every host.

    Given the client's ``transport``, requests go to it directly: the checker follows
    redirects itself and keeps no cookies, so ``AsyncClient.send`` would only add work
    (it builds the next request of every redirect response, for one).
    """

    def __init__(
        self, client: httpx.AsyncClient, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.client = client
        self.transport = transport

    def client_for(self, host: str) -> httpx.AsyncClient:
        """The shared client, whatever the host."""
        return self.client

    async def send(self, host: str, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the transport (or the client without one)."""
        if self.transport is None:
            return await self.client.send(request, stream=True)
        response = await self.transport.handle_async_request(request)
        response.request = request
        return response


class PerHostClients:
    """One client per host, created on first use."""

    def __init__(self, make: Callable[[], httpx.AsyncClient]) -> None:
        self._make = make
        self._clients: dict[str, httpx.AsyncClient] = {}

    def client_for(self, host: str) -> httpx.AsyncClient:
        """The host's own client."""
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = self._make()
        return client

    async def send(self, host: str, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the host's client (which applies its proxy settings)."""
        return await self.client_for(host).send(request, stream=True)

    async def aclose(self) -> None:
        """Close every client created so far."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class NoCookieJar(CookieJar):
    """A cookie jar that never stores a cookie and never adds one to a request."""

    def extract_cookies(self, response: object, request: UrllibRequest) -> None:
        return None

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def add_cookie_header(self, request: UrllibRequest) -> None:
        return None


class _NoCookies(httpx.Cookies):
    """Cookies that are never taken from a response nor put on a request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that keeps no cookie and spends no time parsing them."""

    _none = _NoCookies(NoCookieJar())

    @property
    def cookies(self) -> httpx.Cookies:
        return self._none

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        return None


def proxy_configured(environ: Mapping[str, str]) -> bool:
    """Whether any proxy variable (``HTTP_PROXY``, ``no_proxy``...) is set and non-empty."""
    return any(value and name.lower() in PROXY_ENV_VARS for name, value in environ.items())


def effective_transport(options: CheckOptions, environ: Mapping[str, str]) -> str:
    """The transport a run uses: the configured one, or ``httpx`` when proxies are configured."""
    if proxy_configured(environ):
        return TRANSPORT_HTTPX
    return options.transport


def build_ssl_context(*, insecure: bool, environ: Mapping[str, str]) -> ssl.SSLContext:
    """The TLS context of a run; raises ConfigError when SSL_CERT_FILE/DIR cannot be loaded."""
    if insecure:
        return httpx.create_ssl_context(verify=False)
    context = httpx.create_ssl_context(verify=True, trust_env=False)
    cert_file = environ.get(CERT_FILE_ENV)
    cert_dir = environ.get(CERT_DIR_ENV)
    try:
        if cert_file:
            context.load_verify_locations(cafile=cert_file)
        if cert_dir:
            context.load_verify_locations(capath=cert_dir)
    except (OSError, ssl.SSLError) as exc:
        name = CERT_FILE_ENV if cert_file else CERT_DIR_ENV
        raise ConfigError(f"cannot load CA certificates: {exc}", key=name) from None
    return context


def _timeout(options: CheckOptions) -> httpx.Timeout:
    return httpx.Timeout(options.timeout)


def _headers(options: CheckOptions) -> dict[str, str]:
    return {
        "User-Agent": options.user_agent,
        "Accept": ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
    }


class PublicResolver(aiohttp.abc.AbstractResolver):
    """An aiohttp resolver that keeps only public addresses: a name with none left raises
    ``PrivateAddressError``, which the check reports as a private address (the policy is
    ``linkcheck.check.netpolicy``'s; this adapter only applies it where names are resolved)."""

    def __init__(self, inner: aiohttp.abc.AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        reason = only_private(host, [entry["host"] for entry in found])
        if reason is not None:
            raise PrivateAddressError(reason)
        return [entry for entry in found if only_private(host, [entry["host"]]) is None]

    async def close(self) -> None:
        await self._inner.close()


class ResolvedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting to the addresses an aiohttp resolver gives:
    the same names and the same private-address policy (``PublicResolver``) for httpx's
    connections as for aiohttp's."""

    def __init__(
        self, resolver: aiohttp.abc.AbstractResolver, inner: httpcore.AsyncNetworkBackend
    ) -> None:
        self._resolver = resolver
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                found = await self._resolver.resolve(host, port, socket.AF_UNSPEC)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"name lookup of {host} timed out") from exc
        except PrivateAddressError:
            raise
        except OSError as exc:  # socket.gaierror: the verdict's reason comes from it
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for entry in found:
            try:
                return await self._inner.connect_tcp(
                    entry["host"],
                    entry["port"] or port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def connect_through(
    transport: httpx.AsyncBaseTransport, resolver: aiohttp.abc.AbstractResolver
) -> None:
    """Make an httpx transport's direct connections to the addresses ``resolver`` gives."""
    if not isinstance(transport, httpx.AsyncHTTPTransport):
        raise TypeError(f"not httpx's own transport: {type(transport).__name__}")
    pool = transport._pool  # httpx builds the pool; its backend is the one place to connect
    pool._network_backend = ResolvedBackend(resolver, pool._network_backend)


def garbled_transport(
    context: ssl.SSLContext, resolver: aiohttp.abc.AbstractResolver
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport for the responses aiohttp's parser refuses: a connection of its
    own for each (none kept: what follows such a response is not trusted), made to the
    addresses ``resolver`` gives."""
    transport = httpx.AsyncHTTPTransport(
        verify=context, trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
    )
    connect_through(transport, resolver)
    return transport


def aiohttp_client(
    options: CheckOptions,
    context: ssl.SSLContext,
    *,
    resolver: aiohttp.abc.AbstractResolver | None = None,
) -> SharedClient:
    """The shared client over one aiohttp session (``resolver`` replaces DNS in tests)."""
    if resolver is None and not options.allow_private:
        resolver = PublicResolver()  # names that resolve only to private addresses: refused
    connector = aiohttp.TCPConnector(
        resolver=resolver,
        limit=options.concurrency,
        limit_per_host=options.max_host_concurrency,
        ttl_dns_cache=DNS_CACHE_SECONDS,
        keepalive_timeout=KEEPALIVE_SECONDS,
        ssl=context,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        auto_decompress=False,
    )
    transport = AiohttpTransport(
        session, garbled_transport(context, resolver or aiohttp.DefaultResolver())
    )
    client = CookielessClient(
        transport=transport,
        headers=_headers(options),
        cookies=NoCookieJar(),
        timeout=_timeout(options),
        follow_redirects=False,
        trust_env=False,
    )
    return SharedClient(client, transport)


def _httpx_client(options: CheckOptions, context: ssl.SSLContext) -> httpx.AsyncClient:
    """A client of httpx's own transports: proxies as the environment says; the connections
    it makes itself (no proxy, or a host in ``NO_PROXY``) under the private-address policy,
    as aiohttp's are (a proxy's own connections are the proxy's)."""
    per_host = options.max_host_concurrency
    client = CookielessClient(
        verify=context,
        headers=_headers(options),
        cookies=NoCookieJar(),
        timeout=_timeout(options),
        limits=httpx.Limits(
            max_connections=per_host,
            max_keepalive_connections=per_host,
            keepalive_expiry=KEEPALIVE_SECONDS,
        ),
        follow_redirects=False,
        trust_env=True,
    )
    if not options.allow_private:
        connect_through(client._transport, PublicResolver())
    return client


@asynccontextmanager
async def open_clients(options: CheckOptions) -> AsyncIterator[Clients]:
    """The clients of one run, by transport (see the module docstring); closed at exit."""
    environ = os.environ
    context = build_ssl_context(insecure=options.insecure, environ=environ)
    if effective_transport(options, environ) == TRANSPORT_AIOHTTP:
        shared = aiohttp_client(options, context)
        try:
            yield shared
        finally:
            await shared.client.aclose()
        return
    clients = PerHostClients(lambda: _httpx_client(options, context))
    try:
        # Build one client now: a bad proxy variable is a configuration error, not a link's.
        await _httpx_client(options, context).aclose()
    except (ImportError, ValueError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ConfigError(f"cannot use the proxy settings: {exc}", key="HTTP(S)_PROXY") from None
    try:
        yield clients
    finally:
        await clients.aclose()
