"""Heading anchors, and that naming them loads no Markdown parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from linkcheck.slugs import (
    github_slugs,
    heading_slug,
    kramdown_slug,
    numbered_slugs,
    python_markdown_slugs,
)


def test_github_and_kramdown_anchors() -> None:
    assert heading_slug("Hello, World!") == "hello-world"
    assert heading_slug("a  b") == "a--b"
    assert kramdown_slug("1. Hello, World!") == "hello-world"
    assert kramdown_slug("!!!") == "section"
    assert list(github_slugs(["Notes", "Notes", "Notes"])) == ["notes", "notes-1", "notes-2"]
    assert list(numbered_slugs(["A", "a"], kramdown_slug)) == ["a", "a-1"]


def test_the_run_loads_no_markdown_parser() -> None:
    # Worker processes extract the posts of a large blog; the process that checks the links
    # (and names every post's anchors for the site model) never needs a Markdown parser.
    code = (
        "import sys, linkcheck.app, linkcheck.site, linkcheck.rules; "
        "print(sorted(m for m in ('markdown_it', 'pyromark', 'linkcheck.extract') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("headings", "anchors"),
    [
        (["Caret, Mark & Tilde"], ["caret-mark-tilde"]),
        (["Café au lait"], ["cafe-au-lait"]),
        (["Setup", "Setup", "Setup"], ["setup", "setup_1", "setup_2"]),
        (["日本語", "!!"], ["_1", "_2"]),
        (["  a -- b  "], ["a-b"]),
    ],
)
def test_python_markdown_anchors(headings: list[str], anchors: list[str]) -> None:
    # Python-Markdown's toc extension (MkDocs): ASCII only, runs of blanks and dashes one
    # dash, repeats and empty ones numbered with an underscore.
    assert list(python_markdown_slugs(headings)) == anchors
