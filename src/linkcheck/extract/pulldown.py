"""The fast path: pulldown-cmark's events (through pyromark) for the posts it reads as we do.

markdown-it-py (``markdown`` and ``walk``) is the reference: it knows every construct a post
may hold and gives every link its exact place. pulldown-cmark, a Rust CommonMark parser, reads
a post 25 times faster and gives each event its byte range in the file, so a post made only of
the common constructs (paragraphs, headings, lists, quotes, code, emphasis, inline, reference
and auto links, images, bare ``http(s)://`` and ``www.`` links, tables, HTML blocks) is
scanned from its events.

A post is handed back to the reference (``fast_scan`` returns None) when it holds anything else
(inline HTML, footnotes, kramdown ids, e-mail addresses in text, single-tilde
strikethrough), when a link's place cannot be found in the file, or when what is found there
does not read as the URL pulldown-cmark decoded: every link reported here is checked against
the parser's own reading of it. ``tests/test_extract_pulldown.py`` runs both paths over the
CommonMark spec examples and generated posts and requires the same links, headings and places.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

import pyromark

from linkcheck.extract.autolinks import (
    PENDING_SCHEME_RE,
    SCHEME_SEPARATOR,
    URL_SCHEMES,
    WWW_BOUNDARY,
    autolink_end,
)
from linkcheck.extract.found import Found, Heading, Scan
from linkcheck.extract.html import HTML_CLOSE_A_EXACT_RE, HTML_OPEN_A_RE, scan_html
from linkcheck.extract.positions import SourceMap
from linkcheck.models import WWW_PREFIX, LinkKind

OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
"""GFM's tables and strikethrough, as markdown-it reads them (``markdown.parser_for``)."""

DECLINED_TEXTS: tuple[str, ...] = ("[^", "{:", "\x0b", "\x0c")
"""Footnotes (``[^1]``) and kramdown attribute lines (``{: #id}``), which the reference reads
with rules of ours that pulldown-cmark has not; a form feed or a vertical tab (a blank to
one parser, text to the other)."""
WIDE_BLANK_BEFORE_WWW_RE = re.compile(
    "[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][Ww][Ww][Ww]\\."
)
"""A blank that is not an ASCII one right before ``www.``: markdown-it trims it off the start
of a paragraph (as JavaScript's ``trim`` does), so that a bare ``www.`` link starts the text;
pulldown-cmark keeps it, and a ``www.`` link must follow an ASCII blank."""
TAB_AT_LINE_END_RE = re.compile(r"\t[ \t]*(?:\n|\Z)")
"""A tab among the blanks that end a line: markdown-it keeps it in the text, pulldown-cmark
does not."""
ESCAPED_BLANK_RE = re.compile(r"\\[\x00-\x20\x7f]")
"""A backslash before a blank or a control character: in a link destination markdown-it takes
it as an escape, pulldown-cmark as the end (see ``_escaped_blank_in_destination``)."""
EMPTY_ITEM_RE = re.compile(r"\n[ >]*(?:[*+-]|[0-9]{1,9}[.)])[ \t]*(?=\n|\Z)")
"""An empty list item (on a line of its own): pulldown-cmark reads a reference definition
after one as text."""
TILDES_IN_LINE_RE = re.compile(r"\n(?![ >]*~~~)[^\n]*~~~")
"""Three tildes or more inside a line (not a code fence): markdown-it strikes through pairs
of them."""
INDENTED_LINE_RE = re.compile(r"\n[ >]*(?: {4}|\t| {1,3}\t)[ \t]*\S")
"""A line indented as code. Right after a reference definition, markdown-it ends the
definition's block there (the line is code) where pulldown-cmark reads on: a post with
definitions and such a line after a line of text goes to the reference."""
EMPTY_TITLE_THEN_TEXT_RE = re.compile(r"\n[ >]*(?:\"\"|''|\(\))[ \t]*[^ \t\n]")
"""A line that opens with an empty title and goes on. After a reference definition's line,
markdown-it drops the whole definition (the line reads as text); pulldown-cmark keeps the
definition without a title, as CommonMark does."""
LABEL_ALONE_RE = re.compile(r"\]:[ \t]*(?:\n|\Z)")
"""A line that ends with a reference label and its colon, its destination on the next line
(``[r]:`` then ``=``): markdown-it reads the next line as the destination where
pulldown-cmark may read a heading's underline."""
DELIMITER_ROW_RE = re.compile(r"\n[ \t>|:\-]*-[ \t>|:\-]*(?=\n|\Z)")
"""A line that may be a table's delimiter row (``|---|:-:|``, or ``---`` under a row of cells)."""
BLOCK_START_RE = re.compile(r"[#>*+=`~<\t-]|[0-9]{1,9}[.)]")
"""What may start another block than a paragraph (a heading, a quote, a list, code, HTML)."""
RAW_TEXT_START_RE = re.compile(r"<(?:pre|script|style|textarea)(?:[ \t>]|\n|\Z)", re.IGNORECASE)
RAW_TEXT_END_RE = re.compile(r"</(?:pre|script|style|textarea)>", re.IGNORECASE)
"""An HTML block opened by one of these tags ends at the first line that closes any of them
(CommonMark); pulldown-cmark reads on to the line that closes the one it opened with."""


def _tags(space: str, blank: str, quoted: str) -> str:
    """An open or a closing tag as CommonMark writes one: ``space`` before each attribute,
    ``blank`` around ``=`` and before the end, ``quoted`` what a quoted value may not hold
    besides its quote."""
    attribute = (
        rf"{space}[A-Za-z_:][A-Za-z0-9_.:-]*"
        rf"""(?:{blank}={blank}(?:[^ \t\n\r\f\v"'=<>`]+|'[^'{quoted}]*'|"[^"{quoted}]*"))?"""
    )
    return rf"<[A-Za-z][A-Za-z0-9-]*(?:{attribute})*{blank}/?>|</[A-Za-z][A-Za-z0-9-]*{blank}>"


INLINE_HTML_RE = re.compile(
    _tags(r"(?:[ \t]+(?:\n[ \t]*)?|\n[ \t]*)", r"[ \t]*(?:\n[ \t]*)?", "")
    + r"|<!--(?!>|->)(?:[^-]|-(?!-))*(?<!-)-->"
    r"|<\?.*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[.*?\]\]>",
    re.DOTALL,
)
"""A tag in a line of text as CommonMark writes one (an attribute or the tag's end may follow
a single line break), and a comment as both of its last two releases read one: pulldown-cmark
takes some tags markdown-it reads as text, which are left to the reference."""
LINE_MARKS = " \t>-*+0123456789.)"
"""What may come before a block's first character on its line: indentation, quote and list
markers."""
LINK_OPEN_RE = re.compile(r"<a[>\s]", re.IGNORECASE)
"""An ``<a`` that raises markdown-it's link level (no bare link is found until ``</a>``)."""
INLINE_ENDS: frozenset[str] = frozenset({"Emphasis", "Strong", "Strikethrough"})
HTML_BLOCK_NAMES = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|"
    "optgroup|option|p|param|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
"""CommonMark's block-level tag names, but ``search`` and ``source`` (on which releases of
the specification, and so the two parsers, may differ)."""
HTML_BLOCK_START_RE = re.compile(
    rf"(?:{RAW_TEXT_START_RE.pattern}"
    r"|<!--|<\?|<![A-Za-z]|<!\[CDATA\["
    rf"|</?(?:{HTML_BLOCK_NAMES})(?:[ \t>]|/>|\n|\Z)"
    + "|(?:"
    + _tags(r"[ \t]+", r"[ \t]*", r"\n")
    + r")[ \t]*(?:\n|\Z))",
    re.IGNORECASE,
)
"""The first line of an HTML block as CommonMark starts one (kinds 1 to 7; the seventh, any
other tag, only when the line holds a complete tag and nothing else, each attribute on that
line): pulldown-cmark takes some lines markdown-it does not (``<img src=a ;>``), which are
left to the reference."""
NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
ANGLE_DESTINATION_RE = re.compile(r"<((?:[^<>\n\\]|\\.)*)>")
PLAIN_DESTINATION_RE = re.compile(
    r"(?:[^ \x00-\x1f\x7f()\\]|\\[!-/:-@\[-`{-~]|\\|\((?:[^ \x00-\x1f\x7f()\\]|\\.)*\))*"
)
"""A link destination as CommonMark writes it; nested parentheses one level deep (a deeper
one does not read as the decoded URL, and the post goes to the reference)."""
LINK_TYPES: dict[str, LinkKind] = {
    "Inline": LinkKind.INLINE,
    "Reference": LinkKind.REFERENCE,
    "Collapsed": LinkKind.REFERENCE,
    "Shortcut": LinkKind.REFERENCE,
    "Autolink": LinkKind.AUTOLINK,
    "Email": LinkKind.AUTOLINK,
}
DECLINED_STARTS: frozenset[str] = frozenset(
    {"FootnoteDefinition", "MetadataBlock", "DefinitionList"}
)
INLINE_STARTS: frozenset[str] = frozenset({"Emphasis", "Strong", "Strikethrough"})
BARE_TRIGGER_RE = re.compile(r"://|[Ww]{3}\.")
MAX_SCHEME_CHARS = max(map(len, URL_SCHEMES))
SCHEME_CHAR_RE = re.compile(r"[a-z0-9.+-]", re.IGNORECASE)
"""A character of a scheme, as ``PENDING_SCHEME_RE`` reads one."""
STRAY_DELIMITER_RE = re.compile(r"\*|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""An emphasis mark left in a link's or a heading's text: the two parsers pair some runs of
them differently (``[ __;_](u)``), so such a text is left to the reference. An ``_`` inside a
word is never a mark."""
EMAIL_LIKE_RE = re.compile(r"[A-Za-z0-9.+_-]@[A-Za-z0-9_/-]*\.[A-Za-z0-9]")
"""What every GFM e-mail autolink holds: a character of its local part, the ``@``, and a period
followed by a letter or digit in its domain. Text with an ``@`` but nothing like it has none."""
IMAGE_TEXT_DECLINED_RE = re.compile(r"://|[Ww]{3}\.|@")
BLANKS = " \t\n"


class Declined(Exception):
    """The post holds something this path does not read as the reference does."""


def fast_scan(src: str, raw: str) -> Scan | None:
    """Links, headings, anchors and directives of a body, as ``walk.scan_markdown`` finds
    them; None when the post must be read by the reference (markdown-it)."""
    scan = Scan()
    if not src.strip():
        return scan
    if _declined(src):
        return None
    try:
        _Walk(src, raw, scan).run()
    except Declined:
        return None
    return scan


def _declined(src: str) -> bool:
    """Whether the post holds what the fast path leaves to the reference (see the patterns)."""
    if any(text in src for text in DECLINED_TEXTS):
        return True
    if not src.isascii() and WIDE_BLANK_BEFORE_WWW_RE.search(src):
        return True
    lines = "\n" + src  # each pattern starts at a line break: found by a fast scan for it
    return bool(
        ("\t" in src and TAB_AT_LINE_END_RE.search(src))
        or ("\\" in src and _escaped_blank_in_destination(src))
        or EMPTY_ITEM_RE.search(lines)
        or ("~~~" in src and TILDES_IN_LINE_RE.search(lines))
        or ("]:" in src and _line_after_text(INDENTED_LINE_RE, lines))
        or ("|" in src and _table_read_differently(lines))
        or ("]:" in src and EMPTY_TITLE_THEN_TEXT_RE.search(lines))
        or ("]:" in src and LABEL_ALONE_RE.search(src))
    )


def _escaped_blank_in_destination(src: str) -> bool:
    """Whether a backslash before a blank may sit in a link destination: right after a
    character that is not a blank (a destination holds no blank), or after a ``<`` on its
    line (a destination in angle brackets holds spaces). A backslash after a blank, as in a
    line ending with `` \\`` (a hard line break), is the same to both parsers. Linear: each
    line is searched for a ``<`` once."""
    line_end = -1
    angle = -1
    for match in ESCAPED_BLANK_RE.finditer(src):
        at = match.start()
        if at and src[at - 1] not in BLANKS:
            return True
        if at > line_end:
            line_start = src.rfind("\n", 0, at) + 1
            line_end = src.find("\n", at)
            line_end = len(src) if line_end < 0 else line_end
            angle = src.find("<", line_start, line_end)
        if 0 <= angle < at:
            return True
    return False


def _table_read_differently(lines: str) -> bool:
    """Whether a table may be read differently by the two parsers: one right under a line
    of text (markdown-it ends the paragraph there and reads the table, pulldown-cmark reads
    on), one whose delimiter row holds no ``|`` (``---`` under ``| a``: a heading's underline
    to pulldown-cmark), or one whose header or rows start like another block (a heading, a
    list, a quote, code, HTML: the parsers end a table at different ones)."""
    for match in DELIMITER_ROW_RE.finditer(lines):
        header_start = lines.rfind("\n", 0, match.start())
        if header_start < 0:
            continue  # the delimiter row is the post's first line: no table
        header = lines[header_start + 1 : match.start()]
        row = match.group()
        if "|" not in row and "|" not in header:
            continue  # a heading's underline or a rule
        if "|" not in row:
            return True
        above = lines[lines.rfind("\n", 0, header_start) + 1 : header_start]
        if above.strip(" \t>") or _starts_a_block(header) or "\\|" in header:
            return True
        at = match.end()
        while at < len(lines):  # the table's rows, up to a blank line
            end = lines.find("\n", at + 1)
            end = len(lines) if end < 0 else end
            line = lines[at + 1 : end]
            if not line.strip(" \t>"):
                break
            if _starts_a_block(line) or "\\|" in line:
                return True  # an escaped pipe: markdown-it reads its cell's text unescaped
            at = end
    return False


def _starts_a_block(line: str) -> bool:
    """Whether a line (in a quote or not) may start a block other than a paragraph."""
    inner = line.lstrip(" ")
    if inner.startswith(">"):
        inner = inner[1:].removeprefix(" ")
    return (
        len(line) - len(line.lstrip(" \t")) >= 4
        or "\t" in line[:4]
        or (BLOCK_START_RE.match(inner.lstrip(" ")) is not None)
    )


def _line_after_text(pattern: re.Pattern[str], lines: str) -> bool:
    """Whether a line matching ``pattern`` follows a line of text."""
    for match in pattern.finditer(lines):
        above = lines[lines.rfind("\n", 0, match.start()) + 1 : match.start()]
        if above.strip():
            return True
    return False


class _Chars:
    """UTF-8 byte offsets (pulldown-cmark's) to character offsets (Python's)."""

    __slots__ = ("extra", "starts")

    def __init__(self, src: str) -> None:
        self.starts: list[int] = []
        self.extra: list[int] = []
        extra = 0
        for match in NON_ASCII_RE.finditer(src):
            self.starts.append(match.start() + extra)
            extra += len(match.group().encode("utf-8", "surrogatepass")) - 1
            self.extra.append(extra)

    def __call__(self, offset: int) -> int:
        if not self.starts:
            return offset
        index = bisect_right(self.starts, offset - 1)
        return offset - (self.extra[index - 1] if index else 0)


class _Lines(SourceMap):
    """Offsets in raw HTML read by the reference's scan (an HTML block's lines joined, or one
    tag in a line of text) to offsets in ``src``; the same ``span`` and ``to_source`` as the
    reference's ``BlockMap``."""

    __slots__ = ("places", "starts")

    def __init__(self, lines: list[tuple[str, int]]) -> None:
        self.starts: list[int] = []
        self.places: list[int] = []
        offset = 0
        for text, place in lines:
            self.starts.append(offset)
            self.places.append(place)
            offset += len(text)

    def to_source(self, offset: int) -> int:
        index = bisect_right(self.starts, offset) - 1
        return self.places[max(index, 0)] + offset - self.starts[max(index, 0)]


class _Open:
    """A link or image being read: its event, place and text so far."""

    __slots__ = ("end", "image", "info", "inner_end", "parts", "start")

    def __init__(self, info: dict[str, Any], start: int, end: int, *, image: bool) -> None:
        self.info = info
        self.start = start
        self.end = end
        self.image = image
        self.inner_end = start + (2 if image else 1)
        self.parts: list[str] = []


class _Walk:
    def __init__(self, src: str, raw: str, scan: Scan) -> None:
        self.src = src
        self.raw = raw
        self.scan = scan
        self.chars = _Chars(src)
        self.links: list[_Open] = []
        self.heading: tuple[int, int, list[str]] | None = None
        self.images = 0
        """Images open around the current event: their text is no heading's."""
        self.code = 0
        self.definitions: dict[str, tuple[int, int, str]] | None = None
        self.swallowed = 0
        """Up to here the text was taken by a bare link: nothing in it is anything else."""
        self.html: list[tuple[str, int]] | None = None
        """The lines of the HTML block being read (its text, where it starts in ``src``)."""
        self.html_a: tuple[list[Found], list[str]] | None = None
        """An inline ``<a ...>`` waiting for its ``</a>``: its links, and the text so far."""
        self.block_start = False
        """The next text starts a paragraph's or a heading's text."""
        self.line_start = True
        """The next text starts a block's line: the character before it in the file may be a
        container's marker, not the character before it in the block's text."""

    def run(self) -> None:
        try:
            events = pyromark.events_with_range(self.src, options=OPTIONS)
            self._walk(events)
        except ValueError:  # text that is not valid UTF-8 (a lone surrogate)
            raise Declined from None

    def _walk(self, events: Any) -> None:
        chars = self.chars if self.chars.starts else None
        src = self.src
        flush = self._flush
        previous_end = group_start = -1
        for event, span in events:
            if chars is None:
                start, end = span["start"], span["end"]
            else:
                start, end = chars(span["start"]), chars(span["end"])
            if type(event) is str:
                if group_start >= 0:
                    flush(group_start, previous_end)
                    group_start = -1
                if start < self.swallowed:
                    raise Declined
                if self.links:
                    self._inner(end)
                self._plain(event)
                continue
            [(name, value)] = event.items()
            if name == "Text":
                if self.code:
                    continue
                if self.links or self.heading is not None or self.html_a is not None:
                    self._inner(end)
                    self._text(value)
                if start < self.swallowed:
                    # Taken by a bare link: the link's text is what is written.
                    if end > self.swallowed or src[start:end] != value:
                        raise Declined
                    continue
                if self.links or self.html_a is not None or src[start:end] != value:
                    if group_start >= 0:
                        flush(group_start, previous_end)
                        group_start = -1
                    self.line_start = self.block_start = False
                    continue
                if group_start < 0:
                    group_start = start
                elif start != previous_end:
                    flush(group_start, previous_end)
                    group_start = start
                previous_end = end
                continue
            if group_start >= 0:
                flush(group_start, previous_end)
                group_start = -1
            if start < self.swallowed:
                raise Declined
            if name == "Start":
                if self.links:
                    self._inner(end)
                if value == "Paragraph" or value == "Item":  # the most frequent, at once
                    self.line_start, self.block_start = True, value == "Paragraph"
                else:
                    self._start(value, start, end)
            elif name == "End":
                if self.html_a is not None and (type(value) is not str or value not in INLINE_ENDS):
                    raise Declined  # an <a> left open: markdown-it gives its links no text
                if value == "Paragraph" or value == "Item":
                    self.line_start = self.block_start = False
                else:
                    self._end(value, end)
            elif name == "Code":
                if self.links:
                    self._inner(end)
                self._text(value)
                self.line_start = self.block_start = False
            elif name == "Html" and self.html is not None:
                if src[start:end] != value:
                    raise Declined  # a line whose tabs the parser turned into spaces
                if not self.html and not HTML_BLOCK_START_RE.match(value):
                    raise Declined  # a start the two parsers may judge differently
                self.html.append((value, start))
            elif name == "InlineHtml":
                self._inline_html(value, start, end)
            else:
                raise Declined  # footnotes, math...
        if group_start >= 0:
            flush(group_start, previous_end)

    # -- events ---------------------------------------------------------------------

    def _inline_html(self, value: str, start: int, end: int) -> None:
        """Links, anchors and directives of a tag in a line of text, as the reference scans
        them; the links of an ``<a ...>`` take the text up to its ``</a>``, in which markdown-it
        finds no bare link. Nested or stray ``<a>`` tags, links inside one, and tags the two
        parsers may read differently send the post to the reference."""
        src = self.src
        if self.links or src[start:end] != value or not INLINE_HTML_RE.fullmatch(value):
            raise Declined
        line_end = src.find("\n", end)
        if not src[src.rfind("\n", 0, start) + 1 : start].strip(LINE_MARKS) and not (
            src[end : len(src) if line_end < 0 else line_end].strip()
        ):
            raise Declined  # a tag alone on its line: an HTML block to markdown-it after a
            # reference definition, a line of a paragraph to pulldown-cmark
        self.line_start = self.block_start = False
        local = Scan()
        scan_html(value, _Lines([(value, start)]), src, self.raw, local, inline=True)
        self.scan.anchors.update(local.anchors)
        self.scan.directives.extend(local.directives)
        if HTML_CLOSE_A_EXACT_RE.match(value.strip()):
            if self.html_a is None:
                raise Declined  # a stray </a>: markdown-it's link level goes below zero
            links, parts = self.html_a
            self.html_a = None
            text = " ".join("".join(parts).split())
            self.scan.links.extend(
                Found(f.url, f.kind, f.text or text, f.use, f.start, f.end) for f in links
            )
        elif HTML_OPEN_A_RE.match(value):
            if self.html_a is not None or not LINK_OPEN_RE.match(value):
                raise Declined  # nested, or <a/> (no link level to markdown-it)
            self.html_a = (local.links, [])
        else:
            self.scan.links.extend(local.links)

    def _html_block(self) -> None:
        """Links, anchors and directives of the HTML block just read: its lines joined, as
        markdown-it gives the block's text, each line mapped back to its place."""
        lines, self.html = self.html or [], None
        if not lines:
            return
        if RAW_TEXT_START_RE.match(lines[0][0]) and any(
            RAW_TEXT_END_RE.search(text) for text, _ in lines[:-1]
        ):
            raise Declined  # markdown-it ends the block at the first of them, whichever
        content = "".join(text for text, _ in lines)
        scan_html(content, _Lines(lines), self.src, self.raw, self.scan, inline=False)

    def _plain(self, event: str) -> None:
        if event in ("SoftBreak", "HardBreak"):
            self._text(" ")
            self.line_start = True
            self.block_start = False
        elif event != "Rule":
            raise Declined

    def _text(self, text: str) -> None:
        if self.links:
            self.links[-1].parts.append(text)
        if self.html_a is not None:
            self.html_a[1].append(text)
        if self.heading is not None and not self.images:
            self.heading[2].append(text)

    def _inner(self, end: int) -> None:
        """An event inside the open links' text ends at ``end``."""
        for link in self.links:
            link.inner_end = max(link.inner_end, end)

    def _start(self, value: Any, start: int, end: int) -> None:
        if isinstance(value, str):
            if value in DECLINED_STARTS:
                raise Declined
            if value == "Strikethrough" and not (
                self.src.startswith("~~", start) and self.src.endswith("~~", 0, end)
            ):
                raise Declined  # markdown-it strikes only ``~~`` through
            if value == "HtmlBlock":
                self.html = []
            self.line_start = value not in INLINE_STARTS
            self.block_start = value == "Paragraph"
            return
        (name, info), *_ = value.items()
        self.line_start = name not in ("Link", "Image")
        self.block_start = name == "Heading"
        if name in ("Link", "Image"):
            if self.html_a is not None:
                raise Declined  # a link inside an inline <a>
            self.links.append(_Open(info, start, end, image=name == "Image"))
            if name == "Image":
                self.images += 1
        elif name == "Heading":
            line = self.src.rfind("\n", 0, start) + 1
            self.heading = (line, int(info["level"][1:]), [])
        elif name == "CodeBlock":
            self.code += 1
        elif name in DECLINED_STARTS:
            raise Declined

    def _end(self, value: Any, end: int) -> None:
        name = value if isinstance(value, str) else next(iter(value))
        if name == "HtmlBlock":
            self._html_block()
            return
        if name in ("Link", "Image"):
            link = self.links.pop()
            if link.image:
                self.images -= 1
                if IMAGE_TEXT_DECLINED_RE.search(self.src, link.start, link.inner_end):
                    raise Declined  # markdown-it finds bare links in an image's text
            if not self.images:  # an image's text is plain text: no link in it is followed
                self._link(link)
            if self.links:  # an image's text counts collapsed, as markdown-it's plain text
                written = "".join(link.parts)
                self.links[-1].parts.append(" ".join(written.split()) if link.image else written)
            self._inner(end)
        elif name == "Heading" and self.heading is not None:
            line, level, parts = self.heading
            text = "".join(parts)
            if text != text.strip() or "\t" in text:
                # markdown-it strips every kind of blank around a heading's text, and a closing
                # ``#`` sequence after a tab (pulldown-cmark only after a space)
                raise Declined
            if ("*" in text or "_" in text) and STRAY_DELIMITER_RE.search(text):
                raise Declined
            self.scan.headings.append(Heading(line, level, text))
            self.heading = None
        elif name == "CodeBlock":
            self.code -= 1
        if name in INLINE_STARTS:
            self._inner(end)
        self.line_start = self.block_start = False

    # -- links ----------------------------------------------------------------------

    def _link(self, link: _Open) -> None:
        info = link.info
        kind = LINK_TYPES.get(info["link_type"])
        if kind is None:
            raise Declined
        src = self.src
        url: str = info["dest_url"]
        text = " ".join("".join(link.parts).split())
        if ("*" in text or "_" in text) and STRAY_DELIMITER_RE.search(text):
            raise Declined
        if kind is LinkKind.AUTOLINK:
            begin, stop = link.start + 1, link.end - 1
            written = self.raw[begin:stop]
            if src[link.start] != "<" or src[stop] != ">" or written != url:
                raise Declined
            mailto = info["link_type"] == "Email"
            found = f"mailto:{written}" if mailto else written
            self.scan.links.append(Found(found, kind, written, begin, begin, stop))
            return
        if link.image:
            kind = LinkKind.IMAGE
        bracket = link.start + 1 if link.image else link.start
        if src[bracket] != "[":
            raise Declined
        if info["link_type"] != "Inline":
            if src.startswith(":", link.end):
                raise Declined  # written as a definition: markdown-it may read it as one
            if info["link_type"] == "Shortcut" and src.startswith("[", link.end):
                raise Declined  # ``[r][ ]``: markdown-it takes the blank label for a label
            begin, stop, decoded = self._definition(info["id"])
            if decoded != url:
                raise Declined
            self.scan.links.append(Found(decoded, kind, text, bracket, begin, stop))
            return
        close = src.find("](", link.inner_end, link.end)
        if close < 0 or not src.endswith(")", 0, link.end):
            raise Declined
        begin, stop = close + 2, link.end - 1
        if not (url and self.raw[begin:stop] == url and url[-1] != "\\" and url.count("(") < 2):
            # Not simply ``(url)``: blanks, a title, ``<url>``, escapes, entities, or nested
            # parentheses (the two parsers stop nesting them at different depths).
            begin, stop, url = self._destination(begin, stop, url)
        self.scan.links.append(Found(url, kind, text, begin, begin, stop))

    def _destination(self, pos: int, limit: int, url: str) -> tuple[int, int, str]:
        """Where the destination after ``pos`` is written, and the URL it reads as; it must
        read as ``url`` (pulldown-cmark's reading)."""
        src = self.src
        while pos < limit and src[pos] in BLANKS:
            pos += 1
        if not url:
            if pos == limit:  # ``[text]()``
                return pos, pos, ""
            if src.startswith("<>", pos):
                return pos + 1, pos + 1, ""
            raise Declined
        if src.startswith("<", pos):
            angle = ANGLE_DESTINATION_RE.match(src, pos, limit)
            if angle is None or (angle.end() < limit and src[angle.end()] not in BLANKS):
                raise Declined  # ``(<url>())``: a title must follow a blank (markdown-it)
            begin, stop = pos + 1, angle.end() - 1
        else:
            plain = PLAIN_DESTINATION_RE.match(src, pos, limit)
            if plain is None:
                raise Declined
            begin, stop = pos, plain.end()
        written = self.raw[begin:stop]
        if written.endswith("\\"):
            raise Declined  # markdown-it reads on: its backslash escapes any character
        if written != url and _decoded(written) != url:
            raise Declined
        return begin, stop, url

    def _definition(self, label: str) -> tuple[int, int, str]:
        """The place and URL of the reference definition a link with ``label`` uses."""
        if self.definitions is None:
            self.definitions = self._read_definitions()
        found = self.definitions.get(_normalized(label))
        if found is None:
            raise Declined
        return found

    def _read_definitions(self) -> dict[str, tuple[int, int, str]]:
        src = self.src
        definitions: dict[str, tuple[int, int, str]] = {}
        for label, info in pyromark.reference_definitions(src, options=OPTIONS).items():
            key = _normalized(label)
            if key in definitions:
                continue  # the first definition of a label wins
            start, end = self.chars(info["span"]["start"]), self.chars(info["span"]["end"])
            if src[start : start + 1] != "[":
                raise Declined
            pos = start + 1
            while pos < end and src[pos] != "]":
                pos += 2 if src[pos] == "\\" else 1
            if not src.startswith("]:", pos):
                raise Declined
            definitions[key] = self._destination(pos + 2, end, info["dest"])
        return definitions

    # -- bare links -----------------------------------------------------------------

    def _flush(self, start: int, end: int) -> None:
        """Find the bare links of the text written at ``[start, end)`` (a run of text events
        that reads as written, outside links), as GFM's extended autolinks are found."""
        line_start, block_start = self.line_start, self.block_start
        self.line_start = self.block_start = False
        src = self.src
        if src.find("@", start, end) >= 0 and EMAIL_LIKE_RE.search(src, max(start - 1, 0), end):
            raise Declined  # GFM's e-mail autolinks: the reference reads them
        if (
            src.find("://", start, end) < 0
            and src.find("w.", start, end) < 0
            and src.find("W.", start, end) < 0
        ):
            return  # no bare link can start here (the patterns below, found faster)
        pos = start
        # Where markdown-it's pending text starts: after an escaped character (the one at
        # ``start`` when pulldown-cmark left its backslash out of the range), after each
        # escape (a backslash and the character after it), after each bare link.
        pending = start + 1 if start > 0 and src[start - 1] == "\\" else start
        escapes_from = pending
        limit = len(src)  # a bare link ends at a blank anyway: a line break ends it
        while True:
            trigger = BARE_TRIGGER_RE.search(src, pos, end)
            if trigger is None:
                break
            at = trigger.start()
            if src.startswith(SCHEME_SEPARATOR, at):
                escape = src.find("\\", escapes_from, at)
                while escape >= 0:
                    pending = escape + 2
                    escape = src.find("\\", pending, at)
                escapes_from = max(escapes_from, at, pending)
                begin = _scheme_start(src, pending, at)
                if begin < 0:
                    pos = at + 1
                    continue
                stop = autolink_end(src, begin, at + len(SCHEME_SEPARATOR), limit, short=True)
            else:
                if not (
                    at == 0
                    or src[at - 1] in WWW_BOUNDARY
                    or (at == start and line_start)
                    or (block_start and src[at - 1].isspace() and src[start:at].isspace())
                ):
                    # At the start of a line of the block's text, what comes before it in the
                    # file is a container's marker or indentation (a line break in the text);
                    # markdown-it strips any blank from the start of a block's text.
                    pos = at + 1
                    continue
                begin = at
                stop = autolink_end(src, at, at, limit, short=False)
                if stop is not None and stop - at <= len(WWW_PREFIX):
                    stop = None
            if stop is None:
                pos = at + 1
                continue
            written = self.raw[begin:stop]
            self.scan.links.append(Found(written, LinkKind.BARE, written, begin, begin, stop))
            if stop > end:
                self.swallowed = stop
                break
            pos = pending = escapes_from = stop


def _scheme_start(src: str, pending: int, at: int) -> int:
    """Where the scheme of a bare link whose ``://`` is at ``at`` starts, or -1 when the text
    before it (from ``pending`` on) ends in no ``http``, ``https`` or ``ftp`` scheme.

    The scheme is read as markdown-it's rule reads its pending text, within the few
    characters a URL scheme can have: a longer run of scheme characters is no URL scheme.
    """
    window = max(pending, at - MAX_SCHEME_CHARS - 1)
    scheme = PENDING_SCHEME_RE.search(src[window:at])
    if scheme is None or scheme.group(1).lower() not in URL_SCHEMES:
        return -1
    if scheme.start(1) == 0 and window > pending and SCHEME_CHAR_RE.match(src, window - 1):
        return -1  # the run of scheme characters goes on before the window
    return window + scheme.start(1)


def _decoded(written: str) -> str:
    """A destination as written, its backslash escapes and entities decoded."""
    from markdown_it.common.utils import unescapeAll

    return unescapeAll(written)


def _normalized(label: str) -> str:
    from markdown_it.common.utils import normalizeReference

    return normalizeReference(label)
