"""The state file: cache reuse, history, citations, retention, and every way the file can fail."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from dataclasses import fields, replace
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path

import pytest

from linkcheck.config import OPTIONS, Settings, parse_table
from linkcheck.evidence import Observation
from linkcheck.models import CheckRequest, CheckResult, ConfigError, Hop, Verdict
from linkcheck.state import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    HistoryEntry,
    StateStore,
    effective_max_age,
    result_from_json,
    result_to_json,
)

T0 = 1_700_000_000.0
"""2023-11-14T22:13:20Z, the first run of every timeline below."""
HOUR = 3600.0
DAY = 24 * HOUR
URL = "https://example.test/paper"
PROCESS_TIMEOUT = 30.0
"""Upper bound on any wait for a child process (they finish in well under a second)."""


def ok(url: str = URL, at: float = T0, **extra: object) -> CheckResult:
    return CheckResult(url, Verdict.OK, status=200, reason="200 OK", checked_at=at, **extra)  # type: ignore[arg-type]


def failed(url: str = URL, at: float = T0, verdict: Verdict = Verdict.TIMEOUT) -> CheckResult:
    return CheckResult(url, verdict, reason=verdict.value, checked_at=at)


def run(store: StateStore, at: float, *results: CheckResult, **kw: object) -> int | None:
    by_url = {r.url: r for r in results}
    return store.record_run(by_url, started_at=at, finished_at=at + 5, **kw)  # type: ignore[arg-type]


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / ".linkcheck" / "state.sqlite"


@pytest.fixture
def store(path: Path, warnings: list[str]) -> StateStore:
    opened = StateStore.open(path, warn=warnings.append)
    assert opened.enabled
    return opened


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Creating the file
# ---------------------------------------------------------------------------


def test_first_use_creates_the_directory_and_a_versioned_wal_file(
    store: StateStore, path: Path, warnings: list[str]
) -> None:
    store.close()
    assert path.is_file()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    with StateStore.open(path, warn=warnings.append) as again:
        assert again.enabled
        assert again.counts() == {"checks": 0, "runs": 0, "cache": 0, "citations": 0}
    assert warnings == []


def test_settings_gain_state_options() -> None:
    settings = Settings()
    assert settings.cache_path == ".linkcheck/state.sqlite"
    assert (settings.max_age, settings.max_age_jitter) == (86400.0, 0.1)
    assert (settings.no_cache, settings.refresh) == (False, False)
    assert settings.history_keep == 52
    keys = {o.key for o in OPTIONS}
    assert {"cache-path", "max-age", "max-age-jitter", "no-cache", "refresh"} <= keys
    assert {"error-after-runs", "error-after-days", "history-keep"} <= keys
    assert parse_table({"max-age": 60, "max-age-jitter": 0}, source="t") == {
        "max_age": 60.0,
        "max_age_jitter": 0.0,
    }
    with pytest.raises(ConfigError, match="between 0 and 1"):
        parse_table({"max-age-jitter": 1.5}, source="t")


# ---------------------------------------------------------------------------
# The cache
# ---------------------------------------------------------------------------


def test_a_good_result_comes_back_from_the_cache_in_full(store: StateStore) -> None:
    original = CheckResult(
        URL,
        Verdict.MOVED,
        status=200,
        final_url="https://example.test/new",
        redirects=(Hop(URL, 301), Hop("https://example.test/mid", 308)),
        title="A «title» with\nnewline",
        reason="200 OK",
        attempts=2,
        elapsed=1.5,
        missing_fragments=frozenset({"gone"}),
        content_type="text/html",
        reached=True,
        checked_at=T0,
    )
    request = CheckRequest(URL, frozenset({"intro", "gone"}))
    run(store, T0, original, requests=[request])
    fresh = store.fresh_results([request], max_age=DAY, jitter=0.1, now=T0 + HOUR)
    assert fresh == {URL: replace(original, from_cache=True, attempts=0, elapsed=0.0)}


def test_age_and_jitter_decide_freshness(store: StateStore) -> None:
    run(store, T0, ok())
    limit = effective_max_age(URL, DAY, 0.1)
    assert DAY * 0.9 <= limit <= DAY
    request = [CheckRequest(URL)]
    assert URL in store.fresh_results(request, max_age=DAY, jitter=0.1, now=T0 + limit - 1)
    assert store.fresh_results(request, max_age=DAY, jitter=0.1, now=T0 + limit + 1) == {}
    # A result from the future (the clock went back) is not trusted.
    assert store.fresh_results(request, max_age=DAY, jitter=0.1, now=T0 - 60) == {}
    assert store.fresh_results(request, max_age=0, jitter=0.1, now=T0) == {}


def test_jitter_is_stable_per_url_and_spreads_urls() -> None:
    ages = [effective_max_age(f"https://e.test/{i}", DAY, 0.1) for i in range(200)]
    assert ages == [effective_max_age(f"https://e.test/{i}", DAY, 0.1) for i in range(200)]
    assert all(DAY * 0.9 < age <= DAY for age in ages)
    assert len(set(ages)) == len(ages)
    assert max(ages) - min(ages) > DAY * 0.08
    assert effective_max_age(URL, DAY, 0.0) == DAY


def test_failures_are_never_reused_and_drop_the_cached_success(store: StateStore) -> None:
    other = "https://example.test/other"
    run(store, T0, ok(), failed(other, T0, Verdict.DEAD))
    run(store, T0 + HOUR, failed(URL, T0 + HOUR, Verdict.ERROR))
    requests = [CheckRequest(URL), CheckRequest(other)]
    assert store.fresh_results(requests, max_age=DAY, jitter=0.0, now=T0 + 2 * HOUR) == {}


def test_reuse_only_when_the_requested_fragments_were_checked(store: StateStore) -> None:
    result = ok(missing_fragments=frozenset({"b"}))
    run(store, T0, result, requests=[CheckRequest(URL, frozenset({"a", "b"}))])

    def fresh(*fragments: str) -> dict[str, CheckResult]:
        request = [CheckRequest(URL, frozenset(fragments))]
        return store.fresh_results(request, max_age=DAY, jitter=0.0, now=T0 + 1)

    assert fresh()[URL].missing_fragments == frozenset()
    assert fresh("a")[URL].missing_fragments == frozenset()
    assert fresh("a", "b")[URL].missing_fragments == {"b"}
    assert fresh("a", "c") == {}


def test_a_result_recorded_without_its_request_is_reused_only_without_fragments(
    store: StateStore,
) -> None:
    run(store, T0, ok())
    assert (
        store.fresh_results([CheckRequest(URL, frozenset({"x"}))], max_age=DAY, jitter=0, now=T0)
        == {}
    )


def test_a_cached_result_counts_as_a_success_but_keeps_its_age(store: StateStore) -> None:
    run(store, T0, failed())
    run(store, T0 + HOUR, ok(at=T0 + HOUR))
    cached = store.fresh_results([CheckRequest(URL)], max_age=DAY, jitter=0, now=T0 + 2 * HOUR)
    run(store, T0 + 2 * HOUR, cached[URL])
    entries = store.history(URL)
    assert [(e.verdict, e.from_cache, e.checked_at) for e in entries] == [
        (Verdict.OK, True, T0 + 2 * HOUR),
        (Verdict.OK, False, T0 + HOUR),
        (Verdict.TIMEOUT, False, T0),
    ]
    assert store.failing() == []
    # The cached copy did not renew the entry: it still expires a day after the real check.
    later = store.fresh_results([CheckRequest(URL)], max_age=DAY, jitter=0, now=T0 + HOUR + DAY)
    assert later == {}


def test_skipped_urls_are_neither_cached_nor_recorded(store: StateStore) -> None:
    run(store, T0, CheckResult("mailto:a@example.test", Verdict.SKIPPED))
    assert store.counts()["checks"] == 0
    assert store.history("mailto:a@example.test") == []


# ---------------------------------------------------------------------------
# History and citations
# ---------------------------------------------------------------------------


def test_observations_are_each_urls_checks_newest_first(store: StateStore) -> None:
    other = "https://other.test/"
    run(store, T0, failed(at=T0), ok(other, at=T0))
    run(store, T0 + DAY, failed(at=T0 + DAY, verdict=Verdict.ERROR))
    run(store, T0 + 2 * DAY, ok(at=T0 + 2 * DAY))
    assert store.observations([URL, other, "https://never.test/"]) == {
        URL: [
            Observation(T0 + 2 * DAY, Verdict.OK, "200 OK"),
            Observation(T0 + DAY, Verdict.ERROR, "error"),
            Observation(T0, Verdict.TIMEOUT, "timeout"),
        ],
        other: [Observation(T0, Verdict.OK, "200 OK")],
    }
    assert store.observations([]) == {}


def test_failing_lists_urls_whose_latest_check_failed(store: StateStore) -> None:
    a, b, c = "https://a.test/", "https://b.test/", "https://c.test/"
    for i in range(3):
        at = T0 + i * DAY
        run(store, at, failed(a, at), failed(b, at, Verdict.DEAD) if i else ok(b, at), ok(c, at))
    run(store, T0 + 3 * DAY, ok(a, T0 + 3 * DAY))  # a recovers; b was not checked
    assert store.failing() == [b]
    history = store.history(a, limit=2)
    assert history[0] == HistoryEntry(
        a, history[0].run_id, Verdict.OK, 200, "200 OK", T0 + 3 * DAY, False
    )
    assert [e.checked_at for e in history] == [T0 + 3 * DAY, T0 + 2 * DAY]
    store.clear()
    assert store.counts() == {"checks": 0, "runs": 0, "cache": 0, "citations": 0}
    assert store.failing() == []


def test_a_run_replaces_the_citations_of_the_posts_it_read_only(store: StateStore) -> None:
    a, b = "https://a.test/", "https://b.test/"
    run(store, T0, ok(a), ok(b), citations={"/blog/one.md": [a], "/blog/two.md": [a, b]})
    assert store.citing_posts([a, b]) == {a: ["/blog/one.md", "/blog/two.md"], b: ["/blog/two.md"]}
    # A run on one post: the other post still cites what it cited.
    run(store, T0 + DAY, ok(a), citations={"/blog/two.md": [a]})
    assert store.citing_posts([a, b]) == {a: ["/blog/one.md", "/blog/two.md"]}
    run(store, T0 + 2 * DAY, ok(a))  # no citations given: nothing changes
    assert store.citing_posts([b]) == {}
    assert store.citing_posts([]) == {}


def test_retention_keeps_the_file_bounded(path: Path, warnings: list[str]) -> None:
    keep = 5
    urls = [f"https://e.test/{i}" for i in range(30)]
    with StateStore.open(path, warn=warnings.append, history_keep=keep) as store:
        for n in range(100):
            at = T0 + n * HOUR
            verdict = Verdict.OK if n % 3 else Verdict.ERROR
            run(store, at, *(CheckResult(u, verdict, checked_at=at) for u in urls))
        counts = store.counts()
        assert len(store.history(urls[5], limit=100)) == keep
    assert counts["checks"] == keep * len(urls)
    assert counts["runs"] == keep
    assert counts["cache"] <= len(urls)
    assert path.stat().st_size < 256 * 1024


def test_json_round_trip_keeps_every_field() -> None:
    result = CheckResult(
        URL,
        Verdict.REDIRECTED,
        status=200,
        final_url="https://example.test/ñ",
        redirects=(Hop(URL, 302),),
        title='"Quoted" \u2028 title',
        reason="200 OK",
        attempts=3,
        elapsed=0.25,
        missing_fragments=frozenset({"x", "y"}),
        content_type="application/pdf",
        reached=True,
        checked_at=T0 + 0.5,
    )
    assert result_from_json(URL, result_to_json(result), from_cache=False) == result
    assert result_from_json(URL, result_to_json(result)) == replace(result, from_cache=True)
    for broken in (
        "",
        "[]",
        '{"verdict": "ok"}',
        result_to_json(result).replace("redirected", "nope"),
    ):
        assert result_from_json(URL, broken) is None


def test_a_tampered_cache_row_is_a_miss(store: StateStore, path: Path) -> None:
    run(store, T0, ok())
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE cache SET result = 'not json', fragments = '{}'")
    conn.close()
    assert store.fresh_results([CheckRequest(URL)], max_age=DAY, jitter=0, now=T0) == {}


def test_five_thousand_urls_per_run_are_fast(
    store: StateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [f"https://host{i % 250}.test/page/{i}" for i in range(5000)]
    requests = [CheckRequest(u) for u in urls]
    verdicts = (Verdict.OK, Verdict.MOVED, Verdict.TIMEOUT, Verdict.DEAD)
    timings = []
    for n in range(3):
        at = T0 + n * DAY
        started = time.perf_counter()
        fresh = store.fresh_results(requests, max_age=DAY, jitter=0.1, now=at)
        results = {
            u: fresh.get(u) or CheckResult(u, verdicts[(i + n) % 4], status=200, checked_at=at)
            for i, u in enumerate(urls)
        }
        store.record_run(results, started_at=at, finished_at=at + 60, requests=requests)
        seen = store.observations(urls)
        timings.append(time.perf_counter() - started)
        assert len(seen) == len(urls)
    with capsys.disabled():
        shown = ", ".join(f"{t:.3f}s" for t in timings)
        print(f"\nstate: 5000 URLs, fresh+record+observations per run: {shown}")
    assert max(timings) < 1.0


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


def test_a_text_file_is_moved_aside_and_replaced(path: Path, warnings: list[str]) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("this is not a database\n" * 100)
    with StateStore.open(path, warn=warnings.append) as store:
        assert store.enabled
        run(store, T0, ok())
    assert len(warnings) == 1
    assert "moved it to state.sqlite.corrupt-" in warnings[0]
    aside = list(path.parent.glob("state.sqlite.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text().startswith("this is not a database")
    assert integrity(path) == "ok"


def test_a_truncated_file_is_moved_aside(path: Path, warnings: list[str]) -> None:
    with StateStore.open(path, warn=warnings.append) as store:
        run(store, T0, *(ok(f"https://e.test/{i}", title="t" * 200) for i in range(2000)))
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)
    with StateStore.open(path, warn=warnings.append) as store:
        assert store.enabled
        assert store.counts()["checks"] == 0
    assert len(warnings) == 1
    assert "corrupt-" in warnings[0]


def test_a_foreign_sqlite_file_is_moved_aside(path: Path, warnings: list[str]) -> None:
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    with StateStore.open(path, warn=warnings.append) as store:
        assert store.enabled
    assert "not a linkcheck state file" in warnings[0]
    (aside,) = path.parent.glob("state.sqlite.corrupt-*")
    conn = sqlite3.connect(aside)
    assert conn.execute("SELECT body FROM notes").fetchone() == ("keep me",)
    conn.close()


def test_a_file_from_a_newer_version_is_left_alone(path: Path, warnings: list[str]) -> None:
    StateStore.open(path, warn=warnings.append).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    store = StateStore.open(path, warn=warnings.append)
    assert not store.enabled
    assert "newer linkcheck" in warnings[0]
    assert list(path.parent.glob("*.corrupt-*")) == []


def test_an_unwritable_location_runs_without_memory(tmp_path: Path, warnings: list[str]) -> None:
    # Tests run as root, where permissions do not stop writes: a parent that is a regular file
    # cannot become a directory, whoever asks.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with StateStore.open(blocker / "state.sqlite", warn=warnings.append) as store:
        assert not store.enabled
        assert run(store, T0, ok()) is None
        assert store.fresh_results([CheckRequest(URL)], max_age=DAY, jitter=0, now=T0) == {}
        assert store.observations([URL]) == {}
        assert store.history(URL) == []
        assert store.failing() == []
        store.clear()
    assert len(warnings) == 1
    assert "running without cache" in warnings[0]


def test_a_directory_in_place_of_the_file_runs_without_memory(
    path: Path, warnings: list[str]
) -> None:
    path.mkdir(parents=True)
    store = StateStore.open(path, warn=warnings.append)
    assert not store.enabled
    assert "cannot be used" in warnings[0]
    assert path.is_dir()


def test_a_database_error_mid_run_warns_once_and_carries_on(
    store: StateStore, path: Path, warnings: list[str]
) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE checks")
    conn.close()
    assert run(store, T0, ok()) is None
    assert not store.enabled
    assert store.observations([URL]) == {}
    assert len(warnings) == 1
    assert "continuing without cache" in warnings[0]


def _writer(path: str, name: str, runs: int, urls: int, start: Barrier) -> None:
    start.wait(PROCESS_TIMEOUT)  # both create the file at once, then write at once
    with StateStore.open(Path(path), warn=_raise) as store:
        for n in range(runs):
            at = T0 + n
            results = {
                f"https://{name}.test/{i}": CheckResult(
                    f"https://{name}.test/{i}", Verdict.OK, checked_at=at
                )
                for i in range(urls)
            }
            if store.record_run(results, started_at=at, finished_at=at) is None:
                raise RuntimeError("record_run failed")


def _endless_writer(path: str, inside: Event) -> None:
    with StateStore.open(Path(path), warn=_raise) as store:
        for n in range(100_000):
            at = T0 + n
            results = {
                f"https://k.test/{i}": CheckResult(
                    f"https://k.test/{i}", Verdict.ERROR, checked_at=at
                )
                for i in range(200)
            }
            store.record_run(results, started_at=at, finished_at=at)
            if n == 3:
                inside.set()


def _raise(message: str) -> None:
    raise RuntimeError(message)


def test_two_runs_at_once_both_finish(path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=_writer, args=(str(path), name, 15, 300, start))
        for name in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(PROCESS_TIMEOUT)
    assert [w.exitcode for w in workers] == [0, 0]
    assert integrity(path) == "ok"
    warnings: list[str] = []
    with StateStore.open(path, warn=warnings.append) as store:
        counts = store.counts()
    assert warnings == []
    assert counts["runs"] == 30
    assert counts["checks"] == 2 * 15 * 300
    assert counts["cache"] == 600


def test_a_run_killed_mid_write_leaves_a_valid_file(path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    inside = context.Event()
    writer = context.Process(target=_endless_writer, args=(str(path), inside))
    writer.start()
    try:
        assert inside.wait(PROCESS_TIMEOUT), "the writer never got going"
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.join(PROCESS_TIMEOUT)
    assert writer.exitcode == -signal.SIGKILL
    warnings: list[str] = []
    with StateStore.open(path, warn=warnings.append) as store:
        counts = store.counts()
        seen = store.observations(["https://k.test/0"])["https://k.test/0"]
    assert warnings == []
    assert integrity(path) == "ok"
    assert 4 <= counts["runs"] <= 20
    # Every committed run was recorded whole: no run holds part of its 200 checks.
    assert counts["checks"] == 200 * counts["runs"]
    assert len(seen) == counts["runs"]


def test_the_null_store_is_a_context_manager() -> None:
    with StateStore.null() as store:
        assert not store.enabled
        assert store.counts() == {}
    assert {f.name for f in fields(Observation)} == {"at", "verdict", "reason"}


def test_previous_titles_come_from_the_last_good_result_whatever_its_age(
    store: StateStore,
) -> None:
    other = "https://example.org/other"
    run(store, T0, ok(title="Carbon cost"), ok(other))
    assert store.previous_titles([URL, other, "https://example.org/never"]) == {URL: "Carbon cost"}
    assert store.previous_titles([]) == {}
    run(store, T0 + 10 * 86400, failed())
    assert store.previous_titles([URL]) == {}  # a failure forgets it


def test_previous_titles_without_a_file() -> None:
    assert StateStore.null().previous_titles([URL]) == {}


def test_a_version_1_file_is_migrated_and_keeps_its_checks(path: Path) -> None:
    from linkcheck.state import MIGRATIONS

    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO runs (id, started_at, finished_at) VALUES (1, ?, ?)", (T0, T0))
    conn.execute(
        "INSERT INTO checks (run_id, url, verdict, status, reason, checked_at)"
        " VALUES (1, ?, 'error', 503, '503 Service Unavailable', ?)",
        (URL, T0),
    )
    conn.execute("INSERT INTO streaks VALUES (?, 1, ?, ?, 'error', ?)", (URL, T0, T0, T0))
    conn.commit()
    conn.close()
    warnings: list[str] = []
    with StateStore.open(path, warn=warnings.append) as store:
        assert store.observations([URL]) == {
            URL: [Observation(T0, Verdict.ERROR, "503 Service Unavailable")]
        }
        assert store.counts() == {"checks": 1, "runs": 1, "cache": 0, "citations": 0}
    assert warnings == []
