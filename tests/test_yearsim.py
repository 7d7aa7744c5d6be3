"""A short seeded year of scheduled runs (benchmarks/yearsim.py): the issue never cries wolf.

Twenty weekly runs of the real commands against loopback hosts that flap, wall off robots,
rate-limit, go down for weeks, lose pages and disappear, with a week without network and a
fake GitHub API. It fails when a change brings back a false issue event, an error finding on
noise, a late or missed report, an edit without a change, or a fix that does not close the
issue in its run.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import yearsim  # noqa: E402

SEED = 7
WEEKS = 20


def test_a_short_year_meets_every_target() -> None:
    figures = yearsim.simulate(SEED, weeks=WEEKS, steady_pages=10)
    summary = yearsim.describe(figures)
    assert figures.false_events == 0, summary
    assert figures.noise_errors == 0, summary
    assert figures.late == [], summary
    assert figures.missed == [], summary
    assert figures.edits_without_change == 0, summary
    assert figures.closes_after_fix, summary
    assert all(figures.closes_after_fix), summary
    assert figures.network_down_action == "skipped-network-down", summary
    assert figures.network_down_untouched, summary
    assert set(figures.delays) == yearsim.REAL, summary
    assert yearsim.meets_targets(figures)


def test_the_world_is_the_same_for_a_seed() -> None:
    one, two = yearsim.build_world(3), yearsim.build_world(3)
    assert [(p.host, p.path) for p in one.pages] == [(p.host, p.path) for p in two.pages]
    assert one.network_down_week == two.network_down_week
    assert [(i.kind, i.week) for i in one.incidents] == [(i.kind, i.week) for i in two.incidents]
    assert len(one.pages) == 42
    assert {h.role for h in one.hosts.values()} == {
        "steady",
        "archive",
        "flap",
        "wall",
        "ratelimit",
        "outage",
        "gone",
        "vanishing",
    }
    wall = one.hosts["wall"]
    assert one.answer("wall", "/wall/article-0", 0) == yearsim.Answer("challenge")
    gone = one.hosts["gone"]
    assert gone.gone_from is not None
    assert one.answer("gone", "/gone/article-0", gone.gone_from) == yearsim.Answer("refused")
    assert one.answer("archive", "/copy/anything", 5) == yearsim.OK
    lapse = one.hosts["vanishing"].unresolvable_from
    assert lapse is not None
    assert one.answer("vanishing", "/vanishing/article-0", lapse - 1) == yearsim.OK
    assert one.answer("vanishing", "/vanishing/article-1", lapse) == yearsim.Answer("unresolvable")
    assert wall.failing_weeks == frozenset(range(yearsim.WEEKS))


def test_the_authors_fix_replaces_whole_link_destinations_only(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("[a](http://h/article-1) [b](http://h/article-16)\n", encoding="utf-8")
    yearsim.replace_link([post], "http://h/article-1", "http://archive/copy")
    assert post.read_text(encoding="utf-8") == (
        "[a](http://archive/copy) [b](http://h/article-16)\n"
    )
