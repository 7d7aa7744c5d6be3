"""Read a PDF's document-information title without a PDF library, when that is certain.

Most PDFs keep their title as a plain string in an uncompressed document-information
dictionary named by the trailer. Reading it takes a look at the end of the file, a search for
one object and a small tokenizer, where a full PDF library costs megabytes of memory and a
tenth of a second to import. Anything this reader cannot settle with certainty (encryption,
compressed or indirect values, text encodings it does not decode, malformed syntax, a missing
``/Title``) gives :data:`UNDECIDED`, and the caller asks the full library instead.

The newest trailer is the one ``startxref`` points at; when that offset is off, the last
trailer or cross-reference stream dictionary near the end of the file stands in for it. The
information object is the last plain definition of its number in the file, which is the newest
one after incremental updates.

Strings are read as pypdf reads them. Where pypdf departs from the PDF specification (it keeps
a backslash before a character that has no escape meaning, does not take an octal escape above
``\\377`` as one, and swallows a line end that follows an escaped one), the string is left
UNDECIDED. Raw line ends inside a literal string follow the specification (each reads as one
``\\n``); pypdf keeps their bytes, which differs only in whitespace for one-byte text (and a
cleaned title folds whitespace), while UTF-16 text with a raw line end is left UNDECIDED.

Everything here is untrusted input: the work is bounded by the body, nesting is capped and no
exception escapes.
"""

from __future__ import annotations

import codecs
import enum
import re
from dataclasses import dataclass
from typing import Final

__all__ = ["UNDECIDED", "Undecided", "info_title"]


class Undecided(enum.Enum):
    """The answer of a reader that cannot tell: a full PDF reader has to decide."""

    UNDECIDED = "undecided"


UNDECIDED: Final = Undecided.UNDECIDED
"""Returned by :func:`info_title` when the title cannot be read with certainty."""

TAIL_BYTES: Final = 64 * 1024
"""Bytes at the end of the body searched for ``startxref`` and the newest trailer."""

HEADER_WINDOW: Final = 1024
"""PDF readers accept the ``%PDF-`` header anywhere in the first KiB."""

MAX_DEPTH: Final = 64
"""Deepest nesting of dictionaries and arrays read."""

_WS = b"\x00\t\n\x0c\r "
_DELIMITERS = b"()<>[]{}/%"
_SEPARATORS: Final = frozenset(_WS + _DELIMITERS)
"""Bytes that end a number, keyword or name."""

_SPACE = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
"""White space and comments between tokens."""
_REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
"""A run of regular characters: a number, a keyword or the body of a name."""
_UNSIGNED = re.compile(rb"[0-9]+")
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]*")
_LITERAL_RUN = re.compile(rb"[^()\\\r]*")
"""Bytes of a literal string that stand for themselves."""
_ONE_BYTE_TEXT = re.compile(rb"[\t\n\r\x20-\x7e]*")
"""Text without a byte-order mark read with certainty: ASCII, where PDFDocEncoding agrees."""

_STARTXREF = re.compile(rb"startxref[\x00\t\n\x0c\r ]+([0-9]{1,20})")
_OBJ_HEADER = re.compile(rb"([0-9]{1,20})[\x00\t\n\x0c\r ]+([0-9]{1,10})[\x00\t\n\x0c\r ]+obj")

_ESCAPES: Final[dict[int, int]] = {
    **{ord(k): ord(v) for k, v in zip("nrtbf", "\n\r\t\b\f", strict=True)},
    **{c: c for c in b"()\\/ %<>[]#_&$"},
}
"""Escapes after a backslash that pypdf and the specification read alike."""

_CR = 0x0D
_LF = 0x0A


class _Unreadable(Exception):
    """The bytes are not something this reader settles with certainty."""


@dataclass(frozen=True, slots=True)
class _Ref:
    number: int
    generation: int


@dataclass(frozen=True, slots=True)
class _Name:
    value: bytes


@dataclass(frozen=True, slots=True)
class _String:
    data: bytes
    exact: bool
    """False when pypdf would read different bytes (an escape it treats its own way)."""
    raw_line_end: bool
    """True when a line end was read as the specification says and pypdf keeps it raw."""


_Value = _Ref | _Name | _String | None
"""A value as far as it matters here; None stands for any other object."""


def info_title(body: bytes) -> str | Undecided:
    """The ``/Title`` text of a PDF's document information dictionary, or UNDECIDED.

    A returned string is the decoded title as stored, possibly empty, not cleaned.
    :data:`UNDECIDED` means the title could not be read with certainty (see the module
    docstring); a full PDF reader has to decide, and may find a title in XMP metadata.
    """
    try:
        return _info_title(body)
    except Exception:
        return UNDECIDED


def _info_title(body: bytes) -> str | Undecided:
    if body.find(b"%PDF-", 0, HEADER_WINDOW) < 0:
        return UNDECIDED
    tail_start = max(0, len(body) - TAIL_BYTES)
    if body.find(b"/Encrypt", tail_start) >= 0:
        return UNDECIDED
    trailer = _newest_trailer(body, tail_start)
    if trailer is None or b"Encrypt" in trailer:
        return UNDECIDED
    info = trailer.get(b"Info")
    if not isinstance(info, _Ref):
        return UNDECIDED
    if b"Prev" in trailer and b"/ObjStm" in body:
        # An update may have moved the information object into an object stream, where a
        # search for its plain definition finds an older one.
        return UNDECIDED
    entries = _object_dictionary(body, info)
    if entries is None:
        return UNDECIDED
    title = entries.get(b"Title")
    if not isinstance(title, _String) or not title.exact:
        return UNDECIDED
    text = _decode_text(title)
    return UNDECIDED if text is None else text


# ---------------------------------------------------------------------------
# Finding the trailer and the information object
# ---------------------------------------------------------------------------


def _newest_trailer(body: bytes, tail_start: int) -> dict[bytes, _Value] | None:
    """The newest trailer (or cross-reference stream) dictionary, or None if not found."""
    last = _last_token(_STARTXREF, body, tail_start)
    if last is not None:
        found = _section_trailer(body, int(last.group(1)))
        if found is not None:
            return found
    return _last_trailer(body, tail_start)


def _section_trailer(body: bytes, offset: int) -> dict[bytes, _Value] | None:
    """The trailer of the cross-reference section at ``offset``, if one starts there."""
    if offset >= len(body):
        return None
    if body.startswith(b"xref", offset):
        at = body.find(b"trailer", offset)
        return None if at < 0 else _dictionary_at(body, at + len(b"trailer"))
    header = _OBJ_HEADER.match(body, offset)
    return None if header is None else _xref_stream_dictionary(body, header.end())


def _last_trailer(body: bytes, tail_start: int) -> dict[bytes, _Value] | None:
    """The last ``trailer`` dictionary or cross-reference stream in the tail of the body."""
    trailer_at = body.rfind(b"trailer", tail_start)
    header = _last_token(_OBJ_HEADER, body, tail_start)
    if header is not None and header.start() > trailer_at:
        return _xref_stream_dictionary(body, header.end())
    if trailer_at < 0:
        return None
    return _dictionary_at(body, trailer_at + len(b"trailer"))


def _xref_stream_dictionary(body: bytes, pos: int) -> dict[bytes, _Value] | None:
    entries = _dictionary_at(body, pos)
    return entries if entries.get(b"Type") == _Name(b"XRef") else None


def _object_dictionary(body: bytes, ref: _Ref) -> dict[bytes, _Value] | None:
    """The dictionary of the last plain definition of object ``ref``, or None."""
    if ref.number <= 0:
        return None
    pattern = re.compile(
        rb"%d[\x00\t\n\x0c\r ]+%d[\x00\t\n\x0c\r ]+obj" % (ref.number, ref.generation)
    )
    last = _last_token(pattern, body, 0)
    if last is None:
        return None
    reader = _Reader(body, last.end())
    entries = reader.dictionary()
    if reader.keyword() != b"endobj":
        return None  # a stream, or something this reader does not expect
    return entries


def _last_token(pattern: re.Pattern[bytes], body: bytes, start: int) -> re.Match[bytes] | None:
    """The last match of ``pattern`` from ``start`` on that is not part of a longer token.

    ``12 0 obj`` holds a match for ``2 0 obj``; the byte before it tells them apart.
    """
    last = None
    for match in pattern.finditer(body, start):
        before, after = match.start() - 1, match.end()
        if (before < 0 or body[before] in _SEPARATORS) and (
            after == len(body) or body[after] in _SEPARATORS
        ):
            last = match
    return last


def _dictionary_at(body: bytes, pos: int) -> dict[bytes, _Value]:
    return _Reader(body, pos).dictionary()


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def _decode_text(string: _String) -> str | None:
    """A text string's value, when its encoding is certain; None otherwise."""
    data = string.data
    try:
        if data.startswith(codecs.BOM_UTF16_BE):
            # In UTF-16 a raw line end is half a character: pypdf keeps its bytes.
            return None if string.raw_line_end else data[2:].decode("utf-16-be")
        if data.startswith(codecs.BOM_UTF8):
            return data[3:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Any other byte would be PDFDocEncoding, which differs from Latin-1.
    return data.decode("ascii") if _ONE_BYTE_TEXT.fullmatch(data) else None


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------


class _Reader:
    """Reads PDF objects from ``data`` starting at ``pos``; raises _Unreadable on doubt."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def skip_space(self) -> None:
        match = _SPACE.match(self.data, self.pos)
        if match is not None:
            self.pos = match.end()

    def keyword(self) -> bytes:
        """The next run of regular characters (empty at a delimiter or the end)."""
        self.skip_space()
        match = _REGULAR.match(self.data, self.pos)
        if match is None:  # pragma: no cover - the pattern matches the empty run
            raise _Unreadable
        self.pos = match.end()
        return match.group()

    def dictionary(self, depth: int = 1) -> dict[bytes, _Value]:
        """A dictionary starting at the next token: its top-level entries."""
        self.skip_space()
        if not self.data.startswith(b"<<", self.pos):
            raise _Unreadable
        self.pos += 2
        return self._dictionary_body(depth)

    def _dictionary_body(self, depth: int) -> dict[bytes, _Value]:
        if depth > MAX_DEPTH:
            raise _Unreadable
        data = self.data
        entries: dict[bytes, _Value] = {}
        while True:
            self.skip_space()
            if data.startswith(b">>", self.pos):
                self.pos += 2
                return entries
            if data[self.pos : self.pos + 1] != b"/":
                raise _Unreadable  # also the end of the data
            key = self._name().value
            value = self._value(depth)
            if key in entries:
                raise _Unreadable  # readers disagree on which definition counts
            entries[key] = value

    def _array(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Unreadable
        while True:
            self.skip_space()
            if self.data[self.pos : self.pos + 1] == b"]":
                self.pos += 1
                return
            self._value(depth)

    def _value(self, depth: int) -> _Value:
        self.skip_space()
        data = self.data
        lead = data[self.pos : self.pos + 1]
        if lead == b"<":
            if data.startswith(b"<<", self.pos):
                self.pos += 2
                self._dictionary_body(depth + 1)
                return None
            return self._hex_string()
        if lead == b"[":
            self.pos += 1
            self._array(depth + 1)
            return None
        if lead == b"(":
            return self._literal_string()
        if lead == b"/":
            return self._name()
        token = self.keyword()
        if token in (b"true", b"false", b"null"):
            return None
        if _UNSIGNED.fullmatch(token):
            after = self.pos
            generation = self.keyword()
            if _UNSIGNED.fullmatch(generation) and self.keyword() == b"R":
                return _Ref(int(token), int(generation))
            self.pos = after
            return None
        if _NUMBER.fullmatch(token):
            return None
        raise _Unreadable  # a keyword, a stray delimiter or the end of the data

    def _name(self) -> _Name:
        match = _REGULAR.match(self.data, self.pos + 1)  # after the solidus
        if match is None:  # pragma: no cover - the pattern matches the empty run
            raise _Unreadable
        self.pos = match.end()
        raw = match.group()
        if b"#" in raw:
            raw = _NAME_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), raw)
        return _Name(raw)

    def _hex_string(self) -> _String:
        start = self.pos + 1
        end = self.data.find(b">", start)
        if end < 0:
            raise _Unreadable
        digits = self.data[start:end].translate(None, _WS)
        if not _HEX_DIGITS.fullmatch(digits):
            raise _Unreadable
        if len(digits) % 2:
            digits += b"0"
        self.pos = end + 1
        return _String(bytes.fromhex(digits.decode("ascii")), exact=True, raw_line_end=False)

    def _literal_string(self) -> _String:
        data = self.data
        size = len(data)
        pos = self.pos + 1
        out = bytearray()
        depth = 1
        exact = True
        raw_line_end = False
        while True:
            run = _LITERAL_RUN.match(data, pos)
            if run is None:  # pragma: no cover - the pattern matches the empty run
                raise _Unreadable
            out += run.group()
            pos = run.end()
            if pos >= size:
                raise _Unreadable  # cut off
            byte = data[pos]
            pos += 1
            if byte == 0x28:  # (
                depth += 1
                out.append(byte)
            elif byte == 0x29:  # )
                depth -= 1
                if depth == 0:
                    break
                out.append(byte)
            elif byte == _CR:  # an unescaped line end reads as one line feed
                raw_line_end = True
                out.append(_LF)
                if pos < size and data[pos] == _LF:
                    pos += 1
            else:  # a backslash
                if pos >= size:
                    raise _Unreadable
                byte = data[pos]
                pos += 1
                if byte in _ESCAPES:
                    out.append(_ESCAPES[byte])
                elif 0x30 <= byte <= 0x37:
                    value = byte - 0x30
                    for _ in range(2):
                        if pos < size and 0x30 <= data[pos] <= 0x37:
                            value = value * 8 + data[pos] - 0x30
                            pos += 1
                        else:
                            break
                    if value > 0xFF:
                        exact = False  # pypdf reads a backslash and digits instead
                    out.append(value & 0xFF)
                elif byte in (_CR, _LF):  # an escaped line end: nothing
                    if byte == _CR and pos < size and data[pos] == _LF:
                        pos += 1
                    elif pos < size and data[pos] in (_CR, _LF):
                        exact = False  # pypdf swallows the next line end as well
                else:
                    exact = False  # pypdf keeps the backslash; the specification drops it
                    out.append(byte)
        self.pos = pos
        return _String(bytes(out), exact=exact, raw_line_end=raw_line_end)
