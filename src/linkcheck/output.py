"""Where a run's outputs go: each report format to its file or to stdout, diffs, and text.

Every file this tool writes for the user (reports, the bibliography, history pages) is
opened by ``open_output``; everything meant for stdout goes through ``stdout_stream``.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from linkcheck.models import Report, UsageError
from linkcheck.safewrite import atomic_writer


@dataclass(frozen=True, slots=True)
class Target:
    """One report: its format, and the file it goes to (None: stdout)."""

    format: str
    path: str | None = None


def report_targets(formats: Sequence[str], outputs: Sequence[str]) -> list[Target]:
    """Pair each format with its output file; at most one format may go to stdout."""
    if len(outputs) > len(formats):
        raise UsageError("more --output files than --format options")
    targets = [
        Target(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)
    ]
    if sum(1 for target in targets if target.path is None) > 1:
        raise UsageError("only one --format can go to stdout: give the others an --output")
    return targets


def stdout_holds_a_report(targets: Sequence[Target]) -> bool:
    """Whether a machine-readable report goes to stdout (then diffs and notes go to stderr;
    the text report can share stdout with them)."""
    return any(target.path is None and target.format != "text" for target in targets)


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def stdout_stream() -> TextIO:
    """The stream stdout is right now (tests and the command runner replace it)."""
    return sys.stdout


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """The one way a file of output is written; UsageError when it cannot be.

    The text goes to a temporary file beside ``path`` that is renamed into place once it is
    whole (``linkcheck.safewrite``): a report on disk is complete or absent, never cut short.
    """
    try:
        with atomic_writer(path) as raw:
            file = io.TextIOWrapper(raw, "utf-8")
            yield file
            file.flush()
            file.detach()  # the writer closes the file once it is in place
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def write_to(path: str | None, write: Callable[[TextIO, bool], None]) -> None:
    """Let ``write(stream, color)`` fill a file, or stdout (coloured on a terminal)."""
    if path:
        with open_output(path) as file:
            write(file, False)
        return
    stream = stdout_stream()
    write(stream, use_color(stream))
    stream.flush()


def write_text(text: str, path: str | None) -> None:
    """Write ``text`` (a line break added when missing) to a file or stdout."""
    ending = "" if text.endswith("\n") else "\n"

    def write(stream: TextIO, _color: bool) -> None:
        stream.write(text + ending)

    write_to(path, write)


def write_reports(report: Report, targets: Sequence[Target]) -> None:
    """Render the report once per target and write it."""
    from linkcheck.report.formats import ReportFormat, report_format

    for target in targets:
        fmt = report_format(target.format)

        def write(stream: TextIO, color: bool, fmt: ReportFormat = fmt) -> None:
            fmt.write(report, stream, color=color)

        write_to(target.path, write)


def append_step_outputs(path: str, values: Mapping[str, str]) -> None:
    """``name=value`` lines appended to a GitHub Actions step's output file
    (``$GITHUB_OUTPUT``); a value holding a line break is a bug, refused."""
    if any("\n" in value or "\r" in value for value in values.values()):
        raise ValueError("a step output value holds a line break")
    try:
        with open(path, "a", encoding="utf-8") as file:
            file.writelines(f"{name}={value}\n" for name, value in values.items())
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
