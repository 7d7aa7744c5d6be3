"""markdown-it-py, made cheaper to run with the same tokens.

markdown-it tries every block rule at the start of every line, and every inline rule at
every character that may start markup, although almost all of them give up on the first
character. ``speed_up`` puts a cheap test of that first character in front of each rule,
and gives the parser link helpers with a fast path for plain link destinations and a memory
of link labels already measured. Each shortcut only skips work whose answer is already
known, so the tokens are exactly those of the parser without it (tests compare both on
generated documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any, cast

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

__all__ = [
    "BLOCK_STARTS",
    "INLINE_STARTS",
    "PLAIN_LINK",
    "fast_link_destination",
    "plain_inline",
    "remembered_link_label",
    "speed_up",
]

BlockRule = Callable[[StateBlock, int, int, bool], bool]
InlineRule = Callable[[StateInline, bool], bool]

BLOCK_STARTS: Mapping[str, str] = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
"""Block rules that can only match a line whose first non-space character is one of these
(each rule's own first test, in CommonMark and in markdown-it-py)."""

INLINE_STARTS: Mapping[str, str] = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}
"""Inline rules that can only match where the text has one of these characters."""

TEXT_RULE = "text"
"""The inline rule that takes every run of plain characters; it stays first."""
TABLE_RULE = "table"
TABLE_DELIMITER_STARTS = frozenset("|-:")
"""A table's second line (its delimiter row) starts with one of these."""
CODE_RULE = "code"
CODE_INDENT = 4
"""Columns of indentation that make indented code (CommonMark)."""
DISPATCH_RULE = "linkcheck_dispatch"

_STEP = r"(?>[^\n\\`~*_<&\[\]!:]++|!(?!\[)|:(?!//))"
"""Text only the ``text`` rule takes: no markup character, no ``![`` or ``://``. (Atomic and
possessive, as everything built on it: these expressions never backtrack.)"""
_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
"""What markdown-it counts as white space around emphasis (inside a character class)."""
_CODE = r"`(?P<code>[^`\n ][^`\n]*+(?<! ))`(?!`)"
"""A code span of single backticks whose text has no space at either end (kept as written)."""
_DESTINATION = r"[^<\x00-\x20\x7f()\\&][^\x00-\x20\x7f()\\&]*+"
"""A link destination markdown-it takes as written: no brackets, escapes or entities."""


def _emphasis(mark: str = "mark", inner: str = "inner") -> str:
    """Emphasis that can be read only one way: the opening run follows white space, a bracket
    or the start and comes before a letter or digit; the closing run, the same characters,
    follows a letter or digit and comes before white space, punctuation or the end. (Its
    groups are named ``mark`` and ``inner``, or as given.)"""
    return (
        rf"(?<![^{_SPACE}(\[])(?P<{mark}>\*\*|\*|__|_)"
        rf"(?P<{inner}>[A-Za-z0-9]{_STEP}*+(?<=[A-Za-z0-9]))(?P={mark})(?![^{_SPACE}.,;:?)\]])"
    )


def _label(name: str) -> str:
    """Link text: plain text and emphasis (groups named after ``name``)."""
    return rf"(?:{_STEP}|{_emphasis(name + '_mark', name + '_inner')})*+"


PLAIN_LINK = re.compile(rf"\[(?P<label>{_label('l')})\]\((?P<destination>{_DESTINATION})\)")
"""A link as plain inline text has them: ``[text](destination)``."""
PLAIN_INLINE = re.compile(rf"(?:{_STEP}|{_CODE}|{PLAIN_LINK.pattern}|{_emphasis()})*+\Z")
"""Plain inline text: text, code spans, simple emphasis and plain links, nothing else."""
_PIECE = re.compile(rf"(?P<text>{_STEP}++)|{_CODE}|{PLAIN_LINK.pattern}|{_emphasis()}")
_LABEL_PIECE = re.compile(rf"(?P<text>{_STEP}++)|{_emphasis()}")
TEXT_GROUP = "text"
CODE_GROUP = "code"
DESTINATION_GROUP = "destination"
POST_RULES = frozenset({"balance_pairs", "strikethrough", "emphasis", "fragments_join"})
"""markdown-it's inline post-processing rules, whose work ``plain_inline`` does itself."""
TEXT_TYPE = "text"
LINK_OPEN = "link_open"
LINK_CLOSE = "link_close"
LINK_TAG = "a"
CODE_TYPE = "code_inline"
CODE_TAG = "code"
CODE_MARK = "`"
STRONG = ("strong_open", "strong_close", "strong")
EMPHASIS = ("em_open", "em_close", "em")

LABEL_KEY = "label"
"""First item of the cache key of a link label measured (see ``remembered_link_label``)."""

_SIMPLE_DESTINATION = re.compile(r"[^<\x00-\x20\x7f()\\][^\x00-\x20\x7f()\\]*")
"""A link destination without angle brackets, parentheses, escapes, spaces or controls."""


def speed_up(
    md: MarkdownIt,
    *,
    block_starts: Mapping[str, str] | None = None,
    inline_starts: Mapping[str, str] | None = None,
) -> MarkdownIt:
    """Make ``md`` cheaper to run, with the same tokens; returns ``md``.

    ``block_starts`` and ``inline_starts`` add the first characters of rules ``md`` has
    beyond markdown-it's own. Block rules missing from both maps are left as they are; an
    inline rule missing from both makes every inline rule stay as it is.
    """
    _gate_block_rules(md, {**BLOCK_STARTS, **(block_starts or {})})
    _dispatch_inline_rules(md, {**INLINE_STARTS, **(inline_starts or {})})
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkDestination=fast_link_destination,
        parseLinkLabel=remembered_link_label,
        parseLinkTitle=parseLinkTitle,
    )
    return md


# ---------------------------------------------------------------------------
# Block rules
# ---------------------------------------------------------------------------


def _gate_block_rules(md: MarkdownIt, block_starts: Mapping[str, str]) -> None:
    ruler = md.block.ruler
    for rule in list(ruler.__rules__):
        starts = block_starts.get(rule.name)
        if starts is not None:
            gated = _first_character(rule.fn, frozenset(starts))
        elif rule.name == TABLE_RULE:  # a table's second line is its delimiter row
            gated = _first_character(rule.fn, TABLE_DELIMITER_STARTS, line=1)
        elif rule.name == CODE_RULE:
            gated = _code_gate(rule.fn)
        else:
            continue
        ruler.at(rule.name, gated, {"alt": list(rule.alt)})


def _first_character(rule: BlockRule, starts: frozenset[str], *, line: int = 0) -> BlockRule:
    """``rule``, tried only when the first non-space character of the line ``line`` lines
    below the rule's first line is one of ``starts``."""

    def gated(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        target = start_line + line
        if target >= end_line:
            return False
        begin = state.bMarks[target] + state.tShift[target]
        if state.src[begin : begin + 1] not in starts:
            return False
        return rule(state, start_line, end_line, silent)

    return gated


def _code_gate(rule: BlockRule) -> BlockRule:
    def gated(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent < CODE_INDENT:
            return False
        return rule(state, start_line, end_line, silent)

    return gated


# ---------------------------------------------------------------------------
# Inline rules
# ---------------------------------------------------------------------------


def _dispatch_inline_rules(md: MarkdownIt, starts: Mapping[str, str]) -> None:
    """After the text rule, one rule that tries only the rules the character can start."""
    ruler = md.inline.ruler
    active = [rule for rule in ruler.__rules__ if rule.enabled]
    if not active or active[0].name != TEXT_RULE:
        return
    if any(rule.name not in starts for rule in active[1:]):
        return
    table: dict[str, list[InlineRule]] = {}
    for rule in active[1:]:
        for character in starts[rule.name]:
            table.setdefault(character, []).append(rule.fn)
    rules_at = {character: tuple(rules) for character, rules in table.items()}.get

    def dispatch(state: StateInline, silent: bool) -> bool:
        for rule in rules_at(state.src[state.pos], ()):  # noqa: SIM110 - a loop, no generator
            if rule(state, silent):
                return True
        return False

    ruler.disable([rule.name for rule in active[1:]])
    ruler.push(DISPATCH_RULE, dispatch)


# ---------------------------------------------------------------------------
# Plain inline text
# ---------------------------------------------------------------------------


def plain_inline(src: str, md: MarkdownIt, tokens: list[Token]) -> list[tuple[int, int]] | None:
    """The tokens of plain inline text, made without running markdown-it's inline rules.

    When ``src`` is plain (``PLAIN_INLINE``: text, code spans, emphasis that can be read only
    one way and ``[text](destination)`` links; no HTML, escapes, entities, line breaks,
    images or bare URLs), the tokens markdown-it would give are appended to ``tokens`` and
    the span of each link's destination in ``src`` is returned, in order. Otherwise nothing
    is appended and the answer is None. The work of markdown-it's post-processing rules
    (pairing emphasis, joining text) is done here, so with any other such rule the answer
    is None too.
    """
    if PLAIN_INLINE.match(src) is None or not _standard_post_processing(md):
        return None
    pieces = list(_PIECE.finditer(src))
    links = [piece for piece in pieces if piece.lastgroup == DESTINATION_GROUP]
    hrefs = [md.normalizeLink(link.group(DESTINATION_GROUP)) for link in links]
    if not all(md.validateLink(href) for href in hrefs):
        return None
    made: list[Token] = []
    href = iter(hrefs)
    for piece in pieces:
        kind = piece.lastgroup
        if kind == TEXT_GROUP:  # the usual piece, made here rather than in _push
            made.append(Token(TEXT_TYPE, "", 0, content=piece.group(kind)))
        elif kind == DESTINATION_GROUP:
            made.append(Token(LINK_OPEN, LINK_TAG, 1, attrs={"href": next(href)}))
            label = piece.start("label"), piece.end("label")
            if label[1] > label[0]:
                for inner in _LABEL_PIECE.finditer(src, *label):
                    _push(inner, 1, made)
            made.append(Token(LINK_CLOSE, LINK_TAG, -1))
        else:
            _push(piece, 0, made)
    # Only the empty text a strong run leaves behind can stand next to other text.
    tokens.extend(_join_text(made) if "**" in src or "__" in src else made)
    return [link.span(DESTINATION_GROUP) for link in links]


def _push(piece: re.Match[str], level: int, made: list[Token]) -> None:
    """The tokens of text, a code span or emphasis, as markdown-it has them before it joins
    adjacent text."""
    kind = piece.lastgroup  # the last group of each alternative names it
    if kind == TEXT_GROUP:
        made.append(Token(TEXT_TYPE, "", 0, content=piece.group(kind), level=level))
        return
    if kind == CODE_GROUP:
        made.append(Token(CODE_TYPE, CODE_TAG, 0, content=piece.group(kind), markup=CODE_MARK))
        return
    mark = piece.group("mark")
    opener, closer, tag = STRONG if len(mark) == 2 else EMPHASIS
    if len(mark) == 2:  # the outer character of each run stays behind as empty text
        made.append(Token(TEXT_TYPE, "", 0, level=level))
    made.append(Token(opener, tag, 1, markup=mark, level=level))
    made.append(Token(TEXT_TYPE, "", 0, content=piece.group("inner"), level=level + 1))
    made.append(Token(closer, tag, -1, markup=mark, level=level))
    if len(mark) == 2:
        made.append(Token(TEXT_TYPE, "", 0, level=level))


def _join_text(made: list[Token]) -> list[Token]:
    """Adjacent text tokens made one, as markdown-it's ``fragments_join`` does."""
    joined: list[Token] = []
    for token in made:
        if token.type == TEXT_TYPE and joined and joined[-1].type == TEXT_TYPE:
            token.content = joined[-1].content + token.content
            joined[-1] = token
        else:
            joined.append(token)
    return joined


def _standard_post_processing(md: MarkdownIt) -> bool:
    enabled = {rule.name for rule in md.inline.ruler2.__rules__ if rule.enabled}
    return enabled == POST_RULES


# ---------------------------------------------------------------------------
# Link helpers
# ---------------------------------------------------------------------------


def fast_link_destination(string: str, pos: int, maximum: int) -> Any:
    """markdown-it's ``parseLinkDestination``, with one regular expression for the usual case:
    no ``<``, parenthesis or backslash before the first space, control character or ``)``."""
    plain = _SIMPLE_DESTINATION.match(string, pos, maximum)
    if plain is None or (plain.end() < maximum and string[plain.end()] in "(\\"):
        return parseLinkDestination(string, pos, maximum)
    return _Destination(plain.end(), unescapeAll(plain.group()))


class _Destination:
    """A link destination found (what markdown-it's rules read of its own result)."""

    __slots__ = ("ok", "pos", "str")

    def __init__(self, pos: int, text: str) -> None:
        self.ok = True
        self.pos = pos
        self.str = text


def remembered_link_label(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's ``parseLinkLabel``, measured once per place and inline state.

    The answer depends on where the label starts, on ``disable_nested`` and on how far and
    how deep the state may go, so those are the key. It is kept in the state's own cache
    (where markdown-it keeps the end of each token by its start: an int, never a tuple), so
    it lives as long as the state and holds no reference to it.
    """
    memory = cast("dict[tuple[object, ...], int]", state.cache)
    key = (LABEL_KEY, start, disable_nested, state.posMax, state.level)
    end = memory.get(key)
    if end is None:
        end = memory[key] = parseLinkLabel(state, start, disable_nested)
    return end
