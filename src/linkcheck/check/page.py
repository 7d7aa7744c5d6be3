"""Read what the checker needs from a fetched page: its title, its anchors, bot walls.

Pure functions over bytes already fetched (and possibly truncated at a byte cap); no I/O.
Everything here is untrusted input: decoding never raises, titles are cleaned and capped.

HTML is read by libxml2 (through lxml) in one streaming pass that builds no tree: its time is
linear in the page's size whatever the markup (unclosed tags, comments and scripts, giant
attributes, deep nesting), and each parse runs under a CPU budget. lxml and pypdf are imported
on first use only, so a run that needs neither never loads them.

A PDF's title: :mod:`linkcheck.check.pdfinfo` reads a plain
document-information title without pypdf, and pypdf is loaded only when that reader cannot
decide (or finds no usable title, so XMP metadata has to be tried).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import logging
import re
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from linkcheck.check.needles import Needles
from linkcheck.check.pdfinfo import info_title
from linkcheck.check.quirks import (
    CHALLENGE_MARKERS,
    CHALLENGE_SERVERS,
    CHALLENGE_STATUSES,
    CHALLENGE_TITLES,
)
from linkcheck.http import media_type

if TYPE_CHECKING:
    from lxml import etree
    from pypdf import PdfReader

MAX_TITLE_CHARS: int = 300
"""Longest title kept; longer ones are cut and end with an ellipsis."""

ELLIPSIS = "…"

META_SNIFF_BYTES = 2048
"""How far into the body a ``<meta charset>`` is looked for."""

CHALLENGE_SNIFF_BYTES = 64 * 1024
"""Bytes of a body searched for bot-wall markers."""

DEFAULT_ENCODING = "utf-8"

HTML_TYPES: frozenset[str] = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPES: frozenset[str] = frozenset({"application/pdf", "application/x-pdf"})
GENERIC_BINARY_TYPES: frozenset[str] = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/download",
        "application/force-download",
        "application/x-download",
    }
)
"""Types servers use for "some file": the path or magic bytes decide."""

PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024
"""PDF readers accept the header anywhere in the first KiB."""

TOP_FRAGMENT = "top"
TEXT_DIRECTIVE = ":~:"
GITHUB_ID_PREFIX = "user-content-"

TITLE_META: tuple[tuple[str, str], ...] = (
    ("name", "citation_title"),
    ("property", "og:title"),
    ("name", "og:title"),
)
"""Meta tags that name a page better than ``<title>``, best first."""

_WINDOWS_1252_ALIASES = frozenset({"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii"})
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I
)
_PARTIAL_END_TAG = re.compile(r"</[A-Za-z]{0,5}\s*$")
_TITLE_QUICK = re.compile(rb"<title[^<>]{0,100}>([^<]{0,200})", re.I)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ANCHOR_ATTRS = ("id", "name")

_FOREIGN_TAGS = frozenset({"svg", "math"})
"""Elements whose ``<title>`` is not the page's."""

MAX_TITLE_SOURCE_CHARS = 4096
"""Characters of a ``<title>`` element kept before cleaning (the rest cannot be shown)."""

PARSE_CHUNK_CHARS = 16 * 1024
"""The most characters given to the HTML parser at a time; the CPU budget is checked
between them."""
FIRST_PARSE_CHUNK_CHARS = 2 * 1024
"""The first chunk given to the parser; each next one twice the last, up to
``PARSE_CHUNK_CHARS``. A page read for its title stops after the chunk that ends its head:
a short head costs a short parse (80 built pages of blogs: 96 µs a page instead of 246,
the same titles), a long page still goes in large chunks."""

TITLE_WINDOW_CHARS = 256 * 1024
"""Characters read for a title alone when the head never ends (or holds no title)."""

DEFAULT_PARSE_BUDGET = 2.0
"""CPU seconds one page's parse may take (linear parsing keeps a 1 MiB page far below)."""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a fetched HTML page tells the checker."""

    title: str | None
    """The cleaned title (``citation_title``, then ``og:title``, then ``<title>``)."""
    anchors: frozenset[str]
    """Every ``id`` and ``name`` attribute value, as written (entities decoded)."""
    challenge: bool
    """Whether the page looks like a bot wall rather than the content asked for."""
    complete: bool = True
    """False when the parse stopped early (its CPU budget ran out): anchors may be missing."""


# ---------------------------------------------------------------------------
# Content types
# ---------------------------------------------------------------------------


def _charset_param(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def is_html(content_type: str | None) -> bool:
    """Whether a Content-Type is HTML (``text/html`` or ``application/xhtml+xml``)."""
    return media_type(content_type) in HTML_TYPES


def is_pdf(content_type: str | None, url: str, head: bytes = b"") -> bool:
    """Whether a response is a PDF.

    ``application/pdf`` always is; a missing or generic binary type is when the URL path ends
    in ``.pdf`` or the first bytes carry the PDF header. Any other declared type is not.
    """
    media = media_type(content_type)
    if media in PDF_TYPES:
        return True
    if media is not None and media not in GENERIC_BINARY_TYPES:
        return False
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    if unquote(path).lower().endswith(".pdf"):
        return True
    return PDF_MAGIC in head[:PDF_MAGIC_WINDOW]


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when unknown or unusable."""
    if not label:
        return None
    name = label.strip().lower()
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"  # what browsers do for these labels
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not _is_text_codec(info):
        return None
    return info.name


def _is_text_codec(info: codecs.CodecInfo) -> bool:
    # codecs.lookup also knows "rot13", "zlib", "base64"... which are not charsets.
    return getattr(info, "_is_text_encoding", True) is not False


def _sniff_meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:META_SNIFF_BYTES])
    if match is None:
        return None
    codec = _codec(match.group(1).decode("ascii", "replace"))
    if codec is not None and codec.startswith("utf-16"):
        return "utf-8"  # a meta tag read as ASCII cannot be UTF-16: the page lies
    return codec


def _choose_encoding(body: bytes, content_type: str | None) -> tuple[str, int]:
    """The codec for a body and the length of its byte order mark (0 without one)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    codec = _codec(_charset_param(content_type)) or _sniff_meta_charset(body) or DEFAULT_ENCODING
    return codec, 0


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec, "replace")
    except Exception:  # a codec that fails on its own terms
        return data.decode(DEFAULT_ENCODING, "replace")


def decode_body(body: bytes, content_type: str | None) -> str:
    """Decode an HTML body: BOM, then Content-Type charset, then ``<meta>``, then UTF-8.

    Never raises: undecodable bytes become U+FFFD.
    """
    codec, skip = _choose_encoding(body, content_type)
    return _decode(body[skip:], codec)


# ---------------------------------------------------------------------------
# Titles
# ---------------------------------------------------------------------------


def clean_title(text: str | None) -> str | None:
    """A title fit to show: control and bidi characters gone, whitespace collapsed, capped.

    Returns None for a missing or blank title. No escaping: that is each report's job.
    """
    if not text:
        return None
    if text.isprintable():
        kept = text  # no control, format or separator character but the plain space
    else:
        kept = "".join(
            " " if ch.isspace() else ch
            for ch in text
            if ch.isspace()
            or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS and ch != "\ufeff")
        )
    title = " ".join(kept.split())
    if not title:
        return None
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return title


class _Attributes(Protocol):
    """A tag's attributes (a mapping of names to values)."""

    def get(self, key: str, /) -> object:
        """The value of one attribute, or None."""
        ...


def _meta_title(metas: Iterable[_Attributes]) -> str | None:
    """The best meta title: ``citation_title``, then ``og:title`` (each in document order)."""
    metas = list(metas)
    for attr, value in TITLE_META:
        for tag in metas:
            found = tag.get(attr)
            if isinstance(found, str) and found.strip().lower() == value:
                title = clean_title(_attr_text(tag.get("content")))
                if title:
                    return title
    return None


def _attr_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return None


# ---------------------------------------------------------------------------
# HTML pages
# ---------------------------------------------------------------------------


class _PageEvents:
    """Receives libxml2's parse events (no tree is built): metas, titles, anchors.

    The page's title comes from its head: ``<meta>`` tags and the first ``<title>`` before
    the head ends. A page whose head holds no title may still carry one later (a head left
    out altogether): the first ``<title>`` outside ``<svg>`` and ``<math>`` then counts.
    """

    def __init__(self, *, want_anchors: bool) -> None:
        self.reset(want_anchors=want_anchors)

    def reset(self, *, want_anchors: bool) -> None:
        """Forget the last page: ready for the next one."""
        self.want_anchors = want_anchors
        self.anchors: set[str] = set()
        self.metas: list[dict[str, str]] = []
        self.head_title: str | None = None
        self.late_title: str | None = None
        self.head_done = False
        self._foreign = 0
        self._title_parts: list[str] | None = None
        self._title_chars = 0

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if self.want_anchors:
            for attr in _ANCHOR_ATTRS:
                value = attrib.get(attr)
                if value:
                    self.anchors.add(value)
        if tag in _FOREIGN_TAGS:
            self._foreign += 1
        elif tag == "body":
            self.head_done = True
        elif tag == "meta" and not self.head_done:
            self.metas.append(dict(attrib))
        elif tag == "title" and self._wants_title():
            self._title_parts = []
            self._title_chars = 0

    def _wants_title(self) -> bool:
        """Whether a ``<title>`` starting now may be the page's."""
        if self._foreign or self._title_parts is not None or self.head_title is not None:
            return False
        return not self.head_done or self.late_title is None

    def end(self, tag: str) -> None:
        if tag in _FOREIGN_TAGS:
            self._foreign = max(0, self._foreign - 1)
        elif tag == "head":
            self.head_done = True
        elif tag == "title" and self._title_parts is not None:
            self._keep_title()

    def data(self, text: str) -> None:
        if self._title_parts is not None and self._title_chars < MAX_TITLE_SOURCE_CHARS:
            self._title_parts.append(text)
            self._title_chars += len(text)

    def _keep_title(self) -> None:
        parts, self._title_parts = self._title_parts, None
        if parts is None:
            return
        text = "".join(parts)[:MAX_TITLE_SOURCE_CHARS]
        if self.head_done:
            self.late_title = self.late_title or text
        else:
            self.head_title = text

    def close(self) -> None:
        if self._title_parts is not None:
            self._keep_title()  # a page cut inside its <title>

    def title(self) -> str | None:
        """Meta titles first, then the head's ``<title>``, then a later one."""
        found = _meta_title(self.metas)
        if found:
            return found
        text = self.head_title if self.head_title is not None else self.late_title
        # A body cut inside "</title>" leaves the partial end tag in the text.
        return clean_title(_PARTIAL_END_TAG.sub("", text)) if text is not None else None

    def title_settled(self) -> bool:
        """Whether reading on can no longer change the title."""
        return self.head_done and (self.head_title is not None or self.late_title is not None)


@dataclass(frozen=True, slots=True)
class _Parsed:
    title: str | None
    anchors: frozenset[str]
    complete: bool


class _ThreadParser(threading.local):
    """This thread's HTML parser and the events it reports to, kept from page to page:
    making a parser with a target costs several times more than parsing a small page.
    A parser is closed after every page (ready for the next document); one that raised
    is dropped and replaced."""

    parser: etree.HTMLParser | None = None
    events: _PageEvents | None = None


_local = _ThreadParser()


def _thread_parser() -> tuple[etree.HTMLParser, _PageEvents]:
    """This thread's parser and its events (made on first use)."""
    parser, events = _local.parser, _local.events
    if parser is None or events is None:
        from lxml import etree

        events = _PageEvents(want_anchors=False)
        parser = etree.HTMLParser(
            target=events, recover=True, no_network=True, remove_comments=True, remove_pis=True
        )
        _local.parser, _local.events = parser, events
    return parser, events


def _parse(
    text: str, *, want_anchors: bool, budget: float | None = DEFAULT_PARSE_BUDGET
) -> _Parsed:
    """One pass of libxml2's HTML parser over ``text``, fed in chunks.

    libxml2 reads HTML in time linear in its size, recovers from any markup, and keeps its
    own limits on nesting and name lengths; no tree is built. Between chunks the thread's
    CPU time is compared with ``budget`` (seconds): past it, the parse stops and what was
    found so far is kept (``complete`` is then False). In head-only mode (no anchors) the
    parse stops as soon as the title is settled, or after ``TITLE_WINDOW_CHARS``.
    """
    parser, events = _thread_parser()
    events.reset(want_anchors=want_anchors)
    started = time.thread_time()
    complete = True
    text = text.replace("\x00", "\ufffd") if "\x00" in text else text
    offset, size = 0, FIRST_PARSE_CHUNK_CHARS
    while offset < len(text):
        if not want_anchors and (events.title_settled() or offset >= TITLE_WINDOW_CHARS):
            break
        if budget is not None and time.thread_time() - started > budget:
            complete = False
            break
        try:
            parser.feed(text[offset : offset + size])
        except Exception:  # libxml2 gives up on this input: keep what was read
            complete = False
            _local.parser = None  # and the next page gets a parser in a known state
            break
        offset += size
        size = min(2 * size, PARSE_CHUNK_CHARS)
    try:
        parser.close()
    except Exception:
        _local.parser = None
    events.close()
    return _Parsed(events.title(), frozenset(events.anchors), complete)


def collect_anchors(text: str) -> frozenset[str]:
    """Every ``id`` and ``name`` attribute value in an HTML text (possibly truncated)."""
    return _parse(text, want_anchors=True).anchors


def parse_html(
    body: bytes,
    *,
    content_type: str | None,
    want_anchors: bool = True,
    budget: float | None = DEFAULT_PARSE_BUDGET,
) -> PageInfo:
    """Title, anchors and bot-wall flag of an HTML body (which may be truncated).

    Linear in the size of ``body``, and at most about ``budget`` seconds of CPU (None: no
    limit); a parse stopped by the budget has ``complete`` False. With
    ``want_anchors=False`` only the head is read and ``anchors`` is empty: much faster on
    large pages.
    """
    codec, skip = _choose_encoding(body, content_type)
    end = None if want_anchors else skip + TITLE_WINDOW_CHARS  # no more chars than bytes
    parsed = _parse(_decode(body[skip:end], codec), want_anchors=want_anchors, budget=budget)
    return PageInfo(
        title=parsed.title,
        anchors=parsed.anchors,
        challenge=_is_challenge_title(parsed.title) or _has_challenge_marker(body),
        complete=parsed.complete,
    )


def _is_challenge_title(title: str | None) -> bool:
    return title is not None and title.casefold() in CHALLENGE_TITLES


_CHALLENGE_NEEDLES = Needles(CHALLENGE_MARKERS)


def _has_challenge_marker(body: bytes) -> bool:
    return _CHALLENGE_NEEDLES.in_bytes(body[:CHALLENGE_SNIFF_BYTES].lower())


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def looks_like_challenge(status: int, headers: Mapping[str, str], body_head: bytes) -> bool:
    """Whether a response is a bot wall (Cloudflare, DataDome, PerimeterX...), not content.

    Cloudflare's ``cf-mitigated: challenge`` settles it. Otherwise a marker that only walls
    carry does, and a wall's title does when the status or the ``Server`` header fits.
    """
    if _header(headers, "cf-mitigated").strip().lower() == "challenge":
        return True
    if _has_challenge_marker(body_head):
        return True
    match = _TITLE_QUICK.search(body_head[:CHALLENGE_SNIFF_BYTES])
    if match is None:
        return False
    title = clean_title(decode_body(match.group(1), None))
    if not _is_challenge_title(title):
        return False
    server = _header(headers, "server").lower()
    return status in CHALLENGE_STATUSES or any(name in server for name in CHALLENGE_SERVERS)


# ---------------------------------------------------------------------------
# Fragments
# ---------------------------------------------------------------------------


def fragment_present(fragment: str, anchors: frozenset[str]) -> bool:
    """Whether a URL fragment names a place in a page with these anchors.

    The empty fragment and ``top`` always do; text fragments (``:~:text=``) are not checked.
    Comparison is exact (HTML ids are case-sensitive), on the fragment as written and
    percent-decoded; GitHub's ``user-content-`` id prefix is understood both ways.
    """
    directive = fragment.find(TEXT_DIRECTIVE)
    if directive == 0:
        return True
    if directive > 0:
        fragment = fragment[:directive]
    if not fragment or fragment.lower() == TOP_FRAGMENT:
        return True
    for candidate in {fragment, unquote(fragment, errors="replace")}:
        if candidate in anchors or GITHUB_ID_PREFIX + candidate in anchors:
            return True
        if candidate.startswith(GITHUB_ID_PREFIX) and (
            candidate[len(GITHUB_ID_PREFIX) :] in anchors
        ):
            return True
    return False


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

_PDF_LOGGER = logging.getLogger("pypdf")
_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET
_SILENT = logging.CRITICAL + 1


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings about broken files while reading one (thread-safe)."""
    global _quiet_depth, _saved_level
    with _quiet_lock:
        if _quiet_depth == 0:
            # pypdf logs through child loggers ("pypdf._reader"...), which inherit this level.
            _saved_level = _PDF_LOGGER.level
            _PDF_LOGGER.setLevel(_SILENT)
        _quiet_depth += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                _PDF_LOGGER.setLevel(_saved_level)


def pdf_title(body: bytes) -> str | None:
    """The title in a PDF's metadata (document info, then XMP ``dc:title``), cleaned.

    ``body`` may be truncated; anything unreadable gives None. A plain document-info title
    is read without pypdf; pypdf reads everything else, XMP included.
    """
    if not body:
        return None
    fast = info_title(body)
    if isinstance(fast, str):
        title = clean_title(fast)
        if title:
            return title
        # A blank info title: pypdf reads the XMP title, as after ``_info_title`` below.
    from pypdf import PdfReader

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(body), strict=False)
        except Exception:
            return None
        return _info_title(reader) or _xmp_title(reader)


def _info_title(reader: PdfReader) -> str | None:
    try:
        info = reader.metadata
        raw = info.title if info is not None else None
    except Exception:
        return None
    return clean_title(str(raw)) if raw else None


def _xmp_title(reader: PdfReader) -> str | None:
    try:
        xmp = reader.xmp_metadata
        titles = xmp.dc_title if xmp is not None else None
    except Exception:
        return None
    if not titles:
        return None
    preferred = titles.get("x-default") or next(iter(titles.values()), None)
    return clean_title(str(preferred)) if preferred else None
