"""The Markdown report: exact output, nothing active from the web, and the size cap."""

from __future__ import annotations

import re
from dataclasses import replace

from report_data import POST, assert_golden

from linkcheck.models import Finding, Location, Report, Severity
from linkcheck.report.formats import render
from linkcheck.report.markdown import MARKER
from linkcheck.report.markdown import render as render_markdown


def test_golden(report: Report) -> None:
    assert_golden("report.md", render_markdown(report))
    assert render(report, "markdown") == render_markdown(report)


def test_marker_first(report: Report) -> None:
    assert render_markdown(report).startswith(MARKER + "\n")


def test_clean_run(empty_report: Report) -> None:
    out = render_markdown(empty_report)
    assert "No findings: every link checked out." in out
    assert "###" not in out


def test_nothing_active_from_the_web(report: Report) -> None:
    out = render_markdown(report)
    assert "<script" not in out
    assert "<b>" not in out
    # every @ is followed by a zero-width joiner, except inside autolinks and code spans
    outside = re.sub(r"<https?://[^>]*>|`[^`]*`", "", out)
    assert not re.search(r"@(?!\u200d)", outside)
    assert "](" not in outside.replace("\\](", "")
    assert "![" not in outside.replace("\\![", "")
    assert "(javascript:" not in outside.replace("\\(javascript:", "")
    assert "<javascript" not in out
    assert "\x1b" not in out
    assert "\r" not in out


def test_table_rows_have_five_cells(report: Report) -> None:
    rows = [line for line in render_markdown(report).splitlines() if line.startswith("| `content")]
    assert rows
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6


def _big_report(report: Report, count: int) -> Report:
    findings = tuple(
        Finding(
            "dead-link",
            Severity.ERROR,
            Location(POST, line, 1),
            "404 Not Found " + "x" * 200,
            url=f"https://example.org/{line}",
        )
        for line in range(1, count + 1)
    )
    return replace(report, findings=findings)


def test_truncates_whole_rows_and_says_how_many(report: Report) -> None:
    big = _big_report(report, 2_000)
    out = render_markdown(big)
    assert len(out) <= 65_000
    kept = out.count("| error | `dead-link` |")
    assert 0 < kept < 2_000
    assert f"{2_000 - kept} findings, 5 sources." in out
    assert "<details>" not in out
    assert out.rstrip().endswith("for the full report.")


def test_small_cap(report: Report) -> None:
    out = render_markdown(report, max_chars=1_500)
    assert len(out) <= 1_500
    assert "Left out to stay under GitHub's size limit:" in out


def test_fits_exactly_without_note(report: Report) -> None:
    full = render_markdown(report)
    assert render_markdown(report, max_chars=len(full) + 400) == full


def test_post_heading_escapes_the_title(report: Report) -> None:
    from report_data import OTHER

    finding = Finding("empty-link", Severity.WARNING, Location(OTHER, 2, 1), "empty <a>")
    out = render_markdown(replace(report, findings=(finding,)))
    assert "### `content/blog/other.md` · Other &lt;b&gt;post&lt;/b&gt;\n" in out
    assert "| `content/blog/other.md:2` | warning | `empty-link` | — | empty &lt;a&gt; |" in out


def test_urls_copy_paste_cleanly(report: Report) -> None:
    """No invisible character inside a URL: URLs in text are code spans, links autolinks."""
    out = render_markdown(report)
    for url in re.findall(r"`([a-z]+://[^`]*)`|<(https?://[^>]*)>", out):
        assert "\u200d" not in "".join(url)
    assert not re.search(r"https?:/\u200d/", out)
    assert not re.search(r"www\u200d", out)
