"""Property tests: extraction never raises, and every span and position points at the URL."""

from __future__ import annotations

import contextlib
import html
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from linkcheck.discover import read_document
from linkcheck.extract import extract_post
from linkcheck.extract.markdown import parser_for
from linkcheck.extract.positions import markdown_source
from linkcheck.extract.templates import code_spans
from linkcheck.models import Document, InputError, LinkKind, Post

MAX_EXAMPLES = 200

FRAGMENTS = [
    "[", "]", "(", ")", "<", ">", "!", "`", "```", "~~~", "*", "_", "\\", "|", ":", "#", "# ",
    "## Resources\n", "Sources\n---\n", "\n", "\n\n", "\r\n", "\r", "\t", " ", "    ", "> ", "- ",
    "1. ", "---", "...", "\"", "'", "=", "&amp;", "&#x29;", "é", "\xa0", "\x0c", "\u2028", "\ufeff",
    "http://a.example/", "https://b.example/x(y)", "www.c.example", "mailto:", "x@y.example",
    "[r]", "[r]: ", "[R]:\n", "](", "![", "<a href=\"", "<a href=", "<img src='", "\">", "</a>",
    "<!--", "-->", "<!-- linkcheck-ignore -->", "<!-- linkcheck-disable -->", "title: ",
    "url: https://fm.example/", "- ", "  ", "{", "}", "\x00",
    "{% highlight x %}", "{% endhighlight %}", "{%- set s %}", "{%- endset %}",
    "{{ s | highlight }}", "{% codeblock %}\n", "{{ x }}", "=\"",
]  # fmt: skip

TEMPLATES = [
    "[{t}]({u})", "[{t}](<{u}>)", "[{t}]({u} \"{t}\")", "![{t}]({u})", "[{t}][{l}]", "[{l}][]",
    "[{l}]", "![{t}][{l}]", "\n[{l}]: {u}\n", "\n[{l}]:\n  <{u}> '{t}'\n", "<{u}>", " {u} ",
    "<a href=\"{u}\">{t}</a>", "<a href='{u}'>", "<img src={u} alt='{t}'>",
    "\n<video\nsrc=\"{u}\">\n", "`{u}`", "\n```\n{u}\n```\n", "<!-- {u} -->", "\n# {t}\n",
    "| {t} | {u} |\n|---|---|\n| {u} |", "[{t}]()", "[{t}](<>)", "![{t}]( )",
    "<a href=\"\">{t}</a>", "<a href>{t}</a>", "<img src='' alt='{t}'>", "\n[{l}]: <>\n",
    "| [{t}]() | <a href> |\n|-|-|",
]  # fmt: skip
small = st.text(alphabet=st.sampled_from(list("ab \\[]()<>*_`&;#|\"'\n\té")), max_size=6)


def url_strategy(starts: list[str]) -> st.SearchStrategy[str]:
    """URLs: one of ``starts`` followed by a few awkward characters."""
    return st.tuples(st.sampled_from(starts), small).map("".join)


def link_strategy(templates: list[str], urls: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Links written from ``templates``: ``{t}`` a text, ``{u}`` a URL, ``{l}`` a label."""
    return st.builds(
        lambda template, t, u, label: template.format(t=t, u=u, l=label),
        st.sampled_from(templates),
        small,
        urls,
        st.sampled_from(["r", "R", "r ", "a b", "A  B", "x"]),
    )


urls = url_strategy(
    ["http://a.example/", "https://b.example/p", "www.c.example/", "/rel", "#x",
     "mailto:m@x.example", "u@h.example", "https://d.example/(x)"]
)  # fmt: skip
links = link_strategy(TEMPLATES, urls)
text_pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    links,
    st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
)
bodies = st.lists(text_pieces, max_size=40).map("".join)
documents_text = st.one_of(
    bodies,
    st.tuples(st.lists(text_pieces, max_size=12).map("".join), bodies).map(
        lambda parts: f"---\n{parts[0]}\n---\n{parts[1]}"
    ),
)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def documents(text: str, folder: Path) -> list[Document]:
    """The text as a bare document, and as read from a file when it can be read."""
    docs = [Document(folder / "raw.md", "raw.md", text, {}, 0)]
    path = folder / "post.md"
    path.write_bytes(text.encode("utf-8"))
    with contextlib.suppress(InputError):
        docs.append(read_document(path, cwd=folder))
    return docs


def position_offset(text: str, line: int, column: int) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts[line - 1] + column - 1


def as_written(kind: LinkKind, span: str) -> str:
    """What a span of the file means as a URL, decoded the way its syntax decodes it."""
    if kind is LinkKind.HTML:
        return html.unescape(span)
    if kind in (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.IMAGE):
        return unescapeAll(span)
    return span.replace("\\|", "|")  # a bare URL in a table cell


def markdown_links(doc: Document) -> int:
    """How many bracket links and images markdown-it itself finds (the count to match)."""
    src = markdown_source(doc.body)
    count = 0

    def walk(tokens: list[Token]) -> None:
        nonlocal count
        for token in tokens:
            if token.type == "inline" and token.children is not None:
                walk(token.children)
            elif (token.type == "image" and token.attrGet("src")) or (
                token.type == "link_open"
                and token.markup not in ("autolink", "linkify")
                and token.attrGet("href")
            ):
                count += 1

    walk(parser_for(src).parse(src, {}))
    return count


def check(post: Post) -> None:
    text = post.document.text
    for link in post.links:
        assert 0 <= link.start <= link.end <= len(text)
        span = text[link.start : link.end]
        offset = position_offset(text, link.location.line, link.location.column)
        if link.kind is LinkKind.FRONTMATTER:
            assert link.end <= post.document.body_offset
            assert offset == link.start
            assert span.strip()
            continue
        assert link.start >= post.document.body_offset
        if (
            link.kind in (LinkKind.AUTOLINK, LinkKind.BARE)
            and link.url.startswith("mailto:")
            and not (span.startswith("mailto:"))
        ):
            assert "mailto:" + span == link.url
        else:
            assert link.url in (span, as_written(link.kind, span)), (link, span)
        if not link.url:
            assert link.start == link.end, link  # an empty destination has an empty span
        if offset != link.start:
            # Reference links (and reference images) point at the `[` where they are used.
            assert link.kind in (LinkKind.REFERENCE, LinkKind.IMAGE), link
            assert text[offset] == "[", link
    if code_spans(post.document.body):
        return  # links in template tags shown as code are dropped: markdown-it knows no such tag
    bracket = [
        k
        for k in post.links
        if k.kind in (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.IMAGE) and k.url
    ]
    assert len(bracket) == markdown_links(post.document)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=documents_text)
def test_extract_never_raises_and_spans_point_at_urls(text: str, folder: Path) -> None:
    for doc in documents(text, folder):
        check(extract_post(doc))


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(text=st.text(max_size=200), offset=st.integers(min_value=-5, max_value=250))
def test_extract_tolerates_any_body_offset(text: str, offset: int) -> None:
    doc = Document(Path("x.md"), "x.md", text, {}, offset)
    post = extract_post(doc)
    assert all(0 <= link.start <= link.end <= len(text) for link in post.links)
