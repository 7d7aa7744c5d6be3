"""The format registry: one interface for every format."""

from __future__ import annotations

import io
import json

import pytest

from linkcheck.models import Report, UsageError
from linkcheck.report.formats import FORMAT_NAMES, FORMATS, render
from linkcheck.rules import RULES


def test_every_format_is_registered_and_pure(report: Report) -> None:
    assert FORMAT_NAMES == ("text", "json", "markdown", "sarif", "github", "junit")
    for name, fmt in FORMATS.items():
        first = render(report, name)
        assert first == render(report, name) == fmt.render(report, color=False)
        assert isinstance(first, str)


def test_write_puts_the_rendered_text_on_the_stream(report: Report) -> None:
    for fmt in FORMATS.values():
        out = io.StringIO()
        fmt.write(report, out)
        rendered = fmt.render(report)
        assert out.getvalue() == (rendered if rendered.endswith("\n") else rendered + "\n")


def test_sarif_lists_every_rule(report: Report) -> None:
    log = json.loads(render(report, "sarif"))
    rules = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert rules == [rule.id for rule in RULES]


def test_unknown_format(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown report format 'html'"):
        render(report, "html")
