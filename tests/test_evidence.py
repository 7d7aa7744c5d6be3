"""Judging over time: the kind of failure, runs and days, and the URL's past."""

from __future__ import annotations

import random

import pytest

from linkcheck.evidence import (
    DEFAULT_POLICY,
    FailureKind,
    Observation,
    Policy,
    Threshold,
    assess,
    describe,
    failure_kind,
    required_runs,
    server_runs,
)
from linkcheck.models import Persistence, Verdict

T0 = 1_800_000_000.0
"""2027-01-15T08:00:00Z, the first run of every timeline below."""
DAY = 86400.0
WEEK = 7 * DAY

OK = "."
SERVER = "s"  # 503
RESET = "r"  # connection reset
HANG = "t"  # timeout
REFUSED = "u"  # connection refused
NO_NAME = "n"  # DNS lookup failed
SERVFAIL = "a"  # DNS lookup failed (temporary): the name's servers no longer answer
GONE = "g"  # 404
BLOCKED = "b"  # 403 challenge

_CHECKS = {
    OK: (Verdict.OK, "200 OK"),
    SERVER: (Verdict.ERROR, "503 Service Unavailable"),
    RESET: (Verdict.ERROR, "connection reset by peer"),
    HANG: (Verdict.TIMEOUT, "read timeout"),
    REFUSED: (Verdict.ERROR, "connection refused"),
    NO_NAME: (Verdict.ERROR, "DNS lookup failed"),
    SERVFAIL: (Verdict.ERROR, "DNS lookup failed (temporary)"),
    GONE: (Verdict.DEAD, "404 Not Found"),
    BLOCKED: (Verdict.BLOCKED, "bot challenge (403 Forbidden)"),
}


def timeline(weeks: str, *, every: float = WEEK) -> list[Observation]:
    """One check per character, oldest first, ``every`` seconds apart; returned newest first."""
    checks = [Observation(T0 + i * every, *_CHECKS[c]) for i, c in enumerate(weeks)]
    return checks[::-1]


def first_error(weeks: str, policy: Policy = DEFAULT_POLICY, *, every: float = WEEK) -> int | None:
    """The 1-based run at which the timeline first makes an error (None: never)."""
    for end in range(1, len(weeks) + 1):
        judged = assess(timeline(weeks[:end], every=every), policy)
        if judged is not None and judged.escalate:
            return end
    return None


@pytest.mark.parametrize(
    ("verdict", "reason", "kind"),
    [
        (Verdict.DEAD, "404 Not Found", FailureKind.GONE),
        (Verdict.DEAD, "host name not found: gone.test", FailureKind.GONE),
        (Verdict.ERROR, "connection refused", FailureKind.UNREACHABLE),
        (Verdict.ERROR, "DNS lookup failed", FailureKind.UNREACHABLE),
        (Verdict.ERROR, "DNS lookup failed (temporary)", FailureKind.UNREACHABLE),
        (Verdict.ERROR, "connection reset by peer", FailureKind.SERVER),
        (Verdict.ERROR, "503 Service Unavailable", FailureKind.SERVER),
        (Verdict.TIMEOUT, "read timeout", FailureKind.SERVER),
        (Verdict.BLOCKED, "429 Too Many Requests", FailureKind.BLOCKED),
        (Verdict.OK, "200 OK", None),
        (Verdict.MOVED, "301", None),
        (Verdict.SKIPPED, "excluded", None),
    ],
)
def test_failure_kinds(verdict: Verdict, reason: str, kind: FailureKind | None) -> None:
    assert failure_kind(verdict, reason) is kind


# (timeline oldest first, the run that first makes an error or None)
CASES = [
    # A 404 is an error in the first run.
    ("g", 1),
    ("...........g", 12),
    # A host that refuses every connection, or whose name does not resolve: the second run.
    ("u", None),
    ("uu", 2),
    ("......nn", 8),
    ("......aa", 8),
    ("..s..s..s..uu", 13),  # a flapping server that then disappears is still reported at once
    # ... unless it came back from refusing before: then it is judged like a server error.
    ("..u....uu", None),
    ("..u......uuuuuuu", 16),
    # A server error that never ends, on a URL with a clean record: 5 runs over 4 weeks.
    ("............sssss", 17),
    ("............rrttt", 17),
    ("sssss", 5),
    ("...sssss", 8),
    # Outages of one to four weeks are not errors.
    ("....s....ss....sss....ssss....", None),
    # A URL that failed before needs a streak its own failure rate rarely produces.
    ("..s..s..s..s..s..ssssss", None),
    ("..s..s..s..s..s..ssssssssssss", 27),  # 6/19 ~ 0.32: 10 runs
    # Robots refused: never an error, however long.
    ("b" * 52, None),
    ("....bbbb.bbbbbbb", None),
]


@pytest.mark.parametrize(("weeks", "expected"), CASES)
def test_when_a_weekly_timeline_becomes_an_error(weeks: str, expected: int | None) -> None:
    assert first_error(weeks) == expected


def test_runs_alone_are_not_enough_the_days_must_pass_too() -> None:
    hourly = HOUR = 3600.0
    assert first_error("uuuuuu", every=hourly) is None
    assert first_error("ssssssssss", every=HOUR) is None
    # Daily runs: 25 days of a failing server, 6 days of a refusing host.
    assert first_error("............" + "s" * 30, every=DAY) == 12 + 26
    assert first_error("u" * 10, every=DAY) == 7


def test_count_blocked_judges_refusals_like_server_errors() -> None:
    counting = Policy(count_blocked=True)
    assert first_error("............bbbbb", counting) == 17
    assert first_error("bbbbb", counting) == 5


def test_thresholds_come_from_the_policy() -> None:
    daily = Policy(server=Threshold(runs=10, days=14.0), unreachable=Threshold(3, 2.0))
    assert first_error("............" + "s" * 20, daily, every=DAY) == 12 + 15
    assert first_error("uuuu", daily, every=DAY) == 3


def test_a_mixed_streak_counts_every_kind_of_trouble_but_not_refusals_of_robots() -> None:
    assert first_error("............sutrs") == 17
    # A refusal of robots breaks a streak of server errors, and the other way round.
    assert first_error("............ssbss") is None


@pytest.mark.parametrize(
    ("weeks", "described"),
    [
        ("..ss", Persistence(False, "failing since 2027-01-29 (2 runs)")),
        ("g", Persistence(True, "failing since 2027-01-15 (1 run)")),
        ("s.bbb", Persistence(False, "refusing automated clients since 2027-01-29 (3 runs)")),
        ("bbsu", Persistence(False, "failing since 2027-01-29 (2 runs)")),
    ],
)
def test_descriptions(weeks: str, described: Persistence) -> None:
    assert assess(timeline(weeks)) == described


def test_nothing_to_say_about_a_success_or_an_empty_history() -> None:
    assert assess(timeline("ss.")) is None
    assert assess([]) is None
    assert describe(FailureKind.SERVER, []) == ""


@pytest.mark.parametrize(
    ("rate", "chance", "runs"),
    [(0.0, 1e-4, 1), (0.1, 1e-4, 4), (0.3, 1e-4, 8), (0.5, 1e-4, 14), (1.0, 1e-4, 1000)],
)
def test_required_runs(rate: float, chance: float, runs: int) -> None:
    assert required_runs(rate, chance) == runs


def test_server_runs_weigh_the_past() -> None:
    assert server_runs(timeline("." * 12)) == 5
    assert server_runs(timeline("")) == 5
    assert server_runs(timeline("s" + "." * 20)) == 5  # one old blip: (1+1)/(21+2) ~ 0.09
    assert server_runs(timeline("s" + "." * 5)) == 9  # a recent one: 2/8 = 0.25
    assert server_runs(timeline("..s..s..s..s")) == 12  # (4+1)/(12+2): 1 week in 3
    assert server_runs(timeline("ssbbbb" + "." * 30)) == 5  # robots refused say nothing


@pytest.mark.parametrize(("rate", "at_most"), [(0.1, 0.005), (0.2, 0.01), (0.33, 0.025)])
def test_flapping_urls_are_rarely_errors(rate: float, at_most: float) -> None:
    """A year of weekly runs of 400 URLs that each fail at ``rate`` (seeded).

    What remains is mostly a flapping URL's first streak: before it has recovered once, it
    looks like a URL with a clean record, and 5 failures in a row come ``rate ** 4`` of the
    time once its first failure came (1.2 % at one week in three). Every later streak is
    weighed against the URL's own failure rate.
    """
    rng = random.Random(12)
    years = 400
    errors = 0
    for _ in range(years):
        weeks = "".join(SERVER if rng.random() < rate else OK for _ in range(52))
        errors += first_error(weeks) is not None
    assert errors <= years * at_most


# ---------------------------------------------------------------------------
# Worlds of the same shape as the year simulation, drawn differently (seeded)
# ---------------------------------------------------------------------------

SERVER_FAILURES = (SERVER, RESET, HANG)


def _flapping_year(rng: random.Random, rate: float, weeks: int = 52) -> str:
    return "".join(rng.choice(SERVER_FAILURES) if rng.random() < rate else OK for _ in range(weeks))


def test_outages_of_one_to_four_weeks_are_never_errors_whatever_their_kind() -> None:
    rng = random.Random(4)
    for _ in range(300):
        before = _flapping_year(rng, rng.choice((0.0, 0.1, 0.3)), rng.randrange(0, 30))
        if _longest_streak(before) >= DEFAULT_POLICY.server.runs:
            continue  # a streak as long as a server error that never ends: not an outage
        outage = "".join(rng.choice(SERVER_FAILURES) for _ in range(rng.randrange(1, 5)))
        weeks = before + OK + outage + OK * rng.randrange(1, 10)
        assert first_error(weeks) is None, weeks


def test_an_outage_around_a_week_without_network_is_still_four_runs() -> None:
    """The week without network is not recorded: a four-week outage around it spans 35 days,
    still four failing runs: no error. The fifth failing run makes one."""
    runs = [0, 1, 2, 3, 5, 6, 7, 8]  # week 4 had no network
    weeks = "..ss" + "ss.."
    history = [Observation(T0 + w * WEEK, *_CHECKS[c]) for w, c in zip(runs, weeks, strict=True)]
    assert all(
        not (judged := assess(history[: end + 1][::-1])) or not judged.escalate
        for end in range(len(history))
    )
    longer = [*history[:6], Observation(T0 + 7 * WEEK, *_CHECKS[SERVER])][::-1]
    judged = assess(longer)
    assert judged is not None
    assert judged.escalate


@pytest.mark.parametrize("first_streak", [1, 2, 3, 4])
def test_a_flapper_whose_first_streak_is_long_is_rarely_an_error(first_streak: int) -> None:
    """A URL that fails 30 % of the weeks, its first failures in a row up to four weeks long,
    then flapping for the rest of the year (seeded): the first streak is never an error, a
    later one in at most 1 % of the years. (A first streak of five is what a server error
    that never ends looks like in its fifth run: reported.)"""
    rng = random.Random(first_streak)
    years, errors = 300, 0
    for _ in range(years):
        start = rng.randrange(0, 8)
        weeks = OK * start + SERVER * first_streak + OK + _flapping_year(rng, 0.3, 40)
        error = first_error(weeks)
        assert error is None or error > start + first_streak, weeks
        errors += error is not None
    assert errors <= years // 100


def _longest_streak(weeks: str) -> int:
    return max((len(run) for run in weeks.replace(BLOCKED, " ").split(OK)), default=0)


def test_refusals_of_robots_for_weeks_and_rate_limits_are_never_errors() -> None:
    rng = random.Random(429)
    for _ in range(100):
        weeks = "".join(BLOCKED if rng.random() < rng.random() else OK for _ in range(52))
        assert first_error(weeks) is None
    assert first_error(BLOCKED * 52) is None


def test_a_domain_that_stops_resolving_is_reported_in_its_second_run() -> None:
    rng = random.Random(53)
    for _ in range(100):
        before = _flapping_year(rng, 0.2, rng.randrange(2, 40))
        start = len(before)
        for failure in (NO_NAME, SERVFAIL, REFUSED):
            assert first_error(before + failure * 10) == start + 2, before
