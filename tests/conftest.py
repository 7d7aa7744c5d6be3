"""Fixtures shared by the command-line and end-to-end tests."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeweb import FakeWeb

ROOT = Path(__file__).resolve().parents[1]
POST = ROOT / "content" / "blog" / "carbon-cost-of-ai-training.md"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY")


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding a copy of the real post under content/blog/."""
    (tmp_path / "content" / "blog").mkdir(parents=True)
    shutil.copy(POST, tmp_path / "content" / "blog" / POST.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeb]:
    """A fake of the web, reached through HTTPS_PROXY with its own CA in SSL_CERT_FILE."""
    with FakeWeb(tmp_path) as fake:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield fake
