"""Files a repository's .gitignore names: missing ones are made by the build."""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.app import run
from linkcheck.config import Settings as RunSettings
from linkcheck.site.ignored import GITIGNORE_BYTES, Ignored


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_patterns_of_every_gitignore_apply_the_deepest_deciding(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path,
        {
            ".gitignore": "/docs/reference/cli.md\nbuild/\n*.gen.md\n# a comment\n",
            "docs/.gitignore": "!keep.gen.md\napi/\n",
        },
    )
    ignored = Ignored(tmp_path / "docs")
    assert ignored.repository == tmp_path
    assert ignored(tmp_path / "docs/reference/cli.md")
    assert ignored(tmp_path / "docs/guide/../reference/cli.md")
    assert not ignored(tmp_path / "docs/reference/other.md")
    assert ignored(tmp_path / "build/out.md")
    assert ignored(tmp_path / "docs/a/x.gen.md")
    assert not ignored(tmp_path / "docs/keep.gen.md")  # unignored below
    assert ignored(tmp_path / "docs/api/v1.md")
    assert not ignored(tmp_path / "api/v1.md")  # docs/.gitignore's pattern is docs/'s own
    assert not ignored(tmp_path.parent / "elsewhere.md")


def test_no_repository_ignores_nothing(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "*.md\n"})
    ignored = Ignored(tmp_path)
    if ignored.repository is None:  # the temporary folder is in no repository
        assert not ignored(tmp_path / "a.md")


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_gitignore_that_is_not_a_regular_file_is_never_opened(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".gitignore")  # opening it for reading would wait for a writer
    assert not Ignored(tmp_path)(tmp_path / "a.md")


def test_a_long_gitignore_is_read_up_to_its_cap(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "x\n# " + "-" * GITIGNORE_BYTES + "\nlate.md\n"})
    ignored = Ignored(tmp_path)
    assert ignored(tmp_path / "x")
    assert not ignored(tmp_path / "late.md")


def test_links_to_missing_files_the_repository_ignores_are_not_judged(tmp_path: Path) -> None:
    # A reference page a script writes before the site is built: never in the checkout.
    (tmp_path / ".git").mkdir()
    write(
        tmp_path,
        {
            ".gitignore": "/docs/reference/cli.md\n/docs/img/generated/\n",
            "mkdocs.yml": "site_name: x\n",
            "docs/index.md": (
                "[cli](reference/cli.md#uv) [img](img/generated/a.png) "
                "[gone](reference/gone.md) [pic](img/b.png)\n"
            ),
        },
    )
    report = run(RunSettings(offline=True), cwd=tmp_path)
    assert [(f.rule, f.message) for f in report.findings if f.severity.value != "info"] == [
        ("broken-internal-link", "no file docs/reference/gone.md"),
        ("broken-internal-link", "no file docs/img/b.png"),
    ]


def test_lines_git_would_not_read_are_left_out(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "!\n[z-a]\n\\\\\nbuild/\n"})
    assert Ignored(tmp_path)(tmp_path / "build/x.md")


def test_patterns_that_backtrack_stop_the_lookups(tmp_path: Path) -> None:
    # `a*a*a*...b` against a long run of `a`: time that grows as a power of the length.
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "a" + "*a" * 10 + "*b\nbuild/\n"})
    ignored = Ignored(tmp_path)
    started = time.process_time()
    assert not ignored(tmp_path / ("a" * 200))
    assert time.process_time() - started < 5  # the lookup's budget is 0.2 s
    assert ignored.repository is None  # no more lookups: links are judged as they are
    assert not ignored(tmp_path / "build/x.md")


_GLOB = st.sampled_from(["a", "b", "/", "*", "**", "?", "[", "]", "!", "\\", "-", ".", " ", "#"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(_GLOB, max_size=12).map("".join), max_size=8),
    st.lists(st.sampled_from(["a", "b", "ab", ".x", "a b", "aaaa"]), min_size=1, max_size=6),
)
def test_any_gitignore_gives_an_answer_in_bounded_time(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], parts: list[str]
) -> None:
    root = tmp_path_factory.mktemp("repo")
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("\n".join(lines), encoding="utf-8")
    started = time.process_time()
    assert Ignored(root)(root.joinpath(*parts)) in (True, False)
    assert time.process_time() - started < 5


def test_patterns_re_warns_about_are_read_quietly(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "a[[b]\nbuild/\n"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Ignored(tmp_path)(tmp_path / "build/x.md")
