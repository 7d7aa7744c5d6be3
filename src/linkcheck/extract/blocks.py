"""From a block's inline text back to the file (the reference reading, markdown-it's).

markdown-it only records block positions (``token.map``); the inline offsets noted by the
wrapped rules are mapped back to offsets in the file (``BlockMap``), which give the line and
column a reader sees in an editor and the exact span ``--fix`` rewrites.
"""

from __future__ import annotations

from bisect import bisect_right

from markdown_it.common.utils import MD_TRIM_CHARS

from linkcheck.extract.positions import LineIndex, SourceMap


class BlockMap(SourceMap):
    """Maps offsets in a block's inline text (``Token.content``) to offsets in the source.

    markdown-it builds the inline text of a paragraph from the tail of each source line (the
    part after the container markers and indentation), joined with ``\\n`` and trimmed; so each
    line of the inline text, without its leading blanks, ends where its source line ends.
    Table cells and ATX headings are single-line pieces of a line: they map by characters.
    """

    __slots__ = ("anchors", "chars", "leads", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = [0]
        self.leads: list[int] = [0]
        self.anchors: list[int] = [0]
        self.chars: list[int] | None = None

    @classmethod
    def by_lines(cls, content: str, lines: LineIndex, first: int, stop: int) -> BlockMap:
        parts = content.split("\n")
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        mapping = cls()
        for shift in range(max(1, stop - first - len(parts) + 1)):
            if mapping._align(parts, lines, first + shift, stop):
                return mapping
        mapping._align(parts, lines, first, stop, strict=False)
        return mapping

    def _align(
        self, parts: list[str], lines: LineIndex, first: int, stop: int, *, strict: bool = True
    ) -> bool:
        starts: list[int] = []
        leads: list[int] = []
        anchors: list[int] = []
        offset = 0
        last = len(parts) - 1
        for number, part in enumerate(parts):
            line = first + number
            if strict and line >= stop:
                return False
            text = lines.line_text(line)
            tail = part.lstrip(MD_TRIM_CHARS)
            if text.endswith(tail):
                anchor = len(text) - len(tail)
            elif number == last and text.rstrip(MD_TRIM_CHARS).endswith(tail):
                anchor = len(text.rstrip(MD_TRIM_CHARS)) - len(tail)
            elif strict:
                return False
            else:
                anchor = 0
            starts.append(offset)
            leads.append(len(part) - len(tail))
            anchors.append(lines.start(line) + max(anchor, 0))
            offset += len(part) + 1
        self.starts, self.leads, self.anchors = starts, leads, anchors
        return True

    @classmethod
    def by_chars(cls, positions: list[int]) -> BlockMap:
        mapping = cls()
        mapping.chars = positions
        return mapping

    def to_source(self, offset: int) -> int:
        if self.chars is not None:
            if not self.chars:
                return self.anchors[0]
            if offset < len(self.chars):
                return self.chars[offset]
            return self.chars[-1] + 1 + offset - len(self.chars)
        index = bisect_right(self.starts, offset) - 1
        within = offset - self.starts[index] - self.leads[index]
        return self.anchors[index] + max(within, 0)


def chars_in_line(content: str, lines: LineIndex, line: int, cursor: int) -> list[int]:
    """Positions of ``content``'s characters in a source line, matched in order from ``cursor``.

    Used for table cells (the cell text drops the backslash of ``\\|``) and ATX headings.
    """
    text = lines.line_text(line)
    base = lines.start(line)
    positions: list[int] = []
    index = cursor
    for ch in content:
        found = text.find(ch, index)
        if found < 0:
            return []
        positions.append(base + found)
        index = found + 1
    return positions


class OffsetMap(BlockMap):
    __slots__ = ("base", "inner")

    def __init__(self, inner: BlockMap, base: int) -> None:
        super().__init__()
        self.inner = inner
        self.base = base

    def to_source(self, offset: int) -> int:
        return self.inner.to_source(self.base + offset)


def offset_map(mapping: BlockMap, base: int) -> BlockMap:
    return OffsetMap(mapping, base)
