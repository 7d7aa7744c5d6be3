"""Archived copies of dead links, from the Wayback Machine's availability API.

For each dead link, the snapshot closest to the post's publish date is what the author
most likely saw when citing it. The flow:

    archive_queries(findings, posts)      dead-link findings -> ArchiveQuery(url, YYYYMMDD)
    await suggest_archives(queries)       -> {(url, timestamp): archived https URL}
    with_archive_suggestions(findings, posts, archives)  -> findings carrying the suggestion

The archive is a convenience, never a reason to fail: every query is bounded in time (per
query and all together) and in bytes, any network or protocol failure simply yields no
suggestion, and the answer is untrusted (only an http(s) URL on ``web.archive.org`` is used,
and it is always given as https).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from linkcheck.check.transport import build_ssl_context
from linkcheck.config import DEFAULT_USER_AGENT
from linkcheck.http import read_capped
from linkcheck.models import ConfigError, Finding, LinkKind, Post, link_target
from linkcheck.rules import DEAD_LINK, SOFT_404
from linkcheck.sources import is_checkable, strip_fragment

AVAILABILITY_API = "https://archive.org/wayback/available"
ARCHIVE_HOST = "web.archive.org"
ARCHIVE_PATH_PREFIX = "/web/"
ARCHIVE_SCHEME = "https"
ARCHIVE_PORTS = frozenset({None, 80, 443})
DEFAULT_ARCHIVE_TIMEOUT = 10.0
"""Seconds one query may take."""
DEFAULT_ARCHIVE_DEADLINE = 30.0
"""Seconds all queries together may take; unanswered ones give no suggestion."""
DEFAULT_ARCHIVE_CONCURRENCY = 4
MAX_RESPONSE_BYTES = 64 * 1024
"""An availability answer is a few hundred bytes; anything above this is not one."""
MAX_ARCHIVED_URL_CHARS = 4096
MAX_REDIRECTS = 3
HTTP_OK = 200
IDENTITY = "identity"

PUBLISH_DATE_KEYS: tuple[str, ...] = ("publishDate", "date", "pubDate")
"""Frontmatter keys holding a post's publish date, first found and readable wins."""
MAX_DATE_CHARS = 100
MIN_YEAR = 1000
"""Years below this cannot be written as the four digits of a Wayback timestamp."""

ArchiveKey = tuple[str, str | None]
"""``(url without fragment, YYYYMMDD or None)``: how answers are looked up."""

_MONTHS: Mapping[str, int] = {
    **{
        name: number
        for number, name in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ),
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    },
    "sept": 9,
}
"""English month names and abbreviations (parsed here, independent of the locale)."""

_WEEKDAY = r"(?:[A-Za-z]+\.?,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T\s_].*$)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_MONTH_YEAR = re.compile(
    rf"{_WEEKDAY}(\d{{1,2}}){_ORDINAL}[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{{4}})(?:$|[\s,T].*$)"
)
_MONTH_DAY_YEAR = re.compile(
    rf"{_WEEKDAY}([A-Za-z]+)\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})(?:$|[\s,T].*$)"
)
_URL_FORBIDDEN = re.compile(
    r"[\s<>\"'`\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


@dataclass(frozen=True, slots=True)
class ArchiveQuery:
    """One question to the archive: a snapshot of ``url`` close to ``timestamp``."""

    url: str
    """The dead URL, without fragment."""
    timestamp: str | None = None
    """``YYYYMMDD`` (the post's publish date), or None for the most recent snapshot."""

    @property
    def key(self) -> ArchiveKey:
        return (self.url, self.timestamp)


# ---------------------------------------------------------------------------
# Publish dates
# ---------------------------------------------------------------------------


def _day(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if found.year >= MIN_YEAR else None


def _parse_date_text(text: str) -> date | None:
    text = text.strip()
    if not text or len(text) > MAX_DATE_CHARS:
        return None
    if match := _YMD.fullmatch(text):
        return _day(*match.groups())
    if match := _COMPACT.fullmatch(text):
        return _day(*match.groups())
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = match.groups()
        number = _MONTHS.get(month.lower())
        return _day(year, number, day) if number else None
    if match := _MONTH_DAY_YEAR.fullmatch(text):
        month, day, year = match.groups()
        number = _MONTHS.get(month.lower())
        return _day(year, number, day) if number else None
    return None


def publish_date(value: Any) -> date | None:
    """A frontmatter date value as a date, or None when it is not one.

    Accepts ``date`` and ``datetime`` objects (YAML turns ``2025-03-14`` into one), ISO
    forms (``2025-03-14``, ``2025-03-14T09:30:00Z``, ``2025/3/14``, ``20250314``) and English
    month names (``14 Mar 2025``, ``14th March 2025``, ``March 14, 2025``, RFC 2822's
    ``Fri, 14 Mar 2025 09:30:00 +0000``). A datetime keeps the calendar day as written.
    Ambiguous numeric forms (``03/04/2025``) are not guessed at.
    """
    if isinstance(value, datetime):
        return value.date() if value.year >= MIN_YEAR else None
    if isinstance(value, date):
        return value if value.year >= MIN_YEAR else None
    if isinstance(value, str):
        return _parse_date_text(value)
    return None


def publish_timestamp(metadata: Mapping[str, Any]) -> str | None:
    """The post's publish date as a Wayback ``YYYYMMDD`` timestamp, or None.

    Reads ``publishDate``, then ``date``, then ``pubDate``; a value that is not a readable
    date is passed over for the next key.
    """
    for key in PUBLISH_DATE_KEYS:
        found = publish_date(metadata.get(key))
        if found is not None:
            return f"{found.year:04d}{found.month:02d}{found.day:02d}"
    return None


# ---------------------------------------------------------------------------
# Reading the archive's answer (untrusted)
# ---------------------------------------------------------------------------


def safe_archive_url(url: str) -> str | None:
    """``url`` as an https URL when it is a Wayback snapshot on ``web.archive.org``, else None."""
    if len(url) > MAX_ARCHIVED_URL_CHARS or _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    if (parts.hostname or "").lower() != ARCHIVE_HOST or port not in ARCHIVE_PORTS:
        return None
    if not parts.path.startswith(ARCHIVE_PATH_PREFIX):
        return None
    return urlunsplit((ARCHIVE_SCHEME, ARCHIVE_HOST, parts.path, parts.query, ""))


def parse_availability(body: bytes) -> str | None:
    """The closest available snapshot's URL from an availability answer, or None.

    None for anything but a JSON object with ``archived_snapshots.closest`` marked
    available, with a 2xx status (when given) and a URL that ``safe_archive_url`` accepts.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    status = closest.get("status")
    if status is not None and not (isinstance(status, str) and status.startswith("2")):
        return None
    url = closest.get("url")
    return safe_archive_url(url) if isinstance(url, str) else None


# ---------------------------------------------------------------------------
# Asking the archive
# ---------------------------------------------------------------------------


class _Failed:
    """The archive could not be asked (network, timeout, an unexpected answer)."""


FAILED = _Failed()


async def _ask(
    client: httpx.AsyncClient, key: ArchiveKey, api_url: str, timeout: float, max_bytes: int
) -> str | _Failed | None:
    """One availability query: the snapshot URL, None when the archive has none, or
    ``FAILED`` when the archive could not be asked."""
    url, timestamp = key
    params = {"url": url} if timestamp is None else {"url": url, "timestamp": timestamp}
    headers = {"Accept": "application/json", "Accept-Encoding": IDENTITY}
    try:
        async with asyncio.timeout(timeout):
            async with client.stream(
                "GET",
                api_url,
                params=params,
                headers=headers,
                timeout=httpx.Timeout(timeout),
                follow_redirects=True,
            ) as response:
                if response.status_code != HTTP_OK:
                    return FAILED
                body = await read_capped(response, max_bytes)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError):
        return FAILED
    return parse_availability(body) if body is not None else FAILED


async def _ask_all(
    client: httpx.AsyncClient,
    keys: Sequence[ArchiveKey],
    *,
    api_url: str,
    timeout: float,
    deadline: float,
    concurrency: int,
    max_bytes: int,
    failed: set[ArchiveKey] | None,
) -> dict[ArchiveKey, str]:
    found: dict[ArchiveKey, str] = {}
    gate = asyncio.Semaphore(max(1, concurrency))
    answered: set[ArchiveKey] = set()

    async def one(key: ArchiveKey) -> None:
        async with gate:
            archived = await _ask(client, key, api_url, timeout, max_bytes)
        if isinstance(archived, str):
            found[key] = archived
        if archived is not FAILED:
            answered.add(key)

    tasks = [asyncio.create_task(one(key)) for key in keys]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # failures are handled in _ask; anything else is a bug worth seeing
    if failed is not None:
        failed.update(key for key in keys if key not in answered)
    return found


def _own_client(timeout: float, user_agent: str) -> httpx.AsyncClient:
    """A client like the checker's: curl's proxy and CA variables, no cookies kept."""
    return httpx.AsyncClient(
        verify=build_ssl_context(insecure=False, environ=os.environ),
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout),
        max_redirects=MAX_REDIRECTS,
        trust_env=True,
    )


async def suggest_archives(
    requests: Sequence[ArchiveQuery],
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_ARCHIVE_TIMEOUT,
    concurrency: int = DEFAULT_ARCHIVE_CONCURRENCY,
    api_url: str = AVAILABILITY_API,
    deadline: float = DEFAULT_ARCHIVE_DEADLINE,
    max_bytes: int = MAX_RESPONSE_BYTES,
    user_agent: str = DEFAULT_USER_AGENT,
    failed: set[ArchiveKey] | None = None,
) -> dict[ArchiveKey, str]:
    """The closest archived snapshot of each queried URL, by ``(url, timestamp)``.

    Queries are deduplicated; only well-formed http(s) URLs are asked about. Each query may
    take ``timeout`` seconds and all of them ``deadline`` seconds; answers over ``max_bytes``
    are dropped. A URL without a usable snapshot, or whose query failed, is simply absent:
    this function does not raise for network or archive failures; the keys whose query
    failed (or was cut by the deadline) are added to ``failed`` when it is given.

    ``client`` is used as given (its headers, proxies and limits); without one, a client is
    opened for the call with ``user_agent`` and closed after it.
    """
    keys = list(dict.fromkeys(query.key for query in requests if is_checkable(query.url)))
    if not keys:
        return {}
    options: dict[str, Any] = {
        "api_url": api_url,
        "timeout": timeout,
        "deadline": deadline,
        "concurrency": concurrency,
        "max_bytes": max_bytes,
        "failed": failed,
    }
    if client is not None:
        return await _ask_all(client, keys, **options)
    try:
        own = _own_client(timeout, user_agent)
    except ConfigError:
        if failed is not None:
            failed.update(keys)
        return {}
    async with own:
        return await _ask_all(own, keys, **options)


# ---------------------------------------------------------------------------
# From findings to queries and back
# ---------------------------------------------------------------------------


ARCHIVED_RULES = frozenset({DEAD_LINK, SOFT_404})
"""Findings that get an archived copy suggested: the page is gone, soft 404s included."""


def _timestamps(posts: Sequence[Post]) -> dict[str, str | None]:
    return {post.path: publish_timestamp(post.document.metadata) for post in posts}


def _dead_key(finding: Finding, timestamps: Mapping[str, str | None]) -> ArchiveKey | None:
    if finding.rule not in ARCHIVED_RULES or finding.url is None:
        return None
    url = strip_fragment(finding.url.strip())
    url = link_target(url, LinkKind.BARE)  # a dead ``www.`` link can only be a bare one
    if not is_checkable(url):
        return None
    return (url, timestamps.get(finding.location.path))


def archive_queries(findings: Sequence[Finding], posts: Sequence[Post]) -> list[ArchiveQuery]:
    """One query per dead URL and publish date of the citing post (duplicates removed)."""
    timestamps = _timestamps(posts)
    keys = (_dead_key(finding, timestamps) for finding in findings)
    unique = dict.fromkeys(key for key in keys if key is not None)
    return [ArchiveQuery(url, timestamp) for url, timestamp in unique]


NOT_ARCHIVED = "the Web Archive has no copy: find the page's new address, or remove the link"
ARCHIVE_FAILED = (
    "the Web Archive could not be asked: look for a copy at https://web.archive.org/web/*/{url}"
    ", find the page's new address, or remove the link"
)


def with_archive_suggestions(
    findings: Sequence[Finding],
    posts: Sequence[Post],
    archives: Mapping[ArchiveKey, str],
    failed: Set[ArchiveKey] = frozenset(),
) -> list[Finding]:
    """``findings`` with each dead link's archived copy as its suggestion, in the same order.

    The link's ``#fragment`` is carried over to the archived URL; the message names the copy.
    A dead link without a copy says so in its suggestion, and one whose query ``failed``
    says that the archive could not be asked. All other findings are returned unchanged.
    """
    timestamps = _timestamps(posts)
    updated: list[Finding] = []
    for finding in findings:
        key = _dead_key(finding, timestamps)
        if key is None or finding.url is None:
            updated.append(finding)
            continue
        archived = archives.get(key)
        if archived is None:
            hint = ARCHIVE_FAILED.format(url=key[0]) if key in failed else NOT_ARCHIVED
            updated.append(replace(finding, suggestion=hint))
            continue
        _, hash_sign, fragment = finding.url.partition("#")
        suggestion = f"{archived}#{fragment}" if hash_sign and fragment else archived
        message = f"{finding.message}; archived copy: {suggestion}"
        updated.append(replace(finding, suggestion=suggestion, message=message))
    return updated
