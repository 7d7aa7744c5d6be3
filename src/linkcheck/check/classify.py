"""Turn HTTP statuses and transport exceptions into verdicts, and time retries.

Pure functions, no I/O. The engine asks this module three questions:

* what a final HTTP status means (``verdict_for_status``, ``describe_status``);
* how long to wait before the next attempt (``parse_retry_after``, ``backoff_delay``);
* what a failed request means (``classify_exception``).

Exceptions arrive wrapped: httpx wraps httpcore, which wraps the socket error; the aiohttp
transport maps aiohttp errors onto httpx types, sometimes wrongly (a reset becomes a
``ConnectTimeout``). So ``classify_exception`` walks the whole chain and trusts the deepest
specific cause over the wrapper's type.
"""

from __future__ import annotations

import errno
import math
import random
import re
import socket
import ssl
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import MappingProxyType

import aiohttp
import httpx

from linkcheck.check.netpolicy import PrivateAddressError
from linkcheck.models import DNS_FAILED_REASON, REFUSED_REASON, Verdict

# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------

RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
"""Statuses worth another attempt (after Retry-After or a backoff delay)."""

BLOCKED_STATUSES: frozenset[int] = frozenset({401, 403, 429, 999})
"""Statuses that mean "not for automated clients": unverified, never dead."""

TIMEOUT_STATUSES: frozenset[int] = frozenset({408})
"""The server itself says the request timed out."""

NONSTANDARD_PHRASES: Mapping[int, str] = MappingProxyType(
    {
        999: "Request Denied",
        520: "Web Server Returned an Unknown Error",
        521: "Web Server Is Down",
        522: "Connection Timed Out",
        523: "Origin Is Unreachable",
        524: "A Timeout Occurred",
        525: "SSL Handshake Failed",
        526: "Invalid SSL Certificate",
    }
)
"""Reason phrases for statuses outside the IANA registry (LinkedIn's 999, Cloudflare's 52x)."""

BROWSER_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "User-Agent": (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        ),
        "Accept": (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        ),
        "Accept-Language": "en-US,en;q=0.9",
    }
)
"""Headers of a common desktop browser, sent on one retry after a 403 or 429."""

# ---------------------------------------------------------------------------
# Retry timing
# ---------------------------------------------------------------------------

MAX_RETRY_AFTER_CHARS = 100
"""Longer Retry-After values are garbage (an HTTP-date is 29 characters)."""

MAX_BACKOFF_DOUBLINGS = 62
"""Exponent cap so that a huge attempt number cannot overflow a float."""

# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------

MAX_CHAIN_DEPTH = 16
"""How many causes/contexts are followed at most when looking for the root cause."""

MAX_REASON_CHARS = 200
"""Longest exception message kept in a reason."""

MAX_HOST_CHARS = 253
"""Longest DNS name; a host quoted in a reason is cut there."""

DNS_NOT_FOUND_CODES: frozenset[int] = frozenset(
    code
    for code in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_ADDRFAMILY", None),
    )
    if code is not None
)
"""getaddrinfo() codes meaning "this name has no address": the host does not exist."""

DNS_TEMPORARY_CODES: frozenset[int] = frozenset(
    code for code in (getattr(socket, "EAI_AGAIN", None),) if code is not None
)
"""getaddrinfo() codes meaning "try again later"."""

DNS_NOT_FOUND_MESSAGES: tuple[str, ...] = (
    "name or service not known",
    "nodename nor servname provided",
    "no address associated with hostname",
    "domain name not found",
    "getaddrinfo failed",
    "no such host",
)
"""Lower-case message fragments of an NXDOMAIN when the numeric code was lost on the way."""

DNS_TEMPORARY_MESSAGES: tuple[str, ...] = ("temporary failure in name resolution",)

CONNECTION_REFUSED_MESSAGES: tuple[str, ...] = ("connection refused",)

CONNECTION_RESET_MESSAGES: tuple[str, ...] = ("connection reset", "broken pipe")

# OpenSSL X509_V_ERR_* codes, as reported in SSLCertVerificationError.verify_code.
X509_CERT_NOT_YET_VALID = 9
X509_CERT_HAS_EXPIRED = 10
X509_DEPTH_ZERO_SELF_SIGNED_CERT = 18
X509_SELF_SIGNED_CERT_IN_CHAIN = 19
X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
X509_UNABLE_TO_GET_ISSUER_CERT = 2
X509_HOSTNAME_MISMATCH = 62
X509_IP_ADDRESS_MISMATCH = 64

TLS_VERIFY_REASONS: Mapping[int, str] = MappingProxyType(
    {
        X509_CERT_HAS_EXPIRED: "TLS: certificate has expired",
        X509_CERT_NOT_YET_VALID: "TLS: certificate is not yet valid",
        X509_DEPTH_ZERO_SELF_SIGNED_CERT: "TLS: self-signed certificate",
        X509_SELF_SIGNED_CERT_IN_CHAIN: "TLS: self-signed certificate in chain",
        X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS: unknown certificate authority",
        X509_UNABLE_TO_GET_ISSUER_CERT: "TLS: unknown certificate authority",
        X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS: unknown certificate authority",
    }
)
"""Verification failures people recognise, by OpenSSL code."""

_MISMATCH_CODES = frozenset({X509_HOSTNAME_MISMATCH, X509_IP_ADDRESS_MISMATCH})
_MISMATCH_HOST = re.compile(r"not valid for '([^']{1,255})'")

_ERRNO_REASONS: Mapping[int, tuple[Verdict, str, bool]] = MappingProxyType(
    {
        errno.ECONNREFUSED: (Verdict.ERROR, REFUSED_REASON, False),
        errno.ECONNRESET: (Verdict.ERROR, "connection reset by peer", True),
        errno.ECONNABORTED: (Verdict.ERROR, "connection reset by peer", True),
        errno.EPIPE: (Verdict.ERROR, "connection reset by peer", True),
        errno.ENETUNREACH: (Verdict.ERROR, "network unreachable", True),
        errno.EHOSTUNREACH: (Verdict.ERROR, "host unreachable", True),
        errno.ENETDOWN: (Verdict.ERROR, "network unreachable", True),
        errno.EHOSTDOWN: (Verdict.ERROR, "host unreachable", True),
        errno.ETIMEDOUT: (Verdict.TIMEOUT, "connect timeout", True),
    }
)
"""Socket errno values and what they mean: (verdict, reason, retryable)."""


# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------


def verdict_for_status(status: int, accept: frozenset[int] = frozenset()) -> Verdict:
    """The verdict for a final (non-redirect) HTTP status.

    ``accept`` lists extra statuses the user treats as success (``[200, 403]`` for a site
    known to refuse robots, say).
    """
    if status in accept or 200 <= status < 300:
        return Verdict.OK
    if status in BLOCKED_STATUSES:
        return Verdict.BLOCKED
    if status in TIMEOUT_STATUSES:
        return Verdict.TIMEOUT
    if 400 <= status < 500:
        return Verdict.DEAD
    return Verdict.ERROR


def describe_status(status: int) -> str:
    """A status with its reason phrase ("404 Not Found"); just the number when unknown."""
    phrase = NONSTANDARD_PHRASES.get(status)
    if phrase is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            return str(status)
    return f"{status} {phrase}"


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


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1, 2, 3...): exponential with equal jitter.

    The un-jittered delay is ``base * 2 ** (attempt - 1)``, capped at ``cap``; the result
    lies between half of it and all of it, so retries spread out but never bunch at zero.
    Never negative, never above ``cap``.
    """
    if not (math.isfinite(base) and math.isfinite(cap)) or base <= 0 or cap <= 0:
        return 0.0
    exponent = min(max(attempt, 1) - 1, MAX_BACKOFF_DOUBLINGS)
    ceiling = min(cap, base * 2.0**exponent)
    half = ceiling / 2.0
    return min(cap, max(0.0, half + rng.uniform(0.0, half)))


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a failed request means."""

    verdict: Verdict
    reason: str
    """Short human words, such as "TLS: certificate has expired"."""
    retryable: bool
    """Whether another attempt could succeed (resets, timeouts, temporary DNS failures)."""
    reached: bool
    """Whether an HTTP response came back before the failure."""


_TLS_WOULD_BLOCK = (ssl.SSLWantReadError, ssl.SSLWantWriteError)


def classify_exception(exc: BaseException) -> ErrorInfo:
    """Classify a request failure by its root cause, not by the outermost wrapper's type."""
    chain = list(_walk_chain(exc))
    for error in chain:
        if isinstance(error, PrivateAddressError):
            return ErrorInfo(Verdict.SKIPPED, str(error), False, False)
    host = _find_host(chain)
    # httpx types raised by the aiohttp transport are a lossy mapping: ignore them when the
    # aiohttp original is in the chain.
    trusted = chain
    if any(isinstance(e, aiohttp.ClientError) for e in chain):
        trusted = [e for e in chain if not isinstance(e, httpx.HTTPError)]
    # "Would block" signals of non-blocking TLS sockets are how a wait began, not a failure:
    # a read timeout over TLS carries one in its context.
    trusted = [e for e in trusted if not isinstance(e, _TLS_WOULD_BLOCK)]
    for candidate in reversed(trusted):
        info = _classify_specific(candidate, host)
        if info is not None:
            return info
    timeout = _classify_timeout(trusted)
    if timeout is not None:
        return timeout
    for candidate in reversed(trusted):
        info = _classify_generic(candidate)
        if info is not None:
            return info
    return ErrorInfo(Verdict.ERROR, _describe_exception(_most_telling(chain)), False, False)


def _walk_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes and contexts (and group members), outermost first."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    count = 0
    while stack and count < MAX_CHAIN_DEPTH:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        count += 1
        yield current
        following: list[BaseException] = []
        if isinstance(current, BaseExceptionGroup):
            following.extend(current.exceptions)
        if current.__cause__ is not None:
            following.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            following.append(current.__context__)
        for attr in ("os_error", "certificate_error"):
            nested = _safe_attr(current, attr)
            if isinstance(nested, BaseException):
                following.append(nested)
        # httpcore wraps the original exception as its first argument.
        if current.args and isinstance(current.args[0], BaseException):
            following.append(current.args[0])
        stack.extend(reversed(following))


def _safe_attr(obj: object, name: str) -> object:
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _find_host(chain: list[BaseException]) -> str | None:
    """The host the request went to, when some exception in the chain knows it."""
    for exc in chain:
        if isinstance(exc, aiohttp.ClientConnectorError):
            host = _safe_attr(exc, "host")
            if isinstance(host, str) and host:
                return _clean(host[:MAX_HOST_CHARS])
        if isinstance(exc, httpx.RequestError):
            try:
                request = exc.request
            except RuntimeError:
                continue
            if request.url.host:
                return _clean(request.url.host[:MAX_HOST_CHARS])
    return None


def _message_has(exc: BaseException, fragments: tuple[str, ...]) -> bool:
    text = str(exc).lower()
    return any(fragment in text for fragment in fragments)


def _dns_not_found(host: str | None) -> ErrorInfo:
    reason = f"host name not found: {host}" if host else "host name not found"
    return ErrorInfo(Verdict.DEAD, reason, retryable=False, reached=False)


_DNS_TEMPORARY = ErrorInfo(Verdict.ERROR, "DNS lookup failed (temporary)", True, False)
_DNS_FAILED = ErrorInfo(Verdict.ERROR, DNS_FAILED_REASON, True, False)


def _classify_specific(exc: BaseException, host: str | None) -> ErrorInfo | None:
    """Causes that say exactly what happened: DNS, TLS, refused, reset, unreachable."""
    if isinstance(exc, socket.gaierror):
        if exc.errno in DNS_NOT_FOUND_CODES:
            return _dns_not_found(host)
        if exc.errno in DNS_TEMPORARY_CODES:
            return _DNS_TEMPORARY
        return _classify_dns_text(exc, host) or _DNS_FAILED
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ErrorInfo(Verdict.ERROR, _tls_verify_reason(exc, host), False, False)
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
        return ErrorInfo(Verdict.ERROR, "TLS: certificate fingerprint mismatch", False, False)
    if isinstance(exc, ssl.SSLError):
        return ErrorInfo(Verdict.ERROR, _tls_reason(exc), False, False)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ErrorInfo(Verdict.ERROR, "server disconnected", True, False)
    if isinstance(exc, TimeoutError):
        return None  # decided with the other timeouts, which may know the phase
    known = _ERRNO_REASONS.get(exc.errno) if isinstance(exc, OSError) and exc.errno else None
    if known is not None:
        verdict, reason, retryable = known
        return ErrorInfo(verdict, reason, retryable, False)
    if isinstance(exc, ConnectionRefusedError):
        return ErrorInfo(Verdict.ERROR, REFUSED_REASON, False, False)
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False)
    if isinstance(exc, OSError | httpx.ConnectError):
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return _classify_dns_text(exc, host) or _DNS_FAILED
        found = _classify_dns_text(exc, host)
        if found is not None:
            return found
        if _message_has(exc, CONNECTION_REFUSED_MESSAGES):
            return ErrorInfo(Verdict.ERROR, REFUSED_REASON, False, False)
        if _message_has(exc, CONNECTION_RESET_MESSAGES):
            return ErrorInfo(Verdict.ERROR, "connection reset by peer", True, False)
    return None


def _classify_dns_text(exc: BaseException, host: str | None) -> ErrorInfo | None:
    if _message_has(exc, DNS_NOT_FOUND_MESSAGES):
        return _dns_not_found(host)
    if _message_has(exc, DNS_TEMPORARY_MESSAGES):
        return _DNS_TEMPORARY
    return None


def _tls_verify_reason(exc: ssl.SSLCertVerificationError, host: str | None) -> str:
    code = getattr(exc, "verify_code", None)
    message = getattr(exc, "verify_message", None) or ""
    known = TLS_VERIFY_REASONS.get(code) if isinstance(code, int) else None
    if known is not None:
        return known
    if code in _MISMATCH_CODES or "mismatch" in str(message).lower():
        match = _MISMATCH_HOST.search(str(message))
        name = _clean(match.group(1)) if match else host
        return f"TLS: certificate is not valid for {name}" if name else "TLS: wrong certificate"
    if message:
        return f"TLS: {_clean(str(message))}"
    return _tls_reason(exc)


def _tls_reason(exc: ssl.SSLError) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return f"TLS: {_clean(reason.replace('_', ' ').lower())}"
    return f"TLS: {_clean(str(exc)) or type(exc).__name__}"


_TIMEOUT_PHASES: tuple[tuple[type[BaseException], str], ...] = (
    (aiohttp.ConnectionTimeoutError, "connect timeout"),
    (aiohttp.SocketTimeoutError, "read timeout"),
    (httpx.ConnectTimeout, "connect timeout"),
    (httpx.ReadTimeout, "read timeout"),
    (httpx.WriteTimeout, "write timeout"),
    (httpx.PoolTimeout, "timed out waiting for a connection"),
)


def _classify_timeout(chain: list[BaseException]) -> ErrorInfo | None:
    """Any timeout in the chain; the deepest one that knows its phase names it."""
    found = False
    for exc in reversed(chain):
        if not isinstance(exc, TimeoutError | httpx.TimeoutException):
            continue
        found = True
        for kind, reason in _TIMEOUT_PHASES:
            if isinstance(exc, kind):
                return ErrorInfo(Verdict.TIMEOUT, reason, True, False)
        if isinstance(exc, aiohttp.ServerTimeoutError):
            # aiohttp's own timeout without a phase: do not let a wrapper guess one.
            break
    if found:
        return ErrorInfo(Verdict.TIMEOUT, "timed out", True, False)
    return None


def _classify_generic(exc: BaseException) -> ErrorInfo | None:
    """Wrapper types that still say something when no deeper cause does."""
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ErrorInfo(Verdict.ERROR, f"unsupported URL: {_clip(exc)}", False, False)
    if isinstance(exc, aiohttp.NonHttpUrlClientError | aiohttp.InvalidURL):
        return ErrorInfo(Verdict.ERROR, f"unsupported URL: {_clip(exc)}", False, False)
    if isinstance(exc, httpx.TooManyRedirects | aiohttp.TooManyRedirects):
        return ErrorInfo(Verdict.ERROR, "too many redirects", False, True)
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in str(exc).lower() or "disconnected" in str(exc).lower():
            return ErrorInfo(Verdict.ERROR, "server disconnected", True, False)
        return ErrorInfo(Verdict.ERROR, f"protocol error: {_clip(exc)}", True, False)
    if isinstance(exc, aiohttp.ClientPayloadError | httpx.DecodingError):
        return ErrorInfo(Verdict.ERROR, f"incomplete response: {_clip(exc)}", True, True)
    if isinstance(exc, httpx.ProxyError | aiohttp.ClientProxyConnectionError):
        return _classify_proxy_refusal(exc)
    if isinstance(exc, aiohttp.ClientConnectionError | httpx.NetworkError):
        return ErrorInfo(Verdict.ERROR, f"connection failed: {_clip(exc)}", True, False)
    return None


PROXY_DNS_MESSAGES: tuple[str, ...] = (
    *DNS_NOT_FOUND_MESSAGES,
    "host name not found",
    "could not resolve",
    "unknown host",
    "err_dns_fail",
    "dns lookup failed",
    "nxdomain",
)
"""Lower-case fragments of a proxy's refusal of a tunnel because the host does not exist."""
PROXY_TIMEOUT_STATUS = "504"


PROXY_GATEWAY_STATUSES: frozenset[int] = frozenset({502, 503, 504})
"""Statuses a proxy answers with when it could not reach the origin for us."""
PROXY_ERROR_HEADERS: tuple[str, ...] = ("x-squid-error", "x-proxy-error", "proxy-status")
PROXY_BODY_SCAN_BYTES = 4096


def proxy_reports_unknown_host(status: int, headers: Mapping[str, str], body_head: bytes) -> bool:
    """Whether a gateway error from a proxy says the origin's host name does not exist.

    Intercepting proxies accept the tunnel first and report a failed lookup later, as a
    502/503/504 whose headers or page name the cause (``ERR_DNS_FAIL``, ``Name or service
    not known``...). Only call this for responses that came through a proxy.
    """
    if status not in PROXY_GATEWAY_STATUSES:
        return False
    texts = [value for name, value in headers.items() if name.lower() in PROXY_ERROR_HEADERS]
    texts.append(body_head[:PROXY_BODY_SCAN_BYTES].decode("utf-8", "replace"))
    joined = " ".join(texts).lower()
    return any(fragment in joined for fragment in PROXY_DNS_MESSAGES)


def _classify_proxy_refusal(exc: BaseException) -> ErrorInfo:
    """A proxy refused the tunnel: its status line is all that is known of the cause."""
    message = str(exc).lower()
    if any(fragment in message for fragment in PROXY_DNS_MESSAGES):
        return ErrorInfo(Verdict.DEAD, "host name not found (reported by the proxy)", False, False)
    if message.startswith(PROXY_TIMEOUT_STATUS):
        return ErrorInfo(Verdict.TIMEOUT, f"proxy timed out: {_clip(exc)}", True, False)
    return ErrorInfo(Verdict.ERROR, f"proxy error: {_clip(exc)}", True, False)


def _most_telling(chain: list[BaseException]) -> BaseException:
    """The deepest exception with a message, else the outermost."""
    for exc in reversed(chain):
        if str(exc).strip():
            return exc
    return chain[0]


def _describe_exception(exc: BaseException) -> str:
    message = _clip(exc)
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _clip(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    # Trim before cleaning: a hostile message may be megabytes long.
    text = _clean(text[: MAX_REASON_CHARS * 4])
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 1] + "…"
    return text


def _clean(text: str) -> str:
    """Control and format characters removed, whitespace collapsed."""
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join("".join(kept).split())
