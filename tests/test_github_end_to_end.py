"""Scheduled runs against a fake GitHub REST API on 127.0.0.1: exactly one tracking issue."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from linkcheck.cli import cli
from tests.fakeweb import FakeWeb
from tests.fakeweb import Response as WebResponse
from tests.test_end_to_end import MIT, TIME, healthy

TOKEN = "ghs_test_token_value"
REPO = "blog-owner/blog"


@dataclass
class FakeGitHub:
    """Just enough of the issues API, with a log of every write."""

    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    writes: list[tuple[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def handle(self, request: Request) -> Response:
        self.tokens.add(request.headers.get("Authorization", ""))
        path = request.path.removeprefix(f"/repos/{REPO}")
        body = json.loads(request.data) if request.data else {}
        if request.method != "GET":
            self.writes.append((request.method, path))
        if path.startswith("/labels/"):
            name = path.removeprefix("/labels/")
            return self._json({"name": name}) if name in self.labels else self._json({}, 404)
        if path == "/labels":
            self.labels.add(body["name"])
            return self._json(body, 201)
        if path == "/issues" and request.method == "GET":
            label = request.args.get("labels")
            found = [
                i for i in self.issues.values() if i["state"] == "open" and label in i["labels"]
            ]
            return self._json(found)
        if path == "/issues":
            number = len(self.issues) + 1
            issue = {
                "number": number,
                "state": "open",
                "title": body["title"],
                "body": body["body"],
                "labels": body.get("labels", []),
                "html_url": f"https://example.invalid/{number}",
                "comments": [],
            }
            self.issues[number] = issue
            return self._json(issue, 201)
        match = re.fullmatch(r"/issues/(\d+)(/comments)?", path)
        if match:
            issue = self.issues[int(match.group(1))]
            if match.group(2):
                issue["comments"].append(body["body"])
                return self._json({"id": 1}, 201)
            issue.update({k: v for k, v in body.items() if k in {"title", "body", "state"}})
            return self._json(issue)
        return self._json({"message": f"Not Found {request.method} {path}"}, 404)

    @staticmethod
    def _json(data: object, status: int = 200) -> Response:
        return Response(json.dumps(data), status, content_type="application/json")


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    return fake


def scheduled_run(api: str) -> int:
    runner = CliRunner()
    run = runner.invoke(
        cli,
        ["run", "--format", "json", "--output", "report.json", "--no-cache", "--retries", "0"],
        prog_name="linkcheck",
    )
    sync = runner.invoke(
        cli,
        ["github-issue", "report.json", "--api-url", api, "--repository", REPO],
        prog_name="linkcheck",
        env={"GITHUB_TOKEN": TOKEN},
    )
    assert sync.exit_code == 0, sync.output
    return run.exit_code


def test_one_tracking_issue_across_scheduled_runs(
    blog: Path,
    web: FakeWeb,
    github: FakeGitHub,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    healthy(web)

    assert scheduled_run(api) == 0  # healthy: nothing to open
    assert github.issues == {}
    assert github.writes == []

    web.route(MIT, WebResponse(404, b"gone"))  # rot appears
    assert scheduled_run(api) == 1
    assert list(github.issues) == [1]
    assert github.issues[1]["state"] == "open"
    assert MIT in github.issues[1]["body"]
    writes = len(github.writes)

    assert scheduled_run(api) == 1  # the same rot: no edit, no notification
    assert len(github.writes) == writes

    web.route(TIME, WebResponse(410, b"gone"))  # it changes: the one issue is edited
    assert scheduled_run(api) == 1
    assert list(github.issues) == [1]
    assert ("PATCH", "/issues/1") in github.writes[writes:]
    assert TIME in github.issues[1]["body"]
    writes = len(github.writes)

    web.unknown_hosts.update({host for (host, _path) in web.routes})  # the network drops
    assert scheduled_run(api) == 3
    assert len(github.writes) == writes  # untouched
    web.unknown_hosts.clear()

    healthy(web)  # fixed: comment, then close
    assert scheduled_run(api) == 0
    assert github.issues[1]["state"] == "closed"
    assert len(github.issues[1]["comments"]) == 1
    assert list(github.issues) == [1]
    assert github.tokens == {f"Bearer {TOKEN}"} or github.tokens == {f"token {TOKEN}"}


def test_dry_run_says_only_what_it_would_do_and_outputs_name_the_issue(
    blog: Path,
    web: FakeWeb,
    github: FakeGitHub,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    healthy(web)
    web.route(MIT, WebResponse(404, b"gone"))
    runner = CliRunner()
    run = runner.invoke(
        cli, ["run", "--format", "json", "--output", "report.json", "--no-cache", "-q"]
    )
    assert run.exit_code == 1
    outputs = blog / "github_output"
    args = ["github-issue", "report.json", "--api-url", api, "--repository", REPO]
    args += ["--github-output", str(outputs)]
    env = {"GITHUB_TOKEN": TOKEN}
    dry = runner.invoke(cli, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert github.writes == []
    assert "Would open a tracking issue" in dry.stdout
    assert dry.stdout.splitlines()[-1] == (
        "tracking issue: dry run, would be created (nothing was written)"
    )
    assert "tracking issue: created" not in dry.stdout
    assert outputs.read_text() == "issue-action=would-be-created\nissue-url=\nissue-number=\n"
    outputs.unlink()
    real = runner.invoke(cli, args, env=env)
    assert real.exit_code == 0, real.output
    assert real.stdout.splitlines()[-1] == "tracking issue: created"
    assert outputs.read_text() == (
        "issue-action=created\nissue-url=https://example.invalid/1\nissue-number=1\n"
    )
