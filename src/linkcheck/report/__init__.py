"""Report formatters: each a pure function from a ``Report`` to a string.

``FORMATTERS`` maps a format name to its ``render(report, *, color=False) -> str``.
"""

# No ``from __future__ import annotations`` here: it would shadow the ``annotations`` module.
from collections.abc import Callable, Mapping, Sequence

from linkcheck.models import Report, UsageError
from linkcheck.report import annotations, json, junit, markdown, sarif, text
from linkcheck.report.sarif import RuleInfo, RuleMeta

Formatter = Callable[..., str]
"""``render(report, *, color=False) -> str``."""

FORMATTERS: Mapping[str, Formatter] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "github": annotations.render,
    "junit": junit.render,
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATTERS)


def render(
    report: Report,
    fmt: str,
    *,
    color: bool = False,
    rules: Sequence[RuleInfo] | None = None,
) -> str:
    """The report in format ``fmt``; UsageError for an unknown format.

    ``rules`` (id, default severity, hint of every rule) is used by the ``sarif`` format;
    without it, SARIF lists the rules that have findings.
    """
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        known = ", ".join(FORMAT_NAMES)
        raise UsageError(f"unknown report format {fmt!r} (known: {known})") from None
    if fmt == "sarif":
        return sarif.render(report, color=color, rules=rules)
    return formatter(report, color=color)


__all__ = ["FORMATTERS", "FORMAT_NAMES", "Formatter", "RuleInfo", "RuleMeta", "render"]
