"""HTTP helpers shared by every client of the project: the checker, the GitHub sync and the
archive look-up.

One home each for:

* ``parse_retry_after``: a ``Retry-After`` value (seconds or an HTTP date) as seconds;
* ``backoff_delay``: exponential backoff, with equal jitter when given a random source;
* ``media_type``: the media type of a ``Content-Type`` value;
* ``RetryPolicy``: how often and how long to retry (bounded), and which statuses are worth it;
* ``BodyReader`` / ``read_capped`` / ``read_capped_sync``: bodies read up to a byte cap, decoded
  (gzip/deflate) with a bounded output size so that a compression bomb stops at the cap.

No I/O of its own: the callers own their clients.
"""

from __future__ import annotations

import contextlib
import math
import random
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
"""Statuses worth another attempt (after Retry-After or a backoff delay)."""

MAX_RETRY_AFTER_CHARS = 100
"""Longer Retry-After values are garbage (an HTTP-date is 29 characters)."""

MAX_BACKOFF_DOUBLINGS = 62
"""Exponent cap so that a huge attempt number cannot overflow a float."""

RAW_SLACK_BYTES = 64 * 1024
"""Compressed bytes read beyond the decoded cap before a body is given up."""


class NameResolutionError(httpx.ConnectError):
    """A ``ConnectError`` while looking up the host name (the cause, when there is one, is
    the resolver's own error: ``socket.gaierror`` or a message)."""


class ResponseHeadTimeout(httpx.ReadTimeout):
    """The server kept the connection busy without completing a response head (the status
    line and headers of a final response) in time: informational responses without end,
    headers a byte at a time. Bytes kept arriving, so no read timed out."""


HEAD_TIMEOUTS = 2
"""A response head must be complete within this many timeouts of sending its request: one
for the connection (name lookup, TCP, TLS), one for the head itself."""


MAX_CONTENT_TYPE_CHARS = 100
"""A media type is cut here (real ones are a few dozen characters)."""


def media_type(value: str | None) -> str | None:
    """``text/html; charset=utf-8`` -> ``text/html`` (lower case, clipped); None when empty."""
    if not value:
        return None
    kind = value.split(";", 1)[0].strip().lower()[:MAX_CONTENT_TYPE_CHARS]
    return kind or None


# ---------------------------------------------------------------------------
# Retry timing
# ---------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header, relative to ``now`` (Unix time).

    Accepts delta-seconds ("120") and an HTTP-date; a date in the past means 0.
    Missing, negative, non-finite or unparsable values give ``None``.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_RETRY_AFTER_CHARS:
        return None
    if text[0].isdigit() or text[0] in "+-.":
        try:
            seconds = float(text)
        except ValueError:
            return None
        if not math.isfinite(seconds) or seconds < 0:
            return None
        return seconds
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    try:
        delta = when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, delta)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt`` (1, 2, 3...): exponential, capped.

    The un-jittered delay is ``base * 2 ** (attempt - 1)``, capped at ``cap``. With ``rng``
    the result lies between half of it and all of it (equal jitter), so retries of many
    requests spread out but never bunch at zero; without, it is the un-jittered delay.
    Never negative, never above ``cap``.
    """
    if not (math.isfinite(base) and math.isfinite(cap)) or base <= 0 or cap <= 0:
        return 0.0
    exponent = min(max(attempt, 1) - 1, MAX_BACKOFF_DOUBLINGS)
    ceiling = min(cap, base * 2.0**exponent)
    if rng is None:
        return ceiling
    half = ceiling / 2.0
    return min(cap, max(0.0, half + rng.uniform(0.0, half)))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: how many, and how long to wait before each."""

    retries: int
    """Further attempts after the first."""
    backoff_base: float
    """Seconds before the first retry without Retry-After; doubled on each further one."""
    max_wait: float
    """The longest wait: backoff is capped here, a longer Retry-After ends the retries."""
    statuses: frozenset[int] = RETRY_STATUSES
    """Statuses worth another attempt."""

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """The backoff before retry number ``retry`` (1, 2, 3...)."""
        return backoff_delay(retry, self.backoff_base, self.max_wait, rng)

    def wait(
        self,
        headers: Mapping[str, str],
        retry: int,
        now: float,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds before retry ``retry``: the response's Retry-After, else the backoff.

        The result may exceed ``max_wait`` (a long Retry-After): the caller decides whether
        to give up then.
        """
        asked = parse_retry_after(headers.get("retry-after"), now)
        return self.backoff(retry, rng) if asked is None else asked


# ---------------------------------------------------------------------------
# Bodies read up to a cap
# ---------------------------------------------------------------------------


def declared_too_large(headers: Mapping[str, str], cap: int) -> bool:
    """Whether the response's Content-Length already says the body is over ``cap``."""
    declared = headers.get("content-length", "").strip()
    return declared.isdigit() and int(declared) > cap


class UnsupportedEncoding(Exception):
    """A Content-Encoding the checker does not decode (the body is then not read)."""


class BoundedDecoder:
    """Decodes a gzip/deflate/identity body, never producing more than asked for."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = [
            c.strip().lower()
            for c in (content_encoding or "").split(",")
            if c.strip() and c.strip().lower() != "identity"
        ]
        self._zlib: zlib._Decompress | None = None
        self._deflate = False
        self._tail = b""
        if not codings:
            return
        if len(codings) > 1:
            raise UnsupportedEncoding(content_encoding)
        if codings[0] in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif codings[0] == "deflate":
            self._zlib = zlib.decompressobj()
            self._deflate = True
        else:
            raise UnsupportedEncoding(content_encoding)

    @property
    def compressed(self) -> bool:
        return self._zlib is not None

    def decode(self, data: bytes, limit: int) -> bytes:
        """Up to ``limit`` decoded bytes from the input so far; the rest waits its turn."""
        pending = self._tail + data if self._tail else data
        if self._zlib is None:
            self._tail = pending[limit:]
            return pending[:limit]
        try:
            out = self._zlib.decompress(pending, limit)
        except zlib.error:
            if not self._deflate:
                raise
            # "deflate" is sometimes sent raw, without the zlib header.
            self._deflate = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(pending, limit)
        self._deflate = False
        self._tail = self._zlib.unconsumed_tail
        return out

    @property
    def has_tail(self) -> bool:
        """Whether input is waiting that was not decoded for lack of room."""
        return bool(self._tail)


@dataclass(frozen=True, slots=True)
class Body:
    """The part of a body that was read."""

    data: bytes = b""
    complete: bool = False
    """Whether the whole body was read (not cut at the cap, no error while reading)."""


class BodyReader:
    """Reads a streamed response body step by step, decoding it with a bounded output."""

    def __init__(self, response: httpx.Response) -> None:
        self._parts: list[bytes] = []
        self._raw = 0
        self._chunks: AsyncIterator[bytes] | None = None
        self.size = 0
        """Decoded bytes held."""
        self.ended = False
        """The body was read to its end."""
        self.failed = False
        """The body could not be read on (error, unknown encoding, no progress)."""
        stream = response.stream
        self._decoder: BoundedDecoder | None = None
        try:
            self._decoder = BoundedDecoder(response.headers.get("content-encoding"))
        except UnsupportedEncoding:
            self.failed = True
        if isinstance(stream, httpx.AsyncByteStream):
            self._chunks = aiter(stream)
        else:
            self.failed = True

    @property
    def raw_bytes(self) -> int:
        """Bytes received so far, as sent (before decoding)."""
        return self._raw

    @property
    def data(self) -> bytes:
        """The decoded bytes read so far."""
        if len(self._parts) > 1:
            self._parts = [b"".join(self._parts)]
        return self._parts[0] if self._parts else b""

    async def read_until(self, limit: int) -> None:
        """Read on until more than ``limit`` decoded bytes are held or the body ends."""
        decoder, chunks = self._decoder, self._chunks
        if decoder is None or chunks is None or self.ended or self.failed:
            return
        raw_cap = limit + RAW_SLACK_BYTES
        try:
            while self.size <= limit:
                room = limit + 1 - self.size
                if decoder.has_tail:
                    out = decoder.decode(b"", room)
                else:
                    try:
                        chunk = await anext(chunks)
                    except StopAsyncIteration:
                        self.ended = True
                        return
                    self._raw += len(chunk)
                    out = decoder.decode(chunk, room)
                if out:
                    self._parts.append(out)
                    self.size += len(out)
                elif self._raw > raw_cap:
                    self.failed = True  # compressed input that decodes to (almost) nothing
                    return
        except (httpx.HTTPError, OSError, zlib.error):
            self.failed = True

    def body(self, cap: int) -> Body:
        """What was read, cut at ``cap``."""
        data = self.data
        complete = self.ended and not self.failed and len(data) <= cap
        return Body(data[:cap], complete=complete)

    async def aclose(self) -> None:
        """Stop reading (the response itself is closed by its owner)."""
        chunks, self._chunks = self._chunks, None
        close = getattr(chunks, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


async def read_capped(response: httpx.Response, cap: int) -> bytes | None:
    """The whole decoded body of a streamed response, or None when it is over ``cap`` bytes,
    cannot be decoded or breaks off."""
    if declared_too_large(response.headers, cap):
        return None
    reader = BodyReader(response)
    try:
        await reader.read_until(cap)
    finally:
        await reader.aclose()
    if reader.failed or not reader.ended or reader.size > cap:
        return None
    return reader.data


def read_capped_sync(response: httpx.Response, cap: int) -> bytes | None:
    """``read_capped`` for a synchronous client's streamed response (httpx decodes it)."""
    if declared_too_large(response.headers, cap):
        return None
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
