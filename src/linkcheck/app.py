"""The one place where the stages meet: ``run(settings) -> Report``."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import re
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from linkcheck.config import Settings
from linkcheck.discover import find_posts, read_document
from linkcheck.models import (
    CheckRequest,
    CheckResult,
    Finding,
    InputError,
    InputProblem,
    Link,
    Location,
    Persistence,
    Post,
    PostSummary,
    Report,
    Source,
    Verdict,
)
from linkcheck.rules import judge
from linkcheck.sources import is_checkable, strip_fragment
from linkcheck.state import StateStore, describe_streak, escalates

if TYPE_CHECKING:
    from linkcheck.fix import FixOutcome

ResultCallback = Callable[[CheckResult], None]
WarnCallback = Callable[[str], None]
PlanCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Collected:
    """Posts read and extracted, and the files that could not be."""

    posts: tuple[Post, ...]
    problems: tuple[InputProblem, ...]


PARALLEL_MIN_POSTS = 200
"""From this many posts on, posts are read and extracted by worker processes (fewer are not
worth the cost of starting them)."""
CHUNKS_PER_WORKER = 4
"""Each worker gets at least this many batches of posts, so one slow batch holds no one up."""
MAX_BATCH_POSTS = 50
"""At most this many posts per batch: a run starts checking after the first batch, so it
should come back soon."""
FORK = "fork"
"""The only start method used: workers inherit the loaded parser instead of importing it again."""
POOL_ERRORS = (OSError, ValueError, BrokenProcessPool, pickle.PicklingError)
"""Why worker processes may fail; their batches are then extracted here instead."""

Outcome = Post | InputProblem


def collect(settings: Settings, *, cwd: Path, keep_text: bool = True) -> Collected:
    """Discover, read and extract every post; unreadable files become problems, not errors.

    With many posts (``PARALLEL_MIN_POSTS``) and several CPUs the posts are split into
    batches extracted by forked worker processes; the result is the same, in the same order,
    as extracting them one by one here (which is also what happens when workers cannot start).

    Equal values of different links (URLs, texts, sources, offsets) are one object, so a
    blog that cites the same sources many times holds each of them once. Without
    ``keep_text`` each document's ``text`` is dropped (``""``, with ``body_offset`` 0) once
    its links are extracted: for callers that never read the posts' text again.
    """
    with _Extraction(settings, cwd=cwd, keep_text=keep_text) as extraction:
        outcomes = [o for batch in extraction.batches() for o in batch]
    return _collected(outcomes)


def _collected(outcomes: Iterable[Outcome]) -> Collected:
    posts: list[Post] = []
    problems: list[InputProblem] = []
    for outcome in outcomes:
        if isinstance(outcome, InputProblem):
            problems.append(outcome)
        else:
            posts.append(outcome)
    return Collected(tuple(posts), tuple(problems))


class PostBatches(Protocol):
    """Where a run's posts come from: batches of outcomes, in order, on an event loop."""

    def batches_async(self) -> AsyncIterator[list[Outcome]]:
        """Each batch's posts and problems."""
        ...


class _Extraction:
    """The posts of a run, read and extracted batch by batch, in order.

    With enough posts and CPUs, forked worker processes extract the batches (all are handed
    out at once, when this object is made, while the process still runs a single thread);
    otherwise, or when the workers fail, this process does. Either way the outcomes are
    those of ``_extract_batch`` over all the posts, with equal values shared across batches.
    """

    def __init__(
        self, settings: Settings, *, cwd: Path, keep_text: bool, background: bool = False
    ) -> None:
        paths = [Path(p) if Path(p).is_absolute() else cwd / p for p in settings.paths]
        found = find_posts(paths, settings.extensions)
        self._cwd = cwd
        self._headings = tuple(settings.resources_headings)
        self._keep_text = keep_text
        self._shared = _Shared()
        workers = _worker_count(len(found), background=background)
        self._batches = _split(found, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[list[Outcome]]] = []
        if workers:
            self._start(workers)

    def _start(self, workers: int) -> None:
        try:
            context = multiprocessing.get_context(FORK)
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_ignore_interrupts
            )
            extract = partial(
                _extract_batch, cwd=self._cwd, headings=self._headings, keep_text=self._keep_text
            )
            self._futures = [self._pool.submit(extract, batch) for batch in self._batches]
        except POOL_ERRORS:
            self._stop_workers()

    def _stop_workers(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures = []
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> _Extraction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _here(self, index: int) -> list[Outcome]:
        """A batch extracted in this process (its values shared with every other batch)."""
        return _extract_batch(
            self._batches[index],
            self._cwd,
            self._headings,
            keep_text=self._keep_text,
            shared=self._shared,
        )

    def _shared_batch(self, outcomes: list[Outcome]) -> list[Outcome]:
        """A worker's batch with values shared with the batches before it."""
        share = self._shared.post
        return [o if isinstance(o, InputProblem) else share(o) for o in outcomes]

    def batches(self) -> Iterator[list[Outcome]]:
        """Each batch's outcomes, in order (waiting for the workers)."""
        for index in range(len(self._batches)):
            outcomes: list[Outcome] | None = None
            if self._futures:
                try:
                    outcomes = self._shared_batch(self._futures[index].result())
                except POOL_ERRORS:
                    self._stop_workers()
            yield outcomes if outcomes is not None else self._here(index)

    async def batches_async(self) -> AsyncIterator[list[Outcome]]:
        """``batches`` for an event loop: waiting for a worker lets other tasks run, and a
        batch extracted here is followed by a turn of the loop."""
        for index in range(len(self._batches)):
            outcomes: list[Outcome] | None = None
            if self._futures:
                try:
                    outcomes = self._shared_batch(await asyncio.wrap_future(self._futures[index]))
                except POOL_ERRORS:
                    self._stop_workers()
            if outcomes is None:
                outcomes = self._here(index)
                await asyncio.sleep(0)
            yield outcomes


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C and SIGTERM are for the main process, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _split(paths: Sequence[Path], workers: int) -> list[Sequence[Path]]:
    """Batches of posts: one when extracted here in one go, else small ones in order."""
    if len(paths) < PARALLEL_MIN_POSTS:
        return [paths] if paths else []
    chunks = max(1, workers) * CHUNKS_PER_WORKER
    size = max(1, min(MAX_BATCH_POSTS, -(-len(paths) // chunks)))
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def _extract_batch(
    paths: Sequence[Path],
    cwd: Path,
    headings: tuple[str, ...],
    *,
    keep_text: bool = True,
    shared: _Shared | None = None,
) -> list[Outcome]:
    """Read and extract ``paths`` in order: a post, or the problem that stopped it, for each.

    Equal values are shared within the batch, or through ``shared`` when given.
    """
    # Imported here, not at the top: with worker processes, only they parse Markdown.
    from linkcheck.extract import extract_post

    outcomes: list[Outcome] = []
    shared = shared or _Shared()
    for path in paths:
        try:
            document = read_document(path, cwd=cwd)
        except InputError as exc:
            outcomes.append(InputProblem(exc.path, exc.reason, exc.line))
            continue
        post = extract_post(document, resources_headings=headings)
        outcomes.append(shared.post(post, keep_text=keep_text))
    return outcomes


class _Shared:
    """Makes equal values one object: many links citing one source share its strings.

    A value is replaced only by an equal one of the same type, so nothing a link says
    changes; only the number of copies held in memory does.
    """

    __slots__ = ("_numbers", "_sources", "_strings")

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._numbers: dict[int, int] = {}
        self._sources: dict[Source, Source] = {}

    def text(self, value: str) -> str:
        return self._strings.setdefault(value, value)

    def number(self, value: int) -> int:
        return self._numbers.setdefault(value, value)

    def source(self, source: Source) -> Source:
        shared = self._sources.get(source)
        if shared is None:
            shared = self._sources[source] = Source(source.kind, self.text(source.key))
        return shared

    def location(self, where: Location) -> Location:
        path, line = self.text(where.path), self.number(where.line)
        column = self.number(where.column)
        if path is where.path and line is where.line and column is where.column:
            return where
        return Location(path, line, column)

    def link(self, link: Link) -> Link:
        """``link``, or an equal link made of shared values when it held copies of them."""
        url, text, source = self.text(link.url), self.text(link.text), self.source(link.source)
        location = self.location(link.location)
        start, end = self.number(link.start), self.number(link.end)
        fields = (url, text, source, location, start, end)
        kept = (link.url, link.text, link.source, link.location, link.start, link.end)
        if all(new is old for new, old in zip(fields, kept, strict=True)):
            return link
        return Link(
            url=url,
            kind=link.kind,
            text=text,
            location=location,
            in_resources=link.in_resources,
            source=source,
            start=start,
            end=end,
            key_path=link.key_path,
            ignored=link.ignored,
        )

    def post(self, post: Post, *, keep_text: bool = True) -> Post:
        """``post`` with shared link values (and without its text unless ``keep_text``)."""
        links = tuple(self.link(link) for link in post.links)
        document = post.document
        if not keep_text:
            document = replace(document, text="", body_offset=0)
        if document is post.document and all(
            new is old for new, old in zip(links, post.links, strict=True)
        ):
            return post
        return replace(post, document=document, links=links)


def _worker_count(posts: int, *, background: bool = False) -> int:
    """How many worker processes should extract ``posts`` posts (0: do it in this process).

    In the ``background`` (while this process checks URLs) one CPU is left to this process.
    Workers are forked, so they are used only where ``fork`` exists and while this process
    runs a single thread (forking a threaded process can copy a lock some thread holds).
    """
    if posts < PARALLEL_MIN_POSTS or FORK not in multiprocessing.get_all_start_methods():
        return 0
    if threading.active_count() > 1:
        return 0
    cpus = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        cpus = min(cpus, len(os.sched_getaffinity(0)))
    usable = cpus - 1 if background else cpus
    if usable < (1 if background else 2):
        return 0
    return min(usable, posts // (PARALLEL_MIN_POSTS // 2))


def _extract_parallel(
    paths: Sequence[Path],
    cwd: Path,
    headings: tuple[str, ...],
    workers: int,
    *,
    keep_text: bool = True,
) -> list[Outcome] | None:
    """``_extract_batch`` over ``workers`` forked processes; None when they cannot be used.

    Each batch comes back with its own shared values; values equal across batches are
    shared here as each batch arrives.
    """
    shared = _Shared()
    outcomes: list[Outcome] = []
    try:
        context = multiprocessing.get_context(FORK)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            extract = partial(_extract_batch, cwd=cwd, headings=headings, keep_text=keep_text)
            for batch in pool.map(extract, _split(paths, workers)):
                outcomes.extend(o if isinstance(o, InputProblem) else shared.post(o) for o in batch)
    except POOL_ERRORS:
        return None
    return outcomes


NO_FRAGMENTS: frozenset[str] = frozenset()
"""The fragments of a URL cited without any (one object for all of them)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What the network stage must fetch, and what it skips."""

    requests: tuple[CheckRequest, ...]
    skipped: Mapping[str, CheckResult]


def plan(posts: Iterable[Post], settings: Settings) -> Plan:
    """One request per unique URL (fragment stripped), with every fragment cited for it."""
    planner = Planner(settings)
    urls = planner.add(posts)
    return Plan(tuple(planner.request(url) for url in urls), planner.skipped_results())


class Planner:
    """Requests from posts as they arrive: each URL once, with every fragment cited so far."""

    def __init__(self, settings: Settings) -> None:
        self._include = [re.compile(p) for p in settings.include]
        self._exclude = [re.compile(p) for p in settings.exclude]
        self._fragments: dict[str, set[str] | None] = {}
        """URL -> its cited fragments (None while none is cited: most URLs have none)."""
        self._skipped: dict[str, CheckResult] = {}

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
                url = strip_fragment(link.url)
                if not is_checkable(link.url):
                    skipped.setdefault(
                        url, CheckResult(url, Verdict.SKIPPED, reason="not an http(s) URL")
                    )
                    continue
                if (include and not any(p.search(link.url) for p in include)) or any(
                    p.search(link.url) for p in exclude
                ):
                    skipped.setdefault(url, CheckResult(url, Verdict.SKIPPED, reason="excluded"))
                    continue
                if url not in fragments:
                    fragments[url] = None
                    new.append(url)
                _, _, fragment = link.url.partition("#")
                if fragment:
                    wanted = fragments[url]
                    if wanted is None:
                        wanted = fragments[url] = set()
                    wanted.add(fragment)
        return new

    def request(self, url: str) -> CheckRequest:
        """The request for ``url`` with every fragment cited for it so far."""
        wanted = self._fragments[url]
        return CheckRequest(url, frozenset(wanted) if wanted else NO_FRAGMENTS)

    def requests(self) -> list[CheckRequest]:
        """Every request, in first-cited order."""
        return [self.request(url) for url in self._fragments]

    def skipped_results(self) -> dict[str, CheckResult]:
        """URLs not checked (not http(s), excluded), unless also cited in a checked form."""
        return {u: r for u, r in self._skipped.items() if u not in self._fragments}


def network_is_down(results: Mapping[str, CheckResult], requests: Sequence[CheckRequest]) -> bool:
    """True when URLs were checked and not one got any HTTP response back."""
    checked = [results[r.url] for r in requests if r.url in results]
    return bool(checked) and not any(r.reached for r in checked)


def check(
    requests: Sequence[CheckRequest], settings: Settings, on_result: ResultCallback | None
) -> dict[str, CheckResult]:
    """Run the async network stage to completion."""
    from linkcheck.check import check_urls

    if not requests:
        return {}
    return asyncio.run(check_urls(requests, settings, on_result=on_result))


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
) -> Report:
    """Extract, check, judge: everything but printing. Raises UsageError for missing paths."""
    started = time.monotonic()
    cwd = cwd or Path.cwd()
    results: dict[str, CheckResult] = {}
    history: dict[str, Persistence] = {}
    network_down = False
    unique = 0
    # The posts' text is read again by ``fix`` when it is needed; the run keeps only links.
    if settings.offline:
        collected = collect(settings, cwd=cwd, keep_text=False)
    else:
        with (
            _Extraction(settings, cwd=cwd, keep_text=False, background=True) as extraction,
            open_state(settings, cwd=cwd, warn=warn or _quiet) as store,
        ):
            checked = check_posts(extraction, settings, store, on_plan, on_result)
        collected, results, history = checked.collected, checked.results, checked.history
        network_down, unique = checked.network_down, checked.unique
    posts = collected.posts
    findings = judge(
        posts,
        None if settings.offline or network_down else results,
        severities=settings.severity,
        history=history,
    )
    if settings.suggest_archive and results:
        findings = suggest_archived_copies(findings, posts, settings)
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
            "unique_urls": unique or len({strip_fragment(link.url) for link in links}),
            "cached": sum(1 for r in results.values() if r.from_cache),
        },
    )


def open_state(settings: Settings, *, cwd: Path, warn: WarnCallback) -> StateStore:
    """The state file named by the settings, or a store without memory (``--no-cache``)."""
    if settings.no_cache:
        return StateStore.null()
    path = Path(settings.cache_path)
    if not path.is_absolute():
        path = cwd / path
    return StateStore.open(path, warn=warn, history_keep=settings.history_keep)


def check_posts(
    extraction: PostBatches,
    settings: Settings,
    store: StateStore,
    on_plan: PlanCallback | None,
    on_result: ResultCallback | None,
) -> Checked:
    """Check the URLs of the posts as the posts are extracted; remember the run.

    Checking starts with the first batch of posts, while the workers extract the rest.
    Fresh cached results are reused. A URL whose post cites a fragment of it only after its
    check started (or its cached result was taken) is checked once more, for every fragment.
    Returns the posts, the results (skipped URLs included), the history of failing URLs,
    and whether the network was down (then nothing is recorded and no result is returned).
    """
    return asyncio.run(_check_posts(extraction, settings, store, on_plan, on_result))


async def _check_posts(
    extraction: PostBatches,
    settings: Settings,
    store: StateStore,
    on_plan: PlanCallback | None,
    on_result: ResultCallback | None,
) -> Checked:
    from linkcheck.check import check_stream, check_urls

    now = time.time()
    planner = Planner(settings)
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
            if fresh:
                to_check.extend(fresh)
                if on_plan is not None:
                    on_plan(len(to_check))
                yield fresh

    checked = await check_stream(requests(), settings, on_result=on_result)
    late = [
        request
        for request in planner.requests()
        if request.fragments and not request.fragments <= sent.get(request.url, NO_FRAGMENTS)
    ]
    if late:
        for request in late:
            cached.pop(request.url, None)
        checked.update(await check_urls(late, settings))
        to_check.extend(late)
    collected = _collected(outcomes)
    all_requests = planner.requests()
    if network_is_down(checked, to_check):
        return Checked(collected, {}, {}, True, len(all_requests))
    results = {**cached, **checked}
    store.record_run(results, started_at=now, finished_at=time.time(), requests=all_requests)
    failing = [url for url, result in results.items() if result.verdict.is_failure]
    history: dict[str, Persistence] = {}
    for url, streak in store.streaks(failing).items():
        description = describe_streak(streak)
        if description is not None:
            escalate = escalates(streak, runs=settings.escalate_runs, hours=settings.escalate_hours)
            history[url] = Persistence(escalate, description)
    results.update(planner.skipped_results())
    return Checked(collected, results, history, False, len(all_requests))


def _quiet(_message: str) -> None:
    """The default warning sink of ``run``: callers that care pass their own."""


def _summary(post: Post) -> PostSummary:
    return PostSummary(
        path=post.path, title=post.title, links=len(post.links), has_resources=post.has_resources
    )


def suggest_archived_copies(
    findings: Sequence[Finding], posts: Sequence[Post], settings: Settings
) -> list[Finding]:
    """Dead links get the Wayback Machine snapshot closest to their post's publish date.

    Bounded in time; a failing archive only means fewer suggestions.
    """
    from linkcheck.archive import archive_queries, suggest_archives, with_archive_suggestions

    queries = archive_queries(findings, posts)
    if not queries:
        return list(findings)
    archives = asyncio.run(suggest_archives(queries, user_agent=settings.user_agent))
    return with_archive_suggestions(findings, posts, archives)


def fix(report: Report, settings: Settings, *, cwd: Path, write: bool) -> FixOutcome:
    """Rewrite (or, without ``write``, preview) the moved links the report found.

    The posts are read again, so a file edited since the run is refused, not overwritten.
    """
    from linkcheck.fix import fix_posts

    collected = collect(settings, cwd=cwd)
    return fix_posts(collected.posts, report.results, write=write)


def exit_code(report: Report, settings: Settings) -> int:
    """0 healthy, 1 findings at or above fail-on, 2 bad input, 3 network unreachable."""
    if report.problems:
        return 2
    if report.network_down:
        return 3
    if any(f.severity.at_least(settings.fail_on) for f in report.findings):
        return 1
    return 0
