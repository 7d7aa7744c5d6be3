"""What scanning a post's body finds, before it becomes ``Link``s: offsets into the scanned text."""

from __future__ import annotations

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
    is_resources: bool = False


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
