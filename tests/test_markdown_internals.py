"""markdown-it-py internals that ``linkcheck.extract.markdown`` uses.

The extraction wraps markdown-it's rules and reads its parser state; these are not part of
markdown-it's public API. pyproject pins the major version; this test names every internal
used, so an upgrade that changes one fails here, by name, before any extraction test does.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from linkcheck.extract import extract_post
from linkcheck.extract.markdown import parser
from linkcheck.models import Document, LinkKind

SUPPORTED_MAJOR = 4
"""The markdown-it-py major version pinned in pyproject.toml."""

INLINE_RULES = ("link", "image", "autolink", "linkify", "html_inline")
BLOCK_RULES = ("reference",)
STATE_INLINE_FIELDS = ("src", "pos", "posMax", "pending", "linkLevel", "tokens", "md", "env")
STATE_BLOCK_FIELDS = (
    "src",
    "bMarks",
    "eMarks",
    "tShift",
    "sCount",
    "blkIndent",
    "parentType",
    "line",
    "env",
)


def test_the_pinned_major_version_is_installed() -> None:
    assert int(version("markdown-it-py").split(".")[0]) == SUPPORTED_MAJOR


@pytest.mark.parametrize("name", INLINE_RULES)
def test_inline_rules_are_found_by_name(name: str) -> None:
    ruler = MarkdownIt("commonmark", {"linkify": True}).enable("linkify").inline.ruler
    index = ruler.__find__(name)
    assert index >= 0, f"markdown-it has no inline rule {name!r} any more"
    assert callable(ruler.__rules__[index].fn)


@pytest.mark.parametrize("name", BLOCK_RULES)
def test_block_rules_are_found_by_name(name: str) -> None:
    ruler = MarkdownIt("commonmark").block.ruler
    rule = ruler.__rules__[ruler.__find__(name)]
    assert callable(rule.fn)
    assert isinstance(rule.alt, list)


def test_parser_parts_used() -> None:
    md = MarkdownIt("commonmark", {"linkify": True})
    assert hasattr(md.inline, "terminator_re"), "markdown-it's inline terminator is gone"
    assert callable(md.helpers.parseLinkLabel)
    assert callable(md.normalizeLink)
    assert callable(md.validateLink)
    assert md.linkify is not None
    assert callable(md.linkify.match_at_start)


def test_state_fields_used() -> None:
    md = MarkdownIt("commonmark")
    inline = StateInline("a", md, {}, [])
    for name in STATE_INLINE_FIELDS:
        assert hasattr(inline, name), f"StateInline.{name} is gone"
    block = StateBlock("a\n", md, {}, [])
    for name in STATE_BLOCK_FIELDS:
        assert hasattr(block, name), f"StateBlock.{name} is gone"


def test_the_wrapped_rules_still_note_positions() -> None:
    """The whole chain: a link of each kind is found at its exact offset."""
    text = (
        "[a](https://a.example) <https://b.example> https://c.example ![i](/i.png)\n\n"
        "[r]\n\n[r]: https://r.example\n"
    )
    post = extract_post(Document(Path("p.md"), "p.md", text, {}, 0))
    found = {(link.kind, link.url, text[link.start : link.end]) for link in post.links}
    assert found == {
        (LinkKind.INLINE, "https://a.example", "https://a.example"),
        (LinkKind.AUTOLINK, "https://b.example", "https://b.example"),
        (LinkKind.BARE, "https://c.example", "https://c.example"),
        (LinkKind.IMAGE, "/i.png", "/i.png"),
        (LinkKind.REFERENCE, "https://r.example", "https://r.example"),
    }
    assert parser(www=False) is parser(www=False)
