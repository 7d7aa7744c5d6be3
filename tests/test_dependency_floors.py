"""The dependency floors: .ci/floors.txt pins the lowest release pyproject.toml admits, and
the installed releases are never below them."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def floors() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / ".ci" / "floors.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[name.lower()] = pinned
    return pins


def admitted() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found: dict[str, str] = {}
    for requirement in project["dependencies"]:
        match = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, requirement
        found[match.group(1).lower()] = match.group(2)
    return found


def as_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_floors_match_pyproject() -> None:
    assert floors() == admitted()


def test_installed_releases_are_at_or_above_the_floors() -> None:
    for name, floor in floors().items():
        assert as_tuple(version(name)) >= as_tuple(floor), (name, version(name), floor)
