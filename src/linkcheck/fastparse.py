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
    "PLAIN_DESTINATION",
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

_TEXT = r"(?>[^\n\\`~*_<&\[\]!:]++|!(?!\[)|:(?!//))*+"
"""Inline text no rule but ``text`` can take: no markup characters, no ``![`` or ``://``.
(Possessive: nothing built on it backtracks.)"""
_DESTINATION = r"[^<\x00-\x20\x7f()\\&][^\x00-\x20\x7f()\\&]*+"
"""A link destination markdown-it takes as written: no brackets, escapes or entities."""
PLAIN_INLINE = re.compile(rf"{_TEXT}(?:\[{_TEXT}\]\({_DESTINATION}\){_TEXT})*+\Z")
"""Inline text made of plain text and plain ``[text](destination)`` links only."""
PLAIN_LINK = re.compile(rf"\[({_TEXT})\]\(({_DESTINATION})\)")
IDLE_POST_RULES = frozenset({"balance_pairs", "strikethrough", "emphasis", "fragments_join"})
"""markdown-it's inline post-processing rules, which change nothing without delimiters or
adjacent text tokens."""
TEXT_TYPE = "text"
LINK_OPEN = "link_open"
LINK_CLOSE = "link_close"
LINK_TAG = "a"

LABEL_KEY = "label"
"""First item of the cache key of a link label measured (see ``remembered_link_label``)."""

PLAIN_DESTINATION = re.compile(r"[^<\x00-\x20\x7f()\\][^\x00-\x20\x7f()\\]*")
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
    """Tokens for inline text of plain text and plain links, without running the rules.

    When ``src`` is only text and ``[text](destination)`` links (``PLAIN_INLINE``: no
    emphasis, code, HTML, escapes, entities, line breaks or images), the tokens markdown-it
    would give are appended to ``tokens`` and the span of each link's destination in
    ``src`` is returned, in order. Otherwise nothing is appended and the answer is None.
    markdown-it's post-processing rules (emphasis and strikethrough pairs, joining text) have
    nothing to do on such tokens; with any other post-processing rule the answer is None.
    """
    if PLAIN_INLINE.match(src) is None or not _plain_post_processing(md):
        return None
    links = list(PLAIN_LINK.finditer(src))
    hrefs = [md.normalizeLink(link.group(2)) for link in links]
    if not all(md.validateLink(href) for href in hrefs):
        return None
    pos = 0
    for link, href in zip(links, hrefs, strict=True):
        if link.start() > pos:
            tokens.append(Token(TEXT_TYPE, "", 0, content=src[pos : link.start()]))
        tokens.append(Token(LINK_OPEN, LINK_TAG, 1, attrs={"href": href}))
        if link.group(1):
            tokens.append(Token(TEXT_TYPE, "", 0, content=link.group(1), level=1))
        tokens.append(Token(LINK_CLOSE, LINK_TAG, -1))
        pos = link.end()
    if pos < len(src):
        tokens.append(Token(TEXT_TYPE, "", 0, content=src[pos:]))
    return [link.span(2) for link in links]


def _plain_post_processing(md: MarkdownIt) -> bool:
    return all(rule.name in IDLE_POST_RULES for rule in md.inline.ruler2.__rules__ if rule.enabled)


# ---------------------------------------------------------------------------
# Link helpers
# ---------------------------------------------------------------------------


def fast_link_destination(string: str, pos: int, maximum: int) -> Any:
    """markdown-it's ``parseLinkDestination``, with one regular expression for the usual case:
    no ``<``, parenthesis or backslash before the first space, control character or ``)``."""
    plain = PLAIN_DESTINATION.match(string, pos, maximum)
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
