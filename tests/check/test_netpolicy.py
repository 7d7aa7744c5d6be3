"""Links to loopback, private and link-local addresses are not fetched unless allowed:
literal hosts, names of this machine, redirects into them, and names that resolve to them."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import httpcore
import pytest
from check_server import Request, Server, send, serving
from check_support import check_one, make_settings
from pytest_httpx import HTTPXMock

from linkcheck.check.classify import classify_exception
from linkcheck.check.netpolicy import (
    PRIVATE_ADDRESS_REASON,
    PrivateAddressError,
    is_private_reason,
    private_host,
    private_url,
)
from linkcheck.check.transport import (
    PublicResolver,
    ResolvedBackend,
    aiohttp_error_to_httpx,
    build_ssl_context,
    garbled_transport,
)
from linkcheck.models import Verdict


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "[::1]",
        "::1",
        "[fe80::1]",
        "fd00::1",
        "::ffff:127.0.0.1",
        "localhost",
        "LOCALHOST.",
        "blog.localhost",
    ],
)
def test_private_hosts(host: str) -> None:
    reason = private_host(host)
    assert reason is not None
    assert reason.startswith(PRIVATE_ADDRESS_REASON)


@pytest.mark.parametrize(
    "host", ["example.org", "8.8.8.8", "2606:4700::1", "localhost.example.org", "10.example"]
)
def test_public_or_unknown_hosts(host: str) -> None:
    assert private_host(host) is None


def test_private_url() -> None:
    assert private_url("http://localhost:1313/post/") is not None
    assert private_url("https://[::1]:8443/") is not None
    assert private_url("https://example.org/") is None
    assert private_url("mailto:someone@example.org") is None


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------

HTML = [("Content-Type", "text/html")]


async def internal_page(request: Request, writer: asyncio.StreamWriter, server: Server) -> None:
    await send(writer, server, request, 200, b"<title>Internal</title>", HTML)


ROUTES = {"page": internal_page}


async def test_a_loopback_link_is_not_fetched_by_default() -> None:
    async with serving(ROUTES) as server:
        url = server.url("/page")
        result = await check_one(url, make_settings(allow_private=False))
        assert server.stats.requests == []
        assert result.verdict is Verdict.SKIPPED
        assert result.title is None
        assert result.reason == f"{PRIVATE_ADDRESS_REASON} (loopback)"
        allowed = await check_one(url, make_settings(allow_private=True))
        assert allowed.verdict is Verdict.OK
        assert allowed.title == "Internal"


async def test_a_redirect_into_a_private_address_is_not_followed(httpx_mock: HTTPXMock) -> None:
    public = "https://public.example/page"
    httpx_mock.add_response(
        url=public, status_code=302, headers={"Location": "http://192.168.1.1/admin"}
    )
    result = await check_one(public, make_settings(allow_private=False))
    assert result.verdict is Verdict.SKIPPED
    assert result.reason == f"redirect to a {PRIVATE_ADDRESS_REASON} (private network)"
    assert [str(r.url) for r in httpx_mock.get_requests()] == [public]


class _FakeResolver(aiohttp.abc.AbstractResolver):
    """Resolves every name to the given address (no DNS traffic)."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[Any]:
        return [
            {
                "hostname": host,
                "host": self.address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_name_resolving_to_loopback_is_refused_at_connection_time(
    monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    monkeypatch.setattr(aiohttp, "DefaultResolver", lambda: _FakeResolver("127.0.0.1"))
    async with serving(ROUTES) as server:
        url = f"http://internal.test:{server.port}/page"
        settings = make_settings(allow_private=False, transport=transport)
        result = await check_one(url, settings)
        assert server.stats.requests == []
        assert result.verdict is Verdict.SKIPPED
        assert result.reason == (
            f"{PRIVATE_ADDRESS_REASON} (internal.test resolves to a loopback address)"
        )


async def test_public_resolver_keeps_public_addresses() -> None:
    resolver = PublicResolver(_FakeResolver("93.184.216.34"))
    found = await resolver.resolve("example.org", 443)
    assert [entry["host"] for entry in found] == ["93.184.216.34"]
    with pytest.raises(PrivateAddressError):
        await PublicResolver(_FakeResolver("10.0.0.7")).resolve("intranet.example", 80)


async def test_httpx_connections_for_garbled_responses_keep_the_policy() -> None:
    # The transport that reads the responses aiohttp refuses resolves through the same
    # resolver: a name with only private addresses is refused there too.
    backend = ResolvedBackend(PublicResolver(_FakeResolver("10.0.0.7")), httpcore.AnyIOBackend())
    with pytest.raises(PrivateAddressError):
        await backend.connect_tcp("intranet.example", 80, timeout=5)
    transport = garbled_transport(build_ssl_context(insecure=False, environ={}), PublicResolver())
    assert isinstance(transport._pool._network_backend, ResolvedBackend)
    await transport.aclose()


async def test_a_failed_name_lookup_keeps_its_cause_for_the_verdict() -> None:
    class Unknown(_FakeResolver):
        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> Any:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    backend = ResolvedBackend(PublicResolver(Unknown("")), httpcore.AnyIOBackend())
    with pytest.raises(httpcore.ConnectError) as raised:
        await backend.connect_tcp("no-such-host.example", 80, timeout=5)
    assert isinstance(raised.value.__cause__, socket.gaierror)


def test_a_private_address_error_anywhere_in_the_chain_is_skipped() -> None:
    error = PrivateAddressError(f"{PRIVATE_ADDRESS_REASON} (x resolves to a loopback address)")
    wrapped = aiohttp.ClientConnectorDNSError(None, error)  # type: ignore[arg-type]
    info = classify_exception(aiohttp_error_to_httpx(wrapped))  # as the transport raises it
    assert info.verdict is Verdict.SKIPPED
    assert not info.retryable
    assert is_private_reason(info.reason)


def test_the_policy_loads_no_http_stack() -> None:
    """Judging (rules) uses the policy; only the transport may load aiohttp."""
    import subprocess
    import sys

    code = "import sys, linkcheck.rules; print('aiohttp' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
