"""Hostile strings through every format, read back the way each consumer reads them:
GitHub's runner (workflow commands in logs), a Markdown renderer (GFM with linkify), an XML
parser and a JSON parser. Web text and file names must stay data in all of them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from report_data import POST, make_report

from linkcheck.models import CheckResult, Finding, Hop, InputProblem, Location, Severity, Verdict
from linkcheck.report.formats import FORMAT_NAMES, render

HOSTILE: tuple[str, ...] = (
    "::set-output name=x::y",
    "  ::add-mask::secret",
    "::stop-commands::token",
    "##[add-mask]secret",
    "x ##[set-output name=x;]y",
    "##[stop-commands]token",
    "%0A::warning::x",
    "line\n::error::y",
    "line\r\n##[error]z",
    "GH-123 fixes it",
    "see #123",
    "ping @octocat and @everyone",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "\x1b]8;;https://evil.test\x07link\x1b]8;;\x07",
    "]]><evil/>",
    "\x00\x01\x7f",
    "www.evil.test and https://evil.test/x",
)

URL = "https://example.org/page"


def hostile_report() -> object:
    """The reference report with a hostile string in every place a server or a file name
    can put text: titles, reasons, redirect targets, messages, suggestions, paths."""
    base = make_report()
    results = dict(base.results)
    findings = list(base.findings)
    problems = list(base.problems)
    for i, text in enumerate(HOSTILE):
        url = f"{URL}/{i}"
        target = f"https://evil.test/{i}/{text}"
        results[url] = CheckResult(
            url,
            Verdict.MOVED,
            status=200,
            final_url=target,
            redirects=(Hop(url, 301),),
            title=text,
            reason=f"200 {text}",
            attempts=1,
            reached=True,
        )
        location = Location(POST, 100 + i, 1)
        findings.append(Finding("moved-link", Severity.WARNING, location, text, url, target))
        findings.append(Finding("dead-link", Severity.ERROR, location, f"error: {text}", url))
        problems.append(InputProblem(f"content/{text}.md", text, i + 1))
    return make_report(results=results, findings=tuple(findings), problems=tuple(problems))


# ---------------------------------------------------------------------------
# GitHub's runner
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def runner_commands(log: str) -> list[Command]:
    """Workflow commands as the runner finds them in a log, from GitHub's documented rules:
    ``::name key=value,...::data`` on a line of its own (leading spaces allowed), and the
    older ``##[name key=value;...]data`` anywhere in a line."""
    commands: list[Command] = []
    for line in log.splitlines():
        stripped = line.strip()
        if stripped.startswith("::"):
            head, sep, data = stripped[2:].partition("::")
            if sep:
                name, _, props = head.partition(" ")
                properties = dict(
                    part.partition("=")[::2] for part in props.split(",") if "=" in part
                )
                commands.append(Command(name, properties, _unescape(data)))
                continue
        start = line.find("##[")
        if start >= 0:
            end = line.find("]", start)
            if end >= 0:
                head = line[start + 3 : end]
                name, _, props = head.partition(" ")
                properties = dict(
                    part.partition("=")[::2] for part in props.split(";") if "=" in part
                )
                commands.append(Command(name, properties, line[end + 1 :]))
    return commands


def _unescape(data: str) -> str:
    return data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


ANNOTATIONS = frozenset({"error", "warning", "notice"})


@pytest.mark.parametrize("fmt", sorted(FORMAT_NAMES))
def test_no_workflow_command_from_untrusted_text(fmt: str) -> None:
    # Every format may be printed to a CI log (a report without --output goes to stdout).
    log = render(hostile_report(), fmt)
    commands = runner_commands(log)
    if fmt != "github":
        assert commands == []
    for command in commands:
        assert command.name in ANNOTATIONS, command
    # The hostile text is still there to read.
    assert "set-output name=x" in log
    assert "add-mask" in log


def test_runner_parser_finds_what_the_runner_would() -> None:
    log = "ok\n  ::add-mask::s\nx ##[set-output name=a;]b\n::error file=a,line=2::m%0An"
    assert runner_commands(log) == [
        Command("add-mask", {}, "s"),
        Command("set-output", {"name": "a"}, "b"),
        Command("error", {"file": "a", "line": "2"}, "m\nn"),
    ]


# ---------------------------------------------------------------------------
# Markdown as GitHub renders it
# ---------------------------------------------------------------------------


class _Html(HTMLParser):
    """Links, images and the text outside code and links of rendered HTML (GitHub makes no
    mention or reference inside either)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in ("code", "a"):
            self._code += 1
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.hrefs.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "a"):
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.text.append(data)


ISSUE_REFERENCE = re.compile(r"(?:^|[\s(])(?:#\d|GH-\d)", re.IGNORECASE)
MENTION = re.compile(r"(?:^|[^\w`])@\w")


def test_markdown_keeps_hostile_text_inert() -> None:
    markdown = render(hostile_report(), "markdown")
    renderer = MarkdownIt("gfm-like", {"linkify": True, "html": True})
    page = _Html()
    page.feed(renderer.render(markdown))
    page.close()
    allowed_tags = {"h2", "h3", "h4", "p", "table", "thead", "tbody", "tr", "th", "td", "a"}
    allowed_tags |= {"ul", "ol", "li", "code", "strong", "em", "details", "summary", "br"}
    allowed_tags |= {"blockquote", "del", "hr", "pre", "sub", "sup"}
    assert page.tags <= allowed_tags
    for href in page.hrefs:
        assert href.startswith(("https://", "http://", "#")), href
        assert not re.search(r"[\s<>\"']", href), href
    text = "".join(page.text)
    assert not ISSUE_REFERENCE.search(text), ISSUE_REFERENCE.search(text)
    assert not MENTION.search(text), MENTION.search(text)
    assert "\x1b" not in markdown


# ---------------------------------------------------------------------------
# XML and JSON
# ---------------------------------------------------------------------------


def test_junit_is_well_formed_xml() -> None:
    rendered = render(hostile_report(), "junit")
    document = ET.fromstring(rendered)  # noqa: S314 (our own output)
    text = ET.tostring(document, encoding="unicode")
    assert "<evil" not in text
    # The older command opening is written with a character reference: read back whole.
    values = [e.text or "" for e in document.iter()] + [
        v for e in document.iter() for v in e.attrib.values()
    ]
    assert any("##[add-mask]secret" in value for value in values)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_parse_and_keep_the_text(fmt: str) -> None:
    rendered = render(hostile_report(), fmt)
    document = json.loads(rendered)
    assert "set-output" in json.dumps(document)
    # The older command opening is written with a \u escape: the decoded text is whole.
    assert "##[add-mask]secret" in json.dumps(document, ensure_ascii=False)


def test_every_format_is_covered() -> None:
    assert set(FORMAT_NAMES) == {"text", "json", "markdown", "sarif", "github", "junit"}
