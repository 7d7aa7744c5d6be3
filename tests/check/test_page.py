"""Titles, anchors, bot walls, content types and PDF titles of fetched pages."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from linkcheck.check import page as page_module
from linkcheck.check.page import (
    CHALLENGE_MARKERS,
    CHALLENGE_SNIFF_BYTES,
    MAX_TITLE_CHARS,
    PageInfo,
    clean_title,
    decode_body,
    fragment_present,
    is_html,
    is_pdf,
    looks_like_challenge,
    parse_html,
    pdf_title,
)

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html"


def title_of(body: bytes, content_type: str | None = HTML) -> str | None:
    return parse_html(body, content_type=content_type).title


# ---------------------------------------------------------------------------
# Titles and charsets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "title"),
    [
        (b"<title>Plain</title>", HTML, "Plain"),
        (b"<html><head><title>\n  Many \t  spaces\r\n here </title>", HTML, "Many spaces here"),
        (
            b"<title>Tom &amp; Jerry &lt;3 &#8212; &eacute;t&eacute;</title>",
            HTML,
            "Tom & Jerry <3 — été",
        ),
        (b"<title>Caf\xe9</title>", "text/html; charset=ISO-8859-1", "Café"),
        (b"<title>Caf\xe9</title>", 'text/html; charset="latin1"', "Café"),
        (b"<title>\x93quoted\x94</title>", "text/html; charset=iso-8859-1", "“quoted”"),
        (b'<meta charset="windows-1251"><title>\xcf\xf0\xe8\xe2\xe5\xf2</title>', HTML, "Привет"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">'
            b"<title>\x93\xfa\x96\x7b</title>",
            HTML,
            "日本",
        ),
        # The header wins over the meta tag.
        (
            b'<meta charset="windows-1251"><title>Caf\xc3\xa9</title>',
            "text/html; charset=utf-8",
            "Café",
        ),
        # A wrong declaration decodes wrongly but never raises.
        (b"<title>Caf\xe9</title>", "text/html; charset=utf-8", "Caf\ufffd"),
        # Unknown or non-text codecs fall back to meta, then UTF-8.
        (b"<title>Caf\xc3\xa9</title>", "text/html; charset=x-unknown", "Café"),
        (b"<title>Caf\xc3\xa9</title>", "text/html; charset=rot13", "Café"),
        (b'<meta charset="bogus"><title>Caf\xc3\xa9</title>', None, "Café"),
        (b'<meta charset="utf-16"><title>Caf\xc3\xa9</title>', None, "Café"),
        # BOMs.
        (b"\xef\xbb\xbf<title>Caf\xc3\xa9</title>", None, "Café"),
        ("<title>Café</title>".encode("utf-16-le").join([b"\xff\xfe", b""]), None, "Café"),
        ("<title>Café</title>".encode("utf-16-be").join([b"\xfe\xff", b""]), None, "Café"),
        # No title at all, empty title.
        (b"<html><body>hi</body></html>", HTML, None),
        (b"<title>   </title>", HTML, None),
        (b"", HTML, None),
        (b"\x00\x01\x02garbage\xff\xfe\xfd", None, None),
    ],
)
def test_title_and_charset(body: bytes, content_type: str | None, title: str | None) -> None:
    assert title_of(body, content_type) == title


def test_title_priority_citation_then_og_then_title() -> None:
    head = (
        b"<head><title>Plain title</title>"
        b'<meta property="og:title" content="OG title">'
        b'<meta name="citation_title" content="Citation title">'
        b"</head>"
    )
    assert title_of(head) == "Citation title"
    assert title_of(head.replace(b"citation_title", b"description")) == "OG title"
    assert (
        title_of(
            head.replace(b'property="og:title"', b'name="og:title"').replace(
                b"citation_title", b"x"
            )
        )
        == "OG title"
    )
    only_title = head.replace(b"citation_title", b"x").replace(b"og:title", b"y")
    assert title_of(only_title) == "Plain title"


def test_empty_meta_title_falls_through() -> None:
    body = b'<meta name="citation_title" content="  "><meta property="og:title"><title>T</title>'
    assert title_of(body) == "T"


def test_meta_names_are_case_insensitive() -> None:
    assert title_of(b'<META NAME="Citation_Title" CONTENT="Paper">') == "Paper"


def test_meta_content_entities_decoded() -> None:
    assert title_of(b'<meta property="og:title" content="A &amp; B &quot;C&quot;">') == 'A & B "C"'


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # data, not markup
        ("[x](javascript:alert(1)) | pipe", "[x](javascript:alert(1)) | pipe"),
        ("bell\x07 and\x1b[31m escape", "bell and[31m escape"),
        ("nul\x00byte", "nulbyte"),
        ("rtl\u202eevil\u202c text", "rtlevil text"),
        ("zero\ufeffwidth", "zerowidth"),
        ("line\nbreak\u2028sep", "line break sep"),
        ("emoji 👩‍💻 kept", "emoji 👩‍💻 kept"),
    ],
)
def test_hostile_titles_are_cleaned_not_escaped(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


def test_hostile_title_from_html() -> None:
    body = b"<title>&lt;img src=x onerror=alert(1)&gt;\x1b]8;;evil\x07</title>"
    assert title_of(body) == "<img src=x onerror=alert(1)>]8;;evil"


def test_huge_title_is_capped_with_ellipsis() -> None:
    title = title_of(b"<title>" + b"word " * 10_000 + b"</title>")
    assert title is not None
    assert len(title) == MAX_TITLE_CHARS
    assert title.endswith("…")
    assert clean_title("x" * MAX_TITLE_CHARS) == "x" * MAX_TITLE_CHARS


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Cut here",
        b"<html><head><title>Cut here</ti",
        b"<html><head><title>Cut here</title><meta name=",
        b'<html><head><title>Cut here</title><script>var s = "</head>',
    ],
)
def test_truncated_documents(body: bytes) -> None:
    assert title_of(body) == "Cut here"


def test_truncated_inside_multibyte_character() -> None:
    body = "<title>naïve</title><p id='été'>".encode()[:-4]
    info = parse_html(body, content_type=HTML)
    assert info.title == "naïve"


def test_title_in_body_when_head_missing() -> None:
    assert title_of(b"<p>text</p><title>Late</title>") == "Late"


def test_title_after_body_start_is_ignored() -> None:
    # Only the head is read for titles: a <title> in an SVG in the body is not the page's.
    body = b"<head><meta charset=utf-8></head><body><svg><title>Icon</title></svg></body>"
    assert title_of(body) is None


# ---------------------------------------------------------------------------
# Anchors
# ---------------------------------------------------------------------------


def test_anchors() -> None:
    body = (
        b"<html><head><title>T</title></head><body id=page>"
        b'<h2 id="intro">Intro</h2><h2 id="Case-Sensitive">x</h2>'
        b'<a name="legacy"></a><div name="divname"></div>'
        b'<p id="a&amp;b">entity</p><p id="caf\xc3\xa9">utf8</p><p id="">empty</p>'
        b'<!-- <p id="in-comment"> -->'
        b"<script>document.write('<p id=\"in-script\">')</script>"
        b"<input name=field>"
    )
    info = parse_html(body, content_type="text/html; charset=utf-8")
    assert info.anchors == frozenset(
        {"page", "intro", "Case-Sensitive", "legacy", "divname", "a&b", "café", "field"}
    )
    assert info.title == "T"
    assert not info.challenge


def test_anchors_in_truncated_document() -> None:
    body = b'<body><h2 id="one">1</h2><h2 id="two">2</h2><h2 id="thr'
    assert {"one", "two"} <= parse_html(body, content_type=HTML).anchors


def test_head_only_mode_skips_anchors() -> None:
    body = b'<head><title>T</title></head><body><h2 id="x">x</h2></body>'
    assert parse_html(body, content_type=HTML, want_anchors=False) == PageInfo(
        "T", frozenset(), False
    )


def test_head_only_mode_without_head_end() -> None:
    body = b"<title>T</title>" + b"<p>filler</p>" * 20_000
    assert parse_html(body, content_type=HTML, want_anchors=False).title == "T"


def test_weird_markup_never_raises() -> None:
    for body in (
        b"<![CDATA[ <p id=x>",
        b"<!DOCTYPE html><![if !IE]><p id=y><![endif]>",
        b"<a id='unterminated",
        b"</" * 1000,
        b"<" * 5000 + b"title>",
    ):
        parse_html(body, content_type=HTML)


def test_large_page_is_fast() -> None:
    sections = b"".join(
        b'<h2 id="s%d">Section</h2><p class="x">Lorem <a href="/p">ipsum</a> dolor &amp; sit.</p>'
        % i
        for i in range(12_000)
    )
    body = b"<html><head><title>Big</title></head><body>" + sections + b"</body></html>"
    assert len(body) > 1_000_000
    start = time.perf_counter()
    info = parse_html(body, content_type=HTML)
    full = time.perf_counter() - start
    start = time.perf_counter()
    parse_html(body, content_type=HTML, want_anchors=False)
    head_only = time.perf_counter() - start
    assert info.title == "Big"
    assert len(info.anchors) == 12_000
    assert full < 1.5
    assert head_only < 0.05


# ---------------------------------------------------------------------------
# Fragments
# ---------------------------------------------------------------------------

ANCHORS = frozenset({"intro", "Case", "café", "a b", "user-content-readme", "100%"})


@pytest.mark.parametrize(
    ("fragment", "present"),
    [
        ("", True),
        ("top", True),
        ("Top", True),
        (":~:text=anything", True),
        (":~:text=start,end", True),
        ("intro:~:text=foo", True),
        ("missing:~:text=foo", False),
        ("intro", True),
        ("Intro", False),
        ("case", False),
        ("Case", True),
        ("caf%C3%A9", True),
        ("café", True),
        ("a%20b", True),
        ("a b", True),
        ("100%", True),
        ("100%25", True),
        ("readme", True),
        ("user-content-readme", True),
        ("user-content-intro", True),
        ("missing", False),
        ("%", False),
    ],
)
def test_fragment_present(fragment: str, present: bool) -> None:
    assert fragment_present(fragment, ANCHORS) is present


def test_fragment_with_no_anchors() -> None:
    assert not fragment_present("x", frozenset())
    assert fragment_present("", frozenset())


# ---------------------------------------------------------------------------
# Content types
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/html", True),
        ("text/html; charset=utf-8", True),
        ("TEXT/HTML;charset=UTF-8", True),
        ("application/xhtml+xml", True),
        (" text/html ", True),
        ("text/plain", False),
        ("application/pdf", False),
        ("", False),
        (None, False),
    ],
)
def test_is_html(content_type: str | None, expected: bool) -> None:
    assert is_html(content_type) is expected


@pytest.mark.parametrize(
    ("content_type", "url", "head", "expected"),
    [
        ("application/pdf", "https://x.test/doc", b"", True),
        ("Application/PDF; qs=0.001", "https://x.test/doc", b"", True),
        ("application/x-pdf", "https://x.test/doc", b"", True),
        ("application/octet-stream", "https://x.test/report.PDF", b"", True),
        ("application/octet-stream", "https://x.test/report.pdf?download=1", b"", True),
        ("binary/octet-stream", "https://x.test/file", b"%PDF-1.7\n", True),
        (None, "https://x.test/file", b"%PDF-1.4", True),
        (None, "https://x.test/file", b"\r\n  %PDF-1.4", True),
        (None, "https://x.test/a%2Epdf", b"", True),
        (None, "https://x.test/file", b"<html>", False),
        ("application/octet-stream", "https://x.test/file.zip", b"PK\x03\x04", False),
        ("text/html", "https://x.test/report.pdf", b"%PDF-1.4", False),
        ("text/plain", "https://x.test/report.pdf", b"", False),
        (None, "https://x.test/pdf/", b"", False),
        (None, "http://[bad", b"", False),
    ],
)
def test_is_pdf(content_type: str | None, url: str, head: bytes, expected: bool) -> None:
    assert is_pdf(content_type, url, head) is expected


# ---------------------------------------------------------------------------
# Bot walls
# ---------------------------------------------------------------------------


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (403, {"cf-mitigated": "challenge"}, b"", True),
        (200, {"CF-Mitigated": "Challenge"}, b"", True),
        (403, {"Server": "cloudflare"}, fixture("cloudflare_challenge.html"), True),
        (503, {"server": "cloudflare"}, b"<title>Just a moment...</title>", True),
        (403, {"server": "cloudflare"}, b"<title>Attention Required! | Cloudflare</title>", True),
        (200, {"server": "nginx"}, b"<script>window._cf_chl_opt={}</script>", True),
        (403, {}, b'<script src="https://geo.captcha-delivery.com/captcha/"></script>', True),
        (403, {}, b'<div id="px-captcha"></div>', True),
        # A wall title needs a wall status or a wall server.
        (200, {"server": "nginx"}, b"<title>Just a moment...</title>", False),
        (200, {"server": "cloudflare"}, b"<title>Just a moment...</title>", True),
        # Ordinary Cloudflare-served pages are not walls.
        (200, {"server": "cloudflare"}, b"<title>My blog</title>", False),
        (403, {"server": "cloudflare"}, b"<title>403 Forbidden</title>", False),
        (404, {"server": "cloudflare"}, b"<title>Not found</title>", False),
        (503, {}, b"", False),
        (200, {"cf-mitigated": "none"}, b"", False),
    ],
)
def test_looks_like_challenge(
    status: int, headers: dict[str, str], body: bytes, expected: bool
) -> None:
    assert looks_like_challenge(status, headers, body) is expected


def test_parse_html_flags_challenge_pages() -> None:
    info = parse_html(fixture("cloudflare_challenge.html"), content_type=HTML)
    assert info.challenge
    assert info.title == "Just a moment..."
    assert parse_html(
        b"<title>Attention Required! | Cloudflare</title>", content_type=HTML
    ).challenge
    assert not parse_html(b"<title>A moment of calm</title>", content_type=HTML).challenge


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def test_decode_body_latin1_is_windows_1252() -> None:
    assert decode_body(b"\x80", "text/html; charset=iso-8859-1") == "€"


def test_decode_body_never_raises_on_undefined_bytes() -> None:
    assert decode_body(b"\x81", "text/html; charset=windows-1252") == "\ufffd"


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def make_pdf(metadata: dict[str, str] | None = None, *, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if metadata is not None:
        writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_title() -> None:
    assert pdf_title(make_pdf({"/Title": "Energy and Policy Considerations"})) == (
        "Energy and Policy Considerations"
    )


def test_pdf_title_cleaned_and_capped() -> None:
    assert pdf_title(make_pdf({"/Title": "  Two\n lines\x00 "})) == "Two lines"
    long = pdf_title(make_pdf({"/Title": "t" * 1000}))
    assert long is not None
    assert len(long) == MAX_TITLE_CHARS


def test_pdf_without_metadata() -> None:
    assert pdf_title(make_pdf()) is None
    assert pdf_title(make_pdf({"/Author": "Someone"})) is None
    assert pdf_title(make_pdf({"/Title": "   "})) is None


def test_pdf_xmp_title() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">XMP Title</rdf:li></rdf:Alt></dc:title>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    writer.xmp_metadata = _xmp(xmp)
    out = io.BytesIO()
    writer.write(out)
    assert pdf_title(out.getvalue()) == "XMP Title"


def _xmp(text: str) -> object:
    from pypdf.generic import ContentStream, NameObject
    from pypdf.xmp import XmpInformation

    stream = ContentStream(None, None)
    stream.set_data(text.encode())
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    return XmpInformation(stream)


@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9, 0.99])
def test_truncated_pdf_gives_title_or_none(keep: float) -> None:
    body = make_pdf({"/Title": "Kept"}, pages=3)
    assert pdf_title(body[: int(len(body) * keep)]) in {"Kept", None}


@pytest.mark.parametrize(
    "body",
    [b"", b"%PDF-", b"%PDF-1.7\n", b"not a pdf at all", b"%PDF-1.4\n" + b"\x00" * 5000],
)
def test_broken_pdf_is_none(body: bytes) -> None:
    assert pdf_title(body) is None


def test_pdf_reading_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    body = make_pdf({"/Title": "Kept"}, pages=3)
    pypdf_logger = logging.getLogger("pypdf")
    before = pypdf_logger.level
    with caplog.at_level(logging.DEBUG):
        pdf_title(body[: len(body) // 2])
        pdf_title(b"%PDF-1.4 garbage")
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert pypdf_logger.level == before


def test_title_after_a_huge_inline_script_in_head() -> None:
    script = b"<script>var data = '" + b"<div id=fake>" * 20_000 + b"';</script>"
    style = b"<style>" + b".a{color:red}" * 10_000 + b"</style>"
    body = (
        b"<html><head>" + script + style + b"<!-- <title>Old</title> -->"
        b'<meta property="og:title" content="Late OG"></head><body><p id="real">x</p></body>'
    )
    assert len(body) > 256 * 1024
    info = parse_html(body, content_type=HTML)
    assert info.title == "Late OG"
    assert info.anchors == frozenset({"real"})


def test_unterminated_script_in_truncated_head() -> None:
    body = b"<head><title>Before</title><script>var x = '<title>Inside</title>"
    assert title_of(body) == "Before"


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=2048),
    content_type=st.sampled_from([None, HTML, "text/html; charset=x"]),
)
def test_parse_html_never_raises(body: bytes, content_type: str | None) -> None:
    info = parse_html(body, content_type=content_type)
    assert info.title is None or 0 < len(info.title) <= MAX_TITLE_CHARS


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=500))
def test_clean_title_properties(text: str) -> None:
    title = clean_title(text)
    if title is not None:
        assert title == title.strip()
        assert len(title) <= MAX_TITLE_CHARS
        assert not any(ch in title for ch in "\x00\x1b\n\r\t\u202e")


@settings(max_examples=50, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_pdf_title_on_any_prefix(cut: int) -> None:
    body = _SAMPLE_PDF[:cut]
    assert pdf_title(body) in {"Sample", None}


_SAMPLE_PDF = make_pdf({"/Title": "Sample"}, pages=2)


# ---------------------------------------------------------------------------
# Heads written every way
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("<title>Plain</title>", "Plain"),
        ("<TITLE lang=en>Upper &amp; case</TITLE >", "Upper & case"),
        ('<meta name="citation_title" content="Paper"><title>Page</title>', "Paper"),
        ("<meta name=og:title content=Unquoted><title>Page</title>", "Unquoted"),
        ("<meta property='og:title' content='Single &quot;quoted&quot;'>", 'Single "quoted"'),
        ('<meta content="a > b" property="og:title">', "a > b"),
        ('<meta name="citation_title" content="<title>No tag</title>">', "<title>No tag</title>"),
        ("<title>First</title><title>Second</title>", "First"),
        ("<title>No end", "No end"),
        ("<title>Cut here</ti", "Cut here"),
        ("<title>With <b>markup</b></title>", "With <b>markup</b>"),
        ('<title>T</title><meta name="citation_title" content="cut', "T"),
        ("<meta name=x>", None),
        ("", None),
    ],
)
def test_head_titles(head: str, title: str | None) -> None:
    assert title_of(head.encode()) == title


HEAD_PARTS = st.sampled_from(
    [
        "<title>",
        "</title>",
        "<title/>",
        "<meta ",
        "name=",
        "property=",
        "content=",
        '"',
        "'",
        "citation_title",
        "og:title",
        ">",
        "/>",
        " ",
        "\n",
        "&amp;",
        "&#233;",
        "<b>",
        "Words",
        "=",
        "<",
        "</ti",
        "<!",
        "<![CDATA[",
        "]]>",
        "<?",
        "<p",
        "<svg>",
        "<body>",
        "</head>",
        "<script>",
        "<!--",
        "\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(HEAD_PARTS, max_size=30))
def test_any_head_gives_a_clean_title_or_none(parts: list[str]) -> None:
    info = parse_html("".join(parts).encode(), content_type=HTML)
    assert info.title is None or info.title == clean_title(info.title)


def test_a_challenge_marker_counts_within_the_sniffed_window_only() -> None:
    head = b"<html><head><title>Notes</title></head><body>"
    marker = CHALLENGE_MARKERS[0]
    inside = head + b"x" * (CHALLENGE_SNIFF_BYTES - len(head) - len(marker)) + marker
    assert parse_html(inside, content_type=HTML).challenge
    assert not parse_html(b"x" + inside, content_type=HTML).challenge


@pytest.mark.parametrize("marker", CHALLENGE_MARKERS)
def test_each_challenge_marker_is_found_in_any_case(marker: bytes) -> None:
    body = b"<html><head><title>Notes</title></head><body>" + marker.upper() + b"</body>"
    assert parse_html(body, content_type=HTML).challenge
    assert not parse_html(body.replace(marker.upper(), b"text"), content_type=HTML).challenge


# ---------------------------------------------------------------------------
# One parser per thread, reused from page to page
# ---------------------------------------------------------------------------

_PAGES: tuple[bytes, ...] = (
    b'<html><head><meta property="og:title" content="Meta one"><title>One</title></head>'
    b'<body><h2 id="a">A</h2><a name="b">b</a></body></html>',
    b"<html><head><title>Cut in the ti",
    b"<p id='c'>no head at all</p><title>Late</title>",
    b"<html><head><title>Two</title></head><body><svg><title>not it</title></svg></body>",
    b"<html><head><title>Three</title><script>if (a < b) { x = '</ti' }</script>",
    b"",
)


def _fresh(body: bytes, *, want_anchors: bool) -> PageInfo:
    """What a page gives when it is the first this thread parses."""
    import linkcheck.check.page as page

    page._local.parser = None
    return parse_html(body, content_type=HTML, want_anchors=want_anchors)


def test_a_reused_parser_gives_each_page_what_a_fresh_one_gives() -> None:
    expected = {
        (body, anchors): _fresh(body, want_anchors=anchors)
        for body in _PAGES
        for anchors in (True, False)
    }
    # Every order of pages and modes through one parser: nothing leaks from one to the next.
    for _ in range(3):
        for body in (*_PAGES, *reversed(_PAGES)):
            for anchors in (False, True):
                got = parse_html(body, content_type=HTML, want_anchors=anchors)
                assert got == expected[(body, anchors)]


def test_each_thread_parses_with_its_own_parser() -> None:
    from concurrent.futures import ThreadPoolExecutor

    expected = [_fresh(body, want_anchors=True) for body in _PAGES]

    def parse_all(_: int) -> list[PageInfo]:
        return [
            parse_html(body, content_type=HTML, want_anchors=True)
            for _ in range(50)
            for body in _PAGES
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        for results in pool.map(parse_all, range(8)):
            assert results == expected * 50


def test_a_parser_that_raised_is_replaced() -> None:
    import linkcheck.check.page as page

    class Refusing:
        """A parser in a state libxml2 gave up on."""

        def feed(self, data: str) -> None:
            raise RuntimeError("libxml2 gave up")

        def close(self) -> None:
            raise RuntimeError("still broken")

    page._local.parser = None
    parse_html(_PAGES[0], content_type=HTML)
    page._local.parser = Refusing()
    info = parse_html(_PAGES[0], content_type=HTML)
    assert info.complete is False
    assert page._local.parser is None  # dropped: the next page gets a new one
    assert parse_html(_PAGES[3], content_type=HTML) == _fresh(_PAGES[3], want_anchors=True)


# ---------------------------------------------------------------------------
# Chunks fed to the parser
# ---------------------------------------------------------------------------

CHUNKED_PAGES = [
    "<html><head><title>Short head</title></head><body>" + "<p>x</p>" * 5000 + "</body>",
    "<html><head>" + "<meta name='x' content='y'>" * 3000 + "<title>Long head</title></head>",
    "<title>No head</title><h1 id='a'>A</h1>" + "<div id='d{}'>t</div>" * 2000,
    "<head><meta property='og:title' content='Og'></head><body><title>Late</title>",
    "<html><body><h2 id='late'>x</h2><title>In body</title>" + "y" * 40000,
    "<html><head><!-- " + "c" * 20000 + " --><title>After a comment</title></head>",
]


@pytest.mark.parametrize("want_anchors", [False, True])
@pytest.mark.parametrize("text", CHUNKED_PAGES)
def test_a_parse_reads_the_same_whatever_its_chunks(
    monkeypatch: pytest.MonkeyPatch, text: str, want_anchors: bool
) -> None:
    reference = page_module._parse(text, want_anchors=want_anchors)
    for first, most in ((1, 7), (100, 100), (16 * 1024, 16 * 1024), (2048, 1 << 20)):
        monkeypatch.setattr(page_module, "FIRST_PARSE_CHUNK_CHARS", first)
        monkeypatch.setattr(page_module, "PARSE_CHUNK_CHARS", most)
        assert page_module._parse(text, want_anchors=want_anchors) == reference


def test_a_title_read_stops_soon_after_a_short_head(monkeypatch: pytest.MonkeyPatch) -> None:
    fed: list[int] = []
    real = page_module._thread_parser

    class Counting:
        def __init__(self, parser: Any) -> None:
            self.parser = parser

        def feed(self, data: str) -> None:
            fed.append(len(data))
            self.parser.feed(data)

        def close(self) -> None:
            self.parser.close()

    def counting() -> tuple[Any, Any]:
        parser, events = real()
        return Counting(parser), events

    monkeypatch.setattr(page_module, "_thread_parser", counting)
    text = CHUNKED_PAGES[0]
    assert page_module._parse(text, want_anchors=False).title == "Short head"
    assert sum(fed) <= page_module.FIRST_PARSE_CHUNK_CHARS
