"""Rewrite moved links in place: exact-span edits, checked by re-parsing, written atomically.

Only a link whose URL answered with permanent redirects (every hop 301 or 308) to a 2xx page is
rewritten, and only when the new URL can be written at that place without changing anything
else the reader or a parser sees. Each candidate place is written the way its syntax needs
(Markdown destination, autolink, bare URL, HTML attribute, YAML scalar); a URL that cannot be
written there safely is left alone and stays a finding.

Edits are grouped by (post, URL): all occurrences of a URL in a post change together or none
does, so an inline citation and its Resources entry never drift apart. Every planned change is
verified by extracting the links of the rewritten post again: the same links must come back,
in the same order, with the new URL exactly where the old one was.
"""

from __future__ import annotations

import difflib
import html
import itertools
import os
import re
import stat
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from linkcheck.discover import UTF8_BOM, document_from_text
from linkcheck.extract import extract_post
from linkcheck.models import (
    CheckResult,
    Document,
    InputError,
    InputProblem,
    Link,
    LinkKind,
    Post,
    Verdict,
)
from linkcheck.report.escape import COMMAND_V1
from linkcheck.rules import is_homepage_redirect
from linkcheck.safewrite import write_atomic
from linkcheck.sources import strip_fragment

__all__ = [
    "Edit",
    "FixOutcome",
    "apply_edits",
    "fix_posts",
    "plan_fixes",
    "render_diff",
    "replacement_for",
    "write_fixed",
]

PERMANENT_STATUSES: frozenset[int] = frozenset({301, 308})
"""Redirect statuses that say the old address is gone for good."""
SUCCESS_STATUSES = range(200, 300)
"""Statuses of a final page that make its address a safe replacement."""
WEB_SCHEMES: frozenset[str] = frozenset({"http", "https"})
MAX_URL_LENGTH = 2048
"""Longer replacement URLs are not written (they are more likely junk than a page address)."""
"""Suffix of the temporary file written next to a post before it replaces the post."""
NO_NEWLINE_MARKER = "\\ No newline at end of file\n"
DIFF_OLD_PREFIX = "a/"
DIFF_NEW_PREFIX = "b/"

ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
"""Something a Markdown parser would decode as a character reference."""
BARE_LAST_CHARACTER_RE = re.compile(r"[A-Za-z0-9/]\Z")
"""A bare URL must end on a character that GFM never strips as trailing punctuation."""
MARKDOWN_DESTINATION_FORBIDDEN = frozenset("<\\")
ANGLE_DESTINATION_FORBIDDEN = frozenset("<>\\")
AUTOLINK_FORBIDDEN = frozenset("<>")
BARE_FORBIDDEN = frozenset("<>\"'`\\[]")
HTML_UNQUOTED_FORBIDDEN = frozenset("\"'=<>`")
HTML_QUOTED_FORBIDDEN = frozenset("<>")
YAML_PLAIN_FORBIDDEN = frozenset(",[]{}")
"""Flow indicators: safe in a block-context plain scalar, not in a flow one, so never written."""
YAML_PLAIN_BEFORE = (":", "-", "[", "{", ",")
"""The last character before a plain scalar value on its line (``key: v``, ``- v``, ``[v``)."""
YAML_BLANK_AFTER = (":", "-")
"""Indicators that need a blank between them and the value."""
YAML_PLAIN_AFTER = ("#", ",", "]", "}")
"""What may follow a plain scalar value on its line (a comment or a flow separator)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One replacement of a span of ``Document.text``."""

    path: str
    """The post's display path."""
    start: int
    """Offset of the first character replaced."""
    end: int
    """Offset just after the last character replaced."""
    old: str
    """The text replaced (``text[start:end]``): the old URL as written."""
    new: str
    """The text written instead: the new URL as written at that place."""


@dataclass(frozen=True, slots=True)
class FixOutcome:
    """What a fix run changed or, in preview, would change."""

    edits: tuple[Edit, ...]
    diffs: tuple[str, ...]
    """One unified diff per changed file, in the order of the posts."""
    files_changed: tuple[str, ...]
    """Display paths of the files rewritten (preview: that would be rewritten)."""
    problems: tuple[InputProblem, ...] = ()
    """Files that could not be rewritten (changed on disk meanwhile, not writable...)."""


class _Syntax(Enum):
    """How the URL is written at its place, which decides what a replacement may contain."""

    DESTINATION = "destination"
    ANGLE_DESTINATION = "angle-destination"
    AUTOLINK = "autolink"
    BARE = "bare"
    HTML_DOUBLE = "html-double-quoted"
    HTML_SINGLE = "html-single-quoted"
    HTML_UNQUOTED = "html-unquoted"
    YAML_PLAIN = "yaml-plain"
    YAML_SINGLE = "yaml-single-quoted"
    YAML_DOUBLE = "yaml-double-quoted"


@dataclass(frozen=True, slots=True)
class _Planned:
    """An edit with what it means: which URL group it belongs to and the URL it writes."""

    edit: Edit
    group: str
    """``strip_fragment`` of the old URL: every occurrence in a post changes together."""
    url: str
    """The new URL as a reader sees it (``edit.new`` is how it is written)."""


# ---------------------------------------------------------------------------
# Which results allow a rewrite
# ---------------------------------------------------------------------------


def replacement_for(url: str, result: CheckResult) -> str | None:
    """The URL that replaces ``url`` given its check result, or None when it must stay.

    A replacement needs a ``moved`` verdict, a chain of permanent redirects only (301/308),
    a final 2xx answer, a final http(s) URL without whitespace or control characters, and a
    final page that is not the site's home or a section index. ``url``'s fragment is kept
    unless the final URL has one of its own.
    """
    final = result.final_url
    if (
        result.verdict is not Verdict.MOVED
        or not final
        or result.status is None
        or result.status not in SUCCESS_STATUSES
        or not result.redirects
        or any(hop.status not in PERMANENT_STATUSES for hop in result.redirects)
        or not _is_clean_web_url(final)
        or is_downgrade(url, final)
        or is_homepage_redirect(strip_fragment(url), final)
    ):
        return None
    fragment = url.partition("#")[2]
    new = f"{final}#{fragment}" if fragment and "#" not in final else final
    return None if new == url or not _is_clean_web_url(new) else new


def is_downgrade(url: str, final: str) -> bool:
    """Whether a move leads from ``https://`` to plain ``http://``: never written by a fix
    (the move is still reported, for a person to judge)."""
    return url[:8].lower() == "https://" and final[:7].lower() == "http://"


def _is_clean_web_url(url: str) -> bool:
    """A web URL that can be written into a post and shown in a diff printed to a CI log."""
    if len(url) > MAX_URL_LENGTH or any(_is_unsafe_character(ch) for ch in url):
        return False
    if COMMAND_V1 in url:
        return False  # a workflow command's opening in any line of a log
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def _is_unsafe_character(ch: str) -> bool:
    """Whitespace, control, format (bidi) and unassigned characters."""
    return ch.isspace() or unicodedata.category(ch)[0] in "CZ"


# ---------------------------------------------------------------------------
# Writing a URL at its place
# ---------------------------------------------------------------------------


def _syntax(text: str, link: Link) -> _Syntax | None:
    """How the URL at ``link``'s span is written, or None when that is not clear."""
    before = text[link.start - 1] if link.start > 0 else ""
    after = text[link.end : link.end + 1]
    kind = link.kind
    if kind in (LinkKind.INLINE, LinkKind.IMAGE, LinkKind.REFERENCE):
        if before == "<":
            return _Syntax.ANGLE_DESTINATION if after == ">" else None
        return _Syntax.DESTINATION
    if kind is LinkKind.AUTOLINK:
        return _Syntax.AUTOLINK if before == "<" and after == ">" else None
    if kind is LinkKind.BARE:
        return _Syntax.BARE
    if kind in (LinkKind.HTML, LinkKind.HTML_EMBED):
        if before in ('"', "'"):
            if after != before:
                return None
            return _Syntax.HTML_DOUBLE if before == '"' else _Syntax.HTML_SINGLE
        return _Syntax.HTML_UNQUOTED if before == "=" else None
    if kind is LinkKind.FRONTMATTER:
        return _yaml_syntax(text, link.start, link.end)
    return None


def _yaml_syntax(text: str, start: int, end: int) -> _Syntax | None:
    """A one-line plain or quoted scalar value at ``[start, end)``, or None."""
    if start <= 0 or end >= len(text):
        return None
    before, after = text[start - 1], text[end]
    if before in ("'", '"'):
        if after != before:
            return None
        return _Syntax.YAML_SINGLE if before == "'" else _Syntax.YAML_DOUBLE
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    lead = text[line_start:start].rstrip(" \t")
    tail = text[end : len(text) if line_end < 0 else line_end].strip(" \t\r")
    if not lead.endswith(YAML_PLAIN_BEFORE):
        return None
    if lead.endswith(YAML_BLANK_AFTER) and len(lead) == len(text[line_start:start]):
        return None  # ``key:value`` or ``-value``: not an indicator without a blank after it
    if tail and not tail.startswith(YAML_PLAIN_AFTER):
        return None
    return _Syntax.YAML_PLAIN


def _written(url: str, syntax: _Syntax, old: str) -> str | None:
    """``url`` as it must be written where ``old`` is, or None when it cannot be written there."""
    chars = set(url)
    if syntax is _Syntax.DESTINATION:
        if chars & MARKDOWN_DESTINATION_FORBIDDEN or ENTITY_RE.search(url):
            return None
        return url if _balanced(url) else None
    if syntax is _Syntax.ANGLE_DESTINATION:
        ok = not chars & ANGLE_DESTINATION_FORBIDDEN and not ENTITY_RE.search(url)
        return url if ok else None
    if syntax is _Syntax.AUTOLINK:
        return None if chars & AUTOLINK_FORBIDDEN else url
    if syntax is _Syntax.BARE:
        ends_well = BARE_LAST_CHARACTER_RE.search(url) is not None
        return url if ends_well and not chars & BARE_FORBIDDEN and _balanced(url) else None
    if syntax in (_Syntax.HTML_DOUBLE, _Syntax.HTML_SINGLE, _Syntax.HTML_UNQUOTED):
        return _html_written(url, syntax, old)
    if syntax is _Syntax.YAML_PLAIN:
        ok = not chars & YAML_PLAIN_FORBIDDEN and not url.endswith(":")
        return url if ok else None
    if syntax is _Syntax.YAML_SINGLE:
        return None if "'" in chars else url
    if syntax is _Syntax.YAML_DOUBLE:
        return None if chars & {'"', "\\"} else url
    return None


def _html_written(url: str, syntax: _Syntax, old: str) -> str | None:
    """``url`` as an attribute value: ``&`` (and the quote) encoded when needed."""
    forbidden = (
        HTML_UNQUOTED_FORBIDDEN if syntax is _Syntax.HTML_UNQUOTED else HTML_QUOTED_FORBIDDEN
    )
    if set(url) & forbidden:
        return None
    value = url
    if "&amp;" in old or html.unescape(url) != url:
        value = value.replace("&", "&amp;")
    if syntax is _Syntax.HTML_DOUBLE:
        value = value.replace('"', "&quot;")
    elif syntax is _Syntax.HTML_SINGLE:
        value = value.replace("'", "&#39;")
    return value if html.unescape(value) == url else None


def _balanced(url: str) -> bool:
    """Whether parentheses pair up, as an unbracketed Markdown destination needs."""
    depth = 0
    for ch in url:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


def plan_fixes(posts: Sequence[Post], results: Mapping[str, CheckResult]) -> list[Edit]:
    """Every edit that points moved links at their new URL, sorted by (post order, offset).

    ``results`` are keyed by checked URL (``strip_fragment(link.target)``). Ignored links, and
    reference definitions used by an ignored link, are left alone. All occurrences of one URL in
    a post change together or not at all, and a post's edits are kept only when extracting the
    rewritten post gives back the same links with the new URLs in place.
    """
    edits: list[Edit] = []
    for post in posts:
        edits.extend(planned.edit for planned in _plan_post(post, results))
    return edits


def _plan_post(post: Post, results: Mapping[str, CheckResult]) -> list[_Planned]:
    ignored_spans = {(link.start, link.end) for link in post.links if link.ignored}
    by_span: dict[tuple[int, int], _Planned] = {}
    rejected: set[str] = set()
    for link in post.links:
        if link.ignored or link.start >= link.end or (link.start, link.end) in ignored_spans:
            continue
        group = strip_fragment(link.target)
        result = results.get(group)
        if result is None:
            continue
        new_url = replacement_for(link.target, result)
        if new_url is None:
            continue
        planned = _plan_link(post, link, group, new_url)
        span = (link.start, link.end)
        if planned is None or (span in by_span and by_span[span] != planned):
            rejected.add(group)
            continue
        by_span[span] = planned
    candidates = [p for span, p in sorted(by_span.items()) if p.group not in rejected]
    rejected.update(_overlapping_groups(candidates))
    candidates = [p for p in candidates if p.group not in rejected]
    return _verified(post, candidates) if candidates else []


def _plan_link(post: Post, link: Link, group: str, new_url: str) -> _Planned | None:
    text = post.document.text
    old = text[link.start : link.end]
    if link.kind in (LinkKind.HTML, LinkKind.HTML_EMBED):
        if html.unescape(old) != link.url:
            return None
    elif old != link.url:
        return None  # written with escapes or entities: not re-encoded
    if link.kind is LinkKind.BARE and not link.target.endswith(link.url):
        return None  # a bare link read as its host alone (``link_target``): the text stays
    syntax = _syntax(text, link)
    written = _written(new_url, syntax, old) if syntax is not None else None
    if written is None:
        return None
    edit = Edit(post.path, link.start, link.end, old, written)
    return _Planned(edit, group, new_url)


def _overlapping_groups(planned: Sequence[_Planned]) -> set[str]:
    """Groups with an edit overlapping another (``planned`` sorted by start)."""
    clashing: set[str] = set()
    for previous, current in itertools.pairwise(planned):
        if current.edit.start < previous.edit.end:
            clashing.update((previous.group, current.group))
    return clashing


def _verified(post: Post, planned: Sequence[_Planned]) -> list[_Planned]:
    """The planned edits that survive re-extraction, whole URL groups at a time.

    All groups together first; when that fails, each group alone, then the survivors together
    (and nothing when they still fail together).
    """
    if _reparses(post, planned):
        return list(planned)
    groups: dict[str, list[_Planned]] = defaultdict(list)
    for item in planned:
        groups[item.group].append(item)
    survivors = [item for items in groups.values() if _reparses(post, items) for item in items]
    survivors.sort(key=lambda item: item.edit.start)
    if len(survivors) < len(planned) and survivors and _reparses(post, survivors):
        return survivors
    return []


def _reparses(post: Post, planned: Sequence[_Planned]) -> bool:
    """Whether the post with ``planned`` applied has the same links, the new URLs in place."""
    doc = post.document
    edits = [item.edit for item in planned]
    try:
        new_text = apply_edits(doc.text, edits)
    except ValueError:
        return False
    moved = _Shifter(edits)
    try:  # read again: the frontmatter's values have new places
        new_doc = document_from_text(doc.path, doc.display_path, new_text, has_bom=doc.has_bom)
    except InputError:
        return False
    if new_doc.body_offset != moved.position(doc.body_offset):
        return False
    new_links = extract_post(new_doc).links
    if len(new_links) != len(post.links):
        return False
    by_span = {(item.edit.start, item.edit.end): item for item in planned}
    for old, new in zip(post.links, new_links, strict=True):
        item = by_span.get((old.start, old.end))
        start = moved.position(old.start)
        if item is not None:
            expected = (item.url, start, start + len(item.edit.new))
        else:
            expected = (old.url, start, moved.position(old.end))
        if (new.url, new.start, new.end) != expected or (new.kind, new.ignored) != (
            old.kind,
            old.ignored,
        ):
            return False
    return True


class _Shifter:
    """Maps offsets in a text to offsets in the text with non-overlapping edits applied."""

    __slots__ = ("edits",)

    def __init__(self, edits: Iterable[Edit]) -> None:
        self.edits = sorted(edits, key=lambda edit: edit.start)

    def position(self, offset: int) -> int:
        shift = 0
        for edit in self.edits:
            if edit.end > offset:
                break
            shift += len(edit.new) - (edit.end - edit.start)
        return offset + shift


# ---------------------------------------------------------------------------
# Applying, previewing, writing
# ---------------------------------------------------------------------------


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with ``edits`` applied (right to left, so offsets stay valid).

    Identical edits count once. Raises ``ValueError`` when an edit's ``old`` is not what the
    text holds at its span, or when two different edits overlap.
    """
    ordered = sorted(set(edits), key=lambda edit: (edit.start, edit.end))
    for previous, current in itertools.pairwise(ordered):
        if current.start < previous.end:
            raise ValueError(f"overlapping edits at offsets {previous.start} and {current.start}")
    pieces: list[str] = []
    cursor = len(text)
    for edit in reversed(ordered):
        if not 0 <= edit.start <= edit.end <= len(text) or text[edit.start : edit.end] != edit.old:
            raise ValueError(f"edit at offset {edit.start} does not match the text")
        pieces.append(text[edit.end : cursor])
        pieces.append(edit.new)
        cursor = edit.start
    pieces.append(text[:cursor])
    return "".join(reversed(pieces))


def render_diff(document: Document, new_text: str) -> str:
    """Unified diff from ``document``'s text to ``new_text`` (``a/<path>`` and ``b/<path>``).

    Line endings are kept in the diff lines; a last line without a newline is followed by
    the usual ``\\ No newline at end of file`` marker. Empty when nothing changes.
    """
    lines = difflib.unified_diff(
        document.text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=DIFF_OLD_PREFIX + document.display_path,
        tofile=DIFF_NEW_PREFIX + document.display_path,
    )
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + NO_NEWLINE_MARKER)
    return "".join(out)


def write_fixed(document: Document, new_text: str, *, roots: Sequence[Path] | None = None) -> None:
    """Replace ``document``'s file with ``new_text``, atomically.

    The file is read again first and left alone when it changed since ``document`` was read,
    or when (through a symbolic link) it lies outside every directory in ``roots`` (None:
    anywhere). The new content replaces the post in one rename (BOM restored, permission bits
    kept; see :func:`linkcheck.safewrite.atomic_writer`). Raises ``InputError`` on failure;
    the temporary file never stays behind.
    """
    display = document.display_path
    target = Path(os.path.realpath(document.path))
    if roots is not None and not any(target.is_relative_to(root) for root in roots):
        raise InputError(
            display, "a symbolic link to a file outside the checked folder; not rewritten"
        )
    _check_unchanged(document, target)
    data = (UTF8_BOM if document.has_bom else "").encode() + new_text.encode("utf-8")
    try:
        write_atomic(target, data, mode=stat.S_IMODE(target.stat().st_mode))
    except OSError as exc:
        raise InputError(display, f"cannot write: {exc.strerror or exc}") from None


def _check_unchanged(document: Document, target: Path) -> None:
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise InputError(document.display_path, f"cannot read: {exc.strerror or exc}") from None
    bom = UTF8_BOM.encode()
    expected = (bom if document.has_bom else b"") + document.text.encode("utf-8")
    if data != expected:
        raise InputError(document.display_path, "changed on disk since it was read; not rewritten")


def fix_posts(
    posts: Sequence[Post],
    results: Mapping[str, CheckResult],
    *,
    write: bool,
    roots: Sequence[Path] | None = None,
) -> FixOutcome:
    """Plan the edits for ``posts``, diff each changed post and, with ``write``, rewrite it.

    Without ``write`` nothing is written (a preview). A post that cannot be rewritten (it
    changed on disk since it was read, or the write failed) is reported in ``problems`` and
    left as it was; the others are still rewritten.
    """
    planned = plan_fixes(posts, results)
    by_path: dict[str, list[Edit]] = defaultdict(list)
    for edit in planned:
        by_path[edit.path].append(edit)
    kept: list[Edit] = []
    diffs: list[str] = []
    changed: list[str] = []
    problems: list[InputProblem] = []
    for post in posts:
        edits = by_path.pop(post.path, None)
        if not edits:
            continue
        new_text = apply_edits(post.document.text, edits)
        if write:
            try:
                write_fixed(post.document, new_text, roots=roots)
            except InputError as exc:
                problems.append(InputProblem(exc.path, exc.reason, exc.line))
                continue
        kept.extend(edits)
        diffs.append(render_diff(post.document, new_text))
        changed.append(post.path)
    return FixOutcome(tuple(kept), tuple(diffs), tuple(changed), tuple(problems))
