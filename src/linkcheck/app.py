"""The one place where the stages meet: ``run(settings) -> Report``."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from linkcheck.check.soft404 import cites_missing_page
from linkcheck.collect import (
    PARALLEL_MIN_POSTS,
    Collected,
    Extraction,
    Outcome,
    PostBatches,
    collect,
    collected,
)
from linkcheck.config import Settings
from linkcheck.evidence import Policy, Threshold, assess, current_streak
from linkcheck.models import (
    CheckRequest,
    CheckResult,
    FailingUrl,
    Finding,
    Persistence,
    Post,
    PostSummary,
    Report,
    RunTrend,
    Verdict,
)
from linkcheck.rules import judge
from linkcheck.shard import SHARD_STAT, SHARDS_STAT, Shard
from linkcheck.site import Layout, build_site
from linkcheck.site.layout import with_site
from linkcheck.sources import is_checkable, strip_fragment
from linkcheck.state import StateStore

if TYPE_CHECKING:
    from linkcheck.fix import FixOutcome

ResultCallback = Callable[[CheckResult], None]
WarnCallback = Callable[[str], None]
PlanCallback = Callable[[int], None]
StartCallback = Callable[[str], None]


TREND_RUNS = 12
"""Runs shown in the trend of failing links (reports, job summary, tracking issue)."""
NO_FRAGMENTS: frozenset[str] = frozenset()
"""The fragments of a URL cited without any (one object for all of them)."""


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What the network stage must fetch, and what it skips."""

    requests: tuple[CheckRequest, ...]
    skipped: Mapping[str, CheckResult]


def plan(posts: Iterable[Post], settings: Settings) -> CheckPlan:
    """One request per unique URL (fragment stripped), with every fragment cited for it."""
    planner = Planner(settings)
    urls = planner.add(posts)
    return CheckPlan(tuple(planner.request(url) for url in urls), planner.skipped_results())


class Planner:
    """Requests from posts as they arrive: each URL once, with every fragment cited so far."""

    def __init__(self, settings: Settings, layout: Layout | None = None) -> None:
        self._layout = layout
        self._include = [re.compile(p) for p in settings.include]
        self._exclude = [re.compile(p) for p in settings.exclude]
        self._fragments: dict[str, set[str] | None] = {}
        """URL -> its cited fragments (None while none is cited: most URLs have none)."""
        self._skipped: dict[str, CheckResult] = {}
        self._cited_as_missing: set[str] = set()
        """URLs a link's text says are missing pages on purpose (``an example 404 page``)."""
        self._soft_404 = settings.soft_404
        self._shard = Shard.parse(settings.shard) if settings.shard else None

    def add(self, posts: Iterable[Post]) -> list[str]:
        """Take in the links of ``posts``; the URLs to check that no earlier post cited."""
        include, exclude = self._include, self._exclude
        fragments = self._fragments
        skipped = self._skipped
        new: list[str] = []
        for post in posts:
            for link in post.links:
                if link.ignored:
                    continue
                target = link.target
                url = strip_fragment(target)
                if self._shard is not None and not self._shard.owns_url(url):
                    continue  # another shard's URL
                if not is_checkable(target):
                    skipped.setdefault(
                        url, CheckResult(url, Verdict.SKIPPED, reason="not an http(s) URL")
                    )
                    continue
                if self._layout is not None and self._layout.own_path(target) is not None:
                    skipped.setdefault(
                        url, CheckResult(url, Verdict.SKIPPED, reason="the site's own address")
                    )
                    continue
                if (include and not any(p.search(target) for p in include)) or any(
                    p.search(target) for p in exclude
                ):
                    skipped.setdefault(url, CheckResult(url, Verdict.SKIPPED, reason="excluded"))
                    continue
                if url not in fragments:
                    fragments[url] = None
                    new.append(url)
                if self._soft_404 and cites_missing_page(link.text):
                    self._cited_as_missing.add(url)
                _, _, fragment = target.partition("#")
                if fragment:
                    wanted = fragments[url]
                    if wanted is None:
                        wanted = fragments[url] = set()
                    wanted.add(fragment)
        return new

    def request(self, url: str) -> CheckRequest:
        """The request for ``url`` with every fragment cited for it so far."""
        wanted = self._fragments[url]
        return CheckRequest(
            url,
            frozenset(wanted) if wanted else NO_FRAGMENTS,
            cited_as_missing=url in self._cited_as_missing,
        )

    def checked_urls(self) -> list[str]:
        """Every URL to check, in first-cited order."""
        return list(self._fragments)

    def requests(self) -> list[CheckRequest]:
        """Every request, in first-cited order."""
        return [self.request(url) for url in self._fragments]

    def skipped_results(self) -> dict[str, CheckResult]:
        """URLs not checked (not http(s), excluded), unless also cited in a checked form."""
        return {u: r for u, r in self._skipped.items() if u not in self._fragments}


def network_is_down(results: Mapping[str, CheckResult], requests: Sequence[CheckRequest]) -> bool:
    """True when URLs were checked and not one got any HTTP response back. URLs that were
    not asked for (skipped: a private address, say) are no evidence either way: a post
    citing only ``http://localhost:1313/`` is a finding, not a network that is down."""
    checked = [results[r.url] for r in requests if r.url in results]
    asked = [r for r in checked if r.verdict is not Verdict.SKIPPED]
    return bool(asked) and not any(r.reached for r in asked)


@dataclass(frozen=True, slots=True)
class Checked:
    """What the online part of a run found."""

    collected: Collected
    results: dict[str, CheckResult]
    """Every URL's result (skipped ones included); empty when the network was down."""
    history: dict[str, Persistence]
    network_down: bool
    unique: int
    """Unique URLs to check (cached ones included)."""


def run(
    settings: Settings,
    *,
    cwd: Path | None = None,
    on_plan: PlanCallback | None = None,
    on_result: ResultCallback | None = None,
    warn: WarnCallback | None = None,
    on_start: StartCallback | None = None,
) -> Report:
    """Extract, check, judge: everything but printing. Raises UsageError for missing paths."""
    started = time.monotonic()
    cwd = cwd or Path.cwd()
    settings, layout = with_site(settings, cwd)
    results: dict[str, CheckResult] = {}
    history: dict[str, Persistence] = {}
    network_down = False
    unique = 0
    trend: tuple[RunTrend, ...] = ()
    # The posts' text is read again by ``fix`` when it is needed; the run keeps only links.
    if settings.offline:
        collected = collect(settings, cwd=cwd, keep_text=False)
    else:
        with (
            Extraction(
                settings,
                cwd=cwd,
                keep_text=False,
                background=not expects_cached_results(settings, cwd=cwd),
            ) as extraction,
            open_state(settings, cwd=cwd, warn=warn or _quiet) as store,
        ):
            import asyncio  # here: ``extract`` and offline runs need no event loop

            checked = asyncio.run(
                check_posts(
                    extraction,
                    settings,
                    store,
                    on_plan,
                    on_result,
                    on_start,
                    layout=layout,
                    processes=network_processes(extraction.post_count),
                )
            )
            trend = () if checked.network_down else tuple(store.trend(TREND_RUNS))
        collected, results, history = checked.collected, checked.results, checked.history
        network_down, unique = checked.network_down, checked.unique
    posts = collected.posts
    unread = {problem.path for problem in collected.problems}
    site = build_site(layout, posts, settings, cwd, unread=unread)
    findings = judge(
        posts,
        None if settings.offline or network_down else results,
        severities=settings.severity,
        history=history,
        site=site,
        allow_private=settings.allow_private,
    )
    if settings.suggest_archive and results:
        findings = suggest_archived_copies(findings, posts, settings, warn=warn or _quiet)
    shard = Shard.parse(settings.shard) if settings.shard else None
    if shard is not None:
        findings = [finding for finding in findings if shard.owns_finding(finding)]
    links = tuple(link for post in posts for link in post.links)
    return Report(
        posts=tuple(_summary(p) for p in posts),
        links=links,
        results=results,
        findings=tuple(findings),
        problems=collected.problems,
        offline=settings.offline,
        network_down=network_down,
        elapsed=time.monotonic() - started,
        stats={
            "posts": len(posts),
            "links": len(links),
            "unique_urls": unique
            or len(
                {
                    url
                    for url in (strip_fragment(link.target) for link in links)
                    if shard is None or shard.owns_url(url)
                }
            ),
            "cached": sum(1 for r in results.values() if r.from_cache),
            **({SHARD_STAT: shard.index, SHARDS_STAT: shard.count} if shard else {}),
        },
        trend=trend,
    )


def _state_path(settings: Settings, cwd: Path) -> Path:
    path = Path(settings.cache_path)
    return path if path.is_absolute() else cwd / path


def open_state(settings: Settings, *, cwd: Path, warn: WarnCallback) -> StateStore:
    """The state file named by the settings, or a store without memory (``--no-cache``)."""
    if settings.no_cache:
        return StateStore.null()
    path = _state_path(settings, cwd)
    make_state_directory(path.parent)
    return StateStore.open(path, warn=warn, history_keep=settings.history_keep)


STATE_GITIGNORE = "# Made by linkcheck: the state file is not for version control.\n*\n"
"""The ``.gitignore`` put in a state directory linkcheck creates (it ignores everything)."""


def make_state_directory(directory: Path) -> None:
    """Create the state file's directory with a ``.gitignore`` that keeps it out of git.

    A directory that exists already is left as it is (it may be the blog's own). Failures
    are left to the state store, which warns and runs without memory.
    """
    if directory.exists():
        return
    try:
        directory.mkdir(parents=True)
        (directory / ".gitignore").write_text(STATE_GITIGNORE, encoding="utf-8")
    except OSError:
        return


def expects_cached_results(settings: Settings, *, cwd: Path) -> bool:
    """Whether a run may take many results from the cache (a state file from an earlier run
    exists and the cache is used). Such a run is bound by reading the posts, so worker
    processes get every CPU; a run that fetches everything leaves one CPU to the checker.
    Measured on the benchmarks' large-nostall corpus: a run with 85 % of its results cached
    took 2.4–2.7 s with two workers and 2.8–3.0 s with one; a run without cache 5.8–6.1 s with
    one and 6.2–6.4 s with two."""
    if settings.no_cache or settings.refresh or settings.max_age <= 0:
        return False
    return _state_path(settings, cwd).is_file()


async def check_posts(
    extraction: PostBatches,
    settings: Settings,
    store: StateStore,
    on_plan: PlanCallback | None,
    on_result: ResultCallback | None,
    on_start: StartCallback | None = None,
    *,
    layout: Layout | None = None,
    processes: int = 1,
) -> Checked:
    """Check the URLs of the posts as the posts are extracted; remember the run.

    Checking starts with the first batch of posts, while the workers extract the rest.
    With ``processes`` above one, that many processes check the URLs, each its own hosts
    (see :mod:`linkcheck.check.parallel`).
    Fresh cached results are reused. A URL whose post cites a fragment of it only after its
    check started (or its cached result was taken) is checked once more, for every fragment.
    Returns the posts, the results (skipped URLs included), the history of failing URLs,
    and whether the network was down (then nothing is recorded and no result is returned).
    """
    from linkcheck.check import check_stream, check_urls
    from linkcheck.check.options import CheckOptions

    now = time.time()
    planner = Planner(settings, layout)
    outcomes: list[Outcome] = []
    cached: dict[str, CheckResult] = {}
    sent: dict[str, frozenset[str]] = {}
    """URL -> the fragments its check (or cached result) covers."""
    to_check: list[CheckRequest] = []

    async def requests() -> AsyncIterator[list[CheckRequest]]:
        async for batch in extraction.batches_async():
            outcomes.extend(batch)
            urls = planner.add(o for o in batch if isinstance(o, Post))
            if not urls:
                continue
            wanted = [planner.request(url) for url in urls]
            if not settings.refresh:
                cached.update(
                    store.fresh_results(
                        wanted, max_age=settings.max_age, jitter=settings.max_age_jitter, now=now
                    )
                )
            sent.update((r.url, r.fragments) for r in wanted)
            fresh = [r for r in wanted if r.url not in cached]
            if fresh and settings.soft_404:
                fresh = with_previous_titles(fresh, store)
            if fresh:
                to_check.extend(fresh)
                if on_plan is not None:
                    on_plan(len(to_check))
                yield fresh

    options = CheckOptions.from_settings(settings)
    if processes > 1:
        from linkcheck.check.parallel import check_stream_parallel

        checked = await check_stream_parallel(
            requests(), options, processes=processes, on_result=on_result, on_start=on_start
        )
    else:
        checked = await check_stream(requests(), options, on_result=on_result, on_start=on_start)
    late = [
        request
        for request in planner.requests()
        if request.fragments and not request.fragments <= sent.get(request.url, NO_FRAGMENTS)
    ]
    if late:
        for request in late:
            cached.pop(request.url, None)
        checked.update(await check_urls(late, options))
        to_check.extend(late)
    posts = collected(outcomes)
    all_requests = planner.requests()
    if network_is_down(checked, to_check):
        return Checked(posts, {}, {}, True, len(all_requests))
    results = {**cached, **checked}
    store.record_run(
        results,
        started_at=now,
        finished_at=time.time(),
        requests=all_requests,
        citations=citations(posts.posts, planner),
    )
    failing = [url for url, result in results.items() if result.verdict.is_failure]
    policy = judging_policy(settings)
    history: dict[str, Persistence] = {}
    for url, observations in store.observations(failing).items():
        persistence = assess(observations, policy)
        if persistence is not None:
            history[url] = persistence
    results.update(planner.skipped_results())
    return Checked(posts, results, history, False, len(all_requests))


def network_processes(posts: int) -> int:
    """How many processes check the URLs of a run of ``posts`` posts: one per CPU (up to
    ``check.parallel.MAX_PROCESSES``) from ``PARALLEL_MIN_POSTS`` posts on, where the
    extraction uses worker processes too, else one."""
    if posts < PARALLEL_MIN_POSTS:
        return 1  # the common case: nothing more is imported
    from linkcheck.check.parallel import process_count

    return process_count(posts=posts, min_posts=PARALLEL_MIN_POSTS)


def with_previous_titles(requests: Sequence[CheckRequest], store: StateStore) -> list[CheckRequest]:
    """The requests, each with the title its page had when last seen healthy (if known):
    the soft 404 detector quotes it as evidence and trusts a page that kept it."""
    titles = store.previous_titles(r.url for r in requests)
    if not titles:
        return list(requests)
    return [replace(r, previous_title=titles[r.url]) if r.url in titles else r for r in requests]


def judging_policy(settings: Settings) -> Policy:
    """The thresholds by which failures that last become errors (see ``linkcheck.evidence``)."""
    return Policy(
        server=Threshold(settings.error_after_runs, settings.error_after_days),
        unreachable=Threshold(settings.unreachable_after_runs, settings.unreachable_after_days),
        chance=settings.flap_chance,
        count_blocked=settings.count_blocked,
    )


def citations(posts: Iterable[Post], planner: Planner) -> dict[str, set[str]]:
    """Each post file (absolute path) and the URLs it cites that are checked."""
    checked = set(planner.checked_urls())
    cited: dict[str, set[str]] = {}
    for post in posts:
        urls = cited.setdefault(post_key(post.document.path), set())
        for link in post.links:
            url = strip_fragment(link.target)
            if not link.ignored and url in checked:
                urls.add(url)
    return cited


def post_key(path: Path) -> str:
    """How the state file names a post: its absolute path."""
    return str(path.absolute())


def failing_urls(
    store: StateStore, settings: Settings, *, uncited: bool = False, limit: int | None = None
) -> list[FailingUrl]:
    """The URLs whose latest recorded check failed, oldest streak first (``linkcheck history``).

    Only URLs that a post still cites, unless ``uncited``: cited by a post that still exists,
    as of the last run that read that post.
    """
    failing = store.failing()
    if not uncited:
        citing = store.citing_posts(failing)
        failing = [u for u in failing if any(Path(p).is_file() for p in citing.get(u, ()))]
    policy = judging_policy(settings)
    found: list[FailingUrl] = []
    for url, observations in store.observations(failing).items():
        judged = assess(observations, policy)
        if judged is not None:
            since = current_streak(observations)[-1].at
            found.append(FailingUrl(url, observations[0].verdict, judged, since))
    found.sort(key=lambda f: (f.since, f.url))
    return found[:limit]


def _quiet(_message: str) -> None:
    """The default warning sink of ``run``: callers that care pass their own."""


def _summary(post: Post) -> PostSummary:
    return PostSummary(
        path=post.path, title=post.title, links=len(post.links), has_resources=post.has_resources
    )


def suggest_archived_copies(
    findings: Sequence[Finding],
    posts: Sequence[Post],
    settings: Settings,
    *,
    warn: WarnCallback = _quiet,
) -> list[Finding]:
    """Dead links get the Wayback Machine snapshot closest to their post's publish date.

    Bounded in time; when the archive cannot be asked, ``warn`` says so and the findings
    concerned say it too.
    """
    from linkcheck.archive import archive_queries, suggest_archives, with_archive_suggestions

    queries = archive_queries(findings, posts)
    if not queries:
        return list(findings)
    failed: set[tuple[str, str | None]] = set()
    import asyncio

    archives = asyncio.run(suggest_archives(queries, user_agent=settings.user_agent, failed=failed))
    if failed:
        warn(
            f"the Web Archive could not be asked about {len(failed)} of {len(queries)} "
            "dead link(s): no archived copy is suggested for them"
        )
    return with_archive_suggestions(findings, posts, archives, failed)


def fix(report: Report, settings: Settings, *, cwd: Path, write: bool) -> FixOutcome | None:
    """Rewrite (or, without ``write``, preview) the moved links the report found; None when
    the run checked nothing (offline, or the network was down): then nothing is touched.

    The posts are read again, so a file edited since the run is refused, not overwritten.
    """
    from linkcheck.fix import fix_posts

    if report.network_down or report.offline:
        return None
    settings, _ = with_site(settings, cwd)
    collected = collect(settings, cwd=cwd)
    return fix_posts(collected.posts, report.results, write=write, roots=fix_roots(settings, cwd))


def fix_roots(settings: Settings, cwd: Path) -> list[Path]:
    """The folders a fix may write in: each directory checked, and the folder of each file
    named (resolved, so that a symbolic link out of them is seen for what it is)."""
    roots: list[Path] = []
    for raw in settings.paths:
        path = Path(raw) if Path(raw).is_absolute() else cwd / raw
        roots.append((path if path.is_dir() else path.parent).resolve())
    return roots


def exit_code(report: Report, settings: Settings) -> int:
    """0 healthy, 1 findings at or above fail-on, 2 bad input, 3 network unreachable."""
    if report.problems:
        return 2
    if report.network_down:
        return 3
    if any(f.severity.at_least(settings.fail_on) for f in report.findings):
        return 1
    return 0
