"""The JUnit XML report: exact output, well-formed with hostile text, right counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from report_data import assert_golden

from linkcheck.models import Finding, Location, Report, Severity
from linkcheck.report.formats import render
from linkcheck.report.junit import render as render_junit


def test_golden(report: Report) -> None:
    assert_golden("report.xml", render_junit(report))
    assert render(report, "junit") == render_junit(report)


def test_counts(report: Report) -> None:
    root = ET.fromstring(render_junit(report))  # noqa: S314 (our own output)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "4", "1")
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"content/blog/post.md", "content/blog/other.md", "input"}
    post = suites["content/blog/post.md"]
    failing = [
        case.get("name") for case in post.findall("testcase") if case.find("failure") is not None
    ]
    assert failing == [
        "10:5 https://example.org/gone",
        "12:3 https://example.org/old#intro (missing-fragment)",
        "12:3 https://example.org/old#intro (moved-link)",
        "16:10 javascript:alert(1)",
    ]


def test_hostile_text_stays_well_formed(report: Report) -> None:
    hostile = Finding(
        "uncited-resource",
        Severity.WARNING,
        Location("content/blog/post.md", 40, 1),
        ']]> <script>alert(1)</script> \x00\x1b[31m\x0b & "quotes"\ud800',
        url=None,
    )
    out = render_junit(replace(report, findings=(*report.findings, hostile)))
    root = ET.fromstring(out)  # noqa: S314 (our own output)
    failure = next(f for f in root.iter("failure") if f.get("type") == "uncited-resource")
    assert failure.text == ']]> <script>alert(1)</script>  & "quotes"'
    assert "<script" not in out
    assert "\x1b" not in out
    assert "\x00" not in out


def test_order_does_not_depend_on_input_order(report: Report) -> None:
    shuffled = replace(
        report, findings=tuple(reversed(report.findings)), links=tuple(reversed(report.links))
    )
    assert render_junit(shuffled) == render_junit(report)


def test_one_case_per_failure(report: Report) -> None:
    """A link with two failing findings is two test cases, each with one failure."""
    root = ET.fromstring(render_junit(report))  # noqa: S314 (our own output)
    for case in root.iter("testcase"):
        assert len(case.findall("failure")) <= 1
    names = [case.get("name") for case in root.iter("testcase")]
    assert len(names) == len(set(names))
