"""Find posts on disk, read them, and split their frontmatter from the Markdown body."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from linkcheck.config import DEFAULT_EXTENSIONS
from linkcheck.frontmatter import FrontmatterError, find_frontmatter, parse_frontmatter
from linkcheck.models import Document, InputError, UsageError

__all__ = [
    "DEFAULT_EXTENSIONS",
    "display_path",
    "document_from_text",
    "find_frontmatter",
    "find_posts",
    "read_document",
]

SKIPPED_DIRECTORIES: frozenset[str] = frozenset({"node_modules", "__pycache__"})
"""Directory names never searched for posts (besides hidden ones, which start with a dot)."""

UTF8_BOM = "\ufeff"


# ---------------------------------------------------------------------------
# Finding posts
# ---------------------------------------------------------------------------


def find_posts(
    paths: Sequence[str | Path], extensions: Sequence[str] = DEFAULT_EXTENSIONS
) -> list[Path]:
    """Posts under ``paths``: files as given, directories searched recursively.

    A file named explicitly is taken whatever its extension; in directories only files whose
    name ends with one of ``extensions`` (case-insensitive) are taken, and hidden directories,
    hidden files and ``node_modules`` are skipped. The result is sorted and has no duplicates.
    Raises ``UsageError`` for a path that does not exist.
    """
    endings = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for post, identity in _walk(path, endings):
                found.setdefault(identity, post)
        elif path.exists():
            found.setdefault(_identity(path), path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return sorted(found.values())


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _walk(root: Path, endings: tuple[str, ...]) -> Iterator[tuple[Path, Path]]:
    """Each post below ``root`` with its identity (its resolved path).

    A directory is resolved once; a post that is not itself a symbolic link resolves to its
    resolved directory joined with its name, which saves resolving every file.
    """
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRECTORIES]
        resolved: Path | None = None
        for name in files:
            if not name.startswith(".") and name.lower().endswith(endings):
                post = Path(directory, name)
                if os.path.islink(post):
                    yield post, _identity(post)
                    continue
                if resolved is None:
                    resolved = _identity(Path(directory))
                yield post, resolved / name


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A glob over ``/``-separated paths as a regular expression: ``*`` and ``?`` stay within
    one directory, ``**`` crosses directories, and a glob without ``/`` matches at any depth
    (``*.draft.md``)."""
    glob = glob.strip().removeprefix("./")
    parts: list[str] = [] if "/" in glob.rstrip("/") else ["(?:.*/)?"]
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    if glob.endswith("/"):
        parts.append(".*")  # a directory: everything below it
    return re.compile("".join(parts))


def without_excluded(
    posts: Sequence[Path], roots: Sequence[Path], cwd: Path, globs: Sequence[str]
) -> list[Path]:
    """``posts`` less those matching one of ``globs``, by their path relative to ``cwd`` or
    to the root (a directory of ``roots``) they were found under."""
    if not globs:
        return list(posts)
    patterns = [glob_pattern(glob) for glob in globs]
    bases = [cwd, *(root for root in roots if root.is_dir())]
    kept: list[Path] = []
    for post in posts:
        names = {post.relative_to(base).as_posix() for base in bases if post.is_relative_to(base)}
        names.add(post.as_posix())
        if not any(pattern.fullmatch(name) for pattern in patterns for name in names):
            kept.append(post)
    return kept


# ---------------------------------------------------------------------------
# Reading one post
# ---------------------------------------------------------------------------


def read_document(path: Path, *, cwd: Path | None = None) -> Document:
    """Read and split one post. Raises ``InputError`` when it cannot be used.

    Errors: unreadable file, binary content (NUL bytes), invalid UTF-8 (with the line and byte
    offset of the first bad byte), frontmatter that is not closed, is not valid
    YAML (with the file line where parsing failed) or is not a mapping.
    """
    display = display_path(path, cwd if cwd is not None else Path.cwd())
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(display, f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise InputError(display, "binary file (contains NUL bytes)", line=_byte_line(data, 0))
    has_bom = data.startswith(UTF8_BOM.encode())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            display,
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            line=_byte_line(data, exc.start),
        ) from None
    if has_bom:
        text = text[len(UTF8_BOM) :]
    return document_from_text(path, display, text, has_bom=has_bom)


def document_from_text(path: Path, display: str, text: str, *, has_bom: bool = False) -> Document:
    """A post from its decoded text: frontmatter (YAML, TOML or JSON) split from the body.

    Raises ``InputError`` (with the file line) when the frontmatter is not closed, does not
    parse or is not a mapping.
    """
    try:
        metadata, matter, body_offset = parse_frontmatter(text)
    except FrontmatterError as exc:
        line = text.count("\n", 0, min(exc.offset, len(text))) + 1
        raise InputError(display, exc.reason, line=line) from None
    return Document(
        path=path,
        display_path=display,
        text=text,
        metadata=metadata,
        body_offset=body_offset,
        has_bom=has_bom,
        frontmatter=matter,
    )


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when it lies below it, with ``/`` separators."""
    absolute = path if path.is_absolute() else cwd / path
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        pass
    try:
        return _identity(absolute).relative_to(_identity(cwd)).as_posix()
    except ValueError:
        return path.as_posix()


def _byte_line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
