"""Core types shared by every stage of the pipeline.

This module does no I/O. Each stage turns one of these types into the next:

    Document -> Link (with its Source) -> CheckRequest -> CheckResult -> Finding -> Report

Link failures are values (a ``CheckResult`` with a failing ``Verdict``), never exceptions.
Exceptions are kept for configuration and input errors, all rooted at ``LinkcheckError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------
# Errors: one tree for everything that is the user's input or configuration.
# ---------------------------------------------------------------------------


class LinkcheckError(Exception):
    """Base of every error linkcheck raises on purpose (exit code 2)."""


class ConfigError(LinkcheckError):
    """A configuration file or option is invalid (unknown key, wrong type, bad regex)."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.message = message
        self.source = source
        self.key = key
        where = ": ".join(part for part in (source, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class InputError(LinkcheckError):
    """A post cannot be read or parsed (not UTF-8, binary, broken frontmatter...)."""

    def __init__(self, path: str, reason: str, *, line: int | None = None):
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class UsageError(LinkcheckError):
    """The command line asks for something impossible (a missing path, say)."""


# ---------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------


class FrontmatterFormat(StrEnum):
    """The language a post's frontmatter is written in."""

    YAML = "yaml"
    """Between ``---`` lines (Jekyll, Hugo, Astro, Docusaurus...)."""
    TOML = "toml"
    """Between ``+++`` lines (Hugo's default)."""
    JSON = "json"
    """A JSON object opening the file (Hugo)."""


@dataclass(frozen=True, slots=True)
class FrontmatterValue:
    """A string value of the frontmatter, where it is written."""

    key_path: str
    """Dotted key path (``links.0.href``)."""
    value: str
    """The string, surrounding blanks removed."""
    start: int
    """Offset in ``Document.text`` of its first character as written."""
    end: int
    """Offset just after it."""


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """Where a post's frontmatter is, in which format, and its string values' places."""

    format: FrontmatterFormat
    start: int
    """Offset of the metadata text (after the opening fence line)."""
    end: int
    """Offset just after the metadata text (before the closing fence line)."""
    body_offset: int
    """Offset just after the closing fence line."""
    strings: tuple[FrontmatterValue, ...] = ()
    """Every one-line string value that holds ``://`` (every absolute URL among them), with
    its place, in document order."""


@dataclass(frozen=True, slots=True)
class Document:
    """One post, read from disk and split into frontmatter and body."""

    path: Path
    """Where the file is on disk."""
    display_path: str
    """The path as shown to users: relative to the working directory where possible."""
    text: str
    """The whole file decoded as UTF-8, BOM removed, line endings untouched."""
    metadata: Mapping[str, Any]
    """The parsed frontmatter, YAML, TOML or JSON (empty when there is none)."""
    body_offset: int
    """Offset in ``text`` where the Markdown body starts (0 without frontmatter)."""
    has_bom: bool = False
    """Whether the file on disk starts with a UTF-8 byte order mark."""
    frontmatter: Frontmatter | None = None
    """The frontmatter's format, span and string values (None without frontmatter, and once
    the text is dropped: ``collect(keep_text=False)``)."""

    @property
    def body(self) -> str:
        return self.text[self.body_offset :]

    @property
    def body_line_offset(self) -> int:
        """Number of lines before the body (frontmatter lines)."""
        return self.text.count("\n", 0, self.body_offset)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A file that could not be processed; reported, and the run exits 2 at the end."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


# ---------------------------------------------------------------------------
# Links and sources
# ---------------------------------------------------------------------------


class LinkKind(StrEnum):
    """How a link is written in the post."""

    INLINE = "inline"
    """``[text](url)``"""
    REFERENCE = "reference"
    """``[text][label]``, ``[label][]`` or ``[label]`` with a ``[label]: url`` definition."""
    AUTOLINK = "autolink"
    """``<https://...>`` or ``<user@host>``"""
    BARE = "bare"
    """An http(s) URL in running text (GFM autolink extension)."""
    HTML = "html"
    """``<a href>`` and other ``href`` attributes in raw HTML (and MDX components)."""
    HTML_EMBED = "html-embed"
    """What raw HTML embeds in the page: ``<img src>``, ``srcset`` candidates, ``<video
    poster>``, ``<iframe src>``... Never a citation, like an image."""
    IMAGE = "image"
    """``![alt](url)`` and reference-style images."""
    FRONTMATTER = "frontmatter"
    """A URL value anywhere in the frontmatter (YAML, TOML or JSON)."""
    EXPRESSION = "expression"
    """A URL string in MDX code: an ``import``/``export`` statement or a ``{...}``
    expression (``export const meta = {source: "https://..."}``). Not a citation."""


MARKDOWN_DESTINATIONS = frozenset({LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.IMAGE})
"""Links whose destination Markdown writes itself (``[text](<a b>)``): it renders them
percent-encoded."""


class SourceKind(StrEnum):
    """What kind of thing a link points at; decides how its key is built."""

    ARXIV = "arxiv"
    DOI = "doi"
    PDF = "pdf"
    WEB = "web"
    MAIL = "mail"
    PHONE = "phone"
    RELATIVE = "relative"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Source:
    """The identity of what a link cites: two links cite the same source when keys match."""

    kind: SourceKind
    key: str


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a post as the user sees it in an editor."""

    path: str
    """The document's display path."""
    line: int
    """1-based line in the file as stored (frontmatter lines count, a BOM does not)."""
    column: int
    """1-based column (in characters) of the first character of the URL or link."""


BARE_HOST_RE = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://|[Ww][Ww][Ww]\.)[A-Za-z0-9._-]*[A-Za-z0-9](?::[0-9]+)?"
    r"(?=[^A-Za-z0-9._/?#:@-])"
)
"""The start of a bare link whose host (and port) runs straight into a character no host
holds: text in a script written without spaces (``http://www.pool.ntp.org是…``) or
punctuation (``www.example.org),…``). GitHub's autolinks run on to the next blank; most
site generators' (goldmark's in Hugo, among others) end at the host, and that is the link
checked. A host of other letters (``https://例子.测试``) is not such a start."""
WWW_PREFIX = "www."
WWW_SCHEME = "http://"
"""The scheme GFM gives a bare ``www.`` link."""


def link_target(url: str, kind: LinkKind) -> str:
    """The URL a link leads to: ``url`` as written, except that a bare ``www.`` link (a GFM
    autolink, which Markdown renders as an ``http://`` link) leads to ``http://`` + url, that
    a bare link whose host runs into a character no host holds leads to that host
    (``BARE_HOST_RE``), and that a Markdown link's spaces (written in ``<...>``, as CommonMark
    allows) are ``%20``, as Markdown renders them."""
    if kind is LinkKind.BARE:
        host = BARE_HOST_RE.match(url)
        if host is not None and host.end() < len(url):
            url = url[: host.end()]
        if url[:4].lower() == WWW_PREFIX:
            return WWW_SCHEME + url
        return url
    if " " in url and kind in MARKDOWN_DESTINATIONS:
        return url.replace(" ", "%20")
    return url


@dataclass(frozen=True, slots=True)
class Link:
    """One link a reader can follow, at its exact place in a post."""

    url: str
    """The destination exactly as written (HTML entities and Markdown escapes decoded)."""
    kind: LinkKind
    text: str
    """The link's plain text (alt text for images, key path for frontmatter)."""
    location: Location
    """Where the link is used (for reference links: where it is used, not defined)."""
    in_resources: bool
    """Whether the link sits inside the post's Resources section."""
    source: Source
    start: int
    """Offset in ``Document.text`` of the first character of the URL as written."""
    end: int
    """Offset in ``Document.text`` just after the URL as written."""
    key_path: str | None = None
    """For frontmatter links: the dotted key path (``links.0.href``)."""
    ignored: bool = False
    """Whether an inline ``linkcheck-ignore`` / ``linkcheck-disable`` comment covers the link."""

    @property
    def target(self) -> str:
        """The URL the link leads to (see ``link_target``)."""
        return link_target(self.url, self.kind)

    @property
    def is_external(self) -> bool:
        """http(s) links that are checked over the network."""
        return self.target.lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class Post:
    """A post after extraction: its links and what other posts may link to."""

    document: Document
    links: tuple[Link, ...]
    anchors: frozenset[str]
    """GitHub-style slugs of its headings, plus its explicit ids (``ids``)."""
    has_resources: bool
    """Whether the post has a Resources section."""
    headings: tuple[str, ...] = ()
    """Its headings' texts in order, as anchors are made from them (an ``{#id}`` removed)."""
    ids: frozenset[str] = frozenset()
    """Explicit anchors: HTML ``id``/``name`` attributes and ``{#id}`` heading attributes."""
    empty: bool = False
    """Whether the post has no body (an empty file, or frontmatter alone)."""
    includes: bool = False
    """Whether the post takes in other text when the site is built (``--8<--``, ``{{#include
    x}}``, ``{% include_relative %}``, ``{{% include %}}``, an MDX partial, VitePress's
    ``<!--@include: x-->``...), or shows no heading nor id and has its page drawn by a
    script or a component: its page may have headings and ids its file does not show."""
    terms: tuple[str, ...] = ()
    """The terms of its definition lists (``Term`` followed by a line ``: definition``), in
    order: Hugo gives them ids with ``autoDefinitionTermID``."""
    labels: frozenset[str] = frozenset()
    """MyST targets it names (``(label)=``, a directive's ``:label:`` or ``:name:``): ids of
    its page (in ``ids`` too), and names any page of a MyST project may link to (``#label``,
    or ``label`` alone)."""

    @property
    def path(self) -> str:
        return self.document.display_path

    @property
    def title(self) -> str | None:
        value = self.document.metadata.get("title")
        return str(value) if value is not None else None

    @property
    def slug(self) -> str | None:
        value = self.document.metadata.get("slug")
        return str(value) if value is not None else None


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------


class Verdict(StrEnum):
    """The outcome of checking one URL."""

    OK = "ok"
    REDIRECTED = "redirected"
    """Only temporary redirects (302, 303, 307) led to a success."""
    MOVED = "moved"
    """A permanent redirect (301, 308) led to a success; ``final_url`` is the new URL."""
    DEAD = "dead"
    """404, 410, another definitive 4xx, a host name that does not exist, or a success page
    that says it is missing (a soft 404, see :mod:`linkcheck.check.soft404`)."""
    BLOCKED = "blocked"
    """401, 403, 429, 999 or a bot challenge: the site refused an automated client. Not dead."""
    TIMEOUT = "timeout"
    ERROR = "error"
    """Connection refused or reset, TLS failure, 5xx after retries, redirect loop..."""
    SKIPPED = "skipped"
    """Not fetched: mailto:, tel:, relative, or excluded by configuration."""

    @property
    def is_failure(self) -> bool:
        return self in _FAILURES


REFUSED_REASON = "connection refused"
DNS_FAILED_REASON = "DNS lookup failed"
DNS_TEMPORARY_REASON = "DNS lookup failed (temporary)"
"""The resolver said "try again" (SERVFAIL): what a domain whose name servers are gone gives."""
UNREACHABLE_REASONS: frozenset[str] = frozenset(
    {REFUSED_REASON, DNS_FAILED_REASON, DNS_TEMPORARY_REASON}
)
"""Reasons meaning that nothing answers at the URL's host name (no server listening, no
address): judged as a host that is gone when it lasts (see ``linkcheck.evidence``). A whole
run of them is a network that is down, and is not recorded."""


_FAILURES = frozenset({Verdict.DEAD, Verdict.BLOCKED, Verdict.TIMEOUT, Verdict.ERROR})


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One unique URL to check (fragment stripped), with what its citing links need."""

    url: str
    """The URL to fetch, without fragment."""
    fragments: frozenset[str] = frozenset()
    """Fragments cited for this URL that must exist in the page."""
    previous_title: str | None = None
    """The title the page had when last seen healthy (from the state file), if known."""
    cited_as_missing: bool = False
    """Whether a citing link's text says it points at a missing page on purpose."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One response in a redirect chain."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What checking one URL found."""

    url: str
    verdict: Verdict
    status: int | None = None
    """The last HTTP status received (None when no response came)."""
    final_url: str | None = None
    """Where the redirect chain ended (None without redirects)."""
    redirects: tuple[Hop, ...] = ()
    """Every redirecting response, in order: the URL requested and its 3xx status."""
    title: str | None = None
    reason: str = ""
    """The outcome in words ("404 Not Found", "TLS: certificate has expired"...)."""
    attempts: int = 0
    elapsed: float = 0.0
    """Seconds spent on this URL, retries included."""
    missing_fragments: frozenset[str] = frozenset()
    """Requested fragments that the page does not define."""
    content_type: str | None = None
    reached: bool = False
    """Whether any HTTP response at all came back (False: DNS, connect or TLS failure)."""
    checked_at: float = 0.0
    """Unix time of the check."""
    from_cache: bool = False
    bytes_read: int = 0
    """Body bytes received for this URL as sent (before decoding), every attempt and hop
    included; each read stops soon after the configured caps."""


@dataclass(frozen=True, slots=True)
class Persistence:
    """What the history says about a failing URL (``linkcheck.evidence.assess``)."""

    escalate: bool
    """Whether the evidence makes the failure an error (it lasted long enough for its kind)."""
    description: str
    """``"failing since 2026-11-20 (3 runs)"`` or, for a site that refuses robots,
    ``"refusing automated clients since 2026-11-20 (3 runs)"``."""


@dataclass(frozen=True, slots=True)
class FailingUrl:
    """A URL whose latest recorded check failed, as the evidence judges it."""

    url: str
    verdict: Verdict
    """The latest check's verdict."""
    judged: Persistence
    since: float
    """When the current streak began (Unix time)."""


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a rule says about a link or a post."""

    rule: str
    """Stable rule id such as ``dead-link`` or ``missing-from-resources``."""
    severity: Severity
    location: Location
    message: str
    url: str | None = None
    suggestion: str | None = None
    """A replacement URL or a one-line hint."""


@dataclass(frozen=True, slots=True)
class RunTrend:
    """One recorded run, as trends show it."""

    started_at: float
    """When the run started (seconds since the epoch)."""
    checked: int
    """URLs the run recorded a verdict for (cached results included)."""
    failing: int
    """Of those, the URLs that failed (dead, blocked, timeout or error)."""


@dataclass(frozen=True, slots=True)
class PostSummary:
    """Per-post facts that are not findings."""

    path: str
    title: str | None
    links: int
    has_resources: bool


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run produced; formatters turn it into text."""

    posts: tuple[PostSummary, ...]
    links: tuple[Link, ...]
    results: Mapping[str, CheckResult]
    """By checked URL (fragment stripped)."""
    findings: tuple[Finding, ...]
    problems: tuple[InputProblem, ...] = ()
    offline: bool = False
    network_down: bool = False
    elapsed: float = 0.0
    stats: Mapping[str, int] = field(default_factory=dict)
    trend: tuple[RunTrend, ...] = ()
    """The latest recorded runs, oldest first, this run included (empty without memory)."""

    def worst(self) -> Severity | None:
        ranked = sorted((f.severity for f in self.findings), key=lambda s: s.rank)
        return ranked[-1] if ranked else None
