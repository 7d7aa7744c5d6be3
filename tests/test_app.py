"""The run: planning, and checking while posts are still being extracted."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from linkcheck import app
from linkcheck import collect as collection
from linkcheck.collect import collect
from linkcheck.config import Settings
from linkcheck.discover import read_document
from linkcheck.extract import extract_post
from linkcheck.models import CheckRequest, CheckResult, InputProblem, Post, Verdict
from linkcheck.state import StateStore
from tests.fakeweb import FakeWeb, Response
from tests.loopback_site import serving
from tests.test_collect import write_corpus

HTML = {"content-type": "text/html; charset=utf-8"}
SITE = "https://site.example"
POSTS = 12


def page(title: str, *ids: str) -> Response:
    anchors = "".join(f'<h2 id="{i}">{i}</h2>' for i in ids)
    body = f"<html><head><title>{title}</title></head><body>{anchors}</body></html>"
    return Response(200, body.encode(), HTML)


def write_post(root: Path, name: str, *urls: str) -> Path:
    items = "\n".join(f"- [{url}]({url})" for url in urls)
    path = root / f"{name}.md"
    path.write_text(f"---\ntitle: {name}\n---\n\n# {name}\n\n## Resources\n\n{items}\n")
    return path


def post(path: Path) -> Post:
    return extract_post(read_document(path, cwd=path.parent))


class Scripted:
    """Two batches of posts; the second waits until ``gate`` is set."""

    def __init__(self, first: list[Post], second: list[Post], gate: asyncio.Event) -> None:
        self.first, self.second, self.gate = first, second, gate

    async def batches_async(self) -> AsyncIterator[list[Post | InputProblem]]:
        yield list(self.first)
        await self.gate.wait()
        yield list(self.second)


def test_a_fragment_cited_after_its_page_was_checked_is_checked_too(
    tmp_path: Path, web: FakeWeb
) -> None:
    doc = f"{SITE}/doc"
    web.route(doc, page("Doc", "methods"))
    web.route(f"{SITE}/other", page("Other"))
    early = post(write_post(tmp_path, "early", doc))
    late = post(write_post(tmp_path, "late", f"{doc}#results", f"{doc}#methods", f"{SITE}/other"))

    async def go() -> app.Checked:
        gate = asyncio.Event()

        def on_result(result: CheckResult) -> None:
            if result.url == doc:
                gate.set()  # the page's check is over before the fragments arrive

        async with asyncio.timeout(20):
            return await app.check_posts(
                Scripted([early], [late], gate),
                Settings(paths=(str(tmp_path),), no_cache=True),
                StateStore.null(),
                None,
                on_result,
            )

    checked = asyncio.run(go())
    assert checked.results[doc].verdict is Verdict.OK
    assert checked.results[doc].missing_fragments == frozenset({"results"})
    assert len(web.hits_for(doc)) == 2  # once as first cited, once for its fragments
    assert len(web.hits_for(f"{SITE}/other")) == 1
    assert [p.path for p in checked.collected.posts] == [early.path, late.path]
    assert checked.unique == 2


@pytest.mark.skipif(
    collection.FORK not in multiprocessing.get_all_start_methods(), reason="no fork start method"
)
def test_run_with_workers_equals_run_without(
    tmp_path: Path, web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(POSTS):
        urls = [f"{SITE}/shared", f"{SITE}/page-{number}"]
        web.route(urls[1], page(f"Page {number}") if number % 3 else Response(404, b"no"))
        write_post(tmp_path, f"post-{number:02d}", *urls)
    web.route(f"{SITE}/shared", page("Shared"))
    settings = Settings(paths=(str(tmp_path),), no_cache=True)
    monkeypatch.setattr(collection.threading, "active_count", lambda: 1)

    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 10**9)
    alone = app.run(settings, cwd=tmp_path)
    hits_alone = len(web.hits)

    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
    monkeypatch.setattr(collection, "MAX_BATCH_POSTS", 2)
    monkeypatch.setattr(collection, "_worker_count", lambda posts, background=False: 2)
    streamed = app.run(settings, cwd=tmp_path)

    assert hits_alone == POSTS + 1  # every unique URL once
    assert len(web.hits) - hits_alone == POSTS + 1
    assert streamed.posts == alone.posts
    assert streamed.findings == alone.findings
    assert {u: r.verdict for u, r in streamed.results.items()} == {
        u: r.verdict for u, r in alone.results.items()
    }
    assert sum(1 for f in streamed.findings if f.rule == "dead-link") == 4


def test_plan_shares_the_empty_fragment_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path
    write_corpus(corpus)
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 10**9)
    posts = collect(Settings(paths=(str(corpus),)), cwd=corpus).posts
    work = app.plan(posts, Settings())
    empty = [r.fragments for r in work.requests if not r.fragments]
    assert empty
    assert all(fragments is app.NO_FRAGMENTS for fragments in empty)


def test_a_bare_www_link_is_checked_over_http(tmp_path: Path, web: FakeWeb) -> None:
    web.route("http://www.gone.example/paper", Response(404, b"no"))
    web.route("http://www.fine.example/", page("Fine"))
    (tmp_path / "post.md").write_text(
        "# P\n\nSee www.gone.example/paper and www.fine.example/ or [rel](www.rel.example).\n"
    )
    report = app.run(Settings(paths=(str(tmp_path),), no_cache=True), cwd=tmp_path)
    assert report.results["http://www.gone.example/paper"].verdict is Verdict.DEAD
    assert report.results["http://www.fine.example/"].verdict is Verdict.OK
    assert len(web.hits_for("http://www.gone.example/paper")) == 1
    assert not [hit for hit in web.hits if "rel.example" in hit.host]
    dead = [f for f in report.findings if f.rule == "dead-link"]
    assert [f.url for f in dead] == ["www.gone.example/paper"]  # as written in the post
    # ``[rel](www.rel.example)`` is a relative link (as browsers read it): never fetched
    assert report.results["www.rel.example"].verdict is Verdict.SKIPPED
    assert "http://www.rel.example" not in report.results
    (missing,) = [f for f in report.findings if f.url == "www.rel.example"]
    assert (missing.rule, missing.suggestion) == ("missing-scheme", "https://www.rel.example")


def test_a_page_turned_soft_404_is_dead_and_quotes_its_earlier_title(
    tmp_path: Path, web: FakeWeb
) -> None:
    story, example = f"{SITE}/2024/story", f"{SITE}/errors/custom"
    web.route(story, page("Carbon cost | Site"))
    web.route(example, page("Page not found | Site"))
    (tmp_path / "post.md").write_text(
        f"# P\n\nA [study]({story}) and [a custom 404 page]({example}).\n"
    )
    settings = Settings(paths=(str(tmp_path),), max_age=0)
    first = app.run(settings, cwd=tmp_path)
    assert [r.verdict for r in first.results.values()] == [Verdict.OK, Verdict.OK]
    web.route(story, page("Page not found | Site"))
    second = app.run(settings, cwd=tmp_path)
    assert second.results[story].verdict is Verdict.DEAD
    (finding,) = second.findings
    assert (finding.rule, finding.url) == ("soft-404", story)
    assert finding.message.startswith(
        "soft 404: the title is 'Page not found | Site' (it was 'Carbon cost | Site')"
    )
    assert second.results[example].verdict is Verdict.OK  # its link text says what it is
    off = app.run(replace(settings, soft_404=False), cwd=tmp_path)
    assert off.findings == ()


def test_workers_get_every_cpu_only_when_results_may_come_from_the_cache(
    tmp_path: Path,
) -> None:
    settings = Settings(cache_path=".linkcheck/state.sqlite")
    assert not app.expects_cached_results(settings, cwd=tmp_path)  # first run: no state yet
    (tmp_path / ".linkcheck").mkdir()
    (tmp_path / ".linkcheck" / "state.sqlite").write_bytes(b"")
    assert app.expects_cached_results(settings, cwd=tmp_path)
    for other in (
        Settings(cache_path=".linkcheck/state.sqlite", no_cache=True),
        Settings(cache_path=".linkcheck/state.sqlite", refresh=True),
        Settings(cache_path=".linkcheck/state.sqlite", max_age=0),
    ):
        assert not app.expects_cached_results(other, cwd=tmp_path)


def test_a_new_state_directory_keeps_itself_out_of_git(tmp_path: Path) -> None:
    settings = Settings(cache_path=".linkcheck/state.sqlite")
    with app.open_state(settings, cwd=tmp_path, warn=pytest.fail):
        pass
    assert (tmp_path / ".linkcheck" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert (tmp_path / ".linkcheck" / "state.sqlite").is_file()


def test_an_existing_directory_gets_no_gitignore(tmp_path: Path) -> None:
    settings = Settings(cache_path="state.sqlite")
    with app.open_state(settings, cwd=tmp_path, warn=pytest.fail):
        pass
    assert not (tmp_path / ".gitignore").exists()


def test_each_run_reports_the_trend_of_failing_links(tmp_path: Path, web: FakeWeb) -> None:
    web.route("https://gone.example/a", Response(404, b"no"))
    web.route("https://fine.example/", page("Fine"))
    write_post(tmp_path, "p", "https://gone.example/a", "https://fine.example/")
    settings = Settings(paths=(str(tmp_path / "p.md"),), refresh=True)
    first = app.run(settings, cwd=tmp_path)
    assert [(t.checked, t.failing) for t in first.trend] == [(2, 1)]
    web.route("https://gone.example/a", page("Back"))
    second = app.run(settings, cwd=tmp_path)
    assert [(t.checked, t.failing) for t in second.trend] == [(2, 1), (2, 0)]


def test_an_archive_that_cannot_be_asked_is_stated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linkcheck import archive
    from linkcheck.models import Finding, Location, Severity

    async def unreachable(
        queries: list[archive.ArchiveQuery], *, failed: set[tuple[str, str | None]], **_: object
    ) -> dict[tuple[str, str | None], str]:
        failed.update(query.key for query in queries)
        return {}

    monkeypatch.setattr(archive, "suggest_archives", unreachable)
    path = write_post(tmp_path, "p", "https://gone.example/a")
    dead = Finding(
        "dead-link",
        Severity.ERROR,
        Location(post(path).path, 9, 3),
        "404",
        "https://gone.example/a",
    )
    warnings: list[str] = []
    (found,) = app.suggest_archived_copies([dead], [post(path)], Settings(), warn=warnings.append)
    assert warnings == [
        "the Web Archive could not be asked about 1 of 1 dead link(s): "
        "no archived copy is suggested for them"
    ]
    assert (found.suggestion or "").startswith("the Web Archive could not be asked")


def test_each_check_is_announced_before_its_result(tmp_path: Path, web: FakeWeb) -> None:
    web.route("https://one.example/", page("One"))
    web.route("https://two.example/", page("Two"))
    write_post(tmp_path, "p", "https://one.example/", "https://two.example/")
    events: list[tuple[str, str]] = []
    app.run(
        Settings(paths=(str(tmp_path / "p.md"),), no_cache=True),
        cwd=tmp_path,
        on_start=lambda url: events.append(("start", url)),
        on_result=lambda result: events.append(("done", result.url)),
    )
    for url in ("https://one.example/", "https://two.example/"):
        assert events.index(("start", url)) < events.index(("done", url))
    assert len(events) == 4


def test_urls_not_asked_for_say_nothing_about_the_network() -> None:
    private = "http://localhost:1313/draft"
    refused = "https://down.example/"
    skipped = CheckResult(private, Verdict.SKIPPED, reason="private address, not fetched")
    failed = CheckResult(refused, Verdict.ERROR, reason="connection refused", reached=False)
    requests = [CheckRequest(private), CheckRequest(refused)]
    assert not app.network_is_down({private: skipped}, requests[:1])
    assert app.network_is_down({private: skipped, refused: failed}, requests)


def test_a_post_citing_only_a_private_address_is_a_finding_not_a_network_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Such a run once said "network unreachable" (exit 3) and reported nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(
        "# A\n\nSee [the draft](http://localhost:1313/posts/draft/).\n", encoding="utf-8"
    )
    report = app.run(Settings(no_cache=True))
    assert not report.network_down
    assert [(f.rule, f.url) for f in report.findings] == [
        ("private-address", "http://localhost:1313/posts/draft/")
    ]
    assert app.exit_code(report, Settings()) == 1


def test_a_run_over_several_network_processes_equals_a_run_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving("127.0.0.1") as first, serving("127.0.0.2") as second:
        sites = [first, second]
        for number in range(30):
            urls = [f"{site}/{kind}/{number}" for site in sites for kind in ("page", "gone")]
            write_post(tmp_path, f"post-{number:02d}", *urls, f"{sites[0]}/shared")
        settings = Settings(paths=(str(tmp_path),), no_cache=True, allow_private=True)
        monkeypatch.setattr(app, "network_processes", lambda posts: 1)
        alone = app.run(settings, cwd=tmp_path)
        monkeypatch.setattr(app, "network_processes", lambda posts: 3)
        together = app.run(settings, cwd=tmp_path)
    assert together.findings == alone.findings
    assert [(u, r.verdict, r.title) for u, r in together.results.items()] == [
        (u, r.verdict, r.title) for u, r in alone.results.items()
    ]
    assert sum(1 for f in together.findings if f.rule == "dead-link") == 60
    assert sum(1 for r in together.results.values() if r.verdict is Verdict.OK) == 61


def test_network_processes_only_for_large_runs() -> None:
    assert app.network_processes(collection.PARALLEL_MIN_POSTS - 1) == 1
    assert app.network_processes(collection.PARALLEL_MIN_POSTS) >= 1
