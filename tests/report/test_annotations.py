"""The ``github`` format: exact workflow commands, none injectable."""

from __future__ import annotations

from dataclasses import replace

from linkcheck.models import Finding, Location, Report, Severity
from linkcheck.report.annotations import ANNOTATIONS_PER_KIND
from linkcheck.report.annotations import render as render_github
from linkcheck.report.formats import render

EXPECTED = (
    "::error file=content/blog/broken.md,line=3,title=linkcheck input::not valid UTF-8 \n"
    "::error file=content/blog/post.md,line=10,col=5,title=linkcheck dead-link::"
    "404 Not Found%0AURL: https://example.org/gone\n"
    "::warning file=content/blog/post.md,line=12,col=3,title=linkcheck missing-fragment::"
    "#intro is not on the page%0AURL: https://example.org/old#intro\n"
    "::warning file=content/blog/post.md,line=12,col=3,title=linkcheck moved-link::"
    "moved permanently (301)%0AURL: https://example.org/old#intro"
    "%0ASuggestion: https://example.org/new#intro\n"
    "::notice file=content/blog/post.md,line=14,col=1,title=linkcheck unverified-link::"
    "403 Forbidden%0A::error::pwned %250A%0AURL: https://evil.test/?q=@everyone"
    "%0ASuggestion: ::set-output name=x::y\n"
    "::warning file=content/blog/post.md,line=16,col=10,title=linkcheck malformed-url::"
    "not an http(s) URL%0AURL: javascript:alert(1)\n"
)
COMMAND_STARTS = ("::error ", "::warning ", "::notice ", "::error::", "::notice::")


def test_golden(report: Report) -> None:
    assert render_github(report) == EXPECTED
    assert render(report, "github") == EXPECTED


def test_every_line_is_one_intended_command(report: Report) -> None:
    hostile = Finding(
        "dead-link",
        Severity.ERROR,
        Location("posts/a,b:c%.md\n::set-output name=x::y", 1, 1),
        "gone\r\n::set-output name=x::y\n::add-mask::z\x1b[31m",
        url="https://x.test/\n::stop-commands::t",
        suggestion="\r::error::fake",
    )
    out = render_github(replace(report, findings=(*report.findings, hostile)))
    lines = out.splitlines()
    assert len(lines) == len(report.findings) + 2
    for line in lines:
        assert line.startswith(COMMAND_STARTS)
        name, _, _message = line[2:].partition("::")
        assert "::" not in name  # the properties end at the first "::"
    last = next(line for line in lines if "posts/a" in line)
    assert "file=posts/a%2Cb%3Ac%25.md%0A%3A%3Aset-output name=x%3A%3Ay," in last
    assert "\x1b" not in out
    assert "\r" not in out


def test_network_down_and_offline(empty_report: Report) -> None:
    down = render_github(replace(empty_report, network_down=True))
    assert down == "::error::linkcheck: the network was unreachable, nothing could be verified\n"
    offline = render_github(replace(empty_report, offline=True))
    assert offline == "::notice::linkcheck: offline run, network checks were skipped\n"
    assert render_github(empty_report) == ""


def _finding_at(line: int, severity: Severity) -> Finding:
    rule = "dead-link" if severity is Severity.ERROR else "moved-link"
    return Finding(
        rule, severity, Location("posts/p.md", line, 1), "gone", url=f"https://x.test/{line}"
    )


def test_more_annotations_than_github_shows_go_to_the_log(empty_report: Report) -> None:
    errors = [_finding_at(line, Severity.ERROR) for line in range(1, 26)]
    warnings = [_finding_at(100 + line, Severity.WARNING) for line in range(3)]
    out = render_github(replace(empty_report, findings=(*errors, *warnings)))
    lines = out.splitlines()
    error_commands = [line for line in lines if line.startswith("::error ")]
    assert len(error_commands) == ANNOTATIONS_PER_KIND  # 9 findings and the summary
    assert error_commands[-1] == (
        "::error title=linkcheck more errors::linkcheck: 16 more errors are in the log, "
        "not shown here (GitHub shows 10 annotations of a kind per step)"
    )
    assert "line=9," in error_commands[8]
    assert "line=10," not in out
    logged = [line for line in lines if not line.startswith("::")]
    assert len(logged) == 16
    assert logged[0] == "linkcheck: posts/p.md:10:1: dead-link: gone · URL: https://x.test/10"
    assert len([line for line in lines if line.startswith("::warning ")]) == 3
    assert len(lines) == 9 + 1 + 16 + 3


def test_the_state_of_the_run_is_always_shown(empty_report: Report) -> None:
    errors = tuple(_finding_at(line, Severity.ERROR) for line in range(1, 30))
    out = render_github(replace(empty_report, findings=errors, network_down=True))
    assert out.splitlines()[0] == (
        "::error::linkcheck: the network was unreachable, nothing could be verified"
    )


def test_log_lines_read_as_plain_text(empty_report: Report) -> None:
    """Overflow lines are not workflow commands: nothing is percent-encoded, nothing breaks
    the line, and web text cannot start a command."""
    errors = [_finding_at(line, Severity.ERROR) for line in range(1, 12)]
    hostile = Finding(
        "dead-link",
        Severity.ERROR,
        Location("posts/p.md", 50, 1),
        "100% gone\n::error::pwned\r\x1b[31mred",
        url="https://x.test/a%20b",
        suggestion="Remove the link",
    )
    out = render_github(replace(empty_report, findings=(*errors, hostile)))
    logged = [line for line in out.splitlines() if not line.startswith("::")]
    assert logged[-1] == (
        "linkcheck: posts/p.md:50:1: dead-link: 100% gone · ::error::pwned red"
        " · URL: https://x.test/a%20b · Suggestion: Remove the link"
    )
    assert "%0A" not in "".join(logged)
