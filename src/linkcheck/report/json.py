"""The JSON report: stable, versioned, documented, and loadable back into a ``Report``.

Document layout (``schema_version`` 1)::

    {
      "schema_version": 1,
      "tool": {"name": "linkcheck", "version": "0.1.0"},
      "offline": false, "network_down": false, "elapsed": 0.812,
      "summary": {"posts", "links", "unique_urls", "cached", "errors", "warnings", "infos",
                  "problems"},
      "stats": {...the run's counters, as given...},
      "posts": [{"path", "title", "links", "has_resources"}],
      "links": [{"file", "line", "column", "url", "kind", "text", "in_resources",
                 "source": {"kind", "key"}, "ignored", "key_path", "start", "end"}],
      "results": [{"url", "verdict", "status", "final_url", "redirects": [{"url", "status"}],
                   "title", "reason", "attempts", "elapsed", "missing_fragments",
                   "content_type", "reached", "checked_at", "from_cache", "bytes_read"}],
      "findings": [{"rule", "severity", "file", "line", "column", "url", "message",
                    "suggestion"}],
      "problems": [{"file", "line", "reason"}]
    }

Lists are sorted (posts by path; links and findings by place; results by URL), so equal
reports give equal documents. Times are seconds, rounded to milliseconds. New keys may be
added within a schema version; renaming or removing one bumps it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TextIO, TypeVar

import orjson

from linkcheck import __version__
from linkcheck.models import (
    CheckResult,
    Finding,
    Hop,
    InputError,
    InputProblem,
    Link,
    LinkKind,
    Location,
    PostSummary,
    Report,
    RunTrend,
    Severity,
    Source,
    SourceKind,
    Verdict,
)
from linkcheck.report.escape import json_inert_commands
from linkcheck.report.summary import Counts, count

SCHEMA_VERSION = 1
TOOL_NAME = "linkcheck"
TIME_DIGITS = 3
"""Times are rounded to milliseconds."""
INDENT = 2
DOCUMENT_NAME = "<json report>"
"""How a loaded document is named in InputError messages."""

T = TypeVar("T")


# ---------------------------------------------------------------------------
# Report -> JSON
# ---------------------------------------------------------------------------


def link_to_dict(link: Link) -> dict[str, Any]:
    """One link as a JSON object (also the items of ``linkcheck extract --format json``)."""
    return {
        "file": link.location.path,
        "line": link.location.line,
        "column": link.location.column,
        "url": link.url,
        "kind": link.kind.value,
        "text": link.text,
        "in_resources": link.in_resources,
        "source": {"kind": link.source.kind.value, "key": link.source.key},
        "ignored": link.ignored,
        "key_path": link.key_path,
        "start": link.start,
        "end": link.end,
    }


def result_to_dict(result: CheckResult) -> dict[str, Any]:
    """One checked URL as a JSON object."""
    return {
        "url": result.url,
        "verdict": result.verdict.value,
        "status": result.status,
        "final_url": result.final_url,
        "redirects": [{"url": hop.url, "status": hop.status} for hop in result.redirects],
        "title": result.title,
        "reason": result.reason,
        "attempts": result.attempts,
        "elapsed": round(result.elapsed, TIME_DIGITS),
        "missing_fragments": sorted(result.missing_fragments),
        "content_type": result.content_type,
        "reached": result.reached,
        "checked_at": round(result.checked_at, TIME_DIGITS),
        "from_cache": result.from_cache,
        "bytes_read": result.bytes_read,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as a JSON object."""
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "file": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "url": finding.url,
        "message": finding.message,
        "suggestion": finding.suggestion,
    }


def _summary(report: Report, counts: Counts) -> dict[str, int]:
    return {
        "posts": counts.posts,
        "links": counts.links,
        "unique_urls": counts.unique_urls,
        "cached": counts.cached,
        "errors": counts.errors,
        "warnings": counts.warnings,
        "infos": counts.infos,
        "problems": len(report.problems),
    }


def _head(report: Report) -> dict[str, Any]:
    """The small members of the document, before the lists."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "offline": report.offline,
        "network_down": report.network_down,
        "elapsed": round(report.elapsed, TIME_DIGITS),
        "summary": _summary(report, count(report)),
        "stats": {key: report.stats[key] for key in sorted(report.stats)},
    }


def _lists(report: Report) -> tuple[tuple[str, Iterator[dict[str, Any]]], ...]:
    """The list members of the document, each made lazily, one object at a time."""
    posts = sorted(report.posts, key=lambda p: p.path)
    links = sorted(report.links, key=lambda k: (_place(k.location), k.url, k.start))
    findings = sorted(
        report.findings, key=lambda f: (_place(f.location), f.rule, f.url or "", f.message)
    )
    problems = sorted(report.problems, key=lambda p: (p.path, p.line or 0, p.reason))
    return (
        (
            "posts",
            (
                {
                    "path": p.path,
                    "title": p.title,
                    "links": p.links,
                    "has_resources": p.has_resources,
                }
                for p in posts
            ),
        ),
        ("links", (link_to_dict(link) for link in links)),
        ("results", (result_to_dict(report.results[url]) for url in sorted(report.results))),
        ("findings", (finding_to_dict(f) for f in findings)),
        ("problems", ({"file": p.path, "line": p.line, "reason": p.reason} for p in problems)),
        (
            "trend",
            (
                {"started_at": t.started_at, "checked": t.checked, "failing": t.failing}
                for t in report.trend
            ),
        ),
    )


def to_document(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dictionary (see the module documentation)."""
    document = _head(report)
    document.update((key, list(items)) for key, items in _lists(report))
    return document


def render(report: Report, *, color: bool = False) -> str:
    """The report as an indented JSON document (``color`` is ignored)."""
    del color
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, fp: TextIO) -> None:
    """Write the text of ``render(report)`` to ``fp`` one object at a time.

    The document is never held whole in memory: each post, link, result, finding and
    problem is encoded on its own, at its depth, and written at once.
    """
    fp.write("{")
    separator = "\n"
    for key, value in _head(report).items():
        fp.write(f"{separator}{_PAD}{dumps(key)}: {dumps(value, depth=1)}")
        separator = ",\n"
    for key, items in _lists(report):
        fp.write(f"{separator}{_PAD}{dumps(key)}: ")
        write_list(items, fp, depth=1)
    fp.write("\n}\n")


def write_list(items: Iterable[Any], fp: TextIO, *, depth: int = 0) -> None:
    """Write ``items`` as the JSON array ``json.dumps`` would indent at ``depth``.

    Items are encoded ``WRITE_CHUNK_ITEMS`` at a time (one encoder call each), so only that
    many of them are in memory as text at once.
    """
    pieces = (encoded_items(chunk, depth=depth) for chunk in chunked(items, WRITE_CHUNK_ITEMS))
    write_encoded(pieces, fp, depth=depth)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), taken as they come."""
    iterator = iter(items)
    return iter(lambda: list(islice(iterator, size)), [])


def encoded_items(items: Sequence[Any], *, depth: int = 0) -> str:
    """The inside of the JSON array of ``items`` that ``json.dumps`` would indent at
    ``depth``: each item on its own lines after a line break, separated by commas ("" when
    there is no item). ``write_encoded`` puts such texts together."""
    if not items:
        return ""
    text = dumps(list(items), depth=depth)  # "[", the items on their lines, "\n", pad, "]"
    return text[1 : len(text) - len(_PAD) * depth - 2]


def write_encoded(pieces: Iterable[str], fp: TextIO, *, depth: int = 0) -> None:
    """Write the JSON array (indented at ``depth``) whose items are those of the
    ``encoded_items`` texts ``pieces``, in order."""
    opening = "["
    for piece in pieces:
        if piece:
            fp.write(opening + piece)
            opening = ","
    fp.write(f"\n{_PAD * depth}]" if opening == "," else "[]")


WRITE_CHUNK_ITEMS = 256
"""How many items of a list ``write_list`` encodes at a time."""


_PAD = " " * INDENT


def dumps(value: Any, *, depth: int = 0) -> str:
    """``value`` as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, indented
    as if ``depth`` levels inside a document: every JSON output of linkcheck is written here.

    orjson writes the same text for the plain values of a report (dicts with string keys,
    lists, strings, integers, finite floats, booleans, None), many times faster than the
    standard encoder, whose indenting path is pure Python. What orjson refuses (a lone
    surrogate from an undecodable file name, an integer beyond 64 bits) goes through
    ``json.dumps``. One difference: a float that is not finite is written ``null`` (valid
    JSON), not ``NaN``.

    No line of the text holds ``##[``, which a CI runner reading the output would take for a
    workflow command wherever it is in a line: the second ``#`` is written ``\\u0023``, so
    the decoded value is unchanged (``##[`` can only be inside a string).
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(value, indent=INDENT, ensure_ascii=False)
    text = json_inert_commands(text)
    return text.replace("\n", "\n" + _PAD * depth) if depth else text


def _place(location: Location) -> tuple[str, int, int]:
    return (location.path, location.line, location.column)


# ---------------------------------------------------------------------------
# JSON -> Report
# ---------------------------------------------------------------------------


class _Invalid(Exception):
    """A document does not match the schema; turned into InputError at the boundary."""


def _get(data: Mapping[str, Any], key: str, kind: type[T] | tuple[type, ...]) -> T:
    if key not in data:
        raise _Invalid(f"missing key {key!r}")
    value = data[key]
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise _Invalid(f"{key!r} must be a number, not a boolean")
    if not isinstance(value, kind):
        raise _Invalid(f"{key!r} has the wrong type ({type(value).__name__})")
    return value  # type: ignore[return-value]


def _opt(data: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    if data.get(key) is None:
        return None
    return _get(data, key, kind)


def _number(data: Mapping[str, Any], key: str) -> float:
    return float(_get(data, key, (int, float)))


def _objects(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items: list[Any] = _get(data, key, list)
    if not all(isinstance(item, dict) for item in items):
        raise _Invalid(f"{key!r} must be a list of objects")
    return items


def _location(data: Mapping[str, Any]) -> Location:
    return Location(_get(data, "file", str), _get(data, "line", int), _get(data, "column", int))


def _enum(factory: Callable[[str], T], data: Mapping[str, Any], key: str) -> T:
    value: str = _get(data, key, str)
    try:
        return factory(value)
    except ValueError as exc:
        raise _Invalid(f"{key!r}: unknown value {value!r}") from exc


def link_from_dict(data: Mapping[str, Any]) -> Link:
    """The inverse of ``link_to_dict``; raises InputError on a malformed object."""
    return _guard(_link, data)


def _link(data: Mapping[str, Any]) -> Link:
    source = _get(data, "source", dict)
    return Link(
        url=_get(data, "url", str),
        kind=_enum(LinkKind, data, "kind"),
        text=_get(data, "text", str),
        location=_location(data),
        in_resources=_get(data, "in_resources", bool),
        source=Source(_enum(SourceKind, source, "kind"), _get(source, "key", str)),
        start=_get(data, "start", int) if "start" in data else 0,
        end=_get(data, "end", int) if "end" in data else 0,
        key_path=_opt(data, "key_path", str),
        ignored=_get(data, "ignored", bool) if "ignored" in data else False,
    )


def _result(data: Mapping[str, Any]) -> CheckResult:
    hops = tuple(
        Hop(_get(hop, "url", str), _get(hop, "status", int)) for hop in _objects(data, "redirects")
    )
    fragments: list[Any] = _get(data, "missing_fragments", list)
    if not all(isinstance(f, str) for f in fragments):
        raise _Invalid("'missing_fragments' must be a list of strings")
    return CheckResult(
        url=_get(data, "url", str),
        verdict=_enum(Verdict, data, "verdict"),
        status=_opt(data, "status", int),
        final_url=_opt(data, "final_url", str),
        redirects=hops,
        title=_opt(data, "title", str),
        reason=_get(data, "reason", str),
        attempts=_get(data, "attempts", int),
        elapsed=_number(data, "elapsed"),
        missing_fragments=frozenset(fragments),
        content_type=_opt(data, "content_type", str),
        reached=_get(data, "reached", bool),
        checked_at=_number(data, "checked_at"),
        from_cache=_get(data, "from_cache", bool),
        bytes_read=_get(data, "bytes_read", int) if "bytes_read" in data else 0,
    )


def _finding(data: Mapping[str, Any]) -> Finding:
    return Finding(
        rule=_get(data, "rule", str),
        severity=_enum(Severity, data, "severity"),
        location=_location(data),
        message=_get(data, "message", str),
        url=_opt(data, "url", str),
        suggestion=_opt(data, "suggestion", str),
    )


def _post(data: Mapping[str, Any]) -> PostSummary:
    return PostSummary(
        path=_get(data, "path", str),
        title=_opt(data, "title", str),
        links=_get(data, "links", int),
        has_resources=_get(data, "has_resources", bool),
    )


def _problem(data: Mapping[str, Any]) -> InputProblem:
    return InputProblem(_get(data, "file", str), _get(data, "reason", str), _opt(data, "line", int))


def _report(data: Mapping[str, Any]) -> Report:
    version = data.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise _Invalid(f"unsupported schema_version {version!r} (expected {SCHEMA_VERSION})")
    stats: dict[str, Any] = _get(data, "stats", dict) if "stats" in data else {}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in stats.values()):
        raise _Invalid("'stats' values must be integers")
    results = [_result(item) for item in _objects(data, "results")]
    return Report(
        posts=tuple(_post(item) for item in _objects(data, "posts")),
        links=tuple(_link(item) for item in _objects(data, "links")),
        results={result.url: result for result in results},
        findings=tuple(_finding(item) for item in _objects(data, "findings")),
        problems=tuple(_problem(item) for item in _objects(data, "problems")),
        offline=_get(data, "offline", bool),
        network_down=_get(data, "network_down", bool),
        elapsed=_number(data, "elapsed"),
        stats=stats,
        trend=tuple(_trend(item) for item in _objects(data, "trend")) if "trend" in data else (),
    )


def _trend(data: Mapping[str, Any]) -> RunTrend:
    return RunTrend(
        _number(data, "started_at"), _get(data, "checked", int), _get(data, "failing", int)
    )


def _guard(build: Callable[[Mapping[str, Any]], T], data: Any) -> T:
    if not isinstance(data, dict):
        raise InputError(DOCUMENT_NAME, "expected a JSON object")
    try:
        return build(data)
    except _Invalid as exc:
        raise InputError(DOCUMENT_NAME, str(exc)) from None


def load(text: str) -> Report:
    """Rebuild a Report from a document made by ``render``; InputError when it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(DOCUMENT_NAME, f"not valid JSON: {exc}") from None
    return _guard(_report, data)
