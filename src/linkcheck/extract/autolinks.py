"""GFM's extended autolinks: where a bare ``http(s)://`` or ``www.`` link in text ends.

Shared by both readings of a post (``markdown``'s inline rules and ``pulldown``'s events),
so that both find the same bare links.
"""

from __future__ import annotations

import re
import unicodedata

WWW_BOUNDARY = " \t\n*_~("
"""Characters after which a ``www.`` link may start (GFM extended autolinks)."""
PENDING_SCHEME_RE = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$", re.IGNORECASE)
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "ftp"})
"""Schemes of GFM's extended URL autolinks (``scheme://domain...``)."""
AUTOLINK_PATH_RE = re.compile(r"[^\s<\\]*")
"""An extended autolink runs to a blank or a ``<`` (then its end is trimmed); here a ``\\``
ends it too: a Markdown escape is never part of a URL."""
BARE_TRAILING = "?!.,:*_~'\""
"""Characters never at the end of a bare link (GFM: punctuation, or closing emphasis)."""
BARE_ENTITY_TAIL_RE = re.compile(r"&[A-Za-z0-9]+;\Z")
"""A bare link ending like an entity reference (``&hl;``) ends before it (GFM)."""
SCHEME_SEPARATOR = "://"
ATTRIBUTE_QUOTE = '"'
"""A bare link right after this character ends before the next one: it is an attribute's
value (MDC's ``::tip{to="https://…"}``, kramdown's ``{: data-src="…"}``), not a link running
on into ``"}``. No URL holds this character unescaped (an apostrophe, which URLs may hold,
is left to GFM's rules)."""


def is_host_char(ch: str) -> bool:
    """A character of a domain name as GFM reads one: ASCII letters and digits, ``-``, ``_``,
    and any other character that is neither a blank nor punctuation."""
    if ch.isascii():
        return ch.isalnum() or ch in "-_"
    return not ch.isspace() and not unicodedata.category(ch).startswith("P")


def domain_end(src: str, start: int, limit: int, *, short: bool) -> int | None:
    """The end of a valid domain at ``start`` (GFM): host characters and periods; no ``_``
    in its last two labels; at least one period unless ``short``."""
    end = start
    while end < limit and (src[end] == "." or is_host_char(src[end])):
        end += 1
    domain = src[start:end]
    if not domain.strip("."):
        return None
    if "_" in "".join(domain.split(".")[-2:]) or (not short and "." not in domain):
        return None
    return end


def autolink_end(src: str, begin: int, domain: int, limit: int, *, short: bool) -> int | None:
    """Where an extended autolink starting at ``begin`` (its domain at ``domain``) ends."""
    end = domain_end(src, domain, limit, short=short)
    if end is None:
        return None
    run = AUTOLINK_PATH_RE.match(src, end, limit)
    stop = run.end() if run else end
    if begin > 0 and src[begin - 1] == ATTRIBUTE_QUOTE:
        closing = src.find(ATTRIBUTE_QUOTE, end, stop)
        stop = closing if closing >= 0 else stop
    url = bare_end(src[begin:stop])
    return begin + len(url) if len(url) > domain - begin else None


def bare_end(url: str) -> str:
    """``url`` without what GFM leaves out of the end of an extended autolink.

    Trailing punctuation (``?!.,:*_~`` and quotes), an entity-like ``&name;``, and closing
    parentheses that have no opening partner inside the link.
    """
    while url:
        last = url[-1]
        if last in BARE_TRAILING:
            url = url[:-1]
        elif last == ";":
            entity = BARE_ENTITY_TAIL_RE.search(url)
            url = url[: entity.start()] if entity else url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url
