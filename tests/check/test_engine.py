"""The run as a whole: scheduling, arXiv titles, the client seam, transports and proxies."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from check_server import Request, Server, send, serving
from check_support import HTML, FakeTime, check, check_one, clean_env, html_page, make_settings
from pytest_httpx import HTTPXMock

from linkcheck.check.engine import ADMIT_FACTOR, Scheduler, check_stream, unique_requests
from linkcheck.check.fetch import Timing
from linkcheck.check.options import CheckOptions
from linkcheck.check.transport import (
    NoCookieJar,
    SharedClient,
    build_ssl_context,
    effective_transport,
    proxy_configured,
)
from linkcheck.config import HostSettings
from linkcheck.models import CheckRequest, CheckResult, ConfigError, Verdict

ABS = "https://arxiv.org/abs/2301.00001"
PDF = "https://arxiv.org/pdf/2301.00001"
PAPER_TITLE = "Attention Is Measured in Kilowatt-Hours"
URLS_AT_SCALE = 2000


def options(**overrides: Any) -> CheckOptions:
    """The test settings as the network stage's options."""
    return CheckOptions.from_settings(make_settings(**overrides))


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)


def abstract_page() -> bytes:
    head = f'<meta name="citation_title" content="{PAPER_TITLE}">'
    return html_page("[2301.00001] Attention", head=head)


# ---------------------------------------------------------------------------
# arXiv titles
# ---------------------------------------------------------------------------


async def test_arxiv_pdf_takes_the_paper_title_once(httpx_mock: HTTPXMock) -> None:
    pdf_headers = {"content-type": "application/pdf"}
    httpx_mock.add_response(url=PDF, headers=pdf_headers, content=b"%PDF-1.4 not really")
    httpx_mock.add_response(
        url="http://arxiv.org/pdf/2301.00001", status_code=301, headers={"Location": PDF + "v2"}
    )
    httpx_mock.add_response(url=PDF + "v2", headers=pdf_headers, content=b"%PDF-1.4")
    httpx_mock.add_response(url=ABS, headers=HTML, content=abstract_page())
    results = await check([PDF, "http://arxiv.org/pdf/2301.00001"])
    assert results[PDF].title == PAPER_TITLE
    assert results["http://arxiv.org/pdf/2301.00001"].title == PAPER_TITLE
    assert results["http://arxiv.org/pdf/2301.00001"].verdict is Verdict.MOVED
    fetched = [str(r.url) for r in httpx_mock.get_requests()]
    assert fetched.count(ABS) == 1


async def test_arxiv_abs_request_shares_its_title(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=PDF, headers={"content-type": "application/pdf"})
    httpx_mock.add_response(url=ABS, headers=HTML, content=abstract_page())
    results = await check([PDF, ABS])
    assert results[ABS].title == results[PDF].title == PAPER_TITLE
    assert [str(r.url) for r in httpx_mock.get_requests()].count(ABS) == 1


async def test_failed_arxiv_pdf_fetches_no_abstract(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=PDF, status_code=404)
    result = await check_one(PDF)
    assert (result.verdict, result.title) == (Verdict.DEAD, None)
    assert len(httpx_mock.get_requests()) == 1


async def test_unreadable_abstract_keeps_pdf_title(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=PDF, headers={"content-type": "application/pdf"})
    httpx_mock.add_response(url=ABS, status_code=403, is_reusable=True)
    result = await check_one(PDF)
    assert (result.verdict, result.title) == (Verdict.OK, None)


# ---------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------


def test_unique_requests_merges_fragments() -> None:
    merged = unique_requests(
        [
            CheckRequest("https://a.test/", frozenset({"x"})),
            CheckRequest("https://b.test/"),
            CheckRequest("https://a.test/", frozenset({"y"})),
        ]
    )
    assert [r.url for r in merged] == ["https://a.test/", "https://b.test/"]
    assert merged[0].fragments == frozenset({"x", "y"})


async def test_hold_back_and_interval_with_virtual_time() -> None:
    fake = FakeTime()
    settings = make_settings(per_host_concurrency=4, host_interval=2.0)
    scheduler = Scheduler(CheckOptions.from_settings(settings), fake.timing())
    starts: list[float] = []

    async def one() -> None:
        async with scheduler.slot("a.test"):
            starts.append(fake.now)

    scheduler.hold_back("a.test", 10.0)
    scheduler.hold_back("a.test", 1.0)  # a shorter backoff never shortens a longer one
    async with asyncio.timeout(5):
        await asyncio.gather(*(one() for _ in range(3)))
    base = 1000.0
    assert starts == [base + 10, base + 12, base + 14]


async def test_a_host_is_held_back_after_rate_limits_in_a_row_only() -> None:
    fake = FakeTime()
    scheduler = Scheduler(options(), fake.timing())
    starts: list[float] = []

    async def start() -> None:
        async with scheduler.slot("a.test"):
            starts.append(fake.now)

    async with asyncio.timeout(5):
        scheduler.rate_limited("a.test", 5.0)
        await start()  # one 429: only its own URL waits
        scheduler.answered("a.test")
        scheduler.rate_limited("a.test", 5.0)
        await start()  # another answer came between: still no streak
        scheduler.rate_limited("a.test", 5.0)
        await start()  # two in a row: the host waits
        await start()
    base = 1000.0
    assert starts == [base, base, base + 5, base + 5]


async def test_global_slots_are_shared_between_hosts() -> None:
    scheduler = Scheduler(options(concurrency=2, per_host_concurrency=2), Timing())
    active = 0
    peak = 0

    async def one(host: str) -> None:
        nonlocal active, peak
        async with scheduler.slot(host):
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    async with asyncio.timeout(5):
        await asyncio.gather(*(one(f"h{i % 3}") for i in range(12)))
    assert peak == 2


def mock_factory(handler: Any) -> Any:
    @asynccontextmanager
    async def factory(settings: CheckOptions) -> AsyncIterator[SharedClient]:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), cookies=NoCookieJar())
        try:
            yield SharedClient(client)
        finally:
            await client.aclose()

    return factory


async def test_client_factory_seam_and_many_urls_scale() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=HTML, content=b"<title>t</title>")

    urls = [f"https://h{i % 20}.test/p/{i}" for i in range(URLS_AT_SCALE)]
    started = time.perf_counter()
    results = await check(urls, make_settings(), client_factory=mock_factory(handler))
    took = time.perf_counter() - started
    assert len(results) == URLS_AT_SCALE
    assert all(r.verdict is Verdict.OK and r.title == "t" for r in results.values())
    assert took < 8.0


async def test_checks_start_as_room_frees_up() -> None:
    live = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal live, peak
        live += 1
        peak = max(peak, live)
        await asyncio.sleep(0)
        live -= 1
        return httpx.Response(200, headers=HTML, content=b"<title>t</title>")

    settings = make_settings(concurrency=4, per_host_concurrency=2)
    urls = [f"https://h{i % 3}.test/p/{i}" for i in range(300)]
    tasks_seen = 0

    def on_result(_: object) -> None:
        nonlocal tasks_seen
        tasks_seen = max(tasks_seen, len(asyncio.all_tasks()))

    results = await check(urls, settings, client_factory=mock_factory(handler), on_result=on_result)
    assert all(r.verdict is Verdict.OK for r in results.values())
    assert peak <= 4
    # The run's own task, the test's, and the admitted checks: never one per URL.
    assert tasks_seen <= ADMIT_FACTOR * 4 + 3


async def test_arxiv_pdfs_queued_behind_their_abstracts_do_not_stall() -> None:
    papers = [f"2301.{i:05d}" for i in range(12)]

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/pdf/"):
            return httpx.Response(200, headers={"content-type": "application/pdf"})
        paper = path.rsplit("/", 1)[-1]
        head = f'<meta name="citation_title" content="Paper {paper}">'
        return httpx.Response(200, headers=HTML, content=html_page("abs", head=head))

    # PDFs first: every place of the host goes to a PDF waiting for an abstract's title.
    urls = [f"https://arxiv.org/pdf/{p}" for p in papers]
    urls += [f"https://arxiv.org/abs/{p}" for p in papers]
    settings = make_settings(concurrency=2, per_host_concurrency=1)
    results = await check(urls, settings, client_factory=mock_factory(handler))
    assert all(results[f"https://arxiv.org/pdf/{p}"].title == f"Paper {p}" for p in papers)


async def test_a_bug_in_one_check_is_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=HTML, content=b"<title>t</title>")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("linkcheck.check.fetch.parse_html", broken)
    result = await check_one("https://a.test/", client_factory=mock_factory(handler))
    assert result.verdict is Verdict.ERROR
    assert result.reason == "internal error: RuntimeError"


# ---------------------------------------------------------------------------
# Transports, TLS configuration, proxies
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"HTTP_PROXY": "http://p:1"},
        {"https_proxy": "http://p:1"},
        {"ALL_PROXY": "x"},
        {"no_proxy": "localhost"},
    ],
)
def test_proxy_variables_switch_to_httpx(env: dict[str, str]) -> None:
    assert proxy_configured(env)
    assert effective_transport(CheckOptions(transport="aiohttp"), env) == "httpx"


def test_no_proxy_keeps_the_configured_transport() -> None:
    assert not proxy_configured({"HTTP_PROXY": "", "PATH": "/bin"})
    assert effective_transport(CheckOptions(transport="aiohttp"), {}) == "aiohttp"


def test_ssl_context(tmp_path: Path) -> None:
    insecure = build_ssl_context(insecure=True, environ={})
    assert insecure.verify_mode == ssl.CERT_NONE
    secure = build_ssl_context(insecure=False, environ={})
    assert secure.verify_mode == ssl.CERT_REQUIRED
    assert secure.check_hostname
    with pytest.raises(ConfigError, match="SSL_CERT_FILE"):
        build_ssl_context(insecure=False, environ={"SSL_CERT_FILE": str(tmp_path / "none")})


async def ok_route(request: Request, writer: Any, server: Server) -> None:
    await send(writer, server, request, 200, html_page(f"via {request.host}"), list(HTML.items()))


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_http_proxy_and_no_proxy_from_environment(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving({"ok": ok_route}) as proxy, serving({"ok": ok_route}) as direct:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "localhost")
        far = "http://far-away.invalid/ok/1"
        near = f"http://localhost:{direct.port}/ok/2"
        results = await check([far, near], make_settings(transport=transport))
    assert results[far].verdict is Verdict.OK
    assert results[far].title == "via far-away.invalid"
    assert [r.proxied for r in proxy.stats.requests] == [True]
    assert results[near].verdict is Verdict.OK
    assert len(direct.stats.requests) == 1
    assert not direct.stats.requests[0].proxied


async def test_bad_proxy_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "gopher://nowhere:70")
    with pytest.raises(ConfigError, match="proxy"):
        await check_one("https://a.test/")


async def test_per_host_overrides_of_concurrency_and_interval() -> None:
    fake = FakeTime()
    settings = make_settings(
        per_host_concurrency=4,
        host_interval=0.0,
        hosts={"slow.test": HostSettings(concurrency=1, interval=3.0)},
    )
    scheduler = Scheduler(CheckOptions.from_settings(settings), fake.timing())
    starts: dict[str, list[float]] = {"slow.test": [], "fast.test": []}

    async def one(host: str) -> None:
        async with scheduler.slot(host):
            starts[host].append(fake.now)

    async with asyncio.timeout(5):
        await asyncio.gather(*(one(h) for h in ("slow.test", "fast.test") for _ in range(3)))
    assert starts["slow.test"] == [1000.0, 1003.0, 1006.0]
    assert starts["fast.test"] == [1000.0, 1000.0, 1000.0]


async def test_per_host_accepted_statuses(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url="https://members.test/paper", status_code=403, is_reusable=True)
    httpx_mock.add_response(url="https://other.test/paper", status_code=403, is_reusable=True)
    settings = make_settings(hosts={"members.test": HostSettings(accept=(403,))})
    results = await check(["https://members.test/paper", "https://other.test/paper"], settings)
    assert results["https://members.test/paper"].verdict is Verdict.OK
    assert results["https://other.test/paper"].verdict is Verdict.BLOCKED


async def test_checking_starts_before_the_last_batch_arrives(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(headers=HTML, content=html_page(), is_reusable=True)
    first_done = asyncio.Event()
    arrivals: list[str] = []

    async def batches() -> AsyncIterator[list[CheckRequest]]:
        yield [CheckRequest("https://a.test/1"), CheckRequest("https://b.test/1")]
        await first_done.wait()  # never set if checking waited for every batch
        arrivals.append("second batch")
        yield [CheckRequest("https://a.test/2")]

    def on_result(result: CheckResult) -> None:
        arrivals.append(result.url)
        first_done.set()

    async with asyncio.timeout(5):
        results = await check_stream(batches(), options(), on_result=on_result)
    assert list(results) == ["https://a.test/1", "https://b.test/1", "https://a.test/2"]
    assert all(r.verdict is Verdict.OK for r in results.values())
    assert arrivals.index("second batch") > 0
    assert arrivals[-1] == "https://a.test/2"


async def test_an_empty_stream_checks_nothing() -> None:
    async def batches() -> AsyncIterator[list[CheckRequest]]:
        return
        yield []

    async with asyncio.timeout(5):
        assert await check_stream(batches(), options()) == {}
