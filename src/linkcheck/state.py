"""Memory between runs: a cache of good results and a per-URL history, in one SQLite file.

The state file is optional. Whenever it cannot be used (a read-only location, a lock held too
long, a file that is not ours) the run goes on without memory: ``StateStore.open`` hands back a
store that remembers nothing, and every problem is passed to the ``warn`` callback as one line.

Cache
    ``ok``, ``redirected`` and ``moved`` results are reused while younger than the URL's
    effective max age (see ``effective_max_age``). Failures and skipped URLs are never reused.
    A cached result is reused only when the fragments now requested are a subset of the
    fragments checked when it was fetched.

History
    Each run is one row in ``runs``; each URL it checked is one row in ``checks``. A result
    served from the cache is recorded too (``from_cache``) and counts as a success: it can only
    exist when the last real check of that URL succeeded. Skipped URLs are not recorded, and
    neither is a run whose network was down. ``observations`` hands a URL's recorded checks to
    ``linkcheck.evidence``, which judges whether a failure has lasted long enough to be an error.

Citations
    ``citations`` holds, per post file, the URLs it cited when a run last read it. A run
    replaces the rows of the posts it read, and only those: a run on one post leaves the
    others' citations alone. A URL is cited while a post that still exists cites it.

Safety
    WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` around every write: two runs on one
    file both finish, and a run killed mid-way leaves the file valid (each ``record_run`` is one
    transaction). A corrupt or foreign file is moved aside to ``<name>.corrupt-<timestamp>``
    and a fresh one is made.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

from linkcheck.evidence import Observation
from linkcheck.models import CheckRequest, CheckResult, Hop, RunTrend, Verdict

Warn = Callable[[str], None]
T = TypeVar("T")

APPLICATION_ID: Final = 0x4C4B4348
"""``PRAGMA application_id`` of a linkcheck state file ("LKCH")."""
BUSY_TIMEOUT: Final = 10.0
"""Seconds a connection waits for another run's write lock before giving up."""
LOCK_RETRY_INTERVAL: Final = 0.02
"""Seconds between two attempts to switch a new file to WAL while another run holds it."""
HISTORY_HORIZON: Final = 365 * 86400.0
"""Checks and cache entries older than this many seconds are dropped."""
DEFAULT_HISTORY_LIMIT: Final = 20
DEFAULT_HISTORY_KEEP: Final = 52
"""Checks kept per URL: a year of weekly runs (the evidence a failure is judged on)."""
CORRUPT_SUFFIX: Final = ".corrupt-"
SIDE_FILES: Final = ("-wal", "-shm", "-journal")
REUSABLE: Final = frozenset({Verdict.OK, Verdict.REDIRECTED, Verdict.MOVED})
"""Verdicts whose results are reused from the cache."""
_HASH_SCALE: Final = float(1 << 64)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded check of one URL."""

    url: str
    run_id: int
    verdict: Verdict
    status: int | None
    reason: str
    checked_at: float
    """When it was checked; for a cached result, when the run that reused it started."""
    from_cache: bool


def effective_max_age(url: str, max_age: float, jitter: float) -> float:
    """``max_age`` shortened by a stable per-URL fraction in ``[0, jitter)``.

    ``max_age * (1 - jitter * h)`` where ``h`` in ``[0, 1)`` comes from a hash of the URL: the
    same URL always gets the same age, and URLs checked together expire at different runs.
    """
    fraction = min(max(jitter, 0.0), 1.0)
    digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    h = int.from_bytes(digest, "big") / _HASH_SCALE
    return max_age * (1.0 - fraction * h)


# ---------------------------------------------------------------------------
# CheckResult <-> JSON (the cache's storage format)
# ---------------------------------------------------------------------------


def result_to_json(result: CheckResult) -> str:
    """Every field of ``result`` except ``url`` and ``from_cache``, as compact JSON."""
    data = {
        "verdict": result.verdict.value,
        "status": result.status,
        "final_url": result.final_url,
        "redirects": [[hop.url, hop.status] for hop in result.redirects],
        "title": result.title,
        "reason": result.reason,
        "attempts": result.attempts,
        "elapsed": result.elapsed,
        "missing_fragments": sorted(result.missing_fragments),
        "content_type": result.content_type,
        "reached": result.reached,
        "checked_at": result.checked_at,
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def result_from_json(url: str, text: str, *, from_cache: bool = True) -> CheckResult | None:
    """The result stored by ``result_to_json``; None when the text is not such a record."""
    try:
        data = json.loads(text)
        redirects = tuple(Hop(str(u), int(s)) for u, s in data["redirects"])
        status = data["status"]
        return CheckResult(
            url=url,
            verdict=Verdict(data["verdict"]),
            status=None if status is None else int(status),
            final_url=_opt_str(data["final_url"]),
            redirects=redirects,
            title=_opt_str(data["title"]),
            reason=str(data["reason"]),
            attempts=int(data["attempts"]),
            elapsed=float(data["elapsed"]),
            missing_fragments=frozenset(str(f) for f in data["missing_fragments"]),
            content_type=_opt_str(data["content_type"]),
            reached=bool(data["reached"]),
            checked_at=float(data["checked_at"]),
            from_cache=from_cache,
        )
    except (ValueError, TypeError, KeyError):
        return None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------

_V1: Final = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL
);
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    verdict TEXT NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    checked_at REAL NOT NULL,
    from_cache INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checks_url_time ON checks (url, checked_at);
CREATE INDEX checks_run ON checks (run_id);
CREATE INDEX checks_time ON checks (checked_at);
CREATE TABLE cache (
    url TEXT PRIMARY KEY,
    checked_at REAL NOT NULL,
    fragments TEXT NOT NULL,
    result TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE streaks (
    url TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    since REAL,
    last_at REAL,
    last_verdict TEXT NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX streaks_failures ON streaks (failures);
"""

_V2: Final = """
DROP TABLE streaks;
CREATE TABLE citations (
    post TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (post, url)
) WITHOUT ROWID;
CREATE INDEX citations_url ON citations (url);
"""
"""Streaks are derived from the checks (``linkcheck.evidence``); citations are new."""

MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2)
"""Migration ``i`` takes the schema from version ``i`` to ``i + 1`` (``PRAGMA user_version``)."""
SCHEMA_VERSION: Final = len(MIGRATIONS)


class _Unusable(Exception):
    """The file cannot be used now (locked, read-only, newer schema): go on without memory."""


class _NotOurs(Exception):
    """The file is corrupt or not a linkcheck state file: move it aside."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    return conn


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taking the write lock up front (waits up to the busy timeout)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _prepare(conn: sqlite3.Connection) -> None:
    """Check the file is ours (or empty), switch to WAL, migrate. Raises _NotOurs/_Unusable."""
    try:
        # One read transaction: a consistent view even while another run creates the file.
        conn.execute("BEGIN")
        try:
            integrity = conn.execute("PRAGMA quick_check").fetchone()
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise _Unusable(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise _NotOurs(str(exc)) from None
    if integrity is None or integrity[0] != "ok":
        raise _NotOurs("damaged (integrity check failed)")
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or tables != 0):
        raise _NotOurs("not a linkcheck state file")
    if version > SCHEMA_VERSION:
        raise _Unusable(f"written by a newer linkcheck (schema {version} > {SCHEMA_VERSION})")
    try:
        mode = _retry_while_locked(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        if str(mode).lower() != "wal":
            raise _Unusable(f"cannot use WAL journal (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn)
    except sqlite3.OperationalError as exc:
        raise _Unusable(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise _NotOurs(str(exc)) from None


def _retry_while_locked(action: Callable[[], T]) -> T:
    """Run ``action`` again while the file is locked, for at most ``BUSY_TIMEOUT`` seconds.

    Switching a new file to WAL needs an exclusive lock, and SQLite reports a lock held by a
    run creating the same file at once without waiting; this waits instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(LOCK_RETRY_INTERVAL)


def _migrate(conn: sqlite3.Connection) -> None:
    with _write(conn):
        # Read again under the write lock: another run may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise _Unusable(f"written by a newer linkcheck (schema {version})")
        if version == SCHEMA_VERSION and app_id == APPLICATION_ID:
            return
        for step in MIGRATIONS[version:]:
            for statement in step.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _move_aside(path: Path, now: float) -> Path:
    """Rename ``path`` (and its WAL/SHM files) to ``<name>.corrupt-<timestamp>``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}-{counter}")
    os.replace(path, target)
    for side in SIDE_FILES:
        extra = path.with_name(path.name + side)
        if extra.exists():
            os.replace(extra, target.with_name(target.name + side))
    return target


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


class StateStore:
    """Cache and history in one SQLite file; a store without a file remembers nothing.

    Every method is safe to call on a store that could not be opened (it does nothing and
    returns empty answers). A database error during a run is passed to ``warn`` once and the
    store carries on without memory.
    """

    def __init__(
        self,
        conn: sqlite3.Connection | None,
        *,
        path: Path | None = None,
        warn: Warn | None = None,
        history_keep: int = DEFAULT_HISTORY_KEEP,
    ) -> None:
        self._conn = conn
        self._path = path
        self._warn: Warn = warn if warn is not None else _ignore
        self._keep = history_keep

    @classmethod
    def null(cls) -> StateStore:
        """A store that remembers nothing (``--no-cache``, or the file cannot be used)."""
        return cls(None)

    @classmethod
    def open(
        cls, path: Path, *, warn: Warn, history_keep: int = DEFAULT_HISTORY_KEEP
    ) -> StateStore:
        """Open (creating the file and its directory) or fall back to a store without memory."""
        label = f"state file {path}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            warn(f"{label}: cannot create its directory ({exc.strerror}); running without cache")
            return cls.null()
        for attempt in range(2):
            conn: sqlite3.Connection | None = None
            try:
                conn = _connect(path)
                _prepare(conn)
            except _NotOurs as exc:
                if conn is not None:
                    conn.close()
                if attempt:
                    break
                try:
                    moved = _move_aside(path, time.time())
                except OSError as err:
                    warn(f"{label}: {exc}; cannot move it aside ({err.strerror}); no cache")
                    return cls.null()
                warn(f"{label}: {exc}; moved it to {moved.name} and started a new one")
                continue
            except (_Unusable, sqlite3.Error) as exc:
                if conn is not None:
                    conn.close()
                warn(f"{label}: cannot be used ({exc}); running without cache")
                return cls.null()
            return cls(conn, path=path, warn=warn, history_keep=history_keep)
        warn(f"{label}: cannot be made usable; running without cache")
        return cls.null()

    # -- lifecycle ---------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether this store reads and writes a file."""
        return self._conn is not None

    def close(self) -> None:
        """Close the file (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error as exc:
                self._warn(f"state file {self._path}: closing failed ({exc})")

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _guard(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run ``action``; on a database error warn, stop using the file, return ``default``."""
        if self._conn is None:
            return default
        try:
            return action(self._conn)
        except sqlite3.Error as exc:
            self._warn(f"state file {self._path}: {exc}; continuing without cache")
            self.close()
            return default

    # -- cache -------------------------------------------------------------

    def fresh_results(
        self, requests: Sequence[CheckRequest], *, max_age: float, jitter: float, now: float
    ) -> dict[str, CheckResult]:
        """Cached results still fresh for these requests, by URL, marked ``from_cache``.

        A result is reused when its verdict is ok/redirected/moved, it is younger than
        ``effective_max_age`` (and not from the future), and the requested fragments are a
        subset of those checked then. ``attempts`` and ``elapsed`` are zero: nothing was fetched.
        """
        wanted = {r.url: r.fragments for r in requests}
        if not wanted or max_age <= 0:
            return {}

        def load(conn: sqlite3.Connection) -> dict[str, CheckResult]:
            rows = conn.execute(
                "SELECT c.url, c.checked_at, c.fragments, c.result FROM cache AS c"
                " JOIN json_each(?) AS j ON j.value = c.url",
                (json.dumps(list(wanted)),),
            )
            found: dict[str, CheckResult] = {}
            for url, checked_at, fragments_text, result_text in rows:
                age = now - checked_at
                if not 0 <= age < effective_max_age(url, max_age, jitter):
                    continue
                checked = _fragments_from_json(fragments_text)
                if checked is None or not wanted[url] <= checked:
                    continue
                result = result_from_json(url, result_text)
                if result is None or result.verdict not in REUSABLE:
                    continue
                found[url] = _narrowed(result, wanted[url])
            return found

        return self._guard(load, {})

    def previous_titles(self, urls: Iterable[str]) -> dict[str, str]:
        """The title each URL's page had when last seen healthy, by URL (read-only).

        Taken from the cache whatever its age; a URL whose last check failed has none.
        """
        wanted = list(urls)
        if not wanted:
            return {}

        def load(conn: sqlite3.Connection) -> dict[str, str]:
            rows = conn.execute(
                "SELECT c.url, c.result FROM cache AS c JOIN json_each(?) AS j ON j.value = c.url",
                (json.dumps(wanted),),
            )
            found: dict[str, str] = {}
            for url, result_text in rows:
                result = result_from_json(url, result_text)
                if result is not None and result.title:
                    found[url] = result.title
            return found

        return self._guard(load, {})

    # -- recording ---------------------------------------------------------

    def record_run(
        self,
        results: Mapping[str, CheckResult],
        *,
        started_at: float,
        finished_at: float,
        requests: Iterable[CheckRequest] = (),
        citations: Mapping[str, Iterable[str]] | None = None,
    ) -> int | None:
        """Record one run in one transaction; returns its id (None without a file).

        ``requests`` tell which fragments each URL was checked for (none when absent); the
        cache reuses a result only for those. Fresh good results refresh the cache, fresh
        failures drop the URL from it; results served from the cache leave it untouched.
        ``citations`` (post file -> the URLs it cites) replace those posts' citations.
        """
        fragments = {r.url: r.fragments for r in requests}
        recorded = [r for r in results.values() if r.verdict is not Verdict.SKIPPED]

        def write(conn: sqlite3.Connection) -> int:
            with _write(conn):
                cursor = conn.execute(
                    "INSERT INTO runs (started_at, finished_at) VALUES (?, ?)",
                    (started_at, finished_at),
                )
                run_id = int(cursor.lastrowid or 0)
                rows = [_check_row(run_id, r, started_at) for r in recorded]
                conn.executemany(
                    "INSERT INTO checks (run_id, url, verdict, status, reason, checked_at,"
                    " from_cache) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._update_cache(conn, recorded, fragments, started_at)
                if citations:
                    self._update_citations(conn, citations)
                self._prune(conn, run_id, finished_at)
            return run_id

        return self._guard(write, None)

    @staticmethod
    def _update_cache(
        conn: sqlite3.Connection,
        results: Sequence[CheckResult],
        fragments: Mapping[str, frozenset[str]],
        started_at: float,
    ) -> None:
        live = [r for r in results if not r.from_cache]
        good = [r for r in live if r.verdict in REUSABLE]
        conn.executemany(
            "INSERT OR REPLACE INTO cache (url, checked_at, fragments, result) VALUES (?,?,?,?)",
            [
                (
                    r.url,
                    r.checked_at or started_at,
                    json.dumps(sorted(fragments.get(r.url, frozenset()))),
                    result_to_json(r),
                )
                for r in good
            ],
        )
        conn.executemany(
            "DELETE FROM cache WHERE url = ?",
            [(r.url,) for r in live if r.verdict not in REUSABLE],
        )

    @staticmethod
    def _update_citations(conn: sqlite3.Connection, citations: Mapping[str, Iterable[str]]) -> None:
        conn.executemany("DELETE FROM citations WHERE post = ?", [(post,) for post in citations])
        conn.executemany(
            "INSERT OR IGNORE INTO citations (post, url) VALUES (?, ?)",
            [(post, url) for post, urls in citations.items() for url in urls],
        )

    def _prune(self, conn: sqlite3.Connection, run_id: int, now: float) -> None:
        """Keep the newest ``history_keep`` checks per URL of this run; drop what is too old."""
        conn.execute(
            "DELETE FROM checks WHERE id IN (SELECT id FROM (SELECT c.id, ROW_NUMBER() OVER"
            " (PARTITION BY c.url ORDER BY c.checked_at DESC, c.id DESC) AS rank"
            " FROM checks AS c WHERE c.url IN (SELECT url FROM checks WHERE run_id = ?))"
            " WHERE rank > ?)",
            (run_id, self._keep),
        )
        horizon = now - HISTORY_HORIZON
        conn.execute("DELETE FROM checks WHERE checked_at < ?", (horizon,))
        conn.execute("DELETE FROM cache WHERE checked_at < ?", (horizon,))
        conn.execute(
            "DELETE FROM runs WHERE NOT EXISTS (SELECT 1 FROM checks WHERE run_id = runs.id)"
        )

    # -- queries -----------------------------------------------------------

    def observations(self, urls: Iterable[str]) -> dict[str, list[Observation]]:
        """Each URL's recorded checks, newest first (URLs without history are absent)."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}

        def load(conn: sqlite3.Connection) -> dict[str, list[Observation]]:
            rows = conn.execute(
                "SELECT c.url, c.checked_at, c.verdict, c.reason FROM checks AS c"
                " JOIN json_each(?) AS j ON j.value = c.url"
                " ORDER BY c.url, c.checked_at DESC, c.id DESC",
                (json.dumps(wanted),),
            )
            found: dict[str, list[Observation]] = {}
            for url, checked_at, verdict, reason in rows:
                found.setdefault(url, []).append(Observation(checked_at, Verdict(verdict), reason))
            return found

        return self._guard(load, {})

    def failing(self) -> list[str]:
        """URLs whose latest recorded check failed, oldest latest check first."""

        def load(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT url, verdict FROM (SELECT url, verdict, checked_at, ROW_NUMBER() OVER"
                " (PARTITION BY url ORDER BY checked_at DESC, id DESC) AS rank FROM checks)"
                " WHERE rank = 1 ORDER BY checked_at ASC, url ASC"
            )
            return [url for url, verdict in rows if Verdict(verdict).is_failure]

        return self._guard(load, [])

    def citing_posts(self, urls: Iterable[str]) -> dict[str, list[str]]:
        """The post files that cited each URL when a run last read them (absent: none)."""
        wanted = list(dict.fromkeys(urls))

        def load(conn: sqlite3.Connection) -> dict[str, list[str]]:
            rows = conn.execute(
                "SELECT c.url, c.post FROM citations AS c"
                " JOIN json_each(?) AS j ON j.value = c.url ORDER BY c.url, c.post",
                (json.dumps(wanted),),
            )
            found: dict[str, list[str]] = {}
            for url, post in rows:
                found.setdefault(url, []).append(post)
            return found

        return self._guard(load, {}) if wanted else {}

    def history(self, url: str, limit: int = DEFAULT_HISTORY_LIMIT) -> list[HistoryEntry]:
        """The URL's recorded checks, newest first."""

        def load(conn: sqlite3.Connection) -> list[HistoryEntry]:
            rows = conn.execute(
                "SELECT url, run_id, verdict, status, reason, checked_at, from_cache"
                " FROM checks WHERE url = ? ORDER BY checked_at DESC, id DESC LIMIT ?",
                (url, limit),
            )
            return [
                HistoryEntry(
                    url=row[0],
                    run_id=row[1],
                    verdict=Verdict(row[2]),
                    status=row[3],
                    reason=row[4],
                    checked_at=row[5],
                    from_cache=bool(row[6]),
                )
                for row in rows
            ]

        return self._guard(load, [])

    def clear(self) -> None:
        """Forget every cached result and all history (``linkcheck cache clear``)."""

        def wipe(conn: sqlite3.Connection) -> None:
            with _write(conn):
                for statement in _CLEAR_STATEMENTS:
                    conn.execute(statement)
            conn.execute("VACUUM")

        self._guard(wipe, None)

    def counts(self) -> dict[str, int]:
        """Rows per table (for ``linkcheck cache`` listings and tests)."""

        def load(conn: sqlite3.Connection) -> dict[str, int]:
            return {
                table: int(conn.execute(query).fetchone()[0])
                for table, query in _COUNT_STATEMENTS.items()
            }

        return self._guard(load, {})

    def trend(self, limit: int = DEFAULT_HISTORY_LIMIT) -> list[RunTrend]:
        """The latest ``limit`` runs, oldest first: URLs checked and failing in each.

        Checks are pruned per URL (``history_keep``), so runs older than that many are
        counted from what is left of them; the trend is exact for the runs since.
        """
        limit = min(limit, self._keep)

        def load(conn: sqlite3.Connection) -> list[RunTrend]:
            rows = conn.execute(
                "SELECT r.started_at, count(c.id), count(c.id) FILTER (WHERE c.verdict IN"
                " (SELECT value FROM json_each(?))) FROM runs AS r JOIN checks AS c"
                " ON c.run_id = r.id GROUP BY r.id ORDER BY r.started_at DESC, r.id DESC"
                " LIMIT ?",
                (json.dumps(sorted(v.value for v in Verdict if v.is_failure)), limit),
            )
            return [RunTrend(row[0], row[1], row[2]) for row in reversed(rows.fetchall())]

        return self._guard(load, [])


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

_CheckRow = tuple[int, str, str, int | None, str, float, int]
_TABLES: Final = ("checks", "runs", "cache", "citations")
_CLEAR_STATEMENTS: Final = tuple(f"DELETE FROM {table}" for table in _TABLES)  # noqa: S608
_COUNT_STATEMENTS: Final = {t: f"SELECT count(*) FROM {t}" for t in _TABLES}  # noqa: S608


def _ignore(_message: str) -> None:
    return None


def _check_row(run_id: int, result: CheckResult, started_at: float) -> _CheckRow:
    checked_at = started_at if result.from_cache or not result.checked_at else result.checked_at
    return (
        run_id,
        result.url,
        result.verdict.value,
        result.status,
        result.reason,
        checked_at,
        int(result.from_cache),
    )


def _fragments_from_json(text: str) -> frozenset[str] | None:
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, list):
        return None
    return frozenset(str(v) for v in values)


def _narrowed(result: CheckResult, requested: frozenset[str]) -> CheckResult:
    """The cached result as a fresh check for ``requested`` fragments would have reported it."""
    return replace(
        result,
        attempts=0,
        elapsed=0.0,
        bytes_read=0,
        missing_fragments=result.missing_fragments & requested,
        from_cache=True,
    )
