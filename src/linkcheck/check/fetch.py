"""Check one URL: choose the method, follow redirects by hand, retry, read a capped body.

How one URL is checked
----------------------
* **Method.** GET, streamed, for everything whose body may be wanted: HTML pages (title,
  fragments) and PDFs (title) are only known by their Content-Type, and a healthy source's
  title is always wanted. HEAD is sent only when the URL's path names a file type whose body is
  never read (images, archives, media...) and no fragment is cited; when HEAD is answered with
  any 4xx/5xx status the same URL is asked again with GET (HEAD is often refused or broken).
* **Redirects** are followed by hand, at most ``max_redirects``; each 3xx response is recorded
  as a ``Hop``, relative ``Location`` values are resolved, and a URL seen twice is a
  "redirect loop". Headers are chosen per hop, so configured headers go only to the exact
  scheme, host and port they were given for (never across an https→http redirect).
* **Moved or redirected.** When the chain ends in success, the verdict is ``moved`` if the
  FIRST hop is permanent (301, 308: the cited URL itself has moved) and ``redirected``
  otherwise; ``final_url`` is where the chain ended.
* **Retries.** 429, 502, 503, 504, timeouts and resets are retried at most ``retries`` times
  per hop, after ``Retry-After`` (seconds or HTTP date) or an exponential backoff with jitter.
  A 429 or 503, or any Retry-After, delays that URL's next attempt; when a host answers so
  ``HOST_PAUSE_STREAK`` times in a row (no other answer between), which is what a host that
  rate-limits the client does, the host's other requests are held back for that long too.
  A Retry-After above ``retry_after_max`` (or beyond the URL's deadline) ends the retries at
  once, and the reason says why. A 403 or 429 is tried once more with a browser's headers.
  A bot challenge page is ``blocked``, never ``dead``.
* **Bounds.** Every request has connect/read timeouts; the whole URL (retries, waits and
  redirects included, queueing for a slot excluded) has ``deadline`` seconds. Bodies are
  decoded here with a bounded output size (gzip/deflate), so decoded bytes count toward the
  cap and a compression bomb stops at the cap: HTML up to ``max_html_bytes``, PDFs up to
  ``max_pdf_bytes``, other types not at all, error pages a few KiB (for challenge detection).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Protocol, TypeVar
from urllib.parse import urlsplit
from urllib.request import proxy_bypass

import httpx

from linkcheck.check.classify import (
    ErrorInfo,
    classify_exception,
    describe_status,
    proxy_reports_unknown_host,
    verdict_for_status,
)
from linkcheck.check.netpolicy import private_url
from linkcheck.check.options import CheckOptions
from linkcheck.check.page import (
    DEFAULT_PARSE_BUDGET,
    decode_body,
    fragment_present,
    is_html,
    is_pdf,
    looks_like_challenge,
    parse_html,
    pdf_title,
)
from linkcheck.check.quirks import BROWSER_HEADERS
from linkcheck.check.soft404 import WINDOW_CHARS as SOFT_404_WINDOW
from linkcheck.check.soft404 import Page as SoftPage
from linkcheck.check.soft404 import Soft404
from linkcheck.check.soft404 import detect as detect_soft_404
from linkcheck.check.transport import Clients, proxy_configured
from linkcheck.http import (
    HEAD_TIMEOUTS,
    RETRY_STATUSES,
    Body,
    BodyReader,
    ResponseHeadTimeout,
    RetryPolicy,
    media_type,
    parse_retry_after,
)
from linkcheck.models import CheckRequest, CheckResult, Hop, Verdict
from linkcheck.sources import malformed_reason

REDIRECT_STATUSES: frozenset[int] = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS: frozenset[int] = frozenset({301, 308})
BROWSER_RETRY_STATUSES: frozenset[int] = frozenset({403, 429})
"""Statuses after which one more attempt is made with a browser's headers."""
HOST_BACKOFF_STATUSES: frozenset[int] = frozenset({429, 503})
"""Statuses that count as rate limiting (with or without Retry-After)."""
PROXY_UNKNOWN_HOST_REASON = "host name not found (reported by the proxy)"
HEAD_FALLBACK_MIN_STATUS = 400
"""A HEAD answered with this status or above is asked again with GET."""
SUCCESS_VERDICTS: frozenset[Verdict] = frozenset({Verdict.OK, Verdict.MOVED, Verdict.REDIRECTED})

ERROR_BODY_BYTES = 16 * 1024
"""Bytes of an error page read to recognise a bot challenge."""
SNIFF_BYTES = 1024
"""Bytes looked at to recognise a PDF or HTML body sent without a telling Content-Type."""

AMBIGUOUS_TYPES: frozenset[str] = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-download"}
)
"""Content types that say nothing: the first bytes decide."""

HTML_MAGIC: tuple[bytes, ...] = (b"<!doctype html", b"<html", b"<head", b"<title")

BODYLESS_EXTENSIONS: frozenset[str] = frozenset(
    {
        "7z", "apk", "avi", "bin", "bmp", "bz2", "csv", "deb", "dmg", "exe", "flac", "gif",
        "gz", "ico", "iso", "jar", "jpeg", "jpg", "m4a", "mkv", "mov", "mp3", "mp4", "msi",
        "ogg", "parquet", "png", "rar", "rpm", "svg", "tar", "tgz", "tif", "tiff", "wav",
        "webm", "webp", "whl", "xz", "zip",
    }
)  # fmt: skip
"""File types whose body is never read: HEAD is enough for them."""

HEAD_WINDOW_BYTES = 64 * 1024
"""For a title alone, an HTML page is read at least this far, then up to the end of its head."""
HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.IGNORECASE)

NO_BODY = Body()
"""A body that was not read."""
NO_FRAGMENTS: frozenset[str] = frozenset()
"""No missing fragment: one object shared by every result (most have none)."""
SHARED_TEXT_MAX_CHARS = 100
"""Reasons and content types up to this long are kept once per run, however many results
carry them ("200 OK", "text/html")."""

LONGEST_SHOWN_WAIT = 1e9
"""A longer ``Retry-After`` (a hostile ``1e26``) is shown in scientific notation, not as a
float's 27 digits."""
DEADLINE_REASON = "deadline exceeded"
DEADLINE_BEFORE_RETRY = "the deadline came before a retry"
"""Added to the reason of a failure whose retry was still waiting at the deadline."""

OFF_LOOP_BYTES = 64 * 1024
"""Bodies at least this large are parsed on a worker thread, off the event loop."""
MIN_PARSE_BUDGET = 0.05
"""CPU seconds a parse gets even when the URL's deadline is (nearly) spent."""

T = TypeVar("T")
LOOP_REASON = "redirect loop"

GET = "GET"
HEAD = "HEAD"


# ---------------------------------------------------------------------------
# Seams: time, and the scheduler's gate
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Clocks, sleeping and randomness, replaceable in tests."""

    clock: Callable[[], float] = time.monotonic
    """Monotonic seconds: waits and elapsed times."""
    wall: Callable[[], float] = time.time
    """Unix time: HTTP dates in Retry-After, ``checked_at``."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)


class Gate(Protocol):
    """The scheduler's side of a request: slots per host and global, host backoff."""

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Hold one request slot for ``host`` (waits for limits, interval and backoff)."""
        ...

    def rate_limited(self, host: str, seconds: float) -> None:
        """``host`` answered 429/503 or sent Retry-After (``seconds`` to wait)."""
        ...

    def answered(self, host: str) -> None:
        """``host`` answered with anything else."""
        ...


# ---------------------------------------------------------------------------
# One response, reduced to what the verdict needs
# ---------------------------------------------------------------------------


class Kind(StrEnum):
    """What was made of a response body."""

    NONE = "none"
    """Not read (HEAD, redirect, a type without a title)."""
    HTML = "html"
    PDF = "pdf"
    ERROR_PAGE = "error-page"
    """The start of an error page, read to recognise a bot challenge."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP response, with the part of its body that was read."""

    url: str
    status: int
    headers: httpx.Headers
    content_type: str | None
    body: Body = NO_BODY
    kind: Kind = Kind.NONE

    @property
    def location(self) -> str | None:
        value: str | None = self.headers.get("location")
        return value

    @property
    def challenge(self) -> bool:
        """Whether this error response is a bot wall."""
        if self.kind is not Kind.ERROR_PAGE:
            return False
        return looks_like_challenge(self.status, self.headers, self.body.data)


def looks_like_html(head: bytes) -> bool:
    """Whether a body without a telling Content-Type starts like an HTML document."""
    return head.lstrip()[:SNIFF_BYTES].lower().startswith(HTML_MAGIC)


def choose_method(url: str, fragments: frozenset[str]) -> str:
    """HEAD for file types whose body is never read (and no cited fragment), else GET."""
    if fragments:
        return GET
    path = url.split("#", 1)[0].split("?", 1)[0]
    name = path.rsplit("/", 1)[-1] if path.count("/") > 2 else ""
    _, dot, extension = name.rpartition(".")
    return HEAD if dot and extension.lower() in BODYLESS_EXTENSIONS else GET


def strip_userinfo(url: httpx.URL) -> httpx.URL:
    """The URL without ``user:password@`` (credentials in a cited URL are never sent)."""
    if url.userinfo:
        return url.copy_with(username=None, password=None)
    return url


# ---------------------------------------------------------------------------
# The fetcher
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Progress:
    """What one URL's check has gathered so far (private to one check)."""

    url: str
    current: str
    host: str = ""
    """The lower-case host of the current hop."""
    scope: asyncio.Timeout | None = None
    started: float | None = None
    deadline_at: float = 0.0
    attempts: int = 0
    reached: bool = False
    browser: bool = False
    hops: list[Hop] = field(default_factory=list)
    last_status: int | None = None
    bytes_read: int = 0
    failure: ErrorInfo | Answer | None = None
    """What the last attempt found (an error, or a status to retry) while the next one waits
    for its delay or for a slot of a held-back host: what the URL is reported as if the
    deadline comes first."""


class Fetcher:
    """Checks single URLs through the run's clients and the scheduler's gate."""

    def __init__(
        self, clients: Clients, gate: Gate, options: CheckOptions, timing: Timing | None = None
    ) -> None:
        self.clients = clients
        self.gate = gate
        self.options = options
        self.timing = timing or Timing()
        self._accepts: dict[str, frozenset[int]] = {}
        self._proxied = proxy_configured(os.environ)
        self._host_headers: dict[tuple[str, str, int | None, bool], httpx.Headers] = {}
        self._timeouts: dict[int, dict[str, float | None]] = {}
        """Each client's timeouts as request extensions (clients live as long as the run)."""
        self._texts: dict[str, str] = {}
        self._policy = RetryPolicy(options.retries, options.backoff_base, options.retry_after_max)
        """Short strings that many results repeat, one object each (see ``_shared``)."""

    def _shared(self, value: str) -> str:
        """``value``, as the one object already held for an equal short string."""
        if len(value) > SHARED_TEXT_MAX_CHARS:
            return value
        return self._texts.setdefault(value, value)

    async def check(self, request: CheckRequest) -> CheckResult:
        """Check one URL; every failure is a result, never an exception."""
        progress = _Progress(url=request.url, current=request.url)
        scope = asyncio.timeout(None)
        progress.scope = scope
        try:
            async with scope:
                return await self._follow(request, progress)
        except TimeoutError:
            if not scope.expired():
                raise
            failure = progress.failure  # the URL's own failure, not the wait for its retry
            if isinstance(failure, ErrorInfo):
                reason = f"{failure.reason} ({DEADLINE_BEFORE_RETRY})"
                return self._result(progress, failure.verdict, reason)
            if failure is not None:
                return await self._final(request, progress, failure, DEADLINE_BEFORE_RETRY)
            return self._result(progress, Verdict.TIMEOUT, DEADLINE_REASON)

    # -- redirects --------------------------------------------------------

    async def _follow(self, request: CheckRequest, progress: _Progress) -> CheckResult:
        private = None if self.options.allow_private else private_url(request.url)
        if private is not None:
            return self._result(progress, Verdict.SKIPPED, private)
        method = choose_method(request.url, request.fragments)
        seen = {request.url}
        current = request.url
        while True:
            progress.current = current
            outcome = await self._hop(current, method, request.fragments, progress)
            if isinstance(outcome, ErrorInfo):
                progress.reached = progress.reached or outcome.reached
                return self._result(progress, outcome.verdict, outcome.reason)
            reply, note = outcome
            location = reply.location if reply.status in REDIRECT_STATUSES else None
            if location is None:
                return await self._final(request, progress, reply, note)
            progress.hops.append(Hop(current, reply.status))
            target = resolve_location(current, location)
            if target is None:
                reason = f"{describe_status(reply.status)}: redirect to an unsupported URL"
                return self._result(progress, Verdict.ERROR, reason)
            malformed = malformed_reason(target)
            if malformed is not None:  # ``http://host:99999/``: no request can be made
                status = describe_status(reply.status)
                reason = f"{status}: redirect to a malformed URL ({malformed})"
                return self._result(progress, Verdict.ERROR, reason)
            progress.current = target
            private = None if self.options.allow_private else private_url(target)
            if private is not None:
                return self._result(progress, Verdict.SKIPPED, f"redirect to a {private}")
            if target in seen:
                return self._result(progress, Verdict.ERROR, LOOP_REASON)
            if len(progress.hops) > self.options.max_redirects:
                reason = f"too many redirects (more than {self.options.max_redirects})"
                return self._result(progress, Verdict.ERROR, reason)
            seen.add(target)
            current = target

    # -- retries ----------------------------------------------------------

    async def _hop(
        self, url: str, method: str, fragments: frozenset[str], progress: _Progress
    ) -> tuple[Answer, str] | ErrorInfo:
        """One URL of a chain, retried as needed: the last reply and why retries ended."""
        try:
            target = strip_userinfo(httpx.URL(url))
        except Exception as exc:
            return classify_exception(exc)
        host = target.host.lower()
        progress.host = host
        retries_left = self.options.retries
        retry = 0
        while True:
            try:
                reply = await self._attempt(url, target, host, method, fragments, progress)
            except Exception as exc:
                if method == HEAD and isinstance(exc, httpx.RemoteProtocolError):
                    # A body sent after the head of a HEAD response garbles what follows
                    # (aiohttp refuses the response): ask again with GET.
                    method = GET
                    continue
                info = classify_exception(exc)
                if not info.retryable or retries_left <= 0:
                    return info
                retry += 1
                delay = self._backoff(retry)
                if not self._fits(delay, progress):
                    return info
                retries_left -= 1
                progress.failure = info
                await self.timing.sleep(delay)
                continue
            status = reply.status
            limited = status in HOST_BACKOFF_STATUSES or (
                status in RETRY_STATUSES and reply.headers.get("retry-after") is not None
            )
            if not limited:
                self.gate.answered(host)
            if method == HEAD and status >= HEAD_FALLBACK_MIN_STATUS:
                method = GET  # HEAD refused or unreliable: ask again with GET
                continue
            if status in BROWSER_RETRY_STATUSES and status not in RETRY_STATUSES:
                if not progress.browser:
                    progress.browser = True  # one more try, dressed as a browser
                    continue
                return reply, ""
            if status not in RETRY_STATUSES or reply.challenge or self._unknown_host(reply):
                return reply, ""
            retry += 1
            wait, note = self._retry_wait(reply, retry)
            if limited:
                self.gate.rate_limited(host, min(wait, self.options.retry_after_max))
            if note or retries_left <= 0:
                return reply, note
            if not self._fits(wait, progress):
                return reply, f"a retry in {wait:.0f} s would pass the deadline"
            retries_left -= 1
            if status in BROWSER_RETRY_STATUSES:
                progress.browser = True
            progress.failure = reply
            await self.timing.sleep(wait)

    def _retry_wait(self, reply: Answer, retry: int) -> tuple[float, str]:
        """Seconds before the next attempt, and a note when Retry-After is too long."""
        asked = parse_retry_after(reply.headers.get("retry-after"), self.timing.wall())
        if asked is None:
            return self._backoff(retry), ""
        limit = self.options.retry_after_max
        if asked > limit:
            shown = f"{asked:.0f}" if asked < LONGEST_SHOWN_WAIT else f"{asked:.1e}"
            return asked, f"Retry-After {shown} s exceeds the {limit:.0f} s limit"
        return asked, ""

    def _backoff(self, retry: int) -> float:
        return self._policy.backoff(retry, self.timing.rng)

    def _fits(self, wait: float, progress: _Progress) -> bool:
        """Whether a wait ends before the URL's deadline."""
        if progress.started is None:
            return True
        return self.timing.clock() + wait < progress.deadline_at

    # -- one request --------------------------------------------------------

    def _request_for(
        self, client: httpx.AsyncClient, method: str, target: httpx.URL, host: str, browser: bool
    ) -> httpx.Request:
        """The request for one attempt: the client's headers, then the browser's, then the
        host's own (merged once per host, not per request)."""
        key = (target.scheme, host, target.port, browser)
        headers = self._host_headers.get(key)
        if headers is None:
            headers = httpx.Headers(client.headers)
            if browser:
                headers.update(BROWSER_HEADERS)
            headers.update(self.options.headers_for(host, target.scheme, target.port))
            self._host_headers[key] = headers
        timeouts = self._timeouts.get(id(client))
        if timeouts is None:
            timeouts = self._timeouts[id(client)] = client.timeout.as_dict()
        return httpx.Request(method, target, headers=headers, extensions={"timeout": timeouts})

    async def _send(self, host: str, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and wait for its response's head, at most ``HEAD_TIMEOUTS``
        timeouts: a server that keeps sending bytes (informational responses without end,
        headers a byte at a time) never lets a read time out."""
        limit = HEAD_TIMEOUTS * self.options.timeout
        scope = asyncio.timeout(limit)
        try:
            async with scope:
                return await self.clients.send(host, request)
        except TimeoutError:
            if not scope.expired():
                raise
            reason = f"no complete response head within {limit:g} s"
            raise ResponseHeadTimeout(reason, request=request) from None

    def _start_clock(self, progress: _Progress) -> None:
        """The deadline runs from the first moment a request of this URL holds a slot."""
        progress.started = self.timing.clock()
        progress.deadline_at = progress.started + self.options.deadline
        if progress.scope is not None:
            loop = asyncio.get_running_loop()
            progress.scope.reschedule(loop.time() + self.options.deadline)

    async def _attempt(
        self,
        url: str,
        target: httpx.URL,
        host: str,
        method: str,
        fragments: frozenset[str],
        progress: _Progress,
    ) -> Answer:
        async with self.gate.slot(host):
            progress.attempts += 1  # a request is made now (not while the host is held back)
            progress.failure = None  # asking again: a deadline now is this attempt's
            if progress.started is None:
                self._start_clock(progress)
            client = self.clients.client_for(host)
            request = self._request_for(client, method, target, host, progress.browser)
            response = await self._send(host, request)
            try:
                progress.reached = True
                progress.last_status = response.status_code
                return await self._read(url, method, fragments, response, progress)
            finally:
                await response.aclose()

    async def _read(
        self,
        url: str,
        method: str,
        fragments: frozenset[str],
        response: httpx.Response,
        progress: _Progress,
    ) -> Answer:
        status = response.status_code
        headers = response.headers
        raw_type = headers.get("content-type")
        reply = Answer(url, status, headers, media_type(raw_type))
        if method == HEAD or status in REDIRECT_STATUSES:
            return reply
        reader = BodyReader(response)
        try:
            if status >= HEAD_FALLBACK_MIN_STATUS:
                await reader.read_until(ERROR_BODY_BYTES)
                body = reader.body(ERROR_BODY_BYTES)
                return Answer(url, status, headers, reply.content_type, body, Kind.ERROR_PAGE)
            kind = Kind.NONE
            if is_html(raw_type):
                kind = Kind.HTML
            elif is_pdf(raw_type, url):
                kind = Kind.PDF
            elif (reply.content_type or "") in AMBIGUOUS_TYPES:
                await reader.read_until(SNIFF_BYTES)
                head = reader.data[:SNIFF_BYTES]
                if is_pdf(raw_type, url, head):
                    kind = Kind.PDF
                elif looks_like_html(head):
                    kind = Kind.HTML
            if kind is Kind.NONE:
                return reply
            cap = self.options.max_pdf_bytes
            if kind is Kind.HTML:
                cap = self.options.max_html_bytes
                if not fragments:
                    # For a title alone, the head is enough: stop there on long pages.
                    await reader.read_until(min(cap, HEAD_WINDOW_BYTES))
                    if not reader.ended and HEAD_END.search(reader.data):
                        return Answer(
                            url, status, headers, reply.content_type, reader.body(cap), kind
                        )
            await reader.read_until(cap)
            return Answer(url, status, headers, reply.content_type, reader.body(cap), kind)
        finally:
            progress.bytes_read += reader.raw_bytes
            await reader.aclose()

    # -- verdicts -----------------------------------------------------------

    def _accept_for(self, host: str) -> frozenset[int]:
        """Statuses counted as ok for ``host`` (global plus per-host ``accept``)."""
        accept = self._accepts.get(host)
        if accept is None:
            accept = self._accepts[host] = self.options.accept_for(host)
        return accept

    def _unknown_host(self, reply: Answer) -> bool:
        """A proxy's gateway error saying the host name does not exist."""
        if not self._proxied:
            return False
        host = urlsplit(reply.url).hostname or ""
        if proxy_bypass(host):
            return False
        return proxy_reports_unknown_host(reply.status, reply.headers, reply.body.data)

    def _parse_budget(self, progress: _Progress) -> float:
        """CPU seconds a page's parse may take: the parse budget, within the URL's deadline."""
        left = progress.deadline_at - self.timing.clock() if progress.started is not None else 0
        return max(MIN_PARSE_BUDGET, min(DEFAULT_PARSE_BUDGET, left))

    async def _final(
        self, request: CheckRequest, progress: _Progress, reply: Answer, note: str
    ) -> CheckResult:
        status = reply.status
        if self._unknown_host(reply):
            progress.reached = False  # as with a direct lookup: no origin answered
            return self._result(progress, Verdict.DEAD, PROXY_UNKNOWN_HOST_REASON)
        verdict = verdict_for_status(status, self._accept_for(progress.host))
        reason = describe_status(status)
        if verdict is not Verdict.OK and reply.challenge:
            verdict = Verdict.BLOCKED
            reason = f"bot challenge ({reason})"
        title: str | None = None
        missing = NO_FRAGMENTS
        if verdict is Verdict.OK and reply.kind is Kind.HTML:
            page = await off_loop(
                len(reply.body.data),
                partial(
                    parse_html,
                    reply.body.data,
                    content_type=reply.content_type,
                    want_anchors=bool(request.fragments),
                    budget=self._parse_budget(progress),
                ),
            )
            if page.challenge:
                verdict = Verdict.BLOCKED
                reason = f"bot challenge ({reason})"
            else:
                title = page.title
                if page.complete:
                    missing = missing_fragments(request.fragments, page.anchors, reply.body)
                soft = self._soft_404(request, progress, reply, title)
                if soft is not None:
                    verdict, reason = Verdict.DEAD, soft.reason
        elif verdict is Verdict.OK and reply.kind is Kind.PDF:
            title = await off_loop(len(reply.body.data), partial(pdf_title, reply.body.data))
        if verdict is Verdict.OK and progress.hops:
            first = progress.hops[0].status
            verdict = Verdict.MOVED if first in PERMANENT_REDIRECTS else Verdict.REDIRECTED
        if note:
            reason = f"{reason} ({note})"
        return self._result(
            progress,
            verdict,
            reason,
            title=title,
            missing=missing,
            content_type=reply.content_type,
        )

    def _soft_404(
        self, request: CheckRequest, progress: _Progress, reply: Answer, title: str | None
    ) -> Soft404 | None:
        """The soft 404 a success page is (see :mod:`linkcheck.check.soft404`), if any."""
        if not self.options.soft_404:
            return None
        text = decode_body(reply.body.data[:SOFT_404_WINDOW], reply.content_type)
        page = SoftPage(
            url=request.url,
            final_url=progress.current,
            title=title,
            text=text,
            previous_title=request.previous_title,
            cited_as_missing=request.cited_as_missing,
        )
        return detect_soft_404(page)

    def _result(
        self,
        progress: _Progress,
        verdict: Verdict,
        reason: str,
        *,
        title: str | None = None,
        missing: frozenset[str] = NO_FRAGMENTS,
        content_type: str | None = None,
    ) -> CheckResult:
        started = progress.started
        elapsed = self.timing.clock() - started if started is not None else 0.0
        return CheckResult(
            url=progress.url,
            verdict=verdict,
            status=progress.last_status,
            final_url=progress.current if progress.hops else None,
            redirects=tuple(progress.hops),
            title=title,
            reason=self._shared(reason),
            attempts=progress.attempts,
            elapsed=max(0.0, elapsed),
            missing_fragments=missing,
            content_type=None if content_type is None else self._shared(content_type),
            reached=progress.reached,
            checked_at=self.timing.wall(),
            bytes_read=progress.bytes_read,
        )


async def off_loop(size: int, work: Callable[[], T]) -> T:
    """``work()`` on a worker thread when its input is large (``OFF_LOOP_BYTES``), so that
    parsing one big page never holds up the event loop; small inputs are read in place.
    An expired deadline cancels the wait (the parse's own budget ends the thread soon after)."""
    if size < OFF_LOOP_BYTES:
        return work()
    return await asyncio.to_thread(work)


def resolve_location(current: str, location: str) -> str | None:
    """The absolute http(s) URL a Location header points to (fragment dropped), or None."""
    try:
        target = httpx.URL(current).join(location.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    if target.scheme not in ("http", "https") or not target.host:
        return None
    return str(target.copy_with(fragment=None))


def missing_fragments(
    fragments: frozenset[str], anchors: frozenset[str], body: Body
) -> frozenset[str]:
    """Cited fragments the page does not define (not judged when the page was cut short)."""
    if not fragments or not body.complete:
        return NO_FRAGMENTS
    missing = frozenset(f for f in fragments if not fragment_present(f, anchors))
    return missing or NO_FRAGMENTS
