"""Command-line options derived from the settings table, and ``--help`` in sections.

Every setting in ``config.OPTIONS`` is an option of the commands that use it; the values
given on the command line are checked with the same converters as the file's and win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import click

from linkcheck.config import OPTIONS, Option, Settings, load_settings, validate_overrides

F = TypeVar("F", bound=Callable[..., Any])

_FIELD_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(Settings)}
_NOT_CLI = {"paths", "config_file", "headers", "hosts"}
"""Settings without a generated option: PATHS is an argument, headers is ``--header``, and
per-host tables exist only in configuration files."""
_TEXT_ITEMS = {"accept"}
"""List settings whose command-line items are text although the setting holds numbers
(``--accept 200-299``)."""

# ---------------------------------------------------------------------------
# Help: options in sections, examples after them
# ---------------------------------------------------------------------------

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Posts",
        (
            "config",
            "extensions",
            "exclude_paths",
            "resources_headings",
            "allow_empty",
            "max_post_bytes",
            "max_post_links",
            "max_post_lines",
            "max_post_tags",
            "max_post_seconds",
            "follow_external_symlinks",
        ),
    ),
    (
        "The site",
        ("content_roots", "generator", "permalink", "base_url", "static_dirs", "anchor_style"),
    ),
    (
        "Which URLs",
        (
            "offline",
            "exclude",
            "include",
            "accept",
            "header",
            "user_agent",
            "insecure",
            "allow_private",
        ),
    ),
    (
        "Reports",
        ("format", "output", "fail_on", "severity", "fix_mode", "suggest_archive", "fmt", "limit"),
    ),
    (
        "Judging failures over runs",
        (
            "error_after_runs",
            "error_after_days",
            "unreachable_after_runs",
            "unreachable_after_days",
            "flap_chance",
            "count_blocked",
            "soft_404",
        ),
    ),
    (
        "GitHub",
        (
            "token",
            "repository",
            "api_url",
            "label",
            "github_output",
            "dry_run",
            "base",
            "base_sha",
            "branch",
        ),
    ),
    ("Feedback", ("quiet", "verbose", "no_progress")),
    (
        "Network",
        (
            "concurrency",
            "per_host_concurrency",
            "host_interval",
            "timeout",
            "deadline",
            "retries",
            "retry_after_max",
            "backoff_base",
            "max_redirects",
            "max_html_bytes",
            "max_pdf_bytes",
            "transport",
            "shard",
        ),
    ),
    (
        "Memory between runs",
        ("cache_path", "no_cache", "refresh", "max_age", "max_age_jitter", "history_keep"),
    ),
)
"""Where each option of a command is listed in its ``--help`` (the rest: "Other options")."""


class Sectioned(click.Command):
    """A command whose ``--help`` lists options in ``SECTIONS``, marks the repeatable ones,
    and ends with examples (the ``epilog``, printed as written)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, tuple[str, str]]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or param.name is None or not isinstance(param, click.Option):
                continue
            name, text = record
            if isinstance(param, click.Option) and param.multiple and "repeatable" not in text:
                text = f"{text} [repeatable]"
            rows.append((param.name, (name, text)))
        for title, names in SECTIONS:
            chosen = [row for name in names for key, row in rows if key == name]
            if chosen:
                with formatter.section(title):
                    formatter.write_dl(chosen)
        listed = {name for _, names in SECTIONS for name in names}
        rest = [row for key, row in rows if key not in listed]
        if rest:
            with formatter.section("Other options"):
                formatter.write_dl(rest)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog:
            with formatter.section("Examples"):
                for line in self.epilog.strip("\n").splitlines():
                    formatter.write(f"{' ' * formatter.current_indent}{line}\n")


def _click_option(option: Option) -> Callable[[F], F]:
    """One click option for one settings row; the type comes from the Settings field."""
    flag = f"--{option.key}"
    kind = _FIELD_TYPES[option.attr]
    help_text = option.help
    if kind == "bool":
        if option.key.startswith("no-"):
            return click.option(flag, option.attr, is_flag=True, default=None, help=help_text)
        return click.option(f"{flag}/--no-{option.key}", option.attr, default=None, help=help_text)
    if kind.startswith("Mapping["):
        return click.option(flag, option.attr, multiple=True, metavar="RULE=LEVEL", help=help_text)
    if kind.startswith("tuple["):
        item: click.ParamType[Any] = click.STRING
        if "int" in kind and option.attr not in _TEXT_ITEMS:
            item = click.INT
        if option.choices:
            item = click.Choice(option.choices)
        return click.option(flag, option.attr, type=item, multiple=True, help=help_text)
    click_type: click.ParamType[Any]
    if option.choices:
        click_type = click.Choice(option.choices)
    elif kind == "int":
        click_type = click.INT
    elif kind == "float":
        click_type = click.FLOAT
    else:
        click_type = click.STRING
    return click.option(flag, option.attr, type=click_type, default=None, help=help_text)


def settings_options(
    *, only: set[str] | None = None, skip: frozenset[str] = frozenset()
) -> Callable[[F], F]:
    """Decorate a command with one option per settings row (``only`` those, less ``skip``)."""

    def decorate(func: F) -> F:
        for option in reversed(OPTIONS):
            if option.attr in _NOT_CLI or option.attr in skip:
                continue
            if only is not None and option.attr not in only:
                continue
            func = _click_option(option)(func)
        func = (
            click.option(
                "--header",
                "header",
                multiple=True,
                metavar="'NAME: VALUE'",
                help="Extra request header for every host.",
            )(func)
            if only is None
            else func
        )
        return config_option(func)

    return decorate


def config_option(func: F) -> F:
    """``--config FILE``: the settings file, instead of searching for one."""
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Read settings from this file instead of searching for one.",
    )(func)


def github_options(*, repository_help: str) -> Callable[[F], F]:
    """What every command that writes through GitHub's REST API takes: ``--token``,
    ``--repository`` and ``--api-url`` (from the workflow's environment), ``--config`` and
    ``--dry-run``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--dry-run", is_flag=True, help="Say what would change; write nothing."
        )(func)
        func = config_option(func)
        func = click.option(
            "--api-url",
            envvar="GITHUB_API_URL",
            default="https://api.github.com",
            show_default=True,
            show_envvar=True,
            help="REST API root (GitHub Enterprise too).",
        )(func)
        func = click.option(
            "--repository",
            envvar="GITHUB_REPOSITORY",
            default=None,
            show_envvar=True,
            help=repository_help,
        )(func)
        return click.option(
            "--token",
            envvar="GITHUB_TOKEN",
            default=None,
            show_envvar=True,
            help="API token (sent only to the API host).",
        )(func)

    return decorate


def feedback_options(func: F) -> F:
    """``-q``, ``-v`` and ``--no-progress``: what a run says on stderr while it works."""
    func = click.option(
        "--no-progress",
        is_flag=True,
        help="No progress bar or progress lines (warnings are still shown).",
    )(func)
    func = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="Say which settings file is used, and one line per checked URL.",
    )(func)
    return click.option(
        "-q", "--quiet", is_flag=True, help="Only the report and errors: no progress, no warnings."
    )(func)


def build_settings(paths: tuple[str, ...], params: Mapping[str, Any]) -> Settings:
    """Config file values, then command-line values (which win)."""
    overrides: dict[str, Any] = {}
    for name, value in params.items():
        if name in {"config", "header"}:
            continue
        if isinstance(value, tuple) and not value:
            continue
        overrides[name] = value
    if paths:
        overrides["paths"] = paths
    if "severity" in overrides:
        overrides["severity"] = _pairs(overrides["severity"], "--severity")
    headers = params.get("header") or ()
    if headers:
        parsed: dict[str, str] = {}
        for raw in headers:
            name, sep, value = raw.partition(":")
            if not sep or not name.strip():
                raise click.BadParameter(
                    f"expected 'NAME: VALUE', got {raw!r}", param_hint="--header"
                )
            parsed[name.strip()] = value.strip()
        overrides["headers"] = {"*": parsed}
    checked = validate_overrides(overrides)
    return load_settings(Path.cwd(), checked, config_path=params.get("config"))


def _pairs(items: tuple[str, ...], flag: str) -> dict[str, str]:
    """``("a=b", "c=d")`` as a dict; a BadParameter naming ``flag`` otherwise."""
    result: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=flag)
        result[name.strip()] = value.strip()
    return result


class Commands(click.Group):
    """Commands listed in the order a user meets them, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)
