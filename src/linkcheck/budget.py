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


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Run the ``with`` block on at most ``seconds`` of this thread's CPU time, else raise
    ``OverBudget`` in it. ``0`` (or a thread ``bounded_here`` refuses) sets no bound."""
    if seconds <= 0 or not bounded_here():
        yield
        return
    deadline = time.thread_time() + seconds

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        if time.thread_time() >= deadline:
            raise OverBudget(seconds)

    previous = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds, RECHECK_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous if previous is not None else signal.SIG_DFL)
