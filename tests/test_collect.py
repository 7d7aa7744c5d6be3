"""Collecting posts: the parallel path gives exactly what the one-by-one path gives."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import pickle
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest

from linkcheck import collect as collection
from linkcheck.collect import Collected, collect
from linkcheck.config import Settings
from linkcheck.models import Link, Location, Post, Source
from linkcheck.worker import usable_cpus

POSTS = 24
NEEDS_FORK = pytest.mark.skipif(
    collection.FORK not in multiprocessing.get_all_start_methods(), reason="no fork start method"
)


def write_corpus(root: Path) -> None:
    for number in range(POSTS):
        folder = root / f"{number % 3}"
        folder.mkdir(exist_ok=True)
        (folder / f"post-{number}.md").write_text(
            f"---\ntitle: Post {number}\nlinks:\n  - https://fm.example/{number}\n---\n\n"
            f"# Post {number}\n\nSee [a](https://a.example/{number}) and https://b.example/.\n"
            f'Empty [e]() and <a href="">h</a>.\n\n## Resources\n\n- [r][{number}]\n\n'
            f"[{number}]: https://r.example/{number}\n",
            encoding="utf-8",
        )
    (root / "1" / "binary.md").write_bytes(b"\x00\x01")
    (root / "2" / "broken.md").write_text("---\ntitle: [\n---\nbody\n", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path)
    return tmp_path


def sequential(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Collected:
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 10**9)
    return collect(Settings(paths=(str(corpus),)), cwd=corpus)


def in_workers(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> list[collection.Outcome]:
    """Every outcome, extracted by two forked worker processes in small batches."""
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
    monkeypatch.setattr(collection, "_worker_count", lambda posts, background=False: 2)
    settings = Settings(paths=(str(corpus),))
    with collection.Extraction(settings, cwd=corpus, keep_text=True) as extraction:
        assert extraction._futures  # the batches went to the workers
        return [outcome for batch in extraction.batches() for outcome in batch]


def test_small_runs_stay_in_this_process() -> None:
    assert collection._worker_count(collection.PARALLEL_MIN_POSTS - 1) == 0
    assert collection._worker_count(0) == 0
    assert collection._worker_count(collection.PARALLEL_MIN_POSTS - 1, background=True) == 0


@NEEDS_FORK
def test_worker_count_is_bounded_by_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    # servers that other tests left running (pytest-httpserver's is per session) are threads
    monkeypatch.setattr(collection.threading, "active_count", lambda: 1)
    cpus = multiprocessing.cpu_count() or 1
    count = collection._worker_count(10**6)
    assert count == 0 or 2 <= count <= cpus
    # while this process checks URLs, one CPU is left to it
    assert collection._worker_count(10**6, background=True) <= cpus - 1
    monkeypatch.setattr(collection.os, "cpu_count", lambda: 2)
    monkeypatch.delattr(collection.os, "sched_getaffinity", raising=False)
    assert collection._worker_count(10**6) == 2
    assert collection._worker_count(10**6, background=True) == 1
    monkeypatch.setattr(collection.os, "cpu_count", lambda: 1)
    assert collection._worker_count(10**6) == 0
    assert collection._worker_count(10**6, background=True) == 0


@NEEDS_FORK
def test_parallel_extraction_equals_sequential(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sequential(corpus, monkeypatch)
    assert len(expected.posts) == POSTS
    assert [p.path for p in expected.problems] == ["1/binary.md", "2/broken.md"]
    paths = sorted(p for p in corpus.rglob("*.md"))
    headings = Settings().resources_headings
    outcomes = in_workers(corpus, monkeypatch)
    assert outcomes == collection._extract_batch(paths, corpus, tuple(headings))
    assert outcomes is not None
    assert [o for o in outcomes if isinstance(o, Post)] == list(expected.posts)


@NEEDS_FORK
def test_collect_in_parallel_keeps_order_and_problems(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sequential(corpus, monkeypatch)
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
    monkeypatch.setattr(collection.threading, "active_count", lambda: 1)
    calls: list[int] = []
    original = collection.Extraction._start

    def spy(self: collection.Extraction, workers: int) -> None:
        calls.append(workers)
        original(self, workers)

    monkeypatch.setattr(collection.Extraction, "_start", spy)
    got = collect(Settings(paths=(str(corpus),)), cwd=corpus)
    if collection._worker_count(POSTS + 2):
        assert calls
    assert got == expected
    assert [p.path for p in got.posts] == sorted(p.path for p in got.posts)
    assert {p.path for p in got.problems} == {"1/binary.md", "2/broken.md"}
    empty = [link for post in got.posts for link in post.links if not link.url]
    assert len(empty) == 2 * POSTS


def test_workers_that_cannot_start_fall_back_to_this_process(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sequential(corpus, monkeypatch)
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
    monkeypatch.setattr(collection, "_worker_count", lambda posts, background=False: 2)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(collection, "ProcessPoolExecutor", refuse)
    assert collect(Settings(paths=(str(corpus),)), cwd=corpus) == expected


def test_equal_values_of_different_links_are_one_object(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = sequential(corpus, monkeypatch)
    links = [link for post in got.posts for link in post.links]
    by_url: dict[str, set[int]] = {}
    for link in links:
        by_url.setdefault(link.url, set()).add(id(link.url))
    assert len(by_url["https://b.example/"]) == 1
    assert all(len(ids) == 1 for ids in by_url.values())
    sources = {link.source: {id(link.source)} for link in links}
    assert all(len(ids) == 1 for ids in sources.values())


@NEEDS_FORK
def test_parallel_extraction_shares_values_across_batches(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(p for p in corpus.rglob("*.md"))
    headings = tuple(Settings().resources_headings)
    outcomes = in_workers(corpus, monkeypatch)
    assert outcomes is not None
    assert outcomes == collection._extract_batch(paths, corpus, headings)
    shared = [
        link.url
        for outcome in outcomes
        if isinstance(outcome, Post)
        for link in outcome.links
        if link.url == "https://b.example/"
    ]
    assert len(shared) == POSTS
    assert len({id(url) for url in shared}) == 1


def test_collect_without_text_keeps_everything_else(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = sequential(corpus, monkeypatch)
    lean = collect(Settings(paths=(str(corpus),)), cwd=corpus, keep_text=False)
    assert lean.problems == full.problems
    assert len(lean.posts) == len(full.posts)
    for light, whole in zip(lean.posts, full.posts, strict=True):
        assert whole.document.text
        assert light.document.text == ""
        assert light.document.body_offset == 0
        assert whole.document.frontmatter is not None
        assert light.document.frontmatter is None  # its spans pointed into the text
        assert light.document.metadata == whole.document.metadata
        assert light.document.path == whole.document.path
        assert (light.links, light.anchors, light.title) == (
            whole.links,
            whole.anchors,
            whole.title,
        )


def test_a_post_sent_back_by_a_worker_loses_nothing_and_shares_values(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = sequential(corpus, monkeypatch).posts
    ignored = replace(posts[0].links[0], key_path="links.0", ignored=True)
    posts = (replace(posts[0], links=(*posts[0].links, ignored)), *posts[1:])
    shared = collection._Shared()
    received = [shared.post(pickle.loads(pickle.dumps(post))) for post in posts]  # noqa: S301
    assert received == list(posts)
    urls = [link.url for post in received for link in post.links]
    by_value = {url: url for url in urls}
    assert all(url is by_value[url] for url in urls)


def test_a_packed_post_unpacks_to_what_pickle_sends(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows a worker sends back give the posts pickling the posts themselves gives."""
    posts = sequential(corpus, monkeypatch).posts
    ignored = replace(posts[0].links[0], key_path="links.0", ignored=True)
    posts = (replace(posts[0], links=(*posts[0].links, ignored)), *posts[1:])
    plain = [pickle.loads(pickle.dumps(post)) for post in posts]  # noqa: S301
    shared = collection._Shared()
    packed = [
        shared.unpack(pickle.loads(pickle.dumps(collection.pack(post))))  # noqa: S301
        for post in posts
    ]
    assert packed == plain == list(posts)
    links = [link for post in packed for link in post.links]
    for attribute in ("url", "text", "source"):
        by_value: dict[object, object] = {}
        for link in links:
            value = getattr(link, attribute)
            assert by_value.setdefault(value, value) is value
    empty = [s for post in packed for s in (post.anchors, post.ids, post.labels) if not s]
    assert empty
    assert all(s is collection.NO_STRINGS for s in empty)  # one object for every empty set


def test_a_links_row_follows_the_link_fields() -> None:
    names = [name for name, _, _ in collection.LINK_ROW]
    assert names == [field.name for field in fields(Link)]
    widths = {name: width for name, width, _ in collection.LINK_ROW}
    assert widths["location"] == len(fields(Location))
    assert widths["source"] == len(fields(Source))


def test_the_first_batch_is_small_so_checking_starts_early() -> None:
    paths = [Path(f"post-{i:04d}.md") for i in range(1000)]
    batches = collection._split(paths, 2)
    assert len(batches[0]) == collection.FIRST_BATCH_POSTS
    assert all(len(b) <= collection.MAX_BATCH_POSTS for b in batches)
    assert [p for batch in batches for p in batch] == paths
    assert collection._split(paths[:5], 2) == [paths[:5]]  # few posts: one batch, here


@NEEDS_FORK
def test_a_batch_taken_from_a_worker_is_not_kept(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
    monkeypatch.setattr(collection, "_worker_count", lambda posts, background=False: 2)
    settings = Settings(paths=(str(corpus),))

    async def take_all(extraction: collection.Extraction) -> int:
        return sum([len(batch) async for batch in extraction.batches_async()])

    with collection.Extraction(settings, cwd=corpus, keep_text=True) as extraction:
        assert asyncio.run(take_all(extraction)) >= POSTS
        # the packed batches (rows of every link) go once their posts are unpacked
        assert all(future is collection._TAKEN for future in extraction._futures)


SLOW_POST = "[^1]\n\n" + "[" * 400_000 + "\n"
"""A post the fast path leaves to markdown-it (a footnote), which needs more than 5 s of CPU
to read it (the fast path reads the brackets alone in a quarter of a second: not slow
enough for a test of the bound)."""


@pytest.mark.parametrize("workers", [False, pytest.param(True, marks=NEEDS_FORK)])
def test_a_post_over_its_cpu_budget_is_a_problem_and_the_others_are_read(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, workers: bool
) -> None:
    expected = sequential(corpus, monkeypatch)
    (corpus / "0" / "slow.md").write_text(SLOW_POST, encoding="utf-8")
    if workers:
        monkeypatch.setattr(collection, "PARALLEL_MIN_POSTS", 4)
        monkeypatch.setattr(collection, "_worker_count", lambda posts, background=False: 2)
    settings = Settings(paths=(str(corpus),), max_post_seconds=0.2)
    got = collect(settings, cwd=corpus)
    assert got.posts == expected.posts
    slow = [p for p in got.problems if p.path.endswith("slow.md")]
    assert [p.reason for p in slow] == [
        "needs more than 0.2 s of CPU to read, more than max-post-seconds; skipped"
    ]
    assert len(got.problems) == len(expected.problems) + 1


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or usable_cpus() < 2,
    reason="posts are read by worker processes only where fork exists, on two CPUs or more",
)
def test_a_run_whose_workers_read_the_posts_loads_no_frontmatter_parser_nor_unused_format(
    tmp_path: Path,
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in range(collection.PARALLEL_MIN_POSTS):
        (posts / f"p{n}.md").write_text(
            f"---\ntitle: Post {n}\ntags: [a, b]\n---\nSee [x](https://a.example/{n}).\n",
            encoding="utf-8",
        )
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in ('yaml', 'frontmatter', "
        "'linkcheck.frontmatter', 'xml.etree', 'linkcheck.report.sarif') if m in sys.modules)))\n"
        "from linkcheck.cli import main\n"
        "main(['run', '--offline', '--format', 'json', '--output', 'report.json', 'posts'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["stats"]["links"] == 200
