"""Settings with named defaults, and loading them from ``[tool.linkcheck]`` / ``linkcheck.toml``.

Every setting is described once in ``OPTIONS``; the configuration file keys and the CLI
options are both derived from that table, and the CLI wins over the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from linkcheck import __version__
from linkcheck.models import ConfigError, Severity

PROJECT_URL = "https://github.com/linkcheck-citations/linkcheck"

DEFAULT_PATHS: tuple[str, ...] = ("content",)
DEFAULT_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".mdx")
DEFAULT_RESOURCES_HEADINGS: tuple[str, ...] = (
    "Resources",
    "References",
    "Sources",
    "Bibliography",
    "Further reading",
)
DEFAULT_USER_AGENT = f"linkcheck/{__version__} (+{PROJECT_URL})"
DEFAULT_CONCURRENCY = 128
DEFAULT_PER_HOST_CONCURRENCY = 8
DEFAULT_HOST_INTERVAL = 0.0
DEFAULT_TIMEOUT = 15.0
DEFAULT_DEADLINE = 60.0
DEFAULT_RETRIES = 2
DEFAULT_RETRY_AFTER_MAX = 30.0
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_MAX_REDIRECTS = 10
DEFAULT_MAX_HTML_BYTES = 1024 * 1024
DEFAULT_MAX_PDF_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_POST_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_POST_LINKS = 20_000
DEFAULT_MAX_POST_LINES = 50_000
DEFAULT_MAX_POST_TAGS = 100_000
DEFAULT_MAX_POST_SECONDS = 5.0
DEFAULT_TRANSPORT = "aiohttp"
DEFAULT_FORMAT = "text"
DEFAULT_FAIL_ON = Severity.ERROR
CONFIG_FILE_NAME = "linkcheck.toml"
IGNORE_FILE_NAME = ".linkcheckignore"
"""URL patterns to skip, one regular expression per line, beside the settings file."""
DEFAULT_CACHE_PATH = ".linkcheck/state.sqlite"
DEFAULT_MAX_AGE = 86400.0
DEFAULT_MAX_AGE_JITTER = 0.1
DEFAULT_ERROR_AFTER_RUNS = 5
DEFAULT_ERROR_AFTER_DAYS = 25.0
DEFAULT_UNREACHABLE_AFTER_RUNS = 2
DEFAULT_UNREACHABLE_AFTER_DAYS = 6.0
DEFAULT_FLAP_CHANCE = 0.00001
DEFAULT_HISTORY_KEEP = 52

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "sarif", "github", "junit")
GENERATORS: tuple[str, ...] = (
    "auto",
    "hugo",
    "jekyll",
    "astro",
    "docusaurus",
    "mdbook",
    "mkdocs",
    "nextjs",
    "nuxt",
    "eleventy",
    "bridgetown",
    "vitepress",
    "vuepress",
    "zola",
    "hexo",
    "docsify",
    "plain",
)
DEFAULT_GENERATOR = "auto"
ANCHOR_STYLES: tuple[str, ...] = (
    "auto",
    "github",
    "kramdown",
    "python-markdown",
    "eleventy",
    "zola",
    "hexo",
    "vitepress",
)
DEFAULT_ANCHOR_STYLE = "auto"
TRANSPORTS: tuple[str, ...] = ("aiohttp", "httpx")


@dataclass(frozen=True, slots=True)
class HostSettings:
    """Overrides for one host: ``[tool.linkcheck.hosts."example.com"]``."""

    accept: tuple[int, ...] = ()
    """Extra status codes counted as ok for this host."""
    concurrency: int | None = None
    """Requests in flight at once to this host (instead of ``per-host-concurrency``)."""
    interval: float | None = None
    """Minimum seconds between two requests to this host (instead of ``host-interval``)."""
    user_agent: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know; built from defaults, then the config file, then the CLI."""

    paths: tuple[str, ...] = DEFAULT_PATHS
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    exclude_paths: tuple[str, ...] = ()
    """Globs of posts not to read (``drafts/**``), against the path relative to the working
    directory or to the content directory it was found in."""
    max_post_bytes: int = DEFAULT_MAX_POST_BYTES
    """Posts larger than this are a problem, not read."""
    max_post_links: int = DEFAULT_MAX_POST_LINKS
    """Posts that write more URLs than this are a problem, not parsed (memory stays bounded)."""
    max_post_lines: int = DEFAULT_MAX_POST_LINES
    """Posts longer than this many lines are a problem, not parsed: the Markdown parser keeps
    about 500 bytes per block, and a 1 MB post of 250,000 headings took 460 MB."""
    max_post_tags: int = DEFAULT_MAX_POST_TAGS
    """Posts writing more ``<`` (HTML tags) than this are a problem, not parsed: each inline
    tag is a token of about 0.8 KB, and 2 MB of ``<b>x</b>`` took 412 MB."""
    max_post_seconds: float = DEFAULT_MAX_POST_SECONDS
    """CPU seconds to read one post and extract its links; a post that needs more is a
    problem, not parsed (0: no bound). Text written to defeat the parser can cost ~25 µs a
    character: 8 MiB of ``[`` took minutes."""
    follow_external_symlinks: bool = False
    """Follow symbolic links to files outside the directory being checked."""
    resources_headings: tuple[str, ...] = DEFAULT_RESOURCES_HEADINGS
    exclude: tuple[str, ...] = ()
    """Regular expressions: matching URLs are skipped."""
    include: tuple[str, ...] = ()
    """Regular expressions: when given, only matching URLs are checked."""
    offline: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    per_host_concurrency: int = DEFAULT_PER_HOST_CONCURRENCY
    host_interval: float = DEFAULT_HOST_INTERVAL
    """Minimum seconds between two requests to one host."""
    timeout: float = DEFAULT_TIMEOUT
    """Connect and read timeout of one request, in seconds."""
    deadline: float = DEFAULT_DEADLINE
    """Total seconds one URL may take, retries and redirects included."""
    retries: int = DEFAULT_RETRIES
    retry_after_max: float = DEFAULT_RETRY_AFTER_MAX
    backoff_base: float = DEFAULT_BACKOFF_BASE
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
    max_pdf_bytes: int = DEFAULT_MAX_PDF_BYTES
    user_agent: str = DEFAULT_USER_AGENT
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra request headers by host name (``"*"`` for every host)."""
    accept: tuple[int, ...] = ()
    """Extra status codes counted as ok, for every host."""
    insecure: bool = False
    allow_private: bool = False
    """Fetch links to loopback, private and link-local addresses (an intranet blog, tests)."""
    transport: str = DEFAULT_TRANSPORT
    format: tuple[str, ...] = (DEFAULT_FORMAT,)
    """Report formats; the i-th one is written to the i-th ``output`` (or stdout)."""
    output: tuple[str, ...] = ()
    fail_on: Severity = DEFAULT_FAIL_ON
    config_file: str | None = None
    """The file the settings were read from (informational)."""
    ignore_file: str | None = None
    """The ``.linkcheckignore`` whose patterns were added to ``exclude`` (informational)."""
    cache_path: str = DEFAULT_CACHE_PATH
    """The state file (cache and history), relative to the working directory."""
    max_age: float = DEFAULT_MAX_AGE
    """Seconds an ok, redirected or moved result is reused before it is checked again."""
    max_age_jitter: float = DEFAULT_MAX_AGE_JITTER
    """Fraction (0 to 1) by which each URL's max age is shortened, by a stable per-URL amount,
    so that results cached in one run do not all expire in the same later run."""
    no_cache: bool = False
    """Neither read nor write the state file (no cache, no history)."""
    refresh: bool = False
    """Check every URL again, ignoring cached results (history is still recorded)."""
    error_after_runs: int = DEFAULT_ERROR_AFTER_RUNS
    """Consecutive failing runs before a server error, timeout or reset is an error."""
    error_after_days: float = DEFAULT_ERROR_AFTER_DAYS
    """Days those failing runs must span (from the first failure to the latest)."""
    unreachable_after_runs: int = DEFAULT_UNREACHABLE_AFTER_RUNS
    """Consecutive runs in which a host refuses connections or does not resolve before it is
    an error."""
    unreachable_after_days: float = DEFAULT_UNREACHABLE_AFTER_DAYS
    """Days those runs must span."""
    flap_chance: float = DEFAULT_FLAP_CHANCE
    """A URL that failed before needs a streak its past failure rate explains at most this
    often (``rate ** runs <= flap-chance``): the more it flapped, the longer the streak."""
    count_blocked: bool = False
    """Judge sites that refuse robots (401/403/429/999, challenge pages) like server errors;
    by default they are never errors."""
    history_keep: int = DEFAULT_HISTORY_KEEP
    """Checks kept per URL in the history."""
    suggest_archive: bool = False
    """Ask the Wayback Machine for an archived copy of each dead link."""
    soft_404: bool = True
    """Report pages that answer with success but say they are not there (soft 404s, parked
    domains) as dead."""
    severity: Mapping[str, Severity] = field(default_factory=dict)
    """Severity overrides by rule id (``{"uncited-resource": "warning"}``)."""
    hosts: Mapping[str, HostSettings] = field(default_factory=dict)
    """Per-host overrides by host name (lower case, ``www.`` kept as written)."""
    content_roots: tuple[str, ...] = ()
    """Directories holding every post of the site (default: the configured ``paths``, else
    the generator's content directories, else ``content/``, else the checked paths)."""
    generator: str = DEFAULT_GENERATOR
    """The site generator whose URLs and anchors the site model follows (``auto``: detected
    from its configuration file)."""
    permalink: str = ""
    """A permalink pattern for every post (``/:section/:slug/``), instead of the preset's."""
    base_url: str = ""
    """The site's own address: absolute links to it are judged as internal links."""
    static_dirs: tuple[str, ...] = ()
    """Directories of files served as they are (default: ``static``, ``public``, ``assets``)."""
    anchor_style: str = DEFAULT_ANCHOR_STYLE
    """How headings become anchors: ``github`` or ``kramdown`` (``auto``: the generator's)."""
    allow_empty: bool = False
    """A run that finds no posts succeeds (by default it exits 2)."""
    shard: str | None = None
    """``I/N``: check only the URLs whose host falls in shard I of N (see ``shard``)."""

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the given fields replaced (None values are ignored)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **clean)


# ---------------------------------------------------------------------------
# The option table: one row per configurable setting.
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """One configurable setting: its key in files and on the command line."""

    attr: str
    help: str
    convert: Callable[[Any, str], Any]
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The key in a config file, and the CLI flag without dashes."""
        return self.attr.replace("_", "-")


def _int(minimum: int) -> Callable[[Any, str], int]:
    def convert(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"expected an integer, got {value!r}", key=key)
        if value < minimum:
            raise ConfigError(f"must be at least {minimum}, got {value}", key=key)
        return value

    return convert


def _float(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number, got {value!r}", key=key)
    if value < 0:
        raise ConfigError(f"must not be negative, got {value}", key=key)
    return float(value)


def _fraction(value: Any, key: str) -> float:
    number = _float(value, key)
    if number > 1:
        raise ConfigError(f"must be between 0 and 1, got {value}", key=key)
    return number


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {value!r}", key=key)
    return value


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"expected a string, got {value!r}", key=key)
    return value


def _str_list(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"expected a list of strings, got {value!r}", key=key)
    return tuple(value)


def _csv_list(value: Any, key: str) -> tuple[str, ...]:
    """A list of strings, each of which may itself be comma-separated (``md,mdx``)."""
    items = _str_list(value, key)
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())


def _regex_list(value: Any, key: str) -> tuple[str, ...]:
    patterns = _str_list(value, key)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"bad regular expression {pattern!r}: {exc}", key=key) from None
    return patterns


STATUS_MIN = 100
STATUS_MAX = 999


def _statuses(item: Any, key: str) -> list[int]:
    """One item of an ``accept`` list: ``403``, ``"403"``, ``"200-299"`` or several of those
    separated by commas (``"200-299,403"``, as the command line gives them)."""
    if isinstance(item, int) and not isinstance(item, bool):
        if STATUS_MIN <= item <= STATUS_MAX:
            return [item]
    elif isinstance(item, str):
        codes: list[int] = []
        for part in item.split(","):
            low, dash, high = part.strip().partition("-")
            if not (low.strip().isdigit() and (not dash or high.strip().isdigit())):
                break
            first, last = int(low), int(high) if dash else int(low)
            if not STATUS_MIN <= first <= last <= STATUS_MAX:
                break
            codes.extend(range(first, last + 1))
        else:
            return codes
    raise ConfigError(f"expected HTTP status codes or ranges like 200-299, got {item!r}", key=key)


def _status_list(value: Any, key: str) -> tuple[int, ...]:
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ConfigError(f"expected a list of HTTP status codes, got {value!r}", key=key)
    codes: dict[int, None] = {}
    for item in value:
        codes.update(dict.fromkeys(_statuses(item, key)))
    return tuple(codes)


def _headers(value: Any, key: str) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise ConfigError("expected a table of host = { header = value }", key=key)
    result: dict[str, dict[str, str]] = {}
    for host, table in value.items():
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise ConfigError(f"expected header = value strings for {host!r}", key=key)
        header_origin(str(host), key)  # a bad origin is an error now, not at request time
        result[str(host).lower()] = dict(table)
    return result


DEFAULT_PORTS: Mapping[str, int] = {"http": 80, "https": 443}
ALL_HOSTS = "*"


def origin(scheme: str, host: str, port: int | None) -> str:
    """``scheme://host:port`` in lower case, with the scheme's default port filled in."""
    scheme = scheme.lower()
    return f"{scheme}://{host.lower()}:{port or DEFAULT_PORTS.get(scheme, 0)}"


def header_origin(written: str, key: str) -> str:
    """Where headers configured under ``written`` may go: ``*`` (every origin), an origin
    ``http(s)://host[:port]`` exactly, or a bare host name, which means ``https://host:443``."""
    if written == ALL_HOSTS:
        return ALL_HOSTS
    if "://" not in written:
        return origin("https", written, None)
    try:
        parts = urlsplit(written)
        port = parts.port
    except ValueError:
        raise ConfigError(f"bad origin {written!r}", key=key) from None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or parts.path.strip("/"):
        raise ConfigError(f"expected host or http(s)://host[:port], got {written!r}", key=key)
    return origin(parts.scheme, parts.hostname, port)


def _hosts(value: Any, key: str) -> dict[str, HostSettings]:
    if not isinstance(value, dict):
        raise ConfigError('expected a table of "host" = { ... }', key=key)
    result: dict[str, HostSettings] = {}
    for host, table in value.items():
        where = f"{key}.{host}"
        if not isinstance(table, dict):
            raise ConfigError("expected a table", key=where)
        values: dict[str, Any] = {}
        for raw_name, raw in table.items():
            name = str(raw_name).replace("_", "-")
            convert = _HOST_KEYS.get(name)
            if convert is None:
                known = ", ".join(sorted(_HOST_KEYS))
                raise ConfigError(f"unknown key (known: {known})", key=f"{where}.{raw_name}")
            values[name.replace("-", "_")] = convert(raw, f"{where}.{name}")
        result[str(host).lower()] = HostSettings(**values)
    return result


def _header_table(value: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError("expected header = value strings", key=key)
    return dict(value)


def _severities(value: Any, key: str) -> dict[str, Severity]:
    from linkcheck.rules import RULES_BY_ID

    if not isinstance(value, dict):
        raise ConfigError('expected a table of rule = "error" | "warning" | "info"', key=key)
    result: dict[str, Severity] = {}
    for rule, level in value.items():
        if rule not in RULES_BY_ID:
            known = ", ".join(sorted(RULES_BY_ID))
            raise ConfigError(f"unknown rule (known: {known})", key=f"{key}.{rule}")
        result[str(rule)] = _severity(level, f"{key}.{rule}")
    return result


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def convert(value: Any, key: str) -> str:
        if value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {value!r}", key=key)
        return str(value)

    return convert


def _formats(value: Any, key: str) -> tuple[str, ...]:
    return tuple(_choice(FORMATS)(item, key) for item in _csv_list(value, key))


def _severity(value: Any, key: str) -> Severity:
    choices = tuple(s.value for s in Severity)
    return Severity(_choice(choices)(value, key))


def _glob_list(value: Any, key: str) -> tuple[str, ...]:
    globs = _str_list(value, key)
    for glob in globs:
        if not glob.strip() or glob.startswith("/"):
            raise ConfigError(f"expected a relative glob like drafts/**, got {glob!r}", key=key)
    return globs


def _shard(value: Any, key: str) -> str:
    from linkcheck.shard import Shard, ShardError  # here: only a sharded run loads it

    try:
        return str(Shard.parse(_str(value, key)))
    except ShardError as exc:
        raise ConfigError(str(exc), key=key) from None


def _extensions(value: Any, key: str) -> tuple[str, ...]:
    return tuple(e if e.startswith(".") else f".{e}" for e in _csv_list(value, key))


_HOST_KEYS: dict[str, Callable[[Any, str], Any]] = {
    "accept": _status_list,
    "concurrency": _int(1),
    "interval": _float,
    "user-agent": _str,
    "headers": _header_table,
}
"""The keys of one ``[tool.linkcheck.hosts."HOST"]`` table."""

OPTIONS: tuple[Option, ...] = (
    Option("paths", "Files or directories of posts to check.", _str_list),
    Option("extensions", "File name endings that are posts.", _extensions),
    Option("exclude_paths", "Globs of posts to leave out (drafts/**).", _glob_list),
    Option("max_post_bytes", "Posts larger than this many bytes are skipped.", _int(1)),
    Option("max_post_links", "Posts writing more URLs than this are skipped.", _int(1)),
    Option("max_post_lines", "Posts longer than this many lines are skipped.", _int(1)),
    Option("max_post_tags", "Posts writing more HTML tags than this are skipped.", _int(1)),
    Option(
        "max_post_seconds",
        "CPU seconds to extract one post's links; slower posts are skipped (0: no bound).",
        _float,
    ),
    Option(
        "follow_external_symlinks",
        "Follow symbolic links to posts outside the checked directory.",
        _bool,
    ),
    Option("resources_headings", "Headings that open a post's Resources section.", _str_list),
    Option("exclude", "Regular expressions; matching URLs are skipped.", _regex_list),
    Option("include", "Regular expressions; only matching URLs are checked.", _regex_list),
    Option("offline", "Run only the checks that need no network.", _bool),
    Option("concurrency", "Requests in flight at once, over all hosts.", _int(1)),
    Option("per_host_concurrency", "Requests in flight at once to one host.", _int(1)),
    Option("host_interval", "Minimum seconds between two requests to one host.", _float),
    Option("timeout", "Connect and read timeout of one request, in seconds.", _float),
    Option("deadline", "Total seconds one URL may take, retries included.", _float),
    Option("retries", "Retries after 429, 502, 503, 504, timeouts and resets.", _int(0)),
    Option("retry_after_max", "Longest Retry-After wait honoured, in seconds.", _float),
    Option("backoff_base", "First retry delay in seconds (doubles each retry).", _float),
    Option("max_redirects", "Redirects followed before giving up.", _int(0)),
    Option("max_html_bytes", "Bytes of an HTML page read at most.", _int(1024)),
    Option("max_pdf_bytes", "Bytes of a PDF read at most (for its title).", _int(1024)),
    Option("user_agent", "User-Agent header sent with every request.", _str),
    Option("headers", "Extra request headers by host.", _headers),
    Option("accept", "Extra HTTP status codes counted as ok: 403, 200-299, 429,503.", _status_list),
    Option("insecure", "Do not verify TLS certificates.", _bool),
    Option("allow_private", "Check links to loopback, private and link-local addresses.", _bool),
    Option("transport", "HTTP transport under httpx.", _choice(TRANSPORTS), TRANSPORTS),
    Option("format", "Report format (repeatable, paired with --output).", _formats, FORMATS),
    Option("output", "Write the report to this file (repeatable).", _str_list),
    Option(
        "fail_on",
        "Lowest severity that makes the run fail (exit 1).",
        _severity,
        tuple(s.value for s in Severity),
    ),
    Option("cache_path", "The state file holding the cache and the history.", _str),
    Option("max_age", "Seconds a good result is reused from the cache.", _float),
    Option(
        "max_age_jitter",
        "Fraction (0-1) of max age shortened per URL to spread rechecks.",
        _fraction,
    ),
    Option("no_cache", "Do not read or write the state file.", _bool),
    Option("refresh", "Ignore cached results and check every URL again.", _bool),
    Option("error_after_runs", "Failing runs before a 5xx, timeout or reset is an error.", _int(1)),
    Option("error_after_days", "Days those failing runs must span.", _float),
    Option(
        "unreachable_after_runs",
        "Runs a host must refuse connections or not resolve before it is an error.",
        _int(1),
    ),
    Option("unreachable_after_days", "Days those runs must span.", _float),
    Option(
        "flap_chance",
        "How rarely a flapping URL's own failure rate may explain its streak (0-1).",
        _fraction,
    ),
    Option("count_blocked", "Judge sites that refuse robots like server errors.", _bool),
    Option("history_keep", "Checks kept per URL in the history.", _int(1)),
    Option("suggest_archive", "Suggest a Wayback Machine copy for each dead link.", _bool),
    Option("soft_404", "Report pages that answer 200 but say they are missing as dead.", _bool),
    Option(
        "severity", "Severity overrides by rule id (RULE=LEVEL on the command line).", _severities
    ),
    Option(
        "hosts", "Per-host overrides: accept, concurrency, interval, user-agent, headers.", _hosts
    ),
    Option(
        "content_roots",
        "Directories holding every post of the site (comma-separated or repeated).",
        _csv_list,
    ),
    Option(
        "generator", "Site generator preset for URLs and anchors.", _choice(GENERATORS), GENERATORS
    ),
    Option("permalink", "Permalink pattern for posts, e.g. /:section/:slug/.", _str),
    Option("base_url", "The site's own address: links to it are internal.", _str),
    Option("static_dirs", "Directories of static files (comma-separated or repeated).", _csv_list),
    Option(
        "anchor_style",
        "How headings become anchors.",
        _choice(ANCHOR_STYLES),
        ANCHOR_STYLES,
    ),
    Option("allow_empty", "Succeed when no post is found (default: exit 2).", _bool),
    Option(
        "shard", "I/N: check only the hosts of shard I of N (merge with report --merge).", _shard
    ),
)
OPTIONS_BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS}

REPLACED_KEYS: dict[str, str] = {
    "escalate-runs": "error-after-runs (default 5) and unreachable-after-runs (default 2)",
    "escalate-hours": "error-after-days (default 25) and unreachable-after-days (default 6)",
}
"""Keys of earlier versions and what replaced them: a file using one is refused with a
pointer, because the new judgement weighs the kind of failure the old keys ignored."""

assert {o.attr for o in OPTIONS} <= {f.name for f in fields(Settings)}


def find_config(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest ``linkcheck.toml``, or ``pyproject.toml`` with ``[tool.linkcheck]``, upward."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE_NAME
        if candidate.is_file():
            data = _read_toml(candidate)
            table = data.get("tool", {}).get("linkcheck", data)
            return candidate, table
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            data = _read_toml(pyproject)
            table = data.get("tool", {}).get("linkcheck")
            if table is not None:
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=str(path)) from None


def parse_table(table: Mapping[str, Any], *, source: str) -> dict[str, Any]:
    """Validate a config table; returns Settings field values. Raises ConfigError."""
    if not isinstance(table, Mapping):
        raise ConfigError("[tool.linkcheck] must be a table", source=source)
    values: dict[str, Any] = {}
    for raw_key, raw_value in table.items():
        key = str(raw_key).replace("_", "-")
        option = OPTIONS_BY_KEY.get(key)
        if option is None and key in REPLACED_KEYS:
            raise ConfigError(
                f"replaced by {REPLACED_KEYS[key]}: see 'How failures are judged' in the README",
                source=source,
                key=str(raw_key),
            )
        if option is None:
            raise ConfigError("unknown key", source=source, key=str(raw_key))
        try:
            values[option.attr] = option.convert(raw_value, key)
        except ConfigError as exc:
            raise ConfigError(exc.message, source=source, key=exc.key or key) from None
    return values


def load_settings(
    cwd: Path, overrides: Mapping[str, Any], *, config_path: Path | None = None
) -> Settings:
    """Defaults, then the config file (given or found from ``cwd`` upward), then ``overrides``."""
    settings = Settings()
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError("config file not found", source=str(config_path))
        data = _read_toml(config_path)
        table: Mapping[str, Any] = data.get("tool", {}).get("linkcheck", data)
        found: tuple[Path, Mapping[str, Any]] | None = (config_path, table)
    else:
        found = find_config(cwd)
    if found is not None:
        path, table = found
        values = parse_table(table, source=str(path))
        if "paths" in values and "content_roots" not in values:
            # The configured posts are the site, whatever a run is asked to check.
            values["content_roots"] = values["paths"]
        settings = replace(settings, config_file=str(path), **values)
    settings = settings.with_overrides(overrides)
    ignore_file = (found[0].parent if found is not None else cwd) / IGNORE_FILE_NAME
    patterns = read_ignore_file(ignore_file)
    if patterns is None:
        return settings
    return replace(settings, exclude=(*settings.exclude, *patterns), ignore_file=str(ignore_file))


def read_ignore_file(path: Path) -> tuple[str, ...] | None:
    """The patterns of a ``.linkcheckignore``: one regular expression per line; blank lines
    and lines starting with ``#`` are skipped, surrounding spaces ignored. None when there is
    no such file; ConfigError (naming the line) for a bad pattern or an unreadable file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", source=str(path)) from None
    patterns: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            re.compile(line)
        except re.error as exc:
            raise ConfigError(
                f"bad regular expression {line!r}: {exc}", source=f"{path}:{number}"
            ) from None
        patterns.append(line)
    return tuple(patterns)


def validate_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Check CLI values with the same converters as config values (regexes, ranges)."""
    checked: dict[str, Any] = {}
    by_attr = {o.attr: o for o in OPTIONS}
    for attr, value in overrides.items():
        option = by_attr.get(attr)
        if value is None or option is None:
            checked[attr] = value
            continue
        checked[attr] = option.convert(value, f"--{option.key}")
    return checked


class HostRules(Protocol):
    """What the host rules below read: ``Settings``, or the network stage's options."""

    @property
    def headers(self) -> Mapping[str, Mapping[str, str]]: ...
    @property
    def accept(self) -> tuple[int, ...]: ...
    @property
    def hosts(self) -> Mapping[str, HostSettings]: ...
    @property
    def per_host_concurrency(self) -> int: ...
    @property
    def host_interval(self) -> float: ...


def host_headers(
    settings: HostRules, host: str, scheme: str = "https", port: int | None = None
) -> dict[str, str]:
    """Extra headers for a request to ``scheme://host:port``: ``headers["*"]``, then those
    configured for exactly that origin, then the ``hosts`` entry's (which are for
    ``https://host:443`` only: headers never follow a move to plain http or another port).
    """
    merged: dict[str, str] = dict(settings.headers.get(ALL_HOSTS, {}))
    here = origin(scheme, host, port)
    for written, table in settings.headers.items():
        if written != ALL_HOSTS and header_origin(written, "headers") == here:
            merged.update(table)
    override = settings.hosts.get(host.lower())
    if override is not None:
        if here == origin("https", host, None):
            merged.update(override.headers)
        if override.user_agent is not None:
            merged["User-Agent"] = override.user_agent
    return merged


def host_accept(settings: HostRules, host: str) -> frozenset[int]:
    """Status codes counted as ok for ``host`` (global ``accept`` plus the host's own)."""
    override = settings.hosts.get(host.lower())
    extra = override.accept if override is not None else ()
    return frozenset((*settings.accept, *extra))


def host_concurrency(settings: HostRules, host: str) -> int:
    override = settings.hosts.get(host.lower())
    if override is not None and override.concurrency is not None:
        return override.concurrency
    return settings.per_host_concurrency


def max_host_concurrency(settings: HostRules) -> int:
    """The largest per-host concurrency of any host (connection pools are sized by it)."""
    overrides = (h.concurrency for h in settings.hosts.values() if h.concurrency is not None)
    return max((settings.per_host_concurrency, *overrides))


def host_interval(settings: HostRules, host: str) -> float:
    override = settings.hosts.get(host.lower())
    if override is not None and override.interval is not None:
        return override.interval
    return settings.host_interval
