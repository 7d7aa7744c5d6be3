"""Sharded runs: each host in one shard, each finding once, and merged back into one run."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkcheck.cli import cli
from linkcheck.models import Finding, Location, Severity
from linkcheck.shard import Shard, ShardError, host_shard, merge_reports
from tests.fakeweb import FakeWeb, Response
from tests.test_end_to_end import (
    CODECARBON,
    HUGGINGFACE,
    MIT,
    MLCO2,
    TIME,
    TITLES,
    UK_PDF,
    healthy,
    html,
)

SHARDS = 3


def decayed(web: FakeWeb) -> None:
    healthy(web)
    web.unknown_hosts.add("time.com")
    web.route(MIT, Response(404, b"gone"))
    web.route(UK_PDF, Response(410, b"gone"))
    web.route(MLCO2, Response(301, headers={"Location": "https://mlco2.github.io/impact-v2/"}))
    web.route("https://mlco2.github.io/impact-v2/", html("ML CO2 Impact calculator"))
    web.route(CODECARBON, Response(403, b"<title>Just a moment...</title>"))
    web.route(HUGGINGFACE, html(TITLES[HUGGINGFACE], ids=("other-section",)))


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="linkcheck", catch_exceptions=False)


def run_json(out: Path, *args: str) -> dict[str, Any]:
    result = invoke(
        "run", "--format", "json", "--output", str(out), "--backoff-base", "0.05", *args
    )
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """What a merged report must share with the unsharded one (times and counters aside)."""
    return {
        "posts": document["posts"],
        "links": document["links"],
        "findings": sorted(json.dumps(f, sort_keys=True) for f in document["findings"]),
        "verdicts": {r["url"]: (r["verdict"], r["title"]) for r in document["results"]},
        "problems": document["problems"],
    }


# ---------------------------------------------------------------------------
# Shards
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shard"), [("1/1", Shard(1, 1)), ("2/4", Shard(2, 4)), (" 3 / 3 ", Shard(3, 3))]
)
def test_parse(text: str, shard: Shard) -> None:
    assert Shard.parse(text) == shard
    assert str(shard) == f"{shard.index}/{shard.count}"


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "2", "a/b", "1/4/2", "-1/4", "1/1001"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ShardError):
        Shard.parse(text)


def test_host_shard_is_stable_and_spreads() -> None:
    # Fixed values: a shard must not move between runs, machines or Python versions.
    assert [host_shard(h, 4) for h in ("arxiv.org", "time.com", "example.org")] == [
        host_shard("ARXIV.org", 4),
        host_shard("time.com", 4),
        host_shard("example.org", 4),
    ]
    assert (
        host_shard("arxiv.org", 4)
        == 1 + int.from_bytes(__import__("hashlib").sha256(b"arxiv.org").digest()[:8], "big") % 4
    )
    spread = Counter(host_shard(f"host{i}.example", 4) for i in range(400))
    assert set(spread) == {1, 2, 3, 4}
    assert min(spread.values()) > 60


def test_every_url_and_finding_has_exactly_one_shard() -> None:
    shards = [Shard(i, SHARDS) for i in range(1, SHARDS + 1)]
    urls = [*TITLES, "mailto:a@b.example", "/about/", "https://x.example/p#f", "http://[bad"]
    for url in urls:
        assert sum(s.owns_url(url) for s in shards) == 1, url
    where = Location("post.md", 1, 1)
    for url in (None, "mailto:x@y.example", *TITLES):
        finding = Finding("some-rule", Severity.WARNING, where, "message", url=url)
        assert sum(s.owns_finding(finding) for s in shards) == 1
    assert Shard(1, SHARDS).owns_url("mailto:a@b.example")


# ---------------------------------------------------------------------------
# A sharded run of the real post, merged back
# ---------------------------------------------------------------------------


def test_shards_merged_give_the_report_of_one_run(blog: Path, web: FakeWeb) -> None:
    decayed(web)
    whole = run_json(blog / "whole.json", "--no-cache")
    hosts_of_whole = Counter(hit.host for hit in web.hits)
    paths = []
    for index in range(1, SHARDS + 1):
        web.hits.clear()
        decayed(web)
        path = blog / f"shard-{index}.json"
        shard = run_json(path, "--no-cache", "--shard", f"{index}/{SHARDS}")
        paths.append(str(path))
        own = Shard(index, SHARDS)
        assert all(own.owns_host(hit.host) for hit in web.hits), "a request to another shard"
        assert shard["stats"]["shard"] == index
        assert shard["links"] == whole["links"]  # every shard reads every post
        assert all(own.owns_url(r["url"]) for r in shard["results"])
    merged = invoke("report", "--merge", *paths, "--format", "json", "--output", "merged.json")
    assert merged.exit_code == 0, merged.output
    document = json.loads((blog / "merged.json").read_text(encoding="utf-8"))
    assert comparable(document) == comparable(whole)
    assert document["stats"]["unique_urls"] == whole["stats"]["unique_urls"]
    assert "shard" not in document["stats"]
    assert {f["rule"] for f in document["findings"]} >= {"dead-link", "moved-link"}
    assert sum(hosts_of_whole.values()) > 0


def test_merge_refuses_an_incomplete_or_repeated_set(blog: Path, web: FakeWeb) -> None:
    decayed(web)
    one = run_json(blog / "s1.json", "--no-cache", "--shard", "1/2")
    assert one["stats"]["shards"] == 2
    missing = invoke("report", "--merge", "s1.json")
    assert missing.exit_code == 2
    assert "shard 2/2 is missing" in missing.output
    twice = invoke("report", "--merge", "s1.json", "s1.json")
    assert twice.exit_code == 2
    assert "more than once" in twice.output
    several = invoke("report", "s1.json", "s1.json")
    assert several.exit_code == 2
    assert "--merge" in several.output


def test_bad_shard_option_is_a_usage_error(blog: Path) -> None:
    result = invoke("run", "--shard", "3/2", "--offline")
    assert result.exit_code == 2
    assert "shard" in result.output


def test_merging_unsharded_reports_joins_them() -> None:
    from linkcheck.models import Report

    where = Location("a.md", 1, 1)
    first = Finding("dead-link", Severity.ERROR, where, "dead", url="https://a.example/")
    second = Finding("dead-link", Severity.ERROR, where, "dead", url="https://b.example/")
    reports = [
        Report((), (), {}, (first,), stats={"links": 0, "unique_urls": 1}),
        Report((), (), {}, (first, second), stats={"links": 0, "unique_urls": 2}, elapsed=2.0),
    ]
    merged = merge_reports(reports)
    assert merged.findings == (first, second)
    assert merged.elapsed == 2.0
    assert merged.stats["unique_urls"] == 3
    with pytest.raises(ShardError):
        merge_reports([])


# ---------------------------------------------------------------------------
# State files
# ---------------------------------------------------------------------------


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query).fetchall()


def test_state_files_of_the_shards_merge(blog: Path, web: FakeWeb) -> None:
    for index in (1, 2):
        decayed(web)
        state = f"state-{index}.sqlite"
        run_json(blog / f"s{index}.json", "--cache-path", state, "--shard", f"{index}/2")
    merged = invoke(
        "cache", "merge", "state-1.sqlite", "state-2.sqlite", "--cache-path", "all.sqlite"
    )
    assert merged.exit_code == 0, merged.output
    cached = {url for (url,) in rows(blog / "all.sqlite", "SELECT url FROM cache")}
    parts = [
        {url for (url,) in rows(blog / f"state-{i}.sqlite", "SELECT url FROM cache")}
        for i in (1, 2)
    ]
    assert cached == parts[0] | parts[1]
    assert not parts[0] & parts[1]
    checks = rows(blog / "all.sqlite", "SELECT count(*), count(DISTINCT run_id) FROM checks")
    assert checks[0][1] == 1  # the shards of one run are one run
    shard_checks = sum(
        rows(blog / f"state-{i}.sqlite", "SELECT count(*) FROM checks")[0][0] for i in (1, 2)
    )
    assert checks[0][0] == shard_checks
    citations = rows(blog / "all.sqlite", "SELECT DISTINCT url FROM citations")
    assert {MIT, TIME} <= {url for (url,) in citations}  # each shard's, joined
    # Merging again adds nothing; a cached result checked later wins.
    again = invoke("cache", "merge", "state-1.sqlite", "--cache-path", "all.sqlite")
    assert "(0 checks)" in again.output
    with sqlite3.connect(blog / "state-1.sqlite") as conn:
        conn.execute("UPDATE cache SET checked_at = checked_at + 100, result = 'newer'")
    invoke("cache", "merge", "state-1.sqlite", "--cache-path", "all.sqlite")
    newer = rows(blog / "all.sqlite", "SELECT url FROM cache WHERE result = 'newer'")
    assert {url for (url,) in newer} == parts[0]


def test_cache_merge_refuses_a_missing_file(blog: Path) -> None:
    result = invoke("cache", "merge", "nope.sqlite", "--cache-path", "all.sqlite")
    assert result.exit_code == 2
    assert "no such state file" in result.output


def test_cache_merge_refuses_a_file_that_is_not_a_state_file(blog: Path) -> None:
    (blog / "notes.sqlite").write_bytes(b"not a database at all" * 100)
    result = invoke("cache", "merge", "notes.sqlite", "--cache-path", "all.sqlite")
    assert result.exit_code == 2
    assert "not a linkcheck state file" in result.output
    with sqlite3.connect(blog / "other.sqlite") as conn:
        conn.execute("CREATE TABLE things (x)")
    result = invoke("cache", "merge", "other.sqlite", "--cache-path", "all.sqlite")
    assert result.exit_code == 2
