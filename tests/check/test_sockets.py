"""The engine against real sockets on loopback: limits, waits, caps, TLS, failures.

Both transports are exercised: ``aiohttp`` (the default, which pytest-httpx cannot see) and
``httpx``. Every test is bounded by ``asyncio.timeout`` inside ``check``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from check_server import (
    Request,
    Server,
    closed_port,
    gzip_bomb,
    reset_connection,
    response_head,
    send,
    serving,
)
from check_support import HTML, check, check_one, clean_env, html_page, make_settings

from linkcheck.check import fetch as fetch_module
from linkcheck.http import RAW_SLACK_BYTES
from linkcheck.models import CheckRequest, Verdict

TRANSPORTS = ["aiohttp", "httpx"]
HTML_HEADERS = list(HTML.items())
MIB = 1024 * 1024
BIG_BYTES = 50 * MIB
BIG_CHUNK = 64 * 1024
DRIP_INTERVAL = 0.05
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)


def query(request: Request, name: str, default: str) -> str:
    _, _, params = request.path.partition("?")
    for pair in params.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return default


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------


async def ok(request: Request, writer: Any, server: Server) -> None:
    await asyncio.sleep(float(query(request, "delay", "0")))
    body = html_page(f"Page {request.path}", body='<h2 id="here">x</h2>')
    await send(writer, server, request, 200, body, HTML_HEADERS)


async def retry_after(request: Request, writer: Any, server: Server) -> None:
    if server.stats.served[request.path] == 1:
        seconds = query(request, "s", "1")
        await send(writer, server, request, 429, b"slow down", [("Retry-After", seconds)])
    else:
        await ok(request, writer, server)


async def hang(request: Request, writer: Any, server: Server) -> None:
    await asyncio.sleep(30)


async def drip(request: Request, writer: Any, server: Server) -> None:
    writer.write(response_head(200, [*HTML_HEADERS, ("Content-Length", "100000")]))
    writer.write(b"<!doctype html><html><head><title>Drip</title>")
    for _ in range(1000):
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(DRIP_INTERVAL)


FLOOD_SECONDS = 5.0
"""How long the hostile routes below keep sending (a bound of their own: far past the
client's limit in these tests)."""


async def informational_flood(request: Request, writer: Any, server: Server) -> None:
    """``100 Continue`` after ``100 Continue``, never a final response."""
    loop = asyncio.get_running_loop()
    stop = loop.time() + FLOOD_SECONDS
    while loop.time() < stop:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" * 100)
        await writer.drain()
        await asyncio.sleep(0)


async def header_drip(request: Request, writer: Any, server: Server) -> None:
    """A status line, then one byte of headers at a time, never the blank line."""
    writer.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(int(FLOOD_SECONDS / DRIP_INTERVAL)):
        writer.write(b"X")
        await writer.drain()
        await asyncio.sleep(DRIP_INTERVAL)


async def head_body(request: Request, writer: Any, server: Server) -> None:
    """A body after every response's head, HEAD's too (a server bug)."""
    body = html_page("A file")
    writer.write(response_head(200, [*HTML_HEADERS, ("Content-Length", str(len(body)))]) + body)
    await writer.drain()


async def extra(request: Request, writer: Any, server: Server) -> None:
    """A complete response, then bytes past its ``Content-Length`` (a length counted in
    characters, not bytes, say)."""
    body = html_page("Read anyway")
    head = response_head(200, [*HTML_HEADERS, ("Content-Length", str(len(body)))])
    writer.write(head + body + b"\r\n\r\nextra")
    await writer.drain()


async def big(request: Request, writer: Any, server: Server) -> None:
    head = [*HTML_HEADERS, ("Content-Length", str(BIG_BYTES))]
    data = response_head(200, head) + b"<!doctype html><html><head><title>Big</title></head>"
    chunk = b"<p>" + b"x" * (BIG_CHUNK - 7) + b"</p>"
    sent = 0
    writer.write(data)
    while sent < BIG_BYTES:
        piece = chunk[: BIG_BYTES - sent]
        writer.write(piece)
        sent += len(piece)
        server.stats.bytes_sent[request.path] += len(piece)
        await writer.drain()


BOMB = gzip_bomb(20 * MIB)


async def bomb(request: Request, writer: Any, server: Server) -> None:
    headers = [*HTML_HEADERS, ("Content-Encoding", "gzip")]
    await send(writer, server, request, 200, BOMB, headers)


async def loop(request: Request, writer: Any, server: Server) -> None:
    await send(writer, server, request, 302, b"", [("Location", "/loop")])


async def chain(request: Request, writer: Any, server: Server) -> None:
    left = int(request.path.rstrip("/").rsplit("/", 1)[-1])
    if left == 0:
        await ok(request, writer, server)
    else:
        await send(writer, server, request, 301, b"", [("Location", f"/chain/{left - 1}")])


async def reset(request: Request, writer: Any, server: Server) -> None:
    reset_connection(writer)


async def dead(request: Request, writer: Any, server: Server) -> None:
    await send(writer, server, request, 404, b"no such page", [("Content-Type", "text/plain")])


ROUTES = {
    "ok": ok,
    "retry-after": retry_after,
    "hang": hang,
    "drip": drip,
    "informational-flood": informational_flood,
    "head-body": head_body,
    "extra": extra,
    "header-drip": header_drip,
    "big": big,
    "bomb": bomb,
    "loop": loop,
    "chain": chain,
    "reset": reset,
    "dead": dead,
}


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_per_host_and_global_limits_never_exceeded(transport: str) -> None:
    settings = make_settings(transport=transport, concurrency=5, per_host_concurrency=2)
    async with serving(ROUTES, addresses=HOSTS) as server:
        urls = [server.url(f"/ok/{i}?delay=0.02", host) for host in HOSTS for i in range(12)]
        results = await check(urls, settings)
    assert all(r.verdict is Verdict.OK for r in results.values())
    assert len(server.stats.requests) == len(urls)
    assert server.stats.max_in_flight <= 5
    assert all(count <= 2 for count in server.stats.host_max.values())
    assert server.stats.max_in_flight >= 4  # the limits are used, not just respected


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_each_url_fetched_once(transport: str) -> None:
    async with serving(ROUTES) as server:
        url = server.url("/ok/once")
        requests = [CheckRequest(url, frozenset({"here"})), CheckRequest(url)]
        results = await check(requests, make_settings(transport=transport))
    assert results[url].verdict is Verdict.OK
    assert server.stats.served["/ok/once"] == 1


async def test_host_interval_spaces_requests() -> None:
    settings = make_settings(transport="aiohttp", host_interval=0.1)
    async with serving(ROUTES) as server:
        urls = [server.url(f"/ok/{i}") for i in range(4)]
        await check(urls, settings)
    times = sorted(r.at for r in server.stats.requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.09 for gap in gaps)


# ---------------------------------------------------------------------------
# Waiting: Retry-After, timeouts, deadline
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_retry_after_waited_for_by_its_url_only(transport: str) -> None:
    settings = make_settings(transport=transport, per_host_concurrency=1)
    async with serving(ROUTES) as server:
        first = server.url("/retry-after/a?s=1")
        other = server.url("/ok/b")
        results = await check([first, other], settings)
    assert results[first].verdict is Verdict.OK
    assert results[first].attempts == 2
    assert results[first].elapsed >= 1.0
    at: dict[str, list[float]] = {}
    for r in server.stats.requests:
        at.setdefault(r.path, []).append(r.at)
    refused_at, retried_at = at["/retry-after/a?s=1"]
    assert at["/ok/b"][0] - refused_at < 0.5
    assert retried_at - refused_at >= 0.95


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_host_rate_limiting_every_request_is_held_back(transport: str) -> None:
    settings = make_settings(transport=transport, per_host_concurrency=1)
    async with serving(ROUTES) as server:
        limited = [server.url("/retry-after/a?s=1"), server.url("/retry-after/b?s=1")]
        other = server.url("/ok/c")
        results = await check([*limited, other], settings)
    assert all(results[url].verdict is Verdict.OK for url in [*limited, other])
    at: dict[str, list[float]] = {}
    for r in server.stats.requests:
        at.setdefault(r.path, []).append(r.at)
    second_refusal = max(at["/retry-after/a?s=1"][0], at["/retry-after/b?s=1"][0])
    assert at["/ok/c"][0] - second_refusal >= 0.95


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_read_timeout(transport: str) -> None:
    settings = make_settings(transport=transport, timeout=0.3, retries=0)
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/hang"), settings)
    assert result.verdict is Verdict.TIMEOUT
    assert "timeout" in result.reason or "timed out" in result.reason
    assert result.elapsed < 2


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_slow_drip_body_hits_the_deadline(transport: str) -> None:
    settings = make_settings(transport=transport, timeout=2.0, deadline=0.5)
    async with serving(ROUTES) as server:
        result = await check_one(CheckRequest(server.url("/drip"), frozenset({"x"})), settings)
    assert (result.verdict, result.reason) == (Verdict.TIMEOUT, "deadline exceeded")
    assert result.reached
    assert 0.45 <= result.elapsed < 1.5


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("route", ["/informational-flood", "/header-drip"])
async def test_a_response_head_that_never_ends_times_out_once(transport: str, route: str) -> None:
    # Bytes keep coming, so no read times out: the head's own limit (two timeouts) ends it,
    # long before the deadline, and it is not asked again.
    settings = make_settings(transport=transport, timeout=0.3, retries=2, deadline=4.0)
    async with serving(ROUTES) as server:
        result = await check_one(server.url(route), settings)
    assert result.verdict is Verdict.TIMEOUT
    assert result.reason == "no complete response head within 0.6 s"
    assert result.attempts == 1
    assert result.reached  # the server answered: its host is up
    assert server.stats.served[route] == 1
    assert 0.55 <= result.elapsed < 3.0  # long before the 4 s deadline


# ---------------------------------------------------------------------------
# Byte caps
# ---------------------------------------------------------------------------


@pytest.fixture
def parsed_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the bodies handed to the HTML parser."""
    sizes: list[int] = []
    original = fetch_module.parse_html

    def spy(body: bytes, **kwargs: Any) -> Any:
        sizes.append(len(body))
        return original(body, **kwargs)

    monkeypatch.setattr(fetch_module, "parse_html", spy)
    return sizes


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_50_mb_body_cut_at_the_cap(transport: str, parsed_sizes: list[int]) -> None:
    cap = 256 * 1024
    settings = make_settings(transport=transport, max_html_bytes=cap)
    async with serving(ROUTES) as server:
        url = server.url("/big")
        result = await check_one(CheckRequest(url, frozenset({"somewhere"})), settings)
        await asyncio.sleep(0.05)
    assert (result.verdict, result.title) == (Verdict.OK, "Big")
    assert result.missing_fragments == frozenset()  # not judged on a cut page
    assert parsed_sizes == [cap]
    assert server.stats.bytes_sent["/big"] < 12 * MIB
    # what was received stops within one read of the cap (the rest stays in socket buffers)
    assert cap <= result.bytes_read <= cap + RAW_SLACK_BYTES


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_title_only_stops_after_the_head(transport: str, parsed_sizes: list[int]) -> None:
    settings = make_settings(transport=transport)
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/big"), settings)
    assert (result.verdict, result.title) == (Verdict.OK, "Big")
    assert parsed_sizes[0] <= 200 * 1024
    assert result.bytes_read <= 200 * 1024


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_gzip_bomb_stops_at_the_cap(transport: str, parsed_sizes: list[int]) -> None:
    cap = 512 * 1024
    settings = make_settings(transport=transport, max_html_bytes=cap)
    async with serving(ROUTES) as server:
        result = await check_one(CheckRequest(server.url("/bomb"), frozenset({"a"})), settings)
    assert result.verdict is Verdict.OK
    assert parsed_sizes == [cap]
    assert 0 < result.bytes_read < cap  # compressed: far fewer bytes came in than were parsed


# ---------------------------------------------------------------------------
# Redirects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_redirect_loop(transport: str) -> None:
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/loop"), make_settings(transport=transport))
    assert (result.verdict, result.reason) == (Verdict.ERROR, "redirect loop")
    assert server.stats.served["/loop"] == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_30_hop_chain(transport: str) -> None:
    async with serving(ROUTES) as server:
        url = server.url("/chain/30")
        long_enough = make_settings(transport=transport, max_redirects=30)
        followed = await check_one(url, long_enough)
        limited = await check_one(url, make_settings(transport=transport))
    assert followed.verdict is Verdict.MOVED
    assert len(followed.redirects) == 30
    assert followed.final_url == server.url("/chain/0")
    assert followed.title == "Page /chain/0"
    assert limited.verdict is Verdict.ERROR
    assert limited.reason == "too many redirects (more than 10)"
    assert len(limited.redirects) == 11


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_body_sent_after_a_head_response_is_asked_again_with_get(transport: str) -> None:
    # aiohttp refuses the bytes that follow a HEAD response's head; the file is there.
    settings = make_settings(transport=transport, retries=0)
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/head-body/report.zip"), settings)
        after = await check_one(server.url("/ok/next"), settings)
    assert (result.verdict, result.status) == (Verdict.OK, 200)
    assert server.stats.requests[0].method == "HEAD"
    assert after.verdict is Verdict.OK


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_bytes_past_a_complete_response_lose_neither_it_nor_the_next(transport: str) -> None:
    # aiohttp's parser loses the response to the extra bytes' parse error: it is read again
    # by httpx's transport on a connection of its own. With httpx's transport the next
    # request on that connection reads the extra bytes first: it is asked again.
    settings = make_settings(transport=transport, retries=1, per_host_concurrency=1)
    async with serving(ROUTES) as server:
        urls = [server.url("/extra/page"), server.url("/ok/next")]
        results = await check(urls, settings)
    first, after = (results[url] for url in urls)
    assert (first.verdict, first.title) == (Verdict.OK, "Read anyway")
    assert (after.verdict, after.title) == (Verdict.OK, "Page /ok/next")


# ---------------------------------------------------------------------------
# Failures below HTTP
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connection_reset_retried_then_error(transport: str) -> None:
    settings = make_settings(transport=transport, retries=1)
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/reset"), settings)
    assert result.verdict is Verdict.ERROR
    assert result.reason in ("connection reset by peer", "server disconnected")
    assert result.attempts == 2
    assert not result.reached


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connection_refused(transport: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    result = await check_one(url, make_settings(transport=transport))
    assert (result.verdict, result.reason) == (Verdict.ERROR, "connection refused")
    assert result.attempts == 1
    assert not result.reached


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_unknown_host_is_dead(transport: str) -> None:
    result = await check_one("http://no-such-host.invalid/", make_settings(transport=transport))
    assert result.verdict is Verdict.DEAD
    assert result.reason.startswith("host name not found")
    assert not result.reached


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_dead_page_reached(transport: str) -> None:
    async with serving(ROUTES) as server:
        result = await check_one(server.url("/dead/1"), make_settings(transport=transport))
    assert (result.verdict, result.reason, result.reached) == (
        Verdict.DEAD,
        "404 Not Found",
        True,
    )


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def good_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


def expired_cert(ca: trustme.CA) -> trustme.LeafCert:
    now = dt.datetime.now(dt.UTC)
    return ca.issue_cert(
        "127.0.0.1",
        not_before=now - dt.timedelta(days=30),
        not_after=now - dt.timedelta(days=1),
    )


def wrong_host_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("other.example")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_good_certificate_with_ssl_cert_file(
    transport: str, ca: trustme.CA, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    async with serving(ROUTES, tls=server_context(good_cert(ca))) as server:
        result = await check_one(server.url("/ok/tls"), make_settings(transport=transport))
    assert result.verdict is Verdict.OK
    assert result.title == "Page /ok/tls"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_unknown_ca_without_ssl_cert_file(transport: str, ca: trustme.CA) -> None:
    async with serving(ROUTES, tls=server_context(good_cert(ca))) as server:
        result = await check_one(server.url("/ok/tls"), make_settings(transport=transport))
    assert result.verdict is Verdict.ERROR
    assert result.reason.startswith("TLS:")
    assert not result.reached


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_insecure_accepts_unknown_ca(transport: str, ca: trustme.CA) -> None:
    settings = make_settings(transport=transport, insecure=True)
    async with serving(ROUTES, tls=server_context(wrong_host_cert(ca))) as server:
        result = await check_one(server.url("/ok/tls"), settings)
    assert result.verdict is Verdict.OK


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_expired_certificate(
    transport: str, ca: trustme.CA, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    async with serving(ROUTES, tls=server_context(expired_cert(ca))) as server:
        result = await check_one(server.url("/ok/tls"), make_settings(transport=transport))
    assert (result.verdict, result.reason) == (Verdict.ERROR, "TLS: certificate has expired")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_wrong_host_certificate(
    transport: str, ca: trustme.CA, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    async with serving(ROUTES, tls=server_context(wrong_host_cert(ca))) as server:
        result = await check_one(server.url("/ok/tls"), make_settings(transport=transport))
    assert result.verdict is Verdict.ERROR
    assert result.reason.startswith("TLS: certificate is not valid for")
