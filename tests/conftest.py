"""Fixtures shared by the command-line and end-to-end tests."""

import ipaddress
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakeweb import FakeWeb

ROOT = Path(__file__).resolve().parents[1]
POST = ROOT / "content" / "blog" / "carbon-cost-of-ai-training.md"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY")
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _needs_no_dns(host: object) -> bool:
    """Whether looking ``host`` up asks no DNS server: an address, or this machine's name."""
    if host is None:
        return True
    name = (host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)).lower()
    name = name.strip("[]").rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name.partition("%")[0])
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks a DNS server (the machine's resolver is on the network): every name but
    an address or this machine's does not exist, as a resolver answers for ``.invalid``
    (RFC 6761). Tests that need other names resolve them themselves (a fake resolver, a
    proxy)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if _needs_no_dns(host):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


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
