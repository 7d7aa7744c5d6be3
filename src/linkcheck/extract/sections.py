"""Headings: Resources sections, GitHub anchors, and ``linkcheck-ignore`` comments."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from linkcheck.extract.found import Found, Heading

IGNORE_NEXT = "ignore"
DISABLE = "disable"
ENABLE = "enable"
DIRECTIVE_RE = re.compile(r"<!--\s*linkcheck-(ignore|disable|enable)\s*-->", re.IGNORECASE)
HEADING_TRAILING = ":"


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


def heading_key(text: str) -> str:
    return " ".join(text.split()).rstrip(HEADING_TRAILING).strip().casefold()


def mark_resources(headings: list[Heading], wanted: set[str]) -> list[Heading]:
    return [Heading(h.offset, h.level, h.text, heading_key(h.text) in wanted) for h in headings]


def resources_sections(
    headings: list[Heading], wanted: set[str], base: int
) -> list[tuple[int, int]]:
    """[start, end) offsets of every Resources section."""
    sections: list[tuple[int, int]] = []
    open_at: int | None = None
    open_level = 0
    for heading in mark_resources(headings, wanted):
        if open_at is not None and heading.level <= open_level:
            sections.append((open_at, heading.offset + base))
            open_at = None
        if open_at is None and heading.is_resources:
            open_at, open_level = heading.offset + base, heading.level
    if open_at is not None:
        sections.append((open_at, 1 << 62))
    return sections


def github_slugs(texts: list[str]) -> Iterator[str]:
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


def ignored_flags(links: list[Found], directives: list[tuple[int, str]]) -> list[bool]:
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
