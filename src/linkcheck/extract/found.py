"""What scanning a post's body finds, before it becomes ``Link``s: offsets into the scanned text."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from linkcheck.models import LinkKind


@dataclass(frozen=True, slots=True)
class Found:
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
class Heading:
    offset: int
    level: int
    text: str


@dataclass(slots=True)
class Scan:
    links: list[Found] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    directives: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Note:
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


def shift(item: Found, by: int) -> Found:
    return Found(
        item.url, item.kind, item.text, item.use + by, item.start + by, item.end + by, item.key_path
    )


def outside_spans(
    links: list[Found], spans: Sequence[tuple[int, int]], *, by_start: bool = False
) -> list[Found]:
    """The links not written inside ``spans`` (in order, not overlapping): by where the reader
    sees each (``use``), or by where it is written (``start``)."""
    if not spans:
        return links
    starts = [start for start, _ in spans]
    kept: list[Found] = []
    for item in links:
        at = item.start if by_start else item.use
        index = bisect.bisect_right(starts, at) - 1
        if index < 0 or at >= spans[index][1]:
            kept.append(item)
    return kept
