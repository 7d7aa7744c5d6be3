"""Statuses, retry timing and failure classification (real exception chains)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import httpcore
import httpx
import pytest
import trustme
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from linkcheck.check import classify as classify_module
from linkcheck.check.classify import (
    BLOCKED_STATUSES,
    MAX_REASON_CHARS,
    ErrorInfo,
    classify_exception,
    describe_status,
    proxy_reports_unknown_host,
    verdict_for_status,
)
from linkcheck.check.quirks import BROWSER_HEADERS
from linkcheck.check.transport import aiohttp_error_to_httpx
from linkcheck.http import NameResolutionError
from linkcheck.models import Verdict

IO_TIMEOUT = 5.0
HOST = "example.invalid"

# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------


def test_a_parser_message_of_hostile_length_is_read_in_linear_time() -> None:
    message = "Bad status line:\n" + " " * 1_000_000 + "x\n  b'" + "a" * 1_000_000 + "'"
    error = aiohttp.ClientResponseError(REQUEST_INFO, (), status=400, message=message)
    started = time.process_time()
    mapped = aiohttp_error_to_httpx(error)
    assert time.process_time() - started < 1.0
    assert str(mapped).startswith("Bad status line: x")


def test_status_sets() -> None:
    assert frozenset({401, 403, 429, 999}) == BLOCKED_STATUSES


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.OK),
        (204, Verdict.OK),
        (206, Verdict.OK),
        (299, Verdict.OK),
        (401, Verdict.BLOCKED),
        (403, Verdict.BLOCKED),
        (429, Verdict.BLOCKED),
        (999, Verdict.BLOCKED),
        (408, Verdict.TIMEOUT),
        (400, Verdict.DEAD),
        (404, Verdict.DEAD),
        (405, Verdict.DEAD),
        (410, Verdict.DEAD),
        (451, Verdict.DEAD),
        (499, Verdict.DEAD),
        (500, Verdict.ERROR),
        (502, Verdict.ERROR),
        (503, Verdict.ERROR),
        (599, Verdict.ERROR),
        (100, Verdict.ERROR),
        (0, Verdict.ERROR),
        (600, Verdict.ERROR),
        (304, Verdict.ERROR),
    ],
)
def test_verdict_for_status(status: int, verdict: Verdict) -> None:
    assert verdict_for_status(status) == verdict


@pytest.mark.parametrize("status", [403, 404, 500, 999])
def test_accepted_status_is_ok(status: int) -> None:
    assert verdict_for_status(status, frozenset({status})) == Verdict.OK
    assert verdict_for_status(status, frozenset({status + 1})) != Verdict.OK


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, "200 OK"),
        (404, "404 Not Found"),
        (410, "410 Gone"),
        (429, "429 Too Many Requests"),
        (503, "503 Service Unavailable"),
        (999, "999 Request Denied"),
        (522, "522 Connection Timed Out"),
        (599, "599"),
        (799, "799"),
        (-1, "-1"),
    ],
)
def test_describe_status(status: int, text: str) -> None:
    assert describe_status(status) == text


def test_browser_headers() -> None:
    assert BROWSER_HEADERS["User-Agent"].startswith("Mozilla/5.0")
    assert "text/html" in BROWSER_HEADERS["Accept"]
    assert BROWSER_HEADERS["Accept-Language"].startswith("en")
    with pytest.raises(TypeError):
        BROWSER_HEADERS["X"] = "y"  # type: ignore[index]


# ---------------------------------------------------------------------------
# Building exception chains the way the libraries do
# ---------------------------------------------------------------------------


def chain(*layers: Callable[[BaseException], BaseException], root: BaseException) -> BaseException:
    """Raise ``root``, then each layer ``from`` the previous one, as library code does."""
    current = root
    for layer in layers:
        try:
            try:
                raise current
            except BaseException as inner:
                raise layer(inner) from inner
        except BaseException as outer:
            current = outer
    return current


def conn_key(host: str = HOST, port: int = 443) -> ConnectionKey:
    return ConnectionKey(host, port, True, True, None, None, None)


def httpcore_wrap(kind: type[Exception]) -> Callable[[BaseException], BaseException]:
    """httpcore's map_exceptions: ``raise to_exc(exc) from exc``."""
    return lambda inner: kind(inner)


def httpx_wrap(kind: type[httpx.HTTPError]) -> Callable[[BaseException], BaseException]:
    """httpx's map_httpcore_exceptions: ``raise mapped(str(exc)) from exc``."""
    return lambda inner: kind(str(inner))


@contextlib.contextmanager
def mapped_like_the_transport() -> Iterator[None]:
    """Raise aiohttp failures as the aiohttp transport does."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise aiohttp_error_to_httpx(exc) from exc


def via_transport(exc: BaseException) -> BaseException:
    """Pass an aiohttp exception through the aiohttp transport's mapping onto httpx."""
    try:
        raise aiohttp_error_to_httpx(exc, httpx.Request("GET", f"https://{HOST}/")) from exc
    except httpx.HTTPError as mapped:
        return mapped


def aiohttp_dns(os_error: OSError, host: str = HOST) -> BaseException:
    return chain(
        lambda inner: aiohttp.ClientConnectorDNSError(conn_key(host), os_error), root=os_error
    )


def aiohttp_connector(os_error: OSError) -> BaseException:
    return chain(lambda inner: aiohttp.ClientConnectorError(conn_key(), os_error), root=os_error)


REQUEST_INFO = RequestInfo(
    URL(f"https://{HOST}/"), "GET", CIMultiDictProxy(CIMultiDict()), URL(f"https://{HOST}/")
)

NXDOMAIN = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
NODATA = socket.gaierror(getattr(socket, "EAI_NODATA", socket.EAI_NONAME), "No address")
EAI_AGAIN = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

DNS_DEAD = ErrorInfo(Verdict.DEAD, f"host name not found: {HOST}", False, False)
DNS_TEMP = ErrorInfo(Verdict.ERROR, "DNS lookup failed (temporary)", True, False)


def refused() -> OSError:
    return ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")


def reset() -> OSError:
    return ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")


def with_request(exc: httpx.RequestError, url: str) -> httpx.RequestError:
    exc.request = httpx.Request("GET", url)
    return exc


CASES: list[tuple[str, Callable[[], BaseException], ErrorInfo]] = [
    # --- DNS ---
    (
        "bare gaierror",
        lambda: NXDOMAIN,
        ErrorInfo(Verdict.DEAD, "host name not found", False, False),
    ),
    ("aiohttp NXDOMAIN", lambda: via_transport(aiohttp_dns(NXDOMAIN)), DNS_DEAD),
    ("aiohttp NODATA", lambda: via_transport(aiohttp_dns(NODATA)), DNS_DEAD),
    ("aiohttp EAI_AGAIN", lambda: via_transport(aiohttp_dns(EAI_AGAIN)), DNS_TEMP),
    (
        "the transport maps DNS to ConnectError",
        lambda: via_transport(aiohttp_dns(NXDOMAIN)),
        DNS_DEAD,
    ),
    (
        "aiodns style message",
        lambda: via_transport(aiohttp_dns(OSError(None, "Domain name not found"))),
        DNS_DEAD,
    ),
    (
        "aiohttp DNS without details",
        lambda: via_transport(aiohttp_dns(OSError(None, "DNS lookup failed"))),
        ErrorInfo(Verdict.ERROR, "DNS lookup failed", True, False),
    ),
    (
        "httpcore chain",
        lambda: chain(
            httpcore_wrap(httpcore.ConnectError), httpx_wrap(httpx.ConnectError), root=NXDOMAIN
        ),
        ErrorInfo(Verdict.DEAD, "host name not found", False, False),
    ),
    (
        "httpcore chain with request",
        lambda: with_request(
            chain(  # type: ignore[arg-type]
                httpcore_wrap(httpcore.ConnectError),
                httpx_wrap(httpx.ConnectError),
                root=NXDOMAIN,
            ),
            f"https://{HOST}/x",
        ),
        DNS_DEAD,
    ),
    (
        "httpcore temporary",
        lambda: chain(
            httpcore_wrap(httpcore.ConnectError), httpx_wrap(httpx.ConnectError), root=EAI_AGAIN
        ),
        DNS_TEMP,
    ),
    (
        "message only (cause lost)",
        lambda: with_request(
            httpx.ConnectError("[Errno -2] Name or service not known"), f"https://{HOST}/"
        ),
        DNS_DEAD,
    ),
    (
        "macOS message only",
        lambda: httpx.ConnectError("[Errno 8] nodename nor servname provided, or not known"),
        ErrorInfo(Verdict.DEAD, "host name not found", False, False),
    ),
    # --- refused, reset, unreachable ---
    ("refused", refused, ErrorInfo(Verdict.ERROR, "connection refused", False, False)),
    (
        "refused via aiohttp and the transport",
        lambda: via_transport(aiohttp_connector(refused())),
        ErrorInfo(Verdict.ERROR, "connection refused", False, False),
    ),
    (
        "refused via httpcore",
        lambda: chain(
            httpcore_wrap(httpcore.ConnectError), httpx_wrap(httpx.ConnectError), root=refused()
        ),
        ErrorInfo(Verdict.ERROR, "connection refused", False, False),
    ),
    (
        "refused among many attempts (anyio)",
        lambda: chain(
            lambda inner: OSError("All connection attempts failed"),
            httpcore_wrap(httpcore.ConnectError),
            httpx_wrap(httpx.ConnectError),
            root=ExceptionGroup("multiple connection attempts failed", [refused(), refused()]),
        ),
        ErrorInfo(Verdict.ERROR, "connection refused", False, False),
    ),
    (
        "refused, errno lost",
        lambda: OSError("Multiple exceptions: [Errno 111] Connect call failed, Connection refused"),
        ErrorInfo(Verdict.ERROR, "connection refused", False, False),
    ),
    ("reset", reset, ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False)),
    (
        "reset via the transport is not a timeout",
        lambda: via_transport(aiohttp.ClientOSError(errno.ECONNRESET, "Connection reset")),
        ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False),
    ),
    (
        "aiohttp ClientConnectionResetError",
        lambda: via_transport(aiohttp.ClientConnectionResetError("Connection lost")),
        ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False),
    ),
    (
        "broken pipe",
        lambda: BrokenPipeError(errno.EPIPE, "Broken pipe"),
        ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False),
    ),
    (
        "server disconnected (aiohttp)",
        lambda: via_transport(aiohttp.ServerDisconnectedError()),
        ErrorInfo(Verdict.ERROR, "server disconnected", True, False),
    ),
    (
        "server disconnected (httpx)",
        lambda: chain(
            httpcore_wrap(httpcore.RemoteProtocolError),
            httpx_wrap(httpx.RemoteProtocolError),
            root=httpcore.RemoteProtocolError("Server disconnected without sending a response."),
        ),
        ErrorInfo(Verdict.ERROR, "server disconnected", True, False),
    ),
    (
        "malformed response (httpx)",
        lambda: httpx.RemoteProtocolError("illegal status line: bytearray(b'garbage')"),
        ErrorInfo(
            Verdict.ERROR, "protocol error: illegal status line: bytearray(b'garbage')", True, False
        ),
    ),
    (
        "malformed response (aiohttp): the parser's words, not its status 400 nor the bytes",
        lambda: via_transport(
            aiohttp.ClientResponseError(
                REQUEST_INFO,
                (),
                status=400,
                message="Bad status line:\n  Invalid status code:\n\n  b'2000'\n  ^",
            )
        ),
        ErrorInfo(
            Verdict.ERROR, "protocol error: Bad status line: Invalid status code", True, False
        ),
    ),
    (
        "network unreachable",
        lambda: via_transport(
            aiohttp_connector(OSError(errno.ENETUNREACH, "Network is unreachable"))
        ),
        ErrorInfo(Verdict.ERROR, "network unreachable", True, False),
    ),
    (
        "host unreachable",
        lambda: chain(
            httpcore_wrap(httpcore.ConnectError),
            httpx_wrap(httpx.ConnectError),
            root=OSError(errno.EHOSTUNREACH, "No route to host"),
        ),
        ErrorInfo(Verdict.ERROR, "host unreachable", True, False),
    ),
    # --- timeouts ---
    (
        "bare timeout (asyncio.TimeoutError and socket.timeout are aliases)",
        lambda: TimeoutError(),
        ErrorInfo(Verdict.TIMEOUT, "timed out", True, False),
    ),
    (
        "socket timeout",
        lambda: TimeoutError("timed out"),
        ErrorInfo(Verdict.TIMEOUT, "timed out", True, False),
    ),
    (
        "httpx connect timeout",
        lambda: chain(
            httpcore_wrap(httpcore.ConnectTimeout),
            httpx_wrap(httpx.ConnectTimeout),
            root=TimeoutError(),
        ),
        ErrorInfo(Verdict.TIMEOUT, "connect timeout", True, False),
    ),
    (
        "httpx read timeout",
        lambda: chain(
            httpcore_wrap(httpcore.ReadTimeout), httpx_wrap(httpx.ReadTimeout), root=TimeoutError()
        ),
        ErrorInfo(Verdict.TIMEOUT, "read timeout", True, False),
    ),
    (
        "httpx pool timeout",
        lambda: httpx.PoolTimeout("pool"),
        ErrorInfo(Verdict.TIMEOUT, "timed out waiting for a connection", True, False),
    ),
    (
        "aiohttp connect timeout",
        lambda: via_transport(aiohttp.ConnectionTimeoutError("Connection timeout")),
        ErrorInfo(Verdict.TIMEOUT, "connect timeout", True, False),
    ),
    (
        "aiohttp read timeout",
        lambda: via_transport(aiohttp.SocketTimeoutError("Timeout on reading data")),
        ErrorInfo(Verdict.TIMEOUT, "read timeout", True, False),
    ),
    (
        "aiohttp phase-less timeout not trusted as connect",
        lambda: via_transport(aiohttp.ServerTimeoutError("Timeout")),
        ErrorInfo(Verdict.TIMEOUT, "timed out", True, False),
    ),
    (
        "connect ETIMEDOUT",
        lambda: via_transport(
            aiohttp_connector(TimeoutError(errno.ETIMEDOUT, "Connection timed out"))
        ),
        ErrorInfo(Verdict.TIMEOUT, "connect timeout", True, False),
    ),
    # --- URLs and the rest ---
    (
        "unsupported protocol",
        lambda: httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
        ErrorInfo(
            Verdict.ERROR,
            "unsupported URL: Request URL has an unsupported protocol 'ftp://'.",
            False,
            False,
        ),
    ),
    (
        "invalid URL",
        lambda: httpx.InvalidURL("Invalid port: 'x'"),
        ErrorInfo(Verdict.ERROR, "unsupported URL: Invalid port: 'x'", False, False),
    ),
    (
        "aiohttp non-http URL",
        lambda: via_transport(aiohttp.NonHttpUrlClientError("ftp://x/")),
        ErrorInfo(Verdict.ERROR, "unsupported URL: ftp://x/", False, False),
    ),
    (
        "payload error after a response",
        lambda: via_transport(aiohttp.ClientPayloadError("Response payload is not completed")),
        ErrorInfo(Verdict.ERROR, "protocol error: Response payload is not completed", True, False),
    ),
    (
        "something else",
        lambda: ValueError("bad\x00 thing\n\x1b[31m here"),
        ErrorInfo(Verdict.ERROR, "ValueError: bad thing [31m here", False, False),
    ),
    (
        "something else without a message",
        lambda: RuntimeError(),
        ErrorInfo(Verdict.ERROR, "RuntimeError", False, False),
    ),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_classify_exception(make: Callable[[], BaseException], expected: ErrorInfo) -> None:
    assert classify_exception(make()) == expected


def test_transport_maps_aiohttp_errors_onto_httpx_types() -> None:
    assert isinstance(via_transport(aiohttp.ServerDisconnectedError()), httpx.RemoteProtocolError)
    assert isinstance(via_transport(aiohttp_dns(NXDOMAIN)), httpx.ConnectError)
    timeout = via_transport(aiohttp.ConnectionTimeoutError("Connection timeout"))
    assert isinstance(timeout, httpx.ConnectTimeout)
    assert isinstance(via_transport(aiohttp.SocketTimeoutError()), httpx.ReadTimeout)
    cut = via_transport(aiohttp.ClientPayloadError("cut"))
    assert isinstance(cut, httpx.RemoteProtocolError)
    reset = via_transport(aiohttp.ClientOSError(errno.ECONNRESET, "reset"))
    assert isinstance(reset, httpx.ReadError)
    assert isinstance(reset.__cause__, aiohttp.ClientOSError)
    refused_ = via_transport(aiohttp_connector(refused()))
    assert type(refused_) is httpx.ConnectError
    assert isinstance(via_transport(aiohttp_dns(NXDOMAIN)), NameResolutionError)
    assert isinstance(via_transport(aiohttp.ServerTimeoutError()), httpx.TimeoutException)
    assert isinstance(via_transport(aiohttp.NonHttpUrlClientError("x")), httpx.UnsupportedProtocol)
    assert isinstance(via_transport(aiohttp.ClientError("?")), httpx.NetworkError)


def test_classify_knows_no_aiohttp() -> None:
    source = Path(classify_module.__file__).read_text(encoding="utf-8")
    assert "import aiohttp" not in source
    assert "aiohttp." not in source


def test_long_message_is_capped() -> None:
    info = classify_exception(KeyError("x" * 5000))
    assert info.reason.startswith("KeyError: ")
    assert len(info.reason) <= len("KeyError: ") + MAX_REASON_CHARS


def test_cyclic_chain_terminates() -> None:
    a = ValueError("a")
    b = ValueError("b")
    a.__context__ = b
    b.__context__ = a
    assert classify_exception(a).verdict == Verdict.ERROR


def test_very_deep_chain_terminates() -> None:
    exc: BaseException = ValueError("root")
    for i in range(10_000):
        outer = RuntimeError(f"layer {i}")
        outer.__cause__ = exc
        exc = outer
    assert classify_exception(exc).verdict == Verdict.ERROR


def _raise_wrapped(hide_context: bool) -> None:
    try:
        raise NXDOMAIN
    except OSError:
        if hide_context:
            raise httpx.ConnectError("wrapped") from None
        raise httpx.ConnectError("wrapped")  # noqa: B904 - implicit context on purpose


def test_context_without_cause_is_followed() -> None:
    with pytest.raises(httpx.ConnectError) as implicit:
        _raise_wrapped(hide_context=False)
    assert classify_exception(implicit.value).verdict == Verdict.DEAD
    with pytest.raises(httpx.ConnectError) as hidden:
        _raise_wrapped(hide_context=True)
    # "from None" hides the context on purpose: only the wrapper's own words remain.
    assert classify_exception(hidden.value).verdict == Verdict.ERROR


# ---------------------------------------------------------------------------
# TLS: real handshake failures against a local server
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@contextlib.asynccontextmanager
async def tls_server(context: ssl.SSLContext) -> AsyncIterator[int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), IO_TIMEOUT)


async def handshake_error(
    server_context: ssl.SSLContext, client_context: ssl.SSLContext, server_hostname: str
) -> BaseException:
    async with tls_server(server_context) as port:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    "127.0.0.1", port, ssl=client_context, server_hostname=server_hostname
                ),
                IO_TIMEOUT,
            )
        except ssl.SSLError as exc:
            return exc
        writer.close()
    raise AssertionError("handshake succeeded")


def _client_context(ca: trustme.CA | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca is not None:
        ca.configure_trust(context)
    return context


async def test_tls_expired(ca: trustme.CA) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = ca.issue_cert("localhost", not_after=past)
    exc = await handshake_error(_server_context(cert), _client_context(ca), "localhost")
    assert isinstance(exc, ssl.SSLCertVerificationError)
    assert classify_exception(exc) == ErrorInfo(
        Verdict.ERROR, "TLS: certificate has expired", False, False
    )


async def test_tls_hostname_mismatch(ca: trustme.CA) -> None:
    cert = ca.issue_cert("other.test")
    exc = await handshake_error(_server_context(cert), _client_context(ca), "localhost")
    assert classify_exception(exc).reason == "TLS: certificate is not valid for localhost"


async def test_tls_unknown_authority(ca: trustme.CA) -> None:
    cert = ca.issue_cert("localhost")
    exc = await handshake_error(_server_context(cert), _client_context(None), "localhost")
    assert classify_exception(exc).reason == "TLS: unknown certificate authority"


async def test_tls_self_signed(tmp_path: Path) -> None:
    own = trustme.CA()  # a CA certificate is self-signed: serve it as the leaf
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    own.cert_pem.write_to_path(str(cert_path))
    own.private_key_pem.write_to_path(str(key_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    exc = await handshake_error(context, _client_context(None), "localhost")
    assert classify_exception(exc).reason == "TLS: self-signed certificate"


async def test_tls_error_through_aiohttp_and_httpx(ca: trustme.CA) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = ca.issue_cert("localhost", not_after=past)
    async with tls_server(_server_context(cert)) as port:
        connector = aiohttp.TCPConnector(ssl=_client_context(ca))
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(httpx.HTTPError) as caught, mapped_like_the_transport():
                await session.get(
                    f"https://localhost:{port}/",
                    timeout=aiohttp.ClientTimeout(total=IO_TIMEOUT),
                )
        assert classify_exception(caught.value).reason == ("TLS: certificate has expired")
        async with httpx.AsyncClient(verify=_client_context(ca), timeout=IO_TIMEOUT) as client:
            with pytest.raises(httpx.ConnectError) as raised:
                await client.get(f"https://localhost:{port}/")
        assert classify_exception(raised.value).reason == "TLS: certificate has expired"


def test_tls_other_ssl_error() -> None:
    exc = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)")
    exc.reason = "WRONG_VERSION_NUMBER"  # type: ignore[misc]
    assert classify_exception(exc) == ErrorInfo(
        Verdict.ERROR, "TLS: wrong version number", False, False
    )


def test_tls_verify_message_fallback() -> None:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code = 26  # type: ignore[attr-defined]
    exc.verify_message = "unsupported certificate purpose"  # type: ignore[attr-defined]
    assert classify_exception(exc).reason == "TLS: unsupported certificate purpose"


def test_tls_wrapped_by_aiohttp_certificate_error() -> None:
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed")
    inner.verify_code = 10  # type: ignore[attr-defined]
    inner.verify_message = "certificate has expired"  # type: ignore[attr-defined]
    outer = aiohttp.ClientConnectorCertificateError(conn_key(), inner)
    # Not chained with "from": the adapter chains the attribute.
    assert classify_exception(via_transport(outer)).reason == "TLS: certificate has expired"


# ---------------------------------------------------------------------------
# Real sockets: refused and reset, through both transports
# ---------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_real_refused_httpx_and_aiohttp() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    async with httpx.AsyncClient(timeout=IO_TIMEOUT) as client:
        with pytest.raises(httpx.ConnectError) as raised:
            await client.get(url)
    assert classify_exception(raised.value).reason == "connection refused"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(httpx.HTTPError) as mapped, mapped_like_the_transport():
            await session.get(url, timeout=aiohttp.ClientTimeout(total=IO_TIMEOUT))
    assert classify_exception(mapped.value).reason == "connection refused"


async def test_real_disconnect_without_response() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=IO_TIMEOUT) as client:
            with pytest.raises(httpx.RemoteProtocolError) as raised:
                await client.get(f"http://127.0.0.1:{port}/")
        assert classify_exception(raised.value) == ErrorInfo(
            Verdict.ERROR, "server disconnected", True, False
        )
        async with aiohttp.ClientSession() as session:
            with pytest.raises(httpx.HTTPError) as mapped, mapped_like_the_transport():
                await session.get(
                    f"http://127.0.0.1:{port}/", timeout=aiohttp.ClientTimeout(total=IO_TIMEOUT)
                )
        assert isinstance(mapped.value, httpx.RemoteProtocolError)
        assert classify_exception(mapped.value).reason == "server disconnected"
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), IO_TIMEOUT)


async def test_real_dns_failure_on_invalid_name() -> None:
    try:
        await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo("nonexistent.invalid", 80), IO_TIMEOUT
        )
    except socket.gaierror as exc:
        info = classify_exception(exc)
    except TimeoutError:  # pragma: no cover - resolver unavailable here
        pytest.skip("no resolver answered")
    else:  # pragma: no cover - a resolver that answers .invalid is broken
        pytest.skip("resolver answers .invalid")
    if info.verdict == Verdict.ERROR:  # pragma: no cover - sandbox without DNS
        assert info.reason == "DNS lookup failed (temporary)"
    else:
        assert info == ErrorInfo(Verdict.DEAD, "host name not found", False, False)


@settings(max_examples=100, deadline=None)
@given(message=st.text(max_size=300), code=st.integers(min_value=-20, max_value=200))
def test_classify_exception_never_raises(message: str, code: int) -> None:
    for exc in (OSError(code, message), socket.gaierror(code, message), ValueError(message)):
        info = classify_exception(
            via_transport(aiohttp_connector(exc)) if isinstance(exc, OSError) else exc
        )
        assert info.reason
        assert len(info.reason) < MAX_REASON_CHARS + 50


@pytest.mark.parametrize(
    ("message", "verdict", "reason"),
    [
        ("502 Bad Gateway: host name not found", Verdict.DEAD, "host name not found"),
        ("503 Service Unavailable (ERR_DNS_FAIL)", Verdict.DEAD, "host name not found"),
        ("504 Gateway Timeout", Verdict.TIMEOUT, "proxy timed out"),
        ("403 Forbidden", Verdict.ERROR, "proxy error: 403 Forbidden"),
    ],
)
def test_a_proxy_refusing_the_tunnel(message: str, verdict: Verdict, reason: str) -> None:
    info = classify_exception(httpx.ProxyError(message))
    assert info.verdict is verdict
    assert info.reason.startswith(reason)
    assert info.reached is False


def test_a_read_timeout_over_tls_is_a_timeout_not_a_tls_failure() -> None:
    outer: BaseException | None = None
    try:
        try:
            try:
                raise ssl.SSLWantReadError(2, "The operation did not complete (read)")
            except ssl.SSLWantReadError:
                raise TimeoutError() from None
        except TimeoutError as inner:
            inner.__suppress_context__ = False
            inner.__context__ = ssl.SSLWantReadError(2, "The operation did not complete (read)")
            raise httpx.ReadTimeout("") from inner
    except httpx.ReadTimeout as exc:
        outer = exc
    assert outer is not None
    info = classify_exception(outer)
    assert info.verdict is Verdict.TIMEOUT
    assert info.retryable is True


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (502, {}, b"Cannot connect: [Errno -2] Name or service not known", True),
        (503, {"X-Squid-Error": "ERR_DNS_FAIL 0"}, b"", True),
        (502, {}, b"upstream connect error or disconnect/reset", False),
        (404, {}, b"Name or service not known", False),
    ],
)
def test_a_proxy_gateway_error_naming_an_unknown_host(
    status: int, headers: dict[str, str], body: bytes, expected: bool
) -> None:
    assert proxy_reports_unknown_host(status, headers, body) is expected
