"""URL values in a post's frontmatter (YAML, TOML or JSON), with their key paths and offsets.

The frontmatter was parsed once, when the post was read (``linkcheck.frontmatter``): its
string values come with their places in the file.
"""

from __future__ import annotations

from linkcheck.extract.found import Found
from linkcheck.models import Document, LinkKind

FRONTMATTER_URL_PREFIXES: tuple[str, ...] = ("http://", "https://")


def frontmatter_links(doc: Document) -> list[Found]:
    """Every http(s) string value in the frontmatter, with its dotted key path."""
    matter = doc.frontmatter
    if matter is None or matter.body_offset != doc.body_offset:
        return []
    found = [
        Found(
            value.value,
            LinkKind.FRONTMATTER,
            value.key_path,
            value.start,
            value.start,
            value.end,
            value.key_path,
        )
        for value in matter.strings
        if value.value.lower().startswith(FRONTMATTER_URL_PREFIXES)
        and doc.text[value.start : value.end] == value.value
    ]
    found.sort(key=lambda item: item.use)
    return found
