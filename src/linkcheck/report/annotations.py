"""The ``github`` format: one workflow command per finding, shown as annotations.

``::error file=F,line=L,col=C,title=T::MESSAGE`` (``warning`` and ``notice`` for the other
severities). Properties and message are escaped as the runner unescapes them, so no web
text can end a command or start another.

GitHub shows at most ``ANNOTATIONS_PER_KIND`` annotations of each kind per step and drops
the rest without a word. So when a kind has more, the first ones (in order: the state of the
run, input problems, then findings by file and place) stay annotations, the others are
written as plain log lines, and the last annotation of that kind says how many went there.
"""

from __future__ import annotations

from collections.abc import Mapping

from linkcheck.models import Finding, InputProblem, Report, Severity
from linkcheck.report.escape import command_data, command_property, shorten, terminal_safe
from linkcheck.report.summary import MAX_TEXT_CHARS, finding_order

COMMANDS: Mapping[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}
ANNOTATIONS_PER_KIND = 10
"""Errors, warnings and notices GitHub shows per step (each kind separately)."""
TITLE_PREFIX = "linkcheck"
NETWORK_DOWN_MESSAGE = "linkcheck: the network was unreachable, nothing could be verified"
OFFLINE_MESSAGE = "linkcheck: offline run, network checks were skipped"
LOG_SEPARATOR = " · "
"""Joins the lines of a finding's message on a plain log line."""


def _command(name: str, properties: Mapping[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={command_property(str(value))}" for key, value in properties.items())
    return (
        f"::{name} {props}::{command_data(message)}"
        if props
        else f"::{name}::{command_data(message)}"
    )


def _finding_message(finding: Finding) -> str:
    lines = [shorten(finding.message, MAX_TEXT_CHARS)]
    if finding.url:
        lines.append(f"URL: {shorten(finding.url, MAX_TEXT_CHARS)}")
    if finding.suggestion:
        lines.append(f"Suggestion: {shorten(finding.suggestion, MAX_TEXT_CHARS)}")
    return "\n".join(lines)


def _finding(finding: Finding) -> _Annotation:
    properties: dict[str, str | int] = {
        "file": finding.location.path,
        "line": finding.location.line,
        "col": finding.location.column,
        "title": f"{TITLE_PREFIX} {finding.rule}",
    }
    message = _finding_message(finding)
    where = f"{finding.location.path}:{finding.location.line}:{finding.location.column}"
    return _Annotation(
        COMMANDS[finding.severity], properties, message, f"{where}: {finding.rule}: {message}"
    )


def _problem(problem: InputProblem) -> _Annotation:
    properties: dict[str, str | int] = {"file": problem.path}
    if problem.line is not None:
        properties["line"] = problem.line
    properties["title"] = f"{TITLE_PREFIX} input"
    where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
    return _Annotation("error", properties, problem.reason, f"{where}: input: {problem.reason}")


class _Annotation:
    """One annotation, and how it reads as a plain log line when GitHub would drop it."""

    __slots__ = ("kind", "message", "plain", "properties")

    def __init__(
        self, kind: str, properties: Mapping[str, str | int], message: str, plain: str
    ) -> None:
        self.kind = kind
        self.properties = properties
        self.message = message
        self.plain = plain

    def command(self) -> str:
        return _command(self.kind, self.properties, self.message)

    def log_line(self) -> str:
        """The plain line as a reader sees it: one line (line breaks become `` · ``), no
        control characters, and it starts with ``linkcheck:``, never ``::``. Percent signs
        stay as they are: a plain line is not a workflow command, GitHub decodes nothing."""
        return f"{TITLE_PREFIX}: {terminal_safe(self.plain.replace(chr(10), LOG_SEPARATOR))}"


def _capped(annotations: list[_Annotation]) -> list[str]:
    """Commands for the first annotations of each kind, log lines for the rest, and for each
    kind over the limit, one last annotation saying how many went to the log."""
    totals: dict[str, int] = {}
    for annotation in annotations:
        totals[annotation.kind] = totals.get(annotation.kind, 0) + 1
    shown: dict[str, int] = {}
    lines: list[str] = []
    for annotation in annotations:
        kind = annotation.kind
        room = (
            ANNOTATIONS_PER_KIND
            if totals[kind] <= ANNOTATIONS_PER_KIND
            else (ANNOTATIONS_PER_KIND - 1)
        )
        if shown.get(kind, 0) < room:
            shown[kind] = shown.get(kind, 0) + 1
            lines.append(annotation.command())
        else:
            lines.append(annotation.log_line())
    for kind, total in totals.items():
        hidden = total - shown.get(kind, 0)
        if hidden:
            noun = {"error": "errors", "warning": "warnings"}.get(kind, "notices")
            message = (
                f"{TITLE_PREFIX}: {hidden} more {noun} are in the log, not shown here "
                f"(GitHub shows {ANNOTATIONS_PER_KIND} annotations of a kind per step)"
            )
            lines.append(_command(kind, {"title": f"{TITLE_PREFIX} more {noun}"}, message))
    return lines


def render(report: Report, *, color: bool = False) -> str:
    """One workflow command per line (``color`` is ignored)."""
    del color
    annotations: list[_Annotation] = []
    # The state of the run comes first: it must never be the annotation GitHub drops.
    if report.network_down:
        annotations.append(_Annotation("error", {}, NETWORK_DOWN_MESSAGE, NETWORK_DOWN_MESSAGE))
    elif report.offline:
        annotations.append(_Annotation("notice", {}, OFFLINE_MESSAGE, OFFLINE_MESSAGE))
    annotations += [_problem(problem) for problem in report.problems]
    findings = sorted(report.findings, key=lambda f: (f.location.path, *finding_order(f)))
    annotations += [_finding(finding) for finding in findings]
    return "".join(line + "\n" for line in _capped(annotations))
