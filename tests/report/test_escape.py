"""Escaping helpers: each output target gets inert text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from linkcheck.report.escape import (
    ZERO_WIDTH_JOINER,
    command_data,
    command_property,
    is_clickable_url,
    json_inert_commands,
    markdown_code,
    markdown_text,
    markdown_url,
    shorten,
    terminal_safe,
    xml_inert_commands,
    xml_text,
)

ZWJ = ZERO_WIDTH_JOINER


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("plain", "plain"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]8;;https://evil\x07link\x1b]8;;\x07b", "alinkb"),
        ("a\x1b]0;title\x1b\\b", "ab"),
        ("line\nbreak\r\ttab", "line break tab"),
        ("bell\x07 nul\x00 del\x7f c1\x85\x9b", "bell nul del c1 "),
        ("rtl\u202eoverride", "rtloverride"),
        ("\x9b31mx", "x"),
    ],
)
def test_terminal_safe(raw: str, safe: str) -> None:
    assert terminal_safe(raw) == safe


def test_shorten() -> None:
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abcde…"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ("@everyone", f"@{ZWJ}everyone"),
        ("see #12", f"see \\#{ZWJ}12"),
        ("](javascript:alert(1))", "\\]\\(javascript:alert\\(1\\)\\)"),
        ("![x](https://evil/img)", "\\!\\[x\\]\\(`https://evil/img`\\)"),
        ("a | b", "a \\| b"),
        ("*b* _i_ `c` ~s~ $m$", "\\*b\\* \\_i\\_ \\`c\\` \\~s\\~ \\$m\\$"),
        ("www.evil.test", "`www.evil.test`"),
        ("moved to https://x.test/@a?b=1#c.", "moved to `https://x.test/@a?b=1#c`\\."),
        ("see (https://x.test/a_(b)).", "see \\(`https://x.test/a_(b)`\\)\\."),
        ("www.", "www\\."),
        ("a\nb\rc", "a b c"),
        ("&amp;", "&amp;amp;"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_text(raw: str, escaped: str) -> None:
    assert markdown_text(raw) == escaped


def test_markdown_code() -> None:
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`x") == "`` `x ``"
    assert markdown_code("a|b") == "`a|b`"
    assert markdown_code("a|b", table=True) == "`a\\|b`"


@pytest.mark.parametrize(
    ("url", "clickable"),
    [
        ("https://example.org/a?b=c#d", True),
        ("HTTP://example.org", True),
        ("javascript:alert(1)", False),
        ("https://example.org/a b", False),
        ("https://example.org/<script>", False),
        ("https://example.org/a|b", False),
        ("https://example.org/\u202e", False),
        ("ftp://example.org", False),
        ("mailto:a@b.c", False),
    ],
)
def test_clickable(url: str, clickable: bool) -> None:
    assert is_clickable_url(url) is clickable


def test_markdown_url() -> None:
    assert markdown_url("https://example.org/x") == "<https://example.org/x>"
    assert markdown_url("javascript:alert(1)") == "`javascript:alert(1)`"


def test_command_escaping() -> None:
    assert command_data("50%\r\n::set-output name=x::y") == "50%25%0D%0A::set-output name=x::y"
    assert command_data("%0A") == "%250A"
    assert command_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command_data("\x1b[31mred\x00") == "red"


def test_xml_text() -> None:
    assert xml_text("a\x00b\x1b[31mc\x0bd\ud800e\ufffff\x85g\tok\n") == "abcdefg\tok\n"


WJ = "\u2060"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("::set-output name=x::y", f":{WJ}:set-output name=x::y"),
        ("  ::add-mask::z", f"  :{WJ}:add-mask::z"),
        ("a ::b", "a ::b"),
        ("x ##[add-mask]y ##[stop-commands]z", f"x #{WJ}#[add-mask]y #{WJ}#[stop-commands]z"),
        ("https://[::1]:80/", "https://[::1]:80/"),
        ("# heading ## [x]", "# heading ## [x]"),
    ],
)
def test_workflow_commands_are_inert_in_text(raw: str, safe: str) -> None:
    assert terminal_safe(raw) == safe


def test_workflow_commands_are_inert_in_annotation_data() -> None:
    assert command_data("ok ##[add-mask]x") == f"ok #{WJ}#[add-mask]x"


@pytest.mark.parametrize("raw", ["GH-123", "gh-7 fixed", "see GH-1"])
def test_github_issue_prefix_is_no_reference(raw: str) -> None:
    assert "GH-" not in markdown_text(raw).upper().replace("\\", "")


@pytest.mark.parametrize(
    ("serialized", "expected"),
    [
        ("<a>##[x</a>", "<a>#&#35;[x</a>"),
        ('<a n="##[x" />', '<a n="#&#35;[x" />'),
        ("<a>x\n  ::error::y\n::z</a>", "<a>x\n  &#58;:error::y\n&#58;:z</a>"),
        ("<a>a::b</a>", "<a>a::b</a>"),
    ],
)
def test_xml_inert_commands(serialized: str, expected: str) -> None:
    written = xml_inert_commands(serialized)
    assert written == expected
    before, after = ET.fromstring(serialized), ET.fromstring(written)  # noqa: S314
    assert "".join(after.itertext()) == "".join(before.itertext())
    assert after.attrib == before.attrib


def test_json_inert_commands_keeps_the_value() -> None:
    encoded = json.dumps(["##[group]", "###[", "#[", "a##"], ensure_ascii=False)
    written = json_inert_commands(encoded)
    assert "##[" not in written
    assert json.loads(written) == json.loads(encoded)


def test_a_url_with_an_older_command_is_never_a_link() -> None:
    assert is_clickable_url("https://example.org/a#b")
    assert not is_clickable_url("https://example.org/##[add-mask]x")
