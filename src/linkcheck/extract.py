"""Turn a post (frontmatter + Markdown) into the links a reader can follow, at exact positions.

Parsing is markdown-it-py's ("commonmark" + tables + strikethrough + linkify). markdown-it only
records block positions (``token.map``), so a few of its inline rules are wrapped: each wrapper
notes where in the block's inline text the link it produced starts and ends. Those inline
offsets are then mapped back to offsets in the file (``_BlockMap``), which give the line and
column a reader sees in an editor and the exact span ``--fix`` rewrites. Blocks that cannot
hold a link skip the inline rules.

Empty destinations are links too (so the ``empty-link`` rule can report them): ``[t]()``,
``[t](<>)``, ``![a]()``, ``<a href="">``, ``<a href>``, ``<img src="">`` and a reference
definition ``[x]: <>`` used as ``[x]``. Their URL is ``""`` and their span is empty
(``start == end``) at the place where the destination would be written: just after the ``(``
(or the ``<`` of ``<>``), just after the opening quote of an empty attribute value, just after
the name of an attribute written without a value. The column reported is that place, so for
``[t]()`` it is the column of the ``(`` plus one; a reference use is reported at its ``[``.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS, normalizeReference, unescapeAll
from markdown_it.helpers import parseLinkDestination
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from linkcheck.config import DEFAULT_RESOURCES_HEADINGS
from linkcheck.discover import find_frontmatter
from linkcheck.models import (
    WWW_PREFIX,
    WWW_SCHEME,
    Document,
    Link,
    LinkKind,
    Location,
    Post,
    link_target,
)
from linkcheck.sources import identify

__all__ = ["DEFAULT_RESOURCES_HEADINGS", "extract_post", "heading_slug"]

META_KEY = "linkcheck"
"""Key under which the wrapped inline rules leave their notes in ``Token.meta``."""
REFERENCES_KEY = "linkcheck_definitions"
"""Key in the markdown-it env: normalised label -> (start, end) of the definition's URL."""

IGNORE_NEXT = "ignore"
DISABLE = "disable"
ENABLE = "enable"
DIRECTIVE_RE = re.compile(r"<!--\s*linkcheck-(ignore|disable|enable)\s*-->", re.IGNORECASE)

BARE_SCHEMES: frozenset[str] = frozenset({"http", "https"})
WWW_BOUNDARY = " \t\n*_~("
"""Characters after which a ``www.`` link may start (GFM extended autolinks)."""
SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:")
PENDING_SCHEME_RE = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$", re.IGNORECASE)
LINKISH_RE = re.compile(r"[\[<]|://|[Ww]{3}\.")
"""A block without any of these has no link: its inline text is not parsed."""
NON_SPACE_RUN_RE = re.compile(r"\S*")
BARE_TRAILING = "?!.,:*_~'\""
"""Characters never at the end of a bare link (GFM: punctuation, or closing emphasis)."""
BARE_ENTITY_TAIL_RE = re.compile(r"&[A-Za-z0-9]+;\Z")
"""A bare link ending like an entity reference (``&hl;``) ends before it (GFM)."""
SCHEME_SEPARATOR = "://"

FOOTNOTE_LABEL_RE = re.compile(r"\[\^[^\s\]]+\]:")
"""The start of a GFM footnote definition (``[^1]: ...``)."""
FOOTNOTE_INDENT = 4
"""Columns by which the later lines of a footnote definition are indented."""
CODE_INDENT = 4
"""Columns of indentation that make a line indented code (CommonMark)."""

MDX_SUFFIX = ".mdx"
MDX_COMMENT_START = "{/*"
MDX_COMMENT_RE = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
"""An MDX comment: a JavaScript block comment as the only thing in braces."""

HTML_URL_ATTRIBUTES: tuple[str, ...] = ("href", "src")
"""Attributes that hold a followable URL, on any element: ``<a href>``, ``<img src>``,
``<iframe src>``... and the components of MDX posts (``<Figure src="..." />``), which are
written as HTML tags with the same attribute names."""
HTML_ANCHOR_ATTRIBUTES: dict[str, tuple[str, ...]] = {"*": ("id",), "a": ("name",)}
"""Attributes that make a fragment target (``*`` for every element)."""
HTML_TEXT_ATTRIBUTES: tuple[str, ...] = ("alt", "title")
"""Where the text of a link-bearing element comes from when it has no inner text."""

HTML_SCAN_RE = re.compile(
    r"<!--(?:.*?-->|.*\Z)"
    r"|<(script|style|textarea)\b.*?(?:</\1\s*>|\Z)"
    r"|<([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/?>",
    re.DOTALL | re.IGNORECASE,
)
HTML_ATTR_RE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
HTML_TAG_STRIP_RE = re.compile(r"<[^>]*>")
HTML_IMG_ALT_RE = re.compile(
    r"<img\b[^>]*?\salt\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+))", re.IGNORECASE
)
HTML_OPEN_A_RE = re.compile(r"<a[\s/>]", re.IGNORECASE)
HTML_CLOSE_A_RE = re.compile(r"</a\s*>", re.IGNORECASE)
HTML_CLOSE_A_EXACT_RE = re.compile(r"</a\s*>\Z", re.IGNORECASE)

FRONTMATTER_URL_PREFIXES: tuple[str, ...] = ("http://", "https://")
YAML_STRING_TAG = "tag:yaml.org,2002:str"
YAML_QUOTE_STYLES: frozenset[str] = frozenset({'"', "'"})
HEADING_TRAILING = ":"
TABLE_CELL_OPENERS: frozenset[str] = frozenset({"th_open", "td_open"})

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


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def heading_slug(text: str) -> str:
    """GitHub's anchor for a heading's plain text (before duplicate suffixes are added).

    Lower case; letters, digits, marks, ``_`` and ``-`` are kept, every other character is
    dropped, and each space becomes ``-``.
    """
    kept = [
        "-" if ch == " " else ch
        for ch in text.strip().lower()
        if ch in " -" or unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "Pc"
    ]
    return "".join(kept)


def extract_post(
    doc: Document, *, resources_headings: Sequence[str] = DEFAULT_RESOURCES_HEADINGS
) -> Post:
    """Every link of ``doc`` in file order, its anchors and whether it has a Resources section."""
    body_offset = max(0, min(doc.body_offset, len(doc.text)))
    raw = doc.text[body_offset:]
    scan = _scan_markdown(_markdown_source(raw), raw)
    if doc.path.suffix.lower() == MDX_SUFFIX:
        scan.links = _outside_mdx_comments(scan.links, raw)
    found = [_shift(item, body_offset) for item in scan.links]
    found.sort(key=lambda item: item.use)
    frontmatter = _frontmatter_links(doc.text, body_offset)
    wanted = {_heading_key(h) for h in resources_headings}
    sections = _resources_sections(scan.headings, wanted, body_offset)
    ignored = _ignored(found, [(offset + body_offset, word) for offset, word in scan.directives])
    lines = _LineIndex(doc.text)
    links: list[Link] = []
    for item, is_ignored in [(f, False) for f in frontmatter] + list(
        zip(found, ignored, strict=True)
    ):
        line, column = lines.position(item.use)
        links.append(
            Link(
                url=item.url,
                kind=item.kind,
                text=item.text,
                location=Location(doc.display_path, line, column),
                in_resources=item.kind is not LinkKind.FRONTMATTER
                and any(start <= item.use < end for start, end in sections),
                source=identify(link_target(item.url, item.kind)),
                start=item.start,
                end=item.end,
                key_path=item.key_path,
                ignored=is_ignored,
            )
        )
    anchors = set(_slugs([h.text for h in scan.headings]))
    anchors.update(scan.anchors)
    return Post(
        document=doc,
        links=tuple(links),
        anchors=frozenset(anchors),
        has_resources=any(h.is_resources for h in _mark_resources(scan.headings, wanted)),
    )


# ---------------------------------------------------------------------------
# Results of scanning
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    """A link before it becomes a ``Link``: offsets are into the text being scanned."""

    url: str
    kind: LinkKind
    text: str
    use: int
    """Where the reader sees the link (the URL, or the ``[`` of a reference link)."""
    start: int
    end: int
    key_path: str | None = None


@dataclass(frozen=True, slots=True)
class _Heading:
    offset: int
    level: int
    text: str
    is_resources: bool = False


@dataclass(slots=True)
class _Scan:
    links: list[_Found] = field(default_factory=list)
    headings: list[_Heading] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    directives: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Note:
    """What a wrapped inline rule saw: offsets into the inline text of one block."""

    kind: LinkKind
    use: int
    start: int = -1
    end: int = -1
    label: str | None = None
    """Normalised label of a reference link; its URL is found in the definition."""
    mailto: bool = False
    written: str = ""
    """The URL as it appears in the inline text."""
    after: str = ""
    """For an empty destination: the inline character that follows it (``)`` or ``>``)."""


def _shift(item: _Found, by: int) -> _Found:
    return _Found(
        item.url, item.kind, item.text, item.use + by, item.start + by, item.end + by, item.key_path
    )


# ---------------------------------------------------------------------------
# Lines and columns
# ---------------------------------------------------------------------------


class _LineIndex:
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


# ---------------------------------------------------------------------------
# From a block's inline text back to the file
# ---------------------------------------------------------------------------


class _BlockMap:
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
    def by_lines(cls, content: str, lines: _LineIndex, first: int, stop: int) -> _BlockMap:
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
        self, parts: list[str], lines: _LineIndex, first: int, stop: int, *, strict: bool = True
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
    def by_chars(cls, positions: list[int]) -> _BlockMap:
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

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source span of the inline text span ``[start, end)``."""
        begin = self.to_source(start)
        if end <= start:
            return begin, begin
        return begin, self.to_source(end - 1) + 1


def _chars_in_line(content: str, lines: _LineIndex, line: int, cursor: int) -> list[int]:
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


# ---------------------------------------------------------------------------
# The parser with its position-noting rules
# ---------------------------------------------------------------------------

InlineRule = Callable[[StateInline, bool], bool]
BlockRule = Callable[[StateBlock, int, int, bool], bool]


def _outside_mdx_comments(links: list[_Found], raw: str) -> list[_Found]:
    """The links not written inside an MDX comment (``{/* ... */}``): MDX renders nothing there.

    Markdown reads such a comment as text, so the rest of the post is parsed as it is.
    """
    if MDX_COMMENT_START not in raw:
        return links
    spans = [match.span() for match in MDX_COMMENT_RE.finditer(raw)]
    return [item for item in links if not any(a <= item.start < b for a, b in spans)]


def _markdown_source(body: str) -> str:
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


def _keep(url: str) -> str:
    """Link normaliser that changes nothing: URLs are recorded as written, never re-encoded."""
    return url


def _inline_needed(state: StateCore) -> None:
    """markdown-it's inline stage, skipped for blocks that cannot hold a link.

    Headings are always parsed (their text makes anchors and Resources sections).
    """
    parse = state.md.inline.parse
    terminator = state.md.inline.terminator_re
    previous: Token | None = None
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            heading = previous is not None and previous.type == "heading_open"
            if heading and token.content and terminator.search(token.content) is None:
                # No character that starts any inline rule: markdown-it would make the
                # whole text one text token.
                text = Token("text", "", 0, content=token.content)
                token.children.append(text)
            elif heading or LINKISH_RE.search(token.content):
                parse(token.content, state.md, state.env, token.children)
        previous = token


def _parser_for(text: str) -> MarkdownIt:
    """The parser for ``text``: ``www.`` links cost a slower text rule, used only when needed."""
    return _parser(www=WWW_PREFIX in text or WWW_PREFIX in text.lower())


@functools.cache
def _parser(*, www: bool) -> MarkdownIt:
    return _rules(www=www)


def _rules(*, www: bool) -> MarkdownIt:
    """The parser with every rule of ours in place."""
    md = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
    md.normalizeLink = _keep  # type: ignore[method-assign]
    md.core.ruler.at("inline", _inline_needed)
    if md.linkify is None:  # pragma: no cover - linkify-it-py is a dependency
        raise RuntimeError("linkify-it-py is not installed")
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    # Bare links are found by the inline rule (which knows positions), not the core pass.
    md.core.ruler.disable("linkify")

    md.inline.ruler.at("link", _noting_link(_rule(md, "link"), image=False))
    md.inline.ruler.at("image", _noting_link(_rule(md, "image"), image=True))
    md.inline.ruler.at("autolink", _noting_autolink(_rule(md, "autolink")))
    md.inline.ruler.at("linkify", _bare_rule(md.linkify))
    md.inline.ruler.at("html_inline", _noting_html(_rule(md, "html_inline")))
    if www:
        md.inline.ruler.before("linkify", "linkcheck_www", _www_rule(md.linkify))
        md.inline.terminator_re = re.compile(
            md.inline.terminator_re.pattern + r"|(?<![^\s*_~(])(?=[Ww]{3}\.)"
        )
    md.block.ruler.before(
        "reference", "linkcheck_footnote", _footnote_definition, {"alt": ["paragraph", "reference"]}
    )
    reference = md.block.ruler.__rules__[md.block.ruler.__find__("reference")]
    md.block.ruler.at("reference", _noting_reference(reference.fn), {"alt": list(reference.alt)})
    return md


def _rule(md: MarkdownIt, name: str) -> InlineRule:
    ruler = md.inline.ruler
    fn: InlineRule = ruler.__rules__[ruler.__find__(name)].fn
    return fn


def _note(state: StateInline, first_token: int, types: tuple[str, ...], note: _Note) -> None:
    for token in state.tokens[first_token:]:
        if token.type in types:
            token.meta[META_KEY] = note
            return


def _noting_link(rule: InlineRule, *, image: bool) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start = state.pos
        count = len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            note = _describe_link(state, start, state.pos, image=image)
            if note is not None:
                _note(state, count, ("image",) if image else ("link_open",), note)
        return True

    return wrapped


def _describe_link(state: StateInline, start: int, end: int, *, image: bool) -> _Note | None:
    src = state.src
    bracket = start + 1 if image else start
    kind = LinkKind.IMAGE if image else LinkKind.INLINE
    saved = state.pos
    label_end = state.md.helpers.parseLinkLabel(state, bracket, not image)
    state.pos = saved
    if label_end < 0:
        return None
    if src[end - 1] == ")" and label_end + 1 < end and src[label_end + 1] == "(":
        pos = label_end + 2
        while pos < end and src[pos] in " \t\n":
            pos += 1
        result = parseLinkDestination(src, pos, end)
        if not result.ok or result.pos <= pos:
            if pos == end - 1:  # ``[text]()``: nothing before the closing parenthesis
                return _Note(kind, pos, pos, pos, after=src[pos])
            return None
        begin, stop = (pos + 1, result.pos - 1) if src[pos] == "<" else (pos, result.pos)
        return _Note(kind, begin, begin, stop, written=src[begin:stop], after=src[stop])
    if end > label_end + 1:
        label = src[label_end + 2 : end - 1] or src[bracket + 1 : label_end]
    else:
        label = src[bracket + 1 : label_end]
    return _Note(
        LinkKind.IMAGE if image else LinkKind.REFERENCE, bracket, label=normalizeReference(label)
    )


def _noting_autolink(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start = state.pos
        count = len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            end = state.pos - 1
            mailto = SCHEME_RE.match(state.src, start + 1, end) is None
            note = _Note(
                LinkKind.AUTOLINK,
                start + 1,
                start + 1,
                end,
                mailto=mailto,
                written=state.src[start + 1 : end],
            )
            _note(state, count, ("link_open",), note)
        return True

    return wrapped


def _bare_rule(linkify: LinkifyIt) -> InlineRule:
    """GFM's bare http(s) links, found when the inline parser reaches the ``://`` of one.

    The scheme has already gone into the pending text, so it is taken back from there. The
    end is linkify's, trimmed the way GFM trims an extended autolink (``_bare_end``).
    """

    def rule(state: StateInline, silent: bool) -> bool:
        pos = state.pos
        src = state.src
        if state.linkLevel > 0 or not src.startswith(SCHEME_SEPARATOR, pos):
            return False
        scheme = PENDING_SCHEME_RE.search(state.pending)
        if scheme is None or scheme.group(1).lower() not in BARE_SCHEMES:
            return False
        begin = pos - len(scheme.group(1))
        found = linkify.match_at_start(src[begin : state.posMax])
        if not found:
            return False
        url = _bare_end(_with_semicolon(str(found.raw), src, begin))
        if len(url) <= len(scheme.group(1)) + len(SCHEME_SEPARATOR):
            return False
        if not silent:
            state.pending = state.pending[: -len(scheme.group(1))]
            note = _Note(LinkKind.BARE, begin, begin, begin + len(url), written=url)
            _push_bare(state, url, url, note)
        state.pos = begin + len(url)
        return True

    return rule


def _bare_end(url: str) -> str:
    """``url`` without what GFM leaves out of the end of an extended autolink.

    Trailing punctuation (``?!.,:*_~`` and quotes), an entity-like ``&name;``, and closing
    parentheses that have no opening partner inside the link.
    """
    while url:
        last = url[-1]
        if last in BARE_TRAILING:
            url = url[:-1]
        elif last == ";":
            entity = BARE_ENTITY_TAIL_RE.search(url)
            url = url[: entity.start()] if entity else url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _with_semicolon(raw: str, src: str, begin: int) -> str:
    """linkify's match, with the ``;`` that follows it when there is one.

    linkify leaves out a final ``;``; GFM looks at it to drop an entity-like ``&name;``.
    """
    return raw + ";" if src.startswith(";", begin + len(raw)) else raw


def _push_bare(state: StateInline, url: str, href: str, note: _Note) -> None:
    """The tokens of a bare link (as markdown-it's linkify makes them), noted."""
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": state.md.normalizeLink(href)}
    token.markup = "linkify"
    token.info = "auto"
    token.meta[META_KEY] = note
    text = state.push("text", "", 0)
    text.content = url
    closing = state.push("link_close", "a", -1)
    closing.markup = "linkify"
    closing.info = "auto"


def _noting_html(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        if not silent and state.tokens and state.tokens[-1].type == "html_inline":
            state.tokens[-1].meta[META_KEY] = start
        return True

    return wrapped


def _www_rule(linkify: LinkifyIt) -> InlineRule:
    """GFM's ``www.`` autolinks, which linkify's scheme-only mode does not find.

    The text is matched as if ``http://`` were written before it: linkify's fuzzy mode would
    only accept a short list of top-level domains (no ``.dev``, ``.app``, ``.example``...),
    while GFM takes any domain whose last two labels have no ``_``.
    """

    def rule(state: StateInline, silent: bool) -> bool:
        pos = state.pos
        src = state.src
        if (
            state.linkLevel > 0
            or not src.startswith(("w", "W"), pos)
            or src[pos : pos + len(WWW_PREFIX)].lower() != WWW_PREFIX
            or (pos > 0 and src[pos - 1] not in WWW_BOUNDARY)
        ):
            return False
        run = NON_SPACE_RUN_RE.match(src, pos, state.posMax)
        found = linkify.match_at_start(WWW_SCHEME + run.group()) if run else None
        if not found:
            return False
        url = _bare_end(_with_semicolon(str(found.raw)[len(WWW_SCHEME) :], src, pos))
        host = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if len(url) <= len(WWW_PREFIX) or "_" in "".join(host.split(".")[-2:]):
            return False
        if not silent:
            note = _Note(LinkKind.BARE, pos, pos, pos + len(url), written=url)
            _push_bare(state, url, WWW_SCHEME + url, note)
        state.pos += len(url)
        return True

    return rule


def _footnote_definition(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A GFM footnote definition ``[^label]: text``: never a link reference definition.

    Its text is Markdown like any other (a bare URL in it is a link); the lines after the first
    belong to it when indented by ``FOOTNOTE_INDENT`` columns, or as a paragraph's lazy
    continuation.
    """
    if state.sCount[start_line] - state.blkIndent >= CODE_INDENT:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    label = FOOTNOTE_LABEL_RE.match(state.src, begin, state.eMarks[start_line])
    if label is None:
        return False
    if silent:
        return True
    content = label.end()
    while content < state.eMarks[start_line] and state.src[content] in " \t":
        content += 1
    saved = (
        state.tShift[start_line],
        state.sCount[start_line],
        state.blkIndent,
        state.parentType,
    )
    opener = state.push("footnote_reference_open", "", 1)
    opener.map = [start_line, start_line]
    state.blkIndent += FOOTNOTE_INDENT
    state.tShift[start_line] = content - state.bMarks[start_line]
    state.sCount[start_line] = state.blkIndent
    state.parentType = "footnote"
    state.md.block.tokenize(state, start_line, end_line)
    (
        state.tShift[start_line],
        state.sCount[start_line],
        state.blkIndent,
        state.parentType,
    ) = saved
    state.line = max(state.line, start_line + 1)
    opener.map = [start_line, state.line]
    state.push("footnote_reference_close", "", -1)
    return True


def _noting_reference(rule: BlockRule) -> BlockRule:
    def wrapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not rule(state, start_line, end_line, silent):
            return False
        if not silent:
            _record_definition(state, start_line, state.line)
        return True

    return wrapped


def _record_definition(state: StateBlock, first: int, stop: int) -> None:
    """Note where the URL of the reference definition on lines [first, stop) is."""
    pieces: list[tuple[int, int]] = []  # (offset in the joined text, offset in the source)
    joined = []
    length = 0
    for line in range(first, stop):
        begin = state.bMarks[line] + state.tShift[line]
        text = state.src[begin : state.eMarks[line] + 1]
        pieces.append((length, begin))
        joined.append(text)
        length += len(text)
    string = "".join(joined)
    pos = 1
    label_end = -1
    while pos < len(string):
        ch = string[pos]
        if ch == "]":
            label_end = pos
            break
        pos += 2 if ch == "\\" else 1
    if label_end < 0:
        return
    label = normalizeReference(string[1:label_end])
    definition = state.env.get("references", {}).get(label)
    if not definition or definition.get("map") != [first, stop]:
        return  # an earlier definition of the same label wins
    pos = label_end + 2
    while pos < len(string) and string[pos] in " \t\n":
        pos += 1
    result = parseLinkDestination(string, pos, len(string))
    if not result.ok:
        return
    begin, end = (pos + 1, result.pos - 1) if string[pos : pos + 1] == "<" else (pos, result.pos)

    def to_source(offset: int) -> int:
        index = bisect_right([p[0] for p in pieces], offset) - 1
        return pieces[index][1] + offset - pieces[index][0]

    source_begin = to_source(begin)
    state.env.setdefault(REFERENCES_KEY, {})[label] = (
        source_begin,
        source_begin if end <= begin else to_source(end - 1) + 1,
    )


# ---------------------------------------------------------------------------
# Walking the token stream
# ---------------------------------------------------------------------------


def _scan_markdown(src: str, raw: str) -> _Scan:
    """Links, headings, anchors and directives of a body (``src`` parsed, ``raw`` as stored)."""
    scan = _Scan()
    if not src.strip():
        return scan
    env: dict[str, Any] = {}
    tokens = _parser_for(src).parse(src, env)
    lines = _LineIndex(src)
    definitions: dict[str, tuple[int, int]] = env.get(REFERENCES_KEY, {})
    table_cursor: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "html_block" and token.map is not None:
            mapping = _BlockMap.by_lines(token.content, lines, token.map[0], token.map[1])
            _scan_html(token.content, mapping, src, raw, scan, inline=False)
        elif token.type == "inline" and token.map is not None and token.children is not None:
            opener = tokens[index - 1] if index > 0 else token
            # Table cells are mapped in order along their line, so each one moves the cursor.
            if opener.type in TABLE_CELL_OPENERS or any(
                META_KEY in child.meta for child in token.children if child.meta
            ):
                mapping = _inline_map(token, opener, lines, table_cursor)
                _scan_inline(token.children, mapping, src, raw, definitions, scan)
            if opener.type == "heading_open":
                level = int(opener.tag[1:]) if opener.tag[1:].isdigit() else 1
                text = _plain(token.children, headings=True)
                scan.headings.append(_Heading(lines.start(token.map[0]), level, text))
    return scan


def _inline_map(
    token: Token, opener: Token, lines: _LineIndex, table_cursor: dict[int, int]
) -> _BlockMap:
    assert token.map is not None
    first, stop = token.map
    if opener.type in TABLE_CELL_OPENERS:
        cursor = table_cursor.get(first, 0)
        positions = _chars_in_line(token.content, lines, first, cursor)
        if positions:
            table_cursor[first] = positions[-1] - lines.start(first) + 1
        mapping = _BlockMap.by_chars(positions)
        mapping.anchors = [lines.start(first) + cursor]
        return mapping
    if opener.type == "heading_open" and opener.markup.startswith("#"):
        text = lines.line_text(first)
        hashes = text.find("#")
        while 0 <= hashes < len(text) and text[hashes] == "#":
            hashes += 1
        found = text.find(token.content, max(hashes, 0))
        base = lines.start(first) + max(found, 0)
        return _BlockMap.by_chars(list(range(base, base + len(token.content))))
    return _BlockMap.by_lines(token.content, lines, first, stop)


def _scan_inline(
    children: list[Token],
    mapping: _BlockMap,
    src: str,
    raw: str,
    definitions: dict[str, tuple[int, int]],
    scan: _Scan,
) -> None:
    for index, token in enumerate(children):
        note = token.meta.get(META_KEY) if token.meta else None
        if note is None:
            continue
        if token.type == "html_inline" and isinstance(note, int):
            local = _Scan()
            _scan_html(token.content, _offset_map(mapping, note), src, raw, local, inline=True)
            text = _html_inline_text(children, index) if local.links else ""
            scan.links.extend(
                _Found(f.url, f.kind, f.text or text, f.use, f.start, f.end) for f in local.links
            )
            scan.anchors.update(local.anchors)
            scan.directives.extend(local.directives)
            continue
        if not isinstance(note, _Note):
            continue
        if token.type == "image":
            text = _plain(token.children or [])
        elif note.kind in (LinkKind.BARE, LinkKind.AUTOLINK):
            text = ""
        else:
            text = _plain(children[index + 1 : _closing(children, index)])
        found = _resolve(note, mapping, src, raw, definitions, text)
        if found is not None:
            scan.links.append(found)


def _resolve(
    note: _Note,
    mapping: _BlockMap,
    src: str,
    raw: str,
    definitions: dict[str, tuple[int, int]],
    text: str,
) -> _Found | None:
    """The link a note describes, with source offsets; None when there is no URL to follow."""
    use = mapping.to_source(note.use)
    if note.label is not None:
        span = definitions.get(note.label)
        if span is None or span[1] < span[0]:
            return None
        start, end = span
        return _Found(unescapeAll(raw[start:end]), note.kind, text, use, start, end)
    start, end = mapping.span(note.start, note.end)
    if not note.written:
        if note.end != note.start or src[start : start + 1] != note.after:
            return None  # the place could not be found in the file
        return _Found("", note.kind, text, start, start, start)
    if start >= end or not _same_text(src[start:end], note.written):
        return None
    written = raw[start:end]
    if src[start:end] != note.written:
        written = written.replace("\\|", "|")  # a table cell's escaped pipe
    if note.kind is LinkKind.AUTOLINK:
        url = f"mailto:{written}" if note.mailto else written
        return _Found(url, note.kind, text or written, start, start, end)
    if note.kind is LinkKind.BARE:
        return _Found(written, note.kind, text or written, start, start, end)
    return _Found(unescapeAll(written), note.kind, text, start, start, end)


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


def _plain(tokens: Sequence[Token], *, headings: bool = False) -> str:
    """The text a reader sees: markup dropped, line breaks as spaces, spaces collapsed."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image" and not headings:
            parts.append(_plain(token.children or []))
    return " ".join("".join(parts).split())


def _html_inline_text(children: list[Token], index: int) -> str:
    """Text between an inline ``<a ...>`` and its ``</a>``."""
    if HTML_OPEN_A_RE.match(children[index].content) is None:
        return ""
    for position in range(index + 1, len(children)):
        token = children[position]
        if token.type == "html_inline" and HTML_CLOSE_A_EXACT_RE.match(token.content.strip()):
            return _plain(children[index + 1 : position])
    return ""


class _OffsetMap(_BlockMap):
    __slots__ = ("base", "inner")

    def __init__(self, inner: _BlockMap, base: int) -> None:
        super().__init__()
        self.inner = inner
        self.base = base

    def to_source(self, offset: int) -> int:
        return self.inner.to_source(self.base + offset)


def _offset_map(mapping: _BlockMap, base: int) -> _BlockMap:
    return _OffsetMap(mapping, base)


# ---------------------------------------------------------------------------
# Raw HTML
# ---------------------------------------------------------------------------


def _scan_html(
    content: str, mapping: _BlockMap, src: str, raw: str, scan: _Scan, *, inline: bool
) -> None:
    """Links, anchors and ignore directives in raw HTML (comments and scripts skipped)."""
    if "<" not in content:
        return
    for match in HTML_SCAN_RE.finditer(content):
        if match.group(0).startswith("<!--"):
            for directive in DIRECTIVE_RE.finditer(match.group(0)):
                where = mapping.to_source(match.start() + directive.start())
                scan.directives.append((where, directive.group(1).lower()))
            continue
        tag = match.group(2)
        if tag is None:
            continue
        tag = tag.lower()
        anchor_attributes = HTML_ANCHOR_ATTRIBUTES["*"] + HTML_ANCHOR_ATTRIBUTES.get(tag, ())
        attributes = _attributes(match.group(3) or "", match.start(3))
        for name, value, _ in attributes:
            if name in anchor_attributes and value.strip():
                scan.anchors.add(html.unescape(value.strip()))
        for name, value, offset in attributes:
            if name not in HTML_URL_ATTRIBUTES or "\n" in value:
                continue
            written = value.strip()
            lead = len(value) - len(value.lstrip()) if written else 0
            start, end = mapping.span(offset + lead, offset + lead + len(written))
            if written and src[start:end] != written:
                continue
            if not written and (offset < 1 or src[start - 1 : start] != content[offset - 1]):
                continue  # an empty value whose place could not be found in the file
            if tag != "a":
                text = _html_text(attributes, "", 0)
            else:
                text = "" if inline else _html_text(attributes, content, match.end())
            url = html.unescape(raw[start:end])
            scan.links.append(_Found(url, LinkKind.HTML, text, start, start, end))


def _attributes(text: str, base: int) -> list[tuple[str, str, int]]:
    """(lower-case name, raw value, offset of the value) for each attribute.

    An attribute written without a value (``<a href>``) has the value ``""``, placed just
    after its name.
    """
    found: list[tuple[str, str, int]] = []
    for match in HTML_ATTR_RE.finditer(text):
        for group in (2, 3, 4):
            value = match.group(group)
            if value is not None:
                found.append((match.group(1).lower(), value, base + match.start(group)))
                break
        else:
            found.append((match.group(1).lower(), "", base + match.end(1)))
    return found


def _html_text(attributes: list[tuple[str, str, int]], content: str, after: int) -> str:
    closing = HTML_CLOSE_A_RE.search(content, after) if content else None
    if closing is not None:
        inner = content[after : closing.start()]
        text = " ".join(html.unescape(HTML_TAG_STRIP_RE.sub(" ", inner)).split())
        if text:
            return text
        # An image as the whole link text: its alt text, as for ``[![alt](img)](href)``.
        alt = HTML_IMG_ALT_RE.search(inner)
        if alt is not None:
            value = next(group for group in alt.groups() if group is not None)
            return " ".join(html.unescape(value).split())
    for name, value, _ in attributes:
        if name in HTML_TEXT_ATTRIBUTES and value.strip():
            return " ".join(html.unescape(value).split())
    return ""


# ---------------------------------------------------------------------------
# Frontmatter
# ---------------------------------------------------------------------------


def _frontmatter_links(text: str, body_offset: int) -> list[_Found]:
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
    found: list[_Found] = []
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
            _Found(
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


# ---------------------------------------------------------------------------
# Sections, anchors and ignore comments
# ---------------------------------------------------------------------------


def _heading_key(text: str) -> str:
    return " ".join(text.split()).rstrip(HEADING_TRAILING).strip().casefold()


def _mark_resources(headings: list[_Heading], wanted: set[str]) -> list[_Heading]:
    return [_Heading(h.offset, h.level, h.text, _heading_key(h.text) in wanted) for h in headings]


def _resources_sections(
    headings: list[_Heading], wanted: set[str], base: int
) -> list[tuple[int, int]]:
    """[start, end) offsets of every Resources section."""
    sections: list[tuple[int, int]] = []
    open_at: int | None = None
    open_level = 0
    for heading in _mark_resources(headings, wanted):
        if open_at is not None and heading.level <= open_level:
            sections.append((open_at, heading.offset + base))
            open_at = None
        if open_at is None and heading.is_resources:
            open_at, open_level = heading.offset + base, heading.level
    if open_at is not None:
        sections.append((open_at, 1 << 62))
    return sections


def _slugs(texts: list[str]) -> Iterator[str]:
    """GitHub anchors for headings in order: repeats get ``-1``, ``-2``... suffixes."""
    counts: dict[str, int] = {}
    for text in texts:
        base = heading_slug(text)
        slug = base
        while slug in counts:
            counts[base] += 1
            slug = f"{base}-{counts[base]}"
        counts[slug] = 0
        yield slug


def _ignored(links: list[_Found], directives: list[tuple[int, str]]) -> list[bool]:
    """Whether each link (sorted by use) is covered by an ignore comment before it."""
    flags: list[bool] = []
    events = sorted(directives)
    index = 0
    skip_next = False
    disabled = False
    for link in links:
        while index < len(events) and events[index][0] <= link.use:
            word = events[index][1]
            if word == IGNORE_NEXT:
                skip_next = True
            elif word == DISABLE:
                disabled = True
            elif word == ENABLE:
                disabled = False
            index += 1
        flags.append(disabled or skip_next)
        skip_next = False
    return flags
