"""Find posts on disk, read them, and split their YAML frontmatter from the Markdown body."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkcheck.config import DEFAULT_EXTENSIONS
from linkcheck.models import Document, InputError, UsageError

__all__ = ["DEFAULT_EXTENSIONS", "display_path", "find_frontmatter", "find_posts", "read_document"]

SKIPPED_DIRECTORIES: frozenset[str] = frozenset({"node_modules", "__pycache__"})
"""Directory names never searched for posts (besides hidden ones, which start with a dot)."""

UTF8_BOM = "\ufeff"
FRONTMATTER_OPEN = "---"
FRONTMATTER_CLOSE: tuple[str, ...] = ("---", "...")
FENCE_PADDING = " \t\r"
"""Characters allowed after a frontmatter fence on its line."""


@functools.cache
def _yaml() -> tuple[Any, Any]:
    """PyYAML and its fastest safe loader (imported on first use: worker processes read the
    posts, so a run that has them never loads it here)."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


@dataclass(frozen=True, slots=True)
class FrontmatterSpan:
    """Where the YAML frontmatter sits in a post's text."""

    yaml_start: int
    """Offset of the first character after the opening fence line."""
    yaml_end: int
    """Offset of the start of the closing fence line."""
    body_offset: int
    """Offset just after the closing fence line: where the Markdown body starts."""


def find_frontmatter(text: str) -> FrontmatterSpan | None:
    """The frontmatter block of ``text`` (BOM already removed), or None when there is none.

    The opening ``---`` must be the first line; the block ends at the first line that is
    ``---`` or ``...``. Raises ``ValueError`` when the opening fence is never closed.
    """
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if first_line.rstrip(FENCE_PADDING) != FRONTMATTER_OPEN:
        return None
    if first_end < 0:
        raise ValueError("frontmatter is not closed")
    line_start = first_end + 1
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        stop = len(text) if line_end < 0 else line_end
        if text[line_start:stop].rstrip(FENCE_PADDING) in FRONTMATTER_CLOSE:
            body = len(text) if line_end < 0 else line_end + 1
            return FrontmatterSpan(first_end + 1, line_start, body)
        if line_end < 0:
            break
        line_start = line_end + 1
    raise ValueError("frontmatter is not closed")


def read_document(path: Path, *, cwd: Path | None = None) -> Document:
    """Read and split one post. Raises ``InputError`` when it cannot be used.

    Errors: unreadable file, binary content (NUL bytes), invalid UTF-8 (with the line and byte
    offset of the first bad byte), an empty file, frontmatter that is not closed, is not valid
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
    if not text.strip():
        raise InputError(display, "empty file")
    metadata, body_offset = _split(text, display)
    return Document(
        path=path,
        display_path=display,
        text=text,
        metadata=metadata,
        body_offset=body_offset,
        has_bom=has_bom,
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


def _split(text: str, display: str) -> tuple[Mapping[str, Any], int]:
    try:
        span = find_frontmatter(text)
    except ValueError as exc:
        raise InputError(display, str(exc), line=1) from None
    if span is None:
        return {}, 0
    source = text[span.yaml_start : span.yaml_end]
    yaml, loader = _yaml()
    try:
        loaded = yaml.load(source, Loader=loader)  # a safe loader: see _yaml
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        offset = span.yaml_start + (mark.index if mark is not None else 0)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            display,
            f"invalid YAML frontmatter: {reason}",
            line=text.count("\n", 0, min(offset, span.yaml_end)) + 1,
        ) from None
    if loaded is None:
        return {}, span.body_offset
    if not isinstance(loaded, dict):
        raise InputError(
            display,
            f"frontmatter is not a mapping (found {type(loaded).__name__})",
            line=text.count("\n", 0, span.yaml_start) + 1,
        )
    return loaded, span.body_offset
