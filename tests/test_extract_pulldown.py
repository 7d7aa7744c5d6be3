"""The fast path (pulldown-cmark's events) against the reference (markdown-it-py's tokens).

Wherever ``fast_scan`` reads a post, it must find exactly what ``scan_markdown`` finds: the
same links (URL, kind, text, place, span), headings, anchors and ignore comments. Checked on
the CommonMark spec's link examples, on generated posts, and on the posts of the fixtures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.extract import extract_post
from linkcheck.extract.found import Scan
from linkcheck.extract.positions import markdown_source
from linkcheck.extract.pulldown import fast_scan
from linkcheck.extract.walk import scan_markdown
from linkcheck.models import Document
from tests.test_extract_property import (
    FRAGMENTS,
    TEMPLATES,
    bodies,
    link_strategy,
    url_strategy,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "commonmark" / "spec_examples.json").read_text(encoding="utf-8")
)
DECLINED_PIECES = ("<", "|", "[^", "{:", "\x00")
"""What makes a post go to the reference (raw HTML, tables, footnotes, kramdown ids): left out
of the posts generated for the fast path, so that it reads most of them."""


def readings(scan: Scan) -> tuple[object, ...]:
    return (
        sorted(
            (f.use, f.start, f.end, f.url, f.kind.value, f.text, f.key_path) for f in scan.links
        ),
        [(h.offset, h.level, h.text) for h in scan.headings],
        sorted(scan.anchors),
        sorted(scan.directives),
    )


def both(raw: str) -> tuple[Scan | None, Scan]:
    src = markdown_source(raw)
    return fast_scan(src, raw), scan_markdown(src, raw)


def assert_same(raw: str) -> bool:
    """The fast path's reading equals the reference's; False when the fast path declined."""
    fast, reference = both(raw)
    if fast is None:
        return False
    assert readings(fast) == readings(reference), raw
    return True


@pytest.mark.parametrize("raw", ["[R]:\n=", "[r]:\n-\n", "> [r]: \n> ==="])
def test_a_label_whose_destination_is_on_the_next_line_goes_to_the_reference(raw: str) -> None:
    # markdown-it reads `=` after `[R]:` as the definition's destination, pulldown-cmark as a
    # heading's underline. Found by test_generated_posts_of_common_constructs.
    assert both(raw)[0] is None


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("- \xa0www.c.example", "www.c.example"),
        ("\u3000www.c.example", "www.c.example"),
        ("- \u2003WWW.c.example x", "WWW.c.example"),
    ],
)
def test_a_wide_blank_before_a_www_link_reads_as_the_reference_reads_it(raw: str, url: str) -> None:
    # markdown-it trims a no-break space off the start of a paragraph (JavaScript's `trim`),
    # so `www.` starts the text and is a link; pulldown-cmark keeps the space. Found by
    # test_generated_posts_with_html_blocks: the fast path leaves such posts to the reference.
    fast, reference = both(raw)
    assert fast is None
    assert [f.url for f in reference.links] == [url]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e["example"]))
def test_spec_examples_read_as_the_reference_reads_them(example: dict[str, Any]) -> None:
    assert_same(example["markdown"])


def test_the_fast_path_reads_most_spec_examples() -> None:
    taken = sum(assert_same(example["markdown"]) for example in EXAMPLES)
    assert taken >= 0.75 * len(EXAMPLES)


@pytest.mark.parametrize("path", sorted((FIXTURES / "posts").glob("*.md")), ids=lambda p: p.name)
def test_fixture_posts(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


FAST_FRAGMENTS = [f for f in FRAGMENTS if not any(piece in f for piece in DECLINED_PIECES)]
FAST_TEMPLATES = [
    t for t in TEMPLATES if not any(piece in t for piece in ("<a", "<img", "<v", "<!", "|"))
]
fast_urls = url_strategy(
    ["http://a.example/", "https://b.example/p", "www.c.example/", "/rel", "#x",
     "https://d.example/(x)", "HTTP://E.example/a_b", "ftp://f.example/~x"]
)  # fmt: skip
fast_links = link_strategy(FAST_TEMPLATES, fast_urls)
AT_SIGNS = ["@user ", "a@b ", "@", "x_y@z", "a@b.c", "_a@b.example_", "mailto:a@b.example"]
"""``@`` in text: a handle or an address without a period is text; an e-mail address sends
the post to the reference."""


def posts_of(*pieces: st.SearchStrategy[str], size: int = 40) -> st.SearchStrategy[str]:
    """Posts written as up to ``size`` pieces drawn from ``pieces``."""
    return st.lists(st.one_of(*pieces), max_size=size).map("".join)


fast_bodies = posts_of(
    st.sampled_from(FAST_FRAGMENTS), fast_links, st.sampled_from(FAST_FRAGMENTS + AT_SIGNS)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=fast_bodies)
def test_generated_posts_of_common_constructs(raw: str) -> None:
    assert_same(raw)


HTML_BLOCK_PIECES = [
    "\n<div>\n", "\n</div>\n", '\n<p align="center">\n', "\n  <div id=\"x\">\n", "\n<table>\n",
    "\n<!-- linkcheck-ignore -->\n", "\n<!--\n", "-->\n", "\n<script>\n", "</script>\n",
    "\n<pre>\n", "</pre>\n", "\n<details>\n", "<summary>", "\n<x-tag>\n", "\n<?php\n", "?>\n",
    "\n<![CDATA[\n", "]]>\n", "\n<!DOCTYPE html>\n", "> ", "- ", "  ", "\t", "\n", "\n\n",
]  # fmt: skip
html_links = link_strategy(
    [t for t in TEMPLATES if "<" in t] + ['<source srcset="{u} 1x, {u} 2x">', '<a name="{l}">'],
    fast_urls,
)
html_bodies = posts_of(
    st.sampled_from(HTML_BLOCK_PIECES),
    html_links,
    fast_links,
    st.sampled_from(FAST_FRAGMENTS),
    size=30,
)


TABLE_PIECES = [
    "\n| a | b |\n|---|---|\n", "\n|x|\n|:-:|\n", "\na | b\n--- | ---\n", "\n| h |\n| - |\n",
    "| ", " |", "|", "\\|", "`|`", "`", "\n", "\n\n", "> ", "- ", "  ", "\t", "Text\n",
    "\n|---|---|\n", ":-", "-:", "**", "_", "# ", "\n| a | b | c |\n|---|---|\n",
]  # fmt: skip
table_bodies = posts_of(
    st.sampled_from(TABLE_PIECES), fast_links, st.sampled_from(FAST_FRAGMENTS), size=30
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=table_bodies)
def test_generated_posts_with_tables(raw: str) -> None:
    assert_same(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=html_bodies)
def test_generated_posts_with_html_blocks(raw: str) -> None:
    assert_same(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=bodies)
def test_generated_posts_of_anything(raw: str) -> None:
    assert_same(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "A note[^1].\n\n[^1]: https://n.example/\n",
        "Para\n{: #custom}\n",
        "Write to someone@example.com.\n",
        "~one~ [a](https://a.example/)\n",
        "http://a.example/*x* y\n",
    ],
)
def test_what_the_fast_path_leaves_to_the_reference(raw: str) -> None:
    fast, reference = both(raw)
    assert fast is None
    assert reference is not None


@pytest.mark.parametrize(
    "raw",
    [
        "[\t\n](http://a.example/)Sources\n---\n",
        "\n[r]: http://a.example/\n*\n[r]: http://a.example/\n",
        "[\n|](http://a.example/)Sources\n---\n",
        "\xa0Sources\n---\n",
        "\n[r]: http://a.example/\n\t[](http://a.example/)",
        "\n[r]:\n  <http://a.example/> ''\n\t[](http://a.example/)",
        "\\http://a.example/",
        "[](http://a.example/\\ )",
        "[](http://a.example/\\\n;)",
        "\n[r]: http://a.example/\n[r][ ](http://a.example/)",
        "\x0c\n[r]: http://a.example/\n",
        "[~~~www.c.example]([)](http://a.example/)",
        "\xa0www.c.example",
        "[~~~[~~~[Sources\n---\n",
        "![http://a.example/[]([)](http://a.example/)",
        "[see www.example.com](https://www.example.com) and http://a.example/x_y.\n",
        "[![; ](http://a.example/)[]](http://a.example/)",
        "\\\\http://a.example/",
        "\\\\\\http://a.example/",
        "\\*\\http://a.example/",
        "![a ![b ](c) d](e)",
        "\n# ;\t#\n",
        '::tip{to="https://a.example/x"}\n:a{href="http://a.example/y"} "http://a.example/z',
        '\n[r]: http://a.example/\n\n[r]: <>\n""[',
        "[r]: http://b.example/\n> [s]: http://a.example/\n> '' [r]\n",
        "[r]: http://a.example/\n() x [r]\n",
        "[a](<http://a.example/ \\\n b>)\n",
        "[a](<http://a.example/x \\ y>) \\\n",
        "[a](\n\\ http://a.example/)\n",
        "[a](http://a.example/x\\\t) \\\n",
        "Installer: https://a.example/x.msi \\\nSource: https://a.example/y.tar.gz \\\n",
        "<img src=http://a.example/\t; alt=''>",
        "<search>\n[a](http://a.example/)\n",
        'Text\n<x-tag>\n<a href="http://a.example/">\n',
        "\n<pre>\n</script>\n[](<http://a.example/>)",
        "\n| a | b |\n|---|---|\nhttp://a.example/\\|",
        "\n| a | b |\n|---|---|\n\t[](http://a.example/)",
        "| Sources\n---\n",
        "\n[r]: http://a.example/\n\n# |\n---",
        "[](http://a.example/)[)\na | b\n--- | ---\n[]](http://a.example/)",
        "| \na | b\n--- | ---\n[|](http://a.example/)",
        "[](<http://a.example/>())>)",
        "\n[r]: http://a.example/\n</script>\n[](<http://a.example/>)",
        "\n[r]:\n  <http://a.example/> ''\n<a href=\"\">\n</a>[](<http://a.example/>)",
        "\n[r]: http://a.example/\n    \n[a b]: http://a.example/\n",  # pyromark < 0.10.3
    ],
)
def test_posts_where_the_two_readings_once_differed(raw: str) -> None:
    assert_same(raw)


@pytest.mark.parametrize(
    "raw",
    [
        # HTML blocks
        '<div>\n<a href="https://a.example/">A</a>\n</div>\n',
        '  <p align="center">\n  <img src="https://a.example/i.png" alt="I">\n  </p>\n\nText\n',
        '> <div id="top">\n> <a href="/b">B</a>\n',
        '- item\n\n  <div>\n  <a href="c">c</a>\n  </div>\n',
        "<!-- linkcheck-ignore -->\n[a](https://a.example/)\n",
        '<picture>\n<source srcset="a.png 1x, b.png 2x">\n</picture>\n',
        '<div>\n\t<a href="https://a.example/">tab</a>\n</div>\n',
        # tables
        "| a | [b](https://a.example/) |\n|---|:-:|\n| `c` | https://b.example/ |\n",
        "Text\n\n> | a |\n> |---|\n> | [c](https://c.example/) |\n",
        "a | b\n--- | ---\n[c](https://c.example/) | d\n\nAfter https://d.example/\n",
        # tags in text
        'Text <a href="https://a.example/">the *report*</a> and https://b.example/\n',
        'See <a href="https://a.example/">https://a.example/</a>.\n',
        'An <img src="https://a.example/i.png" alt="chart"> and <br> `code`\n',
        "Skip <!-- linkcheck-ignore --> [a](https://a.example/)\n",
        '# <a name="top"></a>Title\n',
        '| a |\n|---|\n| <a href="https://a.example/">x</a> |\n',
    ],
)
def test_html_and_tables_are_read_on_the_fast_path(raw: str) -> None:
    fast, reference = both(raw)
    assert fast is not None
    assert readings(fast) == readings(reference)


def test_long_tables_are_checked_in_linear_time() -> None:
    started = time.process_time()
    assert both("| a |\n|-|\n" + "| [x](http://a.example/) |\n" * 20_000)[0] is not None
    assert both("\n\n| a |\n|-|\n| x |\n" * 10_000)[0] is not None
    assert both("| a |\n" + "|-|\n" * 40_000)[0] is None
    assert time.process_time() - started < 20


def test_a_hard_line_break_after_a_blank_keeps_the_fast_path() -> None:
    raw = "Installer: https://a.example/x.msi \\\nSource: [code](https://a.example/y) \\\n"
    fast, reference = both(raw)
    assert fast is not None
    assert readings(fast) == readings(reference)


def test_a_line_of_escaped_blanks_is_searched_in_linear_time() -> None:
    started = time.process_time()
    assert both("\\ " * 200_000)[0] is not None
    assert both("x \\ y \\\n" * 50_000)[0] is not None
    assert both("< " + "\\ " * 200_000)[0] is None
    assert time.process_time() - started < 10


def test_a_www_address_in_a_links_text_is_text() -> None:
    fast, reference = both("[see www.example.com](https://www.example.com)\n")
    assert fast is not None
    assert [(f.url, f.text) for f in reference.links] == [
        ("https://www.example.com", "see www.example.com")
    ]
    assert readings(fast) == readings(reference)


def test_offsets_are_characters_not_bytes() -> None:
    raw = "# Café ☕\n\nVoir [l’étude](https://é.example/ü) et https://b.example/ñ.\n"
    fast, reference = both(raw)
    assert fast is not None
    assert readings(fast) == readings(reference)
    assert [raw[f.start : f.end] for f in fast.links] == [
        "https://é.example/ü",
        "https://b.example/ñ",
    ]


def test_a_post_reads_the_same_whichever_path_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "posts" / "newsletter-bare-links.md").read_text(encoding="utf-8")
    doc = Document(Path("p.md"), "p.md", text, {}, 0)
    fast = extract_post(doc)
    monkeypatch.setattr("linkcheck.extract.fast_scan", lambda src, raw: None)
    assert extract_post(doc) == fast


def test_text_that_is_not_utf8_goes_to_the_reference() -> None:
    # A lone surrogate (a file name or text read with surrogateescape) cannot be handed to
    # the Rust parser.
    raw = "a \udcff [x](http://a.example/) b\n"
    fast, reference = both(raw)
    assert fast is None
    assert [f.url for f in reference.links] == ["http://a.example/"]


@pytest.mark.parametrize(
    "raw",
    [
        "http://a.example/ " * 2000,
        "xwww.a.example " * 2000 + "www.b.example\n",
        "x://y " * 2000 + "http://c.example/\n",
        "\\*" * 2000 + " http://d.example/\n",
    ],
    ids=["bare links", "www after a letter", "other schemes", "escapes"],
)
def test_long_paragraphs_of_bare_links(raw: str) -> None:
    # One text run holding thousands of candidates: each is looked at once (the text before
    # a candidate is not read again for the next one).
    assert assert_same(raw)
