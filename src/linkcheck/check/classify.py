"""Turn HTTP statuses and transport exceptions into verdicts, and time retries.

Pure functions, no I/O. The engine asks this module two questions:

* what a final HTTP status means (``verdict_for_status``, ``describe_status``);
* what a failed request means (``classify_exception``).

Only httpx's exception tree is known here. Both transports raise it (httpx's own, and the
aiohttp adapter in ``transport``, which maps aiohttp's errors exactly as httpx maps
httpcore's) with the socket-level cause chained: a ``ConnectError`` caused by a
``socket.gaierror`` is a host that does not exist, one caused by ``ConnectionRefusedError``
a refusal. So ``classify_exception`` walks the whole chain and trusts the deepest specific
cause over the wrapper's type.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType

import httpx

from linkcheck.check.netpolicy import PrivateAddressError
from linkcheck.check.quirks import NONSTANDARD_BLOCKED_STATUSES, NONSTANDARD_STATUSES
from linkcheck.http import NameResolutionError, ResponseHeadTimeout
from linkcheck.models import DNS_FAILED_REASON, DNS_TEMPORARY_REASON, REFUSED_REASON, Verdict

# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------

BLOCKED_STATUSES: frozenset[int] = frozenset({401, 403, 429}) | NONSTANDARD_BLOCKED_STATUSES
"""Statuses that mean "not for automated clients": unverified, never dead."""

TIMEOUT_STATUSES: frozenset[int] = frozenset({408})
"""The server itself says the request timed out."""

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
    quirk = NONSTANDARD_STATUSES.get(status)
    phrase = quirk.phrase if quirk is not None else None
    if phrase is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            return str(status)
    return f"{status} {phrase}"


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
    # "Would block" signals of non-blocking TLS sockets are how a wait began, not a failure:
    # a read timeout over TLS carries one in its context.
    trusted = [e for e in chain if not isinstance(e, _TLS_WOULD_BLOCK)]
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
        # httpcore wraps the original exception as its first argument.
        if current.args and isinstance(current.args[0], BaseException):
            following.append(current.args[0])
        stack.extend(reversed(following))


def _find_host(chain: list[BaseException]) -> str | None:
    """The host the request went to, when some exception in the chain knows it."""
    for exc in chain:
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


_DNS_TEMPORARY = ErrorInfo(Verdict.ERROR, DNS_TEMPORARY_REASON, True, False)
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
    if isinstance(exc, ssl.SSLError):
        return ErrorInfo(Verdict.ERROR, _tls_reason(exc), False, False)
    if isinstance(exc, ResponseHeadTimeout):
        # The server answers, but never completes a response: asking again gets the same.
        return ErrorInfo(Verdict.TIMEOUT, str(exc), retryable=False, reached=True)
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
    if isinstance(exc, NameResolutionError):
        return _classify_dns_text(exc, host) or _DNS_FAILED
    if isinstance(exc, OSError | httpx.ConnectError):
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
        if type(exc) is httpx.TimeoutException:
            # A timeout that does not know its phase: do not let a wrapper guess one.
            break
    if found:
        return ErrorInfo(Verdict.TIMEOUT, "timed out", True, False)
    return None


def _classify_generic(exc: BaseException) -> ErrorInfo | None:
    """Wrapper types that still say something when no deeper cause does."""
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ErrorInfo(Verdict.ERROR, f"unsupported URL: {_clip(exc)}", False, False)
    if isinstance(exc, httpx.TooManyRedirects):
        return ErrorInfo(Verdict.ERROR, "too many redirects", False, True)
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in str(exc).lower() or "disconnected" in str(exc).lower():
            return ErrorInfo(Verdict.ERROR, "server disconnected", True, False)
        return ErrorInfo(Verdict.ERROR, f"protocol error: {_clip(exc)}", True, False)
    if isinstance(exc, httpx.DecodingError):
        return ErrorInfo(Verdict.ERROR, f"incomplete response: {_clip(exc)}", True, True)
    if isinstance(exc, httpx.ProxyError):
        return _classify_proxy_refusal(exc)
    if isinstance(exc, httpx.NetworkError):
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
