"""Frontmatter in YAML, TOML and JSON: found once, parsed once, values at their exact places."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.cli import cli
from linkcheck.discover import document_from_text, read_document
from linkcheck.extract import extract_post
from linkcheck.frontmatter import (
    MAX_FRONTMATTER_DEPTH,
    FrontmatterError,
    find_frontmatter,
    nesting_depth,
    parse_frontmatter,
    yaml_nesting_bound,
)
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


def test_a_date_that_is_no_date_is_its_text() -> None:
    # 2017 has no 29 February: JavaScript generators roll it over and build the page; the
    # post's links must still be checked (the frontmatter was refused whole).
    metadata, _, _ = parse_frontmatter(
        "---\ndate: 2017-02-29 11:00:00\nleap: 2016-02-29\nmonth: 2024-13-01\n---\nBody\n"
    )
    assert metadata["date"] == "2017-02-29 11:00:00"
    assert str(metadata["leap"]) == "2016-02-29"
    assert metadata["month"] == "2024-13-01"


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


@pytest.mark.parametrize(
    "text",
    [
        '+++\ntitle = {{ replace .Name "-" " " | title }}\n+++\n[a](https://a.example/)\n',
        "---\ntitle: {{ title }}\ndate: {{ date }}\n---\n[a](https://a.example/)\n",
    ],
    ids=["hugo-archetype", "hexo-scaffold"],
)
def test_a_templates_frontmatter_is_not_read_and_its_body_is(text: str, tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(text)
    document = read_document(path, cwd=tmp_path)
    assert (document.metadata, document.frontmatter) == ({}, None)
    assert document.text[document.body_offset :] == "[a](https://a.example/)\n"


def test_frontmatter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not closed"):
        find_frontmatter("---\na: 1\n")
    assert issubclass(FrontmatterError, ValueError)


# ---------------------------------------------------------------------------
# Hostile frontmatter: bounded work, a problem instead of a crash
# ---------------------------------------------------------------------------

FRONTMATTER_SECONDS = 1.0
"""CPU seconds one hostile frontmatter may cost (the unbounded ones took seconds to minutes)."""
FRONTMATTER_PYTHON_BYTES = 96 * 1024 * 1024
"""Python allocations one hostile frontmatter may peak at."""


def _bounded(text: str) -> tuple[Mapping[str, Any] | None, str | None]:
    """``parse_frontmatter(text)`` measured: (metadata, None) or (None, the error's reason),
    after asserting the CPU time and the peak of Python allocations."""
    started = time.process_time()
    tracemalloc.start()
    try:
        try:
            metadata, _matter, _offset = parse_frontmatter(text)
        except FrontmatterError as exc:
            metadata, reason = None, exc.reason
        else:
            reason = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    seconds = time.process_time() - started
    assert seconds < FRONTMATTER_SECONDS * 4, seconds  # tracing slows Python down
    assert peak < FRONTMATTER_PYTHON_BYTES, peak
    return metadata, reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # tomllib keeps every prefix of a dotted key: 16 KB of ``a.a.a`` took 250 MB.
        ("+++\na" + ".a" * 100_000 + ' = "x"\n+++\n', "dotted key of more than 64 parts"),
        ("+++\n[" + "a." * 100_000 + "a]\nb = 1\n+++\n", "dotted key of more than 64 parts"),
        ("+++\n[[" + '"a".' * 50_000 + "a]]\n+++\n", "dotted key of more than 64 parts"),
        ("+++\na = " + "[" * 100_000 + "]" * 100_000 + "\n+++\n", "invalid TOML"),
        ("{\n" + '"a": ' + "[" * 200_000 + "]" * 200_000 + "\n}\n", "invalid JSON"),
        ('{\n"a": ' + "[" * 900 + "1" + "]" * 900 + "\n}\n", "nested more than 64 levels"),
        ("---\ntitle: " + "[" * 900 + "x" + "]" * 900 + "\n---\n", "nested more than 64 levels"),
        ("---\n" + "k: v\n" * 120_000 + "---\n", "more than 524,288; not read"),
        ("+++\n" + "k = 1\n" * 100_000 + "+++\n", "more than 524,288; not read"),
        ("+++\ntitle = 'never closed'\n\nbody\n", "frontmatter is not closed"),
    ],
)
def test_hostile_frontmatter_is_a_problem_at_bounded_cost(text: str, reason: str) -> None:
    metadata, found = _bounded(text + "Body.\n")
    assert metadata is None
    assert found is not None
    assert reason in found


def test_frontmatter_within_the_bounds_is_read() -> None:
    dotted = "+++\n" + "a" + ".a" * 63 + ' = "x"\n+++\n'
    metadata, _ = _bounded(dotted)
    assert metadata is not None
    assert nesting_depth(metadata) == 64
    nested = "---\ntitle: Post\ntags: " + "[" * 63 + "x" + "]" * 63 + "\n---\n"
    metadata, _ = _bounded(nested)
    assert metadata is not None
    assert metadata["title"] == "Post"
    # An alias bomb loads as shared values: small, and measured once per value.
    aliases = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    aliases += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    metadata, _ = _bounded("---\n" + "\n".join(aliases) + "\n---\n")
    assert metadata is not None
    assert nesting_depth(metadata) == 11
    # A value that contains itself ends the measure (and can still be shown).
    metadata, _ = _bounded("---\ntitle: &t [1, *t]\n---\n")
    assert metadata is not None
    assert str(metadata["title"]) == "[1, [...]]"


def test_a_deeply_nested_title_does_not_stop_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A neighbour post whose ``title`` and ``categories`` nest hundreds of levels once ended
    every run with a RecursionError (the site model made a URL from them)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "_config.yml").write_text("title: blog\n", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    deep = "[" * 900 + "c" + "]" * 900
    (posts / "2024-01-01-deep.md").write_text(
        f"---\ntitle: {deep}\ncategories: {deep}\n---\nText.\n", encoding="utf-8"
    )
    (posts / "2024-01-02-ok.md").write_text("See [deep](/2024/01/01/deep.html).\n", "utf-8")
    result = CliRunner().invoke(
        cli, ["run", "--offline", "--format", "json", "_posts/2024-01-02-ok.md"], env={}
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"] == []  # the deep post is indexed by its path, its link is fine


FRONTMATTER_PIECES = st.sampled_from(
    [
        "a", "b.c", " = ", ": ", "[", "]", "{", "}", ",", '"', "'", "x", "\n", ".", "[[",
        "]]", "&a ", "*a", "- ", "  ", "1", "2024-01-02", "true", "\\u0041", '"""', "#",
        "!!str ", "? ", "<<: ", "~", "null", "1e999", "-", "+inf", "0x1F",
    ]
)  # fmt: skip
FENCES = st.sampled_from([("+++\n", "\n+++\n"), ("{\n", "\n}\n"), ("---\n", "\n---\n")])


@settings(max_examples=80, deadline=None)
@given(
    fences=FENCES,
    parts=st.lists(FRONTMATTER_PIECES, min_size=1, max_size=12),
    repeat=st.integers(min_value=1, max_value=20_000),
)
def test_fuzzed_frontmatter_is_read_in_bounded_time_and_memory(
    fences: tuple[str, str], parts: list[str], repeat: int
) -> None:
    opening, closing = fences
    inside = ("".join(parts) * repeat)[: 256 * 1024]
    if opening == "{\n":
        inside = '"k": ' + inside
    metadata, _reason = _bounded(opening + inside + closing + "Body.\n")
    if metadata is not None:
        assert nesting_depth(metadata) <= MAX_FRONTMATTER_DEPTH
        str(metadata)  # every value can be shown


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=YAML_VALUES, flow=st.sampled_from([None, True, False]))
def test_the_yaml_bound_is_never_below_the_nesting_depth(value: object, flow: bool | None) -> None:
    source = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    loaded = yaml.safe_load(source)
    assert yaml_nesting_bound(source) >= nesting_depth(loaded)


@pytest.mark.parametrize(
    "source",
    [
        "a: &x [[[[1]]]]\nb: {c: {d: *x}}\n",  # an alias deeper than its anchor
        "? a\n? b\n",  # a mapping without a colon
        "- - - - x\n",
        "!!pairs [a: 1, b: [2]]\n",
        "!!omap [a: {b: 1}]\n",
        "x: &a [*a]\n",
        "plain scalar\n",
        "a: [1, {b: [2, {c: 3}]}]\n",
        "<<: {a: [1]}\nb: 2\n",
    ],
)
def test_the_yaml_bound_holds_for_aliases_and_tags(source: str) -> None:
    assert yaml_nesting_bound(source) >= nesting_depth(yaml.safe_load(source))


def test_only_values_that_may_be_urls_are_kept_with_their_places() -> None:
    text = (
        "---\ntitle: A post\nimage: /img/a.png\ncanonical: https://a.example/p\n"
        "refs: [ftp://b.example/x, 'see https://c.example']\n---\nBody.\n"
    )
    _, matter, _ = parse_frontmatter(text)
    assert matter is not None
    assert [(v.key_path, v.value, text[v.start : v.end]) for v in matter.strings] == [
        ("canonical", "https://a.example/p", "https://a.example/p"),
        ("refs.0", "ftp://b.example/x", "ftp://b.example/x"),
        ("refs.1", "see https://c.example", "see https://c.example"),
    ]
    _, matter, _ = parse_frontmatter("---\ntitle: A post\ntags: [a, b]\n---\nBody.\n")
    assert matter is not None
    assert matter.strings == ()
