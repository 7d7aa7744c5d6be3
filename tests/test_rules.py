"""Judging rules: every rule, its messages, severities and the order of findings."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from linkcheck.models import (
    CheckResult,
    Document,
    Finding,
    Link,
    LinkKind,
    Location,
    Post,
    Severity,
    Verdict,
)
from linkcheck.rules import (
    DEAD_LINK_FIX,
    RULES,
    RULES_BY_ID,
    is_homepage_redirect,
    judge,
    posts_without_resources,
)
from linkcheck.sources import identify, strip_fragment

POST_PATH = "content/blog/post.md"


def make_link(
    url: str,
    *,
    line: int = 1,
    column: int = 1,
    kind: LinkKind = LinkKind.INLINE,
    resources: bool = False,
    ignored: bool = False,
    path: str = POST_PATH,
) -> Link:
    return Link(
        url=url,
        kind=kind,
        text="text",
        location=Location(path, line, column),
        in_resources=resources,
        source=identify(url),
        start=0,
        end=len(url),
        ignored=ignored,
    )


def make_post(
    links: Sequence[Link],
    *,
    path: str = POST_PATH,
    metadata: Mapping[str, Any] | None = None,
    anchors: Sequence[str] = (),
    has_resources: bool | None = None,
) -> Post:
    doc = Document(Path(path), path, "", dict(metadata or {}), 0)
    if has_resources is None:
        has_resources = any(link.in_resources for link in links)
    return Post(doc, tuple(links), frozenset(anchors), has_resources)


def result(url: str, verdict: Verdict, **fields: Any) -> CheckResult:
    return CheckResult(url=url, verdict=verdict, **fields)


def results_of(*items: CheckResult) -> dict[str, CheckResult]:
    return {item.url: item for item in items}


def brief(findings: Sequence[Finding]) -> list[tuple[str, int, str]]:
    return [(f.rule, f.location.line, f.message) for f in findings]


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


def test_rule_table() -> None:
    assert [(rule.id, rule.severity) for rule in RULES] == [
        ("dead-link", Severity.ERROR),
        ("soft-404", Severity.ERROR),
        ("moved-link", Severity.WARNING),
        ("moved-to-homepage", Severity.WARNING),
        ("missing-from-resources", Severity.ERROR),
        ("missing-fragment", Severity.WARNING),
        ("unverified-link", Severity.WARNING),
        ("duplicate-resource", Severity.INFO),
        ("uncited-resource", Severity.INFO),
        ("insecure-link", Severity.INFO),
        ("empty-link", Severity.WARNING),
        ("malformed-url", Severity.ERROR),
        ("broken-internal-link", Severity.ERROR),
        ("missing-anchor", Severity.WARNING),
        ("missing-scheme", Severity.WARNING),
        ("local-file-link", Severity.ERROR),
        ("script-link", Severity.ERROR),
        ("data-link", Severity.WARNING),
        ("empty-post", Severity.INFO),
        ("private-address", Severity.ERROR),
    ]
    assert all(rule.hint and "\n" not in rule.hint for rule in RULES)
    assert set(RULES_BY_ID) == {rule.id for rule in RULES}


# ---------------------------------------------------------------------------
# missing-from-resources
# ---------------------------------------------------------------------------

RESOURCE_ARXIV = "https://arxiv.org/abs/2408.15664"


@pytest.mark.parametrize(
    ("cited", "listed", "missing"),
    [
        ("https://example.com/a", "https://example.com/a", False),
        ("https://example.com/a", "https://example.com/b", True),
        ("https://arxiv.org/pdf/2408.15664v2.pdf", RESOURCE_ARXIV, False),
        ("https://arxiv.org/abs/2408.15664v1#S2", RESOURCE_ARXIV, False),
        ("https://arxiv.org/abs/2408.15665", RESOURCE_ARXIV, True),
        ("http://example.com/page", "https://www.example.com/page/", False),
        ("https://example.com/a?utm_source=x#top", "https://example.com/a", False),
        ("https://doi.org/10.1/ABC", "http://dx.doi.org/10.1/abc", False),
        ("https://example.com/report.pdf", "https://example.com/report.pdf", False),
        ("https://example.com/report.pdf", "https://example.com/other.pdf", True),
    ],
)
def test_missing_from_resources(cited: str, listed: str, missing: bool) -> None:
    post = make_post(
        [make_link(cited, line=3, column=5), make_link(listed, line=20, resources=True)]
    )
    expected = [
        Finding(
            "missing-from-resources",
            Severity.ERROR,
            Location(POST_PATH, 3, 5),
            "cited in the body but missing from Resources",
            cited,
        )
    ]
    found = [f for f in judge([post]) if f.rule == "missing-from-resources"]
    assert found == (expected if missing else [])


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        (LinkKind.INLINE, True),
        (LinkKind.REFERENCE, True),
        (LinkKind.AUTOLINK, True),
        (LinkKind.BARE, True),
        (LinkKind.HTML, True),
        (LinkKind.IMAGE, False),
        (LinkKind.FRONTMATTER, False),
    ],
)
def test_missing_from_resources_by_link_kind(kind: LinkKind, missing: bool) -> None:
    post = make_post(
        [
            make_link("https://example.com/cited", line=2, kind=kind),
            make_link("https://example.com/listed", line=9, resources=True),
        ]
    )
    rules = [f.rule for f in judge([post])]
    assert ("missing-from-resources" in rules) is missing


@pytest.mark.parametrize(
    "url",
    ["mailto:a@example.com", "tel:+15551234", "/blog/other", "ftp://example.com/x", "#top"],
)
def test_missing_from_resources_only_for_external_links(url: str) -> None:
    post = make_post(
        [make_link(url, line=2), make_link("https://example.com/x", line=9, resources=True)]
    )
    assert [f for f in judge([post]) if f.rule == "missing-from-resources"] == []


def test_post_without_resources_section_gets_no_missing_finding() -> None:
    post = make_post([make_link("https://example.com/a")], has_resources=False)
    assert judge([post]) == []
    assert posts_without_resources([post]) == [POST_PATH]


def test_post_with_empty_resources_section_reports_every_citation() -> None:
    post = make_post(
        [make_link("https://example.com/a", line=1), make_link("https://example.com/a", line=2)],
        has_resources=True,
    )
    assert brief(judge([post])) == [
        ("missing-from-resources", 1, "cited in the body but missing from Resources"),
        ("missing-from-resources", 2, "cited in the body but missing from Resources"),
    ]


def test_posts_without_resources_keeps_order() -> None:
    posts = [
        make_post([], path="b.md", has_resources=False),
        make_post([], path="a.md", has_resources=True),
        make_post([], path="c.md", has_resources=False),
    ]
    assert posts_without_resources(posts) == ["b.md", "c.md"]


def test_ignored_resource_still_counts_as_listed() -> None:
    post = make_post(
        [
            make_link("https://example.com/a", line=1),
            make_link("https://example.com/a", line=9, resources=True, ignored=True),
        ]
    )
    assert judge([post]) == []


def test_ignored_links_produce_no_findings() -> None:
    url = "https://example.com/gone"
    post = make_post(
        [
            make_link(url, line=1, ignored=True),
            make_link("https://example.com/listed", line=1, column=30, ignored=True),
            make_link("", line=2, ignored=True),
            make_link("http:/bad", line=3, ignored=True),
            make_link("/blog/nope", line=4, ignored=True),
            make_link("https://example.com/listed", line=9, resources=True),
            make_link("https://example.com/listed", line=10, resources=True, ignored=True),
        ]
    )
    results = results_of(result(url, Verdict.DEAD, status=404, reason="404 Not Found"))
    assert judge([post], results) == []


# ---------------------------------------------------------------------------
# duplicate-resource and uncited-resource
# ---------------------------------------------------------------------------


def test_duplicate_resource() -> None:
    post = make_post(
        [
            make_link("https://arxiv.org/abs/2408.15664", line=1),
            make_link("https://arxiv.org/abs/2408.15664", line=10, resources=True),
            make_link("https://arxiv.org/pdf/2408.15664v2", line=11, resources=True),
            make_link("http://www.arxiv.org/abs/2408.15664", line=12, resources=True),
        ]
    )
    assert brief(judge([post])) == [
        ("duplicate-resource", 11, "already listed in Resources at line 10"),
        ("duplicate-resource", 12, "already listed in Resources at line 10"),
    ]
    assert {f.severity for f in judge([post])} == {Severity.INFO}


def test_same_source_twice_on_one_resources_line_is_one_entry() -> None:
    post = make_post(
        [
            make_link("https://example.com/a", line=1),
            make_link("https://example.com/a", line=10, column=3, resources=True),
            make_link(
                "https://example.com/a", line=10, column=40, kind=LinkKind.BARE, resources=True
            ),
        ]
    )
    assert judge([post]) == []


def test_uncited_resource() -> None:
    post = make_post(
        [
            make_link("https://example.com/cited", line=1),
            make_link("https://example.com/cited/", line=10, resources=True),
            make_link("https://example.com/uncited", line=11, resources=True),
            make_link("mailto:me@example.com", line=12, resources=True),
            make_link("/blog/other", line=13, resources=True),
        ],
        metadata={},
    )
    other = make_post([], path="content/blog/other.md")
    findings = judge([post, other])
    assert brief(findings) == [
        ("uncited-resource", 11, "listed in Resources but not cited"),
    ]
    assert findings[0].severity is Severity.INFO


def test_uncited_resource_counts_images_but_not_frontmatter() -> None:
    post = make_post(
        [
            make_link("https://example.com/figure.png", line=1, kind=LinkKind.IMAGE),
            make_link("https://example.com/meta", line=1, kind=LinkKind.FRONTMATTER),
            make_link("https://example.com/figure.png", line=10, resources=True),
            make_link("https://example.com/meta", line=11, resources=True),
        ]
    )
    assert brief(judge([post])) == [("uncited-resource", 11, "listed in Resources but not cited")]


# ---------------------------------------------------------------------------
# empty-link and malformed-url
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["", "   "])
def test_empty_link(url: str) -> None:
    post = make_post([make_link(url, line=4, column=7)])
    assert judge([post]) == [
        Finding("empty-link", Severity.WARNING, Location(POST_PATH, 4, 7), "empty link target", url)
    ]


def test_spaces_in_a_markdown_destination_are_encoded_as_markdown_renders_them() -> None:
    # `[blue jay](<https://en.wikipedia.org/wiki/Blue jay>)` is CommonMark: the page links to
    # `Blue%20jay`, which is checked. Raw HTML and frontmatter values are not rewritten.
    spaced = "https://example.com/Blue jay"
    links = [
        make_link(spaced, line=1, resources=True),
        make_link(spaced, line=2, kind=LinkKind.IMAGE),
        make_link(spaced, line=3, kind=LinkKind.HTML),
        make_link(spaced, line=4, kind=LinkKind.FRONTMATTER),
    ]
    assert [link.target for link in links[:2]] == ["https://example.com/Blue%20jay"] * 2
    post = make_post(links, has_resources=True)
    encoded = results_of(result("https://example.com/Blue%20jay", Verdict.OK))
    assert brief(judge([post], encoded)) == [
        ("malformed-url", 3, "malformed URL: unescaped whitespace"),
        ("malformed-url", 4, "malformed URL: unescaped whitespace"),
    ]


@pytest.mark.parametrize(
    ("written", "target"),
    [
        ("http://www.pool.ntp.org是NTP的官方网站", "http://www.pool.ntp.org"),
        ("www.freeswitch.org),JXTA-C(http://jxta", "http://www.freeswitch.org"),
        ("http://localhost:8080，出现", "http://localhost:8080"),
        ("https://example.com]", "https://example.com"),
        ("https://zh.wikipedia.org/wiki/中文", "https://zh.wikipedia.org/wiki/中文"),
        ("https://例子.测试/x", "https://例子.测试/x"),
        ("https://user@host.example/x", "https://user@host.example/x"),
        ("https://my_site.example.com/a)b", "https://my_site.example.com/a)b"),
        ("www.example.com/x", "http://www.example.com/x"),
    ],
)
def test_a_bare_link_whose_host_runs_into_prose_leads_to_its_host(
    written: str, target: str
) -> None:
    # GitHub's autolinks run on to the next blank, through text written without spaces;
    # goldmark (Hugo) and most generators end the link with the host: that one is checked.
    link = make_link(written, kind=LinkKind.BARE, resources=True)
    link = dataclasses.replace(link, source=identify(link.target))  # as extraction makes it
    assert link.target == target
    post = make_post([link], has_resources=True)
    found = judge([post], results_of(result(strip_fragment(target), Verdict.OK)))
    assert [f.rule for f in found if f.severity is not Severity.INFO] == []


@pytest.mark.parametrize(
    "written",
    [
        "http://" + "a" * 200_000 + "是",
        "http://" + "a." * 100_000 + ":" + "9" * 100_000 + "x",
        "www." + "-_" * 100_000,
        "http://" + "a-" * 100_000 + "/",
    ],
)
def test_reading_a_bare_links_host_takes_linear_time(written: str) -> None:
    started = time.process_time()
    target = make_link(written, kind=LinkKind.BARE).target
    assert time.process_time() - started < 1.0  # milliseconds; quadratic would be minutes
    assert target.startswith(("http://", "www."))
    assert len(target) <= len(written) + 7


def test_a_draft_chapter_in_a_book_summary_is_no_empty_link() -> None:
    # mdBook's SUMMARY.md lists a chapter not yet written as `- [Title]()`.
    summary = "book/src/SUMMARY.md"
    links = [
        make_link("", line=3, path=summary),
        make_link("", line=4, path=summary, kind=LinkKind.IMAGE),
    ]
    post = make_post(links, path=summary)
    assert brief(judge([post])) == [("empty-link", 4, "empty link target")]
    other = make_post(
        [make_link("", line=3, path="book/src/summary.md")], path="book/src/summary.md"
    )
    assert brief(judge([other])) == [("empty-link", 3, "empty link target")]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http:/example.com", "malformed URL: missing '//' after 'http:'"),
        ("https:///x", "malformed URL: no host"),
        ("https://exa mple.com/", "malformed URL: bad host name label 'exa%20mple'"),
        ("https://example.com/a\x01", "malformed URL: unescaped control character"),
        ("https://example.com:99999/", "malformed URL: bad port '99999'"),
        ("https://a..b/", "malformed URL: empty label in host 'a..b'"),
    ],
)
def test_malformed_url(url: str, message: str) -> None:
    post = make_post([make_link(url, line=2)], has_resources=True)
    results = results_of(result(strip_fragment(url), Verdict.ERROR, reason="boom"))
    assert brief(judge([post], results)) == [("malformed-url", 2, message)]
    assert judge([post])[0].severity is Severity.ERROR


# ---------------------------------------------------------------------------
# Network rules
# ---------------------------------------------------------------------------

URL = "https://example.com/page"


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (result(URL, Verdict.OK, status=200), []),
        (result(URL, Verdict.REDIRECTED, status=200, final_url="https://example.com/tmp"), []),
        (result(URL, Verdict.SKIPPED, reason="excluded"), []),
        (
            result(URL, Verdict.DEAD, status=404, reason="404 Not Found"),
            [("dead-link", Severity.ERROR, "404 Not Found", DEAD_LINK_FIX)],
        ),
        (
            result(URL, Verdict.DEAD, status=410),
            [("dead-link", Severity.ERROR, "HTTP 410", DEAD_LINK_FIX)],
        ),
        (
            result(URL, Verdict.DEAD),
            [("dead-link", Severity.ERROR, "dead", DEAD_LINK_FIX)],
        ),
        (
            result(URL, Verdict.DEAD, reason="DNS: name does not exist"),
            [("dead-link", Severity.ERROR, "DNS: name does not exist", DEAD_LINK_FIX)],
        ),
        (
            result(URL, Verdict.MOVED, status=200, final_url="https://example.org/new/page"),
            [
                (
                    "moved-link",
                    Severity.WARNING,
                    "moved permanently to https://example.org/new/page",
                    "https://example.org/new/page",
                )
            ],
        ),
        (
            result(URL, Verdict.MOVED, status=200),
            [("moved-link", Severity.WARNING, "moved permanently", None)],
        ),
        (
            result(URL, Verdict.MOVED, status=200, final_url="https://example.com/"),
            [
                (
                    "moved-to-homepage",
                    Severity.WARNING,
                    "moved permanently to the site's home or section page https://example.com/",
                    None,
                )
            ],
        ),
        (
            result(URL, Verdict.BLOCKED, status=403, reason="403 Forbidden"),
            [
                (
                    "unverified-link",
                    Severity.WARNING,
                    "could not verify (blocked: 403 Forbidden)",
                    None,
                )
            ],
        ),
        (
            result(URL, Verdict.TIMEOUT, reason="no answer in 15 s"),
            [
                (
                    "unverified-link",
                    Severity.WARNING,
                    "could not verify (timeout: no answer in 15 s)",
                    None,
                )
            ],
        ),
        (
            result(URL, Verdict.ERROR, reason="TLS: certificate has expired"),
            [
                (
                    "unverified-link",
                    Severity.WARNING,
                    "could not verify (error: TLS: certificate has expired)",
                    None,
                )
            ],
        ),
        (
            result(URL, Verdict.TIMEOUT),
            [("unverified-link", Severity.WARNING, "could not verify (timeout)", None)],
        ),
    ],
)
def test_verdict_rules(
    check: CheckResult, expected: list[tuple[str, Severity, str, str | None]]
) -> None:
    post = make_post([make_link(URL, line=5, column=2), make_link(URL, line=9, resources=True)])
    found = [f for f in judge([post], results_of(check)) if f.location.line == 5]
    assert [(f.rule, f.severity, f.message, f.suggestion) for f in found] == expected
    assert all(f.url == URL and f.location == Location(POST_PATH, 5, 2) for f in found)


def test_results_are_looked_up_without_the_fragment() -> None:
    post = make_post([make_link(URL + "#part", line=1)], has_resources=False)
    check = result(URL, Verdict.DEAD, status=404, reason="404 Not Found")
    assert brief(judge([post], results_of(check))) == [("dead-link", 1, "404 Not Found")]


def test_moved_link_keeps_the_fragment_in_the_replacement() -> None:
    post = make_post([make_link(URL + "#part", line=1)], has_resources=False)
    check = result(URL, Verdict.MOVED, final_url="https://example.org/new")
    [finding] = judge([post], results_of(check))
    assert finding.message == "moved permanently to https://example.org/new#part"
    assert finding.suggestion == "https://example.org/new#part"
    check = result(URL, Verdict.MOVED, final_url="https://example.org/new#own")
    [finding] = judge([post], results_of(check))
    assert finding.suggestion == "https://example.org/new#own"


def test_offline_run_has_no_network_findings() -> None:
    post = make_post([make_link(URL, line=1)], has_resources=False)
    assert judge([post], None) == []


def test_unchecked_url_has_no_network_findings() -> None:
    post = make_post([make_link(URL, line=1)], has_resources=False)
    other = result("https://example.com/other", Verdict.DEAD, reason="404 Not Found")
    assert judge([post], results_of(other)) == []


@pytest.mark.parametrize(
    ("original", "final", "expected"),
    [
        ("https://a.com/blog/2020/post", "https://a.com/", True),
        ("https://a.com/blog/2020/post", "https://a.com", True),
        ("https://a.com/post", "https://b.com/", True),
        ("https://a.com/post", "https://a.com/?from=post", True),
        ("https://a.com/blog/2020/post", "https://a.com/blog/", True),
        ("https://a.com/docs/a/b", "https://a.com/docs/a/", True),
        ("https://a.com/blog/post", "https://a.com/blog/post/", False),
        ("https://a.com/blog/post", "https://a.com/blog", False),
        ("https://a.com/blog/post", "https://a.com/news/post/", False),
        ("https://a.com/post", "https://a.com/new-post", False),
        ("http://a.com/", "https://a.com/", False),
        ("http://a.com", "https://www.a.com/", False),
        ("https://a.com/x", "https://[bad/", False),
    ],
)
def test_is_homepage_redirect(original: str, final: str, expected: bool) -> None:
    assert is_homepage_redirect(original, final) is expected


def test_moved_to_homepage_replaces_moved_link() -> None:
    url = "https://news.example/2021/05/story"
    post = make_post([make_link(url, line=1)], has_resources=False)
    check = result(url, Verdict.MOVED, final_url="https://news.example/2021/")
    assert [(f.rule, f.suggestion) for f in judge([post], results_of(check))] == [
        ("moved-to-homepage", None)
    ]


def test_a_soft_404_is_its_own_rule() -> None:
    url = "https://news.example/2021/05/story"
    post = make_post([make_link(url)], has_resources=False)
    soft = result(url, Verdict.DEAD, status=200, reason="soft 404: the title is 'Not Found'")
    hard = result(url, Verdict.DEAD, status=404, reason="404 Not Found")
    assert brief(judge([post], results_of(soft))) == [
        ("soft-404", 1, "soft 404: the title is 'Not Found'")
    ]
    assert [f.severity for f in judge([post], results_of(soft))] == [Severity.ERROR]
    assert brief(judge([post], results_of(hard))) == [("dead-link", 1, "404 Not Found")]
    demoted = judge([post], results_of(soft), severities={"soft-404": Severity.WARNING})
    assert [f.severity for f in demoted] == [Severity.WARNING]


def test_a_temporary_redirect_of_a_deep_link_to_the_homepage() -> None:
    url = "https://news.example/2021/05/story"
    post = make_post([make_link(url)], has_resources=False)
    home = result(url, Verdict.REDIRECTED, final_url="https://news.example/")
    assert brief(judge([post], results_of(home))) == [
        (
            "moved-to-homepage",
            1,
            "redirected to the site's home or section page https://news.example/",
        )
    ]
    elsewhere = result(url, Verdict.REDIRECTED, final_url="https://news.example/2021/05/story-2")
    assert judge([post], results_of(elsewhere)) == []


@pytest.mark.parametrize(
    ("link_url", "missing", "expected"),
    [
        (
            URL + "#gone",
            frozenset({"gone"}),
            [("missing-fragment", 1, "fragment '#gone' not found on the page")],
        ),
        (URL + "#here", frozenset({"gone"}), []),
        (
            URL + "#caf%C3%A9",
            frozenset({"café"}),
            [("missing-fragment", 1, "fragment '#caf%C3%A9' not found on the page")],
        ),
        (URL, frozenset({"gone"}), []),
    ],
)
def test_missing_fragment(
    link_url: str, missing: frozenset[str], expected: list[tuple[str, int, str]]
) -> None:
    post = make_post([make_link(link_url, line=1)], has_resources=False)
    check = result(URL, Verdict.OK, status=200, missing_fragments=missing)
    findings = judge([post], results_of(check))
    assert brief(findings) == expected
    assert all(f.severity is Severity.WARNING for f in findings)


def test_insecure_link_when_https_twin_answered() -> None:
    http = "http://example.com/page#intro"
    post = make_post([make_link(http, line=1)], has_resources=False)
    results = results_of(
        result("http://example.com/page", Verdict.OK, status=200),
        result("https://example.com/page", Verdict.OK, status=200),
    )
    assert judge([post], results) == [
        Finding(
            "insecure-link",
            Severity.INFO,
            Location(POST_PATH, 1, 1),
            "the https:// address works",
            http,
            "https://example.com/page#intro",
        )
    ]


@pytest.mark.parametrize(
    "twin",
    [
        None,
        result("https://example.com/page", Verdict.DEAD, status=404),
        result("https://example.com/page", Verdict.TIMEOUT),
    ],
)
def test_no_insecure_link_without_a_working_twin(twin: CheckResult | None) -> None:
    post = make_post([make_link("http://example.com/page", line=1)], has_resources=False)
    results = results_of(result("http://example.com/page", Verdict.OK, status=200))
    if twin is not None:
        results[twin.url] = twin
    assert judge([post], results) == []


def test_no_insecure_link_when_the_link_moved() -> None:
    post = make_post([make_link("http://example.com/page", line=1)], has_resources=False)
    results = results_of(
        result("http://example.com/page", Verdict.MOVED, final_url="https://example.com/page"),
        result("https://example.com/page", Verdict.OK, status=200),
    )
    assert [f.rule for f in judge([post], results)] == ["moved-link"]


def test_https_links_are_never_insecure() -> None:
    post = make_post([make_link("https://example.com/page", line=1)], has_resources=False)
    results = results_of(result("https://example.com/page", Verdict.OK, status=200))
    assert judge([post], results) == []


# ---------------------------------------------------------------------------
# Internal links
# ---------------------------------------------------------------------------

OTHER_PATH = "content/blog/other-post.md"
SLUGGED_PATH = "content/blog/2024-01-01-slugged.md"


def site(links: Sequence[Link]) -> list[Post]:
    return [
        make_post(links, anchors=("intro", "caf\u00e9")),
        make_post([], path=OTHER_PATH, anchors=("setup", "results")),
        make_post([], path=SLUGGED_PATH, metadata={"slug": "nice-slug"}, anchors=("top",)),
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # /blog/<slug>: the file's path below content/, its frontmatter slug replacing the
        # file name; with or without trailing slash or .html, in any case
        ("/blog/other-post", []),
        ("/blog/other-post/", []),
        ("/blog/other-post.html", []),
        ("/blog/nice-slug", []),
        ("/blog/nice-slug/", []),
        (
            "/blog/2024-01-01-slugged",
            [("broken-internal-link", "no post at /blog/2024-01-01-slugged")],
        ),
        ("/blog/post?page=2", []),
        ("/blog/missing", [("broken-internal-link", "no post at /blog/missing")]),
        ("/blog/missing/", [("broken-internal-link", "no post at /blog/missing")]),
        ("/blog/Other-Post", []),
        # relative files, resolved against the post's file
        ("other-post.md", []),
        ("./other-post.md", []),
        ("../blog/other-post.md", []),
        ("2024-01-01-slugged.md", []),
        ("missing.md", [("broken-internal-link", "no file content/blog/missing.md")]),
        ("../other-post.md", [("broken-internal-link", "no file content/other-post.md")]),
        ("sub/x.markdown", [("broken-internal-link", "no file content/blog/sub/x.markdown")]),
        # anchors
        ("#intro", []),
        ("#caf%C3%A9", []),
        ("#nope", [("missing-anchor", "no heading or id '#nope' in this post")]),
        ("/blog/other-post#setup", []),
        ("/blog/other-post/#results", []),
        (
            "/blog/other-post#nope",
            [("missing-anchor", f"no heading or id '#nope' in {OTHER_PATH}")],
        ),
        ("other-post.md#setup", []),
        ("other-post.md#nope", [("missing-anchor", f"no heading or id '#nope' in {OTHER_PATH}")]),
        ("/blog/nice-slug#top", []),
        (
            "/blog/nice-slug#nope",
            [("missing-anchor", f"no heading or id '#nope' in {SLUGGED_PATH}")],
        ),
        ("post.md#intro", []),
        ("#", []),
        ("#top", []),
        ("/blog/other-post#top", []),
        # pages the generator makes (lists, the home page, pages at the root): not judged
        ("/blog/", []),
        ("/blog", []),
        ("/about", []),
        ("/feed.xml", []),
        ("other-post", []),
        # files: looked for beside the post, under the content root and the project
        (
            "/blog/post/cover.png",
            [
                (
                    "broken-internal-link",
                    "no file content/blog/post/cover.png or blog/post/cover.png",
                )
            ],
        ),
        (
            "../images/a.png",
            [("broken-internal-link", "no file content/images/a.png or images/a.png")],
        ),
        ("/blog/carbon-cost-of-ai-training.md", []),
        # a web address written without its scheme
        (
            "www.example.org/paper",
            [
                (
                    "missing-scheme",
                    "a web address without https://: browsers open it as a path on this site",
                )
            ],
        ),
        (
            "WWW.example.org",
            [
                (
                    "missing-scheme",
                    "a web address without https://: browsers open it as a path on this site",
                )
            ],
        ),
    ],
)
def test_internal_links(url: str, expected: list[tuple[str, str]]) -> None:
    findings = judge(site([make_link(url, line=3)]))
    assert [(f.rule, f.message) for f in findings] == expected
    assert all(f.url == url and f.location.line == 3 for f in findings)


def test_internal_rule_severities() -> None:
    findings = judge(site([make_link("/blog/missing", line=1), make_link("#nope", line=2)]))
    assert [(f.rule, f.severity) for f in findings] == [
        ("broken-internal-link", Severity.ERROR),
        ("missing-anchor", Severity.WARNING),
    ]


# ---------------------------------------------------------------------------
# Severities, order
# ---------------------------------------------------------------------------


def test_severity_overrides() -> None:
    post = make_post([make_link(URL, line=1), make_link("", line=2)], has_resources=False)
    check = result(URL, Verdict.BLOCKED, status=429, reason="429 Too Many Requests")
    findings = judge(
        [post],
        results_of(check),
        severities={"unverified-link": Severity.ERROR, "no-such-rule": Severity.INFO},
    )
    assert [(f.rule, f.severity) for f in findings] == [
        ("unverified-link", Severity.ERROR),
        ("empty-link", Severity.WARNING),
    ]


def test_findings_sorted_by_path_line_column_rule() -> None:
    second = make_post(
        [
            make_link("http:/x", line=7, column=1, path="b.md"),
            make_link("", line=2, column=9, path="b.md"),
            make_link("", line=2, column=3, path="b.md"),
        ],
        path="b.md",
    )
    first = make_post(
        [
            make_link(URL, line=5, column=1, path="a.md"),
            make_link("https://example.com/z", line=9, resources=True, path="a.md"),
        ],
        path="a.md",
    )
    results = results_of(result(URL, Verdict.DEAD, status=404, reason="404 Not Found"))
    findings = judge([second, first], results)
    assert [(f.location.path, f.location.line, f.location.column, f.rule) for f in findings] == [
        ("a.md", 5, 1, "dead-link"),
        ("a.md", 5, 1, "missing-from-resources"),
        ("a.md", 9, 1, "uncited-resource"),
        ("b.md", 2, 3, "empty-link"),
        ("b.md", 2, 9, "empty-link"),
        ("b.md", 7, 1, "malformed-url"),
    ]


def test_judging_many_posts_stays_linear() -> None:
    count = 2000
    posts = [
        make_post(
            [make_link(f"/blog/p{(i + 1) % count}#h", path=f"content/blog/p{i}.md")],
            path=f"content/blog/p{i}.md",
            anchors=("h",),
        )
        for i in range(count)
    ]
    assert judge(posts) == []


def test_a_web_address_without_scheme_gets_one_suggested() -> None:
    (finding,) = judge(site([make_link("www.example.org/paper#s", line=4)]))
    assert (finding.rule, finding.severity) == ("missing-scheme", Severity.WARNING)
    assert finding.suggestion == "https://www.example.org/paper#s"


def test_private_address_results_are_findings() -> None:
    from linkcheck.check.netpolicy import private_url

    local = "http://localhost:1313/draft/"
    redirected = "https://public.example/p"
    post = make_post([make_link(local, line=3), make_link(redirected, line=4)])
    results = results_of(
        result(local, Verdict.SKIPPED, reason=private_url(local)),
        result(
            redirected, Verdict.SKIPPED, reason=f"redirect to a {private_url('http://10.0.0.1/')}"
        ),
        result("https://other.example/", Verdict.SKIPPED, reason="excluded"),
    )
    assert brief(judge([post], results)) == [
        ("private-address", 3, "private address, not fetched (localhost is this machine)"),
        ("private-address", 4, "redirect to a private address, not fetched (private network)"),
    ]


def test_an_offline_run_reports_links_to_private_addresses_too() -> None:
    """A pre-commit hook runs offline: ``http://localhost:1313/`` is a bug it must catch."""
    local = "http://localhost:1313/draft/"
    lan = "http://192.168.1.10/wiki"
    post = make_post(
        [make_link(local, line=3), make_link(lan, line=4), make_link("https://a.example/", line=5)]
    )
    assert brief(judge([post], None)) == [
        ("private-address", 3, "private address, not fetched (localhost is this machine)"),
        ("private-address", 4, "private address, not fetched (private network)"),
    ]
    assert judge([post], None, allow_private=True) == []


@pytest.mark.parametrize("online", [False, True])
def test_a_private_address_shown_to_the_reader_is_no_finding(online: bool) -> None:
    # A tutorial's "open http://localhost:4000": the address is the text, the reader's own
    # machine is meant. Behind other text it is a link copied from a preview.
    from dataclasses import replace

    from linkcheck.check.netpolicy import private_url

    shown = [
        make_link("http://localhost:4000", line=1, kind=LinkKind.BARE),
        make_link("http://127.0.0.1:7878/sleep", line=2, kind=LinkKind.AUTOLINK),
        replace(make_link("http://localhost:1313/", line=3), text="localhost:1313"),
        replace(
            make_link("http://localhost:4000/about.html", line=4, kind=LinkKind.HTML),
            text="HTTP://localhost:4000/about.html",
        ),
    ]
    copied = replace(make_link("http://localhost:1313/posts/x/", line=5), text="my post")
    post = make_post([*shown, copied])
    results = (
        results_of(*(result(k.url, Verdict.SKIPPED, reason=private_url(k.url)) for k in post.links))
        if online
        else None
    )
    assert [f[:2] for f in brief(judge([post], results))] == [("private-address", 5)]
