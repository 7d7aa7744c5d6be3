"""URL values in a post's frontmatter, with their key paths and exact offsets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from linkcheck.discover import find_frontmatter
from linkcheck.extract.found import Found
from linkcheck.models import LinkKind

FRONTMATTER_URL_PREFIXES: tuple[str, ...] = ("http://", "https://")
YAML_STRING_TAG = "tag:yaml.org,2002:str"
YAML_QUOTE_STYLES: frozenset[str] = frozenset({'"', "'"})
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UrlComposer(_YAML_LOADER):  # type: ignore[misc]
    """Composes frontmatter to find where its URL strings are.

    Every untagged scalar is tagged a string without trying the implicit types (numbers,
    dates, booleans...). Only values starting with ``http://`` or ``https://`` are used, and no
    implicit type matches those, so the answer is the same and the guessing is saved.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            return YAML_STRING_TAG
        return super().resolve(kind, value, implicit)


def frontmatter_links(text: str, body_offset: int) -> list[Found]:
    """Every http(s) string value in the frontmatter, with its dotted key path."""
    if body_offset <= 0:
        return []
    try:
        span = find_frontmatter(text)
    except ValueError:
        return []
    if span is None or span.body_offset != body_offset:
        return []
    source = text[span.yaml_start : span.yaml_end]
    if "http" not in source.lower():
        return []
    try:
        root = yaml.compose(source, Loader=_UrlComposer)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    found: list[Found] = []
    for node, path in _yaml_strings(root):
        value = str(node.value).strip()
        if not value.lower().startswith(FRONTMATTER_URL_PREFIXES):
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
        key_path = ".".join(path)
        start = span.yaml_start + begin
        found.append(
            Found(
                value, LinkKind.FRONTMATTER, key_path, start, start, span.yaml_start + end, key_path
            )
        )
    found.sort(key=lambda item: item.use)
    return found


def _yaml_strings(root: yaml.Node | None) -> Iterator[tuple[yaml.ScalarNode, tuple[str, ...]]]:
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
