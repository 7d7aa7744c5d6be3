"""Counts and orderings every formatter shares, so all formats agree on the numbers.

``Report.stats`` keys read here (each optional; computed from the report when absent):

- ``unique_urls``: how many distinct URLs (fragment stripped) the run had to consider;
- ``cached``: how many results came from the cache rather than the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from linkcheck.models import Finding, Report, Severity

STAT_UNIQUE_URLS = "unique_urls"
STAT_CACHED = "cached"


@dataclass(frozen=True, slots=True)
class Counts:
    """The headline numbers of a report."""

    posts: int
    links: int
    unique_urls: int
    cached: int
    errors: int
    warnings: int
    infos: int


def checked_url(url: str) -> str:
    """The URL as checked: without its fragment."""
    return url.partition("#")[0]


def count(report: Report) -> Counts:
    """The headline numbers, from ``report.stats`` where given, else from the report itself."""
    by_severity = dict.fromkeys(Severity, 0)
    for finding in report.findings:
        by_severity[finding.severity] += 1
    unique = report.stats.get(STAT_UNIQUE_URLS)
    cached = report.stats.get(STAT_CACHED)
    return Counts(
        posts=len(report.posts),
        links=len(report.links),
        unique_urls=(
            unique if unique is not None else len({checked_url(k.url) for k in report.links})
        ),
        cached=cached if cached is not None else sum(r.from_cache for r in report.results.values()),
        errors=by_severity[Severity.ERROR],
        warnings=by_severity[Severity.WARNING],
        infos=by_severity[Severity.INFO],
    )


def finding_order(finding: Finding) -> tuple[int, int, int, str, str]:
    """Findings of one post in reading order; the most severe first on one spot."""
    return (
        finding.location.line,
        finding.location.column,
        -finding.severity.rank,
        finding.rule,
        finding.url or "",
    )


def by_post(report: Report) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by post: posts in report order (then any other path, sorted)."""
    groups: dict[str, list[Finding]] = {post.path: [] for post in report.posts}
    for finding in report.findings:
        groups.setdefault(finding.location.path, []).append(finding)
    known = [post.path for post in report.posts]
    others = sorted(set(groups) - set(known))
    return [
        (path, sorted(groups[path], key=finding_order))
        for path in _unique([*known, *others])
        if groups[path]
    ]


def posts_without_resources(report: Report) -> list[str]:
    """Paths of posts that have links but no Resources section."""
    return [post.path for post in report.posts if not post.has_resources and post.links]


def plural(number: int, word: str, many: str | None = None) -> str:
    """``1 post``, ``2 posts`` (or the given plural)."""
    return f"{number} {word if number == 1 else (many or word + 's')}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


MAX_TITLE_CHARS = 200
"""Page titles longer than this are cut in human-readable reports."""
MAX_TEXT_CHARS = 1000
"""Messages, reasons and suggestions longer than this are cut in human-readable reports."""


def title_of(report: Report, url: str | None) -> str | None:
    """The page title found for a link's URL, if it was checked and had one."""
    if url is None:
        return None
    result = report.results.get(checked_url(url))
    return result.title if result is not None and result.title else None
