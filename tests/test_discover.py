"""Finding posts and reading them: frontmatter, encodings and input errors."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import linkcheck.discover as discover_module
from linkcheck.discover import (
    Discovered,
    discover,
    display_name,
    find_posts,
    glob_pattern,
    path_order,
    read_document,
    read_head,
    without_excluded,
    written_urls,
)
from linkcheck.frontmatter import find_frontmatter
from linkcheck.models import InputError, UsageError

POST = "---\ntitle: Hello\ndate: 2025-03-14\n---\n\nBody [x](https://a.example/)\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


# ---------------------------------------------------------------------------
# find_posts
# ---------------------------------------------------------------------------


def test_find_posts_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    write(tmp_path / "b.md", "b")
    write(tmp_path / "a.markdown", "a")
    write(tmp_path / "sub" / "c.MDX", "c")
    write(tmp_path / "notes.txt", "t")
    write(tmp_path / ".git" / "x.md", "hidden dir")
    write(tmp_path / "node_modules" / "pkg" / "readme.md", "vendored")
    write(tmp_path / "sub" / ".draft.md", "hidden file")
    assert find_posts([tmp_path]) == [
        tmp_path / "a.markdown",
        tmp_path / "b.md",
        tmp_path / "sub" / "c.MDX",
    ]


def test_posts_sorted_by_name_then_directory_as_paths_compare(tmp_path: Path) -> None:
    # "a-b.md" < "a/..." as text ("-" < "/"), but a directory's component "a" sorts first.
    for name in ("a-b.md", "a/z.md", "a.md", "A.md", "a b.md", "é.md", "a0.md"):
        write(tmp_path / name, "x")
    found = find_posts([tmp_path])
    assert found == sorted(found)
    assert found.index(tmp_path / "a" / "z.md") < found.index(tmp_path / "a-b.md")


_COMPONENT = st.sampled_from(["a", "A", "a-b", "a.b", "a b", "-", "..x", "é", "ab", "b", "0"])


@given(
    st.lists(st.lists(_COMPONENT, min_size=1, max_size=4), max_size=12),
    st.booleans(),
)
def test_path_order_sorts_as_path_objects_do(parts: list[list[str]], absolute: bool) -> None:
    paths = [Path("/" if absolute else ".", *components) for components in parts]
    assert sorted(paths, key=path_order) == sorted(paths)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and devices are POSIX")
def test_read_head_reads_regular_files_alone_up_to_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "a.html", "---\ntitle: x\n---\n")
    assert read_head(path, 3) == b"---"
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would wait for a writer
    assert read_head(tmp_path / "fifo", 10) == b""
    assert read_head(Path("/dev/zero"), 10) == b""
    assert read_head(tmp_path / "missing", 10) == b""
    assert read_head(tmp_path, 10) == b""  # a directory


def test_find_posts_explicit_file_any_extension_and_deduplicated(tmp_path: Path) -> None:
    post = write(tmp_path / "post.md", "x")
    other = write(tmp_path / "notes.txt", "x")
    found = find_posts([tmp_path, post, str(post), other])
    assert found == [other, post]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_find_posts_symlinked_post_counts_once(tmp_path: Path) -> None:
    post = write(tmp_path / "blog" / "a.md", "x")
    (tmp_path / "blog" / "b.md").symlink_to(post)
    (tmp_path / "mirror").symlink_to(tmp_path / "blog", target_is_directory=True)
    found = find_posts([tmp_path / "blog", tmp_path / "mirror", tmp_path / "mirror" / "a.md"])
    assert len(found) == 1
    assert found[0].resolve() == post.resolve()


def test_find_posts_custom_extensions(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "x")
    write(tmp_path / "b.txt", "x")
    assert find_posts([tmp_path], extensions=["txt"]) == [tmp_path / "b.txt"]


def test_find_posts_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nope"):
        find_posts([tmp_path / "nope"])


def test_find_posts_hidden_root_given_explicitly_is_searched(tmp_path: Path) -> None:
    post = write(tmp_path / ".blog" / "p.md", "x")
    assert find_posts([tmp_path / ".blog"]) == [post]


# ---------------------------------------------------------------------------
# read_document
# ---------------------------------------------------------------------------


def test_read_document_splits_frontmatter(tmp_path: Path) -> None:
    path = write(tmp_path / "blog" / "p.md", POST)
    doc = read_document(path, cwd=tmp_path)
    assert doc.display_path == "blog/p.md"
    assert doc.metadata == {"title": "Hello", "date": datetime.date(2025, 3, 14)}
    assert doc.body == "\nBody [x](https://a.example/)\n"
    assert doc.text[: doc.body_offset].endswith("---\n")
    assert doc.body_line_offset == 4
    assert not doc.has_bom


def test_read_document_without_frontmatter(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "p.md", "# Title\n"), cwd=tmp_path)
    assert doc.metadata == {}
    assert doc.body_offset == 0


def test_read_document_crlf_and_dots_closing(tmp_path: Path) -> None:
    text = "---\r\ntitle: T\r\n...\r\nBody\r\n"
    doc = read_document(write(tmp_path / "p.md", text), cwd=tmp_path)
    assert doc.metadata == {"title": "T"}
    assert doc.body == "Body\r\n"
    assert doc.text == text


def test_read_document_strips_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "p.md", "\ufeff" + POST)
    doc = read_document(path, cwd=tmp_path)
    assert doc.has_bom
    assert doc.text == POST
    assert doc.metadata["title"] == "Hello"


def test_read_document_empty_frontmatter(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "p.md", "---\n---\nBody\n"), cwd=tmp_path)
    assert doc.metadata == {}
    assert doc.body == "Body\n"


def test_display_path_outside_cwd_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "a" / "p.md", "x")
    doc = read_document(path, cwd=tmp_path / "elsewhere")
    assert doc.display_path == path.as_posix()


def test_display_path_non_ascii(tmp_path: Path) -> None:
    path = write(tmp_path / "blög" / "café.md", "x")
    assert read_document(path, cwd=tmp_path).display_path == "blög/café.md"


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_an_empty_file_is_a_post_without_text(tmp_path: Path, content: bytes) -> None:
    doc = read_document(write(tmp_path / "p.md", content), cwd=tmp_path)
    assert (doc.metadata, doc.body_offset, doc.text.strip()) == ({}, 0, "")


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        (b"abc\x00def", "binary", 1),
        (b"ok\nline two \xff here\n", "not valid UTF-8: byte 0xff at offset 12", 2),
        (b"---\ntitle: ok\nx: y: z\n---\nbody\n", "mapping values are not allowed", 3),
        (b"---\ntitle: a\n  bad: indent\n---\nbody\n", "invalid YAML frontmatter", 3),
        (b"---\n- a\n- b\n---\nbody\n", "not a mapping", 2),
        (b"---\ntitle: never closed\n", "not closed", 1),
    ],
)
def test_read_document_input_errors(
    tmp_path: Path, content: bytes, reason: str, line: int | None
) -> None:
    path = write(tmp_path / "p.md", content)
    with pytest.raises(InputError) as caught:
        read_document(path, cwd=tmp_path)
    assert reason in caught.value.reason
    assert caught.value.line == line
    assert caught.value.path == "p.md"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="permissions are not enforced"
)
def test_read_document_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path / "p.md", "x")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot read"):
            read_document(path, cwd=tmp_path)
    finally:
        path.chmod(0o644)


def test_read_document_directory_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "d.md").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        read_document(tmp_path / "d.md", cwd=tmp_path)


# ---------------------------------------------------------------------------
# find_frontmatter
# ---------------------------------------------------------------------------


def test_find_frontmatter_offsets() -> None:
    text = "---  \na: 1\n---\nbody"
    span = find_frontmatter(text)
    assert span is not None
    assert text[span.yaml_start : span.yaml_end] == "a: 1\n"
    assert text[span.body_offset :] == "body"


def test_find_frontmatter_closing_at_end_of_file() -> None:
    span = find_frontmatter("---\na: 1\n---")
    assert span is not None
    assert span.body_offset == len("---\na: 1\n---")


def test_no_frontmatter_when_first_line_is_not_a_fence() -> None:
    assert find_frontmatter("\n---\na: 1\n---\n") is None
    assert find_frontmatter("----\n") is None


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("drafts/**", ["drafts/a.md", "drafts/x/y.md"], ["blog/drafts.md", "a/drafts/b.md"]),
        ("**/drafts/**", ["a/drafts/b.md", "drafts/b.md"], ["drafts.md"]),
        ("*.draft.md", ["x.draft.md", "blog/x.draft.md"], ["x.md"]),
        ("blog/*.md", ["blog/a.md"], ["blog/x/a.md"]),
        ("drafts/", ["drafts/a.md", "drafts/b/c.md"], ["blog/a.md"]),
        ("p?st.md", ["post.md"], ["poost.md"]),
    ],
)
def test_glob_pattern(glob: str, matches: list[str], misses: list[str]) -> None:
    pattern = glob_pattern(glob)
    for name in matches:
        assert pattern.fullmatch(name), name
    for name in misses:
        assert not pattern.fullmatch(name), name


def test_excluded_paths_are_not_posts(tmp_path: Path) -> None:
    content = tmp_path / "content"
    for name in ("blog/a.md", "drafts/b.md", "drafts/deep/c.md", "blog/d.draft.md"):
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text("# x\n", encoding="utf-8")
    found = find_posts([content])
    kept = without_excluded(found, [content], tmp_path, ["drafts/**", "*.draft.md"])
    assert [p.relative_to(content).as_posix() for p in kept] == ["blog/a.md"]
    # relative to the working directory works too
    kept = without_excluded(found, [content], tmp_path, ["content/drafts/**"])
    assert len(kept) == 2


# ---------------------------------------------------------------------------
# Hostile folders: every fault is a problem for its file, never the end of the search
# ---------------------------------------------------------------------------


def reasons(discovered: Discovered, cwd: Path) -> dict[str, str]:
    return {p.path: p.reason for p in discovered.problems}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")
def test_hostile_folder_every_fault_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "content"
    good = write(root / "good.md", "[a](https://example.com/)")
    (root / "loop-a.md").symlink_to(root / "loop-b.md")
    (root / "loop-b.md").symlink_to(root / "loop-a.md")
    (root / "broken.md").symlink_to(root / "missing.md")
    secret = write(tmp_path / "outside" / "secret.md", "[s](https://secret.example/)")
    (root / "escape.md").symlink_to(secret)
    inner = write(root / "sub" / "inner.md", "x")
    (root / "alias.md").symlink_to(inner)
    os.mkfifo(root / "fifo.md")
    write(root / "huge.md", "x" * 2000)
    odd = write(root / "new\nline.md", "[n](https://example.com/n)")
    bad_bytes = os.fsdecode(b"bad-\xff.md")
    write(root / bad_bytes, "[b](https://example.com/b)")

    found = discover([root], max_bytes=1000, cwd=tmp_path)

    assert reasons(found, tmp_path) == {
        "content/loop-a.md": "symbolic link loop; skipped",
        "content/loop-b.md": "symbolic link loop; skipped",
        "content/broken.md": "broken symbolic link (its target does not exist); skipped",
        "content/escape.md": (
            "symbolic link to a file outside the directory being checked; not followed "
            "(set follow-external-symlinks to follow it)"
        ),
        "content/fifo.md": "not a regular file (a FIFO); skipped",
        "content/huge.md": "2,000 bytes, larger than max-post-bytes (1,000); skipped",
        "content/new\\nline.md": (
            "file name is not valid UTF-8 or holds control characters (shown escaped)"
        ),
        "content/bad-\\xff.md": (
            "file name is not valid UTF-8 or holds control characters (shown escaped)"
        ),
    }
    assert sorted(p.resolve() for p in found.posts) == sorted(
        [good.resolve(), inner.resolve(), odd.resolve(), (root / bad_bytes).resolve()]
    )
    assert good in found.posts
    # Odd names are still read; their display is lossless.
    document = read_document(root / bad_bytes, cwd=tmp_path)
    assert document.display_path == "content/bad-\\xff.md"

    allowed = discover([root], max_bytes=1000, cwd=tmp_path, follow_external_symlinks=True)
    assert root / "escape.md" in allowed.posts


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")
def test_fifo_named_explicitly_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "post.md"
    os.mkfifo(fifo)
    found = discover([fifo], cwd=tmp_path)
    assert found.posts == []
    assert [p.reason for p in found.problems] == ["not a regular file (a FIFO); skipped"]
    # Even read directly (a race with the search), it does not wait for a writer.
    with pytest.raises(InputError, match="not a regular file"):
        read_document(fifo, cwd=tmp_path)


def test_read_document_caps_size(tmp_path: Path) -> None:
    post = write(tmp_path / "big.md", "x" * 101)
    with pytest.raises(InputError, match="larger than max-post-bytes"):
        read_document(post, cwd=tmp_path, max_bytes=100)
    assert read_document(post, cwd=tmp_path, max_bytes=101).text == "x" * 101


@pytest.mark.parametrize("size", [0, 1, 70_000, 200_000])
def test_a_file_that_grew_since_its_size_was_taken_is_read_whole_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    post = write(tmp_path / "growing.md", "y" * size)
    real_fstat = os.fstat

    def smaller(fd: int) -> os.stat_result:  # as if the file grew after it was measured
        info = list(real_fstat(fd))
        info[6] = 0  # st_size
        return os.stat_result(info)

    monkeypatch.setattr(discover_module.os, "fstat", smaller)
    assert read_document(post, cwd=tmp_path, max_bytes=200_000).text == "y" * size
    if size:
        with pytest.raises(InputError, match="larger than max-post-bytes"):
            read_document(post, cwd=tmp_path, max_bytes=size - 1)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("plain.md", "plain.md"),
        ("café.md", "café.md"),
        ("a\nb.md", "a\\nb.md"),
        ("tab\there.md", "tab\\there.md"),
        ("back\\slash.md", "back\\\\slash.md"),
        ("bell\x07.md", "bell\\x07.md"),
        (os.fsdecode(b"\xff\xfe.md"), "\\xff\\xfe.md"),
        ("rtl\u202e.md", "rtl\\u202e.md"),
    ],
)
def test_display_name_is_lossless_and_printable(name: str, shown: str) -> None:
    assert display_name(name) == shown
    assert display_name(name).isprintable()
    assert shown.encode("utf-8")  # encodable in every report


@pytest.mark.skipif(sys.platform == "win32", reason="permissions")
def test_unreadable_directory_is_a_problem(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("permissions are not enforced for root")
    locked = tmp_path / "locked"
    write(locked / "p.md", "x")
    locked.chmod(0)
    try:
        found = discover([tmp_path], cwd=tmp_path)
    finally:
        locked.chmod(0o755)
    assert [p.path for p in found.problems] == ["locked"]


def test_posts_over_the_tag_limit_are_problems_not_parsed(tmp_path: Path) -> None:
    """Counted before parsing: each inline HTML tag is a Markdown token (2 MB of ``<b>x</b>``
    on one line took 412 MB)."""
    tags = tmp_path / "tags.md"
    tags.write_text("<b>x</b>" * 60_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"120,000 HTML tags, more than max-post-tags \(100,000\)"):
        read_document(tags, cwd=tmp_path, max_tags=100_000)
    assert read_document(tags, cwd=tmp_path, max_tags=120_000).body.startswith("<b>")


def test_posts_over_the_line_and_link_limits_are_problems_not_parsed(tmp_path: Path) -> None:
    """Counted before parsing: Markdown keeps about 500 bytes per block (1 MB of headings
    took 460 MB), and bare ``www.`` addresses are links too."""
    headings = tmp_path / "headings.md"
    headings.write_text("# a\n" * 250_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"250,001 lines, more than max-post-lines \(50,000\)"):
        read_document(headings, cwd=tmp_path, max_lines=50_000)
    assert read_document(headings, cwd=tmp_path).body.startswith("# a")  # no limit given
    bare = tmp_path / "bare.md"
    bare.write_text("www.a.example " * 30_000, encoding="utf-8")
    assert written_urls(bare.read_text(encoding="utf-8")) == 30_000
    with pytest.raises(InputError, match="30,000 URLs written, more than max-post-links"):
        read_document(bare, cwd=tmp_path, max_links=20_000)
