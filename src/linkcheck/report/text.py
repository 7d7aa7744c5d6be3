"""The terminal report: findings grouped by post, input problems, then a one-line summary.

Every piece of web text is passed through ``terminal_safe``; colour codes are only the
ones written here, and only when ``color`` is true.
"""

from __future__ import annotations

from linkcheck.models import Finding, Report, Severity
from linkcheck.report.escape import shorten, terminal_safe
from linkcheck.report.summary import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    by_post,
    count,
    plural,
    posts_without_resources,
    title_of,
)
from linkcheck.report.trend import trend_line

INDENT = "  "
DETAIL_INDENT = "      "
SEVERITY_WIDTH = max(len(severity.value) for severity in Severity)
ARROW = "→"
DOT = "·"

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
CYAN = "\x1b[36m"
SEVERITY_COLORS = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.INFO: CYAN}

OFFLINE_NOTE = "offline: network checks skipped"
NETWORK_DOWN_NOTE = "network unreachable: nothing could be verified"
NO_RESOURCES_NOTE = "no Resources section"


class _Paint:
    """Wraps text in ANSI codes, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes or not text:
            return text
        return "".join(codes) + text + RESET


def _finding_lines(
    report: Report, finding: Finding, paint: _Paint, *, show_title: bool = True
) -> list[str]:
    where = terminal_safe(
        f"{finding.location.path}:{finding.location.line}:{finding.location.column}"
    )
    severity = paint(
        finding.severity.value.ljust(SEVERITY_WIDTH), SEVERITY_COLORS[finding.severity]
    )
    head = f"{INDENT}{where}  {severity}  {paint(finding.rule, BOLD)}"
    if finding.url is not None:
        head += f"  {terminal_safe(finding.url)}"
    lines = [head.rstrip()]
    message = shorten(terminal_safe(finding.message), MAX_TEXT_CHARS)
    if message:
        lines.append(f"{DETAIL_INDENT}{message}")
    title = title_of(report, finding.url) if show_title else None
    if title is not None:
        title = shorten(terminal_safe(title), MAX_TITLE_CHARS)
        lines.append(f"{DETAIL_INDENT}{paint(f'title: {title}', DIM)}")
    if finding.suggestion:
        suggestion = shorten(terminal_safe(finding.suggestion), MAX_TEXT_CHARS)
        lines.append(f"{DETAIL_INDENT}{paint(f'{ARROW} {suggestion}', GREEN)}")
    return lines


def summary_line(report: Report) -> str:
    """``18 links (10 unique URLs) in 1 post: 0 errors, 2 warnings, 1 info · 0.8 s``."""
    counts = count(report)
    urls = plural(counts.unique_urls, "unique URL")
    if counts.cached:
        urls += f", {counts.cached} from cache"
    line = (
        f"{plural(counts.links, 'link')} ({urls}) in {plural(counts.posts, 'post')}: "
        f"{plural(counts.errors, 'error')}, {plural(counts.warnings, 'warning')}, "
        f"{counts.infos} info"
    )
    if report.problems:
        line += f", {plural(len(report.problems), 'unreadable file')}"
    return f"{line} {DOT} {report.elapsed:.1f} s"


def render(report: Report, *, color: bool = False) -> str:
    """The report for a terminal; plain text without any escape code unless ``color``."""
    paint = _Paint(color)
    lines: list[str] = []
    for path, findings in by_post(report):
        lines.append(paint(terminal_safe(path), BOLD))
        previous_url: str | None = None
        for finding in findings:
            show_title = finding.url is None or finding.url != previous_url
            lines.extend(_finding_lines(report, finding, paint, show_title=show_title))
            previous_url = finding.url
        lines.append("")
    if report.problems:
        lines.append(paint("problems:", BOLD, RED))
        lines.extend(
            f"{INDENT}{terminal_safe(str(problem))}".rstrip() for problem in report.problems
        )
        lines.append("")
    missing = posts_without_resources(report)
    if missing:
        names = ", ".join(terminal_safe(path) for path in missing)
        lines.append(f"{NO_RESOURCES_NOTE}: {names}")
    if report.offline:
        lines.append(paint(OFFLINE_NOTE, YELLOW))
    if report.network_down:
        lines.append(paint(NETWORK_DOWN_NOTE, BOLD, RED))
    trend = trend_line(report.trend)
    if trend is not None:
        lines.append(paint(trend, DIM))
    worst = report.worst()
    lines.append(paint(summary_line(report), BOLD, SEVERITY_COLORS[worst] if worst else GREEN))
    return "\n".join(lines) + "\n"
