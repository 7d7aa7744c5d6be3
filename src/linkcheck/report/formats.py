"""The report formats by name, and the small interface they all share.

``FORMATS`` maps a format name to a ``ReportFormat``: ``render`` gives the whole text,
``write`` puts the same text on a stream (piece by piece where the format can, as JSON
does for large blogs).
"""

# No ``from __future__ import annotations`` here: it would shadow the ``annotations`` module.
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TextIO

from linkcheck.models import Report, UsageError
from linkcheck.report import annotations, json, junit, markdown, sarif, text
from linkcheck.report.sarif import RuleInfo, RuleMeta
from linkcheck.rules import RULES


class ReportFormat(Protocol):
    """What every report format offers."""

    def render(self, report: Report, *, color: bool = False) -> str:
        """The whole report as text (``color``: ANSI colours, for formats that have them)."""
        ...

    def write(self, report: Report, out: TextIO, *, color: bool = False) -> None:
        """Write ``render(report)`` to ``out``, ending with a line break."""
        ...


class RenderFunction(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...


@dataclass(frozen=True, slots=True)
class Whole:
    """A format rendered in one piece, then written."""

    render_text: RenderFunction

    def render(self, report: Report, *, color: bool = False) -> str:
        return self.render_text(report, color=color)

    def write(self, report: Report, out: TextIO, *, color: bool = False) -> None:
        rendered = self.render_text(report, color=color)
        out.write(rendered if rendered.endswith("\n") else rendered + "\n")


@dataclass(frozen=True, slots=True)
class Streamed:
    """A format written piece by piece (the document is never held whole in memory)."""

    render_text: RenderFunction
    write_text: Callable[[Report, TextIO], None]

    def render(self, report: Report, *, color: bool = False) -> str:
        return self.render_text(report, color=color)

    def write(self, report: Report, out: TextIO, *, color: bool = False) -> None:
        del color
        self.write_text(report, out)


FORMATS: Mapping[str, ReportFormat] = {
    "text": Whole(text.render),
    "json": Streamed(json.render, json.write),
    "markdown": Whole(markdown.render),
    "sarif": Whole(partial(sarif.render, rules=RULES)),
    "github": Whole(annotations.render),
    "junit": Whole(junit.render),
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


def report_format(fmt: str) -> ReportFormat:
    """The format named ``fmt``; UsageError for an unknown one."""
    try:
        return FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMAT_NAMES)
        raise UsageError(f"unknown report format {fmt!r} (known: {known})") from None


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """The report in format ``fmt``; UsageError for an unknown format."""
    return report_format(fmt).render(report, color=color)


__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "ReportFormat",
    "RuleInfo",
    "RuleMeta",
    "render",
    "report_format",
]
