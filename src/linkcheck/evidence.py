"""Judging over time: whether a URL's failure is an error, from its recorded history.

Pure functions, no I/O. One run's verdict says what that run saw; this module weighs what
the history knows before a failure becomes an error (a claim that the source is broken and
the author must act):

* the kind of failure (``failure_kind``): a page that is gone (404, 410, a host name that
  does not exist), a host where nothing answers (connection refused, DNS lookup failed), a
  server in trouble (5xx, timeouts, resets, TLS), or a site that refuses robots (401, 403,
  429, 999, challenge pages);
* how long it has lasted, in runs AND in days (``Observation`` rows of the state file);
* how the URL behaved before: its failure rate before the current streak. A URL that flaps
  needs a longer streak, so that chance alone would rarely produce it.

The thresholds live in one table (``Policy``, built from the settings). The README section
"How failures are judged" describes the same rules for users.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from linkcheck.models import UNREACHABLE_REASONS, Persistence, Verdict

SECONDS_PER_DAY: Final = 86400.0
MAX_REQUIRED_RUNS: Final = 1000
"""A bound for the search of the runs a flapping URL needs (never reached in practice)."""


class FailureKind(StrEnum):
    """What kind of failure one check saw."""

    GONE = "gone"
    """404, 410, another definitive 4xx, a host name that does not exist: dead at once."""
    UNREACHABLE = "unreachable"
    """Nothing answers at that name: the connection is refused or the name does not resolve."""
    SERVER = "server"
    """The server is in trouble: 5xx, timeouts, resets, TLS failures, redirect loops."""
    BLOCKED = "blocked"
    """The site refuses automated clients (401, 403, 429, 999, a challenge page)."""


def failure_kind(verdict: Verdict, reason: str) -> FailureKind | None:
    """The kind of a failing check (None for a success or a skipped URL)."""
    if verdict is Verdict.DEAD:
        return FailureKind.GONE
    if verdict is Verdict.BLOCKED:
        return FailureKind.BLOCKED
    if verdict is Verdict.ERROR and reason in UNREACHABLE_REASONS:
        return FailureKind.UNREACHABLE
    if verdict.is_failure:
        return FailureKind.SERVER
    return None


@dataclass(frozen=True, slots=True)
class Observation:
    """One recorded check of a URL (one run)."""

    at: float
    """Unix time of the check."""
    verdict: Verdict
    reason: str = ""

    @property
    def kind(self) -> FailureKind | None:
        return failure_kind(self.verdict, self.reason)


@dataclass(frozen=True, slots=True)
class Threshold:
    """How much evidence makes a failure of one kind an error."""

    runs: int
    """Consecutive failing runs, at least."""
    days: float
    """Days from the first to the latest failure of the streak, at least."""


@dataclass(frozen=True, slots=True)
class Policy:
    """The thresholds of the judgement (settings ``error-after-*``, ``count-blocked``...)."""

    server: Threshold = Threshold(runs=5, days=25.0)
    """5xx, timeouts, resets of a URL with a clean record: 5 weekly runs over 4 weeks (25 days
    leave the schedule some slack). An outage of up to 4 weeks is not an error."""
    unreachable: Threshold = Threshold(runs=2, days=6.0)
    """Refused connections, names that do not resolve: 2 weekly runs."""
    chance: float = 0.00001
    """A URL that failed before must fail so many runs in a row that its own past failure
    rate ``p`` would produce the streak by chance at most this often (``p ** runs <=
    chance``): a URL that flaps one week in three needs 10 to 12 weekly runs, not 5, and one
    that failed once in twenty weeks still 5. (At 1 in 10,000, streaks after a flapping
    URL's first recovery made errors in 0.8 % of its years at one week in three; now 0.2 %.)"""
    count_blocked: bool = False
    """Judge a site that refuses robots like a server error (by default it never is one)."""


DEFAULT_POLICY: Final = Policy()

_BROKEN: Final = frozenset({FailureKind.GONE, FailureKind.UNREACHABLE, FailureKind.SERVER})
"""Kinds that say the source is in trouble (a refusal of robots says nothing about it)."""


def assess(history: Sequence[Observation], policy: Policy = DEFAULT_POLICY) -> Persistence | None:
    """Whether the URL's latest failure is an error, and since when it has lasted.

    ``history`` is the URL's recorded checks, newest first; runs without network are never
    recorded, so they neither extend nor break a streak. None when the latest check is not
    a failure.
    """
    kind = history[0].kind if history else None
    if kind is None:
        return None
    streak = current_streak(history)
    error = _is_error(kind, history, streak, policy)
    return Persistence(error, describe(kind, streak))


def current_streak(history: Sequence[Observation]) -> list[Observation]:
    """The latest failures of the latest failure's family, newest first (empty after a
    success): refusals of robots on their own, every other kind of trouble together."""
    kind = history[0].kind if history else None
    if kind is None:
        return []
    return _streak(history, {FailureKind.BLOCKED} if kind is FailureKind.BLOCKED else _BROKEN)


def _streak(
    history: Sequence[Observation], family: set[FailureKind] | frozenset[FailureKind]
) -> list[Observation]:
    """The newest observations whose kind is in ``family``, newest first."""
    streak: list[Observation] = []
    for observation in history:
        if observation.kind not in family:
            break
        streak.append(observation)
    return streak


def _is_error(
    kind: FailureKind,
    history: Sequence[Observation],
    streak: Sequence[Observation],
    policy: Policy,
) -> bool:
    if kind is FailureKind.GONE:
        return True
    if kind is FailureKind.BLOCKED and not policy.count_blocked:
        return False
    if kind is FailureKind.UNREACHABLE and not _came_back_from_unreachable(history):
        refusing = _streak(history, {FailureKind.UNREACHABLE})
        return _meets(refusing, policy.unreachable.runs, policy.unreachable.days)
    return _meets(streak, server_runs(history[len(streak) :], policy), policy.server.days)


def server_runs(before: Sequence[Observation], policy: Policy = DEFAULT_POLICY) -> int:
    """The failing runs in a row that make a server error an error, given the URL's checks
    ``before`` the current streak (refusals of robots left out: they say nothing about it).

    A clean record (no failure, or no history yet) needs ``server.runs``. A URL that failed
    before needs the streak its own failure rate, estimated as ``(failures + 1) / (checks +
    2)``, would produce by chance at most ``chance`` of the time.
    """
    counted = [o for o in before if o.kind is not FailureKind.BLOCKED]
    failures = sum(1 for o in counted if o.kind is not None)
    if failures == 0:
        return policy.server.runs
    rate = (failures + 1) / (len(counted) + 2)
    return max(policy.server.runs, required_runs(rate, policy.chance))


def _came_back_from_unreachable(history: Sequence[Observation]) -> bool:
    """Whether the URL once answered again after nothing answered at its name.

    Such a host is not gone when it stops answering: it is judged like a server error.
    """
    answered_later = False
    for observation in history:  # newest first
        kind = observation.kind
        if kind is None:
            answered_later = True
        elif kind is FailureKind.UNREACHABLE and answered_later:
            return True
    return False


def _meets(streak: Sequence[Observation], runs: int, days: float) -> bool:
    if len(streak) < runs:
        return False
    span = streak[0].at - streak[-1].at
    return span >= days * SECONDS_PER_DAY


def required_runs(rate: float, chance: float) -> int:
    """The fewest consecutive failures that a URL failing at ``rate`` produces by chance at
    most ``chance`` of the time (``rate ** runs <= chance``)."""
    if rate <= 0.0 or rate <= chance:
        return 1
    if rate >= 1.0 or chance <= 0.0:
        return MAX_REQUIRED_RUNS
    return min(MAX_REQUIRED_RUNS, max(1, math.ceil(math.log(chance) / math.log(rate) - 1e-9)))


def describe(kind: FailureKind, streak: Sequence[Observation]) -> str:
    """``"failing since 2026-11-02 (3 runs)"``, or for a site that refuses robots
    ``"refusing automated clients since 2026-11-02 (3 runs)"`` (dates in UTC)."""
    if not streak:
        return ""
    day = time.strftime("%Y-%m-%d", time.gmtime(streak[-1].at))
    count = len(streak)
    runs = "run" if count == 1 else "runs"
    what = "refusing automated clients" if kind is FailureKind.BLOCKED else "failing"
    return f"{what} since {day} ({count} {runs})"
