"""Link extraction: every kind, exact positions, sections, anchors and ignore comments."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.discover import read_document
from linkcheck.extract import extract_post, heading_slug
from linkcheck.extract.templates import code_spans
from linkcheck.models import Document, Link, LinkKind, Post, SourceKind
from linkcheck.sources import identify

REPO = Path(__file__).resolve().parent.parent
CARBON_POST = REPO / "content" / "blog" / "carbon-cost-of-ai-training.md"

INL, R, A, B, H, IMG, F = (
    LinkKind.INLINE,
    LinkKind.REFERENCE,
    LinkKind.AUTOLINK,
    LinkKind.BARE,
    LinkKind.HTML,
    LinkKind.IMAGE,
    LinkKind.FRONTMATTER,
)
E = LinkKind.HTML_EMBED


def post_of(text: str, *, path: str = "p.md", **kwargs: object) -> Post:
    doc = Document(Path(path), path, text, {}, 0)
    return extract_post(doc, **kwargs)  # type: ignore[arg-type]


def post_from_file(tmp_path: Path, content: str | bytes) -> Post:
    path = tmp_path / "p.md"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return extract_post(read_document(path, cwd=tmp_path))


def written(post: Post, link: Link) -> str:
    return post.document.text[link.start : link.end]


def summary(text: str) -> list[tuple[LinkKind, str, int, int]]:
    """(kind, url, line, column) of each link, checking the span is the URL as written."""
    post = post_of(text)
    return [(link.kind, link.url, link.location.line, link.location.column) for link in post.links]


# ---------------------------------------------------------------------------
# Each kind
# ---------------------------------------------------------------------------


def test_inline_links_with_titles_angles_escapes_and_parentheses() -> None:
    text = (
        'a [x](http://a.example/1 "title") b [y](<http://a.example/s p>)\n'
        "[z](http://a.example/\\(p\\)) [w](http://a.example/(p)) [v](http://a.example/?a=1&amp;b)"
    )
    post = post_of(text)
    assert [(k.kind, k.url, k.location.line, k.location.column) for k in post.links] == [
        (INL, "http://a.example/1", 1, 7),
        (INL, "http://a.example/s p", 1, 42),
        (INL, "http://a.example/(p)", 2, 5),
        (INL, "http://a.example/(p)", 2, 33),
        (INL, "http://a.example/?a=1&b", 2, 59),
    ]
    assert [written(post, link) for link in post.links] == [
        "http://a.example/1",
        "http://a.example/s p",
        "http://a.example/\\(p\\)",
        "http://a.example/(p)",
        "http://a.example/?a=1&amp;b",
    ]


def test_reference_links_full_collapsed_shortcut() -> None:
    text = (
        "Use [one] and [Two  Words][] and [text][ONE].\n"
        "\n"
        "[one]: http://r.example/1 'Title'\n"
        "[two words]:\n"
        "   <http://r.example/2>\n"
    )
    post = post_of(text)
    assert [(k.kind, k.url, k.text, k.location.line, k.location.column) for k in post.links] == [
        (R, "http://r.example/1", "one", 1, 5),
        (R, "http://r.example/2", "Two Words", 1, 15),
        (R, "http://r.example/1", "text", 1, 34),
    ]
    first, second, third = post.links
    # The span is the URL in the definition: what a fix rewrites.
    assert text[first.start : first.end] == "http://r.example/1"
    assert text.index("http://r.example/1") == first.start == third.start
    assert text[second.start : second.end] == "http://r.example/2"


def test_reference_first_definition_wins_and_undefined_is_text() -> None:
    text = "[a] [missing]\n\n[a]: http://first.example\n[A]: http://second.example\n"
    assert summary(text) == [(R, "http://first.example", 1, 1)]


def test_reference_definition_inside_code_does_not_count() -> None:
    text = "[b]\n\n```\n[b]: http://code.example\n```\n\n    [c]: http://indented.example\n[c]\n"
    assert summary(text) == []


def test_reference_image() -> None:
    text = "![Alt *text*][logo]\n\n[logo]: http://img.example/logo.png\n"
    post = post_of(text)
    (link,) = post.links
    assert (link.kind, link.url, link.text) == (IMG, "http://img.example/logo.png", "Alt text")
    assert (link.location.line, link.location.column) == (1, 2)


def test_autolinks_url_and_email() -> None:
    text = "x <https://auto.example/x> <me@mail.example> <mailto:a@b.example>"
    post = post_of(text)
    assert [(k.kind, k.url, k.location.column, written(post, k)) for k in post.links] == [
        (A, "https://auto.example/x", 4, "https://auto.example/x"),
        (A, "mailto:me@mail.example", 29, "me@mail.example"),
        (A, "mailto:a@b.example", 47, "mailto:a@b.example"),
    ]


def test_bare_urls_gfm_style() -> None:
    text = (
        "See https://bare.example/x. Then (https://b.example/y) and\n"
        "https://en.wikipedia.org/wiki/Foo_(bar), or www.example.com/z; not example.com nor\n"
        "setup.py nor ftp://files.example/a. Also *https://em.example/a* and\n"
        "http://x.example/?q=1&r=2!"
    )
    assert summary(text) == [
        (B, "https://bare.example/x", 1, 5),
        (B, "https://b.example/y", 1, 35),
        (B, "https://en.wikipedia.org/wiki/Foo_(bar)", 2, 1),
        (B, "www.example.com/z", 2, 45),
        (B, "ftp://files.example/a", 3, 14),
        (B, "https://em.example/a", 3, 43),
        (B, "http://x.example/?q=1&r=2", 4, 1),
    ]


def test_www_needs_a_boundary() -> None:
    assert summary("awww.example.com and (www.example.org)") == [(B, "www.example.org", 1, 23)]


def test_html_links_blocks_and_inline() -> None:
    text = (
        '<a href="http://h.example/1">Block <b>text</b></a>\n'
        "<img src='http://h.example/2.png' alt=\"A pic\">\n"
        "<video src=http://h.example/v.mp4></video>\n"
        "\n"
        "Inline <a\n"
        'href="http://h.example/3?a=1&amp;b=2">link *text*</a> and <iframe src="/embed">\n'
        "\n"
        '<link href="http://h.example/style.css"><source src="http://h.example/s.ogg">\n'
        '<audio src="http://h.example/a.mp3"></audio>\n'
    )
    post = post_of(text)
    assert [(k.kind, k.url, k.text, k.location.line, k.location.column) for k in post.links] == [
        (H, "http://h.example/1", "Block text", 1, 10),
        (E, "http://h.example/2.png", "A pic", 2, 11),
        (E, "http://h.example/v.mp4", "", 3, 12),
        (H, "http://h.example/3?a=1&b=2", "link text", 6, 7),
        (E, "/embed", "", 6, 72),
        (H, "http://h.example/style.css", "", 8, 13),
        (E, "http://h.example/s.ogg", "", 8, 54),
        (E, "http://h.example/a.mp3", "", 9, 13),
    ]
    assert written(post, post.links[3]) == "http://h.example/3?a=1&amp;b=2"


def test_images_and_image_inside_link() -> None:
    text = "![alt *t*](http://img.example/a.png) [![i](http://i.example/i.png)](http://out.example)"
    post = post_of(text)
    assert [(k.kind, k.url, k.text, k.location.column) for k in post.links] == [
        (IMG, "http://img.example/a.png", "alt t", 12),
        (IMG, "http://img.example/i.png".replace("img.", "i."), "i", 44),
        (INL, "http://out.example", "i", 69),
    ]


def test_relative_mailto_and_tel_links_are_extracted() -> None:
    text = "[a](/blog/x) [b](../img.png) [c](#heading) [d](mailto:x@y.example) [e](tel:+123)"
    assert [url for _, url, _, _ in summary(text)] == [
        "/blog/x",
        "../img.png",
        "#heading",
        "mailto:x@y.example",
        "tel:+123",
    ]


def test_frontmatter_urls_at_any_depth(tmp_path: Path) -> None:
    text = (
        "---\n"
        "title: T\n"
        "canonical: https://fm.example/c\n"
        "links:\n"
        "  - href: 'https://fm.example/0'\n"
        '  - {href: "https://fm.example/1", note: plain text}\n'
        "nested:\n"
        "  deep:\n"
        "    url:   http://fm.example/deep   \n"
        "count: 3\n"
        "---\n"
        "Body https://body.example\n"
    )
    post = post_from_file(tmp_path, text)
    assert [
        (k.kind, k.url, k.key_path, k.text, k.location.line, k.location.column, written(post, k))
        for k in post.links
    ] == [
        (F, "https://fm.example/c", "canonical", "canonical", 3, 12, "https://fm.example/c"),
        (F, "https://fm.example/0", "links.0.href", "links.0.href", 5, 12, "https://fm.example/0"),
        (F, "https://fm.example/1", "links.1.href", "links.1.href", 6, 13, "https://fm.example/1"),
        (F, "http://fm.example/deep", "nested.deep.url", "nested.deep.url", 9, 12,
         "http://fm.example/deep"),
        (B, "https://body.example", None, "https://body.example", 12, 6, "https://body.example"),
    ]  # fmt: skip
    assert not any(link.in_resources for link in post.links)


# ---------------------------------------------------------------------------
# Never extracted
# ---------------------------------------------------------------------------


def test_code_and_comments_are_never_extracted() -> None:
    text = (
        "`http://code.example` and `[a](http://code.example/2)`\n"
        "\n"
        "```\n"
        "http://fenced.example [a](http://fenced.example/2)\n"
        "```\n"
        "\n"
        "~~~md\n"
        "<a href='http://tilde.example'>x</a>\n"
        "~~~\n"
        "\n"
        "    http://indented.example\n"
        "\n"
        "<!-- http://comment.example [a](http://comment.example/2) -->\n"
        "\n"
        "x <!-- <a href='http://inline-comment.example'> --> y\n"
        "\n"
        "<script>var u = '<a href=\"http://script.example\">';</script>\n"
    )
    assert summary(text) == []


def test_link_inside_link_text_does_not_exist() -> None:
    text = "[outer [inner](http://in.example)](http://out.example)"
    assert summary(text) == [
        (INL, "http://in.example", 1, 16),
        (B, "http://out.example", 1, 36),
    ]


def empty_links(text: str) -> list[tuple[LinkKind, str, int, int, int, int]]:
    """(kind, text, line, column, start, end) of each link, checking each is empty."""
    post = post_of(text)
    assert all(link.url == "" and written(post, link) == "" for link in post.links)
    return [
        (link.kind, link.text, link.location.line, link.location.column, link.start, link.end)
        for link in post.links
    ]


def test_empty_markdown_destinations_are_empty_links_placed_after_the_parenthesis() -> None:
    text = "[a]() [b](<>) ![c]()\n[d](  )"
    assert empty_links(text) == [
        (INL, "a", 1, 5, 4, 4),
        (INL, "b", 1, 12, 11, 11),
        (IMG, "c", 1, 20, 19, 19),
        (INL, "d", 2, 7, 27, 27),
    ]


def test_empty_reference_definition_is_an_empty_link_where_it_is_used() -> None:
    text = "See [x] and [text][X].\n\n[x]: <>\n"
    post = post_of(text)
    assert empty_links(text) == [(R, "x", 1, 5, 30, 30), (R, "text", 1, 13, 30, 30)]
    assert text[post.links[0].start - 1 : post.links[0].start + 1] == "<>"


def test_empty_html_attributes_are_empty_links() -> None:
    text = (
        '<a href="">d</a> <img src="" alt="e"> <a href>f</a> <a HREF=\' \'>g</a>\n\n'
        '<div>\n<a href="">block</a>\n</div>\n'
    )
    assert empty_links(text) == [
        (H, "d", 1, 10, 9, 9),
        (E, "e", 1, 28, 27, 27),
        (H, "f", 1, 46, 45, 45),
        (H, "g", 1, 62, 61, 61),
        (H, "block", 4, 10, 86, 86),
    ]


def test_empty_links_in_tables_and_code() -> None:
    text = "| [t]() | <a href>u</a> |\n|---|---|\n| `[v]()` | w |\n\n    [x]()\n"
    assert empty_links(text) == [(INL, "t", 1, 7, 6, 6), (H, "u", 1, 18, 17, 17)]


def test_empty_links_reach_the_empty_link_rule() -> None:
    from linkcheck.rules import judge

    post = post_of('Text [a]() and <a href="">b</a>.\n')
    findings = judge([post], None)
    assert [(f.rule, f.location.line, f.location.column) for f in findings] == [
        ("empty-link", 1, 10),
        ("empty-link", 1, 25),
    ]


def test_a_destination_that_is_not_empty_is_not_an_empty_link() -> None:
    assert summary("[a](<b>) [c]( d )") == [(INL, "b", 1, 6), (INL, "d", 1, 15)]


# ---------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------


def test_repeated_urls_on_one_line_get_their_own_columns() -> None:
    text = "[a](http://a.example) [a](http://a.example) http://a.example http://a.example"
    assert [(line, col) for _, _, line, col in summary(text)] == [(1, 5), (1, 27), (1, 45), (1, 62)]


def test_crlf_tabs_and_non_ascii_columns() -> None:
    text = "x\r\n\tcafé [x](http://xn--caf-dma.example/é)\r\nhttp://bücher.example/a\r\n"
    post = post_of(text)
    assert [(k.url, k.location.line, k.location.column) for k in post.links] == [
        ("http://xn--caf-dma.example/é", 2, 11),
        ("http://bücher.example/a", 3, 1),
    ]
    assert all(written(post, k) == k.url for k in post.links)


def test_bom_is_not_counted_and_frontmatter_lines_are(tmp_path: Path) -> None:
    post = post_from_file(tmp_path, "\ufeff---\ntitle: x\n---\n\n[a](http://a.example)\n")
    (link,) = post.links
    assert (link.location.line, link.location.column) == (5, 5)
    assert post.document.has_bom
    assert written(post, link) == "http://a.example"


def test_containers_blockquotes_lists_tables() -> None:
    text = (
        "> quote [q](http://q.example/a)\n"
        "> > nested http://q.example/b\n"
        "lazy http://q.example/c\n"
        "\n"
        "- item [l](http://l.example/a)\n"
        "  continued http://l.example/b\n"
        "   1. deeper <http://l.example/c>\n"
        "\n"
        "| a | b |\n"
        "|---|---|\n"
        "| [t](http://t.example/x) | http://t.example/y \\| z |\n"
    )
    assert summary(text) == [
        (INL, "http://q.example/a", 1, 13),
        (B, "http://q.example/b", 2, 12),
        (B, "http://q.example/c", 3, 6),
        (INL, "http://l.example/a", 5, 12),
        (B, "http://l.example/b", 6, 13),
        (A, "http://l.example/c", 7, 15),
        (INL, "http://t.example/x", 11, 7),
        (B, "http://t.example/y", 11, 29),
    ]


def test_emphasis_line_breaks_and_escaped_brackets_in_link_text() -> None:
    text = "[*em\nbreak* `code`](http://em.example) [\\[esc\\]](http://esc.example)"
    post = post_of(text)
    assert [(k.text, k.location.line, k.location.column) for k in post.links] == [
        ("em break code", 2, 16),
        ("[esc]", 2, 45),
    ]


def test_headings_atx_and_setext_positions() -> None:
    text = "# Head [h](http://head.example) #\n\nSetext [s](http://set.example)\n===\n"
    assert summary(text) == [
        (INL, "http://head.example", 1, 12),
        (INL, "http://set.example", 3, 12),
    ]


# ---------------------------------------------------------------------------
# Resources section
# ---------------------------------------------------------------------------


def test_resources_section_bounds() -> None:
    text = (
        "# Title\n\nhttp://before.example\n\n"
        "## *Further  Reading*:\n\nhttp://r.example/a\n\n"
        "### Sub\n\nhttp://r.example/b\n\n"
        "## Next\n\nhttp://after.example\n"
    )
    post = post_of(text)
    assert post.has_resources
    assert [(k.url, k.in_resources) for k in post.links] == [
        ("http://before.example", False),
        ("http://r.example/a", True),
        ("http://r.example/b", True),
        ("http://after.example", False),
    ]


def test_resources_setext_heading_and_custom_names() -> None:
    text = "Sources\n-------\n\nhttp://r.example\n\nOther\n=====\n\nhttp://o.example\n"
    assert [k.in_resources for k in post_of(text).links] == [True, False]
    custom = post_of(text, resources_headings=["Other"])
    assert [k.in_resources for k in custom.links] == [False, True]


def test_no_resources_section() -> None:
    post = post_of("# Resources of the mind are vast\n\nhttp://a.example\n")
    assert not post.has_resources
    assert not post.links[0].in_resources


def test_reference_link_section_is_where_it_is_used() -> None:
    text = "[a]\n\n## References\n\n[a]: http://a.example\n\n[a]\n"
    post = post_of(text)
    assert [(k.location.line, k.in_resources) for k in post.links] == [(1, False), (7, True)]


# ---------------------------------------------------------------------------
# Anchors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("How AI's Carbon Footprint is Evolving", "how-ais-carbon-footprint-is-evolving"),
        ("What Can We Do?", "what-can-we-do"),
        ("  Spaces  twice ", "spaces--twice-"),
        ("snake_case & C++", "snake_case--c"),
        ("Ünïcödé Título", "ünïcödé-título"),
        ("ML CO₂ Impact", "ml-co₂-impact"),
    ],
)
def test_heading_slug(text: str, slug: str) -> None:
    assert heading_slug(text) == slug


def test_anchors_dedup_and_html_ids() -> None:
    text = (
        "# Intro\n\n## Intro\n\n## Intro\n\n## `code` *em*\n\n"
        '<div id="custom-id"></div>\n\nText <a name="old-anchor"></a>\n'
    )
    assert post_of(text).anchors == {
        "intro",
        "intro-1",
        "intro-2",
        "code-em",
        "custom-id",
        "old-anchor",
    }


# ---------------------------------------------------------------------------
# Ignore comments
# ---------------------------------------------------------------------------


def test_ignore_next_and_disable_enable_regions() -> None:
    text = (
        "<!-- linkcheck-ignore -->\n"
        "http://i.example/1 http://i.example/2\n"
        "\n"
        "x <!-- linkcheck-ignore --> [a](http://i.example/3) http://i.example/4\n"
        "\n"
        "<!-- linkcheck-disable -->\n"
        "http://d.example/1\n"
        "\n"
        "[r]\n"
        "<!-- linkcheck-enable -->\n"
        "\n"
        "http://e.example\n"
        "\n"
        "[r]: http://d.example/r\n"
    )
    post = post_of(text)
    assert [(k.url, k.ignored) for k in post.links] == [
        ("http://i.example/1", True),
        ("http://i.example/2", False),
        ("http://i.example/3", True),
        ("http://i.example/4", True),
        ("http://d.example/1", True),
        ("http://d.example/r", True),
        ("http://e.example", False),
    ]


def test_a_trailing_ignore_comment_covers_its_own_line_only() -> None:
    text = (
        "See [a](https://a.example/404) <!-- linkcheck-ignore -->\n"
        "\n"
        "Some text.\n"
        "\n"
        "[b](https://b.example/404)\n"
    )
    assert [(k.url, k.ignored) for k in post_of(text).links] == [
        ("https://a.example/404", True),
        ("https://b.example/404", False),
    ]


def test_an_ignore_comment_alone_covers_the_next_link_only() -> None:
    text = "<!-- linkcheck-ignore -->\n\n[c](https://c.example) [d](https://d.example)\n"
    assert [k.ignored for k in post_of(text).links] == [True, False]


def test_ignore_comment_inside_code_does_nothing() -> None:
    text = "```\n<!-- linkcheck-ignore -->\n```\n\nhttp://a.example\n"
    assert [k.ignored for k in post_of(text).links] == [False]


# ---------------------------------------------------------------------------
# Sources and documents
# ---------------------------------------------------------------------------


def test_each_link_has_a_source_and_display_path() -> None:
    post = post_of("http://a.example", path="blog/x.md")
    (link,) = post.links
    assert link.source is not None
    assert link.location.path == "blog/x.md"


def test_empty_and_whitespace_bodies() -> None:
    assert post_of("").links == ()
    assert post_of(" \n\t\n").links == ()


# ---------------------------------------------------------------------------
# The real post
# ---------------------------------------------------------------------------


def test_carbon_post() -> None:
    post = extract_post(read_document(CARBON_POST, cwd=REPO))
    links = post.links
    assert post.path == "content/blog/carbon-cost-of-ai-training.md"
    assert len(links) == 18
    assert len({link.url for link in links}) == 10
    assert sum(not link.in_resources for link in links) == 8
    assert sum(link.in_resources for link in links) == 10
    assert post.has_resources
    assert all(link.kind is LinkKind.INLINE for link in links)
    first = links[0]
    # Six frontmatter lines and a blank line come first: the body's first citation is line 10.
    assert (first.url, first.text) == (
        "https://arxiv.org/pdf/1906.02243",
        "study by Strubell et al.",
    )
    assert (first.location.line, first.location.column) == (10, 52)
    assert all(written(post, link) == link.url for link in links)
    assert [link.location.line for link in links if link.in_resources] == list(range(46, 56))
    assert "how-ais-carbon-footprint-is-evolving" in post.anchors
    assert "resources" in post.anchors


def test_frontmatter_crlf_flow_lists_and_html_in_blockquote(tmp_path: Path) -> None:
    text = (
        "---\r\nurl: \"https://a.example/x\"\r\nz: [https://q.example, 'http://r.example']\r\n"
        '---\r\n> <a href="https://c.example">c</a>\r\n'
    )
    post = post_from_file(tmp_path, text)
    assert [
        (k.kind, k.url, k.key_path, k.location.line, k.location.column) for k in post.links
    ] == [
        (F, "https://a.example/x", "url", 2, 7),
        (F, "https://q.example", "z.0", 3, 5),
        (F, "http://r.example", "z.1", 3, 25),
        (H, "https://c.example", None, 5, 12),
    ]
    assert all(written(post, k) == k.url for k in post.links)


def test_broken_frontmatter_in_a_document_is_not_fatal() -> None:
    doc = Document(Path("p.md"), "p.md", "---\na: [\n---\nhttp://a.example\n", {}, 13)
    assert [k.url for k in extract_post(doc).links] == ["http://a.example"]


def test_plain_and_marked_up_headings_give_the_same_kind_of_anchor() -> None:
    text = (
        "# Energy and water 2025\n\n## Energy *and* water\n\n"
        "Setext\nheading\n---\n\n### Café (v2)\n"
    )
    post = post_of(text)
    assert post.anchors == {
        "energy-and-water-2025",
        "energy-and-water",
        "setext-heading",
        "café-v2",
    }


# ---------------------------------------------------------------------------
# GFM details: bare link ends, www. domains, footnotes; MDX components and comments
# ---------------------------------------------------------------------------


def test_bare_links_end_where_gfm_ends_them() -> None:
    text = (
        "_https://a.example/u_ ~https://a.example/t~ see https://a.example/x: and\n"
        "https://a.example/p&hl; https://a.example/a_b_ (https://a.example/w_(x)))"
    )
    assert summary(text) == [
        (B, "https://a.example/u", 1, 2),
        (B, "https://a.example/t", 1, 24),
        (B, "https://a.example/x", 1, 49),
        (B, "https://a.example/p", 2, 1),
        (B, "https://a.example/a_b", 2, 25),
        (B, "https://a.example/w_(x)", 2, 49),
    ]


def test_a_bare_link_opened_by_a_double_quote_ends_at_the_next_one() -> None:
    # An attribute's value (MDC, kramdown), not a link running on into ``"}``; an
    # apostrophe, which URLs may hold, is left to GFM's rules.
    text = (
        '::tip{to="https://a.example/guide#start"}\nRead it.\n::\n\n'
        ":video{controls src=\"https://a.example/v.mp4\"} and 'https://a.example/it's'\n"
    )
    assert summary(text) == [
        (B, "https://a.example/guide#start", 1, 11),
        (B, "https://a.example/v.mp4", 5, 22),
        (B, "https://a.example/it's", 5, 53),
    ]


def test_links_in_template_tags_that_show_code_are_not_links() -> None:
    text = (
        '{% highlight html %}\n<a href="sample.md">Home</a>\n{% endhighlight %}\n\n'
        '{% codeblock lang:js %}\nfetch("https://api.example/v1")\n{% endcodeblock %}\n\n'
        '{%- set sample %}\n<a href="other-sample.md">x</a>\n{%- endset %}\n'
        '{{ sample | highlight("html") | safe }}\n\n'
        '{%- set nav %}\n<a href="kept.md">Home</a>\n{%- endset %}\n{{ nav | safe }}\n\n'
        "{% raw %}\n[raw is rendered](raw.md)\n{% endraw %}\n[after](after.md)\n"
    )
    assert [link.url for link in post_of(text).links] == ["kept.md", "raw.md", "after.md"]


def test_template_tags_left_open_cost_linear_time() -> None:
    text = "{% highlight x %}\n{% set a %}\n{{ a | highlight }}\n" * 50_000 + "[a](b.md)\n"
    started = time.process_time()
    spans = code_spans(text)
    assert time.process_time() - started < 2.0
    assert spans == []


def test_www_links_take_any_top_level_domain() -> None:
    assert summary("www.site.dev/p, www.a.example/b! www.bad.under_score") == [
        (B, "www.site.dev/p", 1, 1),
        (B, "www.a.example/b", 1, 17),
    ]


def test_a_bare_www_link_leads_over_http_and_cites_a_web_page() -> None:
    post = post_of("See www.Site.example/p and [rel](www.site.example/q).\n")
    bare, inline = post.links
    assert (bare.url, bare.kind, bare.target) == (
        "www.Site.example/p",
        LinkKind.BARE,
        "http://www.Site.example/p",
    )
    assert bare.source == identify("http://www.Site.example/p")
    assert bare.source.kind is not SourceKind.RELATIVE
    assert bare.is_external
    # a Markdown link to ``www.…`` is a relative link, as browsers read it
    assert (inline.url, inline.target) == ("www.site.example/q", "www.site.example/q")
    assert inline.source.kind is SourceKind.RELATIVE
    assert not inline.is_external


def test_footnote_definitions_are_not_reference_definitions() -> None:
    text = (
        "Claim[^1] and [^n].\n"
        "\n"
        "[^1]: https://foot.example/a\n"
        "[^n]: See [x](https://foot.example/b).\n"
        "\n"
        "    More https://foot.example/c\n"
        "\n"
        "    ```\n"
        "    https://code.example/\n"
        "    ```\n"
    )
    assert summary(text) == [
        (B, "https://foot.example/a", 3, 7),
        (INL, "https://foot.example/b", 4, 15),
        (B, "https://foot.example/c", 6, 10),
    ]


def test_components_with_src_or_href_are_html_links() -> None:
    text = (
        '<Figure src="https://c.example/f.png" alt="F" />\n'
        "\n"
        "Text <Cite\n"
        '  href="https://c.example/paper"\n'
        '/> and <Tweet id="1" />\n'
    )
    post = post_of(text)
    assert [(k.kind, k.url, k.text, k.location.line, k.location.column) for k in post.links] == [
        (E, "https://c.example/f.png", "F", 1, 14),
        (H, "https://c.example/paper", "", 4, 9),
    ]


def test_mdx_comments_hide_links_only_in_mdx() -> None:
    text = "{/* https://hidden.example/ */} https://shown.example/\n"
    mdx = Document(Path("p.mdx"), "p.mdx", text, {}, 0)
    assert [k.url for k in extract_post(mdx).links] == ["https://shown.example/"]
    assert [k.url for k in post_of(text).links] == [
        "https://hidden.example/",
        "https://shown.example/",
    ]


def test_html_link_around_an_image_takes_its_alt_text() -> None:
    text = '<p><a href="https://g.example/full"><img src="/t.jpg" alt="Thumb"></a></p>\n'
    assert [(k.url, k.text) for k in post_of(text).links] == [
        ("https://g.example/full", "Thumb"),
        ("/t.jpg", "Thumb"),
    ]


def test_srcset_candidates_and_embeds_are_links_at_their_places() -> None:
    text = '<picture><source srcset="a.webp 1x, /img/b.webp 2x"><img src="c.png"></picture>\n'
    post = post_of(text)
    found = [(link.url, link.kind.value, text[link.start : link.end]) for link in post.links]
    assert found == [
        ("a.webp", "html-embed", "a.webp"),
        ("/img/b.webp", "html-embed", "/img/b.webp"),
        ("c.png", "html-embed", "c.png"),
    ]


def test_a_tag_over_several_lines() -> None:
    text = 'Intro\n\n<a\n  class="x"\n  href="https://a.example/p">A</a>\n'
    [link] = post_of(text).links
    assert (link.url, link.location.line, link.location.column) == ("https://a.example/p", 5, 9)


MDX_POST = """import Card from "../components/Card.astro";
export const meta = {
  source: "https://source.example/paper",
  title: "x",
}

# Title {meta.title}

<Card title={meta.title} data={{a: 1, b: "https://data.example/x"}} href="https://card.example/">
  Children are Markdown: https://child.example/ and [more](https://more.example/).
</Card>

Some `{code}` text.

```js
const a = {b: "https://in-code.example"}
```

{/* https://hidden.example/ */}

Text with an expression
{items.map((x) => <li key={x}>{x}</li>)} and [after](https://after.example/).
"""


def test_mdx_code_is_not_markdown() -> None:
    doc = Document(Path("p.mdx"), "p.mdx", MDX_POST, {}, 0)
    post = extract_post(doc)
    found = [(k.kind.value, k.url, k.location.line) for k in post.links]
    assert found == [
        ("expression", "https://source.example/paper", 3),
        ("expression", "https://data.example/x", 9),
        ("html", "https://card.example/", 9),
        ("bare", "https://child.example/", 10),
        ("inline", "https://more.example/", 10),
        ("inline", "https://after.example/", 22),
    ]
    for link in post.links:
        assert MDX_POST[link.start : link.end] == link.url


def test_an_mdx_attribute_given_by_an_expression_is_no_link() -> None:
    # `src={image}`: the URL is the code's (an imported image), not an empty one. An empty
    # value written as such is still an empty link.
    post = post_of(
        'import Shot from "./shot.png"\n\n<Image src={Shot} alt="A" />\n\n'
        '<Image\n  src={Other}\n/>\n\n<a href={url}>x</a> <a href="">y</a>\n',
        path="p.mdx",
    )
    assert [(link.url, link.text) for link in post.links] == [("", "y")]


def test_mdx_code_blocks_one_after_another() -> None:
    # A closing fence is a whole line: its backticks open no code span that would run to
    # the next block's opening fence and leave that block's code read as Markdown and
    # expressions (the heading after it was lost).
    text = (
        "1. One\n\n   ```css\n   :root { a: b; }\n   ```\n\n"
        "2. Two\n\n   ```js\n   export default defineConfig({\n"
        "   \turl: 'https://code.example/'\n   });\n   ```\n\n"
        "### After the code\n\n[a](#after-the-code)\n"
    )
    post = extract_post(Document(Path("p.mdx"), "p.mdx", text, {}, 0))
    assert post.headings == ("After the code",)
    assert [(k.kind.value, k.url) for k in post.links] == [("inline", "#after-the-code")]


def test_mdx_rules_apply_only_to_mdx() -> None:
    post = post_of("export const a = {u: 'https://x.example'}\n")
    # in Markdown, GFM's bare link runs to the blank: `'` is trimmed from its end, `}` is not
    assert [(k.kind.value, k.url) for k in post.links] == [("bare", "https://x.example'}")]


def test_mdx_component_over_several_lines_with_indented_children() -> None:
    text = (
        "<Grid cols={2}>\n"
        "  <Card\n"
        '    title="Example"\n'
        '    href="https://card.example/"\n'
        "  >\n"
        "    Indented children are Markdown: https://child.example/\n"
        "  </Card>\n"
        "</Grid>\n"
    )
    doc = Document(Path("p.mdx"), "p.mdx", text, {}, 0)
    found = [(k.kind.value, k.url, k.location.line) for k in extract_post(doc).links]
    assert found == [("html", "https://card.example/", 4), ("bare", "https://child.example/", 6)]


def test_attribute_values_over_several_lines() -> None:
    text = (
        "<img\n"
        '  srcset="/a.png 1x,\n'
        '          /b.png 2x"\n'
        '  src="\n'
        "    /c.png\n"
        '  ">\n'
        "\n"
        'Inline <a href="\n'
        'https://d.example/x">d</a>\n'
    )
    post = post_of(text)
    found = [(k.url, k.location.line, text[k.start : k.end]) for k in post.links]
    assert found == [
        ("/a.png", 2, "/a.png"),
        ("/b.png", 3, "/b.png"),
        ("/c.png", 5, "/c.png"),
        ("https://d.example/x", 9, "https://d.example/x"),
    ]


@pytest.mark.parametrize(
    ("heading", "text", "anchor"),
    [
        ("Title {#custom-id}", "Title", "custom-id"),
        ("Title {: #custom-id .wide}", "Title", "custom-id"),
        ("Title {.wide #custom-id}", "Title", "custom-id"),
        ('9.7.0 <small>Nov</small> { id="9.7.0" }', "9.7.0 <small>Nov</small>", "9.7.0"),
        ("Title {id=plain}", "Title", "plain"),
        ("Title {.wide}", "Title", None),
        ("Sets {a, b} and {c}", "Sets {a, b} and {c}", None),
        ("Title {/* #custom-id */}", "Title", "custom-id"),
        ("Title {/*#custom-id extra words*/}", "Title", "custom-id"),
        ("Title {/*custom-id*/}", "Title", "custom-id"),
        ("Title {/* a remark, not an id */}", "Title", None),
        ("Title {/* */}", "Title", None),
        ("Code {/* x */} inside", "Code {/* x */} inside", None),
    ],
)
def test_heading_attribute_blocks(heading: str, text: str, anchor: str | None) -> None:
    # goldmark (Hugo), kramdown (Jekyll) and Python-Markdown (MkDocs) read an attribute block
    # at a heading's end: ``#id``, ``.class`` and ``key=value`` in any order, ``id=`` too.
    from linkcheck.extract.sections import split_heading_id

    assert split_heading_id(heading) == (text, anchor)


@pytest.mark.parametrize("suffix", [".md", ".mdx"])
def test_an_mdx_comment_ending_a_heading_gives_its_id(suffix: str) -> None:
    # Docusaurus reads `{/* #id */}` (and `{#id}`, in MDX too) as the heading's id, react.dev
    # `{/*id*/}`; the comment renders nothing, so the heading's own slug leaves it out. In
    # Markdown the comment's asterisks reach the parser as emphasis; in MDX it is blanked.
    text = (
        "## Hello World {/*my-id*/}\n\n## Other {/* #other-id */}\n\n"
        "## Classic {#classic-id}\n\n## Remark {/* not an id here */}\n"
    )
    post = extract_post(Document(Path("p" + suffix), "p" + suffix, text, {}, 0))
    assert {"my-id", "other-id", "classic-id", "hello-world", "other", "remark"} <= post.anchors
    assert post.headings == ("Hello World", "Other", "Classic", "Remark")
    assert not {"hello-world-my-id", "hello-world-", "classic-"} & post.anchors


def test_hostile_mdx_heading_comments_are_read_in_linear_time() -> None:
    from linkcheck.extract.sections import split_heading_id

    started = time.process_time()
    hostile = ("T {/*" * 20_000 + "}", "T {/* " + "a " * 50_000 + "*/ }x", "{/*" + "*" * 10**5)
    for heading in hostile:
        split_heading_id(heading)
    extract_post(Document(Path("p.mdx"), "p.mdx", "## T " + "{/*a*/}" * 20_000 + "\n", {}, 0))
    assert time.process_time() - started < 2.0  # milliseconds; quadratic would be minutes


def test_attribute_blocks_give_ids_to_any_element() -> None:
    # Python-Markdown's attr_list and kramdown's IAL give an id to what they follow.
    post = post_of(
        "*   **`locale`**{ #mkdocs-locale }: the locale.\n\nA paragraph.\n{: #para .x}\n"
    )
    assert {"mkdocs-locale", "para"} <= post.anchors


def test_definition_terms_outside_code() -> None:
    post = post_of(
        "`confirm`\n: Whether to ask.\n\nTerm two\n:   Its definition.\n\n"
        "```yaml\nkey\n: value in code\n```\n\n~~~\nalso\n: code\n~~~\n\n- item\n: not a term\n"
    )
    assert post.terms == ("`confirm`", "Term two")
    assert post_of("No terms: here\n").terms == ()


def test_definition_terms_take_linear_time() -> None:
    from linkcheck.extract import definition_terms

    started = time.process_time()
    assert len(definition_terms(("```\n```\n" + "a\n: b\n") * 50_000)) == 50_000
    definition_terms("\n: " * 200_000 + "```\n" * 100_000)
    assert time.process_time() - started < 5  # about 0.3 s; each term against each block: minutes


def test_an_empty_link_with_an_id_is_an_anchor_not_a_link() -> None:
    # mkdocs-autorefs places anchors as `[](){#id}`: an attribute list on a link with no text
    # nor destination. A link to nowhere with text, or without an id, is still one.
    post = post_of("[](){#int}\n\n[](){ #float .x } [](){: #k} [a](){#b} [](){.c} []()\n")
    assert {"int", "float", "k", "b"} <= post.ids
    assert [(link.url, link.text) for link in post.links] == [("", "a"), ("", ""), ("", "")]


def test_myst_targets_are_labels_and_ids() -> None:
    post = post_of(
        "(intro/start)=\n# Start\n\n```{figure} a.png\n:name: fig-a\n```\n\n"
        ":::{code-block}\n:label: code:x\n:::\n\nText (not)= here and :name: inline.\n"
    )
    assert post.labels == {"intro/start", "fig-a", "code:x"}
    assert post.labels <= post.ids <= post.anchors
    assert post_of("# Plain\n").labels == frozenset()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "--8<-- ",
                '"x.md"',
                "::: ",
                "mod",
                "{{#include ",
                "{% include ",
                "{%- include_relative ",
                "{{< include ",
                "{{% readfile ",
                "import X from './p.mdx'",
                "<!--@include: ./p.md-->",
                "<!-- @include:",
                "\n",
                " ",
                "text",
                "{",
                "%",
                "<",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_the_quick_include_test_agrees_with_the_pattern(body: str) -> None:
    from linkcheck.extract import INCLUDE_RE, takes_in_other_text

    assert takes_in_other_text(body) is (INCLUDE_RE.search(body) is not None)


@pytest.mark.parametrize(
    "heading",
    [
        "Title {" + "#a" * 5000 + " x",  # was read in 2**n ways: 20 of them took 0.4 s
        "Title {" + " " * 100_000 + "#",
        " \t" * 50_000 + "{#a}",
        "T {" + "k=v" * 5000,
    ],
)
def test_hostile_heading_attribute_blocks_are_read_in_linear_time(heading: str) -> None:
    from linkcheck.extract.sections import split_heading_id

    started = time.process_time()
    split_heading_id(heading)
    assert time.process_time() - started < 1.0  # milliseconds; exponential would be hours


def test_an_mdx_post_of_tags_never_closed_is_read_in_linear_time() -> None:
    # Every "<" of a tag never closed made the tag pattern run to the end of the post:
    # 80 KB took 8 s. A tag's span is now found first, in one pass.
    text = "id=import import {#import <<import import {#import import <import " * 4000
    started = time.process_time()
    extract_post(Document(Path("p.mdx"), "p.mdx", text, {}, 0))
    assert time.process_time() - started < 5.0  # about 0.5 s for these 264 KB
