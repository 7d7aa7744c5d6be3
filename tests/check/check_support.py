"""Shared pieces of the network-engine tests: virtual time, settings, PDF bytes, env hygiene."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from pypdf import PdfWriter

from linkcheck.check import check_urls
from linkcheck.check.fetch import Timing
from linkcheck.check.options import CheckOptions
from linkcheck.config import Settings
from linkcheck.models import CheckRequest, CheckResult

TEST_TIMEOUT = 10.0
"""No engine test may take longer than this (seconds)."""

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
TLS_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR")

WALL_START = 1_700_000_000.0


@dataclass
class FakeTime:
    """Virtual time: ``sleep`` records the wait, yields once, then moves the clock on."""

    now: float = 1000.0
    wall_offset: float = WALL_START - 1000.0
    waits: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)

    def timing(self) -> Timing:
        return Timing(clock=self.clock, wall=self.wall, sleep=self.sleep, rng=random.Random(7))


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or CA variables from the machine running the tests."""
    for name in (*PROXY_VARS, *TLS_VARS):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def make_settings(**overrides: Any) -> Settings:
    """Fast settings for tests (short waits), overridable."""
    base = Settings(
        transport="httpx",
        retries=2,
        backoff_base=0.01,
        retry_after_max=30.0,
        timeout=5.0,
        deadline=8.0,
        user_agent="linkcheck-test/1.0",
        allow_private=True,  # the test servers listen on 127.0.0.1
    )
    return replace(base, **overrides)


async def check(
    urls: Sequence[str | CheckRequest],
    settings: Settings | None = None,
    *,
    time: FakeTime | None = None,
    **kwargs: Any,
) -> dict[str, CheckResult]:
    """check_urls on plain URLs (or requests), bounded in time."""
    requests = [u if isinstance(u, CheckRequest) else CheckRequest(u) for u in urls]
    timing = time.timing() if time is not None else None
    async with asyncio.timeout(TEST_TIMEOUT):
        options = CheckOptions.from_settings(settings or make_settings())
        return await check_urls(requests, options, timing=timing, **kwargs)


async def check_one(
    url: str | CheckRequest,
    settings: Settings | None = None,
    *,
    time: FakeTime | None = None,
    **kwargs: Any,
) -> CheckResult:
    """The result of checking one URL."""
    results = await check([url], settings, time=time, **kwargs)
    return next(iter(results.values()))


def pdf_bytes(title: str, *, pages: int = 1) -> bytes:
    """A small valid PDF whose document info has ``title``."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def html_page(title: str = "A page", *, body: str = "", head: str = "") -> bytes:
    """A small HTML document."""
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    ).encode()


HTML = {"content-type": "text/html; charset=utf-8"}
