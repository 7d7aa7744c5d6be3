"""Find posts on disk, read them, and split their YAML frontmatter from the Markdown body."""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkcheck.config import DEFAULT_EXTENSIONS, DEFAULT_MAX_POST_BYTES
from linkcheck.models import Document, InputError, InputProblem, UsageError

__all__ = [
    "DEFAULT_EXTENSIONS",
    "Discovered",
    "discover",
    "display_name",
    "display_path",
    "find_frontmatter",
    "find_posts",
    "read_document",
]

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


@dataclass(frozen=True, slots=True)
class Discovered:
    """The posts found under the paths of a run, and the files that cannot be posts."""

    posts: list[Path]
    """Regular files to read, sorted, each once."""
    problems: list[InputProblem]
    """One per file skipped or odd (a FIFO, a symbolic link loop, an oversized post...)."""


def find_posts(
    paths: Sequence[str | Path], extensions: Sequence[str] = DEFAULT_EXTENSIONS
) -> list[Path]:
    """The posts of :func:`discover` (its problems dropped)."""
    return discover(paths, extensions).posts


def discover(
    paths: Sequence[str | Path],
    extensions: Sequence[str] = DEFAULT_EXTENSIONS,
    *,
    follow_external_symlinks: bool = False,
    max_bytes: int = DEFAULT_MAX_POST_BYTES,
    cwd: Path | None = None,
) -> Discovered:
    """Posts under ``paths``: files as given, directories searched recursively.

    A file named explicitly is taken whatever its extension; in directories only files whose
    name ends with one of ``extensions`` (case-insensitive) are taken, and hidden directories,
    hidden files and ``node_modules`` are skipped. Posts are sorted and have no duplicates.

    Nothing found can stop the search: only regular files are posts (a FIFO, socket or
    device is never opened), a symbolic link that loops or points nowhere is a problem, one
    that leaves the directory being searched is not followed unless
    ``follow_external_symlinks``, a file above ``max_bytes`` is a problem, and so is a
    directory that cannot be read. A file whose name is not valid UTF-8 or holds control
    characters is a problem too, and is still read (its name shown escaped, see
    :func:`display_name`). Raises ``UsageError`` for a path that does not exist.
    """
    here = cwd if cwd is not None else Path.cwd()
    endings = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    found: dict[Path, Path] = {}
    problems: list[InputProblem] = []

    def problem(path: Path, reason: str) -> None:
        problems.append(InputProblem(display_path(path, here), reason))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            walk = _Walk(path, endings, follow_external_symlinks, max_bytes, problem)
            for post, identity in walk.posts():
                found.setdefault(identity, post)
        elif os.path.lexists(path):
            named = _check_file(path, None, max_bytes, problem)
            if named is not None:
                found.setdefault(named, path)
        else:
            raise UsageError(f"{display_name(str(raw))}: no such file or directory")
    return Discovered(sorted(found.values()), problems)


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return path.absolute()


def _check_file(
    path: Path, root: Path | None, max_bytes: int, problem: Callable[[Path, str], None]
) -> Path | None:
    """The identity (resolved path) of a file that can be a post, or None after a problem.

    ``root`` is the resolved directory being searched: a symbolic link must stay inside it
    (None: anywhere).
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        problem(path, f"cannot read: {exc.strerror or exc}")
        return None
    identity: Path | None = None
    if stat.S_ISLNK(info.st_mode):
        try:
            identity = path.resolve(strict=True)
        except RuntimeError:
            problem(path, "symbolic link loop; skipped")
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                problem(path, "symbolic link loop; skipped")
            elif exc.errno == errno.ENOENT:
                problem(path, "broken symbolic link (its target does not exist); skipped")
            else:
                problem(path, f"cannot follow symbolic link: {exc.strerror or exc}")
            return None
        if root is not None and not identity.is_relative_to(root):
            problem(
                path,
                "symbolic link to a file outside the directory being checked; not followed "
                "(set follow-external-symlinks to follow it)",
            )
            return None
        try:
            info = os.stat(identity)
        except OSError as exc:
            problem(path, f"cannot read: {exc.strerror or exc}")
            return None
    kind = _special_kind(info.st_mode)
    if kind is not None:
        problem(path, f"not a regular file ({kind}); skipped")
        return None
    if info.st_size > max_bytes:
        problem(path, _too_large(info.st_size, max_bytes))
        return None
    if _odd_name(path.name):
        problem(path, "file name is not valid UTF-8 or holds control characters (shown escaped)")
    return identity if identity is not None else _identity(path)


class _Walk:
    """One directory searched for posts; every fault found on the way is a problem."""

    def __init__(
        self,
        root: Path,
        endings: tuple[str, ...],
        follow_external: bool,
        max_bytes: int,
        problem: Callable[[Path, str], None],
    ) -> None:
        self.root = root
        self.endings = endings
        self.inside = None if follow_external else _identity(root)
        self.max_bytes = max_bytes
        self.problem = problem

    def _unreadable(self, error: OSError) -> None:
        where = Path(error.filename) if error.filename else self.root
        self.problem(where, f"cannot read directory: {error.strerror or error}")

    def posts(self) -> Iterator[tuple[Path, Path]]:
        """Each post below the root with its identity (its resolved path).

        A directory is resolved once; a regular file (not a symbolic link) resolves to its
        resolved directory joined with its name, which saves resolving every file.
        Symbolic links to directories are not descended into.
        """
        for directory, subdirs, files in os.walk(self.root, onerror=self._unreadable):
            subdirs[:] = [
                d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
            ]
            resolved: Path | None = None
            for name in files:
                if name.startswith(".") or not name.lower().endswith(self.endings):
                    continue
                post = Path(directory, name)
                try:
                    info = os.lstat(post)
                except OSError as exc:
                    self.problem(post, f"cannot read: {exc.strerror or exc}")
                    continue
                if stat.S_ISREG(info.st_mode) and not _odd_name(name):
                    if info.st_size > self.max_bytes:
                        self.problem(post, _too_large(info.st_size, self.max_bytes))
                        continue
                    if resolved is None:
                        resolved = _identity(Path(directory))
                    yield post, resolved / name
                    continue
                identity = _check_file(post, self.inside, self.max_bytes, self.problem)
                if identity is not None:
                    yield post, identity


def _special_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return kind
    return "special file"


_SPECIAL_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def _too_large(size: int, limit: int) -> str:
    return f"{size:,} bytes, larger than max-post-bytes ({limit:,}); skipped"


def _odd_name(name: str) -> bool:
    return display_name(name) != name


# ---------------------------------------------------------------------------
# File names as text
# ---------------------------------------------------------------------------

_NAME_ESCAPES: dict[str, str] = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def display_name(name: str) -> str:
    """A file name as text that any report can hold, losslessly.

    Names are read from the file system as Python does (undecodable bytes as lone
    surrogates). Each byte that is not valid UTF-8 becomes ``\\xNN`` (its hex value), each
    control character ``\\n``, ``\\r``, ``\\t`` or ``\\xNN`` / ``\\uNNNN``, and a
    backslash ``\\\\``; any other name is returned unchanged. The original bytes can always
    be told back from the result.
    """
    if name.isprintable() and "\\" not in name:
        return name
    out: list[str] = []
    for char in name:
        code = ord(char)
        if char in _NAME_ESCAPES:
            out.append(_NAME_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable() or char == " ":
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


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


def read_document(
    path: Path,
    *,
    cwd: Path | None = None,
    max_bytes: int = DEFAULT_MAX_POST_BYTES,
    max_links: int | None = None,
) -> Document:
    """Read and split one post. Raises ``InputError`` when it cannot be used.

    Errors: unreadable file, not a regular file (never read: opening a FIFO does not wait
    for a writer), more than ``max_bytes``, binary content (NUL bytes), invalid UTF-8 (with
    the line and byte offset of the first bad byte), an empty file, frontmatter that is not
    closed, is not valid YAML (with the file line where parsing failed) or is not a mapping,
    and more than ``max_links`` URLs written (see :func:`written_urls`; None: no limit).
    """
    display = display_path(path, cwd if cwd is not None else Path.cwd())
    try:
        data = _read_capped(path, max_bytes)
    except OSError as exc:
        raise InputError(display, f"cannot read: {exc.strerror or exc}") from None
    except _NotAPost as exc:
        raise InputError(display, str(exc)) from None
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
    if max_links is not None:
        written = written_urls(text)
        if written > max_links:
            reason = f"{written:,} URLs written, more than max-post-links ({max_links:,}); skipped"
            raise InputError(display, reason)
    metadata, body_offset = _split(text, display)
    return Document(
        path=path,
        display_path=display,
        text=text,
        metadata=metadata,
        body_offset=body_offset,
        has_bom=has_bom,
    )


def written_urls(text: str) -> int:
    """How many URLs a post writes, counted before parsing (cheaply, in linear time): the
    larger of the number of ``://`` (absolute URLs, wherever written) and of ``](`` (inline
    links and images, relative ones included)."""
    return max(text.count("://"), text.count("]("))


class _NotAPost(Exception):
    """A file that must not be read as a post (its message says why)."""


OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
"""A FIFO or terminal opened by mistake never blocks the run nor becomes its terminal."""


def _read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked on the open file)."""
    fd = os.open(path, OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        kind = _special_kind(info.st_mode)
        if kind is not None:
            raise _NotAPost(f"not a regular file ({kind}); skipped")
        if info.st_size > max_bytes:
            raise _NotAPost(_too_large(info.st_size, max_bytes))
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)
        if len(data) > max_bytes:  # grew since fstat
            raise _NotAPost(_too_large(len(data), max_bytes))
        return data
    finally:
        os.close(fd)


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when it lies below it, with ``/`` separators, as text
    any report can hold (see :func:`display_name`)."""
    absolute = path if path.is_absolute() else cwd / path
    try:
        return display_name(absolute.relative_to(cwd).as_posix())
    except ValueError:
        pass
    try:
        return display_name(_identity(absolute).relative_to(_identity(cwd)).as_posix())
    except ValueError:
        return display_name(path.as_posix())


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
