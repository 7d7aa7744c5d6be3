"""A small hand-made Report with hostile web text, shared by the formatter tests."""

from __future__ import annotations

import os
from pathlib import Path

from linkcheck.models import (
    CheckResult,
    Finding,
    Hop,
    InputProblem,
    Link,
    LinkKind,
    Location,
    PostSummary,
    Report,
    Severity,
    Source,
    SourceKind,
    Verdict,
)

POST = "content/blog/post.md"
OTHER = "content/blog/other.md"

GONE = "https://example.org/gone"
OLD = "https://example.org/old"
NEW = "https://example.org/new"
EVIL = "https://evil.test/?q=@everyone"
JS = "javascript:alert(1)"
IMG = "https://img.test/a.png"

HOSTILE_TITLES = {
    GONE: "<script>alert(1)</script> @everyone",
    OLD: "Old ](javascript:alert(1)) ![x](https://evil/img)",
    EVIL: "::set-output name=x::y\nline2\r\x1b[31mred%0A",
    IMG: "A | pipe & `tick` #12 *bold* _it_",
}


def _link(
    url: str,
    line: int,
    column: int,
    *,
    path: str = POST,
    kind: LinkKind = LinkKind.INLINE,
    text: str = "a link",
    in_resources: bool = False,
    source: SourceKind = SourceKind.WEB,
) -> Link:
    key = url.partition("#")[0].split("://")[-1]
    return Link(
        url=url,
        kind=kind,
        text=text,
        location=Location(path, line, column),
        in_resources=in_resources,
        source=Source(source, key),
        start=line * 100 + column,
        end=line * 100 + column + len(url),
    )


def make_report(**changes: object) -> Report:
    """The reference report; keyword arguments replace its fields."""
    links = (
        _link(GONE, 10, 5, text="a gone page"),
        _link(OLD + "#intro", 12, 3, text="old"),
        _link(EVIL, 14, 1, kind=LinkKind.BARE, text=EVIL),
        _link(JS, 16, 10, kind=LinkKind.HTML, text="click", source=SourceKind.OTHER),
        _link(GONE, 30, 4, in_resources=True, text="Gone @everyone"),
        _link(IMG, 5, 2, path=OTHER, kind=LinkKind.IMAGE, text="alt"),
    )
    results = {
        GONE: CheckResult(
            GONE,
            Verdict.DEAD,
            status=404,
            title=HOSTILE_TITLES[GONE],
            reason="404 Not Found",
            attempts=1,
            elapsed=0.1234,
            content_type="text/html",
            reached=True,
            checked_at=1700000000.5,
        ),
        OLD: CheckResult(
            OLD,
            Verdict.MOVED,
            status=200,
            final_url=NEW,
            redirects=(Hop(OLD, 301),),
            title=HOSTILE_TITLES[OLD],
            reason="200 OK",
            attempts=1,
            elapsed=0.2,
            missing_fragments=frozenset({"intro"}),
            content_type="text/html",
            reached=True,
            checked_at=1700000000.0,
        ),
        EVIL: CheckResult(
            EVIL,
            Verdict.BLOCKED,
            status=403,
            title=HOSTILE_TITLES[EVIL],
            reason="403 Forbidden\n::error::pwned",
            attempts=2,
            elapsed=1.5,
            reached=True,
            checked_at=1700000001.0,
        ),
        JS: CheckResult(JS, Verdict.SKIPPED, reason="not an http(s) URL"),
        IMG: CheckResult(
            IMG,
            Verdict.OK,
            status=200,
            title=HOSTILE_TITLES[IMG],
            reason="200 OK",
            attempts=1,
            elapsed=0.05,
            content_type="image/png",
            reached=True,
            checked_at=1699999000.0,
            from_cache=True,
        ),
    }
    findings = (
        Finding("dead-link", Severity.ERROR, Location(POST, 10, 5), "404 Not Found", url=GONE),
        Finding(
            "moved-link",
            Severity.WARNING,
            Location(POST, 12, 3),
            "moved permanently (301)",
            url=OLD + "#intro",
            suggestion=NEW + "#intro",
        ),
        Finding(
            "missing-fragment",
            Severity.WARNING,
            Location(POST, 12, 3),
            "#intro is not on the page",
            url=OLD + "#intro",
        ),
        Finding(
            "unverified-link",
            Severity.INFO,
            Location(POST, 14, 1),
            "403 Forbidden\n::error::pwned %0A",
            url=EVIL,
            suggestion="::set-output name=x::y",
        ),
        Finding(
            "malformed-url",
            Severity.WARNING,
            Location(POST, 16, 10),
            "not an http(s) URL",
            url=JS,
        ),
    )
    fields: dict[str, object] = {
        "posts": (
            PostSummary(POST, "The Carbon Cost of AI Training", 5, True),
            PostSummary(OTHER, "Other <b>post</b>", 1, False),
        ),
        "links": links,
        "results": results,
        "findings": findings,
        "problems": (InputProblem("content/blog/broken.md", "not valid UTF-8 \x1b[2J", 3),),
        "offline": False,
        "network_down": False,
        "elapsed": 0.8125,
        "stats": {"unique_urls": 5, "cached": 1},
    }
    fields.update(changes)
    return Report(**fields)  # type: ignore[arg-type]


GOLDEN = Path(__file__).parent / "golden"
UPDATE_ENV = "LINKCHECK_UPDATE_GOLDEN"


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/report/golden/NAME (rewritten instead when LINKCHECK_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.write_text(actual, encoding="utf-8", newline="")
    assert actual == path.read_text(encoding="utf-8")
