"""Several scheduled runs of the real post against a fake of its hosts, with time travel.

A flaky host stays a warning until it has failed in consecutive runs spanning enough time;
a dead link is an error on the first run; a second run within the max age reuses results.
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

    code, third = scheduled_run(START + timedelta(hours=22))
    escalated = findings_for(third, TIME)
    assert [f["severity"] for f in escalated] == ["error", "error"]
    assert "failing since 2026-11-02 (3 runs)" in escalated[0]["message"]

    web.route(TIME, Response(200, b"<title>back</title>", {"Content-Type": "text/html"}))
    code, fourth = scheduled_run(START + timedelta(hours=30))
    assert findings_for(fourth, TIME) == []
    web.route(TIME, Response(503, b"busy"))
    code, fifth = scheduled_run(START + timedelta(hours=60))
    assert [f["severity"] for f in findings_for(fifth, TIME)] == ["warning", "warning"]


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
