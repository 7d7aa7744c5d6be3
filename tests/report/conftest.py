"""Fixtures of the formatter tests (the data lives in report_data.py)."""

from __future__ import annotations

import pytest
from report_data import POST, make_report

from linkcheck.models import PostSummary, Report


@pytest.fixture
def report() -> Report:
    """The reference report."""
    return make_report()


@pytest.fixture
def empty_report() -> Report:
    """A run over one healthy post without findings."""
    return make_report(
        posts=(PostSummary(POST, "Fine", 0, True),),
        links=(),
        results={},
        findings=(),
        problems=(),
        stats={},
        elapsed=0.04,
    )
