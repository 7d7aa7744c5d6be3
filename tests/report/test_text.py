"""The terminal report: exact output, colour only on request, no control characters."""

from __future__ import annotations

import re
from dataclasses import replace

from report_data import make_report

from linkcheck.models import Finding, Location, Report, Severity
from linkcheck.report.formats import render
from linkcheck.report.text import render as render_text
from linkcheck.report.text import summary_line

EXPECTED = (
    "content/blog/post.md\n"
    "  content/blog/post.md:10:5  error    dead-link  https://example.org/gone\n"
    "      404 Not Found\n"
    "      title: <script>alert(1)</script> @everyone\n"
    "  content/blog/post.md:12:3  warning  missing-fragment  https://example.org/old#intro\n"
    "      #intro is not on the page\n"
    "      title: Old ](javascript:alert(1)) ![x](https://evil/img)\n"
    "  content/blog/post.md:12:3  warning  moved-link  https://example.org/old#intro\n"
    "      moved permanently (301)\n"
    "      → https://example.org/new#intro\n"
    "  content/blog/post.md:14:1  info     unverified-link  https://evil.test/?q=@everyone\n"
    "      403 Forbidden ::error::pwned %0A\n"
    "      title: :\u2060:set-output name=x::y line2 red%0A\n"
    "      → :\u2060:set-output name=x::y\n"
    "  content/blog/post.md:16:10  warning  malformed-url  javascript:alert(1)\n"
    "      not an http(s) URL\n"
    "\n"
    "problems:\n"
    "  content/blog/broken.md:3: not valid UTF-8\n"
    "\n"
    "no Resources section: content/blog/other.md\n"
    "6 links (5 unique URLs, 1 from cache) in 2 posts: 1 error, 3 warnings, 1 info, "
    "1 unreadable file · 0.8 s\n"
)


def test_golden(report: Report) -> None:
    assert render_text(report) == EXPECTED
    assert render(report, "text") == EXPECTED


def test_no_control_characters_without_color(report: Report) -> None:
    out = render_text(report)
    assert "\x1b" not in out
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)


def test_color_uses_only_sgr_codes(report: Report) -> None:
    out = render_text(report, color=True)
    assert "\x1b[31m" in out
    codes = set(re.findall(r"\x1b\[[0-9;]*[A-Za-z]", out))
    allowed = {f"\x1b[{n}m" for n in (0, 1, 2, 31, 32, 33, 36)}
    assert codes <= allowed
    # the title's own "\x1b[31m" was removed: stripping our codes leaves the plain output
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == EXPECTED


def test_clean_run(empty_report: Report) -> None:
    assert render_text(empty_report) == (
        "0 links (0 unique URLs) in 1 post: 0 errors, 0 warnings, 0 info · 0.0 s\n"
    )


def test_offline_and_network_down_notes(empty_report: Report) -> None:
    out = render_text(replace(empty_report, offline=True, network_down=True))
    assert out.splitlines()[:2] == [
        "offline: network checks skipped",
        "network unreachable: nothing could be verified",
    ]


def test_verdicts_without_findings_are_not_listed(report: Report) -> None:
    out = render_text(replace(report, findings=()))
    assert "img.test" not in out
    assert "content/blog/post.md\n" not in out


def test_post_level_finding_without_url() -> None:
    finding = Finding("uncited-resource", Severity.INFO, Location("a.md", 3, 1), "x\x1b]0;t\x07y")
    out = render_text(make_report(findings=(finding,), problems=(), posts=(), links=()))
    assert "  a.md:3:1  info     uncited-resource\n      xy\n" in out


def test_summary_line_counts_from_report_without_stats(report: Report) -> None:
    line = summary_line(replace(report, stats={}, problems=()))
    assert line == (
        "6 links (5 unique URLs, 1 from cache) in 2 posts: 1 error, 3 warnings, 1 info · 0.8 s"
    )
