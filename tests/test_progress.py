"""Feedback on long runs, with a fake clock: nothing here sleeps."""

from __future__ import annotations

import io
import threading

import pytest

from linkcheck.models import CheckResult, Verdict
from linkcheck.progress import (
    LOG_INTERVAL,
    SLOW_RUN_SECONDS,
    LogLines,
    Mode,
    Tracker,
    show_progress,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ok(url: str) -> CheckResult:
    return CheckResult(url, Verdict.OK, status=200)


def test_the_slowest_urls_in_flight_are_named() -> None:
    clock = Clock()
    tracker = Tracker(clock)
    tracker.plan(3)
    tracker.start("https://slow.example/hangs")
    clock.now += 30
    tracker.start("https://fast.example/a")
    tracker.start("https://other.example/b")
    clock.now += 2
    tracker.finish(ok("https://fast.example/a"))
    assert tracker.slowest(2) == [
        ("https://slow.example/hangs", 32.0),
        ("https://other.example/b", 2.0),
    ]
    assert tracker.status_line() == (
        "1/3 URLs checked, 2 in flight, 32 s; "
        "slowest: https://slow.example/hangs (32 s), https://other.example/b (2.0 s)"
    )


def test_without_a_terminal_a_line_every_interval() -> None:
    clock = Clock()
    out = io.StringIO()
    lines = LogLines(Tracker(clock), out)
    lines.on_plan(35)
    for index in range(34):
        lines.on_start(f"https://a.example/{index}")
        lines.on_result(ok(f"https://a.example/{index}"))
    lines.on_start("https://hang.example/x")
    assert not lines.tick()  # too early: short runs print nothing
    clock.now += LOG_INTERVAL
    assert lines.tick()
    assert not lines.tick()  # not again until the next interval
    clock.now += LOG_INTERVAL
    assert lines.tick()
    printed = out.getvalue().splitlines()
    assert printed == [
        "linkcheck: 34/35 URLs checked, 1 in flight, 10 s; slowest: https://hang.example/x (10 s)",
        "linkcheck: 34/35 URLs checked, 1 in flight, 20 s; slowest: https://hang.example/x (20 s)",
    ]


def test_a_long_run_ends_with_the_slowest_hosts() -> None:
    clock = Clock()
    out = io.StringIO()
    with show_progress(Mode.NO_PROGRESS, out, clock=clock) as observer:
        observer.on_plan(3)
        for url in ("https://slow.example/a", "https://slow.example/b", "https://quick.example/"):
            observer.on_start(url)
        clock.now += 1
        observer.on_result(ok("https://quick.example/"))
        clock.now += SLOW_RUN_SECONDS
        observer.on_result(ok("https://slow.example/a"))
        observer.on_result(ok("https://slow.example/b"))
    assert out.getvalue() == (
        "linkcheck: slowest hosts: slow.example 21 s (2 URLs), quick.example 1.0 s\n"
    )


def test_a_short_run_and_a_quiet_run_say_nothing() -> None:
    clock = Clock()
    out = io.StringIO()
    with show_progress(Mode.NO_PROGRESS, out, clock=clock) as observer:
        observer.on_plan(1)
        observer.on_start("https://a.example/")
        clock.now += 1
        observer.on_result(ok("https://a.example/"))
    with show_progress(Mode.QUIET, out, clock=clock) as observer:
        observer.on_plan(1)
        observer.on_start("https://a.example/")
        clock.now += 100
        observer.on_result(ok("https://a.example/"))
    assert out.getvalue() == ""


def test_verbose_names_each_url() -> None:
    clock = Clock()
    out = io.StringIO()
    with show_progress(Mode.VERBOSE, out, clock=clock) as observer:
        observer.on_start("https://a.example/\x1b[31m")
        clock.now += 0.25
        observer.on_result(CheckResult("https://a.example/\x1b[31m", Verdict.DEAD, status=404))
    assert out.getvalue() == "linkcheck: dead 404  https://a.example/  (0.2 s)\n"


def test_verbose_says_why_a_url_without_a_response_failed() -> None:
    clock = Clock()
    out = io.StringIO()
    with show_progress(Mode.VERBOSE, out, clock=clock) as observer:
        observer.on_start("https://gone.example/")
        reason = "host name not found: gone.example\x1b[2J"
        observer.on_result(CheckResult("https://gone.example/", Verdict.DEAD, reason=reason))
    assert out.getvalue() == (
        "linkcheck: dead (host name not found: gone.example)  https://gone.example/  (0.0 s)\n"
    )


def test_hostile_urls_are_escaped_in_progress_lines() -> None:
    clock = Clock()
    tracker = Tracker(clock)
    tracker.plan(1)
    tracker.start("https://a.example/\x1b]0;title\x07\nnext")
    assert "\x1b" not in tracker.status_line()
    assert "\n" not in tracker.status_line()


def test_no_thread_before_the_first_urls_are_planned() -> None:
    """Worker processes are forked only while the process has one thread: the progress
    lines' thread must not exist while the posts are being handed to them."""
    before = threading.active_count()
    out = io.StringIO()
    with show_progress(Mode.NORMAL, out) as observer:
        assert threading.active_count() == before
        observer.on_plan(3)
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


def test_the_terminal_bar_names_the_slowest_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    clock = Clock()
    out = io.StringIO()
    with show_progress(Mode.NORMAL, out, clock=clock) as observer:
        observer.on_plan(25)
        observer.on_start("https://slow.example/hangs")
        clock.now += 33
        observer.progress.refresh()  # type: ignore[attr-defined]
        observer.on_result(ok("https://slow.example/hangs"))
    assert "slowest: https://slow.example/hangs (33 s)" in out.getvalue()
