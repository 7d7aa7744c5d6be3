"""Headings: Resources sections, ``{#id}`` blocks and ``linkcheck-ignore`` comments (the
anchors headings make are :mod:`linkcheck.slugs`'s)."""

from __future__ import annotations

import re
from collections.abc import Set

from linkcheck.extract.found import Found, Heading
from linkcheck.extract.positions import LineIndex
from linkcheck.slugs import github_slugs, heading_slug, kramdown_slug, numbered_slugs

__all__ = ["github_slugs", "heading_slug", "kramdown_slug", "numbered_slugs"]

IGNORE_NEXT = "ignore"
DISABLE = "disable"
ENABLE = "enable"
DIRECTIVE_RE = re.compile(r"<!--\s*linkcheck-(ignore|disable|enable)\s*-->", re.IGNORECASE)
HEADING_TRAILING = ":"


_ATTRIBUTE = r"""#[^\s{}]+|\.[^\s{}]+|[\w:-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s"'{}]+)"""
"""One attribute of a block: ``#id``, ``.class`` or ``key=value`` (value quoted or not)."""
HEADING_ID_RE = re.compile(
    r"\{:?[ \t]*((?:" + _ATTRIBUTE + r")(?:[ \t]+(?:" + _ATTRIBUTE + r"))*)[ \t]*\}[ \t]*\Z"
)
"""A heading's attribute block: ``## Title {#custom-id}`` (Hugo, Docusaurus, Pandoc,
kramdown; kramdown and Python-Markdown also write ``{: #id}``), with classes and other
attributes in any order; ``{ id="x" }`` gives the id too (goldmark, kramdown, MkDocs).
Attributes are parted by blanks (none holds one): a block reads one way only, so the time
is linear in the heading's length whatever it holds."""
_ATTRIBUTE_RE = re.compile(_ATTRIBUTE)
ID_WORD_RE = re.compile(r"[\w.:-]+")


DOCSIFY_ID_RE = re.compile(r"[ \t]:id=([^\s:]+)[ \t]*$")
"""docsify's heading id, written last: ``## themeColor :id=themecolor``."""
MDX_COMMENT_ID_RE = re.compile(
    r"[ \t]*\{[ \t]*/\*[ \t]*(#?)([^\s{}*]*)([^{}]*?)\*/[ \t]*\}[ \t\r]*\Z"
)
"""An MDX comment ending a heading (``{/* ... */}``, which renders nothing): Docusaurus takes
its first word as the heading's id when it starts with ``#`` (``## Title {/* #custom-id */}``),
and sites such as react.dev write the id alone (``## Title {/*custom-id*/}``). Read only up to
the next brace from each ``{``: linear in the heading's length."""


def split_heading_id(text: str) -> tuple[str, str | None]:
    """A heading's text without its attribute block, and the id the block gives (or None;
    a block without an id is still not text)."""
    if text.endswith("}") and "/*" in text:
        comment = MDX_COMMENT_ID_RE.search(text)
        if comment is not None:
            return text[: comment.start()], mdx_comment_id(comment)
    match = HEADING_ID_RE.search(text)
    if match is None:
        if ":id=" in text:  # docsify's ``## Title :id=custom``
            docsify = DOCSIFY_ID_RE.search(text)
            if docsify is not None:
                return text[: docsify.start()].rstrip(" \t"), docsify.group(1)
        return text, None
    found: str | None = None
    for attribute in _ATTRIBUTE_RE.findall(match.group(1)):
        if attribute.startswith("#"):
            found = attribute[1:]
        elif attribute.startswith("id="):
            found = attribute[3:].strip("\"'")
    return text[: match.start()].rstrip(" \t"), found or None


def mdx_comment_id(comment: re.Match[str]) -> str | None:
    """The id an MDX comment ending a heading gives (``MDX_COMMENT_ID_RE``): its first word
    when that starts with ``#``, or the comment's one word, id-like; else none (a remark)."""
    hashed, word, rest = comment.groups()
    if hashed:
        return word or None
    if rest.strip() or not ID_WORD_RE.fullmatch(word):
        return None
    return word


def heading_text_and_id(text: str, raw: str, offset: int) -> tuple[str, str | None]:
    """A heading's text and id (``split_heading_id``), an MDX comment's id read from the
    heading's line at ``offset`` of ``raw``: in Markdown the comment's asterisks are emphasis
    (``{/*id*/}`` reaches the parser's text as ``{/id/}``)."""
    text, custom = split_heading_id(text)
    if custom is None and text.endswith("}") and "{/" in text:
        comment = MDX_COMMENT_ID_RE.search(line_at(raw, offset))
        if comment is not None:
            return text[: text.rindex("{")].rstrip(" \t"), mdx_comment_id(comment)
    return text, custom


def line_at(raw: str, offset: int) -> str:
    """The line of ``raw`` that starts at ``offset``, without its line break."""
    end = raw.find("\n", offset)
    return raw[offset : len(raw) if end < 0 else end].rstrip("\r")


def heading_key(text: str) -> str:
    return " ".join(text.split()).rstrip(HEADING_TRAILING).strip().casefold()


def resources_flags(headings: list[Heading], wanted: Set[str]) -> list[bool]:
    """Whether each heading opens a Resources section (its text is one of ``wanted``)."""
    return [heading_key(h.text) in wanted for h in headings]


def resources_sections(
    headings: list[Heading], flags: list[bool], base: int
) -> list[tuple[int, int]]:
    """[start, end) offsets of every Resources section (``flags``: ``resources_flags``)."""
    sections: list[tuple[int, int]] = []
    open_at: int | None = None
    open_level = 0
    for heading, is_resources in zip(headings, flags, strict=True):
        if open_at is not None and heading.level <= open_level:
            sections.append((open_at, heading.offset + base))
            open_at = None
        if open_at is None and is_resources:
            open_at, open_level = heading.offset + base, heading.level
    if open_at is not None:
        sections.append((open_at, 1 << 62))
    return sections


def ignored_flags(
    links: list[Found], directives: list[tuple[int, str]], lines: LineIndex
) -> list[bool]:
    """Whether each link (sorted by use) is covered by an ignore comment.

    ``linkcheck-ignore`` covers the links on its own line; a comment alone on its line covers
    the next link instead. ``linkcheck-disable`` … ``linkcheck-enable`` covers a region.
    Offsets are into the text ``lines`` indexes.
    """
    if not directives:
        return [False] * len(links)
    same_line: set[int] = set()
    """Lines whose links are ignored (a comment sharing its line with text)."""
    alone: list[int] = []
    """Offsets of ignore comments alone on their lines (each covers the next link)."""
    regions: list[tuple[int, str]] = []
    for offset, word in sorted(directives):
        if word != IGNORE_NEXT:
            regions.append((offset, word))
        elif DIRECTIVE_RE.fullmatch(lines.line_text(lines.position(offset)[0] - 1).strip()):
            alone.append(offset)
        else:
            same_line.add(lines.position(offset)[0])
    flags: list[bool] = []
    region = 0
    waiting = 0
    disabled = False
    pending = False
    for link in links:
        while region < len(regions) and regions[region][0] <= link.use:
            disabled = regions[region][1] == DISABLE
            region += 1
        while waiting < len(alone) and alone[waiting] <= link.use:
            pending = True
            waiting += 1
        flags.append(disabled or pending or lines.position(link.use)[0] in same_line)
        pending = False
    return flags
