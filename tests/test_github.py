"""The tracking issue sync against a mocked GitHub REST API (no network)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from linkcheck import github
from linkcheck.github import (
    REPORT_MARKER,
    GitHubError,
    SyncOutcome,
    body_fingerprint,
    decide,
    fingerprint,
    issue_body,
    issue_title,
    outcome_summary,
    retry_wait,
    same_origin,
    sync_issue,
    tracking_issue,
)
from linkcheck.models import (
    CheckResult,
    Finding,
    InputProblem,
    Location,
    PostSummary,
    Report,
    RunTrend,
    Severity,
    UsageError,
    Verdict,
)

API = "https://ghe.example.invalid/api/v3"
REPO = "octo/blog"
TOKEN = "ghs_secret_token_value"
LIST_URL = f"{API}/repos/{REPO}/issues?state=open&labels=linkcheck&per_page=100"
LABEL_URL = f"{API}/repos/{REPO}/labels/linkcheck"
ISSUES_URL = f"{API}/repos/{REPO}/issues"
POST = "content/blog/post.md"
HOSTILE = "<script>alert(1)</script> @everyone ![x](javascript:alert(1))"


def _finding(
    line: int,
    url: str,
    *,
    severity: Severity = Severity.ERROR,
    rule: str = "dead-link",
    message: str = "404 Not Found",
) -> Finding:
    return Finding(rule, severity, Location(POST, line, 3), message, url=url)


def _report(*findings: Finding, **changes: Any) -> Report:
    results = {
        f.url: CheckResult(f.url, Verdict.DEAD, status=404, title="A page", elapsed=0.2)
        for f in findings
        if f.url
    }
    report = Report(
        posts=(PostSummary(POST, "A post", len(findings), True),),
        links=(),
        results=results,
        findings=findings,
        elapsed=1.25,
    )
    return replace(report, **changes)


FAILING = _report(
    _finding(10, "https://example.org/gone"),
    _finding(12, "https://example.org/also-gone"),
    _finding(14, "https://example.org/slow", severity=Severity.WARNING, rule="unverified"),
)
HEALTHY = _report()


def _issue_json(number: int = 7, body: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "html_url": f"https://ghe.example.invalid/{REPO}/issues/{number}",
        "title": "linkcheck: 1 failing link",
        "body": body,
        "state": "open",
        **extra,
    }


def _sync(report: Report, **kwargs: Any) -> tuple[SyncOutcome, list[str], list[float]]:
    lines: list[str] = []
    waits: list[float] = []
    options: dict[str, Any] = {
        "token": TOKEN,
        "repository": REPO,
        "api_url": API,
        "out": lines.append,
        "sleep": waits.append,
        **kwargs,
    }
    outcome = sync_issue(report, **options)
    return outcome, lines, waits


def _writes(httpx_mock: HTTPXMock) -> list[httpx.Request]:
    return [r for r in httpx_mock.get_requests() if r.method != "GET"]


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content)


# ---------------------------------------------------------------------------
# Create, edit, unchanged, close, none
# ---------------------------------------------------------------------------


def test_creates_the_issue_when_links_fail(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=201, json=_issue_json(7))

    outcome, lines, _ = _sync(FAILING)

    assert outcome == SyncOutcome("created", 7, f"https://ghe.example.invalid/{REPO}/issues/7")
    (post,) = _writes(httpx_mock)
    sent = _body(post)
    assert sent["title"] == "linkcheck: 2 failing links"
    assert sent["labels"] == ["linkcheck"]
    assert sent["body"].startswith(
        f"<!-- linkcheck-report fingerprint={fingerprint(FAILING, Severity.ERROR)} -->\n"
    )
    assert "https://example.org/gone" in sent["body"]
    assert any("#7" in line for line in lines)


def test_the_default_api_is_github_com(httpx_mock: HTTPXMock) -> None:
    url = f"https://api.github.com/repos/{REPO}/issues?state=open&labels=linkcheck&per_page=100"
    httpx_mock.add_response(url=url, json=[])

    outcome, _, _ = _sync(HEALTHY, api_url=github.DEFAULT_API_URL)

    assert outcome.action == "none"
    (request,) = httpx_mock.get_requests()
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_every_api_request_carries_the_github_headers(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=201, json=_issue_json(7))

    _sync(FAILING)

    for request in httpx_mock.get_requests():
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert request.headers["User-Agent"].startswith("linkcheck/")


def test_creates_the_missing_label_before_the_issue(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, status_code=404, json={"message": "Not Found"})
    httpx_mock.add_response(
        method="POST", url=f"{API}/repos/{REPO}/labels", status_code=201, json={}
    )
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=201, json=_issue_json(8))

    outcome, _, _ = _sync(FAILING)

    assert outcome.action == "created"
    label_post, issue_post = _writes(httpx_mock)
    assert str(label_post.url) == f"{API}/repos/{REPO}/labels"
    assert _body(label_post)["name"] == "linkcheck"
    assert str(issue_post.url) == ISSUES_URL


def test_edits_the_issue_when_the_failing_links_change(httpx_mock: HTTPXMock) -> None:
    old = _report(_finding(10, "https://example.org/gone"))
    httpx_mock.add_response(url=LIST_URL, json=[_issue_json(5, issue_body(old, Severity.ERROR))])
    httpx_mock.add_response(method="PATCH", url=f"{ISSUES_URL}/5", json=_issue_json(5))

    outcome, _, _ = _sync(FAILING)

    assert (outcome.action, outcome.number) == ("edited", 5)
    (patch,) = _writes(httpx_mock)
    sent = _body(patch)
    assert set(sent) == {"title", "body"}
    assert sent["title"] == "linkcheck: 2 failing links"
    assert body_fingerprint(sent["body"]) == fingerprint(FAILING, Severity.ERROR)


def test_leaves_the_issue_alone_when_nothing_changed(httpx_mock: HTTPXMock) -> None:
    body = issue_body(FAILING, Severity.ERROR)
    # Another run: different run time, page titles and warnings, same failing links.
    again = replace(
        FAILING,
        elapsed=99.0,
        results={},
        findings=FAILING.findings[:2],
    )
    httpx_mock.add_response(url=LIST_URL, json=[_issue_json(5, body)])

    outcome, lines, _ = _sync(again)

    assert (outcome.action, outcome.number) == ("unchanged", 5)
    assert _writes(httpx_mock) == []
    assert "up to date" in lines[-1]


def test_comments_then_closes_when_healthy(httpx_mock: HTTPXMock) -> None:
    body = issue_body(FAILING, Severity.ERROR)
    httpx_mock.add_response(url=LIST_URL, json=[_issue_json(5, body)])
    httpx_mock.add_response(
        method="POST", url=f"{ISSUES_URL}/5/comments", status_code=201, json={"id": 1}
    )
    httpx_mock.add_response(method="PATCH", url=f"{ISSUES_URL}/5", json=_issue_json(5))

    outcome, _, _ = _sync(HEALTHY)

    assert (outcome.action, outcome.number) == ("closed", 5)
    comment, close = _writes(httpx_mock)
    assert comment.method == "POST"
    assert "healthy" in _body(comment)["body"]
    assert close.method == "PATCH"
    assert _body(close) == {"state": "closed", "state_reason": "completed"}


def test_a_failed_close_after_the_comment_is_reported(httpx_mock: HTTPXMock) -> None:
    body = issue_body(FAILING, Severity.ERROR)
    httpx_mock.add_response(url=LIST_URL, json=[_issue_json(5, body)])
    httpx_mock.add_response(
        method="POST", url=f"{ISSUES_URL}/5/comments", status_code=201, json={"id": 1}
    )
    httpx_mock.add_response(
        method="PATCH", url=f"{ISSUES_URL}/5", status_code=403, json={"message": "Forbidden"}
    )

    with pytest.raises(GitHubError, match=r"commented on tracking issue #5 .* could not close"):
        _sync(HEALTHY)


def test_nothing_to_do_when_healthy_and_no_issue(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])

    outcome, _, _ = _sync(HEALTHY)

    assert outcome == SyncOutcome("none")
    assert _writes(httpx_mock) == []


def test_warnings_fail_only_with_fail_on_warning(httpx_mock: HTTPXMock) -> None:
    warnings_only = _report(_finding(3, "https://example.org/slow", severity=Severity.WARNING))
    httpx_mock.add_response(url=LIST_URL, json=[], is_reusable=True)
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=201, json=_issue_json(9))

    assert _sync(warnings_only)[0].action == "none"
    assert _sync(warnings_only, fail_on=Severity.WARNING)[0].action == "created"


def test_pull_requests_with_the_marker_are_ignored(httpx_mock: HTTPXMock) -> None:
    body = issue_body(FAILING, Severity.ERROR)
    pull = _issue_json(2, body, pull_request={"url": "https://ghe.example.invalid/pr/2"})
    httpx_mock.add_response(url=LIST_URL, json=[pull, _issue_json(6, body)])

    outcome, _, _ = _sync(FAILING)

    assert (outcome.action, outcome.number) == ("unchanged", 6)


# ---------------------------------------------------------------------------
# Runs that must touch nothing
# ---------------------------------------------------------------------------


def test_network_down_sends_no_request_at_all(httpx_mock: HTTPXMock) -> None:
    outcome, lines, _ = _sync(replace(FAILING, network_down=True))

    assert outcome.action == "skipped-network-down"
    assert httpx_mock.get_requests() == []
    assert "unreachable" in lines[0]


def test_offline_run_sends_no_request_at_all(httpx_mock: HTTPXMock) -> None:
    outcome, _, _ = _sync(replace(HEALTHY, offline=True))

    assert outcome.action == "skipped-offline"
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("existing", "report", "action"),
    [
        (None, FAILING, "created"),
        ("old", FAILING, "edited"),
        ("current", HEALTHY, "closed"),
    ],
)
def test_dry_run_sends_no_write(
    httpx_mock: HTTPXMock, existing: str | None, report: Report, action: str
) -> None:
    bodies = {
        "old": issue_body(_report(_finding(1, "https://example.org/x")), Severity.ERROR),
        "current": issue_body(FAILING, Severity.ERROR),
    }
    items = [_issue_json(4, bodies[existing])] if existing else []
    httpx_mock.add_response(url=LIST_URL, json=items)
    if existing is None:
        httpx_mock.add_response(url=LABEL_URL, status_code=404, json={"message": "Not Found"})

    outcome, lines, _ = _sync(report, dry_run=True)

    assert outcome.action == action
    assert outcome.dry_run
    assert _writes(httpx_mock) == []
    assert all(line.startswith("[dry run]") for line in lines)
    assert any("Would" in line for line in lines)


# ---------------------------------------------------------------------------
# Pagination and where the token goes
# ---------------------------------------------------------------------------


def test_follows_pagination_to_the_second_page(httpx_mock: HTTPXMock) -> None:
    page2 = f"{API}/repositories/1/issues?state=open&labels=linkcheck&per_page=100&page=2"
    httpx_mock.add_response(
        url=LIST_URL,
        json=[{**_issue_json(1, "no marker here")}],
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
    )
    httpx_mock.add_response(url=page2, json=[_issue_json(3, issue_body(FAILING, Severity.ERROR))])

    outcome, _, _ = _sync(FAILING)

    assert (outcome.action, outcome.number) == ("unchanged", 3)
    assert [str(r.url) for r in httpx_mock.get_requests()] == [LIST_URL, page2]
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in httpx_mock.get_requests())


def test_the_token_is_never_sent_to_another_host(httpx_mock: HTTPXMock) -> None:
    elsewhere = "https://attacker.invalid/steal?page=2"
    httpx_mock.add_response(url=LIST_URL, json=[], headers={"Link": f'<{elsewhere}>; rel="next"'})
    httpx_mock.add_response(url=elsewhere, json=[])

    _sync(HEALTHY)

    first, second = httpx_mock.get_requests()
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert second.url.host == "attacker.invalid"
    assert "Authorization" not in second.headers
    assert TOKEN not in str(second.headers)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ghe.example.invalid/api/v3/repos", True),
        ("https://GHE.example.invalid:443/other", True),
        ("http://ghe.example.invalid/api/v3/repos", False),
        ("https://ghe.example.invalid:8443/api/v3", False),
        ("https://ghe.example.invalid.attacker.invalid/api/v3", False),
    ],
)
def test_same_origin(url: str, expected: bool) -> None:
    assert same_origin(url, API) is expected


def test_a_page_cap_stops_endless_pagination(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github, "MAX_PAGES", 2)
    httpx_mock.add_response(json=[], headers={"Link": f'<{LIST_URL}&page=2>; rel="next"'})
    httpx_mock.add_response(json=[], headers={"Link": f'<{LIST_URL}&page=3>; rel="next"'})

    with pytest.raises(GitHubError, match="more than 2 pages"):
        _sync(FAILING)
    assert _writes(httpx_mock) == []


# ---------------------------------------------------------------------------
# API errors
# ---------------------------------------------------------------------------


def test_401_names_the_token(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, status_code=401, json={"message": "Bad credentials"})

    with pytest.raises(
        GitHubError, match=r"rejected the token .*401.*Bad credentials.*GITHUB_TOKEN"
    ) as info:
        _sync(FAILING)
    assert info.value.status == 401
    assert len(httpx_mock.get_requests()) == 1


def test_403_rate_limit_exhausted_fails_without_waiting_an_hour(httpx_mock: HTTPXMock) -> None:
    far = 4_000_000_000  # a reset time decades away
    httpx_mock.add_response(
        url=LIST_URL,
        status_code=403,
        json={"message": "API rate limit exceeded for installation ID 1."},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(far)},
    )

    with pytest.raises(GitHubError, match="rate limit") as info:
        _sync(FAILING)
    assert info.value.status == 403
    assert len(httpx_mock.get_requests()) == 1


def test_secondary_rate_limit_waits_retry_after_then_succeeds(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=LIST_URL,
        status_code=403,
        json={"message": "You have exceeded a secondary rate limit."},
        headers={"retry-after": "7"},
    )
    httpx_mock.add_response(url=LIST_URL, json=[])

    outcome, _, waits = _sync(HEALTHY)

    assert outcome.action == "none"
    assert waits == [7.0]


def test_403_without_a_rate_limit_names_the_permission(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(
        method="POST",
        url=ISSUES_URL,
        status_code=403,
        json={"message": "Resource not accessible by integration"},
    )

    with pytest.raises(GitHubError, match=r"issues: write"):
        _sync(FAILING)


def test_404_names_the_repository(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, status_code=404, json={"message": "Not Found"})

    with pytest.raises(GitHubError, match=r"404.*GITHUB_REPOSITORY"):
        _sync(FAILING)


def test_422_repeats_what_github_said(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(
        method="POST",
        url=ISSUES_URL,
        status_code=422,
        json={
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "field": "body", "code": "too_long"}],
        },
    )

    with pytest.raises(GitHubError, match=r"422.*Validation Failed; Issue body too_long") as info:
        _sync(FAILING)
    assert len(_writes(httpx_mock)) == 1  # a 422 is final: no retry
    assert info.value.status == 422


def test_5xx_is_retried_with_backoff_then_fails(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, status_code=502, text="Bad Gateway", is_reusable=True)

    with pytest.raises(GitHubError, match=r"server error \(502\) after 4 attempts"):
        _sync(FAILING)
    assert len(httpx_mock.get_requests()) == github.MAX_ATTEMPTS


def test_5xx_backoff_doubles_and_a_later_success_is_used(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, status_code=503)
    httpx_mock.add_response(url=LIST_URL, status_code=500)
    httpx_mock.add_response(url=LIST_URL, json=[])

    outcome, _, waits = _sync(HEALTHY)

    assert outcome.action == "none"
    assert waits == [github.BACKOFF_BASE, github.BACKOFF_BASE * 2]


def test_a_post_is_not_retried_after_a_server_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=502)

    with pytest.raises(GitHubError, match="502"):
        _sync(FAILING)
    assert len(_writes(httpx_mock)) == 1


def test_a_lost_connection_on_a_read_is_retried(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection reset"), url=LIST_URL)
    httpx_mock.add_response(url=LIST_URL, json=[])

    outcome, _, waits = _sync(HEALTHY)

    assert outcome.action == "none"
    assert waits == [github.BACKOFF_BASE]


def test_an_oversized_response_is_refused(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github, "MAX_RESPONSE_BYTES", 1000)
    httpx_mock.add_response(url=LIST_URL, json=[_issue_json(1, "x" * 5000)])

    with pytest.raises(GitHubError, match="over 1000 bytes"):
        _sync(FAILING)


def test_a_non_json_answer_is_an_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LIST_URL, text="<html>proxy login</html>")

    with pytest.raises(GitHubError, match="not JSON"):
        _sync(FAILING)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"token": " "}, "no GitHub token"),
        ({"repository": "octo"}, "OWNER/NAME"),
        ({"repository": "../../etc"}, "OWNER/NAME"),
        ({"api_url": "ftp://ghe.example.invalid"}, "API URL"),
        ({"api_url": "https://ghe.example.invalid/api?token=1"}, "API URL"),
        ({"api_url": "https://[::1"}, "API URL"),
        ({"api_url": "http://ghe.example.invalid/api/v3"}, "token over plain http"),
        ({"api_url": "http://10.0.0.5"}, "token over plain http"),
        ({"label": "a,b"}, "label"),
    ],
)
def test_bad_settings_are_usage_errors(
    httpx_mock: HTTPXMock, changes: dict[str, str], match: str
) -> None:
    with pytest.raises(UsageError, match=match):
        _sync(FAILING, **changes)
    assert httpx_mock.get_requests() == []


# ---------------------------------------------------------------------------
# What the issue says
# ---------------------------------------------------------------------------


def test_hostile_titles_arrive_escaped_in_the_issue_body(httpx_mock: HTTPXMock) -> None:
    url = "https://example.org/gone"
    hostile = _report(_finding(10, url, message=f"404 Not Found: {HOSTILE}"))
    hostile = replace(
        hostile,
        posts=(PostSummary(POST, HOSTILE, 1, True),),
        results={url: CheckResult(url, Verdict.DEAD, status=404, title=HOSTILE)},
    )
    httpx_mock.add_response(url=LIST_URL, json=[])
    httpx_mock.add_response(url=LABEL_URL, json={"name": "linkcheck"})
    httpx_mock.add_response(method="POST", url=ISSUES_URL, status_code=201, json=_issue_json(7))

    _sync(hostile)

    (post,) = _writes(httpx_mock)
    body = _body(post)["body"]
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert "@everyone" not in body
    assert "](javascript:" not in body
    assert body.count("<!--") == 1  # only the marker is raw HTML


def test_titles_count_failing_links_and_unreadable_posts() -> None:
    one = _report(_finding(1, "https://example.org/a"))
    assert issue_title(one, Severity.ERROR) == "linkcheck: 1 failing link"
    assert issue_title(FAILING, Severity.ERROR) == "linkcheck: 2 failing links"
    assert issue_title(FAILING, Severity.WARNING) == "linkcheck: 3 failing links"
    broken = replace(HEALTHY, problems=(InputProblem(POST, "not UTF-8"),))
    assert issue_title(broken, Severity.ERROR) == "linkcheck: 1 unreadable post"


def test_fingerprint_ignores_run_time_titles_and_order() -> None:
    base = fingerprint(FAILING, Severity.ERROR)
    shuffled = replace(FAILING, findings=FAILING.findings[::-1], elapsed=7.0, results={})
    assert fingerprint(shuffled, Severity.ERROR) == base
    one_gone = replace(FAILING, findings=(_finding(11, "https://example.org/gone"),))
    assert fingerprint(one_gone, Severity.ERROR) != base


def test_the_fingerprint_is_the_set_of_failing_url_rule_pairs() -> None:
    assert github.failing_set(FAILING, Severity.ERROR) == [
        ("https://example.org/also-gone", "dead-link"),
        ("https://example.org/gone", "dead-link"),
    ]
    payload = (
        '{"version":"2","failing":[["https://example.org/also-gone","dead-link"],'
        '["https://example.org/gone","dead-link"]],"problems":[]}'
    )
    assert fingerprint(FAILING, Severity.ERROR) == hashlib.sha256(payload.encode()).hexdigest()


def test_counters_lines_and_messages_do_not_change_the_fingerprint() -> None:
    later = _report(
        _finding(
            40,
            "https://example.org/gone",
            message="404 Not Found; failing since 2027-01-01 (9 runs)",
        ),
        _finding(2, "https://example.org/also-gone", message="410 Gone"),
        _finding(41, "https://example.org/gone", message="404 Not Found (cited twice)"),
        _finding(14, "https://example.org/slow", severity=Severity.WARNING, rule="unverified"),
    )
    assert fingerprint(later, Severity.ERROR) == fingerprint(FAILING, Severity.ERROR)
    issue = github.Issue(5, "https://x.invalid/5", "t", issue_body(FAILING, Severity.ERROR))
    assert decide(later, issue, Severity.ERROR) == github.Plan(
        "unchanged", fingerprint=fingerprint(FAILING, Severity.ERROR)
    )
    # A warning that becomes an error changes the failing set: the issue is edited.
    escalated = _report(
        *FAILING.findings[:2],
        _finding(14, "https://example.org/slow", rule="unverified-link"),
    )
    plan = decide(escalated, issue, Severity.ERROR)
    assert (plan.action, plan.title) == ("edited", "linkcheck: 3 failing links")


def test_the_title_counts_failing_urls_not_findings() -> None:
    twice = _report(
        _finding(3, "https://example.org/gone"),
        _finding(9, "https://example.org/gone"),
        _finding(9, "https://example.org/gone", rule="missing-from-resources"),
    )
    assert issue_title(twice, Severity.ERROR) == "linkcheck: 1 failing link"
    assert github.failing_urls(twice, Severity.ERROR) == ["https://example.org/gone"]


def test_the_last_failing_link_fixed_closes_the_issue() -> None:
    issue = github.Issue(5, "https://x.invalid/5", "t", issue_body(FAILING, Severity.ERROR))
    assert decide(HEALTHY, issue, Severity.ERROR) == github.Plan("closed")
    warnings_only = _report(FAILING.findings[2])
    assert decide(warnings_only, issue, Severity.ERROR) == github.Plan("closed")


def test_the_body_marker_replaces_the_report_marker() -> None:
    body = issue_body(FAILING, Severity.ERROR)
    first_line = body.splitlines()[0]
    assert (
        first_line
        == f"<!-- linkcheck-report fingerprint={fingerprint(FAILING, Severity.ERROR)} -->"
    )
    assert "<!-- linkcheck-report -->" not in body
    assert len(body) <= github.MAX_BODY_CHARS


def test_an_unreadable_post_keeps_the_issue_open() -> None:
    broken = replace(HEALTHY, problems=(InputProblem(POST, "not UTF-8"),))
    issue = github.Issue(5, "https://x.invalid/5", "t", issue_body(FAILING, Severity.ERROR))
    assert decide(broken, issue, Severity.ERROR).action == "edited"


def test_tracking_issue_picks_the_oldest_marked_issue() -> None:
    body = "<!-- linkcheck-report -->\nold style"
    items = [_issue_json(9, body), _issue_json(4, body), _issue_json(2, "unrelated")]
    found = tracking_issue(items)
    assert found is not None
    assert found.number == 4
    assert body_fingerprint(found.body) is None


@pytest.mark.parametrize(
    ("status", "headers", "method", "expected"),
    [
        (502, {}, "GET", 1.0),
        (502, {}, "POST", None),
        (502, {"retry-after": "3"}, "PATCH", 3.0),
        (429, {}, "POST", github.SECONDARY_LIMIT_WAIT),
        (403, {"retry-after": "Thu, 01 Jan 1970 00:00:30 GMT"}, "POST", 20.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "40"}, "GET", 31.0),
        (403, {}, "GET", None),
        (404, {}, "GET", None),
    ],
)
def test_retry_wait(
    status: int, headers: dict[str, str], method: str, expected: float | None
) -> None:
    assert retry_wait(method, status, headers, "", attempt=1, now=10.0) == expected


@pytest.mark.parametrize(
    "api_url", ["http://127.0.0.1:8080", "http://localhost:3000/api", "http://[::1]:9000"]
)
def test_plain_http_is_allowed_for_a_loopback_api(api_url: str) -> None:
    from linkcheck.github import validate_target

    validate_target(token="t", repository="o/n", api_url=api_url, label="links")


@pytest.mark.parametrize(
    ("action", "line"),
    [
        ("created", "tracking issue: dry run, would be created (nothing was written)"),
        ("unchanged", "tracking issue: dry run, would be left unchanged (nothing was written)"),
        (
            "none",
            "tracking issue: dry run, would not be opened, nothing to do (nothing was written)",
        ),
        (
            "skipped-offline",
            "tracking issue: dry run, would be left as it is, the run was offline"
            " (nothing was written)",
        ),
    ],
)
def test_a_dry_run_says_in_words_what_it_would_do(action: str, line: str) -> None:
    assert outcome_summary(SyncOutcome(action, dry_run=True)) == line  # type: ignore[arg-type]
    assert outcome_summary(SyncOutcome(action)) == f"tracking issue: {action}"  # type: ignore[arg-type]


def _week(
    runs: int, since: str, trend: tuple[RunTrend, ...], *, elapsed: float, at: float
) -> Report:
    """One weekly run's report with every rule that can fail, the trend chart, counters and
    titles that move from week to week, and an unreadable post."""
    streak = f"; failing since {since} ({runs} runs)"
    findings = (
        _finding(3, "https://example.org/gone", message=f"HTTP 404{streak}"),
        _finding(
            5,
            "https://example.org/moved-away",
            rule="soft-404",
            message=f"soft 404: the title is 'Page not found' (it was 'A study'){streak}",
        ),
        _finding(7, "http://localhost:1313/draft", rule="private-address", message="private"),
        _finding(
            9, "/blog/missing", rule="broken-internal-link", message="no post at /blog/missing"
        ),
        _finding(
            11,
            "https://example.org/down",
            rule="unverified-link",
            message=f"could not verify (error: HTTP 503){streak}",
        ),
        _finding(
            13,
            "https://example.org/flaky",
            severity=Severity.WARNING,
            rule="unverified-link",
            message=f"could not verify (timeout){streak}",
        ),
        _finding(
            15,
            "https://example.org/wall",
            severity=Severity.WARNING,
            rule="unverified-link",
            message=f"could not verify (blocked: HTTP 403); refusing automated clients since "
            f"{since} ({runs} runs)",
        ),
        Finding("empty-post", Severity.INFO, Location("content/empty.md", 1, 1), "no text"),
    )
    results = {
        f.url: CheckResult(f.url, Verdict.DEAD, status=404, title=f"run {runs}", checked_at=at)
        for f in findings
        if f.url
    }
    problems = (InputProblem("content/huge.md", f"{runs * 1000:,} bytes, too large"),)
    return replace(
        _report(*findings), results=results, problems=problems, trend=trend, elapsed=elapsed
    )


def test_a_body_that_differs_only_in_trend_and_counters_is_not_written() -> None:
    """Two weekly runs with the same failing set: the trend chart, the streak counters and
    dates, the titles, timings and the unreadable post's reason all move; the issue stays."""
    week = 7 * 86400.0
    trend = tuple(RunTrend(1_800_000_000 + i * week, 40, 5 + i % 3) for i in range(6))
    first = _week(4, "2027-02-01", trend[:5], elapsed=3.2, at=1_800_000_000 + 4 * week)
    second = _week(5, "2027-02-01", trend, elapsed=9.8, at=1_800_000_000 + 5 * week)
    before, after = issue_body(first, Severity.ERROR), issue_body(second, Severity.ERROR)
    assert before != after  # the rendered bodies differ (chart, counters)...
    assert "\\(4 runs\\)" in before
    assert "\\(5 runs\\)" in after
    issue = github.Issue(5, "https://x.invalid/5", issue_title(first, Severity.ERROR), before)
    plan = decide(second, issue, Severity.ERROR)
    assert plan.action == "unchanged"  # ...but what decides an edit does not
    assert issue_title(second, Severity.ERROR) == issue.title
    assert issue.title == "linkcheck: 5 failing links, 1 unreadable post"
    # A flapping URL's warning turning into an error is a change of the failing set.
    worse = replace(
        second,
        findings=(
            *second.findings,
            _finding(13, "https://example.org/flaky", rule="unverified-link"),
        ),
    )
    assert decide(worse, issue, Severity.ERROR).action == "edited"


def test_the_issue_and_the_pull_request_markers_read_only_their_own() -> None:
    from linkcheck.fix_pr import CLOSED_MARKER, FIX_MARKER

    digest = "ab" * 32
    issue, pull = REPORT_MARKER.line(digest), FIX_MARKER.line(digest)
    assert issue == f"<!-- linkcheck-report fingerprint={digest} -->"
    assert pull == f"<!-- linkcheck-fix fingerprint={digest} -->"
    assert REPORT_MARKER.find(f"text\n{issue}\nmore") == digest
    assert REPORT_MARKER.find(pull) is None
    assert FIX_MARKER.find(issue) is None
    assert FIX_MARKER.find("<!-- linkcheck-fix fingerprint=abc -->") is None
    assert FIX_MARKER.replace(f"{pull}\nbody", CLOSED_MARKER) == f"{CLOSED_MARKER}\nbody"
