"""Feedback while a run checks URLs: what is done, what is in flight, what is slow.

``Tracker`` keeps the counts and the URLs in flight (any clock, so tests need no sleep).
On a terminal a rich progress bar names the slowest URLs still in flight; elsewhere (CI
logs, pipes) ``LogLines`` writes one line every ``LOG_INTERVAL`` seconds once a run takes
that long, so a log shows that the run is alive and what it waits for. After a long run
one line names the slowest hosts.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, TextIO

from linkcheck.models import CheckResult
from linkcheck.report.escape import shorten, terminal_safe
from linkcheck.sources import host_of

Clock = Callable[[], float]

PROGRESS_MIN_URLS = 20
"""The terminal bar is shown only for runs with at least this many URLs to fetch."""
LOG_INTERVAL = 10.0
"""Seconds between two progress lines without a terminal."""
SLOWEST_SHOWN = 3
"""URLs (and hosts) named as the slowest."""
SLOW_RUN_SECONDS = 20.0
"""A run that took at least this long ends with a line naming its slowest hosts."""
URL_CHARS = 60
"""A URL named in a progress line is shortened to this many characters."""
FORCE_TERMINAL_ENV = "FORCE_COLOR"
"""Set, it lets rich decide whether stderr is a terminal (it honours FORCE_COLOR and
TTY_COMPATIBLE); otherwise a non-terminal stderr gets log lines without loading rich."""


class Mode(Enum):
    """How much a run says on stderr while it works."""

    QUIET = "quiet"
    """Nothing but errors."""
    NORMAL = "normal"
    """A progress bar on a terminal, a line every few seconds elsewhere."""
    NO_PROGRESS = "no-progress"
    """No progress display; warnings and the slowest hosts still shown."""
    VERBOSE = "verbose"
    """One line per checked URL (its verdict and time) instead of a progress display."""


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def _short(url: str) -> str:
    return shorten(terminal_safe(url), URL_CHARS)


@dataclass(frozen=True, slots=True)
class HostTime:
    """The longest check of one host's URLs, and how many of its URLs were checked."""

    host: str
    longest: float
    urls: int


class Tracker:
    """Counts of a run's URLs and the ones in flight. Safe to read from another thread."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.total = 0
        self.done = 0
        self._in_flight: dict[str, float] = {}
        self._hosts: dict[str, HostTime] = {}
        self._lock = threading.Lock()

    def plan(self, total: int) -> None:
        self.total = total

    def start(self, url: str) -> None:
        with self._lock:
            self._in_flight[url] = self.clock()

    def finish(self, result: CheckResult) -> float:
        """Count ``result``; the seconds its URL was in flight."""
        now = self.clock()
        with self._lock:
            began = self._in_flight.pop(result.url, now)
            self.done += 1
            took = now - began
            host = host_of(result.url) or result.url
            known = self._hosts.get(host)
            if known is None:
                self._hosts[host] = HostTime(host, took, 1)
            else:
                self._hosts[host] = HostTime(host, max(known.longest, took), known.urls + 1)
        return took

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def slowest(self, count: int = SLOWEST_SHOWN) -> list[tuple[str, float]]:
        """The URLs in flight longest, with their seconds so far."""
        now = self.clock()
        with self._lock:
            items = sorted(self._in_flight.items(), key=lambda item: item[1])[:count]
        return [(url, now - began) for url, began in items]

    def slowest_hosts(self, count: int = SLOWEST_SHOWN) -> list[HostTime]:
        with self._lock:
            hosts = sorted(self._hosts.values(), key=lambda h: (-h.longest, h.host))
        return hosts[:count]

    def elapsed(self) -> float:
        return self.clock() - self.started

    def describe_slowest(self) -> str:
        """``slowest: example.org/a (32 s), …`` or an empty string."""
        slow = self.slowest()
        if not slow:
            return ""
        return "slowest: " + ", ".join(f"{_short(url)} ({_seconds(s)})" for url, s in slow)

    def status_line(self) -> str:
        """``120/350 URLs checked, 64 in flight, 12 s; slowest: …``."""
        total = max(self.total, self.done)
        line = (
            f"{self.done}/{total} URLs checked, {self.in_flight} in flight, "
            f"{_seconds(self.elapsed())}"
        )
        slowest = self.describe_slowest()
        return f"{line}; {slowest}" if slowest else line

    def hosts_line(self) -> str:
        """``slowest hosts: a.example 46 s (2 URLs), …``."""
        parts = [
            f"{terminal_safe(h.host)} {_seconds(h.longest)}"
            + (f" ({h.urls} URLs)" if h.urls > 1 else "")
            for h in self.slowest_hosts()
        ]
        return "slowest hosts: " + ", ".join(parts)


class Observer:
    """The callbacks a run calls; what they show depends on the display behind them."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def on_plan(self, total: int) -> None:
        self.tracker.plan(total)

    def on_start(self, url: str) -> None:
        self.tracker.start(url)

    def on_result(self, result: CheckResult) -> None:
        self.tracker.finish(result)


class LogLines(Observer):
    """Without a terminal: a status line on ``out`` every ``interval`` seconds of the run.

    ``tick`` writes the line when it is due; a background thread calls it, or a test calls
    it with a fake clock. The thread starts with the first planned URLs, not before: worker
    processes that extract posts are forked only while the process has a single thread.
    """

    def __init__(self, tracker: Tracker, out: TextIO, interval: float = LOG_INTERVAL) -> None:
        super().__init__(tracker)
        self.out = out
        self.interval = interval
        self._next = tracker.started + interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_plan(self, total: int) -> None:
        super().on_plan(total)
        if self._thread is None and not self._stop.is_set():
            self.start()

    def tick(self) -> bool:
        """Write the status line if it is due; whether it was written."""
        now = self.tracker.clock()
        if now < self._next or self.tracker.total == 0:
            return False
        self._next = now + self.interval
        self.out.write(f"linkcheck: {self.tracker.status_line()}\n")
        self.out.flush()
        return True

    def start(self, poll: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.wait(poll):
                self.tick()

        self._thread = threading.Thread(target=loop, name="linkcheck-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class Verbose(Observer):
    """One line per finished URL: its verdict, status (or, without a response, the reason:
    a run whose network is down shows why every URL failed) and time."""

    def __init__(self, tracker: Tracker, out: TextIO) -> None:
        super().__init__(tracker)
        self.out = out

    def on_result(self, result: CheckResult) -> None:
        took = self.tracker.finish(result)
        status = f" {result.status}" if result.status is not None else ""
        if result.status is None and result.reason:
            status = f" ({terminal_safe(result.reason)})"
        self.out.write(
            f"linkcheck: {result.verdict.value}{status}  {terminal_safe(result.url)}"
            f"  ({_seconds(took)})\n"
        )


class _Bar(Observer):
    """A rich progress bar that names the slowest URLs in flight."""

    def __init__(self, tracker: Tracker, progress: Any, task: Any) -> None:
        super().__init__(tracker)
        self.progress = progress
        self.task = task

    def on_plan(self, total: int) -> None:
        super().on_plan(total)
        if total >= PROGRESS_MIN_URLS:
            self.progress.update(self.task, total=total)
            self.progress.start()

    def on_result(self, result: CheckResult) -> None:
        super().on_result(result)
        self.progress.advance(self.task)


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or bool(os.environ.get(FORCE_TERMINAL_ENV))


@contextmanager
def _terminal_bar(tracker: Tracker, stream: TextIO) -> Iterator[Observer | None]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    console = Console(file=stream)
    if not console.is_terminal:
        yield None
        return

    class SlowestColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            del task
            return Text(tracker.describe_slowest(), style="dim", overflow="ellipsis", no_wrap=True)

    progress = Progress(
        "checking",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        SlowestColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("checking", total=None)
    try:
        yield _Bar(tracker, progress, task)
    finally:
        progress.stop()


@contextmanager
def show_progress(
    mode: Mode, stream: TextIO | None = None, *, clock: Clock = time.monotonic
) -> Iterator[Observer]:
    """The observer for a run in ``mode``; after a long run, a line on the slowest hosts."""
    out = stream if stream is not None else sys.stderr
    tracker = Tracker(clock)
    with _observer(mode, tracker, out) as observer:
        yield observer
    if mode is not Mode.QUIET and tracker.done and tracker.elapsed() >= SLOW_RUN_SECONDS:
        out.write(f"linkcheck: {tracker.hosts_line()}\n")


@contextmanager
def _observer(mode: Mode, tracker: Tracker, out: TextIO) -> Iterator[Observer]:
    if mode is Mode.VERBOSE:
        yield Verbose(tracker, out)
    elif mode is Mode.NORMAL and is_terminal(out):
        with _terminal_bar(tracker, out) as bar:
            yield bar if bar is not None else Observer(tracker)
    elif mode is Mode.NORMAL:
        lines = LogLines(tracker, out)
        try:
            yield lines
        finally:
            lines.stop()
    else:
        yield Observer(tracker)
