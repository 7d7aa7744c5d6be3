"""Reports written piece by piece: the same bytes as the rendered text, to a file or stdout."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pytest
from click.testing import CliRunner

from linkcheck import cli as cli_module
from linkcheck.cli import cli, emit, emit_stream
from linkcheck.models import UsageError

TEXT = '{\n  "a": "é"\n}\n'


def write_text(fp: TextIO) -> None:
    for line in TEXT.splitlines(keepends=True):
        fp.write(line)


def test_a_streamed_file_has_the_bytes_emit_writes(tmp_path: Path) -> None:
    emit(TEXT, str(tmp_path / "whole.json"))
    emit_stream(write_text, str(tmp_path / "streamed.json"))
    assert (tmp_path / "streamed.json").read_bytes() == (tmp_path / "whole.json").read_bytes()


def test_a_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write"):
        emit_stream(write_text, str(tmp_path / "missing" / "report.json"))


def test_stdout_gets_the_text_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "ECHO_CHUNK", 4)
    echoed: list[str] = []
    monkeypatch.setattr(cli_module.click, "echo", lambda text, nl: echoed.append(text))
    emit_stream(write_text, None)
    assert "".join(echoed) == TEXT
    assert len(echoed) > 1


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
