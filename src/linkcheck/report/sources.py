"""The bibliography of the blog: each cited source once, with every place that cites it.

``bibliography(report)`` groups the report's links by source key (so the abs and PDF pages
of one arXiv paper, or a DOI in two resolver forms, are one entry) and gives each source its
best captured title, its worst verdict and its citations. ``render_sources`` writes the list
as text, JSON or Markdown.

Which links count as citations: links to web pages, PDFs, arXiv papers and DOIs, written
anywhere in a post's body (ignored links included). Left out: relative links (the blog's own
pages), ``mailto:`` and ``tel:`` links, other schemes (``javascript:``, ``ftp:``...), images
and frontmatter values (a cover image or a canonical URL is not a citation).

JSON layout (``schema_version`` 1)::

    {"schema_version": 1,
     "sources": [{"key", "kind", "title", "verdict", "urls": [...],
                  "citations": [{"file", "line", "column", "in_resources"}]}]}

All web text is escaped for its target: ``terminal_safe`` for text, the Markdown helpers of
``escape`` for Markdown (no raw HTML, no mentions, only plain http(s) autolinks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from linkcheck.models import CheckResult, Link, LinkKind, Report, SourceKind, UsageError, Verdict
from linkcheck.report.escape import (
    markdown_code,
    markdown_text,
    markdown_url,
    shorten,
    terminal_safe,
)
from linkcheck.report.json import dumps
from linkcheck.report.markdown import EMPTY_CELL, MAX_URL_CHARS
from linkcheck.report.summary import MAX_TITLE_CHARS, checked_url, plural
from linkcheck.report.text import BOLD, DIM, GREEN, RED, RESET, YELLOW

SCHEMA_VERSION = 1
SOURCE_FORMATS: tuple[str, ...] = ("text", "json", "markdown")

CITED_KINDS = frozenset({SourceKind.ARXIV, SourceKind.DOI, SourceKind.PDF, SourceKind.WEB})
"""Source kinds listed in the bibliography (see the module documentation)."""
UNCITED_LINK_KINDS = frozenset(
    {LinkKind.IMAGE, LinkKind.HTML_EMBED, LinkKind.FRONTMATTER, LinkKind.EXPRESSION}
)
"""Link kinds that show a resource rather than cite one."""

VERDICT_RANK: Mapping[Verdict, int] = {
    Verdict.SKIPPED: 0,
    Verdict.OK: 1,
    Verdict.REDIRECTED: 2,
    Verdict.MOVED: 3,
    Verdict.BLOCKED: 4,
    Verdict.TIMEOUT: 5,
    Verdict.ERROR: 6,
    Verdict.DEAD: 7,
}
"""Higher is worse: a source's verdict is the worst among its URLs."""
VERDICT_COLORS: Mapping[Verdict, str] = {
    Verdict.OK: GREEN,
    Verdict.REDIRECTED: GREEN,
    Verdict.MOVED: YELLOW,
    Verdict.BLOCKED: YELLOW,
    Verdict.TIMEOUT: YELLOW,
    Verdict.ERROR: RED,
    Verdict.DEAD: RED,
}

URL_SCHEMES: tuple[str, ...] = ("http://", "https://", "//")
"""Link texts starting like this are the URL itself, not a title."""
UNTITLED = "(untitled)"
NOT_CHECKED = "not checked"
LABEL_WIDTH = 8
TEXT_INDENT = "  "
RESOURCES_NOTE = "in Resources"
MARKDOWN_HEADING = "## Sources"
_MARKDOWN_HEADER = "| Title | URL | Kind | Verdict | Cited at |\n| --- | --- | --- | --- | --- |"


@dataclass(frozen=True, slots=True)
class Citation:
    """One place where a post cites a source."""

    path: str
    """The post's display path."""
    line: int
    column: int
    in_resources: bool
    """Whether this citation sits in the post's Resources section."""


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One source of the bibliography."""

    key: str
    """The source key shared by every link that cites it."""
    kind: SourceKind
    urls: tuple[str, ...]
    """Each distinct URL as written that cites this source, in order of first citation."""
    title: str | None
    """The best captured page title, else the link text of its Resources entry, else None."""
    verdict: Verdict | None
    """The worst verdict among its URLs' results; None when none was checked (offline)."""
    citations: tuple[Citation, ...]
    """Every citing place, sorted by path, line and column."""


# ---------------------------------------------------------------------------
# Building the bibliography
# ---------------------------------------------------------------------------


def is_citation(link: Link) -> bool:
    """Whether ``link`` cites a source listed in the bibliography."""
    return link.source.kind in CITED_KINDS and link.kind not in UNCITED_LINK_KINDS


def _place(link: Link) -> tuple[str, int, int]:
    return (link.location.path, link.location.line, link.location.column)


def _clean(text: str | None) -> str | None:
    """``text`` with its whitespace collapsed; None when nothing is left."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None


def _best_title(links: Sequence[Link], results: Sequence[CheckResult]) -> str | None:
    """A title from a working page first (an error page's title is not the source's)."""
    working = [r for r in results if not r.verdict.is_failure]
    failing = [r for r in results if r.verdict.is_failure]
    for result in (*working, *failing):
        title = _clean(result.title)
        if title is not None:
            return title
    for link in links:
        text = _clean(link.text)
        if link.in_resources and text is not None and not text.lower().startswith(URL_SCHEMES):
            return text
    return None


def _worst(results: Iterable[CheckResult]) -> Verdict | None:
    verdicts = [r.verdict for r in results]
    return max(verdicts, key=VERDICT_RANK.__getitem__) if verdicts else None


def _entry(links: Sequence[Link], report: Report) -> SourceEntry:
    urls = tuple(dict.fromkeys(link.url for link in links))
    checked = dict.fromkeys(checked_url(url) for url in urls)
    results = [report.results[url] for url in checked if url in report.results]
    citations = tuple(
        dict.fromkeys(
            Citation(
                link.location.path, link.location.line, link.location.column, link.in_resources
            )
            for link in links
        )
    )
    return SourceEntry(
        key=links[0].source.key,
        kind=links[0].source.kind,
        urls=urls,
        title=_best_title(links, results),
        verdict=_worst(results),
        citations=citations,
    )


def _order(entry: SourceEntry) -> tuple[bool, str, str]:
    """Titled sources by title, then untitled ones by key (case-insensitive)."""
    return (entry.title is None, (entry.title or entry.key).casefold(), entry.key)


def bibliography(report: Report) -> list[SourceEntry]:
    """Each source cited in the report once, sorted by title (then key); stable for equal input."""
    groups: dict[str, list[Link]] = {}
    for link in sorted(report.links, key=lambda k: (*_place(k), k.url)):
        if is_citation(link):
            groups.setdefault(link.source.key, []).append(link)
    return sorted((_entry(links, report) for links in groups.values()), key=_order)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def entry_to_dict(entry: SourceEntry) -> dict[str, object]:
    """One source as a JSON object (see the module documentation)."""
    return {
        "key": entry.key,
        "kind": entry.kind.value,
        "title": entry.title,
        "verdict": entry.verdict.value if entry.verdict is not None else None,
        "urls": list(entry.urls),
        "citations": [
            {"file": c.path, "line": c.line, "column": c.column, "in_resources": c.in_resources}
            for c in entry.citations
        ],
    }


def _render_json(entries: Sequence[SourceEntry]) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "sources": [entry_to_dict(entry) for entry in entries],
    }
    return dumps(document) + "\n"


def _paint(text: str, code: str | None, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and code and text else text


def _text_line(label: str, value: str) -> str:
    return f"{TEXT_INDENT}{label.ljust(LABEL_WIDTH)} {value}".rstrip()


def _text_block(entry: SourceEntry, color: bool) -> list[str]:
    if entry.title is not None:
        head = _paint(shorten(terminal_safe(entry.title), MAX_TITLE_CHARS), BOLD, color)
    else:
        head = _paint(UNTITLED, DIM, color)
    if entry.verdict is not None:
        verdict = _paint(entry.verdict.value, VERDICT_COLORS.get(entry.verdict), color)
    else:
        verdict = _paint(NOT_CHECKED, DIM, color)
    lines = [
        head,
        _text_line("source", f"{terminal_safe(entry.key)} ({entry.kind.value})"),
        _text_line("verdict", verdict),
    ]
    lines.extend(_text_line("url", terminal_safe(url)) for url in entry.urls)
    for citation in entry.citations:
        where = terminal_safe(f"{citation.path}:{citation.line}:{citation.column}")
        note = f" {RESOURCES_NOTE}" if citation.in_resources else ""
        lines.append(_text_line("cited", where + note))
    return lines


def _render_text(entries: Sequence[SourceEntry], color: bool) -> str:
    lines: list[str] = []
    for entry in entries:
        lines.extend(_text_block(entry, color))
        lines.append("")
    citations = sum(len(entry.citations) for entry in entries)
    posts = len({c.path for entry in entries for c in entry.citations})
    lines.append(
        f"{plural(len(entries), 'source')}, {plural(citations, 'citation')} "
        f"in {plural(posts, 'post')}"
    )
    return "\n".join(lines) + "\n"


def _markdown_url(url: str) -> str:
    if len(url) > MAX_URL_CHARS:
        return markdown_code(shorten(url, MAX_URL_CHARS), table=True)
    return markdown_url(url, table=True)


def _markdown_row(entry: SourceEntry) -> str:
    title = EMPTY_CELL
    if entry.title is not None:
        title = markdown_text(shorten(entry.title, MAX_TITLE_CHARS)).strip() or EMPTY_CELL
    urls = ", ".join(_markdown_url(url) for url in entry.urls) or EMPTY_CELL
    verdict = entry.verdict.value if entry.verdict is not None else EMPTY_CELL
    cited = ", ".join(
        markdown_code(f"{c.path}:{c.line}", table=True)
        + (f" ({RESOURCES_NOTE})" if c.in_resources else "")
        for c in entry.citations
    )
    cells = (title, urls, entry.kind.value, verdict, cited or EMPTY_CELL)
    return "| " + " | ".join(cells) + " |"


def _render_markdown(entries: Sequence[SourceEntry]) -> str:
    if not entries:
        return f"{MARKDOWN_HEADING}\n\nNo sources cited.\n"
    rows = "\n".join(_markdown_row(entry) for entry in entries)
    return f"{MARKDOWN_HEADING}\n\n{_MARKDOWN_HEADER}\n{rows}\n"


def render_sources(entries: Sequence[SourceEntry], fmt: str, *, color: bool = False) -> str:
    """The bibliography as ``text``, ``json`` or ``markdown``; UsageError for another format.

    ``color`` adds ANSI colours to the text format and is ignored by the others.
    """
    if fmt == "text":
        return _render_text(entries, color)
    if fmt == "json":
        return _render_json(entries)
    if fmt == "markdown":
        return _render_markdown(entries)
    known = ", ".join(SOURCE_FORMATS)
    raise UsageError(f"unknown sources format {fmt!r} (known: {known})")
