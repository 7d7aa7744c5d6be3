"""Realistic posts (Hugo, Jekyll, Astro/MDX, newsletters): every link, exactly where it is.

Each fixture in ``tests/fixtures/posts`` is checked against a list written by hand:
(line, column, kind, url, text) of every link in file order, and nothing else. The same lists
are checked through ``linkcheck extract --format json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkcheck.cli import cli
from linkcheck.discover import read_document
from linkcheck.extract import extract_post
from linkcheck.models import LinkKind

POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"

EMBED = LinkKind.HTML_EMBED
INL, REF, AUTO, BARE, HTML, IMG, FM = (
    LinkKind.INLINE,
    LinkKind.REFERENCE,
    LinkKind.AUTOLINK,
    LinkKind.BARE,
    LinkKind.HTML,
    LinkKind.IMAGE,
    LinkKind.FRONTMATTER,
)

Row = tuple[int, int, LinkKind, str, str]

EXPECTED: dict[str, list[Row]] = {
    "astro-components.mdx": [
        (4, 12, FM, "https://images.example.dev/water/hero.webp", "heroImage"),
        (7, 8, FM, "https://ana.example.dev", "author.url"),
        (12, 55, INL, "https://www.epa.gov/watersense/cooling-towers", "EPA explains"),
        (14, 14, EMBED, "https://images.example.dev/water/tower.jpg", "A cooling tower"),
        (19, 8, EMBED, "/images/water/local.png", ""),
        (23, 31, HTML, "https://papers.example.dev/li2023", "Making AI less thirsty"),
        (24, 18, HTML, "https://www.nature.com/articles/d41586-024-00478-x", "Nature news piece"),
        (26, 11, EMBED, "https://images.example.dev/water/chart.svg", "Water use by year"),
        (32, 3, BARE, "https://www.oecd.org/water/", "https://www.oecd.org/water/"),
        (
            33,
            24,
            INL,
            "https://www.gstatic.com/gumdrop/sustainability/google-2024-environmental-report.pdf",
            "Google 2024 report",
        ),
    ],
    "code-comments-and-escapes.md": [
        (31, 75, BARE, "https://shown.example.com/after", "https://shown.example.com/after"),
        (34, 20, INL, "https://mirror.example.com/data", "flaky mirror"),
        (37, 3, BARE, "https://intranet.example.com/a", "https://intranet.example.com/a"),
        (38, 14, INL, "https://intranet.example.com/b", "internal"),
        (41, 27, BARE, "http://escaped.example.com", "http://escaped.example.com"),
        (41, 61, BARE, "https://escaped-angle.example.com", "https://escaped-angle.example.com"),
        (42, 13, BARE, "https://backtick.example.com", "https://backtick.example.com"),
    ],
    "footnotes-tables-quotes.md": [
        (9, 35, INL, "https://arxiv.org/abs/2211.02001", "Luccioni et al."),
        (10, 18, BARE, "https://arxiv.org/abs/2104.10350", "https://arxiv.org/abs/2104.10350"),
        (11, 24, AUTO, "https://arxiv.org/abs/2205.01068", "https://arxiv.org/abs/2205.01068"),
        (12, 55, HTML, "https://table.example.org/html", "html"),
        (
            15,
            27,
            INL,
            "https://www.technologyreview.com/2019/06/06/239031/",
            "MIT Technology Review",
        ),
        (17, 19, BARE, "https://nested.example.org/quote", "https://nested.example.org/quote"),
        (20, 29, INL, "https://nvidia.example.com/a100.pdf", "A100 datasheet"),
        (21, 23, BARE, "https://nvidia.example.com/h100", "https://nvidia.example.com/h100"),
        (23, 26, REF, "https://app.electricitymaps.com/map", "Electricity Maps"),
        (
            25,
            11,
            BARE,
            "https://jmlr.org/papers/v24/23-0069.html",
            "https://jmlr.org/papers/v24/23-0069.html",
        ),
        (27, 17, INL, "https://arxiv.org/abs/2211.02001v1", "the paper"),
        (
            28,
            5,
            BARE,
            "https://huggingface.co/blog/carbon-emissions-on-the-hub",
            "https://huggingface.co/blog/carbon-emissions-on-the-hub",
        ),
    ],
    "hugo-cover-and-resources.md": [
        (5, 17, FM, "https://cdn.example.com/covers/energy.png", "cover.image"),
        (6, 13, FM, "https://blog.example.org/posts/energy/", "canonical"),
        (10, 9, FM, "https://blog.example.org/series/energy/", "series.0.links.0"),
        (11, 18, FM, "https://blog.example.org/series/energy/part-2/", "series.0.links.1.href"),
        (
            17,
            30,
            INL,
            "https://en.wikipedia.org/wiki/Power_usage_effectiveness",
            "Wikipedia article on power usage effectiveness",
        ),
        (18, 17, INL, "https://en.wikipedia.org/wiki/Joule_(unit)", "Joules"),
        (
            19,
            40,
            BARE,
            "https://en.wikipedia.org/wiki/Watt_(unit)",
            "https://en.wikipedia.org/wiki/Watt_(unit)",
        ),
        (
            21,
            15,
            AUTO,
            "https://vendor.example.com/specs/h100",
            "https://vendor.example.com/specs/h100",
        ),
        (22, 16, INL, "https://vendor.example.com/docs/white paper.pdf", "white paper"),
        (26, 3, REF, "https://arxiv.org/abs/1906.02243", "Strubell et al. (2019)"),
        (27, 3, REF, "https://arxiv.org/abs/2104.10350", "Patterson et al."),
        (28, 27, INL, "https://www.iea.org/reports/electricity-2024", "IEA: Electricity 2024"),
    ],
    "images-emphasis-and-html.md": [
        (4, 5, FM, "https://img.example.com/og/tour.png", "images.0"),
        (7, 18, IMG, "https://ci.example.com/badge.svg", "Build status"),
        (7, 53, INL, "https://ci.example.com/builds", "Build status"),
        (8, 1, REF, "https://www.example.com/", "Logo"),
        (8, 3, IMG, "https://img.example.com/logo.svg", "Logo"),
        (8, 54, IMG, "charts/usage.png", "A chart with emphasis"),
        (10, 32, INL, "https://guide.example.com/annotated#part-2", "the annotated guide"),
        (11, 18, INL, "https://guide.example.com/code", "code in text"),
        (11, 67, INL, "https://guide.example.com/new", "old new"),
        (13, 30, INL, "https://heading.example.com/setext", "a link"),
        (16, 22, BARE, "https://heading.example.com/atx", "https://heading.example.com/atx"),
        (19, 12, HTML, "https://gallery.example.com/full", "Thumbnail"),
        (19, 56, EMBED, "https://gallery.example.com/thumb.jpg", "Thumbnail"),
        (21, 24, HTML, "https://photos.example.com/credit?a=1&b=2", "Jane Doe"),
        (24, 10, AUTO, "mailto:press@example.com", "press@example.com"),
        (24, 43, INL, "mailto:press@example.com?subject=Tour", "email us"),
        (25, 25, INL, "../tour-part-1/", "the previous post"),
        (25, 56, INL, "#a-visual-tour", "the top"),
    ],
    "jekyll-crlf-and-tabs.md": [
        (5, 9, FM, "https://assets.example.net/img/laptop.jpg", "image.path"),
        (11, 38, INL, "https://spec.commonmark.org/0.31.2/#tabs", "the spec"),
        (12, 28, BARE, "https://tabs.example.org/after-tab", "https://tabs.example.org/after-tab"),
        (14, 52, BARE, "https://crlf.example.com/end", "https://crlf.example.com/end"),
        (16, 12, INL, "https://crlf.example.com/wrapped", "one across two lines"),
        (20, 23, INL, "https://quote.example.com/tab", "tabbed"),
    ],
    "newsletter-bare-links.md": [
        (3, 10, FM, "https://roundup.example.com/11", "links.0"),
        (3, 44, FM, "https://roundup.example.com/13", "links.1"),
        (6, 31, BARE, "www.datacenterdynamics.com/en/news/", "www.datacenterdynamics.com/en/news/"),
        (6, 68, BARE, "www.example.dev/energy", "www.example.dev/energy"),
        (
            7,
            10,
            BARE,
            "https://www.carbonbrief.org/analysis-ai-energy/",
            "https://www.carbonbrief.org/analysis-ai-energy/",
        ),
        (8, 12, BARE, "https://quotes.example.com/q", "https://quotes.example.com/q"),
        (8, 47, BARE, "https://quotes.example.com/single", "https://quotes.example.com/single"),
        (9, 14, BARE, "https://em.example.com/star", "https://em.example.com/star"),
        (9, 44, BARE, "https://em.example.com/under", "https://em.example.com/under"),
        (9, 76, BARE, "www.bold.example.com", "www.bold.example.com"),
        (10, 11, BARE, "https://faq.example.com/why", "https://faq.example.com/why"),
        (10, 53, BARE, "https://faq.example.com/wow", "https://faq.example.com/wow"),
        (
            11,
            21,
            BARE,
            "https://search.example.com/?q=ai+energy&lang=en",
            "https://search.example.com/?q=ai+energy&lang=en",
        ),
        (
            12,
            27,
            BARE,
            "https://en.wikipedia.org/wiki/Data_center_(disambiguation)",
            "https://en.wikipedia.org/wiki/Data_center_(disambiguation)",
        ),
        (13, 28, BARE, "https://entity.example.com/path", "https://entity.example.com/path"),
        (14, 66, INL, "https://target.example.com/", "see https://outer.example.com/"),
        (15, 56, BARE, "ftp://files.example.com/a", "ftp://files.example.com/a"),
        (15, 83, BARE, "mailto:user@example.com", "user@example.com"),
        (
            17,
            17,
            BARE,
            "https://hugo.example.com/shortcode.png",
            "https://hugo.example.com/shortcode.png",
        ),
    ],
}

IN_RESOURCES: dict[str, set[int]] = {
    "hugo-cover-and-resources.md": {26, 27, 28},
    "astro-components.mdx": {32, 33},
}
"""Lines whose links sit in the post's Resources section (every other link does not)."""
IGNORED: dict[str, set[int]] = {"code-comments-and-escapes.md": {34, 37, 38}}
"""Lines whose links an ignore comment covers."""


def rows(name: str) -> list[Row]:
    post = extract_post(read_document(POSTS / name, cwd=POSTS))
    return [
        (link.location.line, link.location.column, link.kind, link.url, link.text)
        for link in post.links
    ]


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in POSTS.iterdir() if p.suffix in (".md", ".mdx")) == sorted(
        EXPECTED
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_post_links_exactly(name: str) -> None:
    assert rows(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_post_sections_ignores_and_spans(name: str) -> None:
    post = extract_post(read_document(POSTS / name, cwd=POSTS))
    text = post.document.text
    lines = text.split("\n")
    for link in post.links:
        line = link.location.line
        assert link.in_resources == (line in IN_RESOURCES.get(name, set())), link
        assert link.ignored == (line in IGNORED.get(name, set())), link
        at = lines[line - 1][link.location.column - 1 :]
        if link.kind is LinkKind.REFERENCE or (link.kind is IMG and at.startswith("[")):
            assert at.startswith("["), link  # a reference is reported where it is used
        else:
            assert at.startswith(text[link.start : link.end]), link


def test_crlf_fixture_keeps_its_line_endings() -> None:
    data = (POSTS / "jekyll-crlf-and-tabs.md").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 0


def test_command_line_json_lists_the_same_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(POSTS)
    result = CliRunner().invoke(
        cli, ["extract", ".", "--format", "json"], prog_name="linkcheck", catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    printed: dict[str, list[Row]] = {}
    for item in json.loads(result.output):
        printed.setdefault(Path(item["file"]).name, []).append(
            (item["line"], item["column"], LinkKind(item["kind"]), item["url"], item["text"])
        )
    assert printed == {name: expected for name, expected in EXPECTED.items() if expected}
