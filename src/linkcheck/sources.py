"""Source identity: what a link cites, as a ``Source(kind, key)``.

Two links cite the same source when their keys match. ``SOURCE_RULES`` is the table that decides:
the first row whose matcher accepts a URL names its kind and builds its key. Adding a kind of
source is one more row.

    arXiv   abs / pdf / html / format pages, any version, ``arXiv:<id>``  -> ``arxiv:<id>``
    DOI     doi.org, dx.doi.org, ``doi:10.x/y``                          -> ``doi:<doi, lower>``
    mail    ``mailto:``                                                  -> ``mailto:<address>``
    phone   ``tel:``                                                     -> ``tel:<number>``
    relative  no scheme (``/blog/x``, ``../a.png``, ``#top``)           -> the path, no fragment
    PDF     an http(s) URL whose path ends in ``.pdf``                   -> the normalised URL
    web     any other http(s) URL                                        -> the normalised URL
    other   ``ftp:`` and anything else                                   -> the URL, no fragment

Every function here takes any string and never raises.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from linkcheck.models import Source, SourceKind

WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": "80", "https": "443"}
MAX_PORT = 65535
MAX_LABEL_LENGTH = 63
MAX_HOST_LENGTH = 253
WWW_PREFIX = "www."

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "ref_src",
        "ref_url",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "_ga",
        "_gl",
        "wickedid",
        "srsltid",
    }
)
"""Query parameters that only say where a click came from (names compared in lower case)."""
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)
"""Any query parameter whose name starts with one of these is tracking too."""

ARXIV_HOST = "arxiv.org"
ARXIV_PAGES = frozenset({"abs", "pdf", "html", "format", "ps", "src"})
"""First path segments of arXiv URLs that name one paper."""
DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
DOI_PREFIX = "10."
PDF_SUFFIX = ".pdf"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD = re.compile(r"([A-Za-z][A-Za-z\-]*)(\.[A-Za-z]{2})?/(\d{7})(?:v\d+)?")
_ARXIV_TEXT = re.compile(r"^arxiv:\s*(.+)$", re.IGNORECASE)
_DOI_TEXT = re.compile(r"^doi:\s*(10\..+)$", re.IGNORECASE)
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?$")
_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_PORT = re.compile(r"^[0-9]*$")
_WEB_PREFIXES: tuple[str, ...] = ("https://", "http://")
ARXIV_MARK = "arxiv"
"""Every URL ``arxiv_id`` accepts contains this (in its scheme or host), in any case."""
DOI_MARK = "doi"
"""Every URL ``doi`` accepts contains this (in its scheme or host), in any case."""
SOURCE_CACHE_SIZE = 8192
"""How many URL -> Source answers ``identify`` remembers (posts cite the same URLs again)."""
URL_CACHE_SIZE = 16_384
"""URLs whose well-formedness is remembered: a blog cites each source many times."""


# ---------------------------------------------------------------------------
# Small helpers (total: they accept any string)
# ---------------------------------------------------------------------------


def _scheme(url: str) -> str | None:
    """The URL's scheme in lower case, or None when it has none."""
    if url.startswith(_WEB_PREFIXES):  # the common case, without the regular expression
        return url[: url.index(":")]
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _split_netloc(netloc: str) -> tuple[str, str | None]:
    """``user@host:port`` -> (host, port or None); the user part is dropped."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            return hostport, None
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        return host, rest[1:] if rest.startswith(":") else None
    host, colon, port = hostport.partition(":")
    return host, port if colon else None


def host_of(url: str) -> str:
    """The host part of a URL, lower case (an IPv6 address in its brackets), without the
    port or user; ``""`` when the text has no ``scheme://``. No validation: for taking turns
    between hosts and for naming them, where a URL read oddly only changes its turn or its
    label (the fetcher parses every URL properly)."""
    _, sep, rest = url.partition("://")
    if not sep:
        return ""
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return _split_netloc(authority)[0].lower()


def strip_fragment(url: str) -> str:
    """``url`` without its ``#fragment``: the URL the checker fetches and results are keyed by."""
    return url.partition("#")[0]


TEMPLATE_MARKS: tuple[str, ...] = ("{{", "{%", "}}", "%}")
"""Template code (``{{ site.baseurl }}/x``, ``{% post_url %}``, a permalink
``/blog/{{ page.fileSlug }}/``, ``https://…/tag/v{{% param version %}}``): what it makes is
the generator's to say, when it builds the site; such a link is neither judged nor fetched."""


def holds_template(text: str) -> bool:
    """Whether a URL or path holds template code (``TEMPLATE_MARKS``)."""
    return any(mark in text for mark in TEMPLATE_MARKS)


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def is_checkable(url: str) -> bool:
    """Whether ``url`` is a well-formed http(s) URL with a host, i.e. one to fetch."""
    if _scheme(url) not in WEB_SCHEMES or holds_template(url):
        return False
    parts = _split(url)
    if parts is None or not _split_netloc(parts.netloc)[0]:
        return False
    return malformed_reason(url) is None


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def _percent_normal(text: str) -> str:
    """Escapes upper-cased, escaped unreserved characters decoded, raw non-ASCII escaped."""
    if "%" not in text and text.isascii() and text.isprintable() and " " not in text:
        return text  # only printable ASCII other than space, no escapes: nothing to change
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and _PERCENT.match(text, i):
            code = text[i + 1 : i + 3]
            decoded = chr(int(code, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + code.upper())
            i += 3
            continue
        if ord(ch) > 0x7E or ord(ch) <= 0x20:
            data = ch.encode("utf-8", errors="surrogatepass")
            out.append("".join(f"%{byte:02X}" for byte in data))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _normal_host(host: str) -> str:
    """Lower case, punycode for international names (left as-is when not valid IDNA)."""
    host = host.lower()
    if host.endswith(".") and len(host) > 1:
        host = host[:-1]
    if not host.isascii():
        with contextlib.suppress(UnicodeError, ValueError):
            host = host.encode("idna").decode("ascii")
    if host.startswith(WWW_PREFIX) and "." in host[len(WWW_PREFIX) :]:
        host = host[len(WWW_PREFIX) :]
    return host


def _is_tracking(name: str) -> bool:
    lowered = unquote(name).lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _normal_query(query: str) -> str:
    pairs = [
        _percent_normal(pair)
        for pair in query.split("&")
        if pair and not _is_tracking(pair.partition("=")[0])
    ]
    return "&".join(sorted(pairs))


def normalize_url(url: str) -> str:
    """The key of a web URL: ``//host/path?query`` with the differences that do not matter removed.

    Scheme (http and https of a page are one source), host case, ``www.``, a default port, a
    trailing slash, the fragment and tracking parameters are dropped; international host names
    become punycode; the remaining query is sorted and percent-escapes are normalised.
    A non-web scheme is kept (``ftp://host/x``); a URL without a host is returned without its
    fragment. Never raises.
    """
    text = strip_fragment(url.strip())
    scheme = _scheme(text)
    parts = _split(text)
    if parts is None or not parts.netloc:
        return text
    host, port = _split_netloc(parts.netloc)
    host = _normal_host(host)
    if port is not None and (port == "" or port == DEFAULT_PORTS.get(scheme or "")):
        port = None
    authority = host if port is None else f"{host}:{port}"
    path = _percent_normal(parts.path).rstrip("/")
    query = _normal_query(parts.query)
    prefix = "" if scheme in WEB_SCHEMES or scheme is None else f"{scheme}:"
    return f"{prefix}//{authority}{path}" + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------
# arXiv and DOI
# ---------------------------------------------------------------------------


def _arxiv_from_text(text: str) -> str | None:
    """An arXiv id (no version) when ``text`` is exactly one, else None."""
    if text.lower().endswith(PDF_SUFFIX):
        text = text[: -len(PDF_SUFFIX)]
    new = _ARXIV_NEW.fullmatch(text)
    if new:
        return new.group(1)
    old = _ARXIV_OLD.fullmatch(text)
    if old:
        archive, subject, number = old.groups()
        return f"{archive.lower()}{(subject or '').upper()}/{number}"
    return None


def _is_arxiv_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == ARXIV_HOST or host.endswith("." + ARXIV_HOST)


def arxiv_id(url: str) -> str | None:
    """The arXiv id (version stripped) of an arXiv paper URL or ``arXiv:<id>``, else None.

    ``https://arxiv.org/pdf/2408.15664v2.pdf`` -> ``2408.15664``;
    ``http://export.arxiv.org/abs/hep-th/9901001`` -> ``hep-th/9901001``.
    """
    text = url.strip()
    if ARXIV_MARK not in text.lower():
        return None
    scheme = _scheme(text)
    if scheme == "arxiv":
        match = _ARXIV_TEXT.match(text)
        return _arxiv_from_text(match.group(1).strip()) if match else None
    if scheme not in WEB_SCHEMES and not text.startswith("//"):
        return None
    parts = _split(text)
    if parts is None or not _is_arxiv_host(_split_netloc(parts.netloc)[0]):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() not in ARXIV_PAGES:
        return None
    rest = segments[1:]
    # New ids take one segment, old ones two (archive/number); anything after is ignored.
    for count in (1, 2):
        if len(rest) >= count:
            found = _arxiv_from_text("/".join(rest[:count]))
            if found:
                return found
    return None


def doi(url: str) -> str | None:
    """The DOI (percent-decoded, lower case) of a resolver URL or ``doi:10.x/y``, else None."""
    text = url.strip()
    if DOI_MARK not in text.lower():
        return None
    scheme = _scheme(text)
    if scheme == "doi":
        match = _DOI_TEXT.match(strip_fragment(text))
        return unquote(match.group(1)).strip().lower() if match else None
    if scheme not in WEB_SCHEMES and not text.startswith("//"):
        return None
    parts = _split(text)
    if parts is None or _split_netloc(parts.netloc)[0].lower() not in DOI_HOSTS:
        return None
    value = unquote(parts.path.lstrip("/")).strip()
    return value.lower() if value.startswith(DOI_PREFIX) and "/" in value else None


# ---------------------------------------------------------------------------
# The rule table
# ---------------------------------------------------------------------------


def _is_web(url: str) -> bool:
    return _scheme(url) in WEB_SCHEMES or url.startswith("//")


def _is_pdf(url: str) -> bool:
    if not _is_web(url):
        return False
    parts = _split(url)
    return parts is not None and parts.path.lower().endswith(PDF_SUFFIX)


def _is_relative(url: str) -> bool:
    return bool(url) and _scheme(url) is None and not url.startswith("//")


def _mail_key(url: str) -> str:
    address = url.split(":", 1)[1].partition("?")[0]
    return "mailto:" + unquote(address).strip().lower()


def _phone_key(url: str) -> str:
    number = strip_fragment(url.split(":", 1)[1]).partition(";")[0]
    return "tel:" + _PHONE_SEPARATORS.sub("", unquote(number))


@dataclass(frozen=True, slots=True)
class SourceRule:
    """One row of the table: which URLs it claims and how their key is built."""

    kind: SourceKind
    matches: Callable[[str], bool]
    """Receives the URL with surrounding whitespace removed."""
    key: Callable[[str], str]


SOURCE_RULES: tuple[SourceRule, ...] = (
    SourceRule(
        SourceKind.ARXIV, lambda u: arxiv_id(u) is not None, lambda u: f"arxiv:{arxiv_id(u)}"
    ),
    SourceRule(SourceKind.DOI, lambda u: doi(u) is not None, lambda u: f"doi:{doi(u)}"),
    SourceRule(SourceKind.MAIL, lambda u: _scheme(u) == "mailto", _mail_key),
    SourceRule(SourceKind.PHONE, lambda u: _scheme(u) == "tel", _phone_key),
    SourceRule(SourceKind.RELATIVE, _is_relative, strip_fragment),
    SourceRule(SourceKind.PDF, _is_pdf, normalize_url),
    SourceRule(SourceKind.WEB, _is_web, normalize_url),
)
"""First match wins; a URL no row claims is ``OTHER``."""


@functools.lru_cache(maxsize=SOURCE_CACHE_SIZE)
def identify(url: str) -> Source:
    """The source a link cites (kind and key); never raises.

    A pure function of ``url`` (``SOURCE_RULES`` is a constant), so answers are remembered.
    """
    text = url.strip()
    for rule in SOURCE_RULES:
        if rule.matches(text):
            return Source(rule.kind, rule.key(text))
    return Source(SourceKind.OTHER, strip_fragment(text))


# ---------------------------------------------------------------------------
# Malformed web URLs
# ---------------------------------------------------------------------------


def _host_problem(host: str) -> str | None:
    if host.startswith("["):
        if not host.endswith("]"):
            return f"bad IPv6 address {host!r}"
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"bad IPv6 address {host!r}"
        return None
    name = host[:-1] if host.endswith(".") else host
    if len(name) > MAX_HOST_LENGTH:
        return "host name too long"
    for label in name.split("."):
        if not label:
            return f"empty label in host {host!r}"
        if label.isascii():
            if len(label) > MAX_LABEL_LENGTH or not _HOST_LABEL.match(label):
                return f"bad host name label {label!r}"
            continue
        try:
            encoded = label.encode("idna")
        except (UnicodeError, ValueError):
            return f"bad international host name label {label!r}"
        if len(encoded) > MAX_LABEL_LENGTH:
            return f"bad international host name label {label!r}"
    return None


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
"""Unicode whitespace: what ``str.isspace`` calls a space."""


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def malformed_reason(url: str) -> str | None:
    """Why an http(s) URL is malformed, in a few words; None when it is fine or not http(s).

    Catches ``http:/x``, ``https:///x``, no host, unescaped spaces or control characters,
    bad host name labels (ASCII or international) and bad ports.
    """
    scheme = _scheme(url)
    if scheme not in WEB_SCHEMES:
        return None
    if _CONTROL.search(url):
        return "unescaped control character"
    if _SPACE.search(url):
        return "unescaped whitespace"
    rest = url[len(scheme) + 1 :]
    if not rest.startswith("//"):
        return f"missing '//' after '{scheme}:'"
    parts = _split(url)
    if parts is None:
        return "unparseable host"
    host, port = _split_netloc(parts.netloc)
    if not host:
        return "no host"
    if port is not None and (not _PORT.match(port) or (port and int(port) > MAX_PORT)):
        return f"bad port {port!r}"
    return _host_problem(host)
