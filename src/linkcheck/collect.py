"""Read and extract the posts of a run, in batches, by worker processes when that pays.

``collect`` gives every post at once; ``Extraction`` gives them batch by batch, in order,
so that a run can check the URLs of the first posts while the rest are still being read.
With many posts and several CPUs, forked worker processes extract the batches; the result
is the same, in the same order, as extracting the posts one by one in this process (which is
also what happens when workers cannot start).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol, get_type_hints

from linkcheck.budget import CpuBudget, OverBudget
from linkcheck.config import (
    DEFAULT_MAX_POST_BYTES,
    DEFAULT_MAX_POST_LINES,
    DEFAULT_MAX_POST_LINKS,
    DEFAULT_MAX_POST_SECONDS,
    DEFAULT_MAX_POST_TAGS,
    Settings,
)
from linkcheck.discover import discover, display_path, read_document, without_excluded
from linkcheck.models import (
    Document,
    InputError,
    InputProblem,
    Link,
    Location,
    Post,
    Source,
    SourceKind,
    UsageError,
)
from linkcheck.site.layout import with_site
from linkcheck.worker import end_with, leave_interrupts_to_the_main_process, usable_cpus


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
FIRST_BATCH_POSTS = 10
"""The first batch is smaller: checking starts as soon as it is back."""
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
    with Extraction(settings, cwd=cwd, keep_text=keep_text) as extraction:
        outcomes = [o for batch in extraction.batches() for o in batch]
    return collected(outcomes)


def extract_site(settings: Settings, *, cwd: Path, render: Callable[[Post], Any]) -> Extraction:
    """The posts' extraction for ``linkcheck extract`` (nothing checked), started: the posts
    are found as a run finds them (the generator's content folders when no path is given),
    and each is rendered where it is read (``render``; by a worker process when there are
    workers, so only the rendered text comes back). Its ``rendered_batches`` come in post
    order, so the output can be written while later posts are still being read. Raises
    ``UsageError`` as a run does."""
    settings, _ = with_site(settings, cwd)
    return Extraction(settings, cwd=cwd, keep_text=False, render=render)


def collected(outcomes: Iterable[Outcome]) -> Collected:
    """The posts and the problems among ``outcomes``, each in their order."""
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


class Extraction:
    """The posts of a run, read and extracted batch by batch, in order.

    With enough posts and CPUs, forked worker processes extract the batches (all are handed
    out at once, when this object is made, while the process still runs a single thread);
    otherwise, or when the workers fail, this process does. Either way the outcomes are
    those of ``_extract_batch`` over all the posts, with equal values shared across batches
    (``batches``), or, with ``render``, what it made of each post where the post was read
    (``rendered_batches``). In the ``background`` (this process checks URLs meanwhile) one
    CPU is left to it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cwd: Path,
        keep_text: bool,
        background: bool = False,
        render: Callable[[Post], Any] | None = None,
    ) -> None:
        paths = [Path(p) if Path(p).is_absolute() else cwd / p for p in settings.paths]
        discovered = discover(
            paths,
            settings.extensions,
            follow_external_symlinks=settings.follow_external_symlinks,
            max_bytes=settings.max_post_bytes,
            cwd=cwd,
        )
        if not discovered.posts and not settings.allow_empty:
            where = ", ".join(settings.paths) or "(no path)"
            endings = ", ".join(settings.extensions)
            raise UsageError(
                f"no posts found in {where} (files ending in {endings}); "
                "pass --allow-empty to accept a run that checks nothing"
            )
        found = without_excluded(discovered.posts, paths, cwd, settings.exclude_paths)
        self._found_problems: list[Outcome] = list(discovered.problems)
        """Files the search skipped or found odd: handed out before the first batch."""
        self._max_bytes = settings.max_post_bytes
        self._max_links = settings.max_post_links
        self._max_lines = settings.max_post_lines
        self._max_tags = settings.max_post_tags
        self._max_seconds = settings.max_post_seconds
        self._cwd = cwd
        self._headings = tuple(settings.resources_headings)
        self._keep_text = keep_text
        self._shared = _Shared()
        self._render = render
        """Made of each post where it is read (by a worker: only what it makes comes back)."""
        workers = _worker_count(len(found), background=background)
        self._batches = _split(found, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[list[Any]]] = []
        if workers:
            self._start(workers)

    @property
    def post_count(self) -> int:
        """How many posts this extraction reads (files found and not excluded)."""
        return sum(len(batch) for batch in self._batches)

    def _start(self, workers: int) -> None:
        try:
            context = multiprocessing.get_context(FORK)
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            worker: Callable[..., list[Any]] = (
                _packed_batch
                if self._render is None
                else partial(_rendered_batch, render=self._render)
            )
            extract = partial(
                worker,
                cwd=self._cwd,
                headings=self._headings,
                keep_text=self._keep_text,
                max_bytes=self._max_bytes,
                max_links=self._max_links,
                max_lines=self._max_lines,
                max_tags=self._max_tags,
                max_seconds=self._max_seconds,
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

    def __enter__(self) -> Extraction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _here(self, index: int) -> list[Any]:
        """A batch extracted in this process (its values shared with every other batch)."""
        outcomes = _extract_batch(
            self._batches[index],
            self._cwd,
            self._headings,
            keep_text=self._keep_text,
            shared=self._shared,
            max_bytes=self._max_bytes,
            max_links=self._max_links,
            max_lines=self._max_lines,
            max_tags=self._max_tags,
            max_seconds=self._max_seconds,
        )
        render = self._render
        if render is None:
            return outcomes
        return [render(o) if isinstance(o, Post) else o for o in outcomes]

    def _shared_batch(self, outcomes: list[Any]) -> list[Any]:
        """A worker's batch, its posts unpacked with values shared with the batches before."""
        unpack = self._shared.unpack
        return [unpack(o) if isinstance(o, PackedPost) else o for o in outcomes]

    def _taken(self, index: int) -> Future[list[Any]]:
        """The future of batch ``index``, which this object lets go of: the packed batch it
        holds is no longer kept once its posts are unpacked (about 4 MB of rows for 20,000
        links)."""
        future = self._futures[index]
        self._futures[index] = _TAKEN
        return future

    def batches(self) -> Iterator[list[Outcome]]:
        """Each batch's outcomes, in order (waiting for the workers)."""
        if self._render is not None:
            raise TypeError("this extraction renders its posts: read rendered_batches()")
        return self._outcomes()

    def rendered_batches(self) -> Iterator[list[Any]]:
        """Each batch's problems and what ``render`` made of each post, in order."""
        if self._render is None:
            raise TypeError("this extraction renders nothing: read batches()")
        return self._outcomes()

    def _outcomes(self) -> Iterator[list[Any]]:
        if self._found_problems:
            yield self._found_problems
        for index in range(len(self._batches)):
            outcomes: list[Outcome] | None = None
            if self._futures:
                try:
                    outcomes = self._shared_batch(self._taken(index).result())
                except POOL_ERRORS:
                    self._stop_workers()
            yield outcomes if outcomes is not None else self._here(index)

    async def batches_async(self) -> AsyncIterator[list[Outcome]]:
        """``batches`` for an event loop: waiting for a worker lets other tasks run, and a
        batch extracted here is followed by a turn of the loop."""
        import asyncio  # here: ``extract`` needs no event loop

        if self._render is not None:
            raise TypeError("this extraction renders its posts: read rendered_batches()")
        if self._found_problems:
            yield self._found_problems
        for index in range(len(self._batches)):
            outcomes: list[Outcome] | None = None
            if self._futures:
                try:
                    await asyncio.wrap_future(self._futures[index])
                    outcomes = self._shared_batch(self._taken(index).result())
                except POOL_ERRORS:
                    self._stop_workers()
            if outcomes is None:
                outcomes = self._here(index)
                await asyncio.sleep(0)
            yield outcomes


_TAKEN: Future[list[Any]] = Future()
"""Stands for a batch's future once its result was taken (done: cancelling it does nothing)."""
_TAKEN.set_result([])


def _start_worker(parent: int) -> None:
    """In a worker: Ctrl-C and SIGTERM are for the main process, which stops the workers;
    a worker ends by itself when the main process is gone."""
    leave_interrupts_to_the_main_process()
    end_with(parent)


def _split(paths: Sequence[Path], workers: int) -> list[Sequence[Path]]:
    """Batches of posts: one when extracted here in one go, else small ones in order."""
    if len(paths) < PARALLEL_MIN_POSTS:
        return [paths] if paths else []
    chunks = max(1, workers) * CHUNKS_PER_WORKER
    size = max(1, min(MAX_BATCH_POSTS, -(-len(paths) // chunks)))
    first = min(size, FIRST_BATCH_POSTS)
    return [paths[:first]] + [paths[i : i + size] for i in range(first, len(paths), size)]


def _extract_batch(
    paths: Sequence[Path],
    cwd: Path,
    headings: tuple[str, ...],
    *,
    keep_text: bool = True,
    shared: _Shared | None = None,
    max_bytes: int = DEFAULT_MAX_POST_BYTES,
    max_links: int = DEFAULT_MAX_POST_LINKS,
    max_lines: int = DEFAULT_MAX_POST_LINES,
    max_tags: int = DEFAULT_MAX_POST_TAGS,
    max_seconds: float = DEFAULT_MAX_POST_SECONDS,
) -> list[Outcome]:
    """Read and extract ``paths`` in order: a post, or the problem that stopped it, for each.

    Equal values are shared through ``shared`` when given. A worker gives none: the process
    that receives its batch shares the values then, so they are not shared twice.
    """
    # Imported here, not at the top: with worker processes, only they parse Markdown.
    from linkcheck.extract import extract_post

    outcomes: list[Outcome] = []
    with CpuBudget(max_seconds) as budget:
        for path in paths:
            document: Document | None = None
            try:
                with budget.piece():
                    document = read_document(
                        path,
                        cwd=cwd,
                        max_bytes=max_bytes,
                        max_links=max_links,
                        max_lines=max_lines,
                        max_tags=max_tags,
                    )
                    post = extract_post(document, resources_headings=headings)
            except InputError as exc:
                outcomes.append(InputProblem(exc.path, exc.reason, exc.line))
                continue
            except (OverBudget, RecursionError, MemoryError, ValueError) as exc:
                # One post whose text defeats the parser costs that post, not the run.
                where = document.display_path if document is not None else display_path(path, cwd)
                if isinstance(exc, OverBudget):
                    reason = (
                        f"needs more than {max_seconds:g} s of CPU to read, more than "
                        "max-post-seconds; skipped"
                    )
                else:
                    reason = f"cannot extract links ({type(exc).__name__})"
                outcomes.append(InputProblem(where, reason))
                continue
            if shared is not None:
                post = shared.post(post, keep_text=keep_text)
            elif not keep_text:
                post = replace(post, document=_without_text(document))
            outcomes.append(post)
    return outcomes


def _rendered_batch(
    paths: Sequence[Path],
    cwd: Path,
    headings: tuple[str, ...],
    *,
    render: Callable[[Post], Any],
    **options: Any,
) -> list[Any]:
    """``_extract_batch`` in a worker whose posts are rendered there: what ``render`` made
    of each post goes back, not the post (whose text then needs no dropping)."""
    options["keep_text"] = True
    return [
        render(outcome) if isinstance(outcome, Post) else outcome
        for outcome in _extract_batch(paths, cwd, headings, **options)
    ]


def _packed_batch(
    paths: Sequence[Path], cwd: Path, headings: tuple[str, ...], **options: Any
) -> list[Outcome | PackedPost]:
    """``_extract_batch`` in a worker: each post packed for the trip back (``PackedPost``),
    its text dropped then unless ``keep_text``."""
    keep_text = options.pop("keep_text", True)
    return [
        pack(outcome, keep_text=keep_text) if isinstance(outcome, Post) else outcome
        for outcome in _extract_batch(paths, cwd, headings, keep_text=True, **options)
    ]


# ---------------------------------------------------------------------------
# Posts sent back by workers: links as rows of plain values
# ---------------------------------------------------------------------------


def _row_fields(cls: type) -> list[tuple[str, int, type | None]]:
    """``cls``'s fields as ``(name, width, nested)``: a field holding a dataclass (``nested``)
    takes ``width`` places in a row, one per field of its own; any other field one."""
    hints = get_type_hints(cls)
    found: list[tuple[str, int, type | None]] = []
    for field in fields(cls):
        kind = hints[field.name]
        nested = kind if isinstance(kind, type) and is_dataclass(kind) else None
        found.append((field.name, len(fields(nested)) if nested else 1, nested))
    return found


LINK_ROW = _row_fields(Link)
"""The schema of a link's row: ``Link``'s fields in order, ``Location``'s and ``Source``'s
fields in the place of the ``location`` and ``source`` fields (derived, never written out)."""
_LINK_PATHS = [
    (path, kind)
    for name, _, nested in LINK_ROW
    for path, kind in (
        [(f"{name}.{f.name}", get_type_hints(nested)[f.name]) for f in fields(nested)]
        if nested
        else [(name, get_type_hints(Link)[name])]
    )
]
_link_row = attrgetter(*(path for path, _ in _LINK_PATHS))
"""A link's row, read in one call."""
_LINK_STRINGS = [place for place, (_, kind) in enumerate(_LINK_PATHS) if kind in (str, str | None)]
"""The places of a link's row that hold strings (shared when unpacked)."""


def _plan(schema: list[tuple[str, int, type | None]]) -> list[tuple[int, int, type | None]]:
    """How an object is built from its row: for each field, the places ``[start, stop)`` of
    its values and the dataclass that holds them (None: the value itself)."""
    plan: list[tuple[int, int, type | None]] = []
    place = 0
    for _, width, nested in schema:
        plan.append((place, place + width, nested))
        place += width
    return plan


_LINK_PLAN = _plan(LINK_ROW)
SHARED_NESTED: frozenset[type] = frozenset({Source})
"""The values in a link that are one object for all equal ones: a source is cited by many
links; a location is one link's own."""


@dataclass(frozen=True, slots=True)
class PackedPost:
    """A post as a worker sends it back: its links as rows of plain values (``LINK_ROW``).

    Pickling a tuple of strings and numbers costs a tenth of pickling the ``Link``,
    ``Location`` and ``Source`` objects they describe, and the receiving process builds the
    links once, from values it shares (``_Shared.unpack``)."""

    post: Post
    """The post without its links."""
    rows: tuple[tuple[Any, ...], ...]


def pack(post: Post, *, keep_text: bool = True) -> PackedPost:
    """``post`` with its links as rows (and without its text unless ``keep_text``);
    ``_Shared().unpack`` gives back an equal post."""
    rows = tuple(map(_link_row, post.links))
    if keep_text:
        return PackedPost(replace(post, links=()), rows)
    return PackedPost(replace(post, links=(), document=_without_text(post.document)), rows)


def _without_text(document: Document) -> Document:
    """``document`` with its text dropped, for runs that never read it again, and what points
    into the text: the frontmatter's spans and string values (its links are extracted by
    then; the metadata stays)."""
    return replace(document, text="", body_offset=0, frontmatter=None)


NO_STRINGS: frozenset[str] = frozenset()
"""One empty set for every post's empty ``ids``, ``labels`` or ``anchors`` (each empty set
unpickled from a worker is an object of its own: 216 bytes, twice for most posts)."""


class _Shared:
    """Makes equal values one object: many links citing one source share its strings.

    A value is replaced only by an equal one of the same type, so nothing a link says
    changes; only the number of copies held in memory does.
    """

    __slots__ = ("_nested", "_numbers", "_strings")

    def __init__(self) -> None:
        self._nested: dict[tuple[Any, ...], Any] = {}
        """Shared values of ``SHARED_NESTED`` types by their fields (their type first)."""
        self._strings: dict[str, str] = {}
        self._numbers: dict[int, int] = {}

    def text(self, value: str) -> str:
        return self._strings.setdefault(value, value)

    def number(self, value: int) -> int:
        return self._numbers.setdefault(value, value)

    def source(self, source: Source) -> Source:
        return self.source_of(source.kind, source.key)

    def source_of(self, kind: SourceKind, key: str) -> Source:
        shared: Source | None = self._nested.get((Source, kind, key))
        if shared is None:
            shared = self._nested[Source, kind, key] = Source(kind, self.text(key))
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

    def unpack(self, packed: PackedPost) -> Post:
        """The post ``pack`` packed, its links made of shared values."""
        strings, nested = self._strings.setdefault, self._nested
        links: list[Link] = []
        for packed_row in packed.rows:
            row = list(packed_row)
            for place in _LINK_STRINGS:
                row[place] = strings(row[place], row[place])
            values: list[Any] = []
            for start, stop, kind in _LINK_PLAN:
                if kind is None:
                    values.append(row[start])
                elif kind in SHARED_NESTED:
                    key = (kind, *row[start:stop])
                    shared = nested.get(key)
                    if shared is None:
                        shared = nested[key] = kind(*row[start:stop])
                    values.append(shared)
                else:
                    values.append(kind(*row[start:stop]))
            links.append(Link(*values))
        post = packed.post
        return replace(
            post,
            links=tuple(links),
            anchors=post.anchors or NO_STRINGS,
            ids=post.ids or NO_STRINGS,
            labels=post.labels or NO_STRINGS,
        )

    def post(self, post: Post, *, keep_text: bool = True) -> Post:
        """``post`` with shared link values (and without its text unless ``keep_text``)."""
        links = tuple(self.link(link) for link in post.links)
        document = post.document
        if not keep_text:
            document = _without_text(document)
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
    cpus = usable_cpus()
    usable = cpus - 1 if background else cpus
    if usable < (1 if background else 2):
        return 0
    return min(usable, posts // (PARALLEL_MIN_POSTS // 2))
