"""Pages built to make a parser slow or greedy: every one is read in linear time and bounded
memory, and fuzzed markup keeps to the same bounds."""

from __future__ import annotations

import resource
import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.check.page import (
    MAX_TITLE_CHARS,
    collect_anchors,
    decode_body,
    looks_like_challenge,
    parse_html,
    pdf_title,
)
from linkcheck.check.pdfinfo import info_title

MIB = 1024 * 1024
HTML = "text/html"

PAGE_SECONDS = 1.5
"""CPU seconds a 1 MiB page may take at most (a linear parse takes well under half a second
on a slow shared machine; the quadratic scans these pages were built against took minutes)."""
PAGE_PYTHON_BYTES = 64 * MIB
"""Python allocations one page's parse may peak at (the page itself is 1 MiB)."""
PAGE_RSS_GROWTH_KIB = 200 * 1024
"""Growth of the process's peak resident size a page may cause (C allocations included)."""


def _mib(prefix: bytes, unit: bytes) -> bytes:
    return (prefix + unit * (MIB // len(unit) + 1))[:MIB]


PATHOLOGICAL: dict[str, bytes] = {
    "unclosed script tags": _mib(b"<html><head>", b"<script "),
    "unclosed meta tags": _mib(b"<html><head>", b"<meta "),
    "unclosed title tags": _mib(b"<html><head>", b"<title>"),
    "unclosed style": _mib(b"<html><head><style>", b"a{b:c}"),
    "unclosed comment": _mib(b"<html><head><title>T</title><!--", b"<p id=x>"),
    "comment openers": _mib(b"<html><head>", b"<!--"),
    "giant attribute": _mib(b'<html><head><meta property="og:title" content="', b"a"),
    "giant unquoted attribute": _mib(b"<html><body><p id=", b"x"),
    "many attributes": _mib(b"<html><body><p ", b"a=b "),
    "deep nesting": _mib(b"<html><head><title>T</title></head><body>", b"<div>"),
    "deep inline nesting": _mib(b"<html><body>", b"<b><i>"),
    "lone angle brackets": _mib(b"<html><head>", b"<"),
    "end tag openers": _mib(b"<html><head>", b"</"),
    "cdata openers": _mib(b"<html><head>", b"<![CDATA["),
    "processing instructions": _mib(b"<html><head>", b"<?x "),
    "entities": _mib(b"<html><head><title>", b"&amp;&#x41;&unknown;"),
    "quotes in a tag": _mib(b"<html><head><meta ", b"\"'"),
    "nul bytes": _mib(b"<html><head><title>", b"\x00"),
    "many anchors": _mib(b"<html><body>", b"<p id=a>x</p>"),
    "binary": bytes(range(256)) * (MIB // 256),
}


def _measure(work: object) -> tuple[float, int]:
    """CPU seconds of ``work()``, and its peak Python allocation (a second run, traced)."""
    assert callable(work)
    started = time.process_time()
    work()
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        work()
        return seconds, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_page_is_read_in_bounded_time_and_memory(name: str) -> None:
    body = PATHOLOGICAL[name]
    assert len(body) >= MIB - 16
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for want_anchors in (True, False):
        seconds, peak = _measure(
            lambda want=want_anchors: parse_html(
                body, content_type=HTML, want_anchors=want, budget=None
            )
        )
        assert seconds < PAGE_SECONDS, (name, want_anchors, seconds)
        assert peak < PAGE_PYTHON_BYTES, (name, want_anchors, peak)
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert growth < PAGE_RSS_GROWTH_KIB, (name, growth)
    seconds, _ = _measure(lambda: looks_like_challenge(403, {}, body))
    assert seconds < PAGE_SECONDS, (name, seconds)


def test_unclosed_script_tags_cost_milliseconds() -> None:
    """600 KiB of ``<script `` without ``>`` once cost ~40 s of CPU on the event loop."""
    body = b"<html><head>" + b"<script " * (600 * 1024 // 8)
    seconds, _ = _measure(lambda: parse_html(body, content_type=HTML))
    assert seconds < 0.5


def test_results_on_pathological_pages() -> None:
    assert parse_html(PATHOLOGICAL["deep nesting"], content_type=HTML).title == "T"
    assert parse_html(PATHOLOGICAL["unclosed comment"], content_type=HTML).anchors == frozenset()
    assert parse_html(PATHOLOGICAL["many anchors"], content_type=HTML).anchors == {"a"}
    title = parse_html(PATHOLOGICAL["giant attribute"], content_type=HTML).title
    assert title is None or len(title) <= MAX_TITLE_CHARS


def test_budget_stops_a_parse_and_says_so() -> None:
    body = PATHOLOGICAL["many anchors"]
    info = parse_html(body, content_type=HTML, budget=0.0)
    assert not info.complete
    assert parse_html(body, content_type=HTML).complete


# ---------------------------------------------------------------------------
# Fuzzing: markup pieces repeated into large pages
# ---------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        b"<",
        b">",
        b"</",
        b"<!--",
        b"-->",
        b"<script ",
        b"<script>",
        b"</script>",
        b"<style>",
        b"<title>",
        b"</title>",
        b"<meta ",
        b'property="og:title" ',
        b"content='",
        b'"',
        b"'",
        b"=",
        b"<![CDATA[",
        b"]]>",
        b"<?",
        b"<!DOCTYPE ",
        b"<svg>",
        b"<div id=",
        b"<p name='x'>",
        b"&amp;",
        b"&#",
        b"\x00",
        b"\xff\xfe",
        b"\xe2\x82",
        b"text ",
        b"\n",
        b"</head>",
        b"<body>",
        b"<head>",
    ]
)
FUZZ_SECONDS = 0.75
"""CPU seconds a fuzzed page of up to 256 KiB may take."""
FUZZ_PYTHON_BYTES = 32 * MIB


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(PIECES, min_size=1, max_size=12),
    repeat=st.integers(min_value=1, max_value=20_000),
    content_type=st.sampled_from([HTML, "text/html; charset=iso-8859-1", None]),
)
def test_fuzzed_pages_are_read_in_bounded_time(
    parts: list[bytes], repeat: int, content_type: str | None
) -> None:
    unit = b"".join(parts)
    body = (unit * repeat)[: 256 * 1024]
    for work in (
        lambda: parse_html(body, content_type=content_type, budget=None),
        lambda: parse_html(body, content_type=content_type, want_anchors=False, budget=None),
        lambda: looks_like_challenge(503, {"server": "cloudflare"}, body),
        lambda: collect_anchors(decode_body(body, content_type)),
        lambda: info_title(body),
    ):
        seconds, peak = _measure(work)
        assert seconds < FUZZ_SECONDS, (unit[:80], repeat, seconds)
        assert peak < FUZZ_PYTHON_BYTES, (unit[:80], repeat, peak)


PDF_PIECES = st.sampled_from(
    [
        b"%PDF-1.7\n",
        b"1 0 obj\n",
        b"<<",
        b">>",
        b"/Title ",
        b"(",
        b")",
        b"\\",
        b"/Info 1 0 R ",
        b"trailer\n",
        b"startxref\n",
        b"xref\n0 1\n",
        b"0000000000 65535 f \n",
        b"endobj\n",
        b"stream\n",
        b"endstream\n",
        b"[",
        b"]",
        b"%%EOF",
        b"<FEFF",
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(PDF_PIECES, min_size=1, max_size=10),
    repeat=st.integers(min_value=1, max_value=5_000),
)
def test_fuzzed_pdfs_are_read_in_bounded_time(parts: list[bytes], repeat: int) -> None:
    body = b"%PDF-1.4\n" + (b"".join(parts) * repeat)[: 128 * 1024]
    seconds, _peak = _measure(lambda: pdf_title(body))
    assert seconds < 2 * FUZZ_SECONDS, (parts, repeat, seconds)
