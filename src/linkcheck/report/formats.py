"""The report formats by name, and the small interface they all share.

``FORMATS`` maps a format name to a ``ReportFormat``: ``render`` gives the whole text,
``write`` puts the same text on a stream (piece by piece where the format can, as JSON
does for large blogs).
"""

# No ``from __future__ import annotations`` here: it would shadow the ``annotations`` module.
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TextIO

from linkcheck.models import Report, UsageError


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


def _text() -> ReportFormat:
    from linkcheck.report import text

    return Whole(text.render)


def _json() -> ReportFormat:
    from linkcheck.report import json

    return Streamed(json.render, json.write)


def _markdown() -> ReportFormat:
    from linkcheck.report import markdown

    return Whole(markdown.render)


def _sarif() -> ReportFormat:
    from linkcheck.report import sarif
    from linkcheck.rules import RULES

    return Whole(partial(sarif.render, rules=RULES))


def _github() -> ReportFormat:
    from linkcheck.report import annotations

    return Whole(annotations.render)


def _junit() -> ReportFormat:
    from linkcheck.report import junit

    return Whole(junit.render)


class _Formats(Mapping[str, ReportFormat]):
    """The formats by name, each module loaded when its format is first asked for: a run
    that writes JSON never loads the XML, SARIF or Markdown writers."""

    def __init__(self, makers: Mapping[str, Callable[[], ReportFormat]]) -> None:
        self._makers = makers
        self._made: dict[str, ReportFormat] = {}

    def __getitem__(self, name: str) -> ReportFormat:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._makers[name]()
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


FORMATS: Mapping[str, ReportFormat] = _Formats(
    {
        "text": _text,
        "json": _json,
        "markdown": _markdown,
        "sarif": _sarif,
        "github": _github,
        "junit": _junit,
    }
)
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
    "render",
    "report_format",
]
