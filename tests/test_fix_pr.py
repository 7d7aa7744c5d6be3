"""The fix pull request against a fake GitHub REST API on 127.0.0.1: one pull request, kept."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from linkcheck.cli import cli
from linkcheck.fix_pr import (
    DEFAULT_BRANCH,
    FileChange,
    FixSet,
    PullRequest,
    Pulls,
    blob_id,
    body_fingerprint,
    closed_body,
    decide,
    pr_body,
    pr_title,
    repository_path,
    validate_branch,
)
from linkcheck.models import Report, UsageError
from tests.fakeweb import FakeWeb
from tests.fakeweb import Response as WebResponse

TOKEN = "ghs_fix_token_value"
LOOPBACK = "localhost,127.0.0.1"
"""The fake API is reached directly, the fake web through its proxy."""
REPO = "blog-owner/blog"
BASE_SHA = "b" * 40
BASE_TREE = "c" * 40
OLD_A = "https://old.example/papers/a"
NEW_A = "https://new.example/papers/a"
OLD_B = "https://old.example/papers/b"
NEW_B = "https://new.example/papers/b"
POST = """---
title: A post
---

# A post

See [paper A](https://old.example/papers/a) and [paper B](https://old.example/papers/b).

## Resources

- <https://old.example/papers/a>
- https://old.example/papers/b
"""
POST_BYTES = POST.encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:40]


@dataclass
class FakeGitHub:
    """Just enough of the git data and pulls APIs, with a log of every write."""

    refs: dict[str, str] = field(default_factory=lambda: {"main": BASE_SHA})
    commits: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {BASE_SHA: {"tree": BASE_TREE, "parents": []}}
    )
    trees: dict[str, dict[str, tuple[str, str]]] = field(
        default_factory=lambda: {
            BASE_TREE: {"content/blog/post.md": ("100644", blob_id(POST_BYTES))}
        }
    )
    blobs: dict[str, bytes] = field(default_factory=lambda: {blob_id(POST_BYTES): POST_BYTES})
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    writes: list[tuple[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def handle(self, request: Request) -> Response:
        self.tokens.add(request.headers.get("Authorization", ""))
        path = request.path.removeprefix(f"/repos/{REPO}")
        body = json.loads(request.data) if request.data else {}
        method = request.method
        if method != "GET":
            self.writes.append((method, path))
        ref = re.fullmatch(r"/git/refs?/heads/(.+)", path)
        if ref:
            return self._ref(method, ref.group(1), body)
        if path == "/git/refs":
            branch = body["ref"].removeprefix("refs/heads/")
            if branch in self.refs:
                return self._json({"message": "Reference already exists"}, 422)
            self.refs[branch] = body["sha"]
            return self._json({"object": {"sha": body["sha"]}}, 201)
        contents = re.fullmatch(r"/contents/(.+)", path)
        if contents:
            tree = self.trees[self.commits[request.args["ref"]]["tree"]]
            if contents.group(1) not in tree:
                return self._json({"message": "Not Found"}, 404)
            return self._json({"type": "file", "sha": tree[contents.group(1)][1]})
        commit = re.fullmatch(r"/git/commits/([0-9a-f]{40})", path)
        if commit:
            found = self.commits[commit.group(1)]
            return self._json({"sha": commit.group(1), "tree": {"sha": found["tree"]}})
        if path == "/git/blobs":
            content = base64.b64decode(body["content"])
            sha = blob_id(content)
            self.blobs[sha] = content
            return self._json({"sha": sha}, 201)
        if path == "/git/trees":
            entries = dict(self.trees[body["base_tree"]])
            for entry in body["tree"]:
                entries[entry["path"]] = (entry["mode"], entry["sha"])
            sha = _sha(json.dumps(sorted(entries.items())).encode())
            self.trees[sha] = entries
            return self._json({"sha": sha}, 201)
        if path == "/git/commits":
            sha = _sha(json.dumps(body, sort_keys=True).encode())
            self.commits[sha] = {"tree": body["tree"], "parents": body["parents"], **body}
            return self._json({"sha": sha}, 201)
        if path == "/pulls" and method == "GET":
            owner, _, branch = request.args["head"].partition(":")
            state = request.args["state"]
            found = [
                p
                for p in sorted(self.pulls.values(), key=lambda p: -p["number"])
                if state in (p["state"], "all")
                and p["head"] == branch
                and p["base"] == request.args["base"]
                and owner == REPO.split("/")[0]
            ]
            return self._json(found)
        if path == "/pulls":
            number = len(self.pulls) + 1
            pull = {
                "number": number,
                "state": "open",
                "merged_at": None,
                "html_url": f"https://example.invalid/pull/{number}",
                "comments": [],
                **body,
            }
            self.pulls[number] = pull
            return self._json(pull, 201)
        pull_match = re.fullmatch(r"/pulls/(\d+)", path)
        if pull_match:
            pull = self.pulls[int(pull_match.group(1))]
            pull.update(body)
            return self._json(pull)
        comment = re.fullmatch(r"/issues/(\d+)/comments", path)
        if comment:
            self.pulls[int(comment.group(1))]["comments"].append(body["body"])
            return self._json({"id": 1}, 201)
        return self._json({"message": f"Not Found {method} {path}"}, 404)

    def _ref(self, method: str, branch: str, body: dict[str, Any]) -> Response:
        if method == "GET":
            if branch not in self.refs:
                return self._json({"message": "Not Found"}, 404)
            return self._json({"object": {"sha": self.refs[branch]}})
        if method == "PATCH":
            if branch not in self.refs or not body.get("force"):
                return self._json({"message": "Update is not a fast forward"}, 422)
            self.refs[branch] = body["sha"]
            return self._json({"object": {"sha": body["sha"]}})
        if method == "DELETE":
            self.refs.pop(branch, None)
            return Response(status=204)
        return self._json({"message": "no"}, 405)

    def file_on_branch(self, branch: str, path: str) -> bytes:
        tree = self.trees[self.commits[self.refs[branch]]["tree"]]
        return self.blobs[tree[path][1]]

    @staticmethod
    def _json(data: object, status: int = 200) -> Response:
        return Response(json.dumps(data), status, content_type="application/json")


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "content" / "blog").mkdir(parents=True)
    (tmp_path / "content" / "blog" / "post.md").write_text(POST, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_SHA", "GITHUB_REF_NAME", "GITHUB_TOKEN", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def page(title: str) -> WebResponse:
    body = f"<html><head><title>{title}</title></head><body></body></html>".encode()
    return WebResponse(200, body, {"Content-Type": "text/html"})


def moved(web: FakeWeb, old: str, new: str) -> None:
    web.route(old, WebResponse(301, b"", {"Location": new}))
    web.route(new, page("Paper"))


def scheduled_run(api: str, *extra: str) -> str:
    runner = CliRunner()
    runner.invoke(
        cli,
        ["run", "--format", "json", "--output", "report.json", "--no-cache", "--retries", "0"],
        prog_name="linkcheck",
    )
    sync = runner.invoke(
        cli,
        ["github-fix-pr", "report.json", "--api-url", api, "--repository", REPO, *extra],
        prog_name="linkcheck",
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_REF_NAME": "main", "NO_PROXY": LOOPBACK},
    )
    assert sync.exit_code == 0, sync.output
    return sync.output


def test_one_fix_pull_request_across_scheduled_runs(
    site: Path, web: FakeWeb, github: FakeGitHub, httpserver: HTTPServer
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    moved(web, OLD_A, NEW_A)
    web.route(OLD_B, page("Paper B"))

    output = scheduled_run(api)  # a moved link: the pull request is opened
    assert "fix pull request: created" in output
    assert list(github.pulls) == [1]
    pull = github.pulls[1]
    assert (pull["head"], pull["base"], pull["title"]) == (
        DEFAULT_BRANCH,
        "main",
        "Fix 1 moved link",
    )
    fixed = POST.replace(OLD_A, NEW_A)
    assert github.file_on_branch(DEFAULT_BRANCH, "content/blog/post.md") == fixed.encode()
    assert github.commits[github.refs[DEFAULT_BRANCH]]["parents"] == [BASE_SHA]
    assert (site / "content" / "blog" / "post.md").read_text() == POST  # the checkout is kept
    assert f"`{OLD_A}` → `{NEW_A}`" in pull["body"]
    writes = len(github.writes)

    assert "fix pull request: unchanged" in scheduled_run(api)  # same fixes: not touched
    assert len(github.writes) == writes

    moved(web, OLD_B, NEW_B)  # another link moves: the same pull request, updated in place
    assert "fix pull request: updated" in scheduled_run(api)
    assert list(github.pulls) == [1]
    assert ("PATCH", f"/git/refs/heads/{DEFAULT_BRANCH}") in github.writes[writes:]
    assert ("PATCH", "/pulls/1") in github.writes[writes:]
    both = POST.replace(OLD_A, NEW_A).replace(OLD_B, NEW_B)
    assert github.file_on_branch(DEFAULT_BRANCH, "content/blog/post.md") == both.encode()
    assert github.pulls[1]["title"] == "Fix 2 moved links"
    writes = len(github.writes)

    web.unknown_hosts.update({host for (host, _path) in web.routes})  # the network drops
    assert "fix pull request: skipped-network-down" in scheduled_run(api)
    assert len(github.writes) == writes
    web.unknown_hosts.clear()

    web.route(OLD_A, page("Paper A"))  # nothing redirects any more: closed, branch deleted
    web.route(OLD_B, page("Paper B"))
    assert "fix pull request: closed" in scheduled_run(api)
    assert github.pulls[1]["state"] == "closed"
    assert len(github.pulls[1]["comments"]) == 1
    assert DEFAULT_BRANCH not in github.refs
    writes = len(github.writes)

    assert "fix pull request: none" in scheduled_run(api)
    assert len(github.writes) == writes

    moved(web, OLD_A, NEW_A)  # the same fix again: linkcheck closed the last one, so a new one
    assert "fix pull request: created" in scheduled_run(api)
    assert list(github.pulls) == [1, 2]
    github.pulls[2]["state"] = "closed"  # someone declines it
    writes = len(github.writes)
    assert "fix pull request: declined" in scheduled_run(api)
    assert len(github.writes) == writes
    moved(web, OLD_B, NEW_B)  # new fixes: a new pull request
    assert "fix pull request: created" in scheduled_run(api)
    assert list(github.pulls) == [1, 2, 3]
    assert github.tokens == {f"Bearer {TOKEN}"}


def test_a_new_pull_request_reuses_a_leftover_branch_and_the_checked_out_commit(
    site: Path, web: FakeWeb, github: FakeGitHub, httpserver: HTTPServer
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    checkout = "a" * 40
    github.commits[checkout] = {"tree": BASE_TREE, "parents": []}
    github.refs[DEFAULT_BRANCH] = BASE_SHA  # a branch left behind by a pull request closed by hand
    moved(web, OLD_A, NEW_A)
    web.route(OLD_B, page("Paper B"))
    assert "fix pull request: created" in scheduled_run(api, "--base-sha", checkout)
    assert github.commits[github.refs[DEFAULT_BRANCH]]["parents"] == [checkout]
    assert ("POST", "/git/refs") not in github.writes


def test_posts_that_are_not_the_base_commits_are_refused(
    site: Path, web: FakeWeb, github: FakeGitHub, httpserver: HTTPServer
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    moved(web, OLD_A, NEW_A)
    web.route(OLD_B, page("Paper B"))
    runner = CliRunner()
    runner.invoke(cli, ["run", "--format", "json", "--output", "report.json", "--no-cache"])
    (site / "content" / "blog" / "post.md").write_text(POST + "\nA local edit.\n")
    result = runner.invoke(
        cli,
        ["github-fix-pr", "report.json", "--api-url", api, "--repository", REPO],
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_REF_NAME": "main", "NO_PROXY": LOOPBACK},
    )
    assert result.exit_code == 2
    assert "differs from the one in commit" in result.output
    assert github.writes == []


def test_blob_ids_are_gits() -> None:
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_a_dry_run_reads_but_writes_nothing(
    site: Path, web: FakeWeb, github: FakeGitHub, httpserver: HTTPServer
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    moved(web, OLD_A, NEW_A)
    web.route(OLD_B, page("Paper B"))
    output = scheduled_run(api, "--dry-run")
    assert "[dry run] Would open a fix pull request" in output
    assert output.rstrip().endswith(
        "fix pull request: dry run, would be created (nothing was written)"
    )
    assert github.writes == []


def test_the_api_failing_exits_4(
    site: Path, web: FakeWeb, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_json({"message": "bad creds"}, 401)
    moved(web, OLD_A, NEW_A)
    web.route(OLD_B, page("Paper B"))
    runner = CliRunner()
    runner.invoke(cli, ["run", "--format", "json", "--output", "report.json", "--no-cache"])
    result = runner.invoke(
        cli,
        ["github-fix-pr", "report.json", "--api-url", httpserver.url_for("/").rstrip("/")],
        env={
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_REF_NAME": "main",
            "NO_PROXY": LOOPBACK,
        },
    )
    assert result.exit_code == 4
    assert "401" in result.output


def test_missing_base_branch_is_a_usage_error(site: Path) -> None:
    Path("report.json").write_text("{}")
    result = CliRunner().invoke(
        cli,
        ["github-fix-pr", "report.json"],
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO},
    )
    assert result.exit_code == 2


# ---------------------------------------------------------------------------
# Pure parts
# ---------------------------------------------------------------------------


def change(path: str = "content/post.md", content: bytes = b"new") -> FileChange:
    return FileChange(path, content, False, ((OLD_A, NEW_A),))


def test_decide() -> None:
    report = Report((), (), {}, ())
    fixes = FixSet((change(),))
    same = PullRequest(1, "u", pr_body(fixes))
    other = PullRequest(1, "u", pr_body(FixSet((change(content=b"other"),))))
    none = Pulls()
    assert decide(report, fixes, none) == "created"
    assert decide(report, fixes, Pulls(same)) == "unchanged"
    assert decide(report, fixes, Pulls(other)) == "updated"
    assert decide(report, FixSet(()), Pulls(same)) == "closed"
    assert decide(report, FixSet(()), none) == "none"
    down = Report((), (), {}, (), network_down=True)
    assert decide(down, fixes, Pulls(same)) == "skipped-network-down"
    declined = Pulls.of([replace(same, open=False)])
    assert decide(report, fixes, declined) == "declined"
    merged = Pulls.of([replace(same, open=False, merged=True)])
    assert decide(report, fixes, merged) == "created"
    closed_by_us = Pulls.of([replace(same, open=False, body=closed_body(same.body))])
    assert decide(report, fixes, closed_by_us) == "created"


def test_the_fingerprint_depends_on_the_changes_only() -> None:
    one = FixSet((change("a.md"), change("b.md")))
    assert one.fingerprint == FixSet((change("b.md"), change("a.md"))).fingerprint
    assert one.fingerprint != FixSet((change("a.md"),)).fingerprint
    assert body_fingerprint(pr_body(one)) == one.fingerprint
    assert pr_title(one) == "Fix 2 moved links"


def test_the_body_keeps_urls_inert() -> None:
    hostile = FileChange("p.md", b"", False, (("https://a.example/`x`", "https://b.example/@x"),))
    body = pr_body(FixSet((hostile,)))
    assert "``https://a.example/`x```" not in body
    assert "`` https://a.example/`x` ``" in body


def test_repository_paths(tmp_path: Path) -> None:
    assert repository_path(tmp_path / "content" / "a.md", tmp_path) == "content/a.md"
    assert repository_path(tmp_path.parent / "elsewhere.md", tmp_path) is None


@pytest.mark.parametrize(
    ("branch", "base"),
    [("main", "main"), ("../x", "main"), ("a b", "main"), ("x.lock", "main"), ("x", "")],
)
def test_bad_branches(branch: str, base: str) -> None:
    with pytest.raises(UsageError):
        validate_branch(branch, base)
