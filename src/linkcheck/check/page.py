"""Read what the checker needs from a fetched page: its title, its anchors, bot walls.

Pure functions over bytes already fetched (and possibly truncated at a byte cap); no I/O.
Everything here is untrusted input: decoding never raises, titles are cleaned and capped.

Titles are read in two steps. A bounded scan of the head (``<meta>`` and ``<title>`` tags
only, with quoted attributes respected) settles well-formed heads, which is nearly all of
them, without building a tree. When that scan finds no title, or meets markup it cannot read
with certainty (a tag cut off, markup inside ``<title>``, a self-closed ``<title/>``),
BeautifulSoup parses the head instead: it is the authority on messy documents. BeautifulSoup
and pypdf are imported on first use only, so a run that needs neither never loads them.

A PDF's title is read the same way: :mod:`linkcheck.check.pdfinfo` reads a plain
document-information title without pypdf, and pypdf is loaded only when that reader cannot
decide (or finds no usable title, so XMP metadata has to be tried).
"""

from __future__ import annotations

import codecs
import contextlib
import html
import io
import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from linkcheck.check.pdfinfo import info_title
from linkcheck.check.quirks import (
    CHALLENGE_ANCHORS,
    CHALLENGE_MARKERS,
    CHALLENGE_SERVERS,
    CHALLENGE_STATUSES,
    CHALLENGE_TITLES,
)
from linkcheck.http import media_type

if TYPE_CHECKING:
    from bs4 import BeautifulSoup
    from pypdf import PdfReader

MAX_TITLE_CHARS: int = 300
"""Longest title kept; longer ones are cut and end with an ellipsis."""

ELLIPSIS = "…"

META_SNIFF_BYTES = 2048
"""How far into the body a ``<meta charset>`` is looked for."""

HEAD_ONLY_BYTES = 64 * 1024
"""Bytes of head markup (scripts and styles removed) parsed for the title at most."""

HEAD_SCAN_BYTES = 512 * 1024
"""Bytes of a body searched for the end of the head, inline scripts and styles included."""

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
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.I)
_NOT_MARKUP = re.compile(
    rb"<!--.*?(?:-->|\Z)|<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S
)
_PARTIAL_END_TAG = re.compile(r"</[A-Za-z]{0,5}\s*$")
_TITLE_QUICK = re.compile(rb"<title[^>]*>([^<]{0,200})", re.I)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ANCHOR_ATTRS = ("id", "name")
_TITLE_TAGS = ("title", "meta")

FAST_TAG_MAX_PARTS = 256
"""Attribute characters or quoted values in one tag that the fast scan reads at most."""
_FAST_TAG_START = re.compile(r"<(?:meta|title)(?=[\s/>]|\Z)", re.I)
_FAST_TAG = re.compile(
    r"""<(meta|title)((?:[^>"']|"[^"]*"|'[^']*'){0,""" + str(FAST_TAG_MAX_PARTS) + "})>", re.I
)
_FAST_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_FAST_TITLE_END = re.compile(r"</title\s*>", re.I)
_FAST_STRAY_LT = re.compile(r"<(?![^<>]*>)")
"""A ``<`` that no ``>`` closes before the next ``<``: markup a parser may read otherwise."""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a fetched HTML page tells the checker."""

    title: str | None
    """The cleaned title (``citation_title``, then ``og:title``, then ``<title>``)."""
    anchors: frozenset[str]
    """Every ``id`` and ``name`` attribute value, as written (entities decoded)."""
    challenge: bool
    """Whether the page looks like a bot wall rather than the content asked for."""


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
    """A tag's attributes: a plain dict (fast scan) or a BeautifulSoup tag."""

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


def _tag_attributes(markup: str) -> dict[str, str]:
    """Attributes of one start tag's inside, as the HTML parser reads them.

    Names are lower-cased, quotes removed, entities decoded; a repeated attribute keeps
    its last value and an attribute without a value is empty.
    """
    attributes: dict[str, str] = {}
    for match in _FAST_ATTR.finditer(markup):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes[match.group(1).lower()] = html.unescape(value) if "&" in value else value
    return attributes


class _Unsure(Exception):
    """The fast scan met markup it cannot read with certainty."""


def _scan_head(head: str) -> tuple[list[dict[str, str]], str | None]:
    """The ``<meta>`` attributes and the first ``<title>``'s text of a well-formed head.

    Raises _Unsure on anything a full parser may read differently.
    """
    metas: list[dict[str, str]] = []
    title: str | None = None
    position = 0
    for start in _FAST_TAG_START.finditer(head):
        if start.start() < position:
            continue  # inside a tag or a title already read
        if _FAST_STRAY_LT.search(head, position, start.start()):
            raise _Unsure  # an unclosed construct before the tag may swallow it
        tag = _FAST_TAG.match(head, start.start())
        if tag is None:
            raise _Unsure  # cut off, or longer than the scan reads
        position = tag.end()
        inside = tag.group(2)
        if tag.group(1).lower() == "meta":
            metas.append(_tag_attributes(inside))
            continue
        if title is not None:
            continue
        if inside.rstrip().endswith("/"):
            raise _Unsure  # <title/>: parsers disagree on what follows
        end = _FAST_TITLE_END.search(head, position)
        stop = end.start() if end else len(head)
        text = head[position:stop]
        if "<" in text:
            raise _Unsure  # markup (or a cut end tag) inside the title
        title = html.unescape(text) if "&" in text else text
        position = end.end() if end else len(head)
    return metas, title


def fast_title(head: str) -> str | None:
    """The title of a well-formed head without building a tree; None when not settled here.

    None means "ask the full parser": either no title was found or the markup was not
    read with certainty.
    """
    try:
        metas, text = _scan_head(head)
    except _Unsure:
        return None
    return _meta_title(metas) or clean_title(text)


def _soup_title(head: str) -> str | None:
    """The title as BeautifulSoup reads the head (the fallback for messy markup)."""
    from bs4 import BeautifulSoup
    from bs4.filter import SoupStrainer

    soup = BeautifulSoup(head, "html.parser", parse_only=SoupStrainer(_TITLE_TAGS))
    return _find_title(soup)


def _find_title(soup: BeautifulSoup) -> str | None:
    from bs4.element import Tag

    title = _meta_title(tag for tag in soup.find_all("meta") if isinstance(tag, Tag))
    if title:
        return title
    tag = soup.find("title")
    if isinstance(tag, Tag):
        # A body cut inside "</title>" leaves the partial end tag in the text.
        return clean_title(_PARTIAL_END_TAG.sub("", tag.get_text()))
    return None


# ---------------------------------------------------------------------------
# HTML pages
# ---------------------------------------------------------------------------


def _head_only(body: bytes) -> bytes:
    """The part of a body that can hold the title: the head, without scripts and comments.

    Inline scripts and styles can make a head hundreds of KiB long; they are dropped before
    looking for its end, so that a title or meta tag after them is still found.
    """
    window = _NOT_MARKUP.sub(b" ", body[:HEAD_SCAN_BYTES])
    match = _HEAD_END.search(window, 0, HEAD_ONLY_BYTES)
    return window[: match.start()] if match else window[:HEAD_ONLY_BYTES]


class _AnchorCollector(HTMLParser):
    """Collects ``id`` and ``name`` attribute values without building a tree.

    A streaming pass of the stdlib parser is several times faster than building a soup,
    and anchors are all the checker needs from the body of a large page.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for attr, value in attrs:
            if value and attr in _ANCHOR_ATTRS:
                self.anchors.add(value)


def collect_anchors(text: str) -> frozenset[str]:
    """Every ``id`` and ``name`` attribute value in an HTML text (possibly truncated)."""
    collector = _AnchorCollector()
    # The stdlib parser is lenient, but odd markup in a truncated page must not lose the
    # anchors found so far.
    with contextlib.suppress(Exception):
        collector.feed(text)
        collector.close()
    return frozenset(collector.anchors)


def parse_html(body: bytes, *, content_type: str | None, want_anchors: bool = True) -> PageInfo:
    """Title, anchors and bot-wall flag of an HTML body (which may be truncated).

    The title comes from the head alone (scripts, styles and comments skipped; at most
    ``HEAD_ONLY_BYTES`` of markup when there is no ``</head>``). With ``want_anchors=False``
    the rest of the body is not parsed at all and ``anchors`` is empty: much faster on
    large pages.
    """
    codec, skip = _choose_encoding(body, content_type)
    body = body[skip:]
    head = _decode(_head_only(body), codec)
    title = fast_title(head) or _soup_title(head)
    anchors: frozenset[str] = frozenset()
    if want_anchors:
        anchors = collect_anchors(_decode(body, codec))
    return PageInfo(
        title=title,
        anchors=anchors,
        challenge=_is_challenge_title(title) or _has_challenge_marker(body),
    )


def _is_challenge_title(title: str | None) -> bool:
    return title is not None and title.casefold() in CHALLENGE_TITLES


def _has_challenge_marker(body: bytes) -> bool:
    window = body[:CHALLENGE_SNIFF_BYTES].lower()
    if not any(anchor in window for anchor in CHALLENGE_ANCHORS):
        return False
    return any(marker in window for marker in CHALLENGE_MARKERS)


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
