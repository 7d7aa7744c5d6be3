"""The CPU budget of one piece of work: it stops busy work, not waiting, and leaves no trace."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from linkcheck.budget import CpuBudget, OverBudget, bounded_here, cpu_budget

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


def busy_for(seconds: float) -> None:
    """Busy work of about ``seconds`` of this thread's CPU."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        busy(1000)


@NEEDS_TIMER
def test_pieces_under_their_budget_are_not_stopped_whatever_they_add_up_to() -> None:
    with CpuBudget(0.1) as budget:
        for _ in range(6):  # 0.36 s in all, more than three budgets
            with budget.piece():
                busy_for(0.06)


@NEEDS_TIMER
def test_a_piece_over_its_budget_is_stopped_and_the_next_one_has_a_whole_budget() -> None:
    outcomes: list[str] = []
    with CpuBudget(0.1) as budget:
        for work in (0.06, None, 0.06, None):
            started = time.thread_time()
            try:
                with budget.piece():
                    if work is None:
                        busy()
                    else:
                        busy_for(work)
                outcomes.append("done")
            except OverBudget:
                used = time.thread_time() - started
                assert 0.1 <= used < 2
                outcomes.append("stopped")
        busy_for(0.15)  # between pieces: nothing to stop
    assert outcomes == ["done", "stopped", "done", "stopped"]


@NEEDS_TIMER
def test_a_budget_for_many_pieces_puts_the_timer_and_handler_back() -> None:
    before = signal.getsignal(signal.SIGPROF)
    with CpuBudget(0.05) as budget, pytest.raises(OverBudget), budget.piece():
        busy()
    assert signal.getsignal(signal.SIGPROF) == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
