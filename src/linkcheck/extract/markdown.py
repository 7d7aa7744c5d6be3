"""markdown-it-py with rules that note where each link is.

Parsing is markdown-it-py's ("commonmark" + tables + strikethrough + linkify). A few of its
inline rules are wrapped: each wrapper notes (``Note`` in ``Token.meta``) where in the block's
inline text the link it produced starts and ends. Blocks that cannot hold a link skip the
inline rules. This module relies on markdown-it-py's
rule internals (``ruler.__rules__``, ``StateInline.pending``...): pyproject pins its major
version and ``tests/extract/test_markdown_internals.py`` fails loudly when they change.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.helpers import parseLinkDestination
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from linkcheck.extract.autolinks import (
    PENDING_SCHEME_RE,
    SCHEME_SEPARATOR,
    URL_SCHEMES,
    WWW_BOUNDARY,
    autolink_end,
    bare_end,
)
from linkcheck.extract.found import Note
from linkcheck.models import WWW_PREFIX, WWW_SCHEME, LinkKind

META_KEY = "linkcheck"
"""Key under which the wrapped inline rules leave their notes in ``Token.meta``."""
REFERENCES_KEY = "linkcheck_definitions"
"""Key in the markdown-it env: normalised label -> (start, end) of the definition's URL."""
BARE_SCHEMES: frozenset[str] = frozenset({"http", "https"})
SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:")
LINKISH_RE = re.compile(r"[\[<@]|://|[Ww]{3}\.")
"""A block without any of these has no link: its inline text is not parsed."""
EMAIL_PROTOCOLS: frozenset[str] = frozenset({"mailto:", "xmpp:"})
"""Protocols GFM takes in front of an extended email autolink (``mailto:a@b.example``)."""
EMAIL_LOCAL_RE = re.compile(r"((?:mailto|xmpp):)?([A-Za-z0-9.+_-]*)\Z", re.IGNORECASE)
"""The part of an email autolink before its ``@`` that is in the text already read."""
EMAIL_AHEAD_RE = re.compile(r"[A-Za-z0-9.+_-]*@")
"""From a ``_`` inside an email's local part to its ``@``: the email is read at the ``_``,
before the emphasis rule takes the ``_`` away from the text."""
NON_SPACE_RUN_RE = re.compile(r"\S*")

FOOTNOTE_LABEL_RE = re.compile(r"\[\^[^\s\]]+\]:")
"""The start of a GFM footnote definition (``[^1]: ...``)."""
FOOTNOTE_INDENT = 4
"""Columns by which the later lines of a footnote definition are indented."""
CODE_INDENT = 4
"""Columns of indentation that make a line indented code (CommonMark)."""

InlineRule = Callable[[StateInline, bool], bool]
BlockRule = Callable[[StateBlock, int, int, bool], bool]


def _any_link(url: str) -> bool:
    """Link validator that refuses nothing: a renderer drops ``javascript:``, ``file:`` and
    non-image ``data:`` destinations for safety, but they are exactly what a checker must
    report, so they are links here (and judged by their own rules)."""
    return True


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


def parser_for(text: str, *, mdx: bool = False) -> MarkdownIt:
    """The parser for ``text``: ``www.`` links and emails cost a slower text rule, used only
    when needed. MDX has no HTML blocks (a component's children are Markdown) and no
    indented code."""
    www = WWW_PREFIX in text or WWW_PREFIX in text.lower()
    return parser(www=www, email="@" in text, mdx=mdx)


@functools.cache
def parser(*, www: bool, email: bool = False, mdx: bool = False) -> MarkdownIt:
    md = rules(www=www, email=email)
    if mdx:  # MDX has neither HTML blocks nor indented code
        md.block.ruler.disable(["html_block", "code"])
    return md


def rules(*, www: bool, email: bool = False) -> MarkdownIt:
    """The parser with every rule of ours in place."""
    md = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
    md.normalizeLink = _keep  # type: ignore[method-assign]
    md.validateLink = _any_link  # type: ignore[method-assign]
    md.core.ruler.at("inline", _inline_needed)
    if md.linkify is None:  # pragma: no cover - linkify-it-py is a dependency
        raise RuntimeError("linkify-it-py is not installed")
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    # Bare links are found by the inline rule (which knows positions), not the core pass.
    md.core.ruler.disable("linkify")

    md.inline.ruler.at("link", _noting_link(_rule(md, "link"), image=False))
    md.inline.ruler.at("image", _noting_link(_rule(md, "image"), image=True))
    md.inline.ruler.at("autolink", _noting_autolink(_rule(md, "autolink")))
    md.inline.ruler.at("linkify", _bare_rule)
    md.inline.ruler.at("html_inline", _noting_html(_rule(md, "html_inline")))
    if www:
        md.inline.ruler.before("linkify", "linkcheck_www", _www_rule)
        md.inline.terminator_re = re.compile(
            md.inline.terminator_re.pattern + r"|(?<![^\s*_~(])(?=[Ww]{3}\.)"
        )
    if email:
        md.inline.ruler.after("linkify", "linkcheck_email", _email_rule)
        md.inline.terminator_re = re.compile(md.inline.terminator_re.pattern + r"|@")
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


def _note(state: StateInline, first_token: int, types: tuple[str, ...], note: Note) -> None:
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


def _describe_link(state: StateInline, start: int, end: int, *, image: bool) -> Note | None:
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
                return Note(kind, pos, pos, pos, after=src[pos])
            return None
        begin, stop = (pos + 1, result.pos - 1) if src[pos] == "<" else (pos, result.pos)
        return Note(kind, begin, begin, stop, written=src[begin:stop], after=src[stop])
    if end > label_end + 1:
        label = src[label_end + 2 : end - 1] or src[bracket + 1 : label_end]
    else:
        label = src[bracket + 1 : label_end]
    return Note(
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
            note = Note(
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


def _bare_rule(state: StateInline, silent: bool) -> bool:
    """GFM's extended URL autolinks (``http://``, ``https://``, ``ftp://``), found when the
    inline parser reaches the ``://`` of one.

    The scheme has already gone into the pending text, so it is taken back from there. The
    link runs over a domain and then to the next blank or ``<``, and its end is trimmed the
    way GFM trims an extended autolink (``bare_end``): ``https://example.com/a)b`` is one link.
    Like the ``www.`` and e-mail rules, it finds nothing inside a link's text, nor while
    markdown-it looks for the end of one (``silent``): GFM makes no autolink inside brackets.
    """
    pos = state.pos
    src = state.src
    if silent or state.linkLevel > 0 or not src.startswith(SCHEME_SEPARATOR, pos):
        return False
    scheme = PENDING_SCHEME_RE.search(state.pending)
    if scheme is None or scheme.group(1).lower() not in URL_SCHEMES:
        return False
    begin = pos - len(scheme.group(1))
    end = autolink_end(src, begin, pos + len(SCHEME_SEPARATOR), state.posMax, short=True)
    if end is None:
        return False
    url = src[begin:end]
    state.pending = state.pending[: -len(scheme.group(1))]
    note = Note(LinkKind.BARE, begin, begin, end, written=url)
    _push_bare(state, url, url, note)
    state.pos = end
    return True


def _ascii_alnum(text: str) -> bool:
    return text.isascii() and text.isalnum()


def _email_rule(state: StateInline, silent: bool) -> bool:
    """GFM's extended email autolinks (``foo@bar.example``, also written ``mailto:…`` or
    ``xmpp:…``), found when the inline parser reaches the ``@``.

    The part before the ``@`` has gone into the pending text and is taken back from there.
    The domain has letters, digits, ``-``, ``_`` and at least one period followed by a letter
    or digit; it must end in a letter (a final period is not part of the link).
    """
    pos = state.pos
    src = state.src
    if silent or state.linkLevel > 0:
        return False
    if src[pos] == "@":
        at = pos
    elif src[pos] == "_":
        ahead = EMAIL_AHEAD_RE.match(src, pos, state.posMax)
        if ahead is None:
            return False
        at = ahead.end() - 1
    else:
        return False
    local = EMAIL_LOCAL_RE.search(state.pending)
    if local is None or (not local.group(2) and at == pos):
        return False
    protocol = (local.group(1) or "").lower()
    written_before = len(local.group(0))
    begin = pos - written_before
    end = at + 1
    periods = 0
    while end < state.posMax:
        ch = src[end]
        if ch.isascii() and ch.isalnum():
            end += 1
        elif (
            ch == "."
            and end + 1 < state.posMax
            and src[end + 1].isascii()
            and src[end + 1].isalnum()
        ):
            periods += 1
            end += 1
        elif ch in "-_" or (ch == "/" and protocol == "xmpp:"):
            end += 1
        else:
            break
    last = src[end - 1]
    if periods == 0 or end - at < 2 or not (last.isascii() and last.isalpha()):
        return False
    written = bare_end(src[begin:end])
    if len(written) <= at - begin + 1:
        return False
    if written_before:
        state.pending = state.pending[:-written_before]
    note = Note(
        LinkKind.BARE, begin, begin, begin + len(written), written=written, mailto=not protocol
    )
    href = written if protocol else f"mailto:{written}"
    _push_bare(state, written, href, note)
    state.pos = begin + len(written)
    return True


def _with_semicolon(raw: str, src: str, begin: int) -> str:
    """linkify's match, with the ``;`` that follows it when there is one.

    linkify leaves out a final ``;``; GFM looks at it to drop an entity-like ``&name;``.
    """
    return raw + ";" if src.startswith(";", begin + len(raw)) else raw


def _push_bare(state: StateInline, url: str, href: str, note: Note) -> None:
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


def _www_rule(state: StateInline, silent: bool) -> bool:
    """GFM's ``www.`` autolinks: ``www.`` after a blank, ``*``, ``_``, ``~`` or ``(`` (or at
    the start), a domain with a period, then up to the next blank or ``<``, the end trimmed."""
    pos = state.pos
    src = state.src
    if (
        silent
        or state.linkLevel > 0
        or not src.startswith(("w", "W"), pos)
        or src[pos : pos + len(WWW_PREFIX)].lower() != WWW_PREFIX
        or (pos > 0 and src[pos - 1] not in WWW_BOUNDARY)
    ):
        return False
    end = autolink_end(src, pos, pos, state.posMax, short=False)
    if end is None or end - pos <= len(WWW_PREFIX):
        return False
    url = src[pos:end]
    note = Note(LinkKind.BARE, pos, pos, end, written=url)
    _push_bare(state, url, WWW_SCHEME + url, note)
    state.pos = end
    return True


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
