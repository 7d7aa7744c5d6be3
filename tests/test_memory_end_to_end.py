"""Several scheduled runs of the real post against a fake of its hosts, with time travel.

A server error stays a warning until the evidence makes it an error (runs and days, weighed
by the URL's past); a dead link is an error on the first run; a second run within the max
age reuses results.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner

from linkcheck.cli import cli
from tests.fakeweb import FakeWeb, Response
from tests.test_end_to_end import MIT, TIME, healthy

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def scheduled_run(at: datetime) -> tuple[int, dict[str, object]]:
    with time_machine.travel(at, tick=True):
        result = CliRunner().invoke(
            cli,
            ["run", "--format", "json", "--retries", "0", "--backoff-base", "0.01"],
            prog_name="linkcheck",
            catch_exceptions=False,
        )
    return result.exit_code, json.loads(result.stdout)


def findings_for(document: dict[str, object], url: str) -> list[dict[str, str]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["url"] == url]


def test_flaky_host_escalates_only_when_it_persists(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(TIME, Response(503, b"busy"))
    web.route(MIT, Response(404, b"gone"))

    code, first = scheduled_run(START)
    assert code == 1  # the dead link is an error at once
    assert {f["rule"]: f["severity"] for f in findings_for(first, MIT)} == {"dead-link": "error"}
    assert [f["severity"] for f in findings_for(first, TIME)] == ["warning", "warning"]
    requests_first = len(web.hits)

    code, second = scheduled_run(START + timedelta(hours=1))
    assert [f["severity"] for f in findings_for(second, TIME)] == ["warning", "warning"]
    summary = second["summary"]
    assert isinstance(summary, dict)
    assert summary["cached"] == 8  # every healthy source came from the cache
    requests_second = len(web.hits) - requests_first
    assert requests_second == 2  # only the failing URLs were asked again
    assert requests_first >= 10

    # A server error needs 5 failing runs over 25 days (weekly runs from here).
    for week in (1, 2, 3):
        code, later = scheduled_run(START + timedelta(weeks=week))
        assert [f["severity"] for f in findings_for(later, TIME)] == ["warning", "warning"]
    code, sixth = scheduled_run(START + timedelta(weeks=4))
    escalated = findings_for(sixth, TIME)
    assert [f["severity"] for f in escalated] == ["error", "error"]
    assert "failing since 2026-11-02 (6 runs)" in escalated[0]["message"]

    web.route(TIME, Response(200, b"<title>back</title>", {"Content-Type": "text/html"}))
    code, seventh = scheduled_run(START + timedelta(weeks=5))
    assert findings_for(seventh, TIME) == []
    web.route(TIME, Response(503, b"busy"))
    for week in (6, 7, 8, 9, 10, 11):  # it came back once: a new streak needs much more evidence
        code, again = scheduled_run(START + timedelta(weeks=week))
        assert [f["severity"] for f in findings_for(again, TIME)] == ["warning", "warning"]


def test_history_command_shows_the_streak(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(TIME, Response(503, b"busy"))
    scheduled_run(START)
    scheduled_run(START + timedelta(hours=21))
    result = CliRunner().invoke(cli, ["history"], prog_name="linkcheck")
    assert result.exit_code == 0
    assert TIME in result.stdout
    assert "failing since 2026-11-02 (2 runs)" in result.stdout
    result = CliRunner().invoke(cli, ["history", TIME], prog_name="linkcheck")
    assert result.stdout.count("error") == 2
    result = CliRunner().invoke(cli, ["cache", "clear"], prog_name="linkcheck")
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["history"], prog_name="linkcheck")
    assert "no failing URLs" in result.stdout


def test_history_lists_only_urls_that_posts_still_cite(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(TIME, Response(503, b"busy"))
    scheduled_run(START)
    post = next(blog.rglob("*.md"))
    text = post.read_text(encoding="utf-8")
    assert TIME in text
    # A run on another post leaves this post's citations alone.
    other = post.with_name("another-post.md")
    other.write_text("---\ntitle: Another\n---\nNo links here.\n", encoding="utf-8")
    CliRunner().invoke(cli, ["run", str(other)], prog_name="linkcheck")
    listed = CliRunner().invoke(cli, ["history"], prog_name="linkcheck").stdout
    assert TIME in listed
    # The post stops citing the URL: the next run over it forgets the citation.
    post.write_text(text.replace(TIME, "https://example.org/elsewhere"), encoding="utf-8")
    web.route("https://example.org/elsewhere", Response(200, b"<title>x</title>"))
    scheduled_run(START + timedelta(weeks=1))
    listed = CliRunner().invoke(cli, ["history"], prog_name="linkcheck").stdout
    assert TIME not in listed
    assert "no failing URLs" in listed
    everything = CliRunner().invoke(cli, ["history", "--all"], prog_name="linkcheck").stdout
    assert TIME in everything
    assert "failing since 2026-11-02 (1 run)" in everything


def listed_urls(out: str) -> list[str]:
    """``linkcheck history``'s lines about URLs (without the trend's sparkline)."""
    return [line for line in out.splitlines() if not line.startswith("failing links, last ")]


def test_history_lists_the_oldest_failure_first_and_marks_errors(blog: Path, web: FakeWeb) -> None:
    healthy(web)
    web.route(TIME, Response(503, b"busy"))
    scheduled_run(START)
    web.route(MIT, Response(404, b"gone"))
    scheduled_run(START + timedelta(weeks=1))
    listed = CliRunner().invoke(cli, ["history"], prog_name="linkcheck").stdout
    assert listed_urls(listed) == [
        f"error      {TIME}  failing since 2026-11-02 (2 runs)",
        f"dead       {MIT}  failing since 2026-11-09 (1 run)  (an error)",
    ]
    limited = CliRunner().invoke(cli, ["history", "--limit", "1"], prog_name="linkcheck").stdout
    assert listed_urls(limited) == [f"error      {TIME}  failing since 2026-11-02 (2 runs)"]


def test_a_run_without_network_neither_extends_nor_breaks_a_streak(
    blog: Path, web: FakeWeb
) -> None:
    healthy(web)
    web.route(TIME, Response(503, b"busy"))
    scheduled_run(START)
    scheduled_run(START + timedelta(weeks=1))
    web.unknown_hosts.update({host for (host, _path) in web.routes})  # the network drops
    code, _down = scheduled_run(START + timedelta(weeks=2))
    assert code == 3
    web.unknown_hosts.clear()
    listed = CliRunner().invoke(cli, ["history"], prog_name="linkcheck").stdout
    assert listed_urls(listed) == [f"error      {TIME}  failing since 2026-11-02 (2 runs)"]
    scheduled_run(START + timedelta(weeks=3))
    listed = CliRunner().invoke(cli, ["history"], prog_name="linkcheck").stdout
    assert listed_urls(listed) == [f"error      {TIME}  failing since 2026-11-02 (3 runs)"]
