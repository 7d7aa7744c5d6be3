"""Soft 404s and parked domains: a page that answers 200 but says it is not there.

Pure functions over what a check already has (the page's title, the start of its body, the
URL asked for and where the redirects ended) plus two facts from outside the fetch: the title
the page had when it was last seen healthy, and whether the author's link text itself speaks
of a missing page. No I/O.

A false "dead" costs more than a missed one, so only strong signals count:

* the title, or one of its parts between separators (``Page not found | Site``), *is* a
  not-found phrase (``NOT_FOUND_TITLES``): a title that is *about* 404 errors (``How to fix
  404 errors``) is not;
* a redirect ends on an error page's address (``/404``, ``/not-found``... ``ERROR_PATHS``)
  when the cited address was not one;
* the domain is parked: a parking service's script or frame (``PARKING_MARKERS``,
  ``PARKING_SCRIPTS``), a
  redirect to a domain marketplace (``DOMAIN_MARKETS``), or a title that offers the cited
  domain for sale (``FOR_SALE_TITLES``);
* the first ``<h1>`` is a not-found phrase, or a bare status (``404``) completed by one right
  after it (``Page not found :(``) or by a sentence of the visible text (``NOT_FOUND_TEXT``);
* a bare status in the title (``404 | Site``) with a not-found heading or such a sentence.

Headings and sentences are not trusted on a page that still has the title it had when it was
last seen healthy. Nothing is flagged when the cited address names the error itself
(``/404``, ``/wiki/HTTP_404``) or when the link's text speaks of a missing page (the author
cites an error page, or a page about such errors, on purpose).

A redirect of a deep link to the site's home page is judged by the rules
(``moved-to-homepage``), not here: the verdict stays what the redirects say.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from linkcheck.check.needles import Needles
from linkcheck.models import CheckResult, Verdict

SOFT_404_PREFIX = "soft 404: "
"""Every soft 404's ``reason`` starts so (its verdict is ``dead``)."""

WINDOW_CHARS = 64 * 1024
"""Characters of a page's start searched for headings, phrases and parking markers."""
MAX_HEADING_CHARS = 200
"""Longest first heading read; longer ones are not a not-found phrase anyway."""
H1_OPENINGS = ("<h1", "<H1")
"""How a page's first heading opens, as ``H1_OPENINGS[0] in text.lower()`` finds it (no other
character lowers to these), without lowering a page of 64 K characters."""
H1_SPAN_CHARS = 4 * MAX_HEADING_CHARS + 1024
"""Characters after the first ``<h1`` that may hold the first heading."""
PARKING_WINDOW_CHARS = 16 * 1024
"""Characters of a page searched for a parking service (placeholders are small pages)."""
MAX_SUBTITLE_CHARS = 60
"""Characters after a bare status heading read for the phrase that completes it."""
MAX_QUOTED_CHARS = 80
"""Longest title or heading quoted in a reason."""


class Kind(StrEnum):
    """What a soft 404 is."""

    NOT_FOUND = "not found"
    PARKED = "parked domain"


# ---------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------

_LEAD = r"(?:(?:oops|whoops|sorry|uh oh|oh no|hmm|ouch|error)\s+)*"
_THING = r"(?:page|file|document|article|post|content|resource|url|entry|link)"
_WHICH = r"(?: you (?:requested|are looking for|were looking for|re looking for))?"
_NEG = r"(?:(?:was|is|could|can|has) not|wasn't|isn't|couldn't|can't|cannot|hasn't|not)"

NOT_FOUND_TITLES: tuple[str, ...] = (
    # "Page not found", "404 Not Found", "Error 404 - File not found", "Not found (404)",
    # "The page you requested could not be found"
    rf"{_LEAD}(?:(?:http )?(?:error )?404 (?:error )?)?(?:(?:the|this|that) )?"
    rf"(?:{_THING}{_WHICH} )?{_NEG} (?:be |been )?found(?: (?:error )?404)?(?: error)?",
    # "This page doesn't exist", "Page no longer exists"
    rf"{_LEAD}(?:404 )?(?:the |this |that )?{_THING}{_WHICH} (?:(?:does|did) not|doesn't|"
    r"didn't|no longer) exists?",
    # "Nothing found"
    rf"{_LEAD}(?:404 )?nothing (?:was )?found(?: 404)?",
    # Other languages: de, fr, es, it, pt, nl
    r"(?:fehler )?(?:404 )?seite nicht gefunden(?: 404)?",
    r"(?:erreur )?(?:404 )?page (?:introuvable|non trouvée)(?: 404)?",
    r"(?:error )?(?:404 )?página no encontrada(?: 404)?",
    r"(?:errore )?(?:404 )?pagina non trovata(?: 404)?",
    r"(?:erro )?(?:404 )?página não encontrada(?: 404)?",
    r"(?:fout )?(?:404 )?pagina niet gevonden(?: 404)?",
    r"(?:404 )?找不到(?:该|此|您要的)?(?:页面|網頁|网页)",
    r"(?:404 )?(?:页面|网页|網頁)(?:不存在|未找到|找不到)",
    r"(?:404 )?ページが見つかりません(?:でした)?",
    r"(?:404 )?페이지를 찾을 수 없습니다",
)
"""Whole titles (or title parts) that say the page is missing, after ``_normalise``."""

STATUS_TITLES: tuple[str, ...] = (r"(?:http )?(?:error )?(?:404|410)(?: error)?(?: page)?",)
"""Title parts that are a bare missing-page status: they need a second signal."""
TITLE_ANCHORS: tuple[str, ...] = (
    "found", "exist", "gefunden", "introuvable", "trouvée", "encontrada", "trovata",
    "gevonden", "找不到", "不存在", "未找到", "見つかりません", "찾을", "404", "410",
)  # fmt: skip
"""Every text that ``NOT_FOUND_TITLES`` or ``STATUS_TITLES`` match holds one of these: a
title (or heading) without any is not split and matched at all."""

NOT_FOUND_TEXT: tuple[str, ...] = (
    r"(?:page|file|document|article|post|content|url)s? you (?:are|were|'re|re) looking for",
    r"(?:page|resource|url|file|document) you requested (?:has not|hasn't|was not|wasn't|does not|"
    r"doesn't|is not|isn't|could not|couldn't|cannot|can't|no longer)",
    r"(?:this|the|that|requested) (?:page|file|document|article|post|url) (?:does not|doesn't|"
    r"did not|didn't|no longer) exists?",
    r"(?:this|the|that|requested) (?:page|file|document|article|post|url) (?:could not|cannot|"
    r"can't|couldn't|can not|was not|wasn't) be found",
    r"(?:we|i) (?:could not|couldn't|can't|cannot|can not) find (?:the|that|this) (?:page|file|"
    r"document|article|post)",
    r"seite (?:wurde )?nicht gefunden|page (?:est )?introuvable|página no (?:fue )?encontrada|"
    r"pagina non (?:è stata )?trovata",
)
"""Sentences in a page's visible text that say it is missing (a second signal only). Short
phrases such as "page not found" or "error 404" are not here: articles about such errors use
them all the time."""

ERROR_PATHS: tuple[str, ...] = (
    r"(?:^|/)(?:404|410|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404|404[-_]?error"
    r"|errors?/404|pagenotfound|notfound|error-page|errorpage)(?:\.(?:html?|php|aspx?|jsp))?/?$",
)
"""Paths of error pages that a missing page's redirect ends on (lower case)."""
ADDRESS_ANCHORS: tuple[str, ...] = ("404", "410", "found", "error")
"""Every address that ``ERROR_PATHS``, ``ERROR_QUERY`` or the cited-address test
(``_ABOUT_MISSING``) match holds one of these, in lower case."""
ERROR_QUERY = re.compile(r"(?:^|[&;])(?:error|code|status|err)=(?:404|410|notfound)(?:$|[&;])")
"""Query strings of error pages (``?error=404``); IIS's ``?404;http://...`` is one too."""

PARKING_MARKERS: tuple[str, ...] = (
    "sedoparking.com",
    "parkingcrew.net",
    "bodis.com",
    "parklogic.com",
    "dsparking.com",
    "above.com/marketplace",
    "parked-content.godaddy.com",
    "wsimg.com/parking-lander",
    "domainsponsor.com",
    "trafficselect",
    "parking.reg.ru",
)
"""Hosts and paths of parking services, counted only inside a ``src``, ``href`` or
``action`` attribute (an article may well mention them in its text)."""
PARKING_SCRIPTS: tuple[str, ...] = (
    r"location(?:\.href)?\s*=\s*[\"']/lander[\"']",
    r"window\.lander_system\s*=",
)
"""Scripts of parked pages (lower case): GoDaddy's placeholder sends the browser to
``/lander``, where its parking page runs."""
PARKING_GATE: tuple[str, ...] = (*PARKING_MARKERS, "/lander", "lander_system")
"""Without one of these a page is not searched for parking markers at all."""
_PARKING_NEEDLES = Needles(PARKING_GATE)
DOMAIN_MARKETS: tuple[str, ...] = (
    "hugedomains.com",
    "afternic.com",
    "dan.com",
    "sedo.com",
    "buydomains.com",
    "domainmarket.com",
    "undeveloped.com",
    "brandbucket.com",
    "squadhelp.com",
    "atom.com",
)
"""Domain marketplaces (host suffixes): a cited page redirected there is a domain for sale."""
FOR_SALE_TITLES: tuple[str, ...] = (
    r"(?:this )?domain(?: name)? (?:is |may be )?for sale",
    r"(?:buy|purchase) this domain",
    r"this domain (?:is|may be) (?:for sale|available)",
    r"{host} (?:is |may be )?(?:for sale|available for purchase|parked)",
    r"(?:buy|purchase) {host}",
    r"{host} (?:domain )?(?:is )?for sale",
)
"""Titles (or title parts) of a domain offered for sale; ``{host}`` is the cited domain or
the one the redirects ended on."""

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]+\s+|\s*[|–—·•»]\s*|\s*::\s*")
"""Between a title's parts (``Page not found | Site``, ``404 – Site``)."""

MISSING_WORDS = re.compile(
    r"\b(?:404|410|not[ -]found|dead link|broken link|error page|soft 404|does ?n[o']t exist)\b",
    re.IGNORECASE,
)
"""Words in a link's text that say the author cites a missing page on purpose."""
MISSING_ANCHORS: tuple[str, ...] = ("404", "410", "found", "dead", "broken", "error", "exist")
"""Each of ``MISSING_WORDS`` holds one of these (a cheap test first)."""

_ABOUT_MISSING = re.compile(r"(?<![0-9a-z])(?:404|410|not[-_]?found)(?![0-9a-z])", re.I)
"""A cited address that names the error (``/wiki/HTTP_404``, ``/fixing-404-errors``): the page
is most likely about it."""
_PARKING_SCRIPT = re.compile("|".join(f"(?:{p})" for p in PARKING_SCRIPTS))
_TITLES = re.compile("|".join(f"(?:{p})" for p in NOT_FOUND_TITLES))
_STATUS = re.compile("|".join(f"(?:{p})" for p in STATUS_TITLES))
_TEXT = re.compile("|".join(f"(?:{p})" for p in NOT_FOUND_TEXT))
_ERROR_PATH = re.compile("|".join(f"(?:{p})" for p in ERROR_PATHS))
_PARKING = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?[^"'\s>]{0,200}?(?:"""
    + "|".join(re.escape(m) for m in PARKING_MARKERS)
    + ")",
    re.IGNORECASE,
)
TEXT_ANCHORS: tuple[str, ...] = (
    "looking for", "you requested", "exist", "be found", "find th", "nicht gefunden",
    "introuvable", "no encontrada", "non trovata", "non è stata trovata",
)  # fmt: skip
"""Each ``NOT_FOUND_TEXT`` sentence holds one of these: without them it is not searched for."""
SALE_WORDS: tuple[str, ...] = ("sale", "domain", "buy", "purchase", "parked")
"""A title without any of these offers no domain for sale."""
_H1_START = re.compile(r"<h1\b", re.I)
_H1 = re.compile(
    r"<h1\b[^<>]{0,500}>(.{0," + str(MAX_HEADING_CHARS * 4) + r"}?)</h1\s*>", re.I | re.S
)
_NOT_TEXT = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|template|noscript)\b[^<>]{0,500}>.*?(?:</\1\s*>|\Z)",
    re.I | re.S,
)
_TAG = re.compile(r"<[^<>]{0,2000}>")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_NOT_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?:;(\[]|\s[-–—|]\s")


# ---------------------------------------------------------------------------
# Evidence in, a finding out
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """What a check saw of a page that answered with success."""

    url: str
    """The URL asked for (the cited one)."""
    final_url: str
    """Where the redirects ended (``url`` without redirects)."""
    title: str | None
    """The page's cleaned title."""
    text: str
    """The start of the decoded body (markup included), at most ``WINDOW_CHARS``."""
    previous_title: str | None = None
    """The title the page had when last seen healthy (from the state file), if known."""
    cited_as_missing: bool = False
    """Whether a link's text says the author cites a missing page on purpose."""


@dataclass(frozen=True, slots=True)
class Soft404:
    """A page that says it is not there."""

    kind: Kind
    evidence: str
    """Why, in words (quotes the title or heading that says so)."""

    @property
    def reason(self) -> str:
        """The check result's reason: ``soft 404: ...``."""
        return f"{SOFT_404_PREFIX}{self.evidence}"


def is_soft_404(result: CheckResult) -> bool:
    """Whether a check result is a soft 404 (a ``dead`` verdict found on a success page)."""
    return result.verdict is Verdict.DEAD and result.reason.startswith(SOFT_404_PREFIX)


def cites_missing_page(text: str) -> bool:
    """Whether a link's text says it points at a missing page on purpose (``a 404 page``)."""
    lower = text.lower()
    if not any(word in lower for word in MISSING_ANCHORS):
        return False  # nearly every link text: no regular expression run
    return MISSING_WORDS.search(lower) is not None


def detect(page: Page) -> Soft404 | None:
    """The soft 404 a page is, or None when it is (as far as can be told) the page cited."""
    if page.cited_as_missing or (
        _may_name_an_error(page.url)
        and (is_error_address(page.url) or _ABOUT_MISSING.search(page.url))
    ):
        return None
    window = page.text[:WINDOW_CHARS]
    parked = _parked(page, window[:PARKING_WINDOW_CHARS].lower())
    if parked is not None:
        return parked
    title_says = _title_says_missing(page.title)
    if title_says is True:
        return Soft404(Kind.NOT_FOUND, f"the title is {_quote(page.title)}{_was(page)}")
    if page.final_url != page.url and is_error_address(page.final_url):
        return Soft404(Kind.NOT_FOUND, f"redirected to the error page {page.final_url}")
    if title_says is False and not any(opening in window for opening in H1_OPENINGS):
        return None  # most articles: a title of their own and no heading to read
    heading = first_heading(window)
    heading_says = _title_says_missing(heading)
    if title_says is False and heading_says is False:
        return None
    visible = visible_text(window)
    text_says = any(a in visible for a in TEXT_ANCHORS) and _TEXT.search(visible) is not None
    if page.previous_title is not None and page.previous_title == page.title:
        return None  # the page kept its healthy title: its words are not trusted alone
    if title_says is None and (heading_says is True or text_says):
        return Soft404(Kind.NOT_FOUND, f"the title is {_quote(page.title)} and the page says so")
    if heading_says is None and heading is not None and _subtitle_says_missing(visible, heading):
        heading_says = True  # "404" followed by "Page not found": one heading in two lines
    if heading_says is True or (heading_says is None and text_says):
        return Soft404(Kind.NOT_FOUND, f"the page's heading is {_quote(heading)}{_was(page)}")
    return None


def is_error_address(url: str) -> bool:
    """Whether a URL is an error page's address (``/404.html``, ``?error=404``...)."""
    if not _may_name_an_error(url):
        return False  # nearly every URL: not split nor searched
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    query = parts.query.lower()
    if query.startswith(("404;", "410;")) or ERROR_QUERY.search(query):
        return True
    return _ERROR_PATH.search(parts.path.lower()) is not None


def _may_name_an_error(url: str) -> bool:
    """Whether ``url`` holds one of ``ADDRESS_ANCHORS`` (in any case)."""
    lower = url.lower()
    return any(anchor in lower for anchor in ADDRESS_ANCHORS)


def first_heading(text: str) -> str | None:
    """The text of the first ``<h1>`` in the start of a page, tags removed, or None."""
    first = _H1_START.search(text, 0, WINDOW_CHARS)
    if first is None:
        return None
    end = min(WINDOW_CHARS, first.start() + H1_SPAN_CHARS)
    window = _NOT_TEXT.sub(" ", text[:end])  # an <h1 in a script or comment is not one
    start = _H1_START.search(window)
    match = _H1.match(window, start.start()) if start is not None else None
    if match is None:
        return None
    inner = html.unescape(_TAG.sub(" ", match.group(1)))
    heading = " ".join(inner.split())
    return heading[:MAX_HEADING_CHARS] or None


def visible_text(text: str) -> str:
    """The words of the start of a page: scripts, styles, comments and tags removed,
    entities decoded, apostrophes straightened, lower case, single spaces."""
    bare = _TAG.sub(" ", _NOT_TEXT.sub(" ", text[:WINDOW_CHARS]))
    words = html.unescape(bare).translate(_APOSTROPHES).lower()
    return _SPACES.sub(" ", words)


# ---------------------------------------------------------------------------
# Titles
# ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case, apostrophes straightened, punctuation dropped, single spaces."""
    words = _NOT_WORD.sub(" ", text.translate(_APOSTROPHES).lower())
    return _SPACES.sub(" ", words).strip()


def _parts(title: str) -> list[str]:
    """The title as a whole and each part between separators, normalised, non-empty."""
    parts = [title, *TITLE_SEPARATORS.split(title)]
    return [p for p in (_normalise(part) for part in parts) if p]


def _title_says_missing(title: str | None) -> bool | None:
    """True: the title (or one part) is a not-found phrase; None: one part is a bare status
    number (a second signal is needed); False: neither."""
    if not title:
        return False
    normal = _normalise(title)
    if not any(anchor in normal for anchor in TITLE_ANCHORS):
        return False  # nearly every title: no part is split off and matched
    parts = _parts(title)
    if any(_TITLES.fullmatch(part) for part in parts):
        return True
    if any(_STATUS.fullmatch(part) for part in parts):
        return None
    return False


def _subtitle_says_missing(visible: str, heading: str) -> bool:
    """Whether the words right after a heading form a not-found phrase of their own
    (``404`` then ``Page not found :(``)."""
    at = visible.find(heading.lower())
    if at < 0:
        return False
    rest = visible[at + len(heading) : at + len(heading) + MAX_SUBTITLE_CHARS]
    first = _normalise(_SENTENCE_END.split(rest.strip(), maxsplit=1)[0])
    match = _TITLES.match(first)
    return match is not None and first[match.end() : match.end() + 1] in ("", " ")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def _within(host: str, domains: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _parked(page: Page, lower: str) -> Soft404 | None:
    """A parked domain's placeholder (``lower``: the page's window in lower case)."""
    redirected = page.final_url != page.url
    if redirected:
        final = _host(page.final_url)
        if final != _host(page.url) and _within(final, DOMAIN_MARKETS):
            return Soft404(Kind.PARKED, f"redirected to a domain marketplace ({final})")
    title = page.title.lower() if page.title else ""
    if any(word in title for word in SALE_WORDS):
        cited = _host(page.url)
        final = _host(page.final_url) if redirected else cited
        names = [re.escape(_normalise(h)) for h in dict.fromkeys((cited, final)) if h]
        own = f"(?:{'|'.join(names)})" if names else "(?!)"
        sale = re.compile("|".join(f"(?:{p.replace('{host}', own)})" for p in FOR_SALE_TITLES))
        if any(sale.fullmatch(part) for part in _parts(title)):
            return Soft404(Kind.PARKED, f"the domain is offered for sale: {_quote(page.title)}")
    if _PARKING_NEEDLES.in_text(lower) and (
        _PARKING.search(lower) or _PARKING_SCRIPT.search(lower)
    ):
        return Soft404(Kind.PARKED, "the page is a domain parking service's placeholder")
    return None


def _quote(text: str | None) -> str:
    if not text:
        return "empty"
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1].rstrip() + "…"
    return f"'{text}'"


def _was(page: Page) -> str:
    previous = page.previous_title
    if previous is None or previous == page.title:
        return ""
    return f" (it was {_quote(previous)})"
