"""The JUnit XML report: one test suite per post, one test case per link
(one per failing finding when a link has several).

A link with an error or warning finding fails (``<failure>``, its type the rule id; a
link with several failing findings gets one case for each); info findings go to the
case's ``<system-out>``. Findings not tied to a link (a post-level rule) get a case of
their own. Unreadable files form an ``input``
suite whose cases carry ``<error>``. Text is stripped of characters XML 1.0 forbids;
markup escaping is done by the XML writer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from linkcheck.models import Finding, Link, Report, Severity
from linkcheck.report.escape import xml_inert_commands, xml_text
from linkcheck.report.summary import checked_url, finding_order

SUITES_NAME = "linkcheck"
INPUT_SUITE = "input"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
INDENT = "  "
TIME_FORMAT = "{:.3f}"
FAILING = frozenset({Severity.ERROR, Severity.WARNING})

_Place = tuple[int, int, str]


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text:
        element.text = xml_text(text)
    return element


def _details(finding: Finding) -> str:
    lines = [finding.message]
    if finding.url:
        lines.append(f"URL: {finding.url}")
    if finding.suggestion:
        lines.append(f"Suggestion: {finding.suggestion}")
    return "\n".join(lines)


def _case(
    suite: ET.Element, name: str, classname: str, findings: Sequence[Finding], time: float
) -> None:
    """The cases of one link: one per failing finding (named ``NAME (RULE)`` when there are
    several, so each has its own name and its own result), or one passing case. Info
    findings go to the ``<system-out>`` of the first case."""
    failing = [finding for finding in findings if finding.severity in FAILING]
    cases: list[ET.Element] = []
    outcomes: list[Finding | None] = [*failing] if failing else [None]
    for finding in outcomes:
        case_name = f"{name} ({finding.rule})" if finding is not None and len(failing) > 1 else name
        case = _element(
            suite, "testcase", name=case_name, classname=classname, time=TIME_FORMAT.format(time)
        )
        if finding is not None:
            _element(
                case,
                "failure",
                _details(finding),
                message=f"{finding.severity.value}: {finding.message}",
                type=finding.rule,
            )
        cases.append(case)
    notes = [f"{f.rule}: {_details(f)}" for f in findings if f.severity not in FAILING]
    if notes:
        _element(cases[0], "system-out", "\n".join(notes))


def _suite(
    report: Report, path: str, links: Sequence[Link], findings: Sequence[Finding]
) -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(path)})
    by_place: defaultdict[_Place, list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=finding_order):
        by_place[(finding.location.line, finding.location.column, finding.url or "")].append(
            finding
        )
    for link in sorted(links, key=lambda k: (k.location.line, k.location.column, k.url)):
        place = (link.location.line, link.location.column, link.url)
        result = report.results.get(checked_url(link.url))
        name = f"{link.location.line}:{link.location.column} {link.url}"
        _case(suite, name, path, by_place.pop(place, []), result.elapsed if result else 0.0)
    for (line, column, url), rest in sorted(by_place.items()):
        name = f"{line}:{column} {url or rest[0].rule}".rstrip()
        _case(suite, name, path, rest, 0.0)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return suite


def _input_suite(report: Report) -> ET.Element:
    suite = ET.Element("testsuite", {"name": INPUT_SUITE})
    for problem in report.problems:
        case = _element(suite, "testcase", name=str(problem), classname=INPUT_SUITE, time="0.000")
        _element(case, "error", problem.reason, message=problem.reason, type="input-error")
    count = str(len(report.problems))
    suite.attrib.update({"tests": count, "failures": "0", "errors": count, "skipped": "0"})
    return suite


def render(report: Report, *, color: bool = False) -> str:
    """The report as a JUnit XML document (``color`` is ignored)."""
    del color
    links: defaultdict[str, list[Link]] = defaultdict(list)
    for link in report.links:
        if not link.ignored:
            links[link.location.path].append(link)
    findings: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        findings[finding.location.path].append(finding)
    root = ET.Element("testsuites", {"name": SUITES_NAME})
    for path in sorted(set(links) | set(findings) | {post.path for post in report.posts}):
        root.append(_suite(report, path, links[path], findings[path]))
    if report.problems:
        root.append(_input_suite(report))
    suites = root.findall("testsuite")
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.set("time", TIME_FORMAT.format(report.elapsed))
    ET.indent(root, space=INDENT)
    return XML_DECLARATION + xml_inert_commands(ET.tostring(root, encoding="unicode")) + "\n"
