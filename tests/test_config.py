from pathlib import Path

import pytest

from linkcheck.config import (
    DEFAULT_CONCURRENCY,
    OPTIONS,
    Settings,
    host_accept,
    host_concurrency,
    host_headers,
    host_interval,
    load_settings,
    parse_table,
    validate_overrides,
)
from linkcheck.models import ConfigError, Severity


def test_defaults_without_any_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {})
    assert settings == Settings()
    assert settings.paths == ("content",)
    assert settings.concurrency == DEFAULT_CONCURRENCY
    assert settings.config_file is None


def test_pyproject_table_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.linkcheck]\nconcurrency = 7\nexclude = ["^https://skip"]\nfail-on = "warning"\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings = load_settings(sub, {})
    assert settings.concurrency == 7
    assert settings.exclude == ("^https://skip",)
    assert settings.fail_on is Severity.WARNING
    assert settings.config_file == str(tmp_path / "pyproject.toml")


def test_linkcheck_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.linkcheck]\nretries = 5\n")
    (tmp_path / "linkcheck.toml").write_text("retries = 1\n")
    assert load_settings(tmp_path, {}).retries == 1


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert load_settings(tmp_path, {}).config_file is None


def test_the_command_line_wins(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text("timeout = 3\nretries = 4\n")
    settings = load_settings(tmp_path, {"timeout": 9.5, "retries": None})
    assert settings.timeout == 9.5
    assert settings.retries == 4


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("colour = true\n", "linkcheck.toml: colour: unknown key"),
        ('concurrency = "many"\n', "linkcheck.toml: concurrency: expected an integer, got 'many'"),
        ("concurrency = 0\n", "linkcheck.toml: concurrency: must be at least 1, got 0"),
        ("timeout = -1\n", "linkcheck.toml: timeout: must not be negative, got -1"),
        ('exclude = ["(unclosed"]\n', "linkcheck.toml: exclude: bad regular expression"),
        ('fail-on = "fatal"\n', "linkcheck.toml: fail-on: expected one of error, warning, info"),
        ("accept = [42]\n", "linkcheck.toml: accept: expected HTTP status codes or ranges"),
        ("offline = 1\n", "linkcheck.toml: offline: expected true or false, got 1"),
        ("retries = \n", "linkcheck.toml: invalid TOML"),
    ],
)
def test_bad_config_names_the_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "linkcheck.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert str(info.value).startswith(str(tmp_path) + "/" + message)


def test_an_explicit_config_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path, {}, config_path=tmp_path / "nope.toml")


def test_underscore_keys_are_accepted_as_dashes() -> None:
    values = parse_table({"per_host_concurrency": 3, "resources-headings": ["Refs"]}, source="x")
    assert values == {"per_host_concurrency": 3, "resources_headings": ("Refs",)}


def test_command_line_values_are_validated_like_file_values() -> None:
    with pytest.raises(ConfigError, match="--exclude: bad regular expression"):
        validate_overrides({"exclude": ("[",)})
    assert validate_overrides({"retries": 0, "format": None}) == {"retries": 0, "format": None}


def test_headers_per_host() -> None:
    values = parse_table(
        {"headers": {"*": {"X-A": "1"}, "Example.COM": {"X-A": "2", "X-B": "3"}}}, source="x"
    )
    settings = Settings(**values)
    assert host_headers(settings, "example.com") == {"X-A": "2", "X-B": "3"}
    assert host_headers(settings, "other.org") == {"X-A": "1"}


def test_every_option_has_help_and_a_settings_field() -> None:
    names = set(Settings.__dataclass_fields__)
    for option in OPTIONS:
        assert option.help.endswith(".")
        assert option.attr in names


def test_severity_overrides_and_unknown_rules(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text('[severity]\nuncited-resource = "warning"\n')
    assert load_settings(tmp_path, {}).severity == {"uncited-resource": Severity.WARNING}
    (tmp_path / "linkcheck.toml").write_text('[severity]\nno-such-rule = "warning"\n')
    with pytest.raises(ConfigError, match=r"severity\.no-such-rule: unknown rule"):
        load_settings(tmp_path, {})


def test_per_host_settings(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text(
        "accept = [418]\nper-host-concurrency = 3\nhost-interval = 0.5\n"
        '[hosts."Example.com"]\naccept = [403]\nconcurrency = 1\ninterval = 2.0\n'
        'user-agent = "Mozilla/5.0 (compatible)"\nheaders = { "X-Token-Free" = "1" }\n'
    )
    settings = load_settings(tmp_path, {})
    assert host_accept(settings, "example.com") == {418, 403}
    assert host_accept(settings, "other.org") == {418}
    assert host_concurrency(settings, "example.com") == 1
    assert host_concurrency(settings, "other.org") == 3
    assert host_interval(settings, "EXAMPLE.COM") == 2.0
    assert host_interval(settings, "other.org") == 0.5
    assert host_headers(settings, "example.com") == {
        "X-Token-Free": "1",
        "User-Agent": "Mozilla/5.0 (compatible)",
    }


def test_a_bad_per_host_key_names_its_path(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text('[hosts."example.com"]\nconcurency = 2\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert "linkcheck.toml: hosts.example.com.concurency: unknown key" in str(info.value)


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ([403], (403,)),
        (["200-204"], (200, 201, 202, 203, 204)),
        (["429,503", 999], (429, 503, 999)),
        ("403", (403,)),
    ],
)
def test_accept_takes_codes_and_ranges(value: object, codes: tuple[int, ...]) -> None:
    assert parse_table({"accept": value}, source="t")["accept"] == codes


@pytest.mark.parametrize("value", [["299-200"], ["2xx"], [99], ["600-1000"], [True], ["-"]])
def test_bad_accept_values(value: object) -> None:
    with pytest.raises(ConfigError, match="accept: expected HTTP status codes or ranges"):
        parse_table({"accept": value}, source="t")


def test_host_accept_ranges(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text(
        '[hosts."example.com"]\naccept = ["400-403"]\n', encoding="utf-8"
    )
    settings = load_settings(tmp_path, {})
    assert host_accept(settings, "example.com") == frozenset({400, 401, 402, 403})


def test_an_ignore_file_beside_the_config_adds_patterns(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text('exclude = ["^https://a\\\\."]\n', encoding="utf-8")
    (tmp_path / ".linkcheckignore").write_text(
        "# social sites refuse robots\n\n  ^https://(www\\.)?linkedin\\.com/  \n^mailto:\n",
        encoding="utf-8",
    )
    below = tmp_path / "sub"
    below.mkdir()
    settings = load_settings(below, {})
    assert settings.exclude == (
        "^https://a\\.",
        "^https://(www\\.)?linkedin\\.com/",
        "^mailto:",
    )
    assert settings.ignore_file == str(tmp_path / ".linkcheckignore")
    # the command line's --exclude replaces the file's list, the ignore file still applies
    settings = load_settings(below, {"exclude": ("^x",)})
    assert settings.exclude == ("^x", "^https://(www\\.)?linkedin\\.com/", "^mailto:")


def test_a_bad_pattern_in_the_ignore_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / ".linkcheckignore").write_text("# ok\n^fine\n(\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.linkcheckignore:3: bad regular expression"):
        load_settings(tmp_path, {})


def test_exclude_paths_must_be_relative_globs() -> None:
    assert parse_table({"exclude-paths": ["drafts/**"]}, source="t")["exclude_paths"] == (
        "drafts/**",
    )
    with pytest.raises(ConfigError, match="exclude-paths"):
        parse_table({"exclude-paths": ["/abs/**"]}, source="t")


@pytest.mark.parametrize(
    ("key", "replacement"),
    [
        ("escalate-runs", "error-after-runs (default 5) and unreachable-after-runs (default 2)"),
        ("escalate_hours", "error-after-days (default 25) and unreachable-after-days (default 6)"),
    ],
)
def test_keys_of_earlier_versions_are_refused_with_their_replacement(
    key: str, replacement: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_table({key: 2}, source="linkcheck.toml")
    assert str(caught.value) == (
        f"linkcheck.toml: {key}: replaced by {replacement}: "
        "see 'How failures are judged' in the README"
    )


def test_judging_settings() -> None:
    values = parse_table(
        {
            "error-after-runs": 20,
            "error-after-days": 20.5,
            "unreachable-after-runs": 7,
            "unreachable-after-days": 6,
            "flap-chance": 0.001,
            "count-blocked": True,
        },
        source="t",
    )
    assert values == {
        "error_after_runs": 20,
        "error_after_days": 20.5,
        "unreachable_after_runs": 7,
        "unreachable_after_days": 6.0,
        "flap_chance": 0.001,
        "count_blocked": True,
    }
    with pytest.raises(ConfigError, match="must be between 0 and 1"):
        parse_table({"flap-chance": 2}, source="t")
