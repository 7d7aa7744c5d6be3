"""Site quirks: what particular sites and bot-wall services do, in one table module.

Everything the checker knows about a named site or service lives here, as data:

* ``NONSTANDARD_STATUSES``: statuses outside the IANA registry (LinkedIn's 999, Cloudflare's
  52x) with their reason phrase and whether they mean "refused to a robot";
* ``BROWSER_HEADERS``: what a desktop browser sends, for the one retry after a 403/429;
* ``CHALLENGE_*``: how bot walls (Cloudflare, DataDome, PerimeterX, Imperva, Akamai,
  DDoS-Guard) give themselves away;
* ``ARXIV_*``: arXiv papers are named by the title of their abstract page.

The modules that act on these (``classify``, ``fetch``, ``page``, ``engine``) hold no site
names of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from linkcheck.sources import arxiv_id


@dataclass(frozen=True, slots=True)
class StatusQuirk:
    """A status code some sites send that the HTTP registry does not define."""

    phrase: str
    """The reason phrase shown in reports."""
    blocked: bool = False
    """Whether it means "refused to automated clients" (unverified, never dead)."""


NONSTANDARD_STATUSES: Mapping[int, StatusQuirk] = MappingProxyType(
    {
        999: StatusQuirk("Request Denied", blocked=True),  # LinkedIn, to robots
        520: StatusQuirk("Web Server Returned an Unknown Error"),  # Cloudflare's 52x
        521: StatusQuirk("Web Server Is Down"),
        522: StatusQuirk("Connection Timed Out"),
        523: StatusQuirk("Origin Is Unreachable"),
        524: StatusQuirk("A Timeout Occurred"),
        525: StatusQuirk("SSL Handshake Failed"),
        526: StatusQuirk("Invalid SSL Certificate"),
    }
)
"""Statuses outside the IANA registry, by code."""

NONSTANDARD_BLOCKED_STATUSES: frozenset[int] = frozenset(
    code for code, quirk in NONSTANDARD_STATUSES.items() if quirk.blocked
)

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
# Bot walls
# ---------------------------------------------------------------------------

CHALLENGE_TITLES: frozenset[str] = frozenset(
    {
        "just a moment...",
        "just a moment…",
        "attention required! | cloudflare",
        "please wait... | cloudflare",
        "ddos-guard",
        "checking your browser",
        "pardon our interruption",
        "access denied | cloudflare",
        "verifying you are human",
        "robot check",
    }
)
"""Titles of bot walls (case-folded)."""

CHALLENGE_MARKERS: tuple[bytes, ...] = (
    b"_cf_chl_opt",
    b"cf-browser-verification",
    b"cf_challenge_response",
    b'id="challenge-form"',
    b"cf-challenge-running",
    b"captcha-delivery.com",  # DataDome
    b"px-captcha",  # PerimeterX / HUMAN
    b"_incapsula_resource",  # Imperva
    b"ddos-guard.net/",
    b"/_sec/cp_challenge/",  # Akamai
)
"""Byte strings (lower case) found only in bot-wall pages, never in a real article."""

CHALLENGE_STATUSES: frozenset[int] = frozenset({403, 429, 503})
"""Statuses with which walls usually answer."""

CHALLENGE_SERVERS: tuple[str, ...] = ("cloudflare", "ddos-guard", "datadome", "akamaighost")
"""``Server`` header values (substrings, lower case) of services that run bot walls."""

# ---------------------------------------------------------------------------
# arXiv
# ---------------------------------------------------------------------------

ARXIV_ABS_URL = "https://arxiv.org/abs/{}"
"""The abstract page of a paper: its title names every URL of the paper (PDF, versions)."""
ARXIV_ABS_PREFIX = "/abs/"


def arxiv_paper(url: str) -> tuple[str, bool] | None:
    """The arXiv id of a URL and whether the URL is the abstract page itself."""
    paper = arxiv_id(url)
    if paper is None:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    return paper, path.startswith(ARXIV_ABS_PREFIX)
