"""The ``github`` format: one workflow command per finding, shown as annotations.

``::error file=F,line=L,col=C,title=T::MESSAGE`` (``warning`` and ``notice`` for the other
severities). Properties and message are escaped as the runner unescapes them, so no web
text can end a command or start another.
"""

from __future__ import annotations

from collections.abc import Mapping

from linkcheck.models import Finding, InputProblem, Report, Severity
from linkcheck.report.escape import command_data, command_property, shorten
from linkcheck.report.summary import MAX_TEXT_CHARS, finding_order

COMMANDS: Mapping[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}
TITLE_PREFIX = "linkcheck"
NETWORK_DOWN_MESSAGE = "linkcheck: the network was unreachable, nothing could be verified"
OFFLINE_MESSAGE = "linkcheck: offline run, network checks were skipped"


def _command(name: str, properties: Mapping[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={command_property(str(value))}" for key, value in properties.items())
    return (
        f"::{name} {props}::{command_data(message)}"
        if props
        else f"::{name}::{command_data(message)}"
    )


def _finding(finding: Finding) -> str:
    lines = [shorten(finding.message, MAX_TEXT_CHARS)]
    if finding.url:
        lines.append(f"URL: {shorten(finding.url, MAX_TEXT_CHARS)}")
    if finding.suggestion:
        lines.append(f"Suggestion: {shorten(finding.suggestion, MAX_TEXT_CHARS)}")
    properties: dict[str, str | int] = {
        "file": finding.location.path,
        "line": finding.location.line,
        "col": finding.location.column,
        "title": f"{TITLE_PREFIX} {finding.rule}",
    }
    return _command(COMMANDS[finding.severity], properties, "\n".join(lines))


def _problem(problem: InputProblem) -> str:
    properties: dict[str, str | int] = {"file": problem.path}
    if problem.line is not None:
        properties["line"] = problem.line
    properties["title"] = f"{TITLE_PREFIX} input"
    return _command("error", properties, problem.reason)


def render(report: Report, *, color: bool = False) -> str:
    """One workflow command per line (``color`` is ignored)."""
    del color
    lines = [_problem(problem) for problem in report.problems]
    findings = sorted(report.findings, key=lambda f: (f.location.path, *finding_order(f)))
    lines += [_finding(finding) for finding in findings]
    if report.network_down:
        lines.append(_command("error", {}, NETWORK_DOWN_MESSAGE))
    elif report.offline:
        lines.append(_command("notice", {}, OFFLINE_MESSAGE))
    return "".join(line + "\n" for line in lines)
