"""Sharding a run over several machines, and merging what the shards produced.

``linkcheck run --shard I/N`` reads every post but checks only the URLs whose host falls in
shard ``I`` of ``N``: a host's shard is a stable hash of its lower-case name (the same on every
machine and every run), so all requests to one host come from one shard and the per-host
limits, intervals and backoff hold as in a single run.

Each finding is reported by exactly one shard: a finding about an http(s) URL by the shard of
that URL's host (whatever rule made it: a dead link, or a citation missing from Resources), any
other finding (a post's own problems, links that are not http(s)) by shard 1. Every shard's
report lists every post and link; its results are those of its own URLs (plus, in shard 1,
the URLs that are not checked at all).

``merge_reports`` joins the shards' reports into the report one run would have written, and
``merge_state_files`` joins their state files (cache and history) into one.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from linkcheck.models import (
    CheckResult,
    Finding,
    InputProblem,
    Link,
    PostSummary,
    Report,
    UsageError,
)
from linkcheck.sources import is_checkable

SHARD_RE = re.compile(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*")
MAX_SHARDS = 1000
SHARD_STAT = "shard"
SHARDS_STAT = "shards"
"""Report counters naming the shard a report came from (absent in an unsharded run)."""


class ShardError(UsageError):
    """Shards that do not fit together (a bad ``I/N``, a missing or repeated shard)."""


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; raises ShardError for anything else."""
        match = SHARD_RE.fullmatch(text)
        if match is None:
            raise ShardError(f"a shard is written I/N, such as 2/4, not {text!r}")
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= index <= count <= MAX_SHARDS:
            raise ShardError(f"shard {index}/{count}: I must be between 1 and N (N <= 1000)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns_host(self, host: str) -> bool:
        """Whether requests to ``host`` are this shard's."""
        return host_shard(host, self.count) == self.index

    def owns_url(self, url: str) -> bool:
        """Whether ``url`` is this shard's: by host for http(s) URLs, shard 1 for the rest."""
        if not is_checkable(url):
            return self.index == 1
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return self.index == 1
        return self.owns_host(host)

    def owns_finding(self, finding: Finding) -> bool:
        """Whether this shard reports ``finding`` (see the module documentation)."""
        url = finding.url
        return self.owns_url(url) if url else self.index == 1


def host_shard(host: str, count: int) -> int:
    """The shard (1..count) of ``host``: a stable hash of its lower-case name."""
    digest = hashlib.sha256(host.lower().encode("utf-8", "surrogatepass")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def _check_shards(reports: Sequence[Report]) -> None:
    """Sharded reports must be one complete set: every shard of one N exactly once."""
    shards = [(r.stats.get(SHARD_STAT), r.stats.get(SHARDS_STAT)) for r in reports]
    if all(count is None for _, count in shards):
        return
    counts = {count for _, count in shards}
    if None in counts or len(counts) != 1:
        raise ShardError("the reports come from different shardings (or some from none)")
    count = counts.pop()
    assert count is not None
    seen = sorted(index for index, _ in shards if index is not None)
    missing = sorted(set(range(1, count + 1)) - set(seen))
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    if repeated:
        raise ShardError(f"shard {repeated[0]}/{count} is given more than once")
    if missing:
        raise ShardError(f"shard {missing[0]}/{count} is missing")


def _newer(old: CheckResult | None, new: CheckResult) -> CheckResult:
    if old is None or new.checked_at > old.checked_at:
        return new
    return old


def merge_reports(reports: Sequence[Report]) -> Report:
    """One report from the reports of the shards of a run (or of runs over other posts).

    Posts, links, findings and problems are joined without repeats (in the order first
    seen); a URL with results in several reports keeps the latest; counters are added up,
    except posts and links, which are counted again. The merged run was offline only if every
    shard was, and had its network down if any shard had. A sharded set must be complete:
    ShardError names the shard that is missing or repeated.
    """
    if not reports:
        raise ShardError("no reports to merge")
    _check_shards(reports)
    posts: dict[str, PostSummary] = {}
    links: dict[Link, None] = {}
    results: dict[str, CheckResult] = {}
    findings: dict[Finding, None] = {}
    problems: dict[InputProblem, None] = {}
    stats: dict[str, int] = {}
    for report in reports:
        for post in report.posts:
            posts.setdefault(post.path, post)
        links.update(dict.fromkeys(report.links))
        for url, result in report.results.items():
            results[url] = _newer(results.get(url), result)
        findings.update(dict.fromkeys(report.findings))
        problems.update(dict.fromkeys(report.problems))
        for key, value in report.stats.items():
            if key not in (SHARD_STAT, SHARDS_STAT):
                stats[key] = stats.get(key, 0) + value
    stats["posts"] = len(posts)
    stats["links"] = len(links)
    if "cached" in stats:
        stats["cached"] = sum(1 for r in results.values() if r.from_cache)
    return Report(
        posts=tuple(posts.values()),
        links=tuple(links),
        results=results,
        findings=tuple(findings),
        problems=tuple(problems),
        offline=all(r.offline for r in reports),
        network_down=any(r.network_down for r in reports),
        elapsed=max(r.elapsed for r in reports),
        stats=stats,
    )


# ---------------------------------------------------------------------------
# State files
# ---------------------------------------------------------------------------

_NEWEST_BY: dict[str, str] = {"cache": "checked_at"}
"""Tables with one row per URL, and the column saying which of two rows is newer."""
RUN_OVERLAP_SLACK = 3600.0
"""Seconds by which two shards' runs may start apart and still count as one run."""


def merge_state_files(target: Path, sources: Iterable[Path]) -> int:
    """Add the cache and history of each state file in ``sources`` to ``target``.

    ``target`` must be a state file already (``StateStore.open`` makes one). Per URL the
    newer cached result wins; the checks of the history are added (streaks are derived from
    them), and a shard's run is taken as the run of ``target`` it overlaps (shards of one run
    run side by side), else added as a run of its own. Which post cites which URL is joined
    (each shard records the URLs it checked). Files of another schema version are refused.
    Returns how many checks were added.
    """
    added = 0
    with sqlite3.connect(target) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for source in sources:
            try:
                conn.execute("ATTACH DATABASE ? AS src", (str(source),))
                conn.execute("SELECT count(*) FROM src.sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                raise ShardError(f"{source}: not a linkcheck state file ({exc})") from None
            try:
                theirs = conn.execute("PRAGMA src.user_version").fetchone()[0]
                if theirs != version:
                    raise ShardError(
                        f"{source}: state schema {theirs}, not {version}: "
                        "run both with the same linkcheck"
                    )
                added += _merge_attached(conn)
                conn.commit()
            except sqlite3.DatabaseError as exc:
                conn.rollback()
                raise ShardError(f"{source}: not a linkcheck state file ({exc})") from None
            finally:
                conn.execute("DETACH DATABASE src")
    return added


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _merge_attached(conn: sqlite3.Connection) -> int:
    for table, newer in _NEWEST_BY.items():
        columns = _columns(conn, "main", table)
        if _columns(conn, "src", table) != columns:
            raise ShardError(f"the {table} tables of the state files differ")
        names = ", ".join(columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "url")
        conn.execute(
            f"INSERT INTO main.{table} ({names}) SELECT {names} FROM src.{table} WHERE true "  # noqa: S608
            f"ON CONFLICT(url) DO UPDATE SET {updates} WHERE excluded.{newer} > {table}.{newer}"
        )
    conn.execute(
        "INSERT OR IGNORE INTO main.citations (post, url) SELECT post, url FROM src.citations"
    )
    runs: dict[int, int] = {}
    for run_id, started, finished in conn.execute(
        "SELECT id, started_at, finished_at FROM src.runs ORDER BY id"
    ).fetchall():
        match = conn.execute(
            "SELECT id FROM main.runs WHERE started_at <= ? AND finished_at >= ? "
            "ORDER BY abs(started_at - ?) LIMIT 1",
            (finished, started - RUN_OVERLAP_SLACK, started),
        ).fetchone()
        if match is None:
            cursor = conn.execute(
                "INSERT INTO main.runs (started_at, finished_at) VALUES (?, ?)", (started, finished)
            )
            assert cursor.lastrowid is not None
            runs[run_id] = cursor.lastrowid
        else:
            runs[run_id] = match[0]
            conn.execute(
                "UPDATE main.runs SET started_at = min(started_at, ?), "
                "finished_at = max(finished_at, ?) WHERE id = ?",
                (started, finished, match[0]),
            )
    columns = [c for c in _columns(conn, "main", "checks") if c not in ("id", "run_id")]
    if [c for c in _columns(conn, "src", "checks") if c not in ("id", "run_id")] != columns:
        raise ShardError("the checks tables of the state files differ")
    names = ", ".join(columns)
    added = 0
    for source_run, target_run in runs.items():
        cursor = conn.execute(
            f"INSERT INTO main.checks (run_id, {names}) "  # noqa: S608
            f"SELECT ?, {names} FROM src.checks AS c WHERE c.run_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM main.checks AS m WHERE m.url = c.url AND m.checked_at = c.checked_at)",
            (target_run, source_run),
        )
        added += cursor.rowcount
    return added
