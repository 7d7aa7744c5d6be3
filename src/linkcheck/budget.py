"""A bound on the CPU time of one piece of work (reading one post and extracting its links).

The parsers are linear in their input, but text written to defeat them can make the constant
large: markdown-it reads a post of ``[`` at about 25 µs a character, so an 8 MiB post of them
would take minutes. ``cpu_budget`` stops such work with ``OverBudget`` once it has used its
CPU seconds (of the calling thread: time spent waiting for the disk does not count).

The bound is kept by the profiling timer (``SIGPROF``), whose handler Python runs on the main
thread, so it holds only there and where ``setitimer`` exists (not on Windows); anywhere else
the work runs unbounded.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

RECHECK_SECONDS = 0.05
"""After the first alarm, how often the timer fires again: the budget is measured in the
calling thread's own CPU time (the process's may include other threads'), and work that
swallowed ``OverBudget`` is stopped again."""


class OverBudget(Exception):
    """The work used more than its CPU seconds."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"more than {seconds:g} s of CPU")
        self.seconds = seconds


def bounded_here() -> bool:
    """Whether ``cpu_budget`` can bound work run on the calling thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class CpuBudget:
    """The same CPU bound for many pieces of work done in turn on one thread (``piece``).

    The timer and its handler are set once, when the ``with`` block starts, not once per
    piece: a piece costs a clock reading. The first alarm comes after ``seconds`` of the
    process's CPU, later ones every ``RECHECK_SECONDS``; each stops the piece under way if it
    has used its ``seconds`` (a piece that started late is stopped at a later alarm).
    """

    __slots__ = ("_armed", "_deadline", "_previous", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadline: float | None = None
        self._armed = False
        self._previous: Any = None

    def __enter__(self) -> CpuBudget:
        self._armed = self.seconds > 0 and bounded_here()
        if self._armed:
            self._previous = signal.signal(signal.SIGPROF, self._on_alarm)
            signal.setitimer(signal.ITIMER_PROF, self.seconds, RECHECK_SECONDS)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._deadline = None
        if self._armed:
            self._armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)
            previous = self._previous
            signal.signal(signal.SIGPROF, previous if previous is not None else signal.SIG_DFL)

    def _on_alarm(self, _signum: int, _frame: FrameType | None) -> None:
        deadline = self._deadline
        if deadline is not None and time.thread_time() >= deadline:
            raise OverBudget(self.seconds)

    def piece(self) -> _Piece:
        """A ``with`` block that is one piece of work: ``OverBudget`` is raised in it once it
        has used ``seconds`` of this thread's CPU."""
        return _Piece(self)


class _Piece:
    __slots__ = ("_budget",)

    def __init__(self, budget: CpuBudget) -> None:
        self._budget = budget

    def __enter__(self) -> None:
        budget = self._budget
        if budget._armed:
            budget._deadline = time.thread_time() + budget.seconds

    def __exit__(self, *exc_info: object) -> None:
        self._budget._deadline = None


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Run the ``with`` block on at most ``seconds`` of this thread's CPU time, else raise
    ``OverBudget`` in it. ``0`` (or a thread ``bounded_here`` refuses) sets no bound."""
    with CpuBudget(seconds) as budget, budget.piece():
        yield
