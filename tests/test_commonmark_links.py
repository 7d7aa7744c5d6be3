"""The CommonMark spec's link-related examples: the links we report are the links it renders.

For each example of ``fixtures/commonmark/spec_examples.json`` (see its README), the multiset of
destinations we extract (bare URLs aside) must equal the ``href`` of every ``<a>`` and the
``src`` of every ``<img>`` in the spec's expected HTML. Markdown destinations are compared
after markdown-it's ``normalizeLink`` (the percent-encoding a renderer applies); raw HTML is
copied into the output as written, so ``html`` links are compared decoded, as written.

Bare URLs (GFM's autolink extension) are not in the CommonMark HTML: they are checked against
their own list. Every reported place must point at the URL as written (or at the ``[`` of a
reference link), and the kind must agree with the syntax found there.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.common.utils import unescapeAll

from linkcheck.extract import extract_post
from linkcheck.models import Document, Link, LinkKind, Post

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "commonmark" / "spec_examples.json"
EXAMPLES: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
SPEC_EXAMPLE_COUNT = 315

RENDERED_URL_ATTRIBUTES = {"a": "href", "img": "src"}
"""Where the spec's HTML output puts a link's destination."""

EXTRA_HTML_LINKS: dict[int, list[str]] = {
    617: ["foo.jpg"],  # a custom element's src is a link (MDX components are written this way)
}
"""Links we report on purpose that the spec's HTML does not render as ``<a>`` or ``<img>``."""

BARE_LINKS: dict[int, list[tuple[str, int, int]]] = {
    602: [("https://foo.bar/baz", 1, 2)],  # not an autolink (space), but a GFM bare URL
    608: [("https://foo.bar", 1, 3)],  # likewise, inside `< ... >` with spaces
    611: [("https://example.com", 1, 1)],  # plain text in CommonMark, a bare URL in GFM
    612: [("mailto:foo@bar.example.com", 1, 1)],  # likewise, an email autolink in GFM
}
"""(url, line, column) of the bare URLs GFM finds in the examples; no other example has one."""

HTML_ATTRIBUTE_BEFORE = re.compile(r"[A-Za-z][\w:-]*\s*=\s*[\"']?\Z")
INLINE_BEFORE = re.compile(r"\]\(\s*<?\Z")
DEFINITION_BEFORE = re.compile(r"\]:\s*<?\Z")


class _RenderedLinks(HTMLParser):
    """Destinations of ``<a href>`` and ``<img src>`` in HTML (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = RENDERED_URL_ATTRIBUTES.get(tag)
        self.urls.extend(value or "" for name, value in attrs if name == wanted)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def rendered(markup: str) -> Counter[str]:
    parser = _RenderedLinks()
    parser.feed(markup)
    parser.close()
    return Counter(parser.urls)


def extracted(post: Post, example: int) -> Counter[str]:
    found = Counter(
        link.url if link.kind in (LinkKind.HTML, LinkKind.HTML_EMBED) else normalizeLink(link.url)
        for link in post.links
        if link.kind is not LinkKind.BARE
    )
    found.subtract(EXTRA_HTML_LINKS.get(example, []))
    return +found


def post_of(markdown: str) -> Post:
    return extract_post(Document(Path("example.md"), "example.md", markdown, {}, 0))


def check_place(post: Post, link: Link) -> None:
    """The reported line and column point at the URL (or the ``[`` of a reference use)."""
    text = post.document.text
    lines = text.split("\n")
    at = lines[link.location.line - 1][link.location.column - 1 :]
    written = text[link.start : link.end]
    before = text[: link.start]
    if link.kind is LinkKind.REFERENCE or (
        link.kind is LinkKind.IMAGE and not at.startswith(written)
    ):
        assert at.startswith("["), link
        assert DEFINITION_BEFORE.search(before) or not link.url, link
        assert unescapeAll(written) == link.url, link
        return
    assert at.startswith(written), link
    if link.kind in (LinkKind.INLINE, LinkKind.IMAGE):
        assert INLINE_BEFORE.search(before), link
        assert unescapeAll(written) == link.url, link
    elif link.kind is LinkKind.AUTOLINK:
        assert before.endswith("<"), link
        assert text[link.end : link.end + 1] == ">", link
        assert link.url in (written, f"mailto:{written}"), link
    elif link.kind in (LinkKind.HTML, LinkKind.HTML_EMBED):
        assert HTML_ATTRIBUTE_BEFORE.search(before), link
        assert html.unescape(written) == link.url, link
    else:
        assert link.kind is LinkKind.BARE, link
        assert link.url in (written, f"mailto:{written}"), link


def test_fixture_holds_the_link_sections() -> None:
    assert len(EXAMPLES) == SPEC_EXAMPLE_COUNT
    assert set(EXTRA_HTML_LINKS) | set(BARE_LINKS) <= {e["example"] for e in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"example-{e['example']}")
def test_spec_example(example: dict[str, Any]) -> None:
    number = example["example"]
    post = post_of(example["markdown"])
    assert extracted(post, number) == rendered(example["html"])
    bare = [
        (link.url, link.location.line, link.location.column)
        for link in post.links
        if link.kind is LinkKind.BARE
    ]
    assert bare == BARE_LINKS.get(number, [])
    for link in post.links:
        check_place(post, link)


@pytest.mark.parametrize(
    ("text", "links"),
    [
        # GFM's extended autolinks: the link runs to a blank or `<`, then its end is trimmed
        ("https://example.com/a)b", ["https://example.com/a)b"]),
        ("(https://example.com/a)", ["https://example.com/a"]),
        ("https://example.com/a(b)c) x", ["https://example.com/a(b)c"]),
        ("https://example.com/a((b))", ["https://example.com/a((b))"]),
        ("https://example.com/q?x=1&amp;y=2 x", ["https://example.com/q?x=1&amp;y=2"]),
        ("https://example.com/a&hl; x", ["https://example.com/a"]),
        ("https://example.com/a<b", ["https://example.com/a"]),
        ("http://localhost:8080/x.", ["http://localhost:8080/x"]),
        ("ftp://files.example/a, then", ["ftp://files.example/a"]),
        ("www.commonmark.org/he<lp", ["www.commonmark.org/he"]),
        ("www.example_x.com and www.a_b.example.com", ["www.a_b.example.com"]),
        ("https://", []),
        ("www.", []),
        # emails, bare or with mailto: / xmpp:
        ("write to foo@bar.example.", ["mailto:foo@bar.example"]),
        ("a.b-c_d+e@sub.example.org", ["mailto:a.b-c_d+e@sub.example.org"]),
        ("mailto:foo@bar.example", ["mailto:foo@bar.example"]),
        ("xmpp:foo@bar.example/home x", ["xmpp:foo@bar.example/home"]),
        ("foo@bar", []),
        ("foo@bar.example-", []),
        ("foo@bar.example_", []),
        ("foo@bar.2024", []),
        ("`foo@bar.example`", []),
        ("[foo@bar.example](https://x.example)", ["https://x.example"]),
        ("<foo@bar.example>", ["mailto:foo@bar.example"]),
    ],
)
def test_gfm_extended_autolinks(text: str, links: list[str]) -> None:
    """GFM's autolink extension (www., http(s)://, ftp://, emails, mailto:/xmpp:), rule by
    rule: every link GFM renders is extracted, and nothing else."""
    assert [link.url for link in post_of(text).links] == links
