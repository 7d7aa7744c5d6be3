"""Judging: links and check results in, findings out. Pure functions, no I/O.

``RULES`` lists every rule once: its stable id, default severity and a one-line fix hint.
Offline rules look only at the posts; network rules also need the check results (keyed by
``strip_fragment(link.target)``). Ignored links produce no findings.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from linkcheck.check.netpolicy import is_private_reason
from linkcheck.models import (
    WWW_PREFIX,
    CheckResult,
    Finding,
    Link,
    LinkKind,
    Persistence,
    Post,
    Severity,
    SourceKind,
    Verdict,
)
from linkcheck.sources import is_checkable, malformed_reason, strip_fragment

# ---------------------------------------------------------------------------
# The rule table
# ---------------------------------------------------------------------------

DEAD_LINK = "dead-link"
MOVED_LINK = "moved-link"
MOVED_TO_HOMEPAGE = "moved-to-homepage"
MISSING_FROM_RESOURCES = "missing-from-resources"
MISSING_FRAGMENT = "missing-fragment"
UNVERIFIED_LINK = "unverified-link"
DUPLICATE_RESOURCE = "duplicate-resource"
UNCITED_RESOURCE = "uncited-resource"
INSECURE_LINK = "insecure-link"
EMPTY_LINK = "empty-link"
MALFORMED_URL = "malformed-url"
BROKEN_INTERNAL_LINK = "broken-internal-link"
MISSING_ANCHOR = "missing-anchor"
MISSING_SCHEME = "missing-scheme"
PRIVATE_ADDRESS = "private-address"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's stable id, default severity and one-line fix hint."""

    id: str
    severity: Severity
    hint: str


RULES: tuple[Rule, ...] = (
    Rule(DEAD_LINK, Severity.ERROR, "Replace the link with a live copy or an archived one."),
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
    Rule(BROKEN_INTERNAL_LINK, Severity.ERROR, "Point the link at an existing post."),
    Rule(MISSING_ANCHOR, Severity.WARNING, "Link to a heading or id the post has."),
    Rule(
        MISSING_SCHEME,
        Severity.WARNING,
        "Write the address with https:// in front: without it, it is a path on this site.",
    ),
    Rule(
        PRIVATE_ADDRESS,
        Severity.ERROR,
        "Link to the public address: readers cannot open this one (allow-private checks it).",
    ),
)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}

BLOG_PREFIX = "/blog/"
"""URL path under which every post is published as ``/blog/<slug>``."""
POST_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".mdx")
"""Relative links to files with these extensions are links to posts."""
PAGE_EXTENSION = ".html"
"""``/blog/<slug>.html`` names the post too."""
_PAGE_EXTENSIONS = (*POST_EXTENSIONS, PAGE_EXTENSION)
CITATION_KINDS = frozenset(
    {LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.AUTOLINK, LinkKind.BARE, LinkKind.HTML}
)
"""Ways of writing a link in the body that count as citing a source."""
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


def post_slug(post: Post) -> str:
    """The post's slug: frontmatter ``slug`` or the file stem."""
    return (post.slug or post.document.path.stem).strip("/")


def _file_key(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


@dataclass(frozen=True, slots=True)
class InternalIndex:
    """Every post by slug and by file, built once for all links."""

    by_slug: Mapping[str, Post]
    """Frontmatter slugs and file stems."""
    by_file: Mapping[str, Post]
    """Normalised file paths (as given on the command line, ``/`` separated)."""

    @classmethod
    def build(cls, posts: Sequence[Post]) -> InternalIndex:
        """Index ``posts``; on a clash the first post wins."""
        by_slug: dict[str, Post] = {}
        by_file: dict[str, Post] = {}
        for post in posts:
            by_slug.setdefault(post.document.path.stem, post)
            by_file.setdefault(_file_key(str(post.document.path)), post)
        for post in posts:  # A frontmatter slug wins over another post's stem.
            if post.slug:
                by_slug[post_slug(post)] = post
        return cls(by_slug, by_file)

    def target(self, post: Post, url: str) -> tuple[Post | None, str] | None:
        """Which post a relative ``url`` in ``post`` points at.

        None when the URL is not a link to a post (an image, another part of the site);
        else (the post or None when there is no such post, how the target was named).
        """
        path = unquote(strip_fragment(url).partition("?")[0])
        if not path:
            return post, "this post"
        if path.startswith("/"):
            if not path.startswith(BLOG_PREFIX):
                return None
            slug = path[len(BLOG_PREFIX) :].strip("/")
            if not slug or "/" in slug or _has_other_extension(slug):
                return None
            slug = _without_page_extension(slug)
            return self.by_slug.get(slug), f"no post with slug '{slug}'"
        if not path.lower().endswith(POST_EXTENSIONS):
            return None
        folder = posixpath.dirname(str(post.document.path).replace("\\", "/"))
        resolved = _file_key(posixpath.join(folder, path))
        return self.by_file.get(resolved), f"no post at {resolved}"


def _has_other_extension(slug: str) -> bool:
    """``image.png`` under /blog/ is a file, not a post."""
    stem, dot, ext = slug.rpartition(".")
    return bool(dot and stem and ext) and f".{ext.lower()}" not in (
        *POST_EXTENSIONS,
        PAGE_EXTENSION,
    )


def _without_page_extension(slug: str) -> str:
    """``post.html`` and ``post.md`` name the post ``post``."""
    for extension in _PAGE_EXTENSIONS:
        if slug.lower().endswith(extension) and len(slug) > len(extension):
            return slug[: -len(extension)]
    return slug


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
) -> list[Finding]:
    """Every finding about ``posts``, sorted by (path, line, column, rule).

    ``results`` None is an offline run: only the rules that need no network apply.
    ``severities`` overrides the default severity of rules by id. ``history`` (by checked
    URL) says how long a URL has been failing: an ``unverified-link`` whose failure has
    persisted (``Persistence.escalate``) becomes an error, and failing links say since when.
    """
    judge_ = _Judge(severities or {}, history or {})
    index = InternalIndex.build(posts)
    findings: list[Finding] = []
    for post in posts:
        findings.extend(_post_findings(judge_, post, index, results))
    findings.sort(key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule))
    return findings


def _post_findings(
    judge_: _Judge,
    post: Post,
    index: InternalIndex,
    results: Mapping[str, CheckResult] | None,
) -> Iterator[Finding]:
    resource_keys = {link.source.key for link in post.links if link.in_resources}
    for link in post.links:
        if link.ignored:
            continue
        yield from _link_findings(judge_, post, link, index, resource_keys, results)
    yield from _resources_findings(judge_, post)


def _link_findings(
    judge_: _Judge,
    post: Post,
    link: Link,
    index: InternalIndex,
    resource_keys: set[str],
    results: Mapping[str, CheckResult] | None,
) -> Iterator[Finding]:
    if not link.url.strip():
        yield judge_.finding(EMPTY_LINK, link, "empty link target")
        return
    reason = malformed_reason(link.url)
    if reason is not None:
        yield judge_.finding(MALFORMED_URL, link, f"malformed URL: {reason}")
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
        yield from _internal_findings(judge_, post, link, index)
        return
    if _is_citation(link) and post.has_resources and link.source.key not in resource_keys:
        yield judge_.finding(
            MISSING_FROM_RESOURCES, link, "cited in the body but missing from Resources"
        )
    if results is not None:
        yield from _network_findings(judge_, link, results)


def _is_citation(link: Link) -> bool:
    return (
        not link.in_resources
        and link.kind in CITATION_KINDS
        and link.source.kind in CITED_SOURCE_KINDS
        and link.is_external
        and is_checkable(link.target)
    )


def _internal_findings(
    judge_: _Judge, post: Post, link: Link, index: InternalIndex
) -> Iterator[Finding]:
    found = index.target(post, link.url)
    if found is None:
        return
    target, description = found
    if target is None:
        yield judge_.finding(BROKEN_INTERNAL_LINK, link, description)
        return
    fragment = _fragment(link.url)
    if fragment and not _has_anchor(target.anchors, fragment):
        where = "this post" if target is post else target.path
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
        yield judge_.finding(PRIVATE_ADDRESS, link, result.reason)
        return
    persistence = judge_.history.get(result.url)
    since = f"; {persistence.description}" if persistence is not None else ""
    if verdict is Verdict.DEAD:
        yield judge_.finding(DEAD_LINK, link, _reason(result) + since)
    elif verdict is Verdict.MOVED:
        yield from _moved_findings(judge_, link, result)
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
        if not link.in_resources or link.kind is LinkKind.IMAGE or not link.source.key:
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
