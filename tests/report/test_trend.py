"""The trend of failing links: in the text report, the Markdown report and JSON."""

from __future__ import annotations

from dataclasses import replace

from linkcheck.models import Report, RunTrend
from linkcheck.report.formats import render
from linkcheck.report.json import load
from linkcheck.report.trend import sparkline, trend_line, trend_markdown

WEEK = 7 * 86400
TREND = tuple(
    RunTrend(1_790_000_000 + i * WEEK, 40, failing) for i, failing in enumerate([1, 4, 8, 2])
)


def test_sparkline() -> None:
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([1, 4, 8, 2]) == "▂▅█▃"
    assert sparkline([]) == ""


def test_one_run_is_no_trend() -> None:
    assert trend_line(TREND[:1]) is None
    assert trend_markdown(TREND[:1]) == []


def test_markdown_chart_golden() -> None:
    assert "\n".join(trend_markdown(TREND)) == (
        "### Failing links over the last 4 runs\n"
        "\n"
        "```mermaid\n"
        "xychart-beta\n"
        '    title "Failing links per run"\n'
        '    x-axis ["09-21", "09-28", "10-05", "10-12"]\n'
        '    y-axis "failing links" 0 --> 8\n'
        "    bar [1, 4, 8, 2]\n"
        "```\n"
        "\n"
        "| Run (UTC) | URLs checked | Failing |\n"
        "|---|---:|---:|\n"
        "| 2026-09-21 14:13 | 40 | 1 |\n"
        "| 2026-09-28 14:13 | 40 | 4 |\n"
        "| 2026-10-05 14:13 | 40 | 8 |\n"
        "| 2026-10-12 14:13 | 40 | 2 |"
    )


def test_reports_show_the_trend(report: Report) -> None:
    with_trend = replace(report, trend=TREND)
    markdown = render(with_trend, "markdown")
    assert "```mermaid\nxychart-beta" in markdown
    assert markdown.index("xychart-beta") < markdown.index("### `content/")
    text = render(with_trend, "text")
    assert "failing links, last 4 runs: ▂▅█▃ (1 → 2)" in text
    assert "mermaid" not in render(report, "markdown")


def test_the_trend_survives_json(report: Report) -> None:
    with_trend = replace(report, trend=TREND)
    assert load(render(with_trend, "json")).trend == TREND
