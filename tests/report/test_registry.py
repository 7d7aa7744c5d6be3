"""The formatter registry."""

from __future__ import annotations

import pytest

from linkcheck.models import Report, UsageError
from linkcheck.report import FORMAT_NAMES, FORMATTERS, render


def test_every_format_is_registered_and_pure(report: Report) -> None:
    assert FORMAT_NAMES == ("text", "json", "markdown", "sarif", "github", "junit")
    for name, formatter in FORMATTERS.items():
        first = render(report, name)
        assert first == render(report, name) == formatter(report, color=False)
        assert isinstance(first, str)


def test_unknown_format(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown report format 'html'"):
        render(report, "html")
