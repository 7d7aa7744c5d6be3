"""The Markdown report: the body of the tracking issue and of a GitHub job summary.

Layout: a hidden marker, a summary table, notes (offline, unreachable network, posts
without Resources, unreadable files), one section per post with a table of findings,
then every checked URL with its verdict and title (folded).

All web text goes through ``escape``: no raw HTML, no mentions, no links but plain
http(s) autolinks. The result stays under ``max_chars``: whole rows, then whole sections,
are left out, and a closing note says how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from linkcheck.models import CheckResult, Finding, Report
from linkcheck.report.escape import (
    is_clickable_url,
    markdown_code,
    markdown_text,
    markdown_url,
    shorten,
)
from linkcheck.report.summary import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    by_post,
    count,
    plural,
    posts_without_resources,
)
from linkcheck.report.trend import trend_markdown

MARKER = "<!-- linkcheck-report -->"
"""Hidden first line: how the tracking issue is found again."""
DEFAULT_MAX_CHARS = 65_000
"""GitHub refuses issue bodies over 65,536 characters; this leaves room to spare."""
MAX_URL_CHARS = 500
"""Longer URLs are shown cut, as code (never as a link)."""
TITLE = "## Link check report"
EMPTY_CELL = "—"
ARROW = "→"
FULL_REPORT_HINT = "Run `linkcheck run --format json` locally for the full report."

_FINDINGS_HEADER = "| Where | Severity | Rule | Link | Details |\n| --- | --- | --- | --- | --- |"
_SOURCES_HEADER = "| URL | Verdict | Title |\n| --- | --- | --- |"


@dataclass(frozen=True, slots=True)
class _Section:
    """A heading (with a table header) and rows that may be left out one by one."""

    head: str
    rows: tuple[str, ...]
    kind: str
    """What one row is, for the truncation note: ``finding``, ``source`` or ``file``."""
    foot: str = ""


def _url(url: str) -> str:
    if len(url) > MAX_URL_CHARS:
        return markdown_code(shorten(url, MAX_URL_CHARS), table=True)
    return markdown_url(url, table=True)


def _text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    return markdown_text(shorten(text, limit)).strip()


def _suggestion(text: str) -> str:
    if is_clickable_url(text) and len(text) <= MAX_URL_CHARS:
        return markdown_url(text)
    return _text(text)


def _finding_row(finding: Finding) -> str:
    where = markdown_code(f"{finding.location.path}:{finding.location.line}", table=True)
    link = _url(finding.url) if finding.url is not None else EMPTY_CELL
    details = _text(finding.message) or EMPTY_CELL
    if finding.suggestion:
        details += f" {ARROW} {_suggestion(finding.suggestion)}"
    cells = (where, finding.severity.value, markdown_code(finding.rule, table=True), link, details)
    return "| " + " | ".join(cells) + " |"


def _verdict(result: CheckResult) -> str:
    text = result.verdict.value
    if result.status is not None:
        text += f" ({result.status})"
    if result.final_url:
        text += f" {ARROW} {_url(result.final_url)}"
    return text


def _source_row(result: CheckResult) -> str:
    title = _text(result.title, MAX_TITLE_CHARS) if result.title else EMPTY_CELL
    return f"| {_url(result.url)} | {_verdict(result)} | {title} |"


def _summary(report: Report) -> str:
    counts = count(report)
    header = "| Posts | Links | Unique URLs | Errors | Warnings | Info | Time |"
    align = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    values = (
        counts.posts,
        counts.links,
        counts.unique_urls,
        counts.errors,
        counts.warnings,
        counts.infos,
    )
    row = "| " + " | ".join(str(v) for v in values) + f" | {report.elapsed:.1f} s |"
    return f"{header}\n{align}\n{row}"


def _notes(report: Report) -> list[str]:
    notes: list[str] = []
    if report.network_down:
        notes.append("> [!WARNING]\n> The network was unreachable: nothing could be verified.")
    if report.offline:
        notes.append("> [!NOTE]\n> Offline run: network checks were skipped.")
    missing = posts_without_resources(report)
    if missing:
        names = ", ".join(markdown_code(path) for path in missing)
        notes.append(f"Posts without a Resources section: {names}")
    if not report.findings and not report.problems:
        notes.append("No findings: every link checked out.")
    return notes


def _sections(report: Report) -> list[_Section]:
    sections: list[_Section] = []
    if report.problems:
        rows = tuple(
            f"- {markdown_code(p.path if p.line is None else f'{p.path}:{p.line}')}: "
            f"{_text(p.reason)}"
            for p in report.problems
        )
        sections.append(_Section("### Files that could not be read\n", rows, "file"))
    titles = {post.path: post.title for post in report.posts}
    for path, findings in by_post(report):
        heading = f"### {markdown_code(path)}"
        title = titles.get(path)
        if title:
            heading += f" · {markdown_text(shorten(title, MAX_TITLE_CHARS))}"
        rows = tuple(_finding_row(f) for f in findings)
        sections.append(_Section(f"{heading}\n\n{_FINDINGS_HEADER}", rows, "finding"))
    if report.results:
        results = [report.results[url] for url in sorted(report.results)]
        head = f"<details><summary>Sources ({len(results)})</summary>\n\n{_SOURCES_HEADER}"
        rows = tuple(_source_row(r) for r in results)
        sections.append(_Section(head, rows, "source", foot="\n\n</details>"))
    return sections


def _left_out_note(left_out: dict[str, int]) -> str:
    parts = ", ".join(plural(n, kind) for kind, n in left_out.items() if n)
    return f"> [!NOTE]\n> Left out to stay under GitHub's size limit: {parts}. {FULL_REPORT_HINT}"


_NOTE_RESERVE = len(_left_out_note({"finding": 10**9, "source": 10**9, "file": 10**9})) + 2


def _assemble(head: Sequence[str], sections: Sequence[_Section], max_chars: int) -> str:
    """Blocks joined by blank lines; rows and sections dropped once the budget runs out."""
    blocks = list(head)
    size = sum(len(b) + 2 for b in blocks)
    budget = max_chars - _NOTE_RESERVE
    left_out = {"finding": 0, "source": 0, "file": 0}
    for section in sections:
        overhead = len(section.head) + len(section.foot) + 3
        if not section.rows:
            continue
        if size + overhead + len(section.rows[0]) + 1 > budget:
            left_out[section.kind] += len(section.rows)
            budget = size  # keep the report a prefix: nothing after a dropped section
            continue
        lines = [section.head]
        size += overhead
        for index, row in enumerate(section.rows):
            if size + len(row) + 1 > budget:
                left_out[section.kind] += len(section.rows) - index
                budget = size  # later sections do not fit either
                break
            lines.append(row)
            size += len(row) + 1
        blocks.append("\n".join(lines) + section.foot)
    if any(left_out.values()):
        blocks.append(_left_out_note(left_out))
    return "\n\n".join(blocks) + "\n"


def render(report: Report, *, color: bool = False, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """GitHub-flavoured Markdown of the report, at most ``max_chars`` characters long
    (``color`` is ignored)."""
    del color
    head = [MARKER, TITLE, _summary(report), *_notes(report)]
    chart = trend_markdown(report.trend)
    if chart:
        head.append("\n".join(chart))
    return _assemble(head, _sections(report), max_chars)
