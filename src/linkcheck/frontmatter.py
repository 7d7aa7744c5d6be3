"""A post's frontmatter: found once, its format told by python-frontmatter, parsed once.

python-frontmatter's handlers say which format a post's frontmatter is written in (YAML
between ``---`` lines, TOML between ``+++`` lines, JSON as a ``{`` … ``}`` object) and load
TOML and JSON. python-frontmatter returns the metadata and the body as new strings, without
offsets; a checker that reports lines and rewrites URLs in place needs the exact span, so the
span is found here with each handler's own boundary pattern, and the string values' offsets
come from the format's parser: PyYAML's composer for YAML (the document is composed once and
constructed from the same nodes), the quoted literal in the source for TOML and JSON (their
standard-library parsers keep no positions).

YAML fences are stricter than python-frontmatter's (``---`` exactly, as Jekyll and Hugo
require; ``...`` also closes, as in YAML); a post without a recognised opening line on its
first line has no frontmatter.

The parsers' cost is bounded before they run: frontmatter longer than
``MAX_FRONTMATTER_CHARS`` is refused (PyYAML builds about 140 bytes of objects per byte of
YAML), and so is TOML with a dotted key of more than ``MAX_FRONTMATTER_DEPTH`` parts
(``tomllib`` keeps every prefix of a dotted key: its memory grows with the square of the
key's length, 16 KB of ``a.a.a…`` took 250 MB). Loaded values nested deeper than
``MAX_FRONTMATTER_DEPTH`` are refused too: code that turns a value into text must not meet
the interpreter's recursion limit.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from linkcheck.models import Frontmatter, FrontmatterFormat, FrontmatterValue

__all__ = ["FrontmatterError", "FrontmatterSpan", "find_frontmatter", "parse_frontmatter"]

YAML_BOUNDARY = re.compile(r"^(?:---|\.\.\.)[ \t\r]*$", re.MULTILINE)
"""A YAML fence line: ``---`` opens and closes, ``...`` closes (trailing blanks allowed)."""
YAML_OPEN = "---"
TOML_BOUNDARY = re.compile(r"^\+\+\+[ \t\r]*$", re.MULTILINE)
"""A TOML fence line (Hugo): ``+++``."""
JSON_BOUNDARY = re.compile(r"^[{}][ \t\r]*$", re.MULTILINE)
"""A JSON frontmatter object opens with a line ``{`` and closes with a line ``}`` (Hugo)."""
JSON_CLOSE = "}"

MAX_FRONTMATTER_CHARS = 512 * 1024
"""Longest frontmatter read (real ones are a few KB; 512 KiB of YAML peaks near 75 MB)."""
MAX_FRONTMATTER_DEPTH = 64
"""Deepest nesting of frontmatter values, and most parts of a TOML dotted key."""
_TOML_DEEP_KEY = re.compile(
    r"(?:\.[ \t]*+(?:[A-Za-z0-9_-]++|\"[^\"\n]*+\"|'[^'\n]*+')[ \t]*+){"
    + str(MAX_FRONTMATTER_DEPTH)
    + ",}"
)
"""A dotted key (or table header) of more than ``MAX_FRONTMATTER_DEPTH`` parts; possessive
quantifiers keep the search linear."""

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_SAFE_LOADER):  # type: ignore[misc]
    """The safe loader (libyaml's when present), where a date that is no date
    (``2017-02-29``) is its text: generators built on JavaScript roll it over to the next
    valid day and build the page; PyYAML refused the whole frontmatter."""


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
YAML_STRING_TAG = "tag:yaml.org,2002:str"
URL_MARK = "://"
"""What every string value that may be a link's URL holds (``Frontmatter.strings``)."""
YAML_QUOTE_STYLES: frozenset[str] = frozenset({'"', "'"})


class TOMLHandler(BaseHandler):
    """python-frontmatter's TOML handler needs the ``toml`` package; this one loads with the
    standard library's ``tomllib`` (TOML 1.0), as Hugo's own parser reads it."""

    FM_BOUNDARY = TOML_BOUNDARY
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        raise NotImplementedError("linkcheck never writes frontmatter")


HANDLERS: tuple[tuple[FrontmatterFormat, BaseHandler], ...] = (
    (FrontmatterFormat.YAML, YAMLHandler(fm_boundary=YAML_BOUNDARY)),
    (FrontmatterFormat.TOML, TOMLHandler()),
    (FrontmatterFormat.JSON, JSONHandler(fm_boundary=JSON_BOUNDARY)),
)
"""python-frontmatter handlers, in the order they are tried on a post's first line."""


TEMPLATE_OPENINGS = ("{{", "{%")
"""Template code: frontmatter that does not parse and holds some is a template's (Hugo's
archetypes, Hexo's scaffolds): it is not read, and the body is still a post's."""


class FrontmatterError(ValueError):
    """Frontmatter that cannot be used; ``offset`` is where in the text the problem is."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


@dataclass(frozen=True, slots=True)
class FrontmatterSpan:
    """Where a post's frontmatter sits in its text."""

    format: FrontmatterFormat
    yaml_start: int
    """Offset of the metadata's first character (after the opening fence line; for JSON the
    opening ``{`` itself)."""
    yaml_end: int
    """Offset just after the metadata (the start of the closing fence line; for JSON just
    after the closing ``}``)."""
    body_offset: int
    """Offset just after the closing fence line: where the Markdown body starts."""


def _handler(text: str) -> tuple[FrontmatterFormat, BaseHandler] | None:
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    for kind, handler in HANDLERS:
        if handler.detect(first_line) and (
            kind is not FrontmatterFormat.YAML or _yaml_open(first_line)
        ):
            return kind, handler
    return None


def _yaml_open(line: str) -> bool:
    return line.rstrip(" \t\r") == YAML_OPEN


def find_frontmatter(text: str) -> FrontmatterSpan | None:
    """The frontmatter of ``text`` (BOM already removed), or None when there is none.

    The opening fence must be the first line. Raises ``FrontmatterError`` when it is never
    closed.
    """
    found = _handler(text)
    if found is None:
        return None
    kind, handler = found
    boundary = handler.FM_BOUNDARY
    assert boundary is not None
    first_end = text.find("\n")
    if first_end < 0:
        raise FrontmatterError("frontmatter is not closed", 0)
    for match in boundary.finditer(text, first_end + 1):
        line_end = text.find("\n", match.end())
        body = len(text) if line_end < 0 else line_end + 1
        if kind is FrontmatterFormat.JSON:
            if match.group().rstrip(" \t\r") != JSON_CLOSE:
                continue
            return FrontmatterSpan(kind, 0, match.start() + 1, body)
        return FrontmatterSpan(kind, first_end + 1, match.start(), body)
    raise FrontmatterError("frontmatter is not closed", 0)


def parse_frontmatter(text: str) -> tuple[Mapping[str, Any], Frontmatter | None, int]:
    """The metadata, the frontmatter (its span and string values) and the body's offset.

    Raises ``FrontmatterError`` for frontmatter that is not closed, does not parse, or is not
    a mapping.
    """
    span = find_frontmatter(text)
    if span is None:
        return {}, None, 0
    source = text[span.yaml_start : span.yaml_end]
    name = span.format.value.upper()
    if len(source) > MAX_FRONTMATTER_CHARS:
        raise FrontmatterError(
            f"{name} frontmatter of {len(source):,} characters, more than "
            f"{MAX_FRONTMATTER_CHARS:,}; not read",
            span.yaml_start,
        )
    if span.format is FrontmatterFormat.TOML:
        deep = _TOML_DEEP_KEY.search(source)
        if deep is not None:
            raise FrontmatterError(
                f"TOML frontmatter with a dotted key of more than {MAX_FRONTMATTER_DEPTH} "
                "parts; not read",
                span.yaml_start + deep.start(),
            )
    try:
        if span.format is FrontmatterFormat.YAML:
            loaded, strings = _load_yaml(source, span.yaml_start)
        else:
            loaded = _load_other(dict(HANDLERS)[span.format], source, span)
            strings = ()
    except FrontmatterError:
        if any(mark in source for mark in TEMPLATE_OPENINGS):
            return {}, None, span.body_offset  # a template's (an archetype, a scaffold)
        raise
    deep_enough = span.format is not FrontmatterFormat.YAML or (
        yaml_nesting_bound(source) > MAX_FRONTMATTER_DEPTH
    )
    if deep_enough and nesting_depth(loaded) > MAX_FRONTMATTER_DEPTH:
        raise FrontmatterError(
            f"{name} frontmatter nested more than {MAX_FRONTMATTER_DEPTH} levels deep",
            span.yaml_start,
        )
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise FrontmatterError(
            f"frontmatter is not a mapping (found {type(loaded).__name__})", span.yaml_start
        )
    if span.format is not FrontmatterFormat.YAML:
        strings = tuple(_literal_strings(loaded, source, span.yaml_start, span.format))
    matter = Frontmatter(span.format, span.yaml_start, span.yaml_end, span.body_offset, strings)
    return loaded, matter, span.body_offset


YAML_COLLECTION_MARKS = ":-[{?"
"""Characters one of which YAML writes for every mapping (``:``, ``?``, ``{``) and every
sequence (``-``, ``[``) it makes."""


def yaml_nesting_bound(source: str) -> int:
    """At least the ``nesting_depth`` of what ``source`` loads as YAML: every list or
    mapping along a path of nesting is a collection written with a mark of its own
    (``YAML_COLLECTION_MARKS``; an alias repeats a collection, it makes none), so a source
    with few marks needs no walk of its values."""
    return sum(map(source.count, YAML_COLLECTION_MARKS))


def nesting_depth(value: Any) -> int:
    """How deep lists and mappings nest in ``value`` (a scalar: 0, ``[1]``: 1), without
    recursion. A value shared by YAML aliases is measured once; a value that contains itself
    (``&a [*a]``) counts its cycle once."""
    depths: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, children_done = stack.pop()
        key = id(item)
        children = _children(item)
        if children is None:
            continue
        if children_done:
            open_.discard(key)
            below = (depths.get(id(child), 0) for child in children)
            depths[key] = 1 + max(below, default=0)
            continue
        if key in depths or key in open_:
            continue
        open_.add(key)
        stack.append((item, True))
        stack.extend((child, False) for child in children if _children(child) is not None)
    return depths.get(id(value), 0)


def _children(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return None


# ---------------------------------------------------------------------------
# YAML: composed once, constructed from the same nodes
# ---------------------------------------------------------------------------


def _load_yaml(source: str, base: int) -> tuple[Any, tuple[FrontmatterValue, ...]]:
    loader = _YamlLoader(source)
    try:
        node = loader.get_single_node()
        loaded = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        offset = base + (mark.index if mark is not None else 0)
        raise FrontmatterError(f"invalid YAML frontmatter: {reason}", offset) from None
    except (RecursionError, ValueError) as exc:
        raise FrontmatterError(f"invalid YAML frontmatter: {exc}", base) from None
    finally:
        loader.dispose()
    if URL_MARK not in source:  # no value written verbatim can be a URL
        return loaded, ()
    return loaded, tuple(_yaml_values(node, source, base))


def _yaml_values(root: yaml.Node | None, source: str, base: int) -> Iterator[FrontmatterValue]:
    for node, path in _yaml_strings(root):
        value = str(node.value).strip()
        if URL_MARK not in value:
            continue
        begin, end = node.start_mark.index, node.end_mark.index
        if node.style in YAML_QUOTE_STYLES and end - begin >= 2:
            begin, end = begin + 1, end - 1
        written = source[begin:end]
        inside = written.find(value)
        if inside >= 0:
            begin, end = begin + inside, begin + inside + len(value)
        else:
            stripped = written.strip()
            begin += written.find(stripped) if stripped else 0
            end = begin + len(stripped)
        yield FrontmatterValue(".".join(path), value, base + begin, base + end)


def _yaml_strings(root: yaml.Node | None) -> Iterator[tuple[yaml.ScalarNode, tuple[str, ...]]]:
    """Every string scalar with its key path, in document order (aliases visited once)."""
    if root is None:
        return
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == YAML_STRING_TAG:
                yield node, path
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(
                (child, (*path, str(i))) for i, child in reversed(list(enumerate(node.value)))
            )
        elif isinstance(node, yaml.MappingNode):
            stack.extend(
                (value, (*path, str(key.value)))
                for key, value in reversed(node.value)
                if isinstance(key, yaml.ScalarNode)
            )


# ---------------------------------------------------------------------------
# TOML and JSON: loaded by their handlers, string values found where they are written
# ---------------------------------------------------------------------------

TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _load_other(handler: BaseHandler, source: str, span: FrontmatterSpan) -> Any:
    name = span.format.value.upper()
    try:
        return handler.load(source)
    except tomllib.TOMLDecodeError as exc:
        where = TOML_ERROR_AT.search(str(exc))
        offset = span.yaml_start
        if where is not None:
            offset += _line_offset(source, int(where.group(1)))
        reason = TOML_ERROR_AT.sub("", str(exc)).strip()
        raise FrontmatterError(f"invalid {name} frontmatter: {reason}", offset) from None
    except json.JSONDecodeError as exc:
        offset = span.yaml_start + exc.pos
        raise FrontmatterError(f"invalid {name} frontmatter: {exc.msg}", offset) from None
    except (RecursionError, ValueError) as exc:
        raise FrontmatterError(f"invalid {name} frontmatter: {exc}", span.yaml_start) from None


def _line_offset(source: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = source.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset


def _strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...]]]:
    if isinstance(value, str):
        yield value, path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


def _literal_strings(
    loaded: Any, source: str, base: int, kind: FrontmatterFormat
) -> Iterator[FrontmatterValue]:
    """String values with the place of their literal: the value written verbatim between
    quotes (the first such place not taken by an earlier equal value). A value written with
    escapes has no verbatim literal and gets no place (it is not reported as a link)."""
    quotes = ('"',) if kind is FrontmatterFormat.JSON else ('"', "'")
    taken: dict[str, int] = {}
    for value, path in _strings(loaded):
        if URL_MARK not in value or "\n" in value:
            continue
        where = _find_literal(source, value, quotes, taken.get(value, 0))
        if where is None:
            continue
        taken[value] = where + len(value)
        yield FrontmatterValue(".".join(path), value, base + where, base + where + len(value))


def _find_literal(source: str, value: str, quotes: tuple[str, ...], after: int) -> int | None:
    position = source.find(value, after)
    while position >= 0:
        before = source[position - 1 : position]
        closing = source[position + len(value) : position + len(value) + 1]
        if before in quotes and closing == before:
            return position
        position = source.find(value, position + 1)
    return None
