"""Offsets, lines and columns: the text handed to the parsers, and its lines."""

from __future__ import annotations

from bisect import bisect_right


class LineIndex:
    """Line starts of a text (lines end at ``\\n``; a ``\\r`` before it is part of the line)."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``."""
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line_text(self, line: int) -> str:
        """Line ``line`` (0-based) without its ``\\n``."""
        if line >= len(self.starts):
            return ""
        begin = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[begin:end]


class SourceMap:
    """Offsets in a block's text, as a parser gives it, to offsets in the file: markdown-it's
    blocks (``blocks.BlockMap``) and the fast path's raw HTML (``pulldown``) map them."""

    __slots__ = ()

    def to_source(self, offset: int) -> int:
        raise NotImplementedError

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The file's span of the text's span ``[start, end)``."""
        begin = self.to_source(start)
        if end <= start:
            return begin, begin
        return begin, self.to_source(end - 1) + 1


def markdown_source(body: str) -> str:
    """The body as handed to markdown-it: same length, every ``\\r`` made a space.

    markdown-it turns ``\\r\\n`` into ``\\n``, which would shift every offset after it; a file's
    line breaks are its ``\\n`` characters, and a ``\\r`` before one is trailing whitespace.
    NUL becomes U+FFFD here, as markdown-it would do, so both see the same text.
    """
    if "\r" in body:
        body = body.replace("\r", " ")
    if "\x00" in body:
        body = body.replace("\x00", "\ufffd")
    return body
