"""The trend of failing links over the latest runs: a sparkline for terminals, a Mermaid
chart (GitHub renders it) and a table for Markdown. Only numbers and dates: nothing from
the web is rendered here."""

from __future__ import annotations

import time
from collections.abc import Sequence

from linkcheck.models import RunTrend


def _day(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def minute(timestamp: float) -> str:
    """``2026-10-12 14:13`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


SPARKS = "▁▂▃▄▅▆▇█"
"""Bars of a sparkline, lowest to highest."""
TREND_MIN_RUNS = 2
"""A trend is shown from this many recorded runs on."""


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
    lines += [f"| {minute(run.started_at)} | {run.checked} | {run.failing} |" for run in trend]
    return lines
