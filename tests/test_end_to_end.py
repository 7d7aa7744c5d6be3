"""The real post, unmodified, checked through a fake of its hosts (an intercepting proxy)."""

import io
import json
from pathlib import Path

import pypdf
from click.testing import CliRunner

from linkcheck.cli import cli
from tests.conftest import POST
from tests.fakeweb import FakeWeb, Response

STRUBELL_PDF = "https://arxiv.org/pdf/1906.02243"
STRUBELL_ABS = "https://arxiv.org/abs/1906.02243"
HUGGINGFACE = "https://huggingface.co/learn/nlp-course/chapter1/4"
YOUTUBE = "https://www.youtube.com/watch?v=ftWlj4FBHTg"
GOOGLE_PDF = "https://www.gstatic.com/gumdrop/sustainability/google-2024-environmental-report.pdf"
DEEPSEEK = "https://arxiv.org/abs/2408.15664"
MIT = (
    "https://www.technologyreview.com/2025/01/31/1110776/"
    "deepseek-might-not-be-such-good-news-for-energy-after-all/"
)
TIME = "https://time.com/7021709/elon-musk-xai-grok-memphis"
UK_PDF = (
    "https://assets.publishing.service.gov.uk/media/679a0c48a77d250007d313ee/"
    "International_AI_Safety_Report_2025_accessible_f.pdf"
)
CODECARBON = "https://codecarbon.io/"
MLCO2 = "https://mlco2.github.io/impact/"

TITLES = {
    STRUBELL_PDF: "Energy and Policy Considerations for Deep Learning in NLP",
    HUGGINGFACE: "Transformers, what can they do? - Hugging Face LLM Course",
    YOUTUBE: "The carbon footprint of Transformers",
    GOOGLE_PDF: "Google 2024 Environmental Report",
    DEEPSEEK: "DeepSeek-V3 Technical Report",
    MIT: "DeepSeek might not be such good news for energy after all",
    TIME: "Inside Elon Musk's AI Data Center in Memphis",
    UK_PDF: "International AI Safety Report 2025",
    CODECARBON: "CodeCarbon",
    MLCO2: "ML CO2 Impact",
}
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}


def html(title: str, *, meta: str = "title", ids: tuple[str, ...] = ()) -> Response:
    if meta == "citation_title":
        head = f'<meta name="citation_title" content="{title}"><title>arXiv abs</title>'
    elif meta == "og:title":
        head = f'<meta property="og:title" content="{title}"><title>- YouTube</title>'
    else:
        head = f"<title>{title}</title>"
    body = "".join(f'<h2 id="{i}">{i}</h2>' for i in ids)
    return Response(200, f"<html><head>{head}</head><body>{body}</body></html>".encode(), HTML)


def pdf(title: str | None) -> Response:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=72, height=72)
    if title:
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return Response(200, buffer.getvalue(), PDF)


def healthy(web: FakeWeb) -> None:
    web.route(STRUBELL_PDF, pdf(None))
    web.route(STRUBELL_ABS, html(TITLES[STRUBELL_PDF], meta="citation_title"))
    web.route(HUGGINGFACE, html(TITLES[HUGGINGFACE], ids=("transformers-are-big-models",)))
    web.route(YOUTUBE, html(TITLES[YOUTUBE], meta="og:title"))
    web.route(GOOGLE_PDF, pdf(TITLES[GOOGLE_PDF]))
    web.route(DEEPSEEK, html(TITLES[DEEPSEEK], meta="citation_title"))
    web.route(MIT, html(TITLES[MIT]))
    web.route(TIME, html(TITLES[TIME]))
    web.route(UK_PDF, pdf(TITLES[UK_PDF]))
    web.route(CODECARBON, html(TITLES[CODECARBON]))
    web.route(MLCO2, html(TITLES[MLCO2]))


def run(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(
        cli,
        ["run", "--format", "json", "--no-cache", "--backoff-base", "0.05", *args],
        prog_name="linkcheck",
        catch_exceptions=False,
    )
    return result.exit_code, json.loads(result.stdout)


def by_url(document: dict[str, object], key: str) -> dict[str, dict[str, object]]:
    items = document[key]
    assert isinstance(items, list)
    return {item["url"]: item for item in items}


def test_healthy_sources(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    code, document = run()
    assert code == 0, document["findings"]
    results = by_url(document, "results")
    assert len(results) == 10
    for url, title in TITLES.items():
        assert results[url]["verdict"] == "ok", (url, results[url])
        assert results[url]["title"] == title, url
    # One fetch per unique URL; the arXiv pdf also reads its paper's abs page for the title.
    for url in TITLES:
        assert len(web.hits_for(url)) == 1, (url, web.hits_for(url))
    assert len(web.hits_for(STRUBELL_ABS)) == 1
    assert [f["rule"] for f in document["findings"]] == ["uncited-resource"] * 2


def test_decayed_sources(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.unknown_hosts.add("time.com")
    web.expired_hosts.add("www.gstatic.com")
    web.route(MIT, Response(404, b"gone"))
    web.route(UK_PDF, Response(410, b"gone"))
    web.route(MLCO2, Response(301, headers={"Location": "https://mlco2.github.io/impact-v2/"}))
    web.route("https://mlco2.github.io/impact-v2/", html("ML CO2 Impact calculator"))
    web.route(YOUTUBE, Response(302, headers={"Location": "/consent?next=watch"}))
    web.route("https://www.youtube.com/consent?next=watch", html("Before you continue"))
    web.route(CODECARBON, Response(403, b"<title>Just a moment...</title>", HTML))
    web.route(DEEPSEEK, Response(429, headers={"Retry-After": "1"}), html(TITLES[DEEPSEEK]))
    web.route(HUGGINGFACE, html(TITLES[HUGGINGFACE], ids=("other-section",)))
    code, document = run()
    assert code == 1
    results = by_url(document, "results")
    verdicts = {url: results[url]["verdict"] for url in TITLES}
    assert verdicts == {
        STRUBELL_PDF: "ok",
        HUGGINGFACE: "ok",
        YOUTUBE: "redirected",
        GOOGLE_PDF: "error",
        DEEPSEEK: "ok",
        MIT: "dead",
        TIME: "dead",
        UK_PDF: "dead",
        CODECARBON: "blocked",
        MLCO2: "moved",
    }
    assert "expired" in str(results[GOOGLE_PDF]["reason"])
    assert results[MLCO2]["final_url"] == "https://mlco2.github.io/impact-v2/"
    assert results[HUGGINGFACE]["missing_fragments"] == ["transformers-are-big-models"]
    # The 429 was retried only after its Retry-After.
    hits = web.hits_for(DEEPSEEK)
    assert len(hits) == 2
    assert hits[1].at - hits[0].at >= 1.0
    rules = {(f["rule"], f["url"]) for f in document["findings"]}
    assert ("dead-link", MIT) in rules
    assert ("dead-link", TIME) in rules
    assert ("dead-link", UK_PDF) in rules
    assert ("moved-link", MLCO2) in rules
    assert ("unverified-link", CODECARBON) in rules
    assert ("unverified-link", GOOGLE_PDF) in rules
    assert ("missing-fragment", HUGGINGFACE + "#transformers-are-big-models") in rules
    assert not any(
        f["rule"] == "dead-link" and f["url"] == CODECARBON for f in document["findings"]
    )


def test_a_source_that_never_answers_times_out(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(MIT, hang=True)
    code, document = run("--timeout", "0.5", "--retries", "0")
    results = by_url(document, "results")
    assert results[MIT]["verdict"] == "timeout"
    assert code == 0  # a timeout is a warning until it persists across runs
    assert any(f["rule"] == "unverified-link" for f in document["findings"])


def test_fix_rewrites_exactly_the_moved_urls(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(MLCO2, Response(301, headers={"Location": "https://mlco2.github.io/impact-v2/"}))
    web.route("https://mlco2.github.io/impact-v2/", html("ML CO2 Impact calculator"))
    web.route(YOUTUBE, Response(302, headers={"Location": "/consent"}))
    web.route("https://www.youtube.com/consent", html("Before you continue"))
    post = blog / "content" / "blog" / POST.name
    before = post.read_bytes()
    code, _ = run("--fix-preview")
    assert code == 0
    assert post.read_bytes() == before
    code, _ = run("--fix")
    assert code == 0  # moved links are warnings
    after = post.read_bytes()
    assert after == before.replace(MLCO2.encode(), b"https://mlco2.github.io/impact-v2/")
    assert before.count(MLCO2.encode()) == 2
    run("--fix")
    assert post.read_bytes() == after  # a second run changes nothing


def test_dead_links_get_an_archived_copy(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(MIT, Response(404, b"gone"))
    snapshot = "http://web.archive.org/web/20250314000000/" + MIT
    body = json.dumps(
        {
            "archived_snapshots": {
                "closest": {
                    "available": True,
                    "url": snapshot,
                    "timestamp": "20250314000000",
                    "status": "200",
                }
            }
        }
    ).encode()
    web.route(
        "https://archive.org/wayback/available",
        Response(200, body, {"Content-Type": "application/json"}),
    )
    code, document = run("--suggest-archive")
    assert code == 1
    dead = [f for f in document["findings"] if f["rule"] == "dead-link"]
    assert len(dead) == 2  # cited in the body and listed in Resources
    for finding in dead:
        assert finding["suggestion"] == snapshot.replace("http://", "https://", 1)
    queries = [h for h in web.hits if h.host == "archive.org"]
    assert len(queries) == 1
    assert "timestamp=20250314" in queries[0].path


def test_a_lookup_failure_reported_by_the_proxy_after_the_tunnel(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.gateway_unknown_hosts.add("time.com")
    code, document = run()
    results = by_url(document, "results")
    assert results[TIME]["verdict"] == "dead"
    assert results[TIME]["reason"] == "host name not found (reported by the proxy)"
    assert len(web.hits_for(TIME)) == 1  # not retried
    assert code == 1
