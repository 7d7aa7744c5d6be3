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
from collections.abc import Sequence
from urllib.parse import urlsplit

PRIVATE_ADDRESS_REASON = "private address, not fetched"
"""Start of the reason of every result this policy stops (the rules look for it)."""

LOCAL_NAMES: frozenset[str] = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
LOCAL_SUFFIX = ".localhost"

_CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")


class PrivateAddressError(OSError):
    """A host name resolved only to private addresses (raised by the transport's resolver,
    ``linkcheck.check.transport.PublicResolver``)."""


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


def only_private(host: str, addresses: Sequence[str]) -> str | None:
    """The reason to refuse ``host`` when every address it resolved to is private (the
    transport's resolver raises :class:`PrivateAddressError` with it), else None. Addresses
    that do not parse are taken as public."""
    kinds = [_address_kind(address) for address in addresses]
    if not kinds or any(kind is None for kind in kinds):
        return None
    return f"{PRIVATE_ADDRESS_REASON} ({host} resolves to a {kinds[0]} address)"


def _address_kind(text: str) -> str | None:
    """What kind of private address ``text`` is (None: public, or not an address)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return _kind(address) if is_private_ip(address) else None
