"""Judging: links and check results in, findings out. Pure functions, no I/O.

``RULES`` lists every rule once: its stable id, default severity and a one-line fix hint.
Offline rules look only at the posts; network rules also need the check results (keyed by
``strip_fragment(link.target)``). Ignored links produce no findings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from linkcheck.check.netpolicy import is_private_reason, private_url
from linkcheck.check.soft404 import is_soft_404
from linkcheck.models import (
    WWW_PREFIX,
    CheckResult,
    Finding,
    Link,
    LinkKind,
    Location,
    Persistence,
    Post,
    Severity,
    SourceKind,
    Verdict,
)
from linkcheck.site import Site, TargetKind, posts_site
from linkcheck.sources import holds_template, is_checkable, malformed_reason, strip_fragment

# ---------------------------------------------------------------------------
# The rule table
# ---------------------------------------------------------------------------

DEAD_LINK = "dead-link"
DEAD_LINK_FIX = (
    "find the page's new address, link an archived copy (--suggest-archive looks for one), "
    "or remove the link"
)
"""The suggestion of a dead link when no archived copy is known."""
MOVED_LINK = "moved-link"
MOVED_TO_HOMEPAGE = "moved-to-homepage"
MISSING_FROM_RESOURCES = "missing-from-resources"
MISSING_FRAGMENT = "missing-fragment"
UNVERIFIED_LINK = "unverified-link"
DUPLICATE_RESOURCE = "duplicate-resource"
UNCITED_RESOURCE = "uncited-resource"
INSECURE_LINK = "insecure-link"
EMPTY_LINK = "empty-link"
BOOK_SUMMARY = "SUMMARY.md"
"""mdBook's table of contents, where ``- [Title]()`` is a draft chapter, not an empty link."""
MALFORMED_URL = "malformed-url"
BROKEN_INTERNAL_LINK = "broken-internal-link"
MISSING_ANCHOR = "missing-anchor"
MISSING_SCHEME = "missing-scheme"
SOFT_404 = "soft-404"
LOCAL_FILE_LINK = "local-file-link"
SCRIPT_LINK = "script-link"
DATA_LINK = "data-link"
EMPTY_POST = "empty-post"
PRIVATE_ADDRESS = "private-address"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's stable id, default severity and one-line fix hint."""

    id: str
    severity: Severity
    hint: str


RULES: tuple[Rule, ...] = (
    Rule(DEAD_LINK, Severity.ERROR, "Replace the link with a live copy or an archived one."),
    Rule(
        SOFT_404,
        Severity.ERROR,
        "The page says it is gone: replace the link with a live copy or an archived one.",
    ),
    Rule(MOVED_LINK, Severity.WARNING, "Point the link at the new address (--fix does it)."),
    Rule(
        MOVED_TO_HOMEPAGE,
        Severity.WARNING,
        "The page probably was removed: find its new address or an archived copy.",
    ),
    Rule(
        MISSING_FROM_RESOURCES,
        Severity.ERROR,
        "Add the cited source to the post's Resources section.",
    ),
    Rule(MISSING_FRAGMENT, Severity.WARNING, "Link to a section id the page still has."),
    Rule(
        UNVERIFIED_LINK,
        Severity.WARNING,
        "Open the link in a browser; it becomes an error only if it keeps failing.",
    ),
    Rule(DUPLICATE_RESOURCE, Severity.INFO, "List each source once in Resources."),
    Rule(UNCITED_RESOURCE, Severity.INFO, "Cite the source in the text or drop it."),
    Rule(INSECURE_LINK, Severity.INFO, "Use the https:// address."),
    Rule(EMPTY_LINK, Severity.WARNING, "Give the link a destination or remove it."),
    Rule(MALFORMED_URL, Severity.ERROR, "Fix the URL's spelling (escape spaces as %20)."),
    Rule(BROKEN_INTERNAL_LINK, Severity.ERROR, "Point the link at an existing post or file."),
    Rule(MISSING_ANCHOR, Severity.WARNING, "Link to a heading or id the post has."),
    Rule(
        MISSING_SCHEME,
        Severity.WARNING,
        "Write the address with https:// in front: without it, it is a path on this site.",
    ),
    Rule(
        LOCAL_FILE_LINK,
        Severity.ERROR,
        "Link to the file as published on the site (a path, not file://).",
    ),
    Rule(SCRIPT_LINK, Severity.ERROR, "Link to an address; javascript: runs code instead."),
    Rule(
        DATA_LINK,
        Severity.WARNING,
        "Publish the content as a file and link to it: browsers refuse to open data: links.",
    ),
    Rule(EMPTY_POST, Severity.INFO, "Write the post, or remove the empty file."),
    Rule(
        PRIVATE_ADDRESS,
        Severity.ERROR,
        "Link to the public address: readers cannot open this one (allow-private checks it).",
    ),
)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}

CITATION_KINDS = frozenset(
    {LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.AUTOLINK, LinkKind.BARE, LinkKind.HTML}
)
"""Ways of writing a link in the body that count as citing a source."""
IMAGE_KINDS = frozenset({LinkKind.IMAGE, LinkKind.HTML_EMBED})
"""Links that show something in the page: never citations."""
SCHEME_RULES: Mapping[str, tuple[str, str]] = {
    "file": (LOCAL_FILE_LINK, "a file: URL opens a file on the writer's computer, not the web"),
    "javascript": (SCRIPT_LINK, "a javascript: link runs code instead of leading anywhere"),
    "vbscript": (SCRIPT_LINK, "a vbscript: link runs code instead of leading anywhere"),
    "data": (DATA_LINK, "a data: link: browsers refuse to open one from a page"),
}
"""Link schemes that are findings in themselves (a ``data:`` image is fine)."""
CITED_SOURCE_KINDS = frozenset({SourceKind.ARXIV, SourceKind.DOI, SourceKind.PDF, SourceKind.WEB})
"""Sources that must appear in Resources when cited (external documents)."""
UNVERIFIED_VERDICTS = frozenset({Verdict.BLOCKED, Verdict.TIMEOUT, Verdict.ERROR})
INSECURE_TWIN_VERDICTS = frozenset({Verdict.OK, Verdict.REDIRECTED})
"""Verdicts of an https:// twin that make an http:// link worth upgrading."""
HTTP_PREFIX = "http://"
HTTPS_PREFIX = "https://"


# ---------------------------------------------------------------------------
# Internal links
# ---------------------------------------------------------------------------


def _fragment(url: str) -> str:
    return url.partition("#")[2]


def _has_anchor(anchors: frozenset[str], fragment: str) -> bool:
    return fragment in anchors or unquote(fragment) in anchors


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Judge:
    severities: Mapping[str, Severity]
    history: Mapping[str, Persistence] = field(default_factory=dict)
    allow_private: bool = False

    def finding(
        self,
        rule: str,
        link: Link,
        message: str,
        suggestion: str | None = None,
        *,
        severity: Severity | None = None,
    ) -> Finding:
        chosen = severity or self.severities.get(rule, RULES_BY_ID[rule].severity)
        return Finding(rule, chosen, link.location, message, link.url, suggestion)


def posts_without_resources(posts: Sequence[Post]) -> list[str]:
    """Display paths of the posts that have no Resources section, in the given order."""
    return [post.path for post in posts if not post.has_resources]


def judge(
    posts: Sequence[Post],
    results: Mapping[str, CheckResult] | None = None,
    *,
    severities: Mapping[str, Severity] | None = None,
    history: Mapping[str, Persistence] | None = None,
    site: Site | None = None,
    allow_private: bool = False,
) -> list[Finding]:
    """Every finding about ``posts``, sorted by (path, line, column, rule).

    ``results`` None is an offline run: only the rules that need no network apply.
    ``severities`` overrides the default severity of rules by id. ``history`` (by checked
    URL) is the judgement of ``linkcheck.evidence`` on the URL's recorded history: an
    ``unverified-link`` whose failure the evidence makes an error (``Persistence.escalate``)
    becomes one, and failing links say since when. ``site`` holds every post of the site for
    internal links (default: ``posts`` alone, as plain folders under ``content/``).
    ``allow_private`` False: in an offline run too, a link whose host is a private address
    or this machine (``localhost``) is a ``private-address`` finding (online, the check
    stage reports it, names that resolve to such addresses included).
    """
    judge_ = _Judge(severities or {}, history or {}, allow_private)
    index = site if site is not None else posts_site(posts)
    findings: list[Finding] = []
    for post in posts:
        findings.extend(_post_findings(judge_, post, index, results))
    findings.sort(key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule))
    return findings


def _post_findings(
    judge_: _Judge,
    post: Post,
    index: Site,
    results: Mapping[str, CheckResult] | None,
) -> Iterator[Finding]:
    resource_keys = {link.source.key for link in post.links if link.in_resources}
    for link in post.links:
        if link.ignored:
            continue
        yield from _link_findings(judge_, post, link, index, resource_keys, results)
    yield from _resources_findings(judge_, post)
    if post.empty:
        rule = RULES_BY_ID[EMPTY_POST]
        severity = judge_.severities.get(EMPTY_POST, rule.severity)
        where = Location(post.path, 1, 1)
        yield Finding(EMPTY_POST, severity, where, "the post has no text")


def _link_findings(
    judge_: _Judge,
    post: Post,
    link: Link,
    index: Site,
    resource_keys: set[str],
    results: Mapping[str, CheckResult] | None,
) -> Iterator[Finding]:
    if not link.url.strip():
        if post.document.path.name != BOOK_SUMMARY or link.kind is not LinkKind.INLINE:
            yield judge_.finding(EMPTY_LINK, link, "empty link target")
        return
    if holds_template(link.url):
        return  # ``https://…/{{ page.url | urlencode }}``: the site's build makes the URL
    scheme = _scheme_rule(link)
    if scheme is not None:
        yield judge_.finding(scheme[0], link, scheme[1])
        return
    reason = malformed_reason(link.target)
    if reason is not None:
        yield judge_.finding(MALFORMED_URL, link, f"malformed URL: {reason}")
        return
    own = index.own_path(link.target)
    if own is not None:
        yield from _internal_findings(judge_, post, link, index, own)
        return
    if link.source.kind is SourceKind.RELATIVE:
        if link.url[: len(WWW_PREFIX)].lower() == WWW_PREFIX:
            yield judge_.finding(
                MISSING_SCHEME,
                link,
                "a web address without https://: browsers open it as a path on this site",
                suggestion=HTTPS_PREFIX + link.url,
            )
            return
        yield from _internal_findings(judge_, post, link, index, link.url)
        return
    if _is_citation(link) and post.has_resources and link.source.key not in resource_keys:
        yield judge_.finding(
            MISSING_FROM_RESOURCES, link, "cited in the body but missing from Resources"
        )
    if results is not None:
        yield from _network_findings(judge_, link, results)
    elif not judge_.allow_private and not shows_its_address(link):
        private = private_url(link.target)
        if private is not None:
            yield judge_.finding(PRIVATE_ADDRESS, link, private)


SHOWN_ADDRESS_KINDS: frozenset[LinkKind] = frozenset({LinkKind.BARE, LinkKind.AUTOLINK})


def shows_its_address(link: Link) -> bool:
    """Whether a link shows the reader its own address (a bare URL, an autolink, or text
    that is the address, scheme and final ``/`` aside): ``open http://localhost:4000`` in a
    tutorial names a place on the reader's machine, which a private address rightly is. A
    private address behind other text (``[my post](http://localhost:1313/posts/x/)``) is a
    link copied from a preview: a finding."""
    if link.kind in SHOWN_ADDRESS_KINDS:
        return True
    return bool(link.text) and _address(link.text) == _address(link.url)


def _address(text: str) -> str:
    text = text.strip().lower()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    return text.rstrip("/")


def _scheme_rule(link: Link) -> tuple[str, str] | None:
    scheme, colon, _ = link.url.strip().partition(":")
    found = SCHEME_RULES.get(scheme.lower()) if colon else None
    if found is None:
        return None
    if found[0] == DATA_LINK and (
        link.kind in IMAGE_KINDS and link.url.strip()[5:].lower().startswith("image/")
    ):
        return None
    return found


def _is_citation(link: Link) -> bool:
    return (
        not link.in_resources
        and link.kind in CITATION_KINDS
        and link.source.kind in CITED_SOURCE_KINDS
        and link.is_external
        and is_checkable(link.target)
    )


def _internal_findings(
    judge_: _Judge, post: Post, link: Link, site: Site, url: str
) -> Iterator[Finding]:
    url = site.as_path(url)
    target = site.resolve(post, url)
    if target.kind is TargetKind.MISSING:
        yield judge_.finding(BROKEN_INTERNAL_LINK, link, target.description)
        return
    if target.kind is not TargetKind.PAGE or target.page is None:
        return
    fragment = _fragment(url)
    if fragment and not site.has_anchor(target.page, fragment):
        where = "this post" if target.page.path == post.path else target.page.path
        yield judge_.finding(MISSING_ANCHOR, link, f"no heading or id '#{fragment}' in {where}")


def _network_findings(
    judge_: _Judge, link: Link, results: Mapping[str, CheckResult]
) -> Iterator[Finding]:
    result = results.get(strip_fragment(link.target))
    if result is not None:
        yield from _verdict_findings(judge_, link, result)
        fragment = _fragment(link.target)
        if fragment and _has_anchor(result.missing_fragments, fragment):
            yield judge_.finding(
                MISSING_FRAGMENT, link, f"fragment '#{fragment}' not found on the page"
            )
    insecure = _insecure_twin(link.target, results)
    if insecure is not None and (result is None or result.verdict is not Verdict.MOVED):
        yield judge_.finding(INSECURE_LINK, link, "the https:// address works", suggestion=insecure)


def _verdict_findings(judge_: _Judge, link: Link, result: CheckResult) -> Iterator[Finding]:
    verdict = result.verdict
    if verdict is Verdict.SKIPPED and is_private_reason(result.reason):
        if not shows_its_address(link):
            yield judge_.finding(PRIVATE_ADDRESS, link, result.reason)
        return
    persistence = judge_.history.get(result.url)
    since = f"; {persistence.description}" if persistence is not None else ""
    if verdict is Verdict.DEAD:
        rule = SOFT_404 if is_soft_404(result) else DEAD_LINK
        yield judge_.finding(rule, link, _reason(result) + since, suggestion=DEAD_LINK_FIX)
    elif verdict is Verdict.MOVED:
        yield from _moved_findings(judge_, link, result)
    elif verdict is Verdict.REDIRECTED and _to_homepage(link, result):
        yield judge_.finding(
            MOVED_TO_HOMEPAGE,
            link,
            f"redirected to the site's home or section page {result.final_url}",
        )
    elif verdict in UNVERIFIED_VERDICTS:
        detail = f"{verdict.value}: {result.reason}" if result.reason else verdict.value
        escalated = Severity.ERROR if persistence is not None and persistence.escalate else None
        yield judge_.finding(
            UNVERIFIED_LINK, link, f"could not verify ({detail}){since}", severity=escalated
        )


def _reason(result: CheckResult) -> str:
    if result.reason:
        return result.reason
    if result.status is not None:
        return f"HTTP {result.status}"
    return result.verdict.value


def _moved_findings(judge_: _Judge, link: Link, result: CheckResult) -> Iterator[Finding]:
    final = result.final_url
    if not final:
        yield judge_.finding(MOVED_LINK, link, "moved permanently")
        return
    if is_homepage_redirect(link.url, final):
        yield judge_.finding(
            MOVED_TO_HOMEPAGE,
            link,
            f"moved permanently to the site's home or section page {final}",
        )
        return
    replacement = _with_fragment(final, _fragment(link.url))
    yield judge_.finding(
        MOVED_LINK, link, f"moved permanently to {replacement}", suggestion=replacement
    )


def _to_homepage(link: Link, result: CheckResult) -> bool:
    """Whether a link's redirects end on its site's home or a section index."""
    return bool(result.final_url) and is_homepage_redirect(link.url, result.final_url or "")


def _with_fragment(url: str, fragment: str) -> str:
    """``url`` carrying the link's fragment, unless it has one of its own."""
    if not fragment or "#" in url:
        return url
    return f"{url}#{fragment}"


def _path(url: str) -> str | None:
    try:
        return urlsplit(url).path
    except ValueError:
        return None


def _depth(path: str) -> int:
    return len([segment for segment in path.split("/") if segment])


def is_homepage_redirect(original: str, final: str) -> bool:
    """Whether a permanent redirect from ``original`` ends on a site root or section index.

    The final path is empty or ``/``, or ends in ``/`` and is shallower than the original:
    the usual sign of a removed page sent to the home page.
    """
    before, after = _path(original), _path(final)
    if before is None or after is None or _depth(before) == 0:
        return False
    if after in ("", "/"):
        return True
    return after.endswith("/") and _depth(after) < _depth(before)


def _insecure_twin(url: str, results: Mapping[str, CheckResult]) -> str | None:
    """The https:// form of an http:// ``url`` when the results show it answering, else None."""
    if not url.lower().startswith(HTTP_PREFIX):
        return None
    twin = HTTPS_PREFIX + url[len(HTTP_PREFIX) :]
    result = results.get(strip_fragment(twin))
    if result is None or result.verdict not in INSECURE_TWIN_VERDICTS:
        return None
    return twin


def _resources_findings(judge_: _Judge, post: Post) -> Iterator[Finding]:
    """Duplicates within Resources and Resources entries the body never cites."""
    cited = {
        link.source.key
        for link in post.links
        if not link.in_resources and link.kind is not LinkKind.FRONTMATTER
    }
    first_line: dict[str, int] = {}
    for link in post.links:
        if not link.in_resources or link.kind in IMAGE_KINDS or not link.source.key:
            continue
        key = link.source.key
        if key not in first_line:
            first_line[key] = link.location.line
            if not link.ignored and link.source.kind in CITED_SOURCE_KINDS and key not in cited:
                yield judge_.finding(UNCITED_RESOURCE, link, "listed in Resources but not cited")
        elif link.location.line != first_line[key] and not link.ignored:
            yield judge_.finding(
                DUPLICATE_RESOURCE, link, f"already listed in Resources at line {first_line[key]}"
            )
