"""Keep one tracking issue in sync with a report, through the GitHub REST API.

The work is split in two:

- pure decisions: which findings fail, the fingerprint of a report, the issue title and body,
  and what to do with the open tracking issue (``decide``);
- a small synchronous REST client (``GitHubApi``) with timeouts, a response size cap, bounded
  retries with backoff (5xx, rate limits with ``Retry-After`` / ``x-ratelimit-reset`` honoured
  up to a cap) and the token sent only to the configured API host.

``sync_issue`` ties them together. The tracking issue is the open issue carrying the label
(``linkcheck`` by default) whose body holds the hidden marker. Its first line records a
fingerprint of the failing set::

    <!-- linkcheck-report fingerprint=<sha256> -->

The failing set is the set of (URL, rule) pairs of the findings at the failing severity, and
the posts that could not be read: nothing that varies from run to run (no counters, dates,
lines, columns or messages). The issue is edited only when that set changes; a body that
would differ only in "failing since ... (N runs)" is not written. Operations are ordered
so that a failure leaves nothing half-written: the label is made before the issue, the
issue is edited in one request, and the "healthy" comment is posted before the issue is
closed (a failed close is reported as such).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx

from linkcheck import __version__
from linkcheck.check.netpolicy import is_loopback_host
from linkcheck.http import RetryPolicy, parse_retry_after, read_capped_sync
from linkcheck.models import Finding, LinkcheckError, Report, Severity, UsageError
from linkcheck.report import markdown
from linkcheck.report.escape import shorten, terminal_safe
from linkcheck.report.summary import plural

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_LABEL = "linkcheck"
API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
USER_AGENT = f"linkcheck/{__version__} (tracking issue sync)"

LABEL_COLOR = "b60205"
LABEL_DESCRIPTION = "Failing links found by linkcheck"
MAX_LABEL_CHARS = 50
"""GitHub's limit on a label name."""
PER_PAGE = 100
MAX_PAGES = 10
"""At most this many pages of open issues are read (1,000 issues with the label)."""

TIMEOUT = 10.0
"""Read, write and pool timeout of one request, in seconds."""
CONNECT_TIMEOUT = 5.0
MAX_ATTEMPTS = 4
"""Tries per request, the first included."""
BACKOFF_BASE = 1.0
"""Seconds before the first retry of a server error; doubled on each further retry."""
MAX_WAIT = 60.0
"""The longest single wait for a rate limit or ``Retry-After``; a longer one is an error."""
SECONDARY_LIMIT_WAIT = 60.0
"""Wait after a secondary rate limit that names no time (GitHub asks for at least a minute)."""
RETRY_POLICY = RetryPolicy(retries=MAX_ATTEMPTS - 1, backoff_base=BACKOFF_BASE, max_wait=MAX_WAIT)
"""Server errors and failed connections: backoff without jitter (one client, one API)."""
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_MESSAGE_CHARS = 300
"""Longest excerpt of a GitHub error message repeated in our own messages."""


class FingerprintMarker:
    """A hidden line in a GitHub body that records what the body stands for: the HTML
    comment ``<!-- NAME fingerprint=SHA256 -->`` (invisible on GitHub, found again by the
    next run). The tracking issue and the fix pull request each have one, by their name."""

    __slots__ = ("_pattern", "prefix")

    def __init__(self, name: str) -> None:
        self.prefix = f"<!-- {name}"
        self._pattern = re.compile(re.escape(self.prefix) + r" fingerprint=([0-9a-f]{64}) -->")

    def line(self, digest: str) -> str:
        """The marker for ``digest`` (a SHA-256 in hex)."""
        return f"{self.prefix} fingerprint={digest} -->"

    def find(self, body: str) -> str | None:
        """The fingerprint a body records, if any."""
        match = self._pattern.search(body)
        return match.group(1) if match else None

    def replace(self, body: str, text: str) -> str:
        """``body`` with every marker replaced by ``text``."""
        return self._pattern.sub(text, body)


REPORT_MARKER = FingerprintMarker("linkcheck-report")
"""The tracking issue's marker: the fingerprint of the failing set it reports."""
MARKER_PREFIX = REPORT_MARKER.prefix
"""Every tracking issue body contains this (the report's hidden marker, or ours)."""
FINGERPRINT_VERSION = "2"
MAX_BODY_CHARS = markdown.DEFAULT_MAX_CHARS
HEALTHY_COMMENT = (
    "All links are healthy again: the latest linkcheck run found no failing links. "
    "Closing this issue."
)

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_IDEMPOTENT = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
"""Methods retried after a server error or a lost connection (a POST might have landed)."""
_RATE_LIMIT_STATUSES = frozenset({403, 429})
_HTTP_OK_MAX = 299
_HTTP_SERVER_ERROR = 500

IssueAction = Literal[
    "created",
    "edited",
    "unchanged",
    "closed",
    "none",
    "skipped-network-down",
    "skipped-offline",
]


class GitHubError(LinkcheckError):
    """The GitHub API refused or failed a request (after any retries).

    ``status`` is the last HTTP status (None when no response came), ``method`` and ``url``
    name the request. The message says what went wrong and what to check.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
    ):
        self.status = status
        self.method = method
        self.url = url
        super().__init__(message)


Skipped = Literal["skipped-network-down", "skipped-offline"]
"""What a sync does with a report that verified nothing: leave GitHub alone."""
ActionT = TypeVar("ActionT", bound=str)


@dataclass(frozen=True, slots=True)
class SyncOutcome(Generic[ActionT]):
    """What a sync (the tracking issue, the fix pull request) did, or in a dry run would
    have done."""

    action: ActionT
    number: int | None = None
    url: str | None = None
    """The issue's or pull request's web page (None when there is none, or it is still to
    be created)."""
    dry_run: bool = False


DRY_RUN_WORDS: dict[str, str] = {
    "created": "would be created",
    "edited": "would be edited",
    "updated": "would be updated",
    "closed": "would be closed",
    "unchanged": "would be left unchanged",
    "declined": "would not be opened again, its fixes were declined",
    "none": "would not be opened, nothing to do",
    "skipped-network-down": "would be left as it is, the network was down",
    "skipped-offline": "would be left as it is, the run was offline",
}
"""What a dry run says it would do, by action (of the issue or the pull request)."""


def outcome_summary(outcome: SyncOutcome[Any], subject: str = "tracking issue") -> str:
    """The last line of ``github-issue`` (of ``github-fix-pr`` with ``subject`` "fix pull
    request"): what was done, or in a dry run what would be."""
    if outcome.dry_run:
        words = DRY_RUN_WORDS[outcome.action]
        return f"{subject}: dry run, {words} (nothing was written)"
    return f"{subject}: {outcome.action}"


def outcome_outputs(outcome: SyncOutcome[IssueAction]) -> dict[str, str]:
    """Step outputs: ``issue-action``, ``issue-url`` and ``issue-number`` (empty when there
    is no issue). The URL comes from the API: anything but a plain http(s) URL is dropped."""
    url = outcome.url or ""
    if not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url):
        url = ""
    action = f"would-be-{outcome.action}" if outcome.dry_run else outcome.action
    number = str(outcome.number) if outcome.number is not None else ""
    return {"issue-action": action, "issue-url": url, "issue-number": number}


def skipped(report: Report, subject: str, out: Callable[[str], None]) -> Skipped | None:
    """Whether a sync leaves ``subject`` alone because the report verified nothing (the
    network was down, or the run was offline); says so through ``out``."""
    if report.network_down:
        out(f"The network was unreachable during the run: {subject} is left as it is.")
        return "skipped-network-down"
    if report.offline:
        out(f"Offline run (nothing was checked): {subject} is left as it is.")
        return "skipped-offline"
    return None


def step_line(text: str, *, dry_run: bool) -> str:
    """A line saying what a sync step did, or (``[dry run] ``) would do."""
    return ("[dry run] " if dry_run else "") + text


@dataclass(frozen=True, slots=True)
class Issue:
    """An open tracking issue as read from the API."""

    number: int
    url: str
    """The issue's web page (``html_url``)."""
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The decision for one report: what to do, and the issue's new title and body."""

    action: IssueAction
    title: str = ""
    body: str = ""
    fingerprint: str = ""


# ---------------------------------------------------------------------------
# Pure decisions
# ---------------------------------------------------------------------------


def failing_findings(report: Report, fail_on: Severity) -> tuple[Finding, ...]:
    """Findings at or above ``fail_on``, in a stable order."""
    failing = (f for f in report.findings if f.severity.at_least(fail_on))
    return tuple(sorted(failing, key=_finding_key))


def _finding_key(finding: Finding) -> tuple[str, int, int, str, str, str, str, str]:
    loc = finding.location
    return (
        loc.path,
        loc.line,
        loc.column,
        finding.rule,
        finding.severity.value,
        finding.url or "",
        finding.message,
        finding.suggestion or "",
    )


def failing_set(report: Report, fail_on: Severity) -> list[tuple[str, str]]:
    """The sorted (URL, rule) pairs of the failing findings (a finding without a URL is
    named by its post's path)."""
    failing = failing_findings(report, fail_on)
    return sorted({(f.url or f.location.path, f.rule) for f in failing})


def failing_urls(report: Report, fail_on: Severity) -> list[str]:
    """The distinct URLs (or posts, for findings without one) that fail, sorted."""
    return sorted({url for url, _rule in failing_set(report, fail_on)})


def fingerprint(report: Report, fail_on: Severity) -> str:
    """SHA-256 of the failing set and the unreadable posts: equal when nothing the issue
    tracks has changed (counters, dates, lines, messages and page titles play no part)."""
    problems = sorted({p.path for p in report.problems})
    payload = {
        "version": FINGERPRINT_VERSION,
        "failing": failing_set(report, fail_on),
        "problems": problems,
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def marker_line(digest: str) -> str:
    """The hidden first line of the issue body."""
    return REPORT_MARKER.line(digest)


def body_fingerprint(body: str) -> str | None:
    """The fingerprint recorded in an issue body, if any."""
    return REPORT_MARKER.find(body)


def is_healthy(report: Report, fail_on: Severity) -> bool:
    """No failing finding and no unreadable post."""
    return not failing_findings(report, fail_on) and not report.problems


def issue_title(report: Report, fail_on: Severity) -> str:
    """``linkcheck: 3 failing links`` (and unreadable posts, when there are any).

    Links are counted by URL: one URL cited in three places, or failing two rules, is one.
    """
    failing = len(failing_urls(report, fail_on))
    parts = []
    if failing or not report.problems:
        parts.append(plural(failing, "failing link"))
    if report.problems:
        parts.append(plural(len(report.problems), "unreadable post"))
    return "linkcheck: " + ", ".join(parts)


def issue_body(report: Report, fail_on: Severity) -> str:
    """The escaped Markdown report, its first line carrying the fingerprint marker."""
    head = marker_line(fingerprint(report, fail_on))
    rendered = markdown.render(report, max_chars=MAX_BODY_CHARS - len(head) - 1)
    first, newline, rest = rendered.partition("\n")
    if first.startswith(MARKER_PREFIX):
        return head + newline + rest
    return f"{head}\n{rendered}"


def decide(report: Report, issue: Issue | None, fail_on: Severity) -> Plan:
    """What to do with the tracking issue (``issue``: the open one, or None) for ``report``."""
    if report.network_down:
        return Plan("skipped-network-down")
    if report.offline:
        return Plan("skipped-offline")
    if is_healthy(report, fail_on):
        return Plan("closed") if issue is not None else Plan("none")
    digest = fingerprint(report, fail_on)
    if issue is not None and body_fingerprint(issue.body) == digest:
        return Plan("unchanged", fingerprint=digest)
    action: IssueAction = "edited" if issue is not None else "created"
    return Plan(action, issue_title(report, fail_on), issue_body(report, fail_on), digest)


def tracking_issue(items: Iterable[Mapping[str, Any]]) -> Issue | None:
    """The oldest open issue (not a pull request) whose body holds the marker."""
    found: list[Issue] = []
    for item in items:
        if "pull_request" in item:
            continue
        body = item.get("body")
        if not isinstance(body, str) or MARKER_PREFIX not in body:
            continue
        number, url, title = item.get("number"), item.get("html_url"), item.get("title")
        if not isinstance(number, int) or not isinstance(url, str) or not isinstance(title, str):
            raise GitHubError("GitHub returned an issue without a number, html_url or title")
        found.append(Issue(number, url, title, body))
    return min(found, key=lambda issue: issue.number, default=None)


def same_origin(url: str, api_url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``api_url`` (default ports filled)."""
    a, b = httpx.URL(url), httpx.URL(api_url)
    return _origin(a) == _origin(b)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    scheme = url.scheme.lower()
    return (scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme))


def retry_wait(
    method: str,
    status: int,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> float | None:
    """Seconds to wait before trying again, or None when the response is final.

    Rate limits (403/429 with ``Retry-After``, ``x-ratelimit-remaining: 0`` or a "rate
    limit" message) are retried for every method: GitHub did not act on the request.
    Server errors are retried with exponential backoff for idempotent methods only.
    """
    if is_rate_limited(status, headers, message):
        after = _retry_after(headers, now)
        if after is not None:
            return after
        if headers.get("x-ratelimit-remaining") == "0":
            reset = _header_float(headers, "x-ratelimit-reset")
            if reset is not None:
                return max(reset - now, 0.0) + 1.0
        return SECONDARY_LIMIT_WAIT
    if status >= _HTTP_SERVER_ERROR and method in _IDEMPOTENT:
        return RETRY_POLICY.wait(headers, attempt, now)
    return None


def is_rate_limited(status: int, headers: Mapping[str, str], message: str) -> bool:
    """A primary or secondary rate limit response."""
    if status not in _RATE_LIMIT_STATUSES:
        return False
    return (
        status == 429
        or headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in message.lower()
    )


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    return parse_retry_after(headers.get("retry-after"), now)


def error_message(
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    message: str,
    *,
    attempts: int,
    wait: float | None,
) -> str:
    """A clear message for a failed request: what GitHub said and what to check."""
    said = f" ({message})" if message else ""
    where = f"{method} {path}"
    if status == 401:
        return f"GitHub rejected the token on {where} (401{said}): check GITHUB_TOKEN / --token."
    if is_rate_limited(status, headers, message):
        when = f"; it resets in about {wait:.0f} s" if wait is not None else ""
        return (
            f"GitHub API rate limit hit on {where} ({status}{said}) after "
            f"{plural(attempts, 'attempt')}{when}. Try again later."
        )
    if status == 403:
        return (
            f"GitHub refused {where} (403{said}): the token needs the `issues: write` "
            "permission on this repository."
        )
    if status == 404:
        return (
            f"GitHub found nothing at {where} (404{said}): check the repository "
            "(GITHUB_REPOSITORY), the API URL (GITHUB_API_URL) and that the token can see it."
        )
    if status == 422:
        return f"GitHub rejected {where} as invalid (422{said})."
    if status >= _HTTP_SERVER_ERROR:
        return (
            f"GitHub failed {where} with a server error ({status}{said}) after "
            f"{plural(attempts, 'attempt')}. Try again later."
        )
    return f"GitHub answered {where} with {status}{said}."


def _api_message(content: bytes) -> str:
    """GitHub's ``message`` (and any ``errors`` details) from an error body, made safe."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or "")]
    errors = data.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                detail = error.get("message") or " ".join(
                    str(error[k]) for k in ("resource", "field", "code") if k in error
                )
                parts.append(str(detail))
            elif isinstance(error, str):
                parts.append(error)
    text = "; ".join(part for part in parts if part)
    return shorten(terminal_safe(text), MAX_MESSAGE_CHARS)


# ---------------------------------------------------------------------------
# The REST client
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete, size-capped response."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; GitHubError when it is not."""
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError):
            raise GitHubError(f"GitHub sent a response that is not JSON from {self.url}") from None

    def next_url(self) -> str | None:
        """The ``rel="next"`` URL of a ``Link`` header, resolved against this URL."""
        link = self.headers.get("link")
        if not link:
            return None
        probe = httpx.Response(self.status, headers={"link": link})
        target = probe.links.get("next", {}).get("url")
        return str(httpx.URL(self.url).join(target)) if target else None


class GitHubApi:
    """The few REST calls the sync needs, over a synchronous ``httpx.Client``.

    The token is sent only to URLs with the scheme, host and port of ``api_url``.
    Redirects are not followed. ``sleep`` and ``clock`` are seams for tests.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self._client = client
        self._token = token
        self.api_url = api_url.rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self._timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)

    def _headers(self, url: str) -> dict[str, str]:
        headers = {
            "Accept": ACCEPT,
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if same_origin(url, self.api_url):
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as ``/repos/o/r/issues``."""
        return self.api_url + path

    def _send(self, method: str, url: str, body: Any) -> Reply:
        kwargs: dict[str, Any] = {
            "headers": self._headers(url),
            "timeout": self._timeout,
            "follow_redirects": False,
        }
        if body is not None:
            kwargs["json"] = body
        with self._client.stream(method, url, **kwargs) as response:
            content = read_capped_sync(response, MAX_RESPONSE_BYTES)
            if content is None:
                raise self._too_large(method, url)
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Reply(response.status_code, headers, content, url)

    @staticmethod
    def _too_large(method: str, url: str) -> GitHubError:
        return GitHubError(
            f"GitHub's response to {method} {url} is over {MAX_RESPONSE_BYTES} bytes",
            method=method,
            url=url,
        )

    def request(
        self, method: str, url: str, *, body: Any = None, accept: Sequence[int] = ()
    ) -> Reply:
        """One request with bounded retries; a 2xx or an ``accept``-ed status comes back,
        anything else raises GitHubError."""
        path = httpx.URL(url).raw_path.decode("ascii", "replace")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                reply = self._send(method, url, body)
            except httpx.TransportError as exc:
                if method not in _IDEMPOTENT or attempt == MAX_ATTEMPTS:
                    reason = shorten(terminal_safe(str(exc) or type(exc).__name__), 200)
                    raise GitHubError(
                        f"could not reach GitHub for {method} {path} after "
                        f"{plural(attempt, 'attempt')}: {reason}",
                        method=method,
                        url=url,
                    ) from exc
                self._sleep(RETRY_POLICY.backoff(attempt))
                continue
            if reply.status <= _HTTP_OK_MAX or reply.status in accept:
                return reply
            message = _api_message(reply.content)
            wait = retry_wait(method, reply.status, reply.headers, message, attempt, self._clock())
            if wait is None or wait > MAX_WAIT or attempt == MAX_ATTEMPTS:
                text = error_message(
                    method, path, reply.status, reply.headers, message, attempts=attempt, wait=wait
                )
                raise GitHubError(text, status=reply.status, method=method, url=url)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the calls -----------------------------------------------------------------

    def label_exists(self, repository: str, label: str) -> bool:
        """GET the label; False on 404."""
        url = self.url(f"/repos/{repository}/labels/{quote(label, safe='')}")
        return self.request("GET", url, accept=(404,)).status != 404

    def create_label(self, repository: str, label: str) -> None:
        """POST the label (one that appeared meanwhile is fine)."""
        body = {"name": label, "color": LABEL_COLOR, "description": LABEL_DESCRIPTION}
        self.request("POST", self.url(f"/repos/{repository}/labels"), body=body, accept=(422,))

    def open_issues(self, repository: str, label: str) -> list[Mapping[str, Any]]:
        """Every open issue (and pull request) with the label, following pagination."""
        query = httpx.QueryParams({"state": "open", "labels": label, "per_page": PER_PAGE})
        url: str | None = self.url(f"/repos/{repository}/issues?{query}")
        items: list[Mapping[str, Any]] = []
        for _page in range(MAX_PAGES):
            if url is None:
                return items
            reply = self.request("GET", url)
            data = reply.json()
            if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
                raise GitHubError(f"GitHub sent an unexpected issue list from {url}")
            items.extend(data)
            url = reply.next_url()
        if url is not None:
            raise GitHubError(
                f"more than {MAX_PAGES} pages of open issues labelled {label!r}: "
                "close some, or use another label"
            )
        return items

    def create_issue(self, repository: str, title: str, body: str, label: str) -> Issue:
        """POST a new issue with the label."""
        data = self.request(
            "POST",
            self.url(f"/repos/{repository}/issues"),
            body={"title": title, "body": body, "labels": [label]},
        ).json()
        return _issue(data)

    def update_issue(self, repository: str, number: int, fields: Mapping[str, Any]) -> Issue:
        """PATCH an issue (title, body, state...)."""
        data = self.request(
            "PATCH", self.url(f"/repos/{repository}/issues/{number}"), body=dict(fields)
        ).json()
        return _issue(data)

    def comment(self, repository: str, number: int, body: str) -> None:
        """POST a comment on an issue."""
        self.request(
            "POST", self.url(f"/repos/{repository}/issues/{number}/comments"), body={"body": body}
        )


@contextmanager
def api_session(
    client: httpx.Client | None,
    *,
    token: str,
    api_url: str,
    sleep: Callable[[float], None],
) -> Iterator[GitHubApi]:
    """A ``GitHubApi`` over ``client``, or over a client of its own that it closes."""
    http = client if client is not None else httpx.Client(follow_redirects=False)
    try:
        yield GitHubApi(http, token=token, api_url=api_url, sleep=sleep)
    finally:
        if client is None:
            http.close()


def _issue(data: Any) -> Issue:
    if not isinstance(data, dict):
        raise GitHubError("GitHub sent an unexpected issue object")
    number, url = data.get("number"), data.get("html_url")
    title, body = data.get("title"), data.get("body")
    if not isinstance(number, int) or not isinstance(url, str):
        raise GitHubError("GitHub sent an issue without a number or html_url")
    return Issue(
        number, url, title if isinstance(title, str) else "", body if isinstance(body, str) else ""
    )


# ---------------------------------------------------------------------------
# The sync
# ---------------------------------------------------------------------------


def validate_target(*, token: str, repository: str, api_url: str, label: str) -> None:
    """UsageError unless the token, ``owner/name``, API URL and label are usable."""
    if not token.strip():
        raise UsageError("no GitHub token: set GITHUB_TOKEN or pass --token")
    if not _REPOSITORY.match(repository):
        raise UsageError(f"repository must look like OWNER/NAME, got {repository!r}")
    try:
        url = httpx.URL(api_url)
    except httpx.InvalidURL:
        raise UsageError(f"the GitHub API URL is not a valid URL: {api_url!r}") from None
    if url.scheme not in _DEFAULT_PORTS or not url.host or url.query or url.fragment:
        raise UsageError(f"the GitHub API URL must be a plain http(s) URL, got {api_url!r}")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise UsageError(
            f"refusing to send the GitHub token over plain http to {url.host}: use https "
            "(plain http is allowed only for a loopback API host)"
        )
    if not label.strip() or len(label) > MAX_LABEL_CHARS or "," in label:
        raise UsageError(
            f"the label must be 1 to {MAX_LABEL_CHARS} characters without commas, got {label!r}"
        )


def sync_issue(
    report: Report,
    *,
    token: str,
    repository: str,
    api_url: str = DEFAULT_API_URL,
    label: str = DEFAULT_LABEL,
    fail_on: Severity = Severity.ERROR,
    dry_run: bool = False,
    client: httpx.Client | None = None,
    out: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> SyncOutcome[IssueAction]:
    """Create, edit, close or leave alone the tracking issue of ``repository`` for ``report``.

    A report from a run whose network was down (or an offline run) touches nothing: no
    request at all. ``dry_run`` reads (GET) but writes nothing, and says what it would do.
    Each step is reported through ``out``. Raises UsageError for a bad token, repository,
    API URL or label, and GitHubError when the API fails (after bounded retries).
    """
    validate_target(token=token, repository=repository, api_url=api_url, label=label)
    skip = skipped(report, "the tracking issue", out)
    if skip is not None:
        return SyncOutcome(skip, dry_run=dry_run)
    with api_session(client, token=token, api_url=api_url, sleep=sleep) as api:
        issue = tracking_issue(api.open_issues(repository, label))
        plan = decide(report, issue, fail_on)
        return _IssueSteps(api, repository, label, dry_run, out).apply(plan, issue)


@dataclass(frozen=True, slots=True)
class _IssueSteps:
    """Carries out a Plan (or describes it, in a dry run)."""

    api: GitHubApi
    repository: str
    label: str
    dry_run: bool
    out: Callable[[str], None]

    def _say(self, text: str) -> None:
        self.out(step_line(text, dry_run=self.dry_run))

    def apply(self, plan: Plan, issue: Issue | None) -> SyncOutcome[IssueAction]:
        if plan.action == "created":
            return self._create(plan)
        if issue is None or plan.action in {"none", "skipped-network-down", "skipped-offline"}:
            self._say("No failing links and no open tracking issue: nothing to do.")
            return self._outcome(plan.action, None, None)
        ref = f"#{issue.number} ({terminal_safe(issue.url)})"
        if plan.action == "unchanged":
            self._say(f"Tracking issue {ref} is up to date: no change.")
            return self._outcome("unchanged", issue.number, issue.url)
        if plan.action == "edited":
            return self._edit(plan, issue, ref)
        return self._close(issue, ref)

    def _outcome(
        self, action: IssueAction, number: int | None, url: str | None
    ) -> SyncOutcome[IssueAction]:
        return SyncOutcome(action, number, url, dry_run=self.dry_run)

    def _create(self, plan: Plan) -> SyncOutcome[IssueAction]:
        if not self.api.label_exists(self.repository, self.label):
            if self.dry_run:
                self._say(f"Would create the label {self.label!r}.")
            else:
                self.api.create_label(self.repository, self.label)
                self._say(f"Created the label {self.label!r}.")
        if self.dry_run:
            self._say(f"Would open a tracking issue: {plan.title}")
            return self._outcome("created", None, None)
        created = self.api.create_issue(self.repository, plan.title, plan.body, self.label)
        self._say(f"Opened tracking issue #{created.number}: {terminal_safe(created.url)}")
        return self._outcome("created", created.number, created.url)

    def _edit(self, plan: Plan, issue: Issue, ref: str) -> SyncOutcome[IssueAction]:
        if self.dry_run:
            self._say(f"Would update tracking issue {ref}: {plan.title}")
        else:
            fields = {"title": plan.title, "body": plan.body}
            self.api.update_issue(self.repository, issue.number, fields)
            self._say(f"Updated tracking issue {ref}: {plan.title}")
        return self._outcome("edited", issue.number, issue.url)

    def _close(self, issue: Issue, ref: str) -> SyncOutcome[IssueAction]:
        if self.dry_run:
            self._say(f"Would comment on and close tracking issue {ref}: all links are healthy.")
            return self._outcome("closed", issue.number, issue.url)
        self.api.comment(self.repository, issue.number, HEALTHY_COMMENT)
        try:
            self.api.update_issue(
                self.repository, issue.number, {"state": "closed", "state_reason": "completed"}
            )
        except GitHubError as exc:
            raise GitHubError(
                f"commented on tracking issue #{issue.number} that all links are healthy, "
                f"but could not close it: {exc}",
                status=exc.status,
                method=exc.method,
                url=exc.url,
            ) from exc
        self._say(f"All links are healthy: commented on and closed tracking issue {ref}.")
        return self._outcome("closed", issue.number, issue.url)
