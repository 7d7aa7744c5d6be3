"""``linkcheck history``: one URL's recorded checks, or the URLs failing longest with the
trend of failing links (a sparkline in text; a Mermaid chart and a table in Markdown).

Every URL and reason read from the state file came from the web: each is escaped for
its target.
"""

from __future__ import annotations

from collections.abc import Sequence

from linkcheck.models import FailingUrl, RunTrend
from linkcheck.report.escape import markdown_code, markdown_text, markdown_url, terminal_safe
from linkcheck.report.trend import minute, trend_line, trend_markdown
from linkcheck.state import HistoryEntry

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


def render_failing(failing: Sequence[FailingUrl], trend: Sequence[RunTrend], fmt: str) -> str:
    """The failing URLs (oldest streak first), and the trend of failing links over the latest
    runs. A failure the evidence makes an error is marked so."""
    if fmt == "markdown":
        lines = ["## Link health over time", ""]
        chart = trend_markdown(trend)
        if chart:
            lines += [*chart, ""]
        lines += ["### Failing longest", ""]
        if not failing:
            lines.append("No failing URLs in the history.")
        else:
            lines += ["| URL | Last verdict | Failing | Error |", "|---|---|---|---|"]
            for item in failing:
                since = markdown_text(item.judged.description).strip() or "—"
                link = markdown_url(item.url, table=True)
                verdict = markdown_code(item.verdict.value, table=True)
                error = "yes" if item.judged.escalate else "not yet"
                lines.append(f"| {link} | {verdict} | {since} | {error} |")
        return "\n".join(lines) + "\n"
    lines = []
    line = trend_line(trend)
    if line is not None:
        lines.append(line)
    if not failing:
        lines.append("no failing URLs in the history")
    for item in failing:
        error = "  (an error)" if item.judged.escalate else ""
        lines.append(
            f"{item.verdict.value:<10} {terminal_safe(item.url)}  {item.judged.description}{error}"
        )
    return "\n".join(lines) + "\n"
