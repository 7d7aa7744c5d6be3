"""The SARIF 2.1.0 report, for GitHub code scanning and other static-analysis viewers.

Rule metadata comes from the caller (any objects with ``id``, ``severity`` and ``hint``,
such as the rules table) or, without it, from the findings themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PureWindowsPath
from typing import Any, Protocol
from urllib.parse import quote

from linkcheck import __version__
from linkcheck.config import PROJECT_URL
from linkcheck.models import Finding, Report, Severity
from linkcheck.report.json import dumps

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "linkcheck"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "linkcheck/v1"
FINGERPRINT_CHARS = 32
LEVELS: Mapping[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


class RuleInfo(Protocol):
    """What the SARIF report needs to know about a rule."""

    @property
    def id(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def hint(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """A rule's id, default severity and one-line description."""

    id: str
    severity: Severity
    hint: str


def rule_name(rule_id: str) -> str:
    """``dead-link`` -> ``DeadLink`` (SARIF's human-readable rule name)."""
    return "".join(part.capitalize() for part in rule_id.split("-"))


def rules_from_findings(findings: Iterable[Finding]) -> list[RuleMeta]:
    """One rule per rule id in ``findings``, at the most severe level seen, sorted by id."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        seen = worst.get(finding.rule)
        if seen is None or finding.severity.rank > seen.rank:
            worst[finding.rule] = finding.severity
    return [RuleMeta(rule, worst[rule], rule.replace("-", " ")) for rule in sorted(worst)]


def artifact_uri(path: str) -> tuple[str, bool]:
    """A URI for a post path (forward slashes, percent-encoded), and whether it is relative
    to the source root."""
    posix = path.replace("\\", "/")
    if PureWindowsPath(path).drive or posix.startswith("/"):
        absolute = posix if posix.startswith("/") else "/" + posix
        return "file://" + quote(absolute, safe="/:"), False
    return quote(posix.removeprefix("./"), safe="/"), True


def _fingerprint(finding: Finding) -> str:
    """Stable across line moves: the rule, the file and the URL."""
    text = "\0".join((finding.rule, finding.location.path, finding.url or finding.message))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_CHARS]


def _message(finding: Finding) -> str:
    parts = [finding.message]
    if finding.url:
        parts.append(f"URL: {finding.url}")
    if finding.suggestion:
        parts.append(f"Suggestion: {finding.suggestion}")
    return "\n".join(parts)


def _result(finding: Finding, index: int) -> dict[str, Any]:
    uri, relative = artifact_uri(finding.location.path)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SOURCE_ROOT
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {
                        "startLine": max(finding.location.line, 1),
                        "startColumn": max(finding.location.column, 1),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding)},
    }


def _rule(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule_name(rule.id),
        "shortDescription": {"text": rule.hint or rule.id},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "helpUri": f"{PROJECT_URL}#{rule.id}",
    }


def _invocation(report: Report) -> dict[str, Any]:
    notifications = [
        {
            "level": "error",
            "message": {"text": problem.reason},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(problem.path)[0]},
                        **({"region": {"startLine": problem.line}} if problem.line else {}),
                    }
                }
            ],
        }
        for problem in report.problems
    ]
    if report.network_down:
        notifications.append(
            {"level": "error", "message": {"text": "network unreachable: nothing verified"}}
        )
    return {
        "executionSuccessful": not report.problems and not report.network_down,
        "toolExecutionNotifications": notifications,
    }


def to_document(report: Report, rules: Sequence[RuleInfo] | None = None) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dictionary."""
    known: list[RuleInfo] = list(rules) if rules is not None else []
    ids = {rule.id for rule in known}
    known += [rule for rule in rules_from_findings(report.findings) if rule.id not in ids]
    index = {rule.id: position for position, rule in enumerate(known)}
    findings = sorted(
        report.findings,
        key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule, f.url or ""),
    )
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_rule(rule) for rule in known],
                    }
                },
                "invocations": [_invocation(report)],
                "results": [_result(f, index[f.rule]) for f in findings],
            }
        ],
    }


def render(report: Report, *, color: bool = False, rules: Sequence[RuleInfo] | None = None) -> str:
    """The SARIF 2.1.0 log as indented JSON (``color`` is ignored)."""
    del color
    return dumps(to_document(report, rules)) + "\n"
