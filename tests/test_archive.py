"""Wayback Machine suggestions: publish dates, the availability API (mocked) and findings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock, IteratorStream

from linkcheck.archive import (
    ARCHIVE_FAILED,
    AVAILABILITY_API,
    MAX_RESPONSE_BYTES,
    NOT_ARCHIVED,
    ArchiveQuery,
    archive_queries,
    parse_availability,
    publish_date,
    publish_timestamp,
    safe_archive_url,
    suggest_archives,
    with_archive_suggestions,
)
from linkcheck.config import DEFAULT_USER_AGENT
from linkcheck.models import Document, Finding, Location, Post, Severity

API = "https://archive.test/wayback/available"
DEAD = "https://example.org/gone"
OTHER_DEAD = "https://example.org/also-gone"
SNAPSHOT = "http://web.archive.org/web/20250314093000/https://example.org/gone"
SNAPSHOT_HTTPS = "https://web.archive.org/web/20250314093000/https://example.org/gone"
POST_PATH = "content/blog/post.md"


def _answer(url: str = SNAPSHOT, **closest: Any) -> dict[str, Any]:
    snapshot = {"available": True, "url": url, "timestamp": "20250314093000", "status": "200"}
    snapshot.update(closest)
    return {"url": DEAD, "archived_snapshots": {"closest": snapshot}}


def _api(url: str = DEAD, timestamp: str | None = "20250314", api: str = API) -> httpx.URL:
    params = {"url": url} if timestamp is None else {"url": url, "timestamp": timestamp}
    return httpx.URL(api, params=params)


async def _suggest(*queries: ArchiveQuery, **options: Any) -> dict[tuple[str, str | None], str]:
    options.setdefault("api_url", API)
    async with httpx.AsyncClient() as client:
        return await suggest_archives(queries, client=client, **options)


# ---------------------------------------------------------------------------
# Publish dates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 3, 14), date(2025, 3, 14)),
        (datetime(2025, 3, 14, 23, 30), date(2025, 3, 14)),
        (datetime(2025, 3, 14, 23, 30, tzinfo=timezone(timedelta(hours=-5))), date(2025, 3, 14)),
        ("2025-03-14", date(2025, 3, 14)),
        ("2025-3-4", date(2025, 3, 4)),
        ("2025/03/14", date(2025, 3, 14)),
        ("2025.03.14", date(2025, 3, 14)),
        ("20250314", date(2025, 3, 14)),
        ("2025-03-14T09:30:00Z", date(2025, 3, 14)),
        ("2025-03-14T09:30:00+02:00", date(2025, 3, 14)),
        ("2025-03-14 09:30", date(2025, 3, 14)),
        ("  14 Mar 2025 ", date(2025, 3, 14)),
        ("14 March 2025", date(2025, 3, 14)),
        ("14th March 2025", date(2025, 3, 14)),
        ("1st Sept 2024", date(2024, 9, 1)),
        ("14-Mar-2025", date(2025, 3, 14)),
        ("14 mar. 2025", date(2025, 3, 14)),
        ("March 14, 2025", date(2025, 3, 14)),
        ("Mar 14 2025", date(2025, 3, 14)),
        ("Friday, March 14, 2025", date(2025, 3, 14)),
        ("Fri, 14 Mar 2025 09:30:00 +0000", date(2025, 3, 14)),
        ("29 Feb 2024", date(2024, 2, 29)),
        ("29 Feb 2025", None),
        ("2025-13-01", None),
        ("14 Smarch 2025", None),
        ("03/04/2025", None),
        ("next Tuesday", None),
        ("", None),
        ("2025-03-14" + " " * 200, date(2025, 3, 14)),
        ("1" * 5000, None),
        ("0999-01-01", None),
        (20250314, None),
        (True, None),
        (None, None),
        (["2025-03-14"], None),
    ],
)
def test_publish_date_forms(value: object, expected: date | None) -> None:
    assert publish_date(value) == expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"publishDate": "14 Mar 2025"}, "20250314"),
        ({"date": date(2024, 1, 2)}, "20240102"),
        ({"pubDate": datetime(2023, 12, 31, 22, 0, tzinfo=UTC)}, "20231231"),
        ({"publishDate": "2025-03-14", "date": "2020-01-01"}, "20250314"),
        ({"publishDate": "soon", "date": "2020-01-01"}, "20200101"),
        ({"title": "No date"}, None),
        ({}, None),
    ],
)
def test_publish_timestamp(metadata: dict[str, Any], expected: str | None) -> None:
    assert publish_timestamp(metadata) == expected


# ---------------------------------------------------------------------------
# The archive's answer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SNAPSHOT, SNAPSHOT_HTTPS),
        (SNAPSHOT_HTTPS, SNAPSHOT_HTTPS),
        (
            "HTTP://Web.Archive.Org:80/web/2025/https://example.org/",
            "https://web.archive.org/web/2025/https://example.org/",
        ),
        (
            "https://web.archive.org/web/2025/https://example.org/#x",
            "https://web.archive.org/web/2025/https://example.org/",
        ),
        ("https://evil.test/web/2025/https://example.org/", None),
        ("https://web.archive.org.evil.test/web/2025/x", None),
        ("https://web.archive.org@evil.test/web/2025/x", None),
        ("https://user@web.archive.org/web/2025/x", None),
        ("https://web.archive.org:8443/web/2025/x", None),
        ("https://web.archive.org/save/https://example.org/", None),
        ("javascript:alert(1)//web.archive.org/web/", None),
        ("ftp://web.archive.org/web/2025/x", None),
        ("https://web.archive.org/web/2025/x\n<script>", None),
        ("https://web.archive.org/web/2025/x\u202e", None),
        ("https://web.archive.org/web/" + "a" * 5000, None),
        ("https://[::1/web/", None),
    ],
)
def test_safe_archive_url(url: str, expected: str | None) -> None:
    assert safe_archive_url(url) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"archived_snapshots": {}}',
        b'{"archived_snapshots": []}',
        b'{"archived_snapshots": {"closest": "x"}}',
        b'{"archived_snapshots": {"closest": {"available": false, "url": "'
        + SNAPSHOT.encode()
        + b'"}}}',
        b'{"archived_snapshots": {"closest": {"available": "true", "url": "'
        + SNAPSHOT.encode()
        + b'"}}}',
        b'{"archived_snapshots": {"closest": {"available": true, "url": 7}}}',
        b'{"archived_snapshots": {"closest": {"available": true, "status": "404", "url": "'
        + SNAPSHOT.encode()
        + b'"}}}',
        b"[" * 100_000,
        b"\xff\xfe\x00garbage",
    ],
)
def test_parse_availability_rejects(body: bytes) -> None:
    assert parse_availability(body) is None


def test_parse_availability_accepts_missing_status() -> None:
    body = (
        b'{"archived_snapshots": {"closest": {"available": true, "url": "'
        + SNAPSHOT.encode()
        + b'"}}}'
    )
    assert parse_availability(body) == SNAPSHOT_HTTPS


# ---------------------------------------------------------------------------
# Asking the archive (pytest-httpx)
# ---------------------------------------------------------------------------


async def test_found(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), json=_answer())
    found = await _suggest(ArchiveQuery(DEAD, "20250314"))
    assert found == {(DEAD, "20250314"): SNAPSHOT_HTTPS}


async def test_without_timestamp_asks_for_the_latest(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(timestamp=None), json=_answer())
    found = await _suggest(ArchiveQuery(DEAD, None))
    assert found == {(DEAD, None): SNAPSHOT_HTTPS}


async def test_not_found(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), json={"url": DEAD, "archived_snapshots": {}})
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_malformed_json(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), content=b'{"archived_snapshots": {"closest": ')
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_error_status(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), status_code=503, json=_answer())
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_non_archive_url_rejected(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), json=_answer("https://evil.test/web/2025/x"))
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_huge_declared_body_capped(httpx_mock: HTTPXMock) -> None:
    padding = " " * (MAX_RESPONSE_BYTES + 1)
    httpx_mock.add_response(url=_api(), content=(str(_answer()) + padding).encode())
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_huge_streamed_body_stops_reading(httpx_mock: HTTPXMock) -> None:
    sent: list[int] = []
    chunk = b" " * 1024

    def chunks() -> Iterator[bytes]:
        for index in range(1024):  # 1 MiB at most
            sent.append(index)
            yield chunk

    httpx_mock.add_response(url=_api(), stream=IteratorStream(chunks()))
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}
    assert len(sent) <= MAX_RESPONSE_BYTES // len(chunk) + 1


async def test_compressed_body_refused(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(), headers={"Content-Encoding": "gzip"}, content=b"\x1f\x8b")
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_network_timeout(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=_api())
    assert await _suggest(ArchiveQuery(DEAD, "20250314")) == {}


async def test_connect_error_gives_fewer_suggestions(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=_api())
    httpx_mock.add_response(url=_api(OTHER_DEAD), json=_answer())
    found = await _suggest(ArchiveQuery(DEAD, "20250314"), ArchiveQuery(OTHER_DEAD, "20250314"))
    assert found == {(OTHER_DEAD, "20250314"): SNAPSHOT_HTTPS}


async def test_slow_answer_bounded_by_timeout(httpx_mock: HTTPXMock) -> None:
    async def stall(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200, json=_answer())

    httpx_mock.add_callback(stall, url=_api())
    started = time.monotonic()
    assert await _suggest(ArchiveQuery(DEAD, "20250314"), timeout=0.05) == {}
    assert time.monotonic() - started < 1


async def test_total_deadline_keeps_answers_so_far(httpx_mock: HTTPXMock) -> None:
    async def stall(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200, json=_answer())

    httpx_mock.add_response(url=_api(), json=_answer())
    httpx_mock.add_callback(stall, url=_api(OTHER_DEAD))
    started = time.monotonic()
    found = await _suggest(
        ArchiveQuery(DEAD, "20250314"),
        ArchiveQuery(OTHER_DEAD, "20250314"),
        deadline=0.1,
        concurrency=2,
    )
    assert found == {(DEAD, "20250314"): SNAPSHOT_HTTPS}
    assert time.monotonic() - started < 1


async def test_queries_deduplicated_and_limited(httpx_mock: HTTPXMock) -> None:
    in_flight = 0
    most = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json=_answer())

    httpx_mock.add_callback(answer, is_reusable=True)
    urls = [f"https://example.org/{n}" for n in range(6)]
    queries = [ArchiveQuery(url, "20250314") for url in urls * 2]
    queries.append(ArchiveQuery("mailto:someone@example.org", None))
    found = await _suggest(*queries, concurrency=2)
    assert set(found) == {(url, "20250314") for url in urls}
    assert len(httpx_mock.get_requests()) == len(urls)
    assert most <= 2


async def test_own_client_sends_user_agent(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=_api(api=AVAILABILITY_API), json=_answer())
    found = await suggest_archives([ArchiveQuery(DEAD, "20250314")])
    assert found == {(DEAD, "20250314"): SNAPSHOT_HTTPS}
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT


async def test_bad_api_url_gives_nothing() -> None:
    async with httpx.AsyncClient() as client:
        found = await suggest_archives([ArchiveQuery(DEAD, None)], client=client, api_url="notaurl")
    assert found == {}


async def test_nothing_to_ask_makes_no_request() -> None:
    assert await suggest_archives([]) == {}
    assert await suggest_archives([ArchiveQuery("/relative", None)]) == {}


# ---------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------


SOFT = "https://news.example.org/2024/story"


def _post(path: str, metadata: dict[str, Any]) -> Post:
    document = Document(Path(path), path, "", metadata, 0)
    return Post(document, (), frozenset(), True)


def _dead(url: str, path: str = POST_PATH, line: int = 3) -> Finding:
    return Finding("dead-link", Severity.ERROR, Location(path, line, 1), "404 Not Found", url=url)


def test_archive_queries_use_each_posts_date() -> None:
    posts = [
        _post(POST_PATH, {"publishDate": "14 Mar 2025"}),
        _post("content/blog/old.md", {"date": date(2020, 1, 2)}),
    ]
    findings = [
        _dead(DEAD),
        _dead(DEAD + "#section", line=9),
        _dead(DEAD, path="content/blog/old.md"),
        _dead(OTHER_DEAD, path="content/blog/unknown.md"),
        _dead("mailto:x@example.org"),
        Finding("moved-link", Severity.WARNING, Location(POST_PATH, 5, 1), "moved", url=DEAD),
        Finding("no-resources", Severity.WARNING, Location(POST_PATH, 1, 1), "none"),
    ]
    assert archive_queries(findings, posts) == [
        ArchiveQuery(DEAD, "20250314"),
        ArchiveQuery(DEAD, "20200102"),
        ArchiveQuery(OTHER_DEAD, None),
    ]
    soft = Finding("soft-404", Severity.ERROR, Location(POST_PATH, 2, 1), "soft 404", url=SOFT)
    assert archive_queries([soft], posts) == [ArchiveQuery(SOFT, "20250314")]


def test_with_archive_suggestions() -> None:
    posts = [_post(POST_PATH, {"publishDate": "14 Mar 2025"})]
    moved = Finding(
        "moved-link", Severity.WARNING, Location(POST_PATH, 5, 1), "moved", url=DEAD, suggestion="x"
    )
    findings = [_dead(DEAD), _dead(DEAD + "#part", line=7), _dead(OTHER_DEAD, line=8), moved]
    archives = {(DEAD, "20250314"): SNAPSHOT_HTTPS, (OTHER_DEAD, None): SNAPSHOT_HTTPS}
    updated = with_archive_suggestions(findings, posts, archives)
    assert updated[0].suggestion == SNAPSHOT_HTTPS
    assert updated[0].message == f"404 Not Found; archived copy: {SNAPSHOT_HTTPS}"
    assert updated[1].suggestion == SNAPSHOT_HTTPS + "#part"
    assert updated[1].message == f"404 Not Found; archived copy: {SNAPSHOT_HTTPS}#part"
    # the post has a date: the dateless answer does not apply, and no copy is said so
    assert updated[2] == replace(findings[2], suggestion=NOT_ARCHIVED)
    assert updated[3] is moved
    assert findings[0].suggestion is None  # the input is left alone


def test_a_failed_archive_query_is_stated() -> None:
    posts = [_post(POST_PATH, {})]
    failed = with_archive_suggestions([_dead(DEAD)], posts, {}, {(DEAD, None)})
    assert failed[0].suggestion == ARCHIVE_FAILED.format(url=DEAD)
    assert "could not be asked" in (failed[0].suggestion or "")


async def test_suggest_archives_names_the_queries_that_failed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=503)
    failed: set[tuple[str, str | None]] = set()
    async with httpx.AsyncClient() as client:
        found = await suggest_archives([ArchiveQuery(DEAD, None)], client=client, failed=failed)
    assert found == {}
    assert failed == {(DEAD, None)}
