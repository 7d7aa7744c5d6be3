"""Which addresses links may be fetched from: no loopback, private or link-local host unless
the run allows it (``allow-private``).

A post that cites ``http://localhost:1313/...`` has a real bug, and a public page that
redirects into the reader's own network must not make the checker fetch from it (and put an
internal page's title in a public issue). Three places apply the rule:

* before a URL is planned: a host that is such an address, or a name reserved for the local
  machine (``localhost``, ``*.localhost``), is not fetched;
* before each redirect is followed: the same test on the target;
* at connection time (the aiohttp transport, the default): a host name whose addresses are
  all private is refused by the resolver itself, so a name that resolves (or is re-pointed)
  to a private address cannot slip past the first two tests. The ``httpx`` transport (used
  with a proxy, where the proxy resolves names) applies the first two tests only.

Proxies and the GitHub API URL are not links: the rule never applies to them.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

PRIVATE_ADDRESS_REASON = "private address, not fetched"
"""Start of the reason of every result this policy stops (the rules look for it)."""

LOCAL_NAMES: frozenset[str] = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
LOCAL_SUFFIX = ".localhost"

_CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")


class PrivateAddressError(OSError):
    """A host name resolved only to private addresses (raised by :class:`PublicResolver`)."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_private_ip(address: IPAddress) -> bool:
    """Loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT or
    unspecified; an IPv4 address mapped into IPv6 is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _CARRIER_GRADE_NAT)
    )


def private_host(host: str) -> str | None:
    """Why ``host`` (as in a URL, brackets allowed) is private, or None when it is not known
    to be: an IP literal in a private range, or a name of the local machine."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIX):
        return f"{PRIVATE_ADDRESS_REASON} ({name} is this machine)"
    try:
        address = ipaddress.ip_address(name.partition("%")[0])
    except ValueError:
        return None
    if is_private_ip(address):
        return f"{PRIVATE_ADDRESS_REASON} ({_kind(address)})"
    return None


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` (and ``*.localhost``) or a loopback IP."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIX):
        return True
    try:
        address = ipaddress.ip_address(name.partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def private_url(url: str) -> str | None:
    """:func:`private_host` for the host of ``url`` (None for a URL without one)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return private_host(host) if host else None


def is_private_reason(reason: str | None) -> bool:
    """Whether a result's reason says this policy stopped it."""
    return bool(reason) and PRIVATE_ADDRESS_REASON in (reason or "")


def _kind(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    return "private network"


class PublicResolver(AbstractResolver):
    """An aiohttp resolver that keeps only public addresses: a name with none left raises
    :class:`PrivateAddressError`, which the check reports as a private address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [entry for entry in found if not _entry_private(entry)]
        if found and not public:
            address = ipaddress.ip_address(found[0]["host"])
            raise PrivateAddressError(
                f"{PRIVATE_ADDRESS_REASON} ({host} resolves to a {_kind(address)} address)"
            )
        return public

    async def close(self) -> None:
        await self._inner.close()


def _entry_private(entry: ResolveResult | dict[str, Any]) -> bool:
    try:
        return is_private_ip(ipaddress.ip_address(entry["host"]))
    except ValueError:
        return False
