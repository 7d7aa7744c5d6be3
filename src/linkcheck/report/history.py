"""``linkcheck history``: one URL's recorded checks, or the URLs failing longest with the
trend of failing links (a sparkline in text; a Mermaid chart and a table in Markdown).

Every URL and reason read from the state file came from the web: each is escaped for
its target.
"""

from __future__ import annotations

from collections.abc import Sequence

from linkcheck.models import RunTrend
from linkcheck.report.escape import markdown_code, markdown_text, markdown_url, terminal_safe
from linkcheck.report.trend import minute, trend_line, trend_markdown
from linkcheck.state import HistoryEntry, Streak, describe_streak

HISTORY_FORMATS: tuple[str, ...] = ("text", "markdown")


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
                f"| {minute(entry.checked_at)} | {entry.verdict.value}{cached} | {status} "
                f"| {reason} |"
            )
        return "\n".join(lines) + "\n"
    if not entries:
        return f"no history for {terminal_safe(url)}\n"
    return "".join(
        f"{minute(entry.checked_at)}  {entry.verdict.value:<10} {terminal_safe(entry.reason)}"
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
