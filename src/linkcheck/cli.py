"""The command line: parse, run, write. Options come from the settings table in config.py;
the work is done by ``app``; outputs are written by ``output``; progress is ``progress``'s.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from linkcheck import __version__
from linkcheck.config import FORMATS, Settings, load_settings
from linkcheck.interrupt import EXIT_INTERRUPTED, install_signal_handlers, interrupted_by
from linkcheck.models import (
    InputError,
    InputProblem,
    LinkcheckError,
    Report,
    Severity,
    UsageError,
)
from linkcheck.options import (
    Commands,
    Sectioned,
    build_settings,
    feedback_options,
    github_options,
    settings_options,
)

if TYPE_CHECKING:
    from linkcheck.state import StateStore  # the commands that use it import it

EXIT_USAGE = 2
EXIT_GITHUB = 4
"""``github-issue``, ``github-fix-pr``: the GitHub API refused or failed (nothing
half-written)."""


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn configuration and input errors into one line on stderr and exit 2."""
    try:
        yield
    except LinkcheckError as exc:
        click.echo(f"linkcheck: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def github_access(token: str | None, repository: str | None) -> tuple[str, str]:
    """The token and repository of a command that writes through GitHub's API; a usage
    error names the one that is missing."""
    if not token:
        raise UsageError("no token: set GITHUB_TOKEN or pass --token")
    if not repository:
        raise UsageError("no repository: set GITHUB_REPOSITORY or pass --repository")
    return token, repository


@contextmanager
def github_errors() -> Iterator[None]:
    """Turn a failure of GitHub's API into one line on stderr and exit 4."""
    from linkcheck.github import GitHubError

    try:
        yield
    except GitHubError as exc:
        say(f"GitHub API error: {exc}")
        sys.exit(EXIT_GITHUB)


def say(message: str) -> None:
    """A line on stderr."""
    click.echo(f"linkcheck: {message}", err=True)


def warn(message: str) -> None:
    """A warning on stderr; the run goes on."""
    say(f"warning: {message}")


def _ignore(_message: str) -> None:
    return None


def read_report(path: str) -> Report:
    """A JSON report written by ``linkcheck run --format json``."""
    from linkcheck.report.json import load

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the report: {exc}") from None
    return load(text)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="linkcheck")
def cli() -> None:
    """Check the links and citations of Markdown blog posts.

    linkcheck finds every link in your posts (frontmatter too), checks each unique URL once,
    and reports dead and moved links, citations missing from a post's Resources section,
    and more. Run `linkcheck COMMAND --help` for the options and examples of each command.

    \b
    Exit status: 0 nothing at the failing severity, 1 findings at or above it,
    2 bad usage, configuration or input, 3 the network was unreachable,
    4 the GitHub API failed (github-issue, github-fix-pr), 130 interrupted.
    Shell completion (bash, zsh, fish): eval "$(_LINKCHECK_COMPLETE=bash_source linkcheck)"
    """


RUN_EXAMPLES = """
linkcheck run                               every post under content/
linkcheck run content/blog/post.md -v       one post, each URL as it is checked
linkcheck run --offline                     no network: Resources, internal links, syntax
linkcheck run --exclude '^https://x\\.com/' --accept 200-299,403 --fail-on warning
linkcheck run --format json --output r.json --format text
linkcheck run --fix-preview                 the diff --fix would apply to moved links
linkcheck run --suggest-archive             an archived copy for each dead link
"""


@cli.command(
    "run",
    cls=Sectioned,
    short_help="Check the posts' links and report (the main command).",
    epilog=RUN_EXAMPLES,
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--fix",
    "fix_mode",
    flag_value="write",
    default=None,
    help="Rewrite moved links in place with their new URL (permanent redirects only).",
)
@click.option(
    "--fix-preview",
    "fix_mode",
    flag_value="preview",
    help="Print the unified diff --fix would apply, without writing.",
)
@feedback_options
@settings_options()
def run_command(
    paths: tuple[str, ...],
    fix_mode: str | None,
    quiet: bool,
    verbose: bool,
    no_progress: bool,
    **params: Any,
) -> None:
    """Check PATHS (posts or directories; default: the configured paths, content/, else the
    site generator's content folders). Internal links are judged against every post of the
    site, however few PATHS name; a run that finds no post exits 2 (see --allow-empty).

    Several reports can be written at once: the i-th --output goes with the i-th --format;
    a format without an output goes to stdout.

    Exit status: 0 nothing at the failing severity, 1 findings at or above it (see
    --fail-on), 2 bad usage, configuration or input, 3 the network was unreachable,
    130 interrupted.
    """
    from linkcheck.app import exit_code
    from linkcheck.output import report_targets, stdout_holds_a_report, write_reports
    from linkcheck.safewrite import check_output_paths

    with handle_errors():
        settings = build_settings(paths, params)
        targets = report_targets(settings.format, settings.output)
        check_output_paths(target.path for target in targets if target.path)
        report = _checked(settings, quiet=quiet, verbose=verbose, no_progress=no_progress)
        write_reports(report, targets)
        if fix_mode is not None:
            _fix(
                report,
                settings,
                write=fix_mode == "write",
                to_stderr=stdout_holds_a_report(targets),
            )
    sys.exit(exit_code(report, settings))


def _checked(settings: Settings, *, quiet: bool, verbose: bool, no_progress: bool) -> Report:
    """Run the check with the progress display and warnings the flags ask for."""
    from linkcheck.app import run
    from linkcheck.progress import Mode, show_progress

    mode = Mode.NORMAL
    if quiet:
        mode = Mode.QUIET
    elif verbose:
        mode = Mode.VERBOSE
    elif no_progress:
        mode = Mode.NO_PROGRESS
    if verbose:
        say(f"settings from {settings.config_file or 'the defaults (no settings file found)'}")
        if settings.ignore_file:
            say(f"ignore patterns from {settings.ignore_file}")
    with show_progress(mode) as observer:
        report = run(
            settings,
            on_plan=observer.on_plan,
            on_start=observer.on_start,
            on_result=observer.on_result,
            warn=_ignore if quiet else warn,
        )
    for problem in report.problems:
        say(str(problem))
    return report


def _fix(report: Report, settings: Settings, *, write: bool, to_stderr: bool) -> None:
    """Rewrite (or preview) moved links; diffs go to stdout unless a report is there."""
    from linkcheck.app import fix

    outcome = fix(report, settings, cwd=Path.cwd(), write=write)
    if outcome is None:
        say("nothing to fix: no link was checked")
        return
    for diff in outcome.diffs:
        click.echo(diff, nl=False, err=to_stderr)
    for problem in outcome.problems:
        say(str(problem))
    verb = "rewrote" if write else "would rewrite"
    say(f"{verb} {len(outcome.edits)} URL(s) in {len(outcome.files_changed)} file(s)")


EXTRACT_EXAMPLES = """
linkcheck extract content/ --format json > links.json
linkcheck extract content/blog/post.md
"""


@cli.command(
    "extract",
    cls=Sectioned,
    short_help="Print every link of the posts, checking nothing.",
    epilog=EXTRACT_EXAMPLES,
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@settings_options(
    only={
        "extensions",
        "resources_headings",
        "exclude_paths",
        "content_roots",
        "generator",
        "allow_empty",
    }
)
def extract_command(paths: tuple[str, ...], fmt: str, **params: Any) -> None:
    """Print every link in PATHS with its place, kind, text, section and source.

    PATHS are files or directories (searched recursively for .md, .markdown and .mdx);
    without PATHS the posts are found as `run` finds them (the configured paths or the
    generator's content folders). Nothing is checked. Exits 2 when no post is found (unless
    --allow-empty) or a file cannot be read or parsed (the other files are still printed).
    """
    from functools import partial

    from linkcheck.collect import extract_site
    from linkcheck.output import write_to
    from linkcheck.report.links import RenderedLinks, render_post_links, write_rendered

    with handle_errors():
        settings = build_settings(paths, params)
        extraction = extract_site(
            settings, cwd=Path.cwd(), render=partial(render_post_links, fmt=fmt)
        )
    problems = 0

    def rendered() -> Iterator[RenderedLinks]:
        """Each post's rendered links as its batch comes back; a problem is said when met."""
        nonlocal problems
        for batch in extraction.rendered_batches():
            for outcome in batch:
                if isinstance(outcome, InputProblem):
                    problems += 1
                    say(str(outcome))
                else:
                    yield outcome

    with extraction:
        write_to(None, lambda stream, _color: write_rendered(rendered(), fmt, stream))
    sys.exit(EXIT_USAGE if problems else 0)


SOURCES_EXAMPLES = """
linkcheck sources                           the bibliography, checked (or from the cache)
linkcheck sources --offline --format markdown --output sources.md
"""


@cli.command(
    "sources",
    cls=Sectioned,
    short_help="The bibliography: each cited source once, with its verdict.",
    epilog=SOURCES_EXAMPLES,
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@feedback_options
@settings_options(skip=frozenset({"format", "fix", "suggest_archive"}))
def sources_command(
    paths: tuple[str, ...],
    fmt: str,
    quiet: bool,
    verbose: bool,
    no_progress: bool,
    **params: Any,
) -> None:
    """The blog's bibliography: each cited source once, with its title and last verdict.

    Every source (by source key: one arXiv paper, one DOI, one normalised URL) is listed
    with its kind, its captured title, every post and line that cites it, and its verdict.
    Results come from the cache when fresh; with --offline no verdict or page title is shown.
    Exits 2 when a post cannot be read, else 0.
    """
    from linkcheck.output import write_to
    from linkcheck.report.sources import bibliography, render_sources

    with handle_errors():
        settings = build_settings(paths, params)
        report = _checked(settings, quiet=quiet, verbose=verbose, no_progress=no_progress)
        if report.network_down:
            say("network unreachable: no verdicts")
        entries = bibliography(report)
        path = settings.output[0] if settings.output else None

        def write(stream: TextIO, color: bool) -> None:
            stream.write(_ended(render_sources(entries, fmt, color=color)))

        write_to(path, write)
    sys.exit(EXIT_USAGE if report.problems else 0)


def _ended(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


REPORT_EXAMPLES = """
linkcheck report shard-*.json --merge --format json --output report.json
linkcheck report report.json --format markdown >> "$GITHUB_STEP_SUMMARY"
linkcheck report report.json --format sarif --output linkcheck.sarif
"""


@cli.command(
    "report",
    cls=Sectioned,
    short_help="Render a saved JSON report in another format.",
    epilog=REPORT_EXAMPLES,
)
@click.argument(
    "report_files",
    metavar="REPORT.json...",
    nargs=-1,
    required=True,
    type=click.Path(path_type=str),
)
@click.option(
    "--merge",
    is_flag=True,
    help="Merge the reports of the shards of a run (`run --shard I/N`) into one.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output", default=None, help="Write to this file instead of stdout.")
def report_command(
    report_files: tuple[str, ...], merge: bool, fmt: str, output: str | None
) -> None:
    """Render a saved JSON report (from `linkcheck run --format json`) in another format.

    The network is not used: the job summary, annotations and tracking issue of one run
    all come from the same report. With --merge, the reports of a sharded run (every shard
    once) become the one report of the whole run.
    """
    from linkcheck.output import Target, write_reports
    from linkcheck.shard import merge_reports

    with handle_errors():
        if len(report_files) > 1 and not merge:
            raise UsageError("several reports are given: add --merge to merge them")
        reports = [read_report(path) for path in report_files]
        report = merge_reports(reports) if merge else reports[0]
        write_reports(report, [Target(fmt, output)])


GITHUB_EXAMPLES = """
GITHUB_TOKEN=… GITHUB_REPOSITORY=owner/blog linkcheck github-issue report.json --dry-run
linkcheck github-issue report.json --label link-rot --github-output "$GITHUB_OUTPUT"
"""


@cli.command(
    "github-issue",
    cls=Sectioned,
    short_help="Keep one GitHub tracking issue in sync with a report.",
    epilog=GITHUB_EXAMPLES,
)
@click.argument("report_file", metavar="REPORT.json", type=click.Path(path_type=str))
@github_options(repository_help="OWNER/NAME of the repository that holds the issue.")
@click.option(
    "--label",
    default="linkcheck",
    show_default=True,
    help="Label that marks the tracking issue (created if missing).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice([s.value for s in Severity]),
    default=None,
    help="Lowest failing severity (default: from the config, else error).",
)
@click.option(
    "--github-output",
    "github_output",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Append issue-action=… and issue-url=… to this file (a step's $GITHUB_OUTPUT).",
)
def github_issue_command(
    report_file: str,
    token: str | None,
    repository: str | None,
    api_url: str,
    label: str,
    fail_on: str | None,
    config: Path | None,
    github_output: str | None,
    dry_run: bool,
) -> None:
    """Keep ONE tracking issue in sync with a JSON report from `linkcheck run`.

    Creates the issue when links fail, edits it when the failing links change, comments
    and closes it when they are healthy again. A report from a run whose network was down
    (or an offline run) changes nothing. Exits 0 when the issue is in sync (or, with
    --dry-run, after saying what would change), 2 on bad input, 4 when the GitHub API failed.
    """
    from linkcheck.github import outcome_outputs, outcome_summary, sync_issue
    from linkcheck.output import append_step_outputs

    with handle_errors():
        settings = load_settings(Path.cwd(), {}, config_path=config)
        report = read_report(report_file)
        token, repository = github_access(token, repository)
        with github_errors():
            outcome = sync_issue(
                report,
                token=token,
                repository=repository,
                api_url=api_url,
                label=label,
                fail_on=Severity(fail_on) if fail_on else settings.fail_on,
                dry_run=dry_run,
                out=click.echo,
            )
        click.echo(outcome_summary(outcome))
        if github_output:
            append_step_outputs(github_output, outcome_outputs(outcome))


FIX_PR_EXAMPLES = """
GITHUB_TOKEN=… GITHUB_REPOSITORY=owner/blog GITHUB_REF_NAME=main \\
    linkcheck github-fix-pr report.json --dry-run
linkcheck github-fix-pr report.json --branch links/moved
"""


@cli.command(
    "github-fix-pr",
    cls=Sectioned,
    short_help="Keep one pull request that fixes moved links.",
    epilog=FIX_PR_EXAMPLES,
)
@click.argument("report_file", metavar="REPORT.json", type=click.Path(path_type=str))
@github_options(repository_help="OWNER/NAME of the repository.")
@click.option(
    "--base",
    envvar="GITHUB_REF_NAME",
    default=None,
    show_envvar=True,
    help="Branch the pull request goes into (the checked-out branch).",
)
@click.option(
    "--base-sha",
    envvar="GITHUB_SHA",
    default=None,
    show_envvar=True,
    help="Commit whose posts are on disk (default: the base branch's head).",
)
@click.option(
    "--branch",
    default="linkcheck/fix-moved-links",
    show_default=True,
    help="Branch that carries the fixes (created, force-moved, deleted by linkcheck).",
)
def github_fix_pr_command(
    report_file: str,
    token: str | None,
    repository: str | None,
    api_url: str,
    base: str | None,
    base_sha: str | None,
    branch: str,
    config: Path | None,
    dry_run: bool,
) -> None:
    """Keep ONE pull request that points moved links at their new address.

    The pull request carries what `linkcheck run --fix` would write for REPORT.json, computed
    from the posts on disk (the base commit's: do not run --fix first) and published through
    the REST API, without git push. It is opened when there are links to fix, updated in
    place when they change, left alone when they do not, and closed when nothing is left. A
    report from a run whose network was down changes nothing. Exits 0 when the pull request
    is in sync, 2 on bad input, 4 when the GitHub API failed.
    """
    from linkcheck.fix_pr import report_fixes, sync_fix_pull_request
    from linkcheck.github import outcome_summary

    with handle_errors():
        settings = load_settings(Path.cwd(), {}, config_path=config)
        report = read_report(report_file)
        token, repository = github_access(token, repository)
        if not base:
            raise UsageError("no base branch: set GITHUB_REF_NAME or pass --base")
        with github_errors():
            outcome = sync_fix_pull_request(
                report,
                report_fixes(report, settings, cwd=Path.cwd()),
                token=token,
                repository=repository,
                base=base,
                base_sha=base_sha or None,
                branch=branch,
                api_url=api_url,
                dry_run=dry_run,
                out=click.echo,
            )
    click.echo(outcome_summary(outcome, "fix pull request"))


HISTORY_EXAMPLES = """
linkcheck history                           the URLs failing longest, and the trend
linkcheck history --format markdown >> "$GITHUB_STEP_SUMMARY"
linkcheck history https://example.org/page  one URL's recorded checks
"""


@cli.command(
    "history",
    cls=Sectioned,
    short_help="Failing URLs over time, with a trend chart.",
    epilog=HISTORY_EXAMPLES,
)
@click.argument("url", required=False)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many entries (and runs of the trend) to show.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="text: a sparkline of the trend; markdown: a chart GitHub renders, and tables.",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list failing URLs that no post cites any more.",
)
@settings_options(only={"cache_path"})
def history_command(url: str | None, limit: int, fmt: str, show_all: bool, **params: Any) -> None:
    """Show URL's recent verdicts, or without URL the failing URLs that posts still cite and
    how the number of failing links changed over the latest runs.

    Reads the state file (see --cache-path) written by `linkcheck run`. A URL is cited
    while a post that still exists cited it when a run last read that post.
    """
    from linkcheck.app import failing_urls
    from linkcheck.output import write_text
    from linkcheck.report.history import render_failing, render_url_history

    with handle_errors():
        settings = build_settings((), params)
        with open_store(settings) as store:
            if url:
                text = render_url_history(url, store.history(url, limit), fmt)
            else:
                failing = failing_urls(store, settings, uncited=show_all, limit=limit)
                text = render_failing(failing, store.trend(limit), fmt)
        write_text(text, None)


@cli.group("cache", short_help="Clear the state file, or merge other runs' state into it.")
def cache_group() -> None:
    """Manage the state file (cached results and history)."""


@cache_group.command("clear")
@settings_options(only={"cache_path"})
def cache_clear_command(**params: Any) -> None:
    """Forget every cached result and all history."""
    with handle_errors():
        settings = build_settings((), params)
        with open_store(settings) as store:
            store.clear()
    click.echo(f"cleared {settings.cache_path}")


@cache_group.command("merge")
@click.argument(
    "sources", metavar="STATE...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@settings_options(only={"cache_path"})
def cache_merge_command(sources: tuple[Path, ...], **params: Any) -> None:
    """Add the cache and history of other state files (the shards' of a run) to this one."""
    from linkcheck.shard import merge_state_files

    with handle_errors():
        settings = build_settings((), params)
        for source in sources:
            if not source.is_file():
                raise UsageError(f"{source}: no such state file")
        with open_store(settings):
            pass  # makes the state file, or checks that it is one
        added = merge_state_files(Path(settings.cache_path), sources)
    click.echo(f"merged {len(sources)} state file(s) into {settings.cache_path} ({added} checks)")


def open_store(settings: Settings) -> StateStore:
    """The state file for the history and cache commands (warnings on stderr)."""
    from linkcheck.app import open_state

    return open_state(replace(settings, no_cache=False), cwd=Path.cwd(), warn=warn)


# ---------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------


GC_THRESHOLDS = (20_000, 20, 100)
"""Collector thresholds of the command's process. A run allocates hundreds of thousands of
short-lived objects (requests, responses, tokens) that reference counting frees; with the
default thresholds the cyclic collector also walks every post and result again and again.
Measured on the benchmarks' large-nostall corpus: about 7 % less CPU, 0.2 s less wall time."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``linkcheck`` command."""
    gc.set_threshold(*GC_THRESHOLDS)
    install_signal_handlers()
    try:
        code = cli.main(args=argv, prog_name="linkcheck", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BaseException as exc:
        if not interrupted_by(exc):
            raise
        click.echo("linkcheck: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)
