"""``linkcheck history`` and the trend of failing links: text with a sparkline, or Markdown
with a Mermaid chart (GitHub renders it) and a table.

Every URL and reason read from the state file came from the web: each is escaped for
its target.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from linkcheck.models import RunTrend
from linkcheck.report.escape import markdown_code, markdown_text, markdown_url, terminal_safe
from linkcheck.state import HistoryEntry, Streak, describe_streak

SPARKS = "▁▂▃▄▅▆▇█"
"""Bars of a sparkline, lowest to highest."""
TREND_MIN_RUNS = 2
"""A trend is shown from this many recorded runs on."""
HISTORY_FORMATS: tuple[str, ...] = ("text", "markdown")


def _day(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def _minute(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


def sparkline(values: Sequence[int]) -> str:
    """One bar per value, scaled to the largest (all-zero values are all lowest bars)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    steps = len(SPARKS) - 1
    return "".join(SPARKS[round(value * steps / top)] for value in values)


def trend_line(trend: Sequence[RunTrend]) -> str | None:
    """``failing links, last 6 runs: ▁▃█▅▂▁ (4 → 0)``, or None with too few runs."""
    if len(trend) < TREND_MIN_RUNS:
        return None
    counts = [run.failing for run in trend]
    return (
        f"failing links, last {len(trend)} runs: {sparkline(counts)} ({counts[0]} → {counts[-1]})"
    )


def trend_markdown(trend: Sequence[RunTrend]) -> list[str]:
    """A Mermaid bar chart of failing links per run and a table of the runs (no lines
    with fewer than ``TREND_MIN_RUNS`` runs)."""
    if len(trend) < TREND_MIN_RUNS:
        return []
    labels = ", ".join(f'"{_day(run.started_at)[5:]}"' for run in trend)
    counts = ", ".join(str(run.failing) for run in trend)
    top = max(max(run.failing for run in trend), 1)
    lines = [
        f"### Failing links over the last {len(trend)} runs",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Failing links per run"',
        f"    x-axis [{labels}]",
        f'    y-axis "failing links" 0 --> {top}',
        f"    bar [{counts}]",
        "```",
        "",
        "| Run (UTC) | URLs checked | Failing |",
        "|---|---:|---:|",
    ]
    lines += [f"| {_minute(run.started_at)} | {run.checked} | {run.failing} |" for run in trend]
    return lines


def render_url_history(url: str, entries: Sequence[HistoryEntry], fmt: str) -> str:
    """The recorded checks of one URL, newest first."""
    if fmt == "markdown":
        lines = [f"### History of {markdown_url(url)}", ""]
        if not entries:
            return "\n".join([*lines, "No recorded checks."]) + "\n"
        lines += ["| Checked (UTC) | Verdict | Status | Reason |", "|---|---|---|---|"]
        for entry in entries:
            status = str(entry.status) if entry.status is not None else "—"
            cached = " (cached)" if entry.from_cache else ""
            reason = markdown_text(entry.reason).strip() or "—"
            lines.append(
                f"| {_minute(entry.checked_at)} | {entry.verdict.value}{cached} | {status} "
                f"| {reason} |"
            )
        return "\n".join(lines) + "\n"
    if not entries:
        return f"no history for {terminal_safe(url)}\n"
    return "".join(
        f"{_minute(entry.checked_at)}  {entry.verdict.value:<10} {terminal_safe(entry.reason)}"
        f"{' (cached)' if entry.from_cache else ''}\n"
        for entry in entries
    )


def render_failing(streaks: Sequence[Streak], trend: Sequence[RunTrend], fmt: str) -> str:
    """The URLs failing longest, and the trend of failing links over the latest runs."""
    failing = [streak for streak in streaks if streak.failures > 0]
    if fmt == "markdown":
        lines = ["## Link health over time", ""]
        chart = trend_markdown(trend)
        if chart:
            lines += [*chart, ""]
        lines += ["### Failing longest", ""]
        if not failing:
            lines.append("No failing URLs in the history.")
        else:
            lines += ["| URL | Last verdict | Failing |", "|---|---|---|"]
            for streak in failing:
                verdict = streak.last_verdict.value if streak.last_verdict else "?"
                since = markdown_text(describe_streak(streak) or "").strip() or "—"
                link = markdown_url(streak.url, table=True)
                lines.append(f"| {link} | {markdown_code(verdict, table=True)} | {since} |")
        return "\n".join(lines) + "\n"
    lines = []
    line = trend_line(trend)
    if line is not None:
        lines.append(line)
    if not failing:
        lines.append("no failing URLs in the history")
    for streak in failing:
        verdict = streak.last_verdict.value if streak.last_verdict else "?"
        lines.append(f"{verdict:<10} {terminal_safe(streak.url)}  {describe_streak(streak) or ''}")
    return "\n".join(lines) + "\n"
