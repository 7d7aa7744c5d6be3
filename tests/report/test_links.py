"""The output of ``linkcheck extract``: rendered whole, or written piece by piece."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from linkcheck.models import Document, Link, Post, Report
from linkcheck.report.json import link_to_dict
from linkcheck.report.links import (
    LINKS_PER_PIECE,
    render_links,
    render_post_links,
    write_links,
    write_rendered,
)


@pytest.mark.parametrize("count", [0, 1, 6])
def test_json_is_the_indented_list_of_link_objects(report: Report, count: int) -> None:
    links = list(report.links[:count])
    expected = json.dumps([link_to_dict(link) for link in links], indent=2, ensure_ascii=False)
    assert render_links(links, "json") == expected


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("count", [0, 6])
def test_write_links_adds_the_final_line_break(report: Report, fmt: str, count: int) -> None:
    links: list[Link] = list(report.links[:count])
    buffer = io.StringIO()
    write_links(links, fmt, buffer)
    assert buffer.getvalue() == render_links(links, fmt) + "\n"


def test_text_ends_with_the_counts(report: Report) -> None:
    lines = render_links(report.links, "text").split("\n")
    assert len(lines) == len(report.links) + 1
    sources = len({link.source.key for link in report.links})
    assert lines[-1] == f"{len(report.links)} links, {sources} sources"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_links_still_arriving_are_written_as_they_come(report: Report, fmt: str) -> None:
    links = [report.links[n % len(report.links)] for n in range(LINKS_PER_PIECE * 3 + 5)]
    buffer = io.StringIO()
    written: list[int] = []  # how much was written when each link was asked for

    def arriving() -> Iterator[Link]:
        for link in links:
            written.append(len(buffer.getvalue()))
            yield link

    write_links(arriving(), fmt, buffer)
    assert buffer.getvalue() == render_links(links, fmt) + "\n"
    assert written[LINKS_PER_PIECE - 1] == 0
    assert 0 < written[LINKS_PER_PIECE] < written[-1]  # a piece out before the next is read


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("cuts", [(), (0,), (0, 0, 3), (2, 5), (1, 2, 3, 4, 5, 6)])
def test_posts_rendered_one_by_one_make_the_text_of_all_their_links(
    report: Report, fmt: str, cuts: tuple[int, ...]
) -> None:
    # What worker processes render post by post, put together, is what write_links writes.
    links = list(report.links)
    bounds = [0, *cuts, len(links)]
    posts = [
        Post(
            Document(Path(f"p{n}.md"), f"p{n}.md", "", {}, 0), tuple(links[a:b]), frozenset(), True
        )
        for n, (a, b) in enumerate(pairwise(bounds))
    ]
    buffer = io.StringIO()
    write_rendered((render_post_links(post, fmt) for post in posts), fmt, buffer)
    expected = io.StringIO()
    write_links(links, fmt, expected)
    assert buffer.getvalue() == expected.getvalue()
