"""The command line: click options derived from the settings table, over ``app.run``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import click

from linkcheck import __version__
from linkcheck.config import OPTIONS, Option, Settings, load_settings, validate_overrides
from linkcheck.models import CheckResult, LinkcheckError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2
PROGRESS_MIN_URLS = 20
"""Show a progress bar only for runs with at least this many URLs (and only on a TTY)."""

_FIELD_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(Settings)}
_NOT_CLI = {"paths", "config_file", "headers"}


def _click_option(option: Option, *, choices: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """One click option for one settings row; the type comes from the Settings field."""
    flag = f"--{option.key}"
    kind = _FIELD_TYPES[option.attr]
    help_text = option.help
    if kind == "bool":
        return click.option(f"{flag}/--no-{option.key}", option.attr, default=None, help=help_text)
    if kind.startswith("tuple["):
        item = click.INT if "int" in kind else click.STRING
        return click.option(flag, option.attr, type=item, multiple=True, help=help_text)
    click_type: click.ParamType
    if choices or option.choices:
        click_type = click.Choice(choices or option.choices)
    elif kind == "int":
        click_type = click.INT
    elif kind == "float":
        click_type = click.FLOAT
    else:
        click_type = click.STRING
    return click.option(flag, option.attr, type=click_type, default=None, help=help_text)


def settings_options(*, only: set[str] | None = None) -> Callable[[F], F]:
    """Decorate a command with one option per settings row (all, or ``only`` those)."""

    def decorate(func: F) -> F:
        for option in reversed(OPTIONS):
            if option.attr in _NOT_CLI or (only is not None and option.attr not in only):
                continue
            func = _click_option(option)(func)
        func = click.option(
            "--header",
            "header",
            multiple=True,
            metavar="'NAME: VALUE'",
            help="Extra request header for every host (repeatable).",
        )(func) if only is None else func
        return click.option(
            "--config",
            "config",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Read settings from this file instead of searching for one.",
        )(func)

    return decorate


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
    headers = params.get("header") or ()
    if headers:
        parsed: dict[str, str] = {}
        for raw in headers:
            name, sep, value = raw.partition(":")
            if not sep or not name.strip():
                raise click.BadParameter(f"expected 'NAME: VALUE', got {raw!r}", param_hint="--header")
            parsed[name.strip()] = value.strip()
        overrides["headers"] = {"*": parsed}
    checked = validate_overrides(overrides)
    return load_settings(Path.cwd(), checked, config_path=params.get("config"))


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn configuration and input errors into one line on stderr and exit 2."""
    try:
        yield
    except LinkcheckError as exc:
        click.echo(f"linkcheck: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def emit(text: str, output: str | None) -> None:
    """Write a rendered report to a file or stdout."""
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="linkcheck")
def cli() -> None:
    """Check the links and citations of Markdown blog posts.

    linkcheck finds every link in your posts (frontmatter too), checks each unique URL once,
    and reports dead and moved links, citations missing from a post's Resources section,
    and more. Run `linkcheck COMMAND --help` for the options of each command.
    """


@cli.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@settings_options()
def run_command(paths: tuple[str, ...], **params: Any) -> None:
    """Check PATHS (posts or directories; default: the configured content directory).

    Exit status: 0 nothing at the failing severity, 1 findings at or above it (see
    --fail-on), 2 bad usage, configuration or input, 3 the network was unreachable.
    """
    from linkcheck.app import exit_code, run
    from linkcheck.report import render

    with handle_errors():
        settings = build_settings(paths, params)
        with _progress() as (on_plan, on_result):
            report = run(settings, on_plan=on_plan, on_result=on_result)
    for problem in report.problems:
        click.echo(f"linkcheck: {problem}", err=True)
    color = settings.output is None and use_color(sys.stdout)
    emit(render(report, settings.format, color=color), settings.output)
    sys.exit(exit_code(report, settings))


@cli.command("extract")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.",
)
@settings_options(only={"extensions", "resources_headings"})
def extract_command(paths: tuple[str, ...], fmt: str, **params: Any) -> None:
    """Print every link in PATHS with its place, kind, text, section and source.

    PATHS are files or directories (searched recursively for .md, .markdown and .mdx);
    without PATHS the configured content directory is used. Exits 2 when a file cannot
    be read or parsed (the other files are still printed).
    """
    from linkcheck.app import collect
    from linkcheck.report.links import render_links

    with handle_errors():
        settings = build_settings(paths, params)
        collected = collect(settings, cwd=Path.cwd())
    for problem in collected.problems:
        click.echo(f"linkcheck: {problem}", err=True)
    links = [link for post in collected.posts for link in post.links]
    emit(render_links(links, fmt), None)
    sys.exit(EXIT_USAGE if collected.problems else 0)


@contextmanager
def _progress() -> Iterator[tuple[Callable[[int], None], Callable[[CheckResult], None]]]:
    """A progress bar on stderr for long runs on a terminal; silent otherwise."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield (lambda _total: None), (lambda _result: None)
        return
    progress = Progress(
        "checking", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
    task = progress.add_task("checking", total=None)

    def on_plan(total: int) -> None:
        if total >= PROGRESS_MIN_URLS:
            progress.update(task, total=total)
            progress.start()

    def on_result(_result: CheckResult) -> None:
        progress.advance(task)

    try:
        yield on_plan, on_result
    finally:
        progress.stop()


def main() -> None:
    """Entry point of the ``linkcheck`` command."""
    cli(prog_name="linkcheck")
