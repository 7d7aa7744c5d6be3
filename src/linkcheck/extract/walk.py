"""Walking markdown-it's token stream: links, headings, anchors and ignore comments of a body."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from linkcheck.extract.blocks import BlockMap, chars_in_line, offset_map
from linkcheck.extract.found import Found, Heading, Note, Scan
from linkcheck.extract.html import HTML_CLOSE_A_EXACT_RE, HTML_OPEN_A_RE, scan_html
from linkcheck.extract.markdown import META_KEY, REFERENCES_KEY, parser_for
from linkcheck.extract.positions import LineIndex
from linkcheck.models import LinkKind

BLOCK_ID_RE = re.compile(r"\{:[ \t]*#([^\s}]+)[^}]*\}")
"""A kramdown block attribute line giving the block before it an id: ``{: #v1-0-0}``."""

TABLE_CELL_OPENERS: frozenset[str] = frozenset({"th_open", "td_open"})


def scan_markdown(src: str, raw: str, *, mdx: bool = False) -> Scan:
    """Links, headings, anchors and directives of a body (``src`` parsed, ``raw`` as stored)."""
    scan = Scan()
    if not src.strip():
        return scan
    env: dict[str, Any] = {}
    tokens = parser_for(src, mdx=mdx).parse(src, env)
    lines = LineIndex(src)
    definitions: dict[str, tuple[int, int]] = env.get(REFERENCES_KEY, {})
    table_cursor: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "html_block" and token.map is not None:
            mapping = BlockMap.by_lines(token.content, lines, token.map[0], token.map[1])
            scan_html(token.content, mapping, src, raw, scan, inline=False)
        elif token.type == "inline" and token.map is not None and token.children is not None:
            opener = tokens[index - 1] if index > 0 else token
            # Table cells are mapped in order along their line, so each one moves the cursor.
            if opener.type in TABLE_CELL_OPENERS or any(
                META_KEY in child.meta for child in token.children if child.meta
            ):
                mapping = _inline_map(token, opener, lines, table_cursor)
                _scan_inline(token.children, mapping, src, raw, definitions, scan)
            if opener.type == "paragraph_open" and token.content.startswith("{"):
                attribute = BLOCK_ID_RE.fullmatch(token.content.strip())
                if attribute is not None:  # kramdown's ``{: #id}`` line: the block's id
                    scan.anchors.add(attribute.group(1))
            if opener.type == "heading_open":
                level = int(opener.tag[1:]) if opener.tag[1:].isdigit() else 1
                text = heading_text(token.children)
                scan.headings.append(Heading(lines.start(token.map[0]), level, text))
    return scan


def _inline_map(
    token: Token, opener: Token, lines: LineIndex, table_cursor: dict[int, int]
) -> BlockMap:
    assert token.map is not None
    first, stop = token.map
    if opener.type in TABLE_CELL_OPENERS:
        cursor = table_cursor.get(first, 0)
        positions = chars_in_line(token.content, lines, first, cursor)
        if positions:
            table_cursor[first] = positions[-1] - lines.start(first) + 1
        mapping = BlockMap.by_chars(positions)
        mapping.anchors = [lines.start(first) + cursor]
        return mapping
    if opener.type == "heading_open" and opener.markup.startswith("#"):
        text = lines.line_text(first)
        hashes = text.find("#")
        while 0 <= hashes < len(text) and text[hashes] == "#":
            hashes += 1
        found = text.find(token.content, max(hashes, 0))
        base = lines.start(first) + max(found, 0)
        return BlockMap.by_chars(list(range(base, base + len(token.content))))
    return BlockMap.by_lines(token.content, lines, first, stop)


def _scan_inline(
    children: list[Token],
    mapping: BlockMap,
    src: str,
    raw: str,
    definitions: dict[str, tuple[int, int]],
    scan: Scan,
) -> None:
    for index, token in enumerate(children):
        note = token.meta.get(META_KEY) if token.meta else None
        if note is None:
            continue
        if token.type == "html_inline" and isinstance(note, int):
            local = Scan()
            scan_html(token.content, offset_map(mapping, note), src, raw, local, inline=True)
            text = _html_inline_text(children, index) if local.links else ""
            scan.links.extend(
                Found(f.url, f.kind, f.text or text, f.use, f.start, f.end) for f in local.links
            )
            scan.anchors.update(local.anchors)
            scan.directives.extend(local.directives)
            continue
        if not isinstance(note, Note):
            continue
        if token.type == "image":
            text = plain_text(token.children or [])
        elif note.kind in (LinkKind.BARE, LinkKind.AUTOLINK):
            text = ""
        else:
            text = plain_text(children[index + 1 : _closing(children, index)])
        found = _resolve(note, mapping, src, raw, definitions, text)
        if found is not None:
            scan.links.append(found)


def _resolve(
    note: Note,
    mapping: BlockMap,
    src: str,
    raw: str,
    definitions: dict[str, tuple[int, int]],
    text: str,
) -> Found | None:
    """The link a note describes, with source offsets; None when there is no URL to follow."""
    use = mapping.to_source(note.use)
    if note.label is not None:
        span = definitions.get(note.label)
        if span is None or span[1] < span[0]:
            return None
        start, end = span
        return Found(unescapeAll(raw[start:end]), note.kind, text, use, start, end)
    start, end = mapping.span(note.start, note.end)
    if not note.written:
        if note.end != note.start or src[start : start + 1] != note.after:
            return None  # the place could not be found in the file
        return Found("", note.kind, text, start, start, start)
    if start >= end or not _same_text(src[start:end], note.written):
        return None
    written = raw[start:end]
    if src[start:end] != note.written:
        written = written.replace("\\|", "|")  # a table cell's escaped pipe
    if note.kind is LinkKind.AUTOLINK:
        url = f"mailto:{written}" if note.mailto else written
        return Found(url, note.kind, text or written, start, start, end)
    if note.kind is LinkKind.BARE:
        url = f"mailto:{written}" if note.mailto else written
        return Found(url, note.kind, text or written, start, start, end)
    return Found(unescapeAll(written), note.kind, text, start, start, end)


def _same_text(source: str, inline: str) -> bool:
    """Whether a source span holds the inline text (table cells drop the ``\\`` of ``\\|``)."""
    return source == inline or source.replace("\\|", "|") == inline.replace("\\|", "|")


def _closing(children: list[Token], index: int) -> int:
    depth = 0
    for position in range(index, len(children)):
        kind = children[position].type
        if kind == "link_open":
            depth += 1
        elif kind == "link_close":
            depth -= 1
            if depth == 0:
                return position
    return len(children)


def heading_text(tokens: Sequence[Token]) -> str:
    """A heading's text as generators make anchors from it: markup and images dropped,
    blanks kept as written (GitHub makes ``## a  b`` ``#a--b``, and ``## a ![i](i.png)``
    ``#a-``), line breaks as spaces."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def plain_text(tokens: Sequence[Token], *, headings: bool = False) -> str:
    """The text a reader sees: markup dropped, line breaks as spaces, spaces collapsed."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image" and not headings:
            parts.append(plain_text(token.children or []))
    return " ".join("".join(parts).split())


def _html_inline_text(children: list[Token], index: int) -> str:
    """Text between an inline ``<a ...>`` and its ``</a>``."""
    if HTML_OPEN_A_RE.match(children[index].content) is None:
        return ""
    for position in range(index + 1, len(children)):
        token = children[position]
        if token.type == "html_inline" and HTML_CLOSE_A_EXACT_RE.match(token.content.strip()):
            return plain_text(children[index + 1 : position])
    return ""
