"""Files a repository's ``.gitignore`` names: what its build makes, not what it keeps.

A link to a missing file that the repository ignores (``docs/reference/cli.md`` written by a
script before the site is built) is not known to be missing: the checkout a run reads never
holds it. Only the ``.gitignore`` files of the repository that holds the site count (not
``.git/info/exclude`` nor a user's global excludes, which differ between machines); each
is read once, 64 KiB at most.

Patterns become regular expressions, and some (``a*a*a*a*b``) take time that grows as a
power of a path's length: each lookup runs on a CPU budget, and once one overruns it, or
lookups have taken ``TOTAL_SECONDS`` in all, no more are made (links are judged as if
nothing were ignored).
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from linkcheck.budget import OverBudget, cpu_budget
from linkcheck.discover import read_head

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

GITIGNORE = ".gitignore"
GITIGNORE_BYTES = 65_536
"""The most read of one ``.gitignore`` (a longer one is read up to there)."""
LOOKUP_SECONDS = 0.2
"""CPU one lookup may take (a few microseconds, with patterns people write)."""
TOTAL_SECONDS = 1.0
"""CPU all lookups of a run may take."""


class Ignored:
    """Whether the repository around ``root`` ignores a path (``git check-ignore``'s answer
    for the patterns of its ``.gitignore`` files, deeper files first)."""

    def __init__(self, root: Path) -> None:
        self.repository = _repository_of(root)
        self._specs: dict[Path, GitIgnoreSpec | None] = {}
        self._spent = 0.0

    def __call__(self, path: Path) -> bool:
        """Whether ``path`` is ignored; False outside the repository, and once lookups have
        taken too long (see the module's notes)."""
        repository = self.repository
        if repository is None:
            return False
        try:
            parts = Path(os.path.normpath(path)).relative_to(repository).parts
        except ValueError:
            return False
        if not parts or ".git" in parts:
            return False
        started = time.thread_time()
        try:
            with cpu_budget(LOOKUP_SECONDS):
                return self._ignored(repository, parts)
        except OverBudget:
            self.repository = None  # patterns that backtrack: no more lookups
            return False
        finally:
            self._spent += time.thread_time() - started
            if self._spent > TOTAL_SECONDS:
                self.repository = None

    def _ignored(self, repository: Path, parts: tuple[str, ...]) -> bool:
        # The deepest .gitignore with a pattern that matches decides (a ``!`` one unignores).
        for depth in range(len(parts) - 1, -1, -1):
            folder = repository.joinpath(*parts[:depth])
            spec = self._spec(folder)
            if spec is None:
                continue
            answer = spec.check_file("/".join(parts[depth:])).include
            if answer is not None:
                return bool(answer)
        return False

    def _spec(self, folder: Path) -> GitIgnoreSpec | None:
        if folder in self._specs:
            return self._specs[folder]
        lines = _read_lines(folder / GITIGNORE)
        with warnings.catch_warnings():  # ``[[`` in a pattern: a FutureWarning of ``re``
            warnings.simplefilter("ignore", FutureWarning)
            spec = _compiled(lines) if lines else None
        self._specs[folder] = spec
        return spec


def _compiled(lines: list[str]) -> GitIgnoreSpec:
    """The patterns of ``lines``; a line git would not read (``!`` alone, a bad character
    range) is left out, as git leaves it out."""
    from pathspec import GitIgnoreSpec  # loaded only when a link's file is missing

    try:
        return GitIgnoreSpec.from_lines(lines)
    except Exception:  # one bad line: the file's other patterns still count
        return GitIgnoreSpec.from_lines([line for line in lines if _valid(line)])


def _valid(line: str) -> bool:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except Exception:
        return False
    return True


def _repository_of(root: Path) -> Path | None:
    """The folder holding ``.git`` at or above ``root``, if any."""
    for folder in (root, *root.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def _read_lines(path: Path) -> list[str]:
    """The lines of a regular file, at most ``GITIGNORE_BYTES`` of it."""
    return read_head(path, GITIGNORE_BYTES).decode("utf-8", "replace").splitlines()
