"""Where outputs go: reports to files or stdout, the same bytes either way."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkcheck import output
from linkcheck.cli import cli
from linkcheck.models import UsageError
from linkcheck.output import Target, report_targets, stdout_holds_a_report, write_text

TEXT = '{\n  "a": "é"\n}\n'


def test_text_to_a_file_and_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_text(TEXT.rstrip("\n"), str(tmp_path / "out.json"))
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == TEXT
    stdout = io.StringIO()
    monkeypatch.setattr(output, "stdout_stream", lambda: stdout)
    write_text(TEXT, None)
    assert stdout.getvalue() == TEXT


def test_a_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write"):
        write_text(TEXT, str(tmp_path / "missing" / "report.json"))


def test_targets_pair_formats_with_outputs() -> None:
    targets = report_targets(("json", "text"), ("r.json",))
    assert targets == [Target("json", "r.json"), Target("text", None)]
    assert not stdout_holds_a_report(targets)
    assert stdout_holds_a_report([Target("json", None)])
    with pytest.raises(UsageError, match="only one --format can go to stdout"):
        report_targets(("json", "text"), ())
    with pytest.raises(UsageError, match="more --output files"):
        report_targets(("json",), ("a", "b"))


def test_run_json_to_stdout_and_to_a_file_are_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = tmp_path / "post.md"
    post.write_text("# Post\n\nSee [a](https://a.invalid/x) and <mailto:me@a.invalid>.\n", "utf-8")
    (tmp_path / "linkcheck.toml").write_text("", "utf-8")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["run", "--offline", "--no-cache", "--format", "json", str(post)]
    out = runner.invoke(cli, args, catch_exceptions=False).stdout
    runner.invoke(cli, [*args, "--output", "r.json"], catch_exceptions=False)
    written = Path("r.json").read_text("utf-8")
    strip = [line for line in out.splitlines() if '"elapsed"' not in line]
    assert strip == [line for line in written.splitlines() if '"elapsed"' not in line]
    assert out.endswith("}\n")
