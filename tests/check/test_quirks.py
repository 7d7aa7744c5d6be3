"""The site quirks table: what the checker knows about particular sites, as data."""

from __future__ import annotations

import pytest

from linkcheck.check import quirks
from linkcheck.check.classify import BLOCKED_STATUSES, describe_status


def test_nonstandard_statuses() -> None:
    assert describe_status(999) == "999 Request Denied"
    assert 999 in BLOCKED_STATUSES
    assert frozenset({999}) == quirks.NONSTANDARD_BLOCKED_STATUSES
    assert describe_status(522) == "522 Connection Timed Out"


@pytest.mark.parametrize(
    ("url", "paper"),
    [
        ("https://arxiv.org/abs/2408.15664", ("2408.15664", True)),
        ("https://arxiv.org/pdf/2408.15664v2", ("2408.15664", False)),
        ("https://example.org/abs/2408.15664", None),
    ],
)
def test_arxiv_papers(url: str, paper: tuple[str, bool] | None) -> None:
    assert quirks.arxiv_paper(url) == paper
