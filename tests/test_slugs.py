"""Heading anchors, and that naming them loads no Markdown parser."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from linkcheck.slugs import (
    deunicode,
    eleventy_slug,
    github_slugs,
    heading_slug,
    hexo_slug,
    kramdown_slug,
    markdown_it_anchor_slug,
    numbered_slugs,
    python_markdown_slugs,
    vitepress_slug,
    zola_slug,
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


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Fußgängerübergänge", "fussgaengeruebergaenge"),
        ("Déjà Vu!", "deja-vu"),
        ("Über Öl und Ärger", "ueber-oel-und-aerger"),
        ("Я люблю единорогов", "ya-lyublyu-edinorogov"),
        ("Щука и ёж", "shhuka-i-yozh"),
        ("Łódź Ørsted þing", "lodz-orsted-thing"),
        ("ÄpfelBaum", "aepfel-baum"),
    ],
)
def test_eleventy_spells_letters_as_its_transliteration_does(heading: str, anchor: str) -> None:
    # @sindresorhus/slugify (Eleventy's `slugify`): German umlauts as two letters, Cyrillic
    # in Latin letters; other letters without their marks.
    assert eleventy_slug(heading) == anchor


@pytest.mark.parametrize(
    ("heading", "eleventy", "markdown_it_anchor", "hexo", "zola", "vitepress"),
    [
        (
            "Using ESM plugins in CommonJS configuration",
            "using-esm-plugins-in-common-js-configuration",
            "using-esm-plugins-in-commonjs-configuration",
            "Using-ESM-plugins-in-CommonJS-configuration",
            "using-esm-plugins-in-commonjs-configuration",
            "using-esm-plugins-in-commonjs-configuration",
        ),
        (
            '`--serve` Mode {% addedin "2.0" %}',
            "serve-mode",
            "`--serve`-mode",
            "serve-Mode-addedin-2-0",
            "serve-mode-addedin-2-0",
            "serve-mode-addedin-2-0",
        ),
        ("XMLHttpRequest & Café", "xml-http-request-and-cafe", "xmlhttprequest-&-café",
         "XMLHttpRequest-Cafe", "xmlhttprequest-cafe", "xmlhttprequest-cafe"),
        ("2.0 Notes", "2-0-notes", "2.0-notes", "2-0-Notes", "2-0-notes", "_2-0-notes"),
    ],
)  # fmt: skip
def test_the_anchor_rules_of_other_generators(
    heading: str, eleventy: str, markdown_it_anchor: str, hexo: str, zola: str, vitepress: str
) -> None:
    assert eleventy_slug(heading) == eleventy
    assert markdown_it_anchor_slug(heading) == markdown_it_anchor
    assert hexo_slug(heading) == hexo
    assert zola_slug(heading) == zola
    assert vitepress_slug(heading) == vitepress


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Async Rust (🦀)", "async-rust-crab"),
        ("Tools (👩\u200d💻, 🛠️)", "tools-woman-computer-tools"),
        ("Привет мир", "privet-mir"),
        ("Straße & Ünïcode", "strasse-unicode"),
        ("中文标题", "zhong-wen-biao-ti"),
        ("What's in 1.28.0 stable", "what-s-in-1-28-0-stable"),
        ("🚀 Launch", "rocket-launch"),
    ],
)
def test_zola_spells_other_scripts_and_emoji_in_ascii(heading: str, anchor: str) -> None:
    assert zola_slug(heading) == anchor


def test_deunicode_leaves_ascii_text_as_it_is() -> None:
    assert deunicode("A plain heading, 1.0") == "A plain heading, 1.0"
    assert deunicode("中文") == "Zhong Wen "


HOSTILE_HEADINGS = [
    *("a" * 200_000, "A" * 200_000, "aB" * 100_000, "ABc" * 70_000, "{%" * 100_000),
    *("中" * 100_000, "🦀" * 100_000),
]
"""Runs of letters and openings never closed: patterns that backtrack take minutes on them;
and long runs of text spelled in ASCII by tables."""


@pytest.mark.parametrize(
    "heading", HOSTILE_HEADINGS, ids=["lower", "upper", "camel", "caps", "open", "cjk", "emoji"]
)
def test_anchor_rules_take_linear_time(heading: str) -> None:
    started = time.process_time()
    for rule in (eleventy_slug, markdown_it_anchor_slug, hexo_slug, zola_slug, vitepress_slug):
        rule(heading)
    assert time.process_time() - started < 5  # about 0.3 s; the quadratic forms took minutes
