"""Turn a post (frontmatter + Markdown) into the links a reader can follow, at exact positions.

Parsing is markdown-it-py's ("commonmark" + tables + strikethrough + linkify). markdown-it only
records block positions (``token.map``), so a few of its inline rules are wrapped: each wrapper
notes where in the block's inline text the link it produced starts and ends. Those inline
offsets are then mapped back to offsets in the file (``BlockMap``), which give the line and
column a reader sees in an editor and the exact span ``--fix`` rewrites. Blocks that cannot
hold a link skip the inline rules.

Empty destinations are links too (so the ``empty-link`` rule can report them): ``[t]()``,
``[t](<>)``, ``![a]()``, ``<a href="">``, ``<a href>``, ``<img src="">`` and a reference
definition ``[x]: <>`` used as ``[x]``. Their URL is ``""`` and their span is empty
(``start == end``) at the place where the destination would be written: just after the ``(``
(or the ``<`` of ``<>``), just after the opening quote of an empty attribute value, just after
the name of an attribute written without a value. The column reported is that place, so for
``[t]()`` it is the column of the ``(`` plus one; a reference use is reported at its ``[``.

The package's modules, one job each: ``markdown`` (the parser and its noting rules), ``walk``
(the token stream), ``positions`` (offsets to lines and columns), ``html`` (raw HTML),
``frontmatter`` (URL values in the frontmatter), ``sections`` (Resources sections, anchors,
ignore comments), ``mdx`` (what MDX writes that is not Markdown), ``templates`` (template
tags that show their content as code), ``autolinks`` (where a bare
link ends), ``pulldown`` (the fast path: pulldown-cmark's events, for the posts it reads as
markdown-it does; any other post is read by markdown-it).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence

from linkcheck.config import DEFAULT_RESOURCES_HEADINGS
from linkcheck.extract.found import Scan, outside_spans, shift
from linkcheck.extract.frontmatter import frontmatter_links
from linkcheck.extract.mdx import (
    INLINE_FILLER,
    MDX_SUFFIX,
    blanked_heading,
    mdx_body,
    outside_mdx_comments,
)
from linkcheck.extract.positions import LineIndex, markdown_source
from linkcheck.extract.pulldown import fast_scan
from linkcheck.extract.sections import (
    github_slugs,
    heading_key,
    heading_slug,
    heading_text_and_id,
    ignored_flags,
    resources_flags,
    resources_sections,
)
from linkcheck.extract.templates import code_spans
from linkcheck.models import Document, Link, LinkKind, Location, Post, link_target
from linkcheck.sources import identify

__all__ = ["DEFAULT_RESOURCES_HEADINGS", "extract_post", "heading_slug"]


def extract_post(
    doc: Document, *, resources_headings: Sequence[str] = DEFAULT_RESOURCES_HEADINGS
) -> Post:
    """Every link of ``doc`` in file order, its anchors and whether it has a Resources section."""
    body_offset = max(0, min(doc.body_offset, len(doc.text)))
    raw = doc.text[body_offset:]
    scan = _scan(doc.path.suffix.lower() == MDX_SUFFIX, raw)
    written = outside_spans(scan.links, code_spans(raw))  # not code samples of template tags
    written.sort(key=lambda item: item.use)  # offsets into the body, not yet into the file
    frontmatter = frontmatter_links(doc)
    wanted = _wanted(tuple(resources_headings))
    marked = resources_flags(scan.headings, wanted)
    sections = resources_sections(scan.headings, marked, body_offset)
    lines = LineIndex(doc.text)
    if scan.directives:
        directives = [(offset + body_offset, word) for offset, word in scan.directives]
        ignored = ignored_flags([shift(f, body_offset) for f in written], directives, lines)
    else:
        ignored = [False] * len(written)
    links: list[Link] = []
    places = [(f, False, 0) for f in frontmatter]  # (what was found, ignored, its base)
    places += [
        (f, i, body_offset)
        for f, i in zip(written, ignored, strict=True)
        if f.url or f.text or not is_anchor(raw, f.end)
    ]
    for item, is_ignored, base in places:
        use = item.use + base
        line, column = lines.position(use)
        in_resources = False
        if item.kind is not LinkKind.FRONTMATTER:
            for start, end in sections:
                if start <= use < end:
                    in_resources = True
                    break
        links.append(
            Link(
                url=item.url,
                kind=item.kind,
                text=item.text,
                location=Location(doc.display_path, line, column),
                in_resources=in_resources,
                source=identify(link_target(item.url, item.kind)),
                start=item.start + base,
                end=item.end + base,
                key_path=item.key_path,
                ignored=is_ignored,
            )
        )
    texts: list[str] = []
    ids = set(scan.anchors)
    if "{" in raw:  # ids given to other elements than headings: ``**x**{ #id }``
        ids.update(match[1] for match in ATTRIBUTE_ID_RE.finditer(raw))
    labels = myst_labels(raw)
    ids.update(labels)
    for heading in scan.headings:
        if INLINE_FILLER in heading.text:
            text, custom = blanked_heading(heading.text, raw, heading.offset)
        else:
            text, custom = heading_text_and_id(heading.text, raw, heading.offset)
        texts.append(text)
        if custom is not None:
            ids.add(custom)
    anchors = set(github_slugs(texts))
    anchors.update(ids)
    return Post(
        document=doc,
        links=tuple(links),
        anchors=frozenset(anchors),
        has_resources=any(marked),
        headings=tuple(texts),
        ids=frozenset(ids),
        empty=not raw.strip(),
        includes=takes_in_other_text(raw) or (not texts and not ids and made_by_code(raw)),
        labels=labels,
        terms=definition_terms(raw),
    )


def is_anchor(body: str, end: int) -> bool:
    """Whether the empty link whose destination ends at ``end`` is an anchor: ``[](){#id}``
    (Python-Markdown's attribute list on a link with no text nor destination, which
    mkdocs-autorefs documents as the way to place an anchor), not a link to nowhere."""
    return body.startswith(")", end) and ATTRIBUTE_ID_RE.match(body, end + 1) is not None


ATTRIBUTE_ID_RE = re.compile(r"\{:?[ \t]*(?:[.\w-]+[ \t]+)*#([A-Za-z_][\w.:-]*)[^{}\n]*\}")
"""An attribute block giving an id to what it follows (Python-Markdown's and kramdown's
``{: #id}``, ``**x**{ #id }``): the page has that id."""
INCLUDE_RE = re.compile(
    r"""^[ \t]*(?:;?--8<--|:::[ \t]+\S)"""  # Python-Markdown snippets; mkdocstrings blocks
    r"""|\{\{\#(?:include|rustdoc_include)\b"""  # mdBook
    r"""|\{%-?[ \t]*include(?:_relative)?[ \t]"""  # Jekyll (Liquid)
    r"""|\{\{[<%][ \t]*(?:include|readfile|remote-include)\b"""  # Hugo shortcodes
    r"""|^import[ \t]+\w+[ \t]+from[ \t]+['"][^'"\n]+\.mdx?['"]"""  # an MDX partial
    r"""|<!--[ \t]*@include:""",  # VitePress
    re.MULTILINE,
)
"""Text that brings other text into a post when the site is built."""
INCLUDE_MARKS = ("--8<--", ":::", "{{#", "{%", "{{<", "{{%", "import", "@include:")
"""What each form of ``INCLUDE_RE`` holds: a post without any is not searched (most posts)."""
CODE_RENDERED_RE = re.compile(r"<script\b|<[A-Z][\w.]*[\s/>]|\{\{[<%]|\{%")
"""A ``<script>`` element, a component (``<ApiIndex />``, ``<DocCardList/>``), a Hugo
shortcode (``{{% glossary %}}``) or a template tag (``{% for %}``): the page's content is made
by code when the site is built."""


MYST_TARGET_RE = re.compile(r"^[ \t]*\(([^()\s]+)\)=[ \t]*$", re.MULTILINE)
"""A MyST target before a block: ``(label)=`` on a line of its own."""
MYST_OPTION_RE = re.compile(r"^[ \t]*:(?:label|name):[ \t]*(\S+)[ \t]*$", re.MULTILINE)
"""A MyST directive's ``:label: x`` or ``:name: x`` option (in its fenced block)."""


DEFINITION_RE = re.compile(r"^([^\s:>|#-][^\n]*)\n:[ \t]+\S", re.MULTILINE)
"""A definition list's term: a line of text, then a line ``: definition``."""
FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})", re.MULTILINE)
"""A line that opens or closes a fenced code block."""


def definition_terms(body: str) -> tuple[str, ...]:
    """The terms of a body's definition lists, outside fenced code (most posts have no line
    starting with ``: ``: not searched)."""
    if "\n: " not in body and "\n:\t" not in body:
        return ()
    fences = [(m.start(), m.group(1)) for m in FENCE_RE.finditer(body)]
    code: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for at, marks in fences:
        if opened is None:
            opened = (at, marks)
        elif marks[0] == opened[1][0] and len(marks) >= len(opened[1]):
            code.append((opened[0], at))
            opened = None
    if opened is not None:
        code.append((opened[0], len(body)))
    starts = [start for start, _ in code]  # in order, not overlapping
    terms: list[str] = []
    for match in DEFINITION_RE.finditer(body):
        at = match.start()
        inside = bisect.bisect_right(starts, at) - 1
        if inside < 0 or at > code[inside][1]:
            terms.append(match.group(1).strip())
    return tuple(terms)


def myst_labels(body: str) -> frozenset[str]:
    """The MyST targets a body names (most posts have no ``)=`` nor option: not searched)."""
    found: set[str] = set()
    if ")=" in body:
        found.update(MYST_TARGET_RE.findall(body))
    if ":label:" in body or ":name:" in body:
        found.update(MYST_OPTION_RE.findall(body))
    return frozenset(found)


def takes_in_other_text(body: str) -> bool:
    """Whether a post's body brings in other text when the site is built (``INCLUDE_RE``)."""
    return any(mark in body for mark in INCLUDE_MARKS) and INCLUDE_RE.search(body) is not None


def made_by_code(body: str) -> bool:
    """Whether a post's page is made by code (``CODE_RENDERED_RE``), for a post that shows no
    heading nor id of its own: a page of examples or an index drawn by a component."""
    return ("<" in body or "{" in body) and CODE_RENDERED_RE.search(body) is not None


def _scan(mdx: bool, raw: str) -> Scan:
    """The body's links, headings, anchors and directives: pulldown-cmark's reading where it
    reads the post as markdown-it does, else markdown-it's (loaded only when a post needs it)."""
    if not mdx:
        src = markdown_source(raw)
        fast = fast_scan(src, raw)
        if fast is not None:
            return fast
    from linkcheck.extract.walk import scan_markdown

    if not mdx:
        return scan_markdown(src, raw)
    body, code_links = mdx_body(raw)
    scan = scan_markdown(markdown_source(body), raw, mdx=True)
    scan.links = outside_mdx_comments(scan.links, raw) + code_links
    return scan


@functools.cache
def _wanted(resources_headings: tuple[str, ...]) -> frozenset[str]:
    """The keys of the headings that open a Resources section (the same for every post)."""
    return frozenset(heading_key(h) for h in resources_headings)
