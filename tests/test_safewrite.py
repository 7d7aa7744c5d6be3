"""Whole-or-absent writes and output paths checked before a run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linkcheck.models import UsageError
from linkcheck.safewrite import atomic_writer, check_output_paths, write_atomic


def test_write_atomic_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    os.chmod(target, 0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text('{"whole": true}')

    def half_then_fail() -> None:
        with atomic_writer(target) as handle:
            handle.write(b'{"half": ')
            "\udcff".encode()  # a writer failing half-way (an unencodable name, say)

    with pytest.raises(UnicodeEncodeError):
        half_then_fail()
    assert target.read_text() == '{"whole": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_failed_first_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.md"

    def fail() -> None:
        with atomic_writer(target) as handle:
            handle.write(b"partial")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert list(tmp_path.iterdir()) == []


def test_output_paths_are_checked(tmp_path: Path) -> None:
    check_output_paths([str(tmp_path / "ok.json"), "relative.md"])
    with pytest.raises(UsageError, match="does not exist"):
        check_output_paths([str(tmp_path / "missing" / "r.json")])
    with pytest.raises(UsageError, match="is a directory"):
        check_output_paths([str(tmp_path)])
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(UsageError, match="not writable"):
            check_output_paths([str(locked / "r.json")])


def test_run_refuses_an_unwritable_output_before_checking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from linkcheck import app
    from linkcheck.cli import cli

    post = tmp_path / "post.md"
    post.write_text("[a](https://example.org/)\n")
    monkeypatch.chdir(tmp_path)

    def no_run(*_: object, **__: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(app, "run", no_run)
    result = CliRunner().invoke(
        cli, ["run", str(post), "--format", "json", "--output", "nowhere/report.json"]
    )
    assert result.exit_code == 2
    assert "directory nowhere does not exist" in result.output
