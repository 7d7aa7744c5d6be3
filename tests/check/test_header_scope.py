"""Configured headers go only to the exact scheme, host and port they were given for."""

from __future__ import annotations

import pytest
from check_support import check_one, make_settings
from pytest_httpx import HTTPXMock

from linkcheck.config import Settings, host_headers, parse_table
from linkcheck.models import ConfigError, Verdict

SECRET = {"Authorization": "Bearer s3cret"}


def settings_with(headers: dict[str, dict[str, str]]) -> Settings:
    return make_settings(**parse_table({"headers": headers}, source="test"))


async def test_headers_do_not_follow_a_move_to_plain_http(httpx_mock: HTTPXMock) -> None:
    start = "https://docs.example/a"
    httpx_mock.add_response(
        url=start, status_code=301, headers={"Location": "http://docs.example/b"}
    )
    httpx_mock.add_response(url="http://docs.example/b", html="<title>B</title>")
    result = await check_one(start, settings_with({"docs.example": SECRET}))
    assert result.verdict is Verdict.MOVED
    first, second = httpx_mock.get_requests()
    assert first.headers["authorization"] == "Bearer s3cret"
    assert "authorization" not in second.headers


async def test_headers_do_not_follow_a_move_to_another_port(httpx_mock: HTTPXMock) -> None:
    start = "https://docs.example/a"
    httpx_mock.add_response(
        url=start, status_code=302, headers={"Location": "https://docs.example:8443/b"}
    )
    httpx_mock.add_response(url="https://docs.example:8443/b", html="<title>B</title>")
    await check_one(start, settings_with({"docs.example": SECRET}))
    first, second = httpx_mock.get_requests()
    assert "authorization" in first.headers
    assert "authorization" not in second.headers


def test_origins_in_the_configuration() -> None:
    settings = Settings(
        **parse_table(
            {
                "headers": {
                    "*": {"Accept-Language": "en"},
                    "Docs.Example": {"X-Key": "1"},
                    "http://intranet.example:8080": {"X-Key": "2"},
                }
            },
            source="test",
        )
    )
    assert host_headers(settings, "docs.example") == {"Accept-Language": "en", "X-Key": "1"}
    assert host_headers(settings, "docs.example", "http", None) == {"Accept-Language": "en"}
    assert host_headers(settings, "docs.example", "https", 8443) == {"Accept-Language": "en"}
    assert host_headers(settings, "intranet.example", "http", 8080)["X-Key"] == "2"
    assert "X-Key" not in host_headers(settings, "intranet.example", "http", 80)


@pytest.mark.parametrize("key", ["ftp://x.example", "https://x.example/path", "https://:9"])
def test_bad_origins_are_configuration_errors(key: str) -> None:
    with pytest.raises(ConfigError):
        parse_table({"headers": {key: {"X": "1"}}}, source="test")
