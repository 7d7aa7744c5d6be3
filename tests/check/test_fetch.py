"""One URL's check against pytest-httpx: verdicts, retries, redirects, bodies, headers."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from check_support import (
    HTML,
    FakeTime,
    check,
    check_one,
    clean_env,
    html_page,
    make_settings,
    pdf_bytes,
)
from mock_bridge import bridged_clients
from pytest_httpx import HTTPXMock

from linkcheck.check import engine as engine_module
from linkcheck.check.fetch import choose_method, resolve_location
from linkcheck.check.quirks import BROWSER_HEADERS
from linkcheck.models import CheckRequest, Hop, Verdict

URL = "https://example.org/post"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)


IN_PROCESS_ONLY = pytest.mark.parametrize("transport", ["httpx"], indirect=True)
"""For tests of the scheduler in virtual time, which only an in-process transport keeps in
step (one yield per wait is no time for a socket); test_sockets covers the same behaviour over
real sockets with both transports."""


@pytest.fixture(autouse=True, params=["httpx", "aiohttp"])
def transport(
    request: pytest.FixtureRequest, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Every test runs over both transports with the same expectations: httpx's own (which
    pytest-httpx answers directly) and aiohttp's (answered over loopback by the bridge)."""
    name: str = request.param
    if name == "aiohttp":
        monkeypatch.setattr(
            engine_module, "open_clients", lambda settings: bridged_clients(httpx_mock, settings)
        )
    return name


def user_agents(httpx_mock: HTTPXMock) -> list[str]:
    return [r.headers.get("user-agent", "") for r in httpx_mock.get_requests()]


# ---------------------------------------------------------------------------
# Verdicts from statuses
# ---------------------------------------------------------------------------


async def test_ok_page_gives_title_status_and_content_type(httpx_mock: HTTPXMock) -> None:
    head = '<meta name="citation_title" content="The Real Paper Title">'
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Site", head=head))
    result = await check_one(URL)
    assert result.verdict is Verdict.OK
    assert (result.status, result.reason) == (200, "200 OK")
    assert result.title == "The Real Paper Title"
    assert result.content_type == "text/html"
    assert result.reached
    assert result.attempts == 1
    assert result.final_url is None
    assert result.redirects == ()
    assert result.checked_at > 0


async def test_default_headers_sent(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page())
    await check_one(URL)
    request = httpx_mock.get_requests()[0]
    assert request.method == "GET"
    assert request.headers["user-agent"] == "linkcheck-test/1.0"
    assert request.headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("status", "verdict", "reason"),
    [
        (404, Verdict.DEAD, "404 Not Found"),
        (410, Verdict.DEAD, "410 Gone"),
        (400, Verdict.DEAD, "400 Bad Request"),
        (401, Verdict.BLOCKED, "401 Unauthorized"),
        (999, Verdict.BLOCKED, "999 Request Denied"),
        (500, Verdict.ERROR, "500 Internal Server Error"),
        (408, Verdict.TIMEOUT, "408 Request Timeout"),
    ],
)
async def test_final_status_verdicts(
    httpx_mock: HTTPXMock, status: int, verdict: Verdict, reason: str
) -> None:
    httpx_mock.add_response(url=URL, status_code=status, text="nope")
    result = await check_one(URL)
    assert (result.verdict, result.status, result.reason) == (verdict, status, reason)
    assert result.attempts == 1
    assert result.reached


async def test_accepted_status_is_ok(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=418)
    result = await check_one(URL, make_settings(accept=(418,)))
    assert result.verdict is Verdict.OK


async def test_403_is_tried_once_more_as_a_browser(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=403, is_reusable=True)
    result = await check_one(URL)
    assert result.verdict is Verdict.BLOCKED
    assert result.reason == "403 Forbidden"
    assert result.attempts == 2
    assert user_agents(httpx_mock) == ["linkcheck-test/1.0", BROWSER_HEADERS["User-Agent"]]


async def test_403_then_ok_for_a_browser(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=403)
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Hello"))
    result = await check_one(URL)
    assert (result.verdict, result.title, result.attempts) == (Verdict.OK, "Hello", 2)


async def test_challenge_page_is_blocked_not_retried(httpx_mock: HTTPXMock) -> None:
    page = html_page("Just a moment...")
    headers = {**HTML, "cf-mitigated": "challenge", "server": "cloudflare"}
    httpx_mock.add_response(url=URL, status_code=503, headers=headers, content=page)
    result = await check_one(URL, time=FakeTime())
    assert result.verdict is Verdict.BLOCKED
    assert result.reason.startswith("bot challenge")
    assert result.attempts == 1


async def test_challenge_with_status_404_is_never_dead(httpx_mock: HTTPXMock) -> None:
    headers = {**HTML, "cf-mitigated": "challenge"}
    httpx_mock.add_response(url=URL, status_code=404, headers=headers, content=html_page("x"))
    result = await check_one(URL)
    assert result.verdict is Verdict.BLOCKED


async def test_challenge_behind_200_is_blocked(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Just a moment..."))
    result = await check_one(URL)
    assert result.verdict is Verdict.BLOCKED
    assert result.title is None


# ---------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------


async def test_503_retried_then_ok(httpx_mock: HTTPXMock) -> None:
    time = FakeTime()
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, status_code=502)
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page())
    result = await check_one(URL, time=time)
    assert (result.verdict, result.attempts) == (Verdict.OK, 3)
    assert len(time.waits) >= 2
    assert all(0 < w <= 0.02 for w in time.waits)


@pytest.mark.parametrize("retries", [0, 1, 3])
async def test_retries_are_bounded(httpx_mock: HTTPXMock, retries: int) -> None:
    httpx_mock.add_response(url=URL, status_code=504, is_reusable=True)
    result = await check_one(URL, make_settings(retries=retries), time=FakeTime())
    assert result.verdict is Verdict.ERROR
    assert result.reason == "504 Gateway Timeout"
    assert result.attempts == retries + 1
    assert len(httpx_mock.get_requests()) == retries + 1


async def test_backoff_grows(httpx_mock: HTTPXMock) -> None:
    time = FakeTime()
    httpx_mock.add_response(url=URL, status_code=502, is_reusable=True)
    await check_one(URL, make_settings(retries=3, backoff_base=1.0), time=time)
    assert len(time.waits) == 3
    assert 0.5 <= time.waits[0] <= 1.0
    assert 1.0 <= time.waits[1] <= 2.0
    assert 2.0 <= time.waits[2] <= 4.0


async def test_retry_after_seconds_honoured(httpx_mock: HTTPXMock) -> None:
    time = FakeTime()
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page())
    result = await check_one(URL, time=time)
    assert (result.verdict, result.attempts) == (Verdict.OK, 2)
    assert 7.0 in time.waits
    # the retry after a 429 goes out dressed as a browser
    assert user_agents(httpx_mock)[1] == BROWSER_HEADERS["User-Agent"]


async def test_retry_after_http_date_honoured(httpx_mock: HTTPXMock) -> None:
    time = FakeTime()
    when = datetime.fromtimestamp(time.wall() + 6, tz=UTC)
    headers = {"Retry-After": format_datetime(when, usegmt=True)}
    httpx_mock.add_response(url=URL, status_code=503, headers=headers)
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page())
    result = await check_one(URL, time=time)
    assert result.verdict is Verdict.OK
    assert any(5.0 <= w <= 6.0 for w in time.waits)


async def test_retry_after_beyond_limit_stops_at_once(httpx_mock: HTTPXMock) -> None:
    time = FakeTime()
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "3600"})
    result = await check_one(URL, time=time)
    assert result.verdict is Verdict.BLOCKED
    assert result.attempts == 1
    assert "Retry-After 3600 s exceeds the 30 s limit" in result.reason
    assert result.reason.startswith("429 Too Many Requests")


async def test_a_retry_after_of_hostile_length_is_shown_short(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "9" * 30})
    result = await check_one(URL, time=FakeTime())
    assert result.verdict is Verdict.BLOCKED
    assert "Retry-After 1.0e+30 s exceeds the 30 s limit" in result.reason


async def test_retry_after_beyond_deadline_stops(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=503, headers={"Retry-After": "20"})
    result = await check_one(URL, make_settings(deadline=5.0), time=FakeTime())
    assert result.verdict is Verdict.ERROR
    assert "would pass the deadline" in result.reason
    assert result.attempts == 1


async def three_urls_with_rate_limits(
    httpx_mock: HTTPXMock, limited: Callable[[str, int], bool]
) -> tuple[list[tuple[str, float]], float]:
    """Check /a, /b and /c of one host (one request at a time); a request answered 429
    with ``Retry-After: 5`` when ``limited(path, requests so far)``. The requests seen, with
    their virtual times, and the start time."""
    time = FakeTime()
    seen: list[tuple[str, float]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, time.now))
        if limited(request.url.path, len(seen)):
            return httpx.Response(429, headers={"Retry-After": "5"})
        return httpx.Response(200, headers=HTML, content=html_page())

    httpx_mock.add_callback(respond, is_reusable=True)
    start = time.now
    urls = [f"https://example.org/{name}" for name in ("a", "b", "c")]
    results = await check(urls, make_settings(per_host_concurrency=1), time=time)
    assert all(r.verdict is Verdict.OK for r in results.values())
    return seen, start


@IN_PROCESS_ONLY
async def test_one_retry_after_delays_only_its_own_url(httpx_mock: HTTPXMock) -> None:
    seen, start = await three_urls_with_rate_limits(
        httpx_mock, lambda path, count: path == "/a" and count == 1
    )
    # /b is not held back by /a's 429 (virtual time jumps while /a waits, so /c's time
    # says nothing); /a's retry waits its 5 s.
    assert seen[:2] == [("/a", start), ("/b", start)]
    assert [at for path, at in seen if path == "/a"] == [start, start + 5]


@IN_PROCESS_ONLY
async def test_rate_limits_in_a_row_hold_back_the_whole_host(httpx_mock: HTTPXMock) -> None:
    seen, start = await three_urls_with_rate_limits(httpx_mock, lambda path, count: count <= 2)
    assert seen[:2] == [("/a", start), ("/b", start)]
    assert all(at >= start + 5 for _, at in seen[2:])
    assert sorted(path for path, _ in seen[2:]) == ["/a", "/b", "/c"]


async def test_connect_error_not_retried(httpx_mock: HTTPXMock) -> None:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as cause:
        error = httpx.ConnectError("connect failed")
        error.__cause__ = cause
    httpx_mock.add_exception(error, url=URL)
    result = await check_one(URL, time=FakeTime())
    assert (result.verdict, result.reason) == (Verdict.ERROR, "connection refused")
    assert result.attempts == 1
    assert not result.reached
    assert result.status is None


async def test_timeouts_retried_then_reported(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=URL, is_reusable=True)
    result = await check_one(URL, make_settings(retries=2), time=FakeTime())
    assert result.verdict is Verdict.TIMEOUT
    assert result.reason == "read timeout"
    assert result.attempts == 3


async def test_reset_retried_then_ok(httpx_mock: HTTPXMock) -> None:
    error = httpx.ReadError("reset")
    error.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    httpx_mock.add_exception(error, url=URL)
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page())
    result = await check_one(URL, time=FakeTime())
    assert (result.verdict, result.attempts) == (Verdict.OK, 2)


@pytest.fixture
def held_back_after_first(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The host is held back after the first attempt (other URLs' 429s, say): no retry ever
    gets a slot. Gives the hosts slots were asked for."""
    original = engine_module.Scheduler.slot
    slots: list[str] = []

    @asynccontextmanager
    async def held_back() -> AsyncIterator[None]:
        await asyncio.Event().wait()
        yield

    def slot(self: engine_module.Scheduler, host: str) -> AbstractAsyncContextManager[None]:
        slots.append(host)
        return original(self, host) if len(slots) == 1 else held_back()

    monkeypatch.setattr(engine_module.Scheduler, "slot", slot)
    return slots


async def test_a_failure_whose_retry_waits_past_the_deadline_is_reported(
    httpx_mock: HTTPXMock, held_back_after_first: list[str]
) -> None:
    # The URL is what its own attempt found, not a bare timeout.
    error = httpx.ReadError("reset")
    error.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    httpx_mock.add_exception(error, url=URL)
    result = await check_one(URL, make_settings(retries=2, deadline=0.3))
    assert result.verdict is Verdict.ERROR
    assert result.reason == "connection reset by peer (the deadline came before a retry)"
    assert (result.attempts, len(held_back_after_first)) == (1, 2)


async def test_a_status_whose_retry_waits_past_the_deadline_is_reported(
    httpx_mock: HTTPXMock, held_back_after_first: list[str]
) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    result = await check_one(URL, make_settings(retries=2, deadline=0.3))
    assert (result.verdict, result.status) == (Verdict.ERROR, 503)
    assert result.reason == "503 Service Unavailable (the deadline came before a retry)"
    assert result.attempts == 1


async def test_unknown_host_is_dead_from_root_cause(httpx_mock: HTTPXMock) -> None:
    url = "https://no-such-host.invalid/"
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    httpx_mock.add_exception(error, url=url)
    result = await check_one(url)
    assert result.verdict is Verdict.DEAD
    assert "host name not found" in result.reason
    assert not result.reached


async def test_deadline_exceeded(httpx_mock: HTTPXMock) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    httpx_mock.add_callback(slow, url=URL)
    result = await check_one(URL, make_settings(deadline=0.2))
    assert (result.verdict, result.reason) == (Verdict.TIMEOUT, "deadline exceeded")
    assert 0.15 <= result.elapsed < 2


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


def test_method_choice() -> None:
    assert choose_method("https://e.org/a/file.zip", frozenset()) == "HEAD"
    assert choose_method("https://e.org/img/Photo.JPG?x=1", frozenset()) == "HEAD"
    assert choose_method("https://e.org/img/photo.jpg", frozenset({"x"})) == "GET"
    assert choose_method("https://e.org/report.pdf", frozenset()) == "GET"
    assert choose_method("https://e.org/post", frozenset()) == "GET"
    assert choose_method("https://e.org/v1.2/", frozenset()) == "GET"


async def test_head_for_bodyless_types(httpx_mock: HTTPXMock) -> None:
    url = "https://example.org/data.zip"
    httpx_mock.add_response(url=url, method="HEAD", headers={"content-type": "application/zip"})
    result = await check_one(url)
    assert (result.verdict, result.attempts) == (Verdict.OK, 1)
    assert [r.method for r in httpx_mock.get_requests()] == ["HEAD"]


@pytest.mark.parametrize("status", [405, 501, 400, 403, 404, 429])
async def test_head_refused_falls_back_to_get(httpx_mock: HTTPXMock, status: int) -> None:
    url = "https://example.org/data.zip"
    httpx_mock.add_response(url=url, method="HEAD", status_code=status)
    httpx_mock.add_response(url=url, method="GET", headers={"content-type": "application/zip"})
    result = await check_one(url, time=FakeTime())
    assert result.verdict is Verdict.OK
    assert [r.method for r in httpx_mock.get_requests()] == ["HEAD", "GET"]


async def test_other_types_body_not_read(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers={"content-type": "image/png"}, content=b"x" * 5000)
    result = await check_one(URL)
    assert (result.verdict, result.title, result.content_type) == (Verdict.OK, None, "image/png")


# ---------------------------------------------------------------------------
# Redirects
# ---------------------------------------------------------------------------


async def test_permanent_redirect_relative_location_is_moved(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=301, headers={"Location": "../new/place?q=1"})
    target = "https://example.org/new/place?q=1"
    httpx_mock.add_response(url=target, headers=HTML, content=html_page("New"))
    result = await check_one(URL)
    assert result.verdict is Verdict.MOVED
    assert result.final_url == target
    assert result.redirects == (Hop(URL, 301),)
    assert (result.status, result.title) == (200, "New")


async def test_temporary_redirects_are_redirected(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "/b"})
    httpx_mock.add_response(
        url="https://example.org/b", status_code=307, headers={"Location": "https://x.test/c"}
    )
    httpx_mock.add_response(url="https://x.test/c", headers=HTML, content=html_page())
    result = await check_one(URL)
    assert result.verdict is Verdict.REDIRECTED
    assert result.final_url == "https://x.test/c"
    assert result.redirects == (Hop(URL, 302), Hop("https://example.org/b", 307))


@pytest.mark.parametrize(
    ("first", "second", "verdict"),
    [(301, 302, Verdict.MOVED), (302, 301, Verdict.REDIRECTED), (308, 307, Verdict.MOVED)],
)
async def test_moved_when_first_hop_is_permanent(
    httpx_mock: HTTPXMock, first: int, second: int, verdict: Verdict
) -> None:
    httpx_mock.add_response(url=URL, status_code=first, headers={"Location": "/2"})
    httpx_mock.add_response(
        url="https://example.org/2", status_code=second, headers={"Location": "/3"}
    )
    httpx_mock.add_response(url="https://example.org/3")
    result = await check_one(URL)
    assert result.verdict is verdict
    assert result.final_url == "https://example.org/3"


async def test_redirect_to_dead_page_is_dead(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=301, headers={"Location": "/gone"})
    httpx_mock.add_response(url="https://example.org/gone", status_code=404)
    result = await check_one(URL)
    assert (result.verdict, result.status) == (Verdict.DEAD, 404)
    assert result.final_url == "https://example.org/gone"


async def test_redirect_loop(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "/b"})
    httpx_mock.add_response(url="https://example.org/b", status_code=301, headers={"Location": URL})
    result = await check_one(URL)
    assert (result.verdict, result.reason) == (Verdict.ERROR, "redirect loop")
    assert len(result.redirects) == 2


async def test_too_many_redirects(httpx_mock: HTTPXMock) -> None:
    for i in range(4):
        httpx_mock.add_response(
            url=f"https://example.org/{i}", status_code=302, headers={"Location": f"/{i + 1}"}
        )
    result = await check_one("https://example.org/0", make_settings(max_redirects=3))
    assert result.verdict is Verdict.ERROR
    assert result.reason == "too many redirects (more than 3)"
    assert len(result.redirects) == 4


async def test_redirect_without_location_is_final(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=302)
    result = await check_one(URL)
    assert (result.verdict, result.status) == (Verdict.ERROR, 302)


async def test_redirect_to_other_scheme_is_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=301, headers={"Location": "ftp://e.org/x"})
    result = await check_one(URL)
    assert result.verdict is Verdict.ERROR
    assert "unsupported URL" in result.reason


async def test_redirect_to_a_malformed_url_is_error(httpx_mock: HTTPXMock) -> None:
    # httpx accepts a port past 65535; the request could never be made.
    httpx_mock.add_response(url=URL, status_code=301, headers={"Location": "http://e.org:99999/"})
    result = await check_one(URL)
    assert result.verdict is Verdict.ERROR
    assert result.reason == "301 Moved Permanently: redirect to a malformed URL (bad port '99999')"
    assert [hop.status for hop in result.redirects] == [301]


def test_resolve_location() -> None:
    assert resolve_location("https://a.test/x/y", "z#frag") == "https://a.test/x/z"
    assert resolve_location("https://a.test/x/y", "//b.test/p") == "https://b.test/p"
    assert resolve_location("http://a.test/", "https://c.test") == "https://c.test"
    assert resolve_location("https://a.test/", "mailto:x@y.z") is None
    assert resolve_location("https://a.test/", "http://") is None


# ---------------------------------------------------------------------------
# Headers and credentials
# ---------------------------------------------------------------------------


async def test_host_headers_stay_on_their_host(httpx_mock: HTTPXMock) -> None:
    settings = make_settings(
        headers={"example.org": {"X-Token": "secret"}, "*": {"X-Everyone": "1"}}
    )
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "https://other.test/"})
    httpx_mock.add_response(url="https://other.test/")
    await check_one(URL, settings)
    first, second = httpx_mock.get_requests()
    assert first.headers["x-token"] == "secret"
    assert "x-token" not in second.headers
    assert first.headers["x-everyone"] == second.headers["x-everyone"] == "1"


async def test_no_credentials_and_no_cookies(httpx_mock: HTTPXMock) -> None:
    url = "https://user:pw@example.org/a"
    httpx_mock.add_response(
        url="https://example.org/a",
        status_code=302,
        headers={"Location": "/b", "Set-Cookie": "session=abc; Path=/"},
    )
    httpx_mock.add_response(url="https://example.org/b", headers={"Set-Cookie": "x=1"})
    result = await check_one(url)
    assert result.verdict is Verdict.REDIRECTED
    for request in httpx_mock.get_requests():
        assert "authorization" not in request.headers
        assert "cookie" not in request.headers
        assert request.url.userinfo == b""
    # a second run reuses nothing either
    httpx_mock.add_response(url="https://example.org/c")
    await check_one("https://example.org/c")
    assert "cookie" not in httpx_mock.get_requests()[-1].headers


# ---------------------------------------------------------------------------
# Bodies: titles, fragments, caps, encodings
# ---------------------------------------------------------------------------


async def test_fragments_checked(httpx_mock: HTTPXMock) -> None:
    body = '<h2 id="intro">Intro</h2><a name="legacy"></a>'
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page(body=body))
    request = CheckRequest(URL, frozenset({"intro", "legacy", "missing", ":~:text=hello"}))
    result = await check_one(request)
    assert result.verdict is Verdict.OK
    assert result.missing_fragments == frozenset({"missing"})


async def test_fragments_not_judged_on_a_cut_page(httpx_mock: HTTPXMock) -> None:
    body = "<p>filler</p>" * 2000 + '<h2 id="late">Late</h2>'
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page(body=body))
    settings = make_settings(max_html_bytes=4096)
    result = await check_one(CheckRequest(URL, frozenset({"late"})), settings)
    assert result.missing_fragments == frozenset()


async def test_og_title_and_title_fallbacks(httpx_mock: HTTPXMock) -> None:
    og = '<meta property="og:title" content="OG Title">'
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Plain", head=og))
    httpx_mock.add_response(url=URL + "2", headers=HTML, content=html_page("Plain"))
    results = await check([URL, URL + "2"])
    assert results[URL].title == "OG Title"
    assert results[URL + "2"].title == "Plain"


async def test_pdf_title(httpx_mock: HTTPXMock) -> None:
    url = "https://example.org/report.pdf"
    pdf = pdf_bytes("Annual Energy Report")
    httpx_mock.add_response(url=url, headers={"content-type": "application/pdf"}, content=pdf)
    result = await check_one(url)
    assert (result.verdict, result.title, result.content_type) == (
        Verdict.OK,
        "Annual Energy Report",
        "application/pdf",
    )


async def test_pdf_recognised_by_magic_bytes(httpx_mock: HTTPXMock) -> None:
    headers = {"content-type": "application/octet-stream"}
    httpx_mock.add_response(url=URL, headers=headers, content=pdf_bytes("Sniffed"))
    result = await check_one(URL)
    assert result.title == "Sniffed"


async def test_html_without_content_type_sniffed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, content=html_page("Untyped"))
    result = await check_one(URL)
    assert result.title == "Untyped"


async def test_gzip_body_decoded(httpx_mock: HTTPXMock) -> None:
    headers = {**HTML, "content-encoding": "gzip"}
    httpx_mock.add_response(url=URL, headers=headers, content=gzip.compress(html_page("Zipped")))
    result = await check_one(URL)
    assert result.title == "Zipped"


async def test_unknown_encoding_is_not_read(httpx_mock: HTTPXMock) -> None:
    headers = {**HTML, "content-encoding": "br"}
    httpx_mock.add_response(url=URL, headers=headers, content=b"\x8b\x00garbage")
    result = await check_one(URL)
    assert (result.verdict, result.title) == (Verdict.OK, None)


async def test_title_from_head_of_long_page(httpx_mock: HTTPXMock) -> None:
    body = "<p>filler</p>" * 100_000  # 1.3 MB
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Long", body=body))
    result = await check_one(URL)
    assert (result.verdict, result.title) == (Verdict.OK, "Long")


# ---------------------------------------------------------------------------
# The run: dedup, callback, arXiv
# ---------------------------------------------------------------------------


async def test_each_url_fetched_once_fragments_merged(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page(body='<p id="a"></p>'))
    seen = []
    requests = [CheckRequest(URL, frozenset({"a"})), CheckRequest(URL, frozenset({"b"}))]
    results = await check(requests, on_result=seen.append)
    assert len(httpx_mock.get_requests()) == 1
    assert results[URL].missing_fragments == frozenset({"b"})
    assert seen == [results[URL]]


async def test_on_result_once_per_url(httpx_mock: HTTPXMock) -> None:
    urls = [f"https://example.org/{i}" for i in range(20)]
    httpx_mock.add_response(status_code=404, is_reusable=True)
    seen: list[str] = []
    results = await check(urls, on_result=lambda r: seen.append(r.url))
    assert sorted(seen) == sorted(urls)
    assert list(results) == urls


async def test_no_requests_no_clients() -> None:
    assert await check([]) == {}


# ---------------------------------------------------------------------------
# Soft 404s
# ---------------------------------------------------------------------------


async def test_a_success_page_that_says_it_is_missing_is_a_soft_404(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Page not found | Example"))
    result = await check_one(CheckRequest(URL, previous_title="Carbon cost | Example"))
    assert (result.verdict, result.status) == (Verdict.DEAD, 200)
    assert result.reason == (
        "soft 404: the title is 'Page not found | Example' (it was 'Carbon cost | Example')"
    )
    assert result.title == "Page not found | Example"


async def test_soft_404_detection_can_be_turned_off(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Page not found"))
    result = await check_one(URL, make_settings(soft_404=False))
    assert result.verdict is Verdict.OK


async def test_a_link_text_about_a_missing_page_keeps_it_ok(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Page not found"))
    result = await check_one(CheckRequest(URL, cited_as_missing=True))
    assert result.verdict is Verdict.OK


async def test_a_body_heading_read_past_the_head(httpx_mock: HTTPXMock) -> None:
    body = "<h1>404</h1><p>The requested page could not be found.</p>"
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("Example", body=body))
    result = await check_one(URL)
    assert (result.verdict, result.reason) == (
        Verdict.DEAD,
        "soft 404: the page's heading is '404'",
    )


async def test_a_permanent_redirect_to_an_error_page_is_dead_not_moved(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=URL, status_code=301, headers={"Location": "/404.html"})
    httpx_mock.add_response(
        url="https://example.org/404.html", headers=HTML, content=html_page("Example")
    )
    result = await check_one(URL)
    assert result.verdict is Verdict.DEAD
    assert result.reason == "soft 404: redirected to the error page https://example.org/404.html"
    assert result.final_url == "https://example.org/404.html"


async def test_a_parked_domain_is_dead(httpx_mock: HTTPXMock) -> None:
    frame = '<iframe src="https://www.parkingcrew.net/frame?d=example.org"></iframe>'
    httpx_mock.add_response(url=URL, headers=HTML, content=html_page("example.org", body=frame))
    result = await check_one(URL)
    assert result.verdict is Verdict.DEAD
    assert result.reason.startswith("soft 404: the page is a domain parking service")
