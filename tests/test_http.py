"""The shared HTTP helpers: Retry-After, backoff, the retry policy, capped bodies."""

from __future__ import annotations

import datetime as dt
import gzip
import random
import zlib
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.http import (
    RETRY_STATUSES,
    BoundedDecoder,
    RetryPolicy,
    UnsupportedEncoding,
    backoff_delay,
    declared_too_large,
    media_type,
    parse_retry_after,
    read_capped,
    read_capped_sync,
)


def test_retry_statuses() -> None:
    assert frozenset({429, 502, 503, 504}) == RETRY_STATUSES


# ---------------------------------------------------------------------------
# Retry-After and backoff
# ---------------------------------------------------------------------------

NOW = 1_445_412_000.0  # 2015-10-21 07:20:00 UTC


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("  7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 480.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", 480.0),
        ("Wed, 21 Oct 2015 09:28:00 +0200", 480.0),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # in the past: go now
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("   ", None),
        ("-5", None),
        ("soon", None),
        ("12abc", None),
        ("nan", None),
        ("inf", None),
        ("1e999", None),
        ("Wed, 99 Foo 2015 07:28:00 GMT", None),
        ("9" * 500, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_parse_retry_after_round_trip() -> None:
    when = dt.datetime.fromtimestamp(NOW + 42, tz=dt.UTC)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == 42.0


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 10, 100, 10_000])
def test_backoff_bounds(attempt: int) -> None:
    rng = random.Random(attempt)
    base, cap = 0.5, 8.0
    nominal = min(cap, base * 2 ** min(attempt - 1, 60))
    for _ in range(200):
        delay = backoff_delay(attempt, base, cap, rng)
        assert nominal / 2 <= delay <= nominal <= cap


def test_backoff_grows_and_jitters() -> None:
    rng = random.Random(1)
    first = [backoff_delay(1, 1.0, 100.0, rng) for _ in range(50)]
    third = [backoff_delay(3, 1.0, 100.0, rng) for _ in range(50)]
    assert max(first) <= 1.0 < 2.0 <= min(third)
    assert len(set(third)) > 1


def test_backoff_is_deterministic_with_a_seed() -> None:
    a = [backoff_delay(n, 0.5, 30.0, random.Random(7)) for n in range(1, 6)]
    b = [backoff_delay(n, 0.5, 30.0, random.Random(7)) for n in range(1, 6)]
    assert a == b


@pytest.mark.parametrize(
    ("attempt", "base", "cap"),
    [(0, 1.0, 10.0), (-3, 1.0, 10.0), (2, 0.0, 10.0), (2, -1.0, 10.0), (2, 1.0, 0.0)],
)
def test_backoff_degenerate_inputs(attempt: int, base: float, cap: float) -> None:
    delay = backoff_delay(attempt, base, cap, random.Random(0))
    assert 0.0 <= delay <= max(cap, 0.0)


def test_backoff_nan_is_zero() -> None:
    assert backoff_delay(2, float("nan"), 10.0, random.Random(0)) == 0.0


def test_bounded_decoder_stops_a_gzip_bomb() -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 64 * 1024
    decoder = BoundedDecoder("gzip")
    out = decoder.decode(bomb, 100_000)
    assert len(out) == 100_000
    assert decoder.has_tail
    assert len(decoder.decode(b"", 10)) == 10


def test_bounded_decoder_raw_deflate_and_identity() -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = raw.compress(b"hello world") + raw.flush()
    assert BoundedDecoder("deflate").decode(data, 100) == b"hello world"
    assert BoundedDecoder("deflate").decode(zlib.compress(b"abc"), 100) == b"abc"
    identity = BoundedDecoder(None)
    assert identity.decode(b"abcdef", 4) == b"abcd"
    assert identity.decode(b"gh", 10) == b"efgh"
    with pytest.raises(UnsupportedEncoding):
        BoundedDecoder("br")
    with pytest.raises(UnsupportedEncoding):
        BoundedDecoder("gzip, gzip")


def test_backoff_without_rng_is_the_plain_exponential() -> None:
    assert [backoff_delay(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


def test_retry_policy_prefers_retry_after() -> None:
    policy = RetryPolicy(retries=2, backoff_base=1.0, max_wait=30.0)
    assert policy.wait({"retry-after": "7"}, 1, NOW) == 7.0
    assert policy.wait({"retry-after": "700"}, 1, NOW) == 700.0  # the caller gives up
    assert policy.wait({}, 2, NOW) == 2.0
    assert 0.5 <= policy.wait({}, 1, NOW, random.Random(3)) <= 1.0
    assert policy.statuses == RETRY_STATUSES


def test_declared_too_large() -> None:
    assert declared_too_large({"content-length": "11"}, 10)
    assert not declared_too_large({"content-length": "10"}, 10)
    assert not declared_too_large({"content-length": "x"}, 10)
    assert not declared_too_large({}, 10)


def _streamed(body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)] or [b""]
    return httpx.Response(200, headers=headers or {}, stream=_AsyncChunks(chunks))


class _AsyncChunks(httpx.AsyncByteStream, httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for chunk in self._chunks:
            yield chunk

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from self._chunks


async def test_read_capped_async() -> None:
    assert await read_capped(_streamed(b"x" * 50), 50) == b"x" * 50
    assert await read_capped(_streamed(b"x" * 51), 50) is None
    assert await read_capped(_streamed(b"", {"content-length": "99"}), 50) is None
    packed = gzip.compress(b"y" * 40)
    assert await read_capped(_streamed(packed, {"content-encoding": "gzip"}), 50) == b"y" * 40
    bomb = gzip.compress(b"\0" * 1_000_000)
    assert await read_capped(_streamed(bomb, {"content-encoding": "gzip"}), 50) is None
    assert await read_capped(_streamed(b"abc", {"content-encoding": "br"}), 50) is None


def test_read_capped_sync() -> None:
    assert read_capped_sync(_streamed(b"x" * 50), 50) == b"x" * 50
    assert read_capped_sync(_streamed(b"x" * 51), 50) is None
    assert read_capped_sync(_streamed(b"", {"content-length": "51"}), 50) is None


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=60))
def test_parse_retry_after_never_raises(value: str) -> None:
    seconds = parse_retry_after(value, NOW)
    assert seconds is None or seconds >= 0


def test_media_type() -> None:
    assert media_type("Text/HTML; charset=UTF-8") == "text/html"
    assert media_type(None) is None
    assert media_type(" ; x") is None
    assert media_type("x" * 500) == "x" * 100
