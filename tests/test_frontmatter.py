"""Frontmatter in YAML, TOML and JSON: found once, parsed once, values at their exact places."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck.discover import document_from_text, read_document
from linkcheck.extract import extract_post
from linkcheck.frontmatter import FrontmatterError, find_frontmatter, parse_frontmatter
from linkcheck.models import Document, FrontmatterFormat, InputError, LinkKind

TOML_POST = """+++
title = "Hugo post"
slug = "my-slug"
date = 2024-01-02
source = "https://a.example/paper"
[params]
links = ['https://b.example/x', "https://a.example/paper"]
+++
Body with [a link](https://c.example).
"""

JSON_POST = """{
  "title": "JSON post",
  "url": "/custom/",
  "cover": {"credit": "https://d.example/photo"}
}
Body.
"""


def _doc(text: str, name: str = "post.md") -> Document:
    return document_from_text(Path(name), name, text)


def test_toml_frontmatter_is_metadata_not_body() -> None:
    doc = _doc(TOML_POST)
    assert doc.metadata["slug"] == "my-slug"
    assert doc.frontmatter is not None
    assert doc.frontmatter.format is FrontmatterFormat.TOML
    assert doc.text[doc.body_offset :].startswith("Body")
    post = extract_post(doc)
    front = [
        (link.url, link.key_path, link.location.line)
        for link in post.links
        if link.kind is LinkKind.FRONTMATTER
    ]
    assert front == [
        ("https://a.example/paper", "source", 5),
        ("https://b.example/x", "params.links.0", 7),
        ("https://a.example/paper", "params.links.1", 7),
    ]
    for link in post.links:
        assert doc.text[link.start : link.end] == link.url
    assert [link.kind for link in post.links if link.url == "https://c.example"] == [
        LinkKind.INLINE
    ]


def test_json_frontmatter() -> None:
    doc = _doc(JSON_POST)
    assert doc.metadata["url"] == "/custom/"
    assert doc.frontmatter is not None
    assert doc.frontmatter.format is FrontmatterFormat.JSON
    assert doc.text[doc.body_offset :] == "Body.\n"
    [link] = extract_post(doc).links
    assert (link.url, link.key_path, link.location.line) == (
        "https://d.example/photo",
        "cover.credit",
        4,
    )


def test_yaml_frontmatter_values_and_closing_dots() -> None:
    text = "---\ntitle: t\nsee: 'https://e.example'\n...\nBody\n"
    doc = _doc(text)
    assert doc.metadata == {"title": "t", "see": "https://e.example"}
    [link] = extract_post(doc).links
    assert (link.kind, link.location.line, link.location.column) == (LinkKind.FRONTMATTER, 3, 7)


def test_yaml_is_composed_once_with_real_types() -> None:
    metadata, matter, _ = parse_frontmatter("---\ndate: 2024-01-02\ncount: 3\n---\n")
    assert str(metadata["date"]) == "2024-01-02"
    assert metadata["count"] == 3
    assert matter is not None
    assert matter.strings == ()


@pytest.mark.parametrize(
    "text", ["----\nx\n----\n", "\n---\na: 1\n---\n", "++++\n", '{ "a": 1 }\n']
)
def test_no_frontmatter(text: str) -> None:
    assert find_frontmatter(text) is None


def test_a_toml_value_written_with_escapes_has_no_place() -> None:
    metadata, matter, _ = parse_frontmatter('+++\na = "https://x.example/\\u0041"\n+++\n')
    assert metadata["a"] == "https://x.example/A"
    assert matter is not None
    assert matter.strings == ()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('+++\ntitle = "a"\nbad = \n+++\nbody\n', 3, "invalid TOML frontmatter"),
        ('{\n"a": 1,\n}\nbody\n', 3, "invalid JSON frontmatter"),
        ("---\na: [\n---\nbody\n", 3, "invalid YAML frontmatter"),
        ("+++\na = 1\n", 1, "not closed"),
        ("---\n- a\n---\n", 2, "not a mapping"),
    ],
)
def test_errors_name_the_file_line(text: str, line: int, words: str, tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_document(path, cwd=tmp_path)
    assert caught.value.line == line
    assert words in caught.value.reason


def test_frontmatter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not closed"):
        find_frontmatter("---\na: 1\n")
    assert issubclass(FrontmatterError, ValueError)
