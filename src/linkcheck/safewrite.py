"""Files written whole or not at all, and output paths checked before any work starts.

Every file linkcheck writes (reports, fixed posts) goes to a temporary file in the target's
directory, is flushed to disk, and then replaces the target in one rename: a reader sees the
old file or the new one, never half of one, and a run that fails leaves no partial report.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from linkcheck.models import UsageError

TEMP_SUFFIX = ".linkcheck-tmp"
DEFAULT_MODE = 0o644
"""Permission bits of a new file (before the umask), as ``open`` would give it."""


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """A binary file whose content replaces ``path`` when the block ends without error.

    The temporary file lives beside ``path`` (same file system, so the rename is atomic)
    and is removed on any failure. Permission bits: ``mode``, else those of the file
    replaced, else the usual ones for a new file. Raises ``OSError``.
    """
    target = Path(path)
    if mode is None:
        mode = _existing_mode(target)
    fd, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    sync_directory(target.parent)


def write_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename (see :func:`atomic_writer`)."""
    with atomic_writer(path, mode=mode) as handle:
        handle.write(data)


def _existing_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return DEFAULT_MODE & ~umask


def sync_directory(directory: Path) -> None:
    """Make a rename durable where the platform allows opening a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_output_paths(paths: Iterable[str]) -> None:
    """Raise ``UsageError`` unless each path can be written as :func:`atomic_writer` writes.

    Called before the network stage, so that a run is not spent on a report that cannot be
    saved: the directory must exist and be writable, and the path must not be a directory.
    """
    for raw in paths:
        path = Path(raw)
        directory = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise UsageError(f"cannot write {raw}: it is a directory")
        if not directory.is_dir():
            raise UsageError(f"cannot write {raw}: directory {directory} does not exist")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {raw}: directory {directory} is not writable")
