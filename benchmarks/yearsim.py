"""A year of weekly scheduled runs against a loopback world whose hosts change week by week.

Every week does what the scheduled workflow does, under a clock moved to that Monday:

    linkcheck run --format json --output REPORT --         (in the blog's checkout)
    linkcheck github-issue REPORT --label linkcheck        (GITHUB_TOKEN, GITHUB_REPOSITORY,
                                                            GITHUB_API_URL: a fake GitHub API)

The state file (.linkcheck/) stays in the checkout between weeks, as the workflow's cache
keeps it. The world (``World``) is drawn from a seed:

* steady hosts whose pages always answer 200 (and an archive host the author links to when
  replacing a broken link);
* noise: hosts that flap at several rates (503, a hang or a reset), a bot wall (403 with a
  challenge page), a rate limiter (429 some weeks), outages of one to four weeks;
* real incidents: a 404 and a 410 (the author replaces the link the week after the issue
  lists it), a host that disappears (its listener closes: connections are refused), a
  domain that stops resolving (a host reached by name, through a resolver faked in the
  process: no DNS server is asked), a server error that never ends (500), a soft 404
  (200 "Page not found" where the cited article was); and, reported but not scored, a move
  (301: a warning, fixed by the fix pull request, not the issue);
* a week without network (every request goes to a proxy that is not there).

It prints, per seed and in total: issue events by kind, false issue events (an open or an
edit whose change in the failing set holds a noise URL or no real one), error findings on
noise, the delay in runs of each real incident, whether each fix closed the issue in the run
after it, edits that did not change the failing set, the network-down week's issue action,
and the weeks the issue was open.

    .venv/bin/python -m benchmarks.yearsim --seeds 1,2,3,4,5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import struct
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from tests.test_github_end_to_end import REPO, TOKEN, FakeGitHub  # noqa: E402

from linkcheck.cli import cli  # noqa: E402
from linkcheck.config import OPTIONS_BY_KEY  # noqa: E402

START = datetime(2027, 1, 4, 5, 23, tzinfo=UTC)
"""The first scheduled run: a Monday, at the workflow's cron time."""
WEEKS = 52
HANG_SECONDS = 3.0
"""How long a hanging host holds a connection (longer than the run's timeout)."""
READ_TIMEOUT = 5.0
LABEL = "linkcheck"
CONFIG = """\
timeout = 0.4
deadline = 1.5
retries = 1
backoff-base = 0.01
retry-after-max = 0.1
"""
"""The blog's linkcheck.toml: short timeouts so that a hanging host costs little."""

CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b'<body><form id="challenge-form" action="/cdn-cgi/challenge-platform">'
    b"Checking your browser before accessing the site.</form></body></html>"
)
SOFT_404_PAGE = (
    b"<!DOCTYPE html><html><head><title>Page not found</title></head>"
    b"<body><h1>Page not found</h1><p>Sorry, the page you are looking for doesn't exist."
    b"</p></body></html>"
)

REAL = frozenset({"404", "410", "host-gone", "unresolvable", "server-forever", "soft404"})
"""Incidents the issue must report (and the author then fixes)."""
DEADLINE_RUNS = {
    "404": 2,
    "410": 2,
    "host-gone": 2,
    "unresolvable": 2,
    "server-forever": 5,
    "soft404": 2,
}
VANISHING_NAME = "vanishing.yearsim.test"
"""The host reached by name; the faked resolver answers for it until its domain lapses."""
"""The run, counted from the first run that sees the incident, by which it must be reported."""


# ---------------------------------------------------------------------------
# The world: hosts, pages and what each answers in each week (pure, from a seed)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a page answers in one week."""

    kind: str
    """ok, status, challenge, hang, reset, refused, moved, soft404"""
    status: int = 200


OK = Answer("ok")


@dataclass
class Host:
    name: str
    role: str
    """steady, archive, flap, wall, ratelimit, outage, gone"""
    failing_weeks: frozenset[int] = frozenset()
    failure: Answer = OK
    gone_from: int | None = None
    unresolvable_from: int | None = None
    """The week from which the host's name no longer resolves (reached by name only)."""
    dns_name: str = ""
    address: str = ""
    port: int = 0


@dataclass
class Incident:
    kind: str
    """404, 410, host-gone, server-forever, moved, soft404"""
    url_path: str
    host: str
    week: int
    fixed_week: int | None = None
    """The week whose run first saw the author's fix (the link replaced)."""
    reported_week: int | None = None


@dataclass
class Page:
    host: str
    path: str
    title: str
    incident: Incident | None = None


@dataclass
class World:
    seed: int
    weeks: int
    hosts: dict[str, Host]
    pages: list[Page]
    network_down_week: int
    incidents: list[Incident] = field(default_factory=list)

    def answer(self, host: str, path: str, week: int) -> Answer:
        spec = self.hosts[host]
        if spec.role == "archive":
            return OK
        if spec.gone_from is not None and week >= spec.gone_from:
            return Answer("refused")
        if spec.unresolvable_from is not None and week >= spec.unresolvable_from:
            return Answer("unresolvable")
        if week in spec.failing_weeks:
            return spec.failure
        page = self.page(host, path)
        if page is None:
            if path.endswith("-new"):  # the target of a move
                return OK
            return Answer("status", 404)
        incident = page.incident
        if incident is None or week < incident.week:
            return OK
        return {
            "404": Answer("status", 404),
            "410": Answer("status", 410),
            "server-forever": Answer("status", 500),
            "moved": Answer("moved", 301),
            "soft404": Answer("soft404"),
        }.get(incident.kind, OK)

    def page(self, host: str, path: str) -> Page | None:
        for page in self.pages:
            if page.host == host and page.path == path:
                return page
        return None

    def noise_hosts(self) -> set[str]:
        return {h.name for h in self.hosts.values() if h.role in NOISE_ROLES}


NOISE_ROLES = frozenset({"flap", "wall", "ratelimit", "outage"})
FLAPPERS = ((0.1, Answer("status", 503)), (0.2, Answer("hang")), (0.33, Answer("status", 503)))
FLAPPERS_33 = ((0.33, Answer("hang")), (0.33, Answer("reset")))


def build_world(seed: int, *, weeks: int = WEEKS, steady_pages: int = 25) -> World:
    """The seeded world: 40 URLs over 16 hosts (``steady_pages`` healthy pages included)."""
    rng = random.Random(seed)
    hosts: dict[str, Host] = {}
    pages: list[Page] = []

    def host(name: str, role: str, **kw: Any) -> Host:
        hosts[name] = Host(name, role, **kw)
        return hosts[name]

    def page(host_name: str, n: int) -> Page:
        made = Page(host_name, f"/{host_name}/article-{n}", f"{host_name} article {n}")
        pages.append(made)
        return made

    steady = [host(f"steady{i}", "steady") for i in range(5)]
    for n in range(steady_pages):
        page(steady[n % len(steady)].name, n)
    host("archive", "archive")
    for i, (rate, failure) in enumerate((*FLAPPERS, *FLAPPERS_33)):
        failing = frozenset(w for w in range(weeks) if rng.random() < rate)
        page(host(f"flap{i}", "flap", failing_weeks=failing, failure=failure).name, 0)
    wall = host("wall", "wall", failing_weeks=frozenset(range(weeks)), failure=Answer("challenge"))
    page(wall.name, 0)
    page(wall.name, 1)
    limited = frozenset(w for w in range(weeks) if rng.random() < 0.4)
    limiter = host("ratelimit", "ratelimit", failing_weeks=limited, failure=Answer("status", 429))
    page(limiter.name, 0)
    page(limiter.name, 1)
    for i, (length, failure) in enumerate(
        (
            (1, Answer("status", 503)),
            (2, Answer("reset")),
            (3, Answer("hang")),
            (4, Answer("status", 502)),
        )
    ):
        start = rng.randrange(2, weeks - length)
        outage = host(
            f"outage{i}",
            "outage",
            failing_weeks=frozenset(range(start, start + length)),
            failure=failure,
        )
        page(outage.name, 0)
    gone = host("gone", "gone", gone_from=rng.randrange(3, weeks - 10))
    page(gone.name, 0)
    page(gone.name, 1)

    incidents: list[Incident] = []
    candidates = [p for p in pages if hosts[p.host].role == "steady"]
    rng.shuffle(candidates)
    for kind, target in zip(
        ("404", "410", "server-forever", "moved", "soft404"), candidates, strict=False
    ):
        incident = Incident(kind, target.path, target.host, rng.randrange(3, weeks - 10))
        target.incident = incident
        incidents.append(incident)
    for gone_page in (p for p in pages if p.host == gone.name):
        incident = Incident("host-gone", gone_page.path, gone.name, gone.gone_from or 0)
        gone_page.incident = incident
        incidents.append(incident)
    network_down = rng.randrange(4, weeks - 2)
    # A host reached by name whose domain lapses: drawn from a second generator, so that
    # the rest of the world is the one the seed drew before it was added.
    lapse = random.Random(seed * 7919 + 1).randrange(3, weeks - 10)
    vanishing = host("vanishing", "vanishing", unresolvable_from=lapse, dns_name=VANISHING_NAME)
    for n in range(2):
        vanishing_page = page(vanishing.name, n)
        incident = Incident("unresolvable", vanishing_page.path, vanishing.name, lapse)
        vanishing_page.incident = incident
        incidents.append(incident)
    return World(seed, weeks, hosts, pages, network_down, incidents)


# ---------------------------------------------------------------------------
# The farm: one listener per host on its own loopback address
# ---------------------------------------------------------------------------


class Farm:
    """Serves the world's answers for the current ``week`` (set by the simulation)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.week = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: dict[str, asyncio.AbstractServer] = {}

    def __enter__(self) -> Farm:
        self._thread.start()
        for index, host in enumerate(self.world.hosts.values()):
            host.address = f"127.0.0.{index + 2}"
            server = self._call(self._start(host))
            self._servers[host.name] = server
            host.port = server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for server in self._servers.values():
                server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        self._call(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(READ_TIMEOUT)
        self._loop.close()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(READ_TIMEOUT)

    async def _start(self, host: Host) -> asyncio.AbstractServer:
        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await self._serve(host, reader, writer)
            except asyncio.CancelledError:
                return  # the farm is stopping

        return await asyncio.start_server(client, host.address, 0)

    def url(self, page: Page | Incident, suffix: str = "") -> str:
        path = page.path if isinstance(page, Page) else page.url_path
        host = self.world.hosts[page.host]
        return f"http://{host.dns_name or host.address}:{host.port}{path}{suffix}"

    @contextmanager
    def resolver(self) -> Iterator[None]:
        """The names of the world resolve to their loopback addresses, as long as their
        domain has not lapsed (then: no such name); every other lookup is left as it was."""
        real = socket.getaddrinfo
        names = {h.dns_name: h for h in self.world.hosts.values() if h.dns_name}

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            spec = names.get(name)
            if spec is None:
                return real(host, port, *args, **kwargs)
            if spec.unresolvable_from is not None and self.week >= spec.unresolvable_from:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real(spec.address, port, *args, **kwargs)

        socket.getaddrinfo = getaddrinfo
        try:
            yield
        finally:
            socket.getaddrinfo = real

    def set_week(self, week: int) -> None:
        """Move the world to ``week``: hosts gone by then stop listening."""
        self.week = week
        for host in self.world.hosts.values():
            if host.gone_from is not None and week >= host.gone_from:
                server = self._servers.get(host.name)
                if server is not None and server.is_serving():
                    self._call(_close(server))

    async def _serve(
        self, host: Host, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            method, target = head.split(b" ", 2)[:2]
            path = target.decode("latin-1").split("?", 1)[0]
            answer = self.world.answer(host.name, path, self.week)
            if answer.kind == "hang":
                await asyncio.sleep(HANG_SECONDS)
                return
            if answer.kind == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            status, headers, body = _response(answer, path, host)
            lines = [f"HTTP/1.1 {status} X", "Connection: close", *headers]
            lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            if method != b"HEAD":
                writer.write(body)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()


async def _close(server: asyncio.AbstractServer) -> None:
    server.close()
    await server.wait_closed()


def _response(answer: Answer, path: str, host: Host) -> tuple[int, list[str], bytes]:
    html = "Content-Type: text/html; charset=utf-8"
    if answer.kind == "challenge":
        return 403, [html, "Server: cloudflare"], CHALLENGE_PAGE
    if answer.kind == "soft404":
        return 200, [html], SOFT_404_PAGE
    if answer.kind == "moved":
        return 301, [f"Location: http://{host.address}:{host.port}{path}-new"], b""
    if answer.kind == "status":
        return answer.status, ["Content-Type: text/plain"], b"not here"
    title = path.strip("/").replace("/", " ")
    body = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><p>{title}</p>"
    return 200, [html], (body + "</body></html>").encode()


# ---------------------------------------------------------------------------
# The blog
# ---------------------------------------------------------------------------

POSTS = 6


def write_blog(root: Path, world: World, farm: Farm) -> list[Path]:
    """Posts citing every page inline and in Resources, and the blog's linkcheck.toml."""
    config = CONFIG
    if "allow-private" in OPTIONS_BY_KEY:  # loopback hosts are private addresses
        config += "allow-private = true\n"
    (root / "linkcheck.toml").write_text(config, encoding="utf-8")
    blog = root / "content" / "blog"
    blog.mkdir(parents=True)
    paths = []
    for n in range(POSTS):
        cited = world.pages[n::POSTS]
        body = [f"---\ntitle: Post {n}\ndate: 2026-12-0{n + 1}\n---\n", f"# Post {n}\n"]
        body += [f"As [{p.title}]({farm.url(p)}) shows, this matters.\n" for p in cited]
        body.append("\n## Resources\n")
        body += [f"- [{p.title}]({farm.url(p)})" for p in cited]
        path = blog / f"post-{n}.md"
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def replace_link(posts: Sequence[Path], old: str, new: str) -> None:
    """The author's fix: every link to ``old`` now points at ``new`` (whole destinations
    only: ``/article-1`` is not part of ``/article-16``)."""
    for path in posts:
        text = path.read_text(encoding="utf-8")
        if f"({old})" in text:
            path.write_text(text.replace(f"({old})", f"({new})"), encoding="utf-8")


# ---------------------------------------------------------------------------
# The year
# ---------------------------------------------------------------------------


@dataclass
class Figures:
    seed: int
    events: Counter[str] = field(default_factory=Counter)
    false_events: int = 0
    noise_errors: int = 0
    edits_without_change: int = 0
    delays: dict[str, list[int]] = field(default_factory=dict)
    """Incident kind -> runs from the first run that saw it to the run whose issue lists it."""
    late: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    closes_after_fix: list[int] = field(default_factory=list)
    """For each fix that left nothing failing: runs until the issue was closed (1: at once)."""
    network_down_action: str = ""
    network_down_untouched: bool = True
    weeks_open: int = 0
    info: dict[str, str] = field(default_factory=dict)
    """Reported, not scored: moves."""


@contextmanager
def _chdir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _closed_port() -> int:
    """A loopback port nothing listens on (the proxy of the week without network)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def simulate(seed: int, *, weeks: int = WEEKS, steady_pages: int = 25) -> Figures:
    """One seeded year; the figures of ``Figures``."""
    world = build_world(seed, weeks=weeks, steady_pages=steady_pages)
    figures = Figures(seed)
    github = FakeGitHub()
    api = HTTPServer(host="127.0.0.1")
    api.expect_request(re.compile(".*")).respond_with_handler(github.handle)
    api.start()
    no_network = f"http://127.0.0.1:{_closed_port()}"
    try:
        with tempfile.TemporaryDirectory(prefix="yearsim-") as tmp, Farm(world) as farm:
            root = Path(tmp)
            posts = write_blog(root, world, farm)
            with _chdir(root), farm.resolver():
                _year(world, farm, posts, github, api.url_for("/").rstrip("/"), no_network, figures)
    finally:
        api.clear()
        api.stop()
    return figures


def _env(api: str, proxy: str) -> dict[str, str | None]:
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api,
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "ALL_PROXY": None,
        "NO_PROXY": None,
        "http_proxy": None,
        "https_proxy": None,
        "all_proxy": None,
        "no_proxy": None,
        "FORCE_COLOR": None,
    }


def _year(
    world: World,
    farm: Farm,
    posts: list[Path],
    github: FakeGitHub,
    api: str,
    no_network: str,
    figures: Figures,
) -> None:
    runner = CliRunner()
    noise_urls = {farm.url(p) for p in world.pages if p.host in world.noise_hosts()}
    real = [i for i in world.incidents if i.kind in REAL]
    issue_set: frozenset[str] = frozenset()
    """The failing URLs the open issue lists (empty: no open issue)."""
    runs_done = 0
    run_of_week: dict[int, int] = {}
    fixed_now: list[Incident] = []
    for week in range(world.weeks):
        # The author fixes what the issue listed last week.
        fixed_now = []
        for incident in real:
            if incident.reported_week is not None and incident.fixed_week is None:
                replacement = f"http://{_archive(world)}/copy{incident.url_path}"
                replace_link(posts, farm.url(incident), replacement)
                incident.fixed_week = week
                fixed_now.append(incident)
        farm.set_week(week)
        down = week == world.network_down_week
        env = _env(api, no_network if down else "")
        at = START + timedelta(weeks=week)
        writes_before = len(github.writes)
        with time_machine.travel(at, tick=True):
            runner.invoke(
                cli,
                ["run", "--format", "json", "--output", "report.json", "--"],
                env=env,
                catch_exceptions=False,
            )
            synced = runner.invoke(
                cli,
                ["github-issue", "report.json", "--label", LABEL],
                env=env,
                catch_exceptions=False,
            )
        if synced.exit_code != 0:
            raise RuntimeError(f"week {week}: github-issue failed: {synced.output}")
        action = synced.output.strip().rsplit("tracking issue: ", 1)[-1]
        report = json.loads(Path("report.json").read_text(encoding="utf-8"))
        if any(i.get("state") == "open" for i in github.issues.values()):
            figures.weeks_open += 1
        if down:
            figures.network_down_action = action
            figures.network_down_untouched = len(github.writes) == writes_before
            continue
        runs_done += 1
        run_of_week[week] = runs_done
        errors = frozenset(
            f["url"] for f in report["findings"] if f["severity"] == "error" and f.get("url")
        )
        figures.noise_errors += len(errors & noise_urls)
        figures.events[action] += 1
        if action in {"created", "edited"}:
            change = errors ^ issue_set
            real_urls = {farm.url(i) for i in real}
            if change & noise_urls or not change & real_urls:
                figures.false_events += 1
            if change == frozenset():
                figures.edits_without_change += 1
            issue_set = errors
        elif action == "closed":
            issue_set = frozenset()
        for incident in real:
            if incident.reported_week is None and farm.url(incident) in errors:
                incident.reported_week = week
        if fixed_now and not errors:
            figures.closes_after_fix.append(1 if action == "closed" else 0)
        _info(world, farm, report, week, figures)
    _delays(real, run_of_week, figures)


def _archive(world: World) -> str:
    archive = world.hosts["archive"]
    return f"{archive.address}:{archive.port}"


def _info(world: World, farm: Farm, report: dict[str, Any], week: int, figures: Figures) -> None:
    """Moves: what the run said about them (not scored)."""
    for incident in world.incidents:
        if incident.kind != "moved" or week < incident.week:
            continue
        if incident.kind in figures.info:
            continue
        url = farm.url(incident)
        rules = sorted({f["rule"] for f in report["findings"] if f.get("url") == url})
        if rules:
            figures.info[incident.kind] = f"{','.join(rules)} after {week - incident.week + 1} runs"
    for incident in world.incidents:
        if incident.kind == "moved" and week == world.weeks - 1:
            figures.info.setdefault(incident.kind, "never reported")


def _delays(real: Sequence[Incident], run_of_week: dict[int, int], figures: Figures) -> None:
    for incident in real:
        label = f"{incident.kind}@{incident.week}"
        if incident.reported_week is None:
            figures.missed.append(label)
            continue
        first = min(r for w, r in run_of_week.items() if w >= incident.week)
        delay = run_of_week[incident.reported_week] - first + 1
        figures.delays.setdefault(incident.kind, []).append(delay)
        if delay > DEADLINE_RUNS[incident.kind]:
            figures.late.append(f"{label}: {delay} runs")


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------


def meets_targets(figures: Figures) -> bool:
    """The targets: no false event, no error on noise, nothing late or missed, each fix
    closing the issue in its run, no edit without a change, the network-down week untouched."""
    return (
        figures.false_events == 0
        and figures.noise_errors == 0
        and not figures.late
        and not figures.missed
        and all(figures.closes_after_fix)
        and figures.edits_without_change == 0
        and figures.network_down_untouched
        and figures.network_down_action in {"skipped-network-down", ""}
    )


def describe(figures: Figures) -> str:
    events = ", ".join(f"{k} {v}" for k, v in sorted(figures.events.items()))
    delays = ", ".join(
        f"{kind} {'/'.join(map(str, runs))}" for kind, runs in sorted(figures.delays.items())
    )
    closes = f"{sum(figures.closes_after_fix)}/{len(figures.closes_after_fix)}"
    info = ", ".join(f"{k}: {v}" for k, v in sorted(figures.info.items()))
    lines = [
        f"seed {figures.seed}: {'targets met' if meets_targets(figures) else 'TARGETS MISSED'}",
        f"  issue events: {events}",
        f"  false issue events: {figures.false_events}; error findings on noise: "
        f"{figures.noise_errors}; edits without a change: {figures.edits_without_change}",
        f"  delay in runs: {delays}"
        + (f"; late: {figures.late}" if figures.late else "")
        + (f"; missed: {figures.missed}" if figures.missed else ""),
        f"  fixes closing the issue in their run: {closes}; weeks open: {figures.weeks_open}",
        f"  network-down week: {figures.network_down_action or 'no report'}, "
        f"{'issue untouched' if figures.network_down_untouched else 'ISSUE WRITTEN'}",
        f"  not scored: {info}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds")
    parser.add_argument("--weeks", type=int, default=WEEKS)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    total = Counter[str]()
    all_ok = True
    worst: dict[str, int] = {}
    false_events = noise = 0
    for seed in seeds:
        figures = simulate(seed, weeks=args.weeks)
        print(describe(figures), flush=True)
        total.update(figures.events)
        false_events += figures.false_events
        noise += figures.noise_errors
        for kind, runs in figures.delays.items():
            worst[kind] = max(worst.get(kind, 0), *runs)
        all_ok = all_ok and meets_targets(figures)
    print(
        f"total over {len(seeds)} seeds: events {dict(sorted(total.items()))}; false issue "
        f"events {false_events}; error findings on noise {noise}; worst delay in runs "
        f"{dict(sorted(worst.items()))}; {'all targets met' if all_ok else 'TARGETS MISSED'}"
    )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
