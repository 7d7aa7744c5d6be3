"""MDX: what an ``.mdx`` post writes that is not Markdown."""

from __future__ import annotations

import re

from linkcheck.extract.found import Found

MDX_SUFFIX = ".mdx"
MDX_COMMENT_START = "{/*"
MDX_COMMENT_RE = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
"""An MDX comment: a JavaScript block comment as the only thing in braces."""


def outside_mdx_comments(links: list[Found], raw: str) -> list[Found]:
    """The links not written inside an MDX comment (``{/* ... */}``): MDX renders nothing there.

    Markdown reads such a comment as text, so the rest of the post is parsed as it is.
    """
    if MDX_COMMENT_START not in raw:
        return links
    spans = [match.span() for match in MDX_COMMENT_RE.finditer(raw)]
    return [item for item in links if not any(a <= item.start < b for a, b in spans)]
