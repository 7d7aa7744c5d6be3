"""MDX: what an ``.mdx`` post writes that is not Markdown."""

from __future__ import annotations

import re

from linkcheck.extract.found import Found, Scan, outside_spans
from linkcheck.extract.html import HTML_SCAN_RE, scan_html
from linkcheck.extract.sections import line_at, split_heading_id
from linkcheck.models import LinkKind

MDX_SUFFIX = ".mdx"
MDX_COMMENT_START = "{/*"
MDX_COMMENT_RE = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
"""An MDX comment: a JavaScript block comment as the only thing in braces."""


def outside_mdx_comments(links: list[Found], raw: str) -> list[Found]:
    """The links not written inside an MDX comment (``{/* ... */}``): MDX renders nothing there.

    Markdown reads such a comment as text, so the rest of the post is parsed as it is.
    """
    if MDX_COMMENT_START not in raw:
        return links
    spans = [match.span() for match in MDX_COMMENT_RE.finditer(raw)]
    return outside_spans(links, spans, by_start=True)


ESM_START_RE = re.compile(r"(?:import|export)(?=[\s{*])")
"""A line that starts an MDX import/export block (it runs to the next blank line)."""
FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
CODE_URL_RE = re.compile(r"""(["'`])((?:https?|ftp)://[^"'`\s\\]+)\1""")
"""A URL written as a JavaScript string literal."""
QUOTES = "\"'`"
ATTRIBUTE_EQUALS_RE = re.compile(r"=\s*\Z")
INLINE_FILLER = "\ue000"
"""What an expression within a line of text becomes: a character that is neither a blank
(blanks at the start of a line would make the rest indented code) nor Markdown syntax."""


def blanked_heading(text: str, raw: str, offset: int) -> tuple[str, str | None]:
    """The text and id of a heading whose ``{...}`` reached the parser blanked (``mdx_body``):
    the expression renders no known text, and the id is read from the heading's line at
    ``offset`` of ``raw`` (``{/* #id */}``, and ``{#id}``, which Docusaurus reads in MDX too)."""
    return text.replace(INLINE_FILLER, "").rstrip(" \t"), split_heading_id(line_at(raw, offset))[1]


def mdx_body(raw: str) -> tuple[str, list[Found]]:
    """The body as Markdown sees it in an MDX post, and the URLs written in its code.

    MDX import/export blocks and ``{...}`` expressions are JavaScript, not Markdown: they are
    blanked (same length, line breaks kept), an attribute's expression (``title={x}``) as a
    quoted blank so that its tag stays a valid tag and its other attributes (``href``) are
    still read. URL string literals in that code (``export const meta = {source:
    "https://..."}``) are links of kind ``expression``. Code blocks and code spans are left
    alone. Offsets of the result are those of ``raw``.
    """
    if "{" not in raw and "import" not in raw and "export" not in raw:
        return raw, []
    chars = list(raw)
    found: list[Found] = []
    lines = raw.split("\n")
    offset = 0
    fence: str | None = None
    previous_blank = True
    in_esm = False
    for line in lines:
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            previous_blank = False
            continue
        opening = FENCE_RE.match(line)
        if opening is not None and not in_esm:
            fence = opening.group(1)
            previous_blank = False
            continue
        if in_esm or (previous_blank and ESM_START_RE.match(line)):
            in_esm = bool(stripped)
            if stripped:
                _code(raw, start, start + len(line), chars, found)
            previous_blank = not stripped
            continue
        previous_blank = not stripped
    _expressions(raw, chars, found)
    _multiline_tags(raw, chars, found)
    return "".join(chars), found


TAG_SPAN_RE = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(?:script|style|textarea)\b.*?(?:</(?:script|style|textarea)\s*>|\Z)"
    r"|<([A-Za-z][A-Za-z0-9-]*)(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>",
    re.DOTALL | re.IGNORECASE,
)
"""Where a tag may be (group 1: its name), skipping comments and scripts: a tag ends at the
first ``>`` outside quotes and holds no ``<`` outside them. Every span is found in one pass
(linear in the post's length); ``HTML_SCAN_RE`` then reads each tag within its span (alone
over a whole post, it went to the end of the post from every ``<`` of a tag never closed:
quadratic)."""


def _multiline_tags(raw: str, chars: list[str], found: list[Found]) -> None:
    """Components written over several lines (``<Card\n  href="..."\n>``): MDX reads them as
    JSX before any Markdown, so a line of the tag that starts with ``>`` is no blockquote.
    Their links and anchors are read here and the tags blanked for Markdown."""
    from linkcheck.extract.blocks import BlockMap  # the reference reading's mapping

    text = "".join(chars)
    if "<" not in text:
        return
    fenced = _fenced_ranges(text)
    for candidate in TAG_SPAN_RE.finditer(text):
        if candidate.group(1) is None or "\n" not in candidate.group(0):
            continue  # a comment or a script (their tags are none), or a one-line tag
        if any(a <= candidate.start() < b for a, b in fenced):
            continue
        # The tag as the HTML reading sees it, within the span found: bounded work per tag.
        match = HTML_SCAN_RE.fullmatch(text, candidate.start(), candidate.end())
        if match is None or match.group(2) is None:
            continue
        local = Scan()
        positions = list(range(match.start(), match.end()))
        scan_html(match.group(0), BlockMap.by_chars(positions), text, raw, local, inline=False)
        found.extend(local.links)
        for index in positions:
            if chars[index] != "\n":
                chars[index] = " "


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    """[start, end) of each fenced code block."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    begin = 0
    for line in text.split("\n"):
        if fence is None:
            opening = FENCE_RE.match(line)
            if opening is not None:
                fence, begin = opening.group(1), offset
        elif line.strip().startswith(fence):
            ranges.append((begin, offset + len(line)))
            fence = None
        offset += len(line) + 1
    if fence is not None:
        ranges.append((begin, len(text)))
    return ranges


def _code(
    raw: str,
    begin: int,
    end: int,
    chars: list[str],
    found: list[Found],
    *,
    quoted: bool = False,
    filler: str = " ",
) -> None:
    """Blank ``raw[begin:end]`` in ``chars`` with ``filler`` and note the URL strings there."""
    for match in CODE_URL_RE.finditer(raw, begin, end):
        if "${" not in match.group(2):
            start = match.start(2)
            found.append(Found(match.group(2), LinkKind.EXPRESSION, "", start, start, match.end(2)))
    for index in range(begin, end):
        if chars[index] != "\n":
            chars[index] = filler
    if quoted and end - begin >= 2:
        chars[begin] = chars[end - 1] = '"'


def _expressions(raw: str, chars: list[str], found: list[Found]) -> None:
    """Blank every ``{...}`` expression outside code (``chars`` already has ESM blanked)."""
    text = "".join(chars)
    position = 0
    in_fence: str | None = None
    line_start = 0
    while position < len(text):
        ch = text[position]
        if position == line_start:
            opening = FENCE_RE.match(text, position)
            if in_fence is not None and text[position:].lstrip(" ").startswith(in_fence):
                in_fence = None  # the closing fence: the whole line (no code span opens there)
                line_end = text.find("\n", position)
                position = len(text) if line_end < 0 else line_end
                continue
            if in_fence is None and opening is not None:
                in_fence = opening.group(1)
        if ch == "\n":
            line_start = position + 1
            position += 1
            continue
        if in_fence is not None:
            position += 1
            continue
        if ch == "`":
            run = len(text) - len(text[position:].lstrip("`"))
            ticks = text[position:run]
            close = text.find(ticks, run)
            position = run if close < 0 else close + len(ticks)
            continue
        if ch == "\\":
            position += 2
            continue
        if ch == "{":
            end = _closing_brace(text, position)
            if end is None:
                return
            before = text[max(0, position - 40) : position]
            quoted = ATTRIBUTE_EQUALS_RE.search(before) is not None
            alone = not text[line_start:position].strip() and not _rest_of_line(text, end)
            filler = " " if quoted or alone else INLINE_FILLER
            _code(raw, position, end, chars, found, quoted=quoted, filler=filler)
            line_start = text.rfind("\n", 0, end) + 1 if "\n" in text[position:end] else line_start
            position = end
            continue
        position += 1


def _rest_of_line(text: str, start: int) -> str:
    stop = text.find("\n", start)
    return text[start : len(text) if stop < 0 else stop].strip()


def _closing_brace(text: str, start: int) -> int | None:
    """The offset just after the ``}`` closing the ``{`` at ``start`` (strings and nested
    braces skipped), or None when it is never closed."""
    depth = 0
    position = start
    while position < len(text):
        ch = text[position]
        if ch in QUOTES:
            close = position + 1
            while close < len(text) and text[close] != ch:
                close += 2 if text[close] == "\\" else 1
            position = close + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return None
