"""Find posts on disk, read them, and split their frontmatter from the Markdown body."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkcheck.config import DEFAULT_EXTENSIONS, DEFAULT_MAX_POST_BYTES
from linkcheck.models import Document, InputError, InputProblem, UsageError

__all__ = [
    "DEFAULT_EXTENSIONS",
    "Discovered",
    "discover",
    "display_name",
    "display_path",
    "document_from_text",
    "find_posts",
    "read_document",
    "read_head",
]

SKIPPED_DIRECTORIES: frozenset[str] = frozenset({"node_modules", "__pycache__"})
"""Directory names never searched for posts (besides hidden ones, which start with a dot)."""

UTF8_BOM = "\ufeff"


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
    found: dict[str, Path | str] = {}
    """Each post by its identity (resolved path) as text: the first path it was found by."""
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
                found.setdefault(str(named), path)
        else:
            raise UsageError(f"{display_name(str(raw))}: no such file or directory")
    return Discovered(sorted(map(Path, found.values()), key=path_order), problems)


_CASE_FOLDED = os.path.normcase("A") != "A"
"""Whether paths compare case-insensitively here (Windows)."""


def path_order(path: Path) -> tuple[str, ...]:
    """The key that sorts paths as ``Path`` objects compare (component by component, case
    folded where paths compare so), without a Python-level comparison per pair."""
    parts = path.parts
    return tuple(map(os.path.normcase, parts)) if _CASE_FOLDED else parts


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

    def posts(self) -> Iterator[tuple[str, str]]:
        """Each post below the root with its identity (its resolved path), as text.

        A directory is resolved once; a regular file (not a symbolic link) resolves to its
        resolved directory joined with its name, which saves resolving every file.
        Symbolic links to directories are not descended into.
        """
        join = os.path.join
        for directory, subdirs, files in os.walk(self.root, onerror=self._unreadable):
            subdirs[:] = [
                d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
            ]
            resolved: str | None = None
            for name in files:
                if name.startswith(".") or not name.lower().endswith(self.endings):
                    continue
                post = join(directory, name)
                try:
                    info = os.lstat(post)
                except OSError as exc:
                    self.problem(Path(post), f"cannot read: {exc.strerror or exc}")
                    continue
                if stat.S_ISREG(info.st_mode) and not _odd_name(name):
                    if info.st_size > self.max_bytes:
                        self.problem(Path(post), _too_large(info.st_size, self.max_bytes))
                        continue
                    if resolved is None:
                        resolved = str(_identity(Path(directory)))
                    yield post, join(resolved, name)
                    continue
                identity = _check_file(Path(post), self.inside, self.max_bytes, self.problem)
                if identity is not None:
                    yield post, str(identity)


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


def read_document(
    path: Path,
    *,
    cwd: Path | None = None,
    max_bytes: int = DEFAULT_MAX_POST_BYTES,
    max_links: int | None = None,
    max_lines: int | None = None,
    max_tags: int | None = None,
) -> Document:
    """Read and split one post. Raises ``InputError`` when it cannot be used.

    Errors: unreadable file, not a regular file (never read: opening a FIFO does not wait
    for a writer), more than ``max_bytes``, binary content (NUL bytes), invalid UTF-8 (with
    the line and byte offset of the first bad byte), frontmatter that is not closed, does
    not parse or is not a mapping, more than ``max_links`` URLs written (see
    :func:`written_urls`), more than ``max_lines`` lines and more than ``max_tags`` ``<``
    (HTML tags; None: no limit). An empty post
    is read (the ``empty-post`` rule reports it).
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
    if max_links is not None:
        written = written_urls(text)
        if written > max_links:
            reason = f"{written:,} URLs written, more than max-post-links ({max_links:,}); skipped"
            raise InputError(display, reason)
    if max_lines is not None:
        lines = text.count("\n") + 1
        if lines > max_lines:
            reason = f"{lines:,} lines, more than max-post-lines ({max_lines:,}); skipped"
            raise InputError(display, reason)
    if max_tags is not None:
        tags = text.count("<")
        if tags > max_tags:
            reason = f"{tags:,} HTML tags, more than max-post-tags ({max_tags:,}); skipped"
            raise InputError(display, reason)
    return document_from_text(path, display, text, has_bom=has_bom)


def document_from_text(path: Path, display: str, text: str, *, has_bom: bool = False) -> Document:
    """A post from its decoded text: frontmatter (YAML, TOML or JSON) split from the body.

    Raises ``InputError`` (with the file line) when the frontmatter is not closed, does not
    parse or is not a mapping.
    """
    # Imported here, not at the top: a run whose posts are read by worker processes never
    # loads the YAML, TOML and JSON parsers in its own process (1.3 MiB less at its peak).
    from linkcheck.frontmatter import FrontmatterError, parse_frontmatter

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


def written_urls(text: str) -> int:
    """How many URLs a post writes, counted before parsing (cheaply, in linear time): the
    largest of the number of ``://`` (absolute URLs, wherever written), of ``](`` (inline
    links and images, relative ones included) and of ``www.`` (bare addresses, which
    Markdown makes links of)."""
    return max(text.count("://"), text.count("]("), text.count("www."))


class _NotAPost(Exception):
    """A file that must not be read as a post (its message says why)."""


OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
"""A FIFO or terminal opened by mistake never blocks the run nor becomes its terminal."""


READ_CHUNK_BYTES = 1 << 16
"""After a file's size as ``fstat`` gave it, how much more is read at a time."""


def read_head(path: Path, limit: int) -> bytes:
    """The first ``limit`` bytes of a regular file; nothing for anything else (a FIFO is
    never waited on, a device never read) or a file that cannot be read."""
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, limit)
    except OSError:
        return b""
    finally:
        os.close(fd)


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
        parts: list[bytes] = []
        size = 0
        want = info.st_size + 1  # one more: a file that grew since fstat reads on
        while size <= max_bytes:
            part = os.read(fd, min(want, max_bytes + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
            want = READ_CHUNK_BYTES
        if size > max_bytes:  # grew since fstat
            raise _NotAPost(_too_large(size, max_bytes))
        return parts[0] if len(parts) == 1 else b"".join(parts)
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
