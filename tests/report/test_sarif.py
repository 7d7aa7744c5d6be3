"""The SARIF report: exact output and the structure the 2.1.0 schema requires."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from report_data import assert_golden

from linkcheck.models import Report, Severity
from linkcheck.report.formats import render
from linkcheck.report.sarif import RuleMeta, artifact_uri, rule_name, to_document
from linkcheck.report.sarif import render as render_sarif
from linkcheck.rules import RULES

LEVELS = {"none", "note", "warning", "error"}


def _require(obj: Any, *keys: str) -> None:
    assert isinstance(obj, dict)
    for key in keys:
        assert key in obj, f"missing required property {key!r}"


def _message(message: Any) -> None:
    _require(message)
    assert isinstance(message.get("text"), str) or isinstance(message.get("id"), str)


def _physical(location: Any) -> None:
    _require(location, "artifactLocation")
    artifact = location["artifactLocation"]
    assert isinstance(artifact["uri"], str)
    assert "\\" not in artifact["uri"]
    if "region" in location:
        region = location["region"]
        assert isinstance(region["startLine"], int)
        assert region["startLine"] >= 1
        assert region.get("startColumn", 1) >= 1


def check_sarif_2_1_0(log: Any) -> None:
    """The required properties and enumerations of the SARIF 2.1.0 schema that we use."""
    _require(log, "version", "runs")
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list)
    for run in log["runs"]:
        _require(run, "tool")
        _require(run["tool"], "driver")
        driver = run["tool"]["driver"]
        _require(driver, "name")
        ids = []
        for rule in driver.get("rules", []):
            _require(rule, "id")
            ids.append(rule["id"])
            for key in ("shortDescription", "fullDescription"):
                if key in rule:
                    _require(rule[key], "text")
            if "defaultConfiguration" in rule:
                assert rule["defaultConfiguration"]["level"] in LEVELS
        assert len(ids) == len(set(ids))
        for invocation in run.get("invocations", []):
            _require(invocation, "executionSuccessful")
            for note in invocation.get("toolExecutionNotifications", []):
                _require(note, "message")
                _message(note["message"])
                for location in note.get("locations", []):
                    _physical(location["physicalLocation"])
        for result in run.get("results", []):
            _require(result, "message")
            _message(result["message"])
            assert result["level"] in LEVELS
            if "ruleIndex" in result:
                assert ids[result["ruleIndex"]] == result["ruleId"]
            for location in result.get("locations", []):
                _physical(location["physicalLocation"])
                assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            for value in result.get("partialFingerprints", {}).values():
                assert isinstance(value, str)


def test_golden(report: Report) -> None:
    assert_golden("report.sarif", render_sarif(report))
    assert render(report, "sarif") == render_sarif(report, rules=RULES)


def test_structure(report: Report, empty_report: Report) -> None:
    for each in (report, empty_report):
        check_sarif_2_1_0(json.loads(render_sarif(each)))


def test_levels_and_locations(report: Report) -> None:
    results = to_document(report)["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "warning", "note", "warning"]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 10, "startColumn": 5}


def test_fingerprint_survives_a_line_move(report: Report) -> None:
    from dataclasses import replace

    finding = report.findings[0]
    moved = replace(finding, location=replace(finding.location, line=99))
    one = to_document(replace(report, findings=(finding,)))["runs"][0]["results"][0]
    two = to_document(replace(report, findings=(moved,)))["runs"][0]["results"][0]
    assert one["partialFingerprints"] == two["partialFingerprints"]


def test_given_rules_come_first_with_their_hints(report: Report) -> None:
    rules = [
        RuleMeta("uncited-resource", Severity.INFO, "Listed in Resources but never cited."),
        RuleMeta("dead-link", Severity.ERROR, "The page is gone (404, 410)."),
    ]
    log = json.loads(render_sarif(report, rules=rules))
    check_sarif_2_1_0(log)
    driver_rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in driver_rules[:2]] == ["uncited-resource", "dead-link"]
    assert driver_rules[0]["shortDescription"]["text"] == "Listed in Resources but never cited."
    assert driver_rules[0]["defaultConfiguration"]["level"] == "note"
    assert len(driver_rules) == 6


@pytest.mark.parametrize(
    ("path", "uri", "relative"),
    [
        ("content/blog/post.md", "content/blog/post.md", True),
        ("./content/a b.md", "content/a%20b.md", True),
        ("content\\blog\\post.md", "content/blog/post.md", True),
        ("/srv/blog/post.md", "file:///srv/blog/post.md", False),
        ("C:\\blog\\post.md", "file:///C:/blog/post.md", False),
        ("content/#1.md", "content/%231.md", True),
    ],
)
def test_artifact_uri(path: str, uri: str, relative: bool) -> None:
    assert artifact_uri(path) == (uri, relative)


def test_rule_name() -> None:
    assert rule_name("missing-from-resources") == "MissingFromResources"


def test_every_rule_has_its_help_anchor_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f'<a id="{rule.id}"></a>' in readme
