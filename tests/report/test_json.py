"""The JSON report: exact document, round trip, and refusal of foreign documents."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_data import assert_golden

from linkcheck.models import InputError, Report
from linkcheck.report import json as json_module
from linkcheck.report.formats import render
from linkcheck.report.json import (
    WRITE_CHUNK_ITEMS,
    link_from_dict,
    link_to_dict,
    load,
    to_document,
    write,
    write_list,
)
from linkcheck.report.json import render as render_json


def test_golden(report: Report) -> None:
    assert_golden("report.json", render_json(report))
    assert render(report, "json") == render_json(report)


def test_round_trip(report: Report, empty_report: Report) -> None:
    for original in (report, empty_report):
        text = render_json(original)
        assert render_json(load(text)) == text


def test_round_trip_keeps_every_value(report: Report) -> None:
    loaded = load(render_json(report))
    assert set(loaded.results) == set(report.results)
    for url, result in report.results.items():
        assert replace(loaded.results[url], elapsed=result.elapsed) == result
    assert sorted(loaded.findings, key=str) == sorted(report.findings, key=str)
    assert sorted(loaded.links, key=str) == sorted(report.links, key=str)
    assert set(loaded.posts) == set(report.posts)
    assert loaded.problems == report.problems
    assert loaded.stats == report.stats


def test_order_does_not_depend_on_input_order(report: Report) -> None:
    shuffled = replace(
        report,
        links=tuple(reversed(report.links)),
        findings=tuple(reversed(report.findings)),
        posts=tuple(reversed(report.posts)),
        results=dict(reversed(list(report.results.items()))),
    )
    assert render_json(shuffled) == render_json(report)


def test_summary(report: Report) -> None:
    assert to_document(report)["summary"] == {
        "posts": 2,
        "links": 6,
        "unique_urls": 5,
        "cached": 1,
        "errors": 1,
        "warnings": 3,
        "infos": 1,
        "problems": 1,
    }


def test_link_dict_has_the_documented_keys(report: Report) -> None:
    data = link_to_dict(report.links[0])
    assert {"file", "line", "column", "url", "kind", "text", "in_resources", "source"} <= set(data)
    assert set(data["source"]) == {"kind", "key"}
    assert link_from_dict(data) == report.links[0]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"schema_version": 2}',
        '{"schema_version": true}',
        '{"schema_version": 1}',
    ],
)
def test_load_refuses_foreign_documents(text: str) -> None:
    with pytest.raises(InputError):
        load(text)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("findings", 0, "severity"), "fatal"),
        (("findings", 0, "line"), "10"),
        (("results", 0, "verdict"), "fine"),
        (("results", 0, "elapsed"), True),
        (("links", 0, "source"), None),
        (("posts",), {}),
        (("stats", "cached"), 1.5),
    ],
)
def test_load_refuses_wrong_values(report: Report, path: tuple[object, ...], value: object) -> None:
    document = to_document(report)
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(InputError, match="<json report>"):
        load(json.dumps(document))


def _as_json_dumps(report: Report) -> str:
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def test_render_is_what_json_dumps_gives_for_the_whole_document(
    report: Report, empty_report: Report
) -> None:
    for original in (report, empty_report):
        assert render_json(original) == _as_json_dumps(original)


def test_write_streams_the_text_of_render(report: Report, empty_report: Report) -> None:
    for original in (report, empty_report):
        buffer = io.StringIO()
        write(original, buffer)
        assert buffer.getvalue() == render_json(original)


def test_write_writes_piece_by_piece(report: Report) -> None:
    pieces: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str, /) -> int:
            pieces.append(text)
            return len(text)

    write(report, Recorder())
    assert "".join(pieces) == render_json(report)
    assert len(pieces) > len(report.links) + len(report.results)
    assert max(len(piece) for piece in pieces) < len(render_json(report)) // 2


@pytest.mark.parametrize("depth", [0, 1, 3])
@pytest.mark.parametrize(
    "items",
    [
        [],
        [1],
        [{"a": [], "b": {}, "c": [1, {"d": "x\ny"}]}, "é\u2028", None, {"e": True}],
        [{"n": n, "s": "é\n" * (n % 3)} for n in range(WRITE_CHUNK_ITEMS * 2 + 1)],
        list(range(WRITE_CHUNK_ITEMS)),
    ],
)
def test_write_list_indents_as_json_dumps(items: list[object], depth: int) -> None:
    buffer = io.StringIO()
    write_list(items, buffer, depth=depth)
    nested: object = items
    for _ in range(depth):
        nested = {"k": nested}
    expected = json.dumps(nested, indent=2, ensure_ascii=False)
    for _ in range(depth):
        expected = expected[expected.index(": ") + 2 : expected.rindex("\n")]
    assert buffer.getvalue() == expected


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3))
    | st.text()
    | st.text(alphabet="#[x\\", max_size=8),  # the older workflow command's opening
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES, depth=st.integers(min_value=0, max_value=3))
def test_nested_encoding_is_what_json_dumps_gives(value: object, depth: int) -> None:
    # ... with every ``##[`` (read by CI runners as a command) spelt ``#\u0023[``.
    expected = json.dumps(value, indent=2, ensure_ascii=False).replace("##[", "#\\u0023[")
    if depth:
        expected = expected.replace("\n", "\n" + "  " * depth)
    assert json_module.dumps(value, depth=depth) == expected


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_reads_back_the_same(value: float) -> None:
    # Floats a report never holds (not rounded to milliseconds) may be spelt differently
    # (``1e-7`` for ``1e-07``), never with another value.
    assert json.loads(json_module.dumps([value])) == [value]


def test_values_orjson_refuses_are_written_as_json_dumps_writes_them() -> None:
    value = {"file": "posts/caf\udce9.md", "big": 2**70, "list": [1, "é"]}
    assert json_module.dumps(value, depth=1) == json.dumps(
        value, indent=2, ensure_ascii=False
    ).replace("\n", "\n  ")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("##[add-mask]x", '"#\\u0023[add-mask]x"'),
        ("###[", '"##\\u0023["'),
        ("\\##[", '"\\\\#\\u0023["'),
        ("# #[ ##", '"# #[ ##"'),
    ],
)
def test_no_older_workflow_command_in_the_text(value: str, written: str) -> None:
    assert json_module.dumps(value) == written
    assert json.loads(written) == value


def test_a_float_that_is_not_finite_is_null() -> None:
    assert json_module.dumps([math.nan, math.inf]) == "[\n  null,\n  null\n]"
