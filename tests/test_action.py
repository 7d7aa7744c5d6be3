"""The composite action and the README's workflow, as far as a machine without GitHub allows.

The action's shell steps are taken from action.yml and run with bash as the runner runs
them (``bash --noprofile --norc -eo pipefail``, inputs and step outputs substituted into
each step's ``env``, ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` files), in a fresh
repository holding only posts, against the fake web and a fake GitHub API on 127.0.0.1.
Only the install step is replaced: instead of ``pip install`` of this checkout, the
virtual environment it would make runs the linkcheck under test.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from tests.fakeweb import FakeWeb
from tests.fakeweb import Response as WebResponse
from tests.test_end_to_end import MIT, POST, healthy
from tests.test_github_end_to_end import REPO, TOKEN, FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
README = ROOT / "README.md"
WORKFLOW_MARKER = "<!-- links.yml:"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def readme_workflow() -> str:
    """The workflow the README asks users to paste (the YAML block after the marker)."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(WORKFLOW_MARKER) :]
    match = re.search(r"```yaml\n(.*?)```", after, re.DOTALL)
    assert match is not None
    return match.group(1)


@dataclass
class Run:
    """What a run of the action's steps left behind."""

    codes: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    log: str = ""
    summary: str = ""

    def output(self, name: str) -> str:
        """An output of the action, through its ``value`` expression."""
        value = action()["outputs"][name]["value"]
        match = EXPRESSION.fullmatch(value)
        assert match is not None
        _, step, _, key = match.group(1).split(".")
        return self.outputs.get(step, {}).get(key, "")


def _parse_outputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            values[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


class Runner:
    """Runs the action's steps like a GitHub runner would, in ``workspace``."""

    def __init__(self, workspace: Path, env: Mapping[str, str]) -> None:
        self.workspace = workspace
        self.temp = workspace.parent / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.env = dict(env)
        self._install_shim()

    def _install_shim(self) -> None:
        bin_dir = self.temp / "linkcheck-venv" / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        scripts = {
            "python": f'exec "{sys.executable}" "$@"\n',
            "linkcheck": f'exec "{sys.executable}" -m linkcheck "$@"\n',
        }
        for name, body in scripts.items():
            path = bin_dir / name
            path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
            path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def _value(self, expression: str, inputs: Mapping[str, str], run: Run) -> str:
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression.startswith("steps."):
            _, step, _, key = expression.split(".")
            return run.outputs.get(step, {}).get(key, "")
        if expression == "github.token":
            return TOKEN
        raise AssertionError(f"unexpected expression {expression}")

    def _condition(self, condition: str | None, inputs: Mapping[str, str], run: Run) -> bool:
        if condition is None:
            return True
        match = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", condition)
        assert match is not None, condition
        return inputs[match.group(1)] == match.group(2)

    def run(self, given: Mapping[str, str]) -> Run:
        declared = action()["inputs"]
        assert set(given) <= set(declared), set(given) - set(declared)
        inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        inputs["token"] = TOKEN
        inputs.update(given)
        run = Run()
        summary = self.temp / "step_summary.md"
        summary.write_text("", encoding="utf-8")
        for step in action()["runs"]["steps"]:
            step_id = step["id"]
            if step_id == "install" or not self._condition(step.get("if"), inputs, run):
                continue
            outputs = self.temp / f"output-{step_id}"
            outputs.write_text("", encoding="utf-8")
            env = {
                **self.env,
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_OUTPUT": str(outputs),
                "GITHUB_STEP_SUMMARY": str(summary),
            }
            for name, value in (step.get("env") or {}).items():
                env[name] = EXPRESSION.sub(
                    lambda m: self._value(m.group(1), inputs, run), str(value)
                )
            assert "${{" not in step["run"], "inputs must reach the script through env"
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            run.codes[step_id] = done.returncode
            run.log += done.stdout + done.stderr
            run.outputs[step_id] = _parse_outputs(outputs.read_text(encoding="utf-8"))
            if done.returncode != 0:
                break  # later steps are skipped, as on GitHub
        run.summary = summary.read_text(encoding="utf-8")
        return run


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Path:
    """A repository with only posts and the README's workflow pasted in."""
    repo = tmp_path / "blog"
    (repo / "content" / "blog").mkdir(parents=True)
    shutil.copy(POST, repo / "content" / "blog" / POST.name)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "links.yml").write_text(readme_workflow(), "utf-8")
    return repo


@pytest.fixture
def fake_api(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def runner(
    fresh_repo: Path,
    web: FakeWeb,
    fake_api: FakeGitHub,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "LINKCHECK_", "RUNNER_"))
    }
    env.update(
        {
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": httpserver.url_for("/").rstrip("/"),
            "NO_COLOR": "1",
        }
    )
    healthy(web)
    return Runner(fresh_repo, env)


def _scheduled_inputs() -> dict[str, str]:
    """The ``with:`` of the README workflow's scheduled job."""
    workflow = yaml.safe_load(readme_workflow())
    steps = workflow["jobs"]["all-posts"]["steps"]
    (step,) = [s for s in steps if s.get("id") == "links"]
    return {key: str(value) for key, value in step["with"].items()}


def test_the_readme_workflow_syncs_the_issue_and_writes_the_summary(
    runner: Runner, web: FakeWeb, fake_api: FakeGitHub
) -> None:
    web.route(MIT, WebResponse(404, b"gone"))
    run = runner.run(_scheduled_inputs())
    assert run.codes == {"run": 0, "report": 0, "issue": 0, "verdict": 0}, run.log
    assert run.output("exit-code") == "1"
    assert run.output("errors") == "2"  # the dead page is cited twice
    assert int(run.output("links")) == 18
    assert run.output("report").endswith("linkcheck-report.json")
    assert run.output("issue-action") == "created"
    assert run.output("issue-url") == "https://example.invalid/1"
    assert list(fake_api.issues) == [1]
    assert MIT in fake_api.issues[1]["body"]
    assert run.summary.startswith("<!-- linkcheck-report -->")
    assert "dead-link" in run.summary
    assert "Failing links found" in run.log  # a notice: the issue is the signal
    # the state directory was made with its own .gitignore
    assert (runner.workspace / ".linkcheck" / ".gitignore").read_text().endswith("*\n")


def test_fail_and_args(runner: Runner, web: FakeWeb, fake_api: FakeGitHub) -> None:
    web.route(MIT, WebResponse(404, b"gone"))
    failing = runner.run({"fail": "true", "sync-issue": "true"})
    assert failing.codes["verdict"] == 1
    assert failing.output("issue-action") == "created"
    # args are split like a shell would, without a shell: the dead URL is excluded
    excluded = runner.run({"args": "--exclude '^https://www\\.technologyreview\\.com/' -q"})
    assert excluded.output("exit-code") == "0", excluded.log
    assert excluded.codes["verdict"] == 0
    assert "issue" not in excluded.codes
    broken = runner.run({"args": "--exclude 'unclosed"})
    assert broken.codes == {"run": 2}
    assert "could not be split" in broken.log


def test_fail_if_empty(runner: Runner) -> None:
    empty = runner.workspace / "empty"
    empty.mkdir()
    (empty / "post.md").write_text("# No links here\n", encoding="utf-8")
    run = runner.run({"paths": "empty"})
    assert run.output("links") == "0"
    assert run.codes["verdict"] == 1
    assert "No link was found" in run.log
    assert runner.run({"paths": "empty", "fail-if-empty": "false"}).codes["verdict"] == 0


def test_every_input_reaches_the_scripts_through_env() -> None:
    for step in action()["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]


def test_the_readme_workflow_is_pinned_and_least_privileged() -> None:
    workflow = yaml.safe_load(readme_workflow())
    assert workflow["permissions"] == {}
    uses = [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]
    assert uses
    for ref in uses:
        assert SHA_PIN.match(ref), ref
    assert workflow["jobs"]["pull-request"]["permissions"] == {"contents": "read"}
    declared = set(action()["inputs"])
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("linkcheck-citations/linkcheck@"):
                assert set(step["with"]) <= declared


def test_zizmor_finds_nothing_in_the_pasted_workflow(fresh_repo: Path) -> None:
    zizmor = Path(sys.executable).with_name("zizmor")
    done = subprocess.run(
        [str(zizmor), "--offline", str(fresh_repo / ".github" / "workflows" / "links.yml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


def _release_check(tmp_path: Path, tag: str, built: list[str]) -> subprocess.CompletedProcess[str]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8"))
    (step,) = [s for s in workflow["jobs"]["build"]["steps"] if "tag names" in s["name"]]
    (tmp_path / "dist").mkdir(exist_ok=True)
    for name in built:
        (tmp_path / "dist" / name).write_bytes(b"")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "TAG": tag},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_release_tag_must_name_the_package_version(tmp_path: Path) -> None:
    from linkcheck import __version__

    built = [
        f"linkcheck_citations-{__version__}.tar.gz",
        f"linkcheck_citations-{__version__}-py3-none-any.whl",
    ]
    assert _release_check(tmp_path, f"v{__version__}", built).returncode == 0
    wrong = _release_check(tmp_path, "v99.0.0", built)
    assert wrong.returncode == 1
    assert "does not match the package version" in wrong.stdout


def test_the_release_workflow_is_pinned_and_least_privileged() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8"))
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["publish"]["permissions"] == {"id-token": "write"}
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), step["uses"]


def test_the_job_summary_shows_the_trend_from_the_second_run(
    runner: Runner, web: FakeWeb, fake_api: FakeGitHub
) -> None:
    web.route(MIT, WebResponse(404, b"gone"))
    first = runner.run({"paths": "content"})
    assert "xychart-beta" not in first.summary
    second = runner.run({"paths": "content"})
    assert "```mermaid\nxychart-beta\n" in second.summary
    assert "    bar [1, 1]\n" in second.summary
    assert fake_api.writes == []
