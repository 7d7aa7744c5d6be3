"""The soft 404 detector: strong signals flag a page, topics and near misses do not."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.check.soft404 import (
    ADDRESS_ANCHORS,
    ERROR_PATHS,
    ERROR_QUERY,
    H1_OPENINGS,
    NOT_FOUND_TITLES,
    SOFT_404_PREFIX,
    STATUS_TITLES,
    TITLE_ANCHORS,
    Kind,
    Page,
    _title_says_missing,
    cites_missing_page,
    detect,
    first_heading,
    is_error_address,
    is_soft_404,
    visible_text,
)
from linkcheck.models import CheckResult, Verdict

URL = "https://news.example.org/2024/05/carbon-cost-of-training"


def page(title: str | None = "Site", text: str = "", **fields: object) -> Page:
    values: dict[str, object] = {"url": URL, "final_url": URL, "title": title, "text": text}
    values.update(fields)
    return Page(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "Page not found",
        "Page Not Found | News Example",
        "404 Not Found",
        "404: Page not found",
        "Error 404 - File not found",
        "Not Found (404)",
        "Oops! That page can’t be found. – Blog",
        "This page doesn't exist — Docs",
        "The page you requested could not be found",
        "Nothing found",
        "Seite nicht gefunden – Beispiel",
        "Page introuvable",
    ],
)
def test_a_title_that_is_a_not_found_phrase_is_a_soft_404(title: str) -> None:
    found = detect(page(title))
    assert found is not None
    assert found.kind is Kind.NOT_FOUND
    assert title[:20] in found.evidence


@pytest.mark.parametrize(
    "title",
    [
        "How to fix 404 errors on your site",
        "404 Not Found: what it means and how to fix it",
        "Page Not Found Errors - An SEO Guide",
        "Found: the missing climate data",
        "What was not found in the report",
        "Designing a friendly 404 page",
        "The 404 Media podcast",
        "HTTP 404 - MDN Web Docs",
        "Not everything is found in the data | Blog",
        "Carbon cost of training | News Example",
    ],
)
def test_a_title_about_missing_pages_is_not_a_soft_404(title: str) -> None:
    assert detect(page(title, "<h1>" + title + "</h1><p>Some text.</p>")) is None


def test_a_bare_status_title_needs_a_second_signal() -> None:
    assert detect(page("404 | Site", "<h1>Page not found</h1><p>A story.</p>")) is not None
    assert detect(page("404 | Site", "<h1>Error 404</h1><p>A story.</p>")) is None
    assert detect(page("404 | Site", "<p>Sorry, the page you were looking for was moved.</p>"))
    assert detect(page("404 | Site", "<h1>A novel called 404</h1><p>A review.</p>")) is None


def test_a_not_found_heading_with_a_sentence_saying_so() -> None:
    body = (
        "<header>Site</header><h1 class='x'>404</h1><p>Page not found :(</p>"
        "<p>The requested page could not be found.</p>"
    )
    found = detect(page("My blog", body))
    assert found is not None
    assert "'404'" in found.evidence
    # Either alone is not enough.
    assert detect(page("My blog", "<h1>404</h1><p>A story about a number.</p>")) is None
    assert detect(page("My blog", "<h1>Tips</h1><p>When a page is not found, say so.</p>")) is None
    topic = "<h1>Error 404</h1><p>Why servers say page not found, and error 404.</p>"
    assert detect(page("My blog", topic)) is None
    # A bare status heading completed by a phrase of its own is one heading in two lines.
    assert detect(page("My blog", "<h1>404</h1><p>Page not found :(</p>")) is not None
    assert detect(page("My blog", "<h1>404</h1><p>Notes on a number: not found often.</p>")) is None


def test_a_page_about_the_error_itself_is_left_alone() -> None:
    topic = "<h1>HTTP 404</h1><p>The page you are looking for could not be found, it says.</p>"
    for url in ("https://en.example.org/wiki/HTTP_404", "https://blog.example.org/not-found-pages"):
        assert detect(page("404 Not Found - Docs", topic, url=url, final_url=url)) is None


def test_a_page_that_kept_its_healthy_title_is_not_judged_on_its_body() -> None:
    body = "<h1>Page not found</h1><p>The page you are looking for does not exist.</p>"
    assert detect(page("My blog", body, previous_title="My blog")) is None
    found = detect(page("My blog", body, previous_title="Carbon cost | My blog"))
    assert found is not None
    assert "it was 'Carbon cost | My blog'" in found.evidence


def test_the_earlier_title_is_quoted_as_evidence() -> None:
    found = detect(page("Page not found | Site", previous_title="Carbon cost | Site"))
    assert found is not None
    assert found.evidence == "the title is 'Page not found | Site' (it was 'Carbon cost | Site')"
    assert found.reason.startswith(SOFT_404_PREFIX)


def test_phrases_in_scripts_styles_and_comments_do_not_count() -> None:
    hidden = (
        "<script>var t = '<h1>404</h1> page not found';</script>"
        "<!-- <h1>Page not found</h1> the page does not exist -->"
        "<style>h1:after{content:'page not found'}</style><h1>Real story</h1><p>Text.</p>"
    )
    assert detect(page("My blog", hidden)) is None
    assert first_heading(hidden) == "Real story"
    assert "not found" not in visible_text(hidden)


def test_a_redirect_to_an_error_page() -> None:
    for final in ("https://news.example.org/404.html", "https://news.example.org/not-found/"):
        found = detect(page("News", final_url=final))
        assert found is not None
        assert final in found.evidence
    assert detect(page("News", final_url="https://news.example.org/2024/05/new-slug")) is None


def test_error_addresses() -> None:
    assert is_error_address("https://a.org/404")
    assert is_error_address("https://a.org/errors/404.aspx")
    assert is_error_address("https://a.org/page-not-found")
    assert is_error_address("https://a.org/search?error=404")
    assert is_error_address("https://a.org/x.aspx?404;https://a.org/old")
    assert not is_error_address("https://a.org/papers/404-errors-explained")
    assert not is_error_address("https://a.org/issues/4040")
    assert not is_error_address("https://a.org/?page=404")


def test_a_cited_error_page_or_a_link_text_about_one_is_left_alone() -> None:
    cited = "https://a.org/404"
    assert detect(page("Page not found", url=cited, final_url=cited)) is None
    assert detect(page("Page not found", cited_as_missing=True)) is None
    assert cites_missing_page("an example of a custom 404 page")
    assert cites_missing_page("this link is dead: not found")
    assert not cites_missing_page("The Carbon Cost of AI Training")
    assert not cites_missing_page("Report 4041 on emissions")


def test_parked_domains() -> None:
    parked = page(
        "expired-blog.com",
        '<script src="https://img.sedoparking.com/frame.js"></script>',
        url="https://expired-blog.com/post",
        final_url="https://expired-blog.com/post",
    )
    found = detect(parked)
    assert found is not None
    assert found.kind is Kind.PARKED
    sale = page(
        "expired-blog.com is for sale",
        url="https://www.expired-blog.com/post",
        final_url="https://www.expired-blog.com/post",
    )
    assert detect(sale) is not None
    assert detect(page("This domain may be for sale!")) is not None


def test_an_article_about_parking_or_sales_is_not_parked() -> None:
    text = "<h1>Domain parking</h1><p>Services such as sedoparking.com pay per click.</p>"
    assert detect(page("How domain parking works", text)) is None
    assert detect(page("other.com is for sale: the story of a domain")) is None
    assert detect(page("Cars for sale | Site")) is None


def test_headings_and_text_are_read_from_the_window_only() -> None:
    long = "<p>" + "x " * 40_000 + "</p><h1>Page not found</h1><p>page not found</p>"
    assert first_heading(long) is None
    assert detect(page("Blog", long)) is None


def test_hostile_markup_is_read_in_bounded_time() -> None:
    for text in ("<h1" * 20_000, "<" * 60_000, "<script" * 9_000, "<h1>" * 16_000):
        assert detect(page("Blog", text + " page not found")) is None


def test_is_soft_404_reads_the_verdict_and_the_reason() -> None:
    soft = CheckResult(URL, Verdict.DEAD, status=200, reason=SOFT_404_PREFIX + "the title is …")
    assert is_soft_404(soft)
    assert not is_soft_404(CheckResult(URL, Verdict.DEAD, status=404, reason="404 Not Found"))
    assert not is_soft_404(CheckResult(URL, Verdict.OK, reason=SOFT_404_PREFIX))


def test_the_detector_is_usable_without_loading_the_http_stack() -> None:
    code = "import sys, linkcheck.app, linkcheck.rules; print('httpx' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_a_bare_status_title_kept_from_a_healthy_check_is_not_trusted() -> None:
    body = "<h1>Page not found</h1>"
    assert detect(page("404 | Site", body)) is not None
    assert detect(page("404 | Site", body, previous_title="404 | Site")) is None


def test_a_redirect_to_a_domain_marketplace_is_parked() -> None:
    cited = "https://expired-blog.com/post"
    market = "https://www.hugedomains.com/domain_profile.cfm?d=expired-blog.com"
    found = detect(page("HugeDomains", url=cited, final_url=market))
    assert found is not None
    assert found.kind is Kind.PARKED
    assert "hugedomains.com" in found.evidence
    jordan = "https://jordan.com/post"  # not dan.com
    assert detect(page("Jordan", url=cited, final_url=jordan)) is None
    about = "https://dan.com/about"  # the marketplace itself, cited
    assert detect(page("Dan", url=about, final_url=about + "/")) is None


def test_a_marketplace_title_naming_the_cited_domain_is_parked() -> None:
    cited = "https://expired-blog.com/post"
    final = "https://market.example/listing/123"
    found = detect(page("Expired-Blog.com is for sale | Market", url=cited, final_url=final))
    assert found is not None
    assert found.kind is Kind.PARKED


def test_a_placeholder_that_sends_the_browser_to_a_lander_is_parked() -> None:
    tiny = '<html><head><script>window.onload=function(){window.location.href="/lander"}'
    found = detect(page(None, tiny + "</script></head></html>"))
    assert found is not None
    assert found.kind is Kind.PARKED
    article = "<p>GoDaddy parks domains on a page at /lander, see the lander_system.</p>"
    assert detect(page("Parking explained", article)) is None


# ---------------------------------------------------------------------------
# The cheap test before the title patterns
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [*NOT_FOUND_TITLES, *STATUS_TITLES])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_title_the_patterns_match_holds_an_anchor(pattern: str, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    assert any(anchor in text for anchor in TITLE_ANCHORS), text


@pytest.mark.parametrize(
    "title",
    ["Page not found | Site", "404 – Site", "Seite nicht gefunden", "ページが見つかりません",
     "페이지를 찾을 수 없습니다", "This page doesn't exist"],
)  # fmt: skip
def test_titles_with_an_anchor_are_still_matched(title: str) -> None:
    assert _title_says_missing(title) is not False
    assert _title_says_missing(title.upper()) is not False


@pytest.mark.parametrize(
    "pattern", [*ERROR_PATHS, ERROR_QUERY.pattern, r"(?:404|410|not[-_]?found)"]
)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_error_address_holds_an_anchor(pattern: str, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(pattern))
    assert any(anchor in text.lower() for anchor in ADDRESS_ANCHORS), text


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://site.example/404.html", True),
        ("https://site.example/x?error=404", True),
        ("https://site.example/Page-Not-Found/", True),
        ("https://site.example/IIS?404;https://site.example/a", True),
        ("https://site.example/2024/05/carbon", False),
    ],
)
def test_error_addresses_are_still_recognised(url: str, error: bool) -> None:
    assert is_error_address(url) is error


@settings(max_examples=500, deadline=None)
@given(st.text("<hH1 \u0130\u212a\u1e96\u0048\u0068\u00df>", max_size=30))
def test_the_heading_openings_are_found_as_in_the_lowered_text(text: str) -> None:
    assert any(opening in text for opening in H1_OPENINGS) is ("<h1" in text.lower())
