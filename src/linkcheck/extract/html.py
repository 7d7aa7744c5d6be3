"""Raw HTML in a post: link attributes, anchors (``id``/``name``) and ignore comments."""

from __future__ import annotations

import html
import re

from linkcheck.extract.found import Found, Scan
from linkcheck.extract.positions import SourceMap
from linkcheck.extract.sections import DIRECTIVE_RE
from linkcheck.models import LinkKind

HTML_URL_ATTRIBUTES: dict[str, LinkKind] = {
    "href": LinkKind.HTML,
    "src": LinkKind.HTML_EMBED,
    "poster": LinkKind.HTML_EMBED,
}
"""Attributes that hold a URL, on any element: ``<a href>``, ``<img src>``, ``<iframe src>``,
``<video poster>``... and the components of MDX posts (``<Figure src="..." />``), which are
written as HTML tags with the same attribute names. ``href`` leads somewhere (a possible
citation); the others embed something in the page (never a citation)."""
SRCSET_ATTRIBUTES: frozenset[str] = frozenset({"srcset"})
"""Attributes holding a list of image candidates: ``url [descriptor], url [descriptor]``."""
SRCSET_CANDIDATE_RE = re.compile(r"[^\s,][^\s]*")
"""A candidate's URL in a srcset (descriptors follow it after a blank)."""
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


def scan_html(
    content: str, mapping: SourceMap, src: str, raw: str, scan: Scan, *, inline: bool
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
            if name in SRCSET_ATTRIBUTES:
                text = _html_text(attributes, "", 0)
                scan.links.extend(_srcset(value, offset, mapping, src, raw, text))
                continue
            kind = HTML_URL_ATTRIBUTES.get(name)
            if kind is None or "\n" in value.strip():
                continue
            written = value.strip()
            lead = len(value) - len(value.lstrip()) if written else 0
            start, end = mapping.span(offset + lead, offset + lead + len(written))
            if written and src[start:end] != written:
                continue
            if value and not written and raw[start - 1 : start] == "{":
                continue  # ``src={image}`` in MDX (blanked there): the URL is the code's
            if not written and (offset < 1 or src[start - 1 : start] != content[offset - 1]):
                continue  # an empty value whose place could not be found in the file
            if tag != "a":
                text = _html_text(attributes, "", 0)
            else:
                text = "" if inline else _html_text(attributes, content, match.end())
            url = html.unescape(raw[start:end])
            scan.links.append(Found(url, kind, text, start, start, end))


def _srcset(
    value: str, offset: int, mapping: SourceMap, src: str, raw: str, text: str
) -> list[Found]:
    """Each candidate URL of a ``srcset`` value (``a.png 1x, b.png 2x``), where it is written."""
    found: list[Found] = []
    for part in value.split(","):
        candidate = SRCSET_CANDIDATE_RE.search(part)
        if candidate is None:
            offset += len(part) + 1
            continue
        begin = offset + candidate.start()
        start, end = mapping.span(begin, begin + len(candidate.group()))
        if src[start:end] == candidate.group():
            url = html.unescape(raw[start:end])
            found.append(Found(url, LinkKind.HTML_EMBED, text, start, start, end))
        offset += len(part) + 1
    return found


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
