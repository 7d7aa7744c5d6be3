"""The bibliography: grouping by source, titles and verdicts, and exact text/JSON/Markdown."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from linkcheck.models import (
    CheckResult,
    Link,
    LinkKind,
    Location,
    PostSummary,
    Report,
    SourceKind,
    UsageError,
    Verdict,
)
from linkcheck.report.sources import (
    Citation,
    SourceEntry,
    bibliography,
    render_sources,
)
from linkcheck.report.text import RESET
from linkcheck.sources import identify

POST = "content/blog/post.md"
OTHER = "content/blog/other.md"
PAPER_PDF = "https://arxiv.org/pdf/1906.02243"
PAPER_ABS = "https://arxiv.org/abs/1906.02243v3"
PAPER_TITLE = "Energy and Policy Considerations for Deep Learning in NLP"
EVIL = "https://evil.test/page?q=@everyone"
HOSTILE = (
    "<script>alert(1)</script> @everyone [x](javascript:alert(1)) | #12 \x1b[31mred\nline2\u202e"
)
REPORT_PDF = "https://example.org/report.pdf"
PLAIN = "https://example.org/plain"
MIXED_OLD = "http://example.com/a"
MIXED_NEW = "https://www.example.com/a/#top"
MIXED_NEW_CHECKED = "https://www.example.com/a/"


def _link(
    url: str,
    line: int,
    column: int,
    *,
    path: str = POST,
    kind: LinkKind = LinkKind.INLINE,
    text: str = "a link",
    in_resources: bool = False,
) -> Link:
    return Link(
        url=url,
        kind=kind,
        text=text,
        location=Location(path, line, column),
        in_resources=in_resources,
        source=identify(url),
        start=0,
        end=0,
    )


LINKS = (
    _link(PAPER_PDF, 10, 52, text="study by Strubell et al."),
    _link(PAPER_ABS, 46, 3, text="Energy and Policy", in_resources=True),
    _link(EVIL, 12, 1, kind=LinkKind.BARE, text=EVIL),
    _link(EVIL, 3, 7, path=OTHER, text="@everyone look"),
    _link(REPORT_PDF, 47, 3, text="Annual  Report\n2024", in_resources=True),
    _link(PLAIN, 20, 5, kind=LinkKind.BARE, text=PLAIN),
    _link(PLAIN, 48, 3, kind=LinkKind.AUTOLINK, text=PLAIN, in_resources=True),
    _link(MIXED_OLD, 22, 9, text="old"),
    _link(MIXED_NEW, 24, 9, text="new"),
    # not citations: mail, relative, phone, other schemes, images, frontmatter values
    _link("mailto:me@example.org", 30, 1),
    _link("/blog/other", 31, 1),
    _link("tel:+1-555-0100", 32, 1),
    _link("javascript:alert(1)", 33, 1, kind=LinkKind.HTML),
    _link("https://img.test/chart.png", 34, 1, kind=LinkKind.IMAGE),
    _link("https://example.org/canonical", 2, 12, kind=LinkKind.FRONTMATTER),
)
RESULTS = {
    PAPER_PDF: CheckResult(PAPER_PDF, Verdict.OK, status=200, title=PAPER_TITLE),
    EVIL: CheckResult(EVIL, Verdict.DEAD, status=404, title=HOSTILE),
    REPORT_PDF: CheckResult(REPORT_PDF, Verdict.BLOCKED, status=403),
    MIXED_OLD: CheckResult(MIXED_OLD, Verdict.DEAD, status=404, title="404 Not Found"),
    MIXED_NEW_CHECKED: CheckResult(
        MIXED_NEW_CHECKED, Verdict.MOVED, status=200, title="  The Real\tTitle "
    ),
}


def _report(**changes: Any) -> Report:
    fields: dict[str, Any] = {
        "posts": (PostSummary(POST, "Post", 14, True), PostSummary(OTHER, "Other", 1, False)),
        "links": LINKS,
        "results": RESULTS,
        "findings": (),
    }
    fields.update(changes)
    return Report(**fields)


@pytest.fixture
def entries() -> list[SourceEntry]:
    return bibliography(_report())


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def test_entries(entries: list[SourceEntry]) -> None:
    assert entries == [
        SourceEntry(
            key="//evil.test/page?q=@everyone",
            kind=SourceKind.WEB,
            urls=(EVIL,),
            title=" ".join(HOSTILE.split()),
            verdict=Verdict.DEAD,
            citations=(Citation(OTHER, 3, 7, False), Citation(POST, 12, 1, False)),
        ),
        SourceEntry(
            key="//example.org/report.pdf",
            kind=SourceKind.PDF,
            urls=(REPORT_PDF,),
            title="Annual Report 2024",
            verdict=Verdict.BLOCKED,
            citations=(Citation(POST, 47, 3, True),),
        ),
        SourceEntry(
            key="arxiv:1906.02243",
            kind=SourceKind.ARXIV,
            urls=(PAPER_PDF, PAPER_ABS),
            title=PAPER_TITLE,
            verdict=Verdict.OK,
            citations=(Citation(POST, 10, 52, False), Citation(POST, 46, 3, True)),
        ),
        SourceEntry(
            key="//example.com/a",
            kind=SourceKind.WEB,
            urls=(MIXED_OLD, MIXED_NEW),
            title="The Real Title",
            verdict=Verdict.DEAD,
            citations=(Citation(POST, 22, 9, False), Citation(POST, 24, 9, False)),
        ),
        SourceEntry(
            key="//example.org/plain",
            kind=SourceKind.WEB,
            urls=(PLAIN,),
            title=None,
            verdict=None,
            citations=(Citation(POST, 20, 5, False), Citation(POST, 48, 3, True)),
        ),
    ]


def test_order_does_not_depend_on_link_order() -> None:
    shuffled = _report(links=tuple(reversed(LINKS)))
    assert bibliography(shuffled) == bibliography(_report())


def test_offline_has_no_verdicts_and_falls_back_to_resources_text() -> None:
    entries = bibliography(_report(results={}, offline=True))
    assert all(entry.verdict is None for entry in entries)
    titles = {entry.key: entry.title for entry in entries}
    assert titles["arxiv:1906.02243"] == "Energy and Policy"
    assert titles["//evil.test/page?q=@everyone"] is None  # not in Resources: no fallback
    assert titles["//example.org/plain"] is None  # the Resources text is the URL itself


def test_failing_page_title_used_when_nothing_better() -> None:
    results = {MIXED_OLD: RESULTS[MIXED_OLD]}
    entries = bibliography(_report(links=LINKS[7:9], results=results))
    assert [(e.title, e.verdict) for e in entries] == [("404 Not Found", Verdict.DEAD)]


def test_blank_title_ignored() -> None:
    results = {PAPER_PDF: replace(RESULTS[PAPER_PDF], title=" \n\t ")}
    entries = bibliography(_report(links=LINKS[:2], results=results))
    assert entries[0].title == "Energy and Policy"


def test_same_place_listed_once() -> None:
    entries = bibliography(_report(links=(LINKS[0], LINKS[0]), results={}))
    assert entries[0].citations == (Citation(POST, 10, 52, False),)


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------

TEXT = """\
<script>alert(1)</script> @everyone [x](javascript:alert(1)) | #12 red line2
  source   //evil.test/page?q=@everyone (web)
  verdict  dead
  url      https://evil.test/page?q=@everyone
  cited    content/blog/other.md:3:7
  cited    content/blog/post.md:12:1

Annual Report 2024
  source   //example.org/report.pdf (pdf)
  verdict  blocked
  url      https://example.org/report.pdf
  cited    content/blog/post.md:47:3 in Resources

Energy and Policy Considerations for Deep Learning in NLP
  source   arxiv:1906.02243 (arxiv)
  verdict  ok
  url      https://arxiv.org/pdf/1906.02243
  url      https://arxiv.org/abs/1906.02243v3
  cited    content/blog/post.md:10:52
  cited    content/blog/post.md:46:3 in Resources

The Real Title
  source   //example.com/a (web)
  verdict  dead
  url      http://example.com/a
  url      https://www.example.com/a/#top
  cited    content/blog/post.md:22:9
  cited    content/blog/post.md:24:9

(untitled)
  source   //example.org/plain (web)
  verdict  not checked
  url      https://example.org/plain
  cited    content/blog/post.md:20:5
  cited    content/blog/post.md:48:3 in Resources

5 sources, 9 citations in 2 posts
"""


def test_text_golden(entries: list[SourceEntry]) -> None:
    assert render_sources(entries, "text") == TEXT


def test_text_color_only_when_asked(entries: list[SourceEntry]) -> None:
    assert "\x1b" not in render_sources(entries, "text")
    colored = render_sources(entries, "text", color=True)
    assert colored.startswith("\x1b[1m<script>alert(1)</script> @everyone")
    assert "  verdict  \x1b[31mdead" + RESET in colored
    assert "  verdict  \x1b[2mnot checked" + RESET in colored
    # every escape sequence is one of ours: the hostile title's colour code is gone
    assert set(re.findall(r"\x1b\[[0-9;]*m", colored)) <= {
        "\x1b[0m",
        "\x1b[1m",
        "\x1b[2m",
        "\x1b[31m",
        "\x1b[32m",
        "\x1b[33m",
    }
    assert "\x1b[31mred" not in colored
    assert "\u202e" not in colored


def test_text_empty() -> None:
    assert render_sources([], "text") == "0 sources, 0 citations in 0 posts\n"


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------

JSON_ONE = """\
{
  "schema_version": 1,
  "sources": [
    {
      "key": "arxiv:1906.02243",
      "kind": "arxiv",
      "title": "Energy and Policy Considerations for Deep Learning in NLP",
      "verdict": "ok",
      "urls": [
        "https://arxiv.org/pdf/1906.02243",
        "https://arxiv.org/abs/1906.02243v3"
      ],
      "citations": [
        {
          "file": "content/blog/post.md",
          "line": 10,
          "column": 52,
          "in_resources": false
        },
        {
          "file": "content/blog/post.md",
          "line": 46,
          "column": 3,
          "in_resources": true
        }
      ]
    }
  ]
}
"""


def test_json_golden() -> None:
    entries = bibliography(_report(links=LINKS[:2]))
    assert render_sources(entries, "json") == JSON_ONE


def test_json_round_trips_every_entry(entries: list[SourceEntry]) -> None:
    document = json.loads(render_sources(entries, "json"))
    assert document["schema_version"] == 1
    assert [s["key"] for s in document["sources"]] == [e.key for e in entries]
    hostile = document["sources"][0]
    assert hostile["title"] == " ".join(HOSTILE.split())  # data is kept, escaping is the reader's
    assert hostile["verdict"] == "dead"
    assert document["sources"][-1]["title"] is None
    assert document["sources"][-1]["verdict"] is None


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

ZWJ = "\u200d"
MARKDOWN = (
    "## Sources\n"
    "\n"
    "| Title | URL | Kind | Verdict | Cited at |\n"
    "| --- | --- | --- | --- | --- |\n"
    "| &lt;script&gt;alert\\(1\\)&lt;/script&gt; @" + ZWJ + "everyone "
    "\\[x\\]\\(javascript:alert\\(1\\)\\) \\| \\#" + ZWJ + "12 red line2 "
    "| <https://evil.test/page?q=@everyone> | web | dead "
    "| `content/blog/other.md:3`, `content/blog/post.md:12` |\n"
    "| Annual Report 2024 | <https://example.org/report.pdf> | pdf | blocked "
    "| `content/blog/post.md:47` (in Resources) |\n"
    "| Energy and Policy Considerations for Deep Learning in NLP "
    "| <https://arxiv.org/pdf/1906.02243>, <https://arxiv.org/abs/1906.02243v3> | arxiv | ok "
    "| `content/blog/post.md:10`, `content/blog/post.md:46` (in Resources) |\n"
    "| The Real Title | <http://example.com/a>, <https://www.example.com/a/#top> | web | dead "
    "| `content/blog/post.md:22`, `content/blog/post.md:24` |\n"
    "| — | <https://example.org/plain> | web | — "
    "| `content/blog/post.md:20`, `content/blog/post.md:48` (in Resources) |\n"
)


def test_markdown_golden(entries: list[SourceEntry]) -> None:
    assert render_sources(entries, "markdown") == MARKDOWN


def test_markdown_nothing_active(entries: list[SourceEntry]) -> None:
    out = render_sources(entries, "markdown")
    assert "<script" not in out
    outside = re.sub(r"<https?://[^>]*>|`[^`]*`", "", out)
    assert not re.search(r"@(?!\u200d)", outside)
    assert not re.search(r"#(?!\u200d)\d", outside)
    assert "](" not in outside.replace("\\](", "")
    assert "\x1b" not in out
    # every row keeps its five cells: no unescaped pipe from a title
    for row in out.splitlines()[2:]:
        assert len(re.findall(r"(?<!\\)\|", re.sub(r"`[^`]*`", "", row))) == 6


def test_markdown_unsafe_and_long_urls_are_code() -> None:
    quoted = 'https://example.org/a"onmouseover="x'
    long_url = "https://example.org/" + "a" * 600
    links = (_link(quoted, 1, 1), _link(long_url, 2, 1))
    out = render_sources(bibliography(_report(links=links, results={})), "markdown")
    assert '`https://example.org/a"onmouseover="x`' in out
    assert "<https://example.org/aaaa" not in out
    assert "`https://example.org/aaaa" in out
    assert "…`" in out


def test_markdown_empty() -> None:
    assert render_sources([], "markdown") == "## Sources\n\nNo sources cited.\n"


def test_unknown_format(entries: list[SourceEntry]) -> None:
    with pytest.raises(UsageError, match="unknown sources format 'sarif'"):
        render_sources(entries, "sarif")
