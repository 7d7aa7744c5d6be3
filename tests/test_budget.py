"""The CPU budget of one piece of work: it stops busy work, not waiting, and leaves no trace."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from linkcheck.budget import OverBudget, bounded_here, cpu_budget

NEEDS_TIMER = pytest.mark.skipif(not bounded_here(), reason="no profiling timer here")
BUSY_STEPS = 10**10
"""Far more steps than any budget below allows (a loop that must be stopped, yet bounded)."""


def busy(steps: int = BUSY_STEPS) -> int:
    total = 0
    for step in range(steps):
        total += step
    return total


@NEEDS_TIMER
def test_busy_work_is_stopped_soon_after_its_budget() -> None:
    started = time.thread_time()
    with pytest.raises(OverBudget, match=r"more than 0\.2 s of CPU"), cpu_budget(0.2):
        busy()
    used = time.thread_time() - started
    assert 0.2 <= used < 2


@NEEDS_TIMER
def test_waiting_does_not_count() -> None:
    with cpu_budget(0.05):
        threading.Event().wait(0.2)  # no CPU used: the block ends normally


@NEEDS_TIMER
def test_work_that_swallows_the_stop_is_stopped_again() -> None:
    stops = 0
    with cpu_budget(0.1):
        for _ in range(3):
            try:
                busy()
            except OverBudget:
                stops += 1
    assert stops == 3


@NEEDS_TIMER
def test_the_timer_and_handler_are_put_back() -> None:
    before = signal.getsignal(signal.SIGPROF)
    with cpu_budget(1):
        busy(1000)
    assert signal.getsignal(signal.SIGPROF) == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    with pytest.raises(OverBudget), cpu_budget(0.05):
        busy()
    assert signal.getsignal(signal.SIGPROF) == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_no_budget_sets_no_timer() -> None:
    with cpu_budget(0):
        busy(1000)
        if hasattr(signal, "getitimer"):
            assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_other_threads_are_not_bounded() -> None:
    outcome: list[object] = []

    def work() -> None:
        assert not bounded_here()
        with cpu_budget(0.01):
            outcome.append(busy(200_000))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert outcome == [busy(200_000)]
