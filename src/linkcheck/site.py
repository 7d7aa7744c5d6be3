"""The site: every post under the content roots, its URLs and anchors, and the static files.

Internal links are judged against the whole site, however few posts a run checks: a run on
one changed post (a pull request, a pre-commit hook) finds the other posts here, so it never
reports an internal link that a run on every post would not.

``detect_layout`` reads the generator's configuration file (Hugo, Jekyll, Astro, Docusaurus,
else plain folders) for its content directories, permalink rules, anchor style and own
address; the settings override each. ``build_site`` indexes every post's URLs (from its path
and frontmatter ``slug``, ``url``, ``permalink``, ``aliases``) and anchors. ``Site.resolve``
says what a link on the site leads to.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import posixpath
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from linkcheck.config import DEFAULT_PATHS, Settings
from linkcheck.discover import display_path, find_posts
from linkcheck.extract.sections import kramdown_slug, numbered_slugs
from linkcheck.models import Document, Post

__all__ = [
    "AnchorStyle",
    "Generator",
    "Layout",
    "Site",
    "Target",
    "TargetKind",
    "build_site",
    "detect_layout",
]


class Generator(StrEnum):
    HUGO = "hugo"
    JEKYLL = "jekyll"
    ASTRO = "astro"
    DOCUSAURUS = "docusaurus"
    PLAIN = "plain"


class AnchorStyle(StrEnum):
    GITHUB = "github"
    """GitHub, goldmark (Hugo), github-slugger (Astro, Docusaurus), kramdown's GFM input."""
    KRAMDOWN = "kramdown"
    """kramdown with its own input (``kramdown: input: kramdown`` in Jekyll)."""


# ---------------------------------------------------------------------------
# The presets: one table
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preset:
    """What a generator does by default."""

    config_files: tuple[str, ...]
    """Its configuration file names, the first found wins."""
    mounts: tuple[tuple[str, str], ...]
    """(content directory, URL prefix) pairs: a post's URL is the prefix + its path below."""
    checked: tuple[str, ...]
    """The directories a run checks when no path is given and ``content/`` does not exist."""
    static: tuple[str, ...]
    """Directories whose files are served at the site's root."""
    pretty: bool = True
    """Posts are served at ``/path/`` (else at ``/path.html``)."""


PRESETS: Mapping[Generator, Preset] = {
    Generator.HUGO: Preset(
        ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml",
         "config.yml", "config.json", "config/_default/hugo.toml",
         "config/_default/config.toml"),
        (("content", "/"),),
        ("content",),
        ("static", "assets"),
    ),
    Generator.JEKYLL: Preset(
        ("_config.yml", "_config.yaml", "_config.toml"),
        ((".", "/"),),
        ("_posts",),
        (".", "assets"),
        pretty=False,
    ),
    Generator.ASTRO: Preset(
        ("astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts",
         "astro.config.cjs"),
        (("src/content", "/"), ("src/pages", "/")),
        ("src/content", "src/pages"),
        ("public",),
    ),
    Generator.DOCUSAURUS: Preset(
        ("docusaurus.config.js", "docusaurus.config.ts", "docusaurus.config.mjs",
         "docusaurus.config.cjs"),
        (("docs", "/docs/"), ("blog", "/blog/"), ("src/pages", "/")),
        ("docs", "blog"),
        ("static",),
    ),
    Generator.PLAIN: Preset((), (), (), ("static", "public", "assets"), pretty=False),
}  # fmt: skip
"""The generators' defaults, in the order they are detected."""

JEKYLL_PERMALINKS: Mapping[str, str] = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
"""Jekyll's named permalink styles."""
JEKYLL_SKIPPED: frozenset[str] = frozenset(
    {"_site", "vendor", ".jekyll-cache", "_includes", "_layouts", "_sass", "node_modules"}
)
"""Directories of a Jekyll site that hold no pages."""
INDEX_STEMS: frozenset[str] = frozenset({"index", "_index", "readme"})
"""File names (without extension) that are their folder's page."""
DATED_NAME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
"""Jekyll posts and Docusaurus blog posts: ``2024-01-31-title``."""
NUMBER_PREFIX_RE = re.compile(r"^\d+[-_.]")
"""Docusaurus drops a number prefix (``01-intro.md``) from a doc's URL."""
GENERATED_EXTENSIONS: frozenset[str] = frozenset({".xml", ".json", ".txt", ".webmanifest"})
"""Files generators make themselves (feeds, sitemaps, search indexes): never judged."""
PAGE_EXTENSIONS: frozenset[str] = frozenset({".html", ".htm", ""})
SOURCE_EXTENSIONS: frozenset[str] = frozenset({".md", ".markdown", ".mdx"})
TEMPLATE_MARKS: tuple[str, ...] = ("{{", "{%", "}}", "%}")
"""Template code in a link (``{{ site.baseurl }}/x``, ``{% post_url %}``): not judged."""
SERVES_PROJECT: frozenset[Generator] = frozenset({Generator.JEKYLL, Generator.PLAIN})
"""Generators that publish the project's other files as they are (GitHub renders a
repository's files; Jekyll copies every file not in an ``_`` folder)."""
TOP_FRAGMENTS: frozenset[str] = frozenset({"", "top"})
"""Fragments every HTML page has: ``#`` and ``#top`` scroll to its start."""
HUGO_BASE_KEYS = ("baseURL", "baseurl", "baseUrl")
URL_ASSIGN_RE = r"""\b{key}\s*:\s*(['"`])([^'"`]*)\1"""


# ---------------------------------------------------------------------------
# The layout: detected once per run
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mount:
    directory: Path
    """A content directory (absolute)."""
    prefix: str
    """The URL path its posts are published under (``/``, ``/docs/``)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """How the site is built: what a run needs to know to find posts' URLs and files."""

    generator: Generator
    root: Path
    """The project directory (where the generator's configuration file is)."""
    mounts: tuple[Mount, ...]
    """The content roots and their URL prefixes."""
    static: tuple[Path, ...]
    """Directories served at the site's root."""
    base_urls: tuple[str, ...] = ()
    """The site's own addresses (``https://example.com/blog``), without trailing slash."""
    permalink: str = ""
    """A pattern for every post, from the settings."""
    permalinks: Mapping[str, str] = field(default_factory=dict)
    """Patterns by top-level section (Hugo's ``[permalinks]``; ``*`` for Jekyll's)."""
    anchor_style: AnchorStyle = AnchorStyle.GITHUB
    checked: tuple[Path, ...] = ()
    """What a run without paths checks when ``content/`` does not exist."""
    languages: tuple[str, ...] = ()
    """Hugo's languages other than the default one, each published under ``/<lang>/``: a
    post ``x.fr.md`` is the French page of ``x``."""

    @property
    def roots(self) -> tuple[Path, ...]:
        return tuple(mount.directory for mount in self.mounts)

    @property
    def base_path(self) -> str:
        """The path of the site's own address (``/blog`` for ``https://x.example/blog``)."""
        return urlsplit(self.base_urls[0]).path.rstrip("/") if self.base_urls else ""

    def own_path(self, url: str) -> str | None:
        """For an absolute http(s) URL on the site's own address (``www.`` or not, either
        scheme), the site path it names, query and fragment kept; else None."""
        if not self.base_urls or "://" not in url[:10]:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        if parts.scheme.lower() not in ("http", "https"):
            return None
        for base in self.base_urls:
            own = urlsplit(base)
            if host != (own.hostname or "").removeprefix("www.") or parts.port != own.port:
                continue
            path = parts.path or "/"
            rest = url[url.index(parts.netloc) + len(parts.netloc) + len(parts.path) :]
            return path + rest
        return None


def detect_layout(settings: Settings, cwd: Path) -> Layout:
    """The site's layout: the generator's configuration read, the settings applied over it."""
    root = cwd.resolve()
    generator, config = _detect_generator(settings, root)
    preset = PRESETS[generator]
    data = _read_config(config) if config is not None else {}
    base = settings.base_url or _generator_base_url(generator, data, config)
    mounts = _mounts(settings, root, generator, preset, data)
    static = tuple(
        path
        for path in (
            (root / d).resolve()
            for d in (settings.static_dirs or _static_dirs(generator, preset, data))
        )
        if path.is_dir()
    )
    checked = tuple(p for p in (root / d for d in preset.checked) if p.is_dir())
    if generator is Generator.PLAIN and not settings.content_roots:
        checked = tuple(mount.directory for mount in mounts)
    return Layout(
        generator=generator,
        root=root,
        mounts=mounts,
        static=static,
        base_urls=(base.rstrip("/"),) if base else (),
        permalink=settings.permalink,
        permalinks=_permalinks(generator, data),
        anchor_style=_anchor_style(settings, generator, data),
        checked=checked,
        languages=_languages(generator, data),
    )


def _detect_generator(settings: Settings, root: Path) -> tuple[Generator, Path | None]:
    if settings.generator != "auto":
        chosen = Generator(settings.generator)
        return chosen, _config_file(PRESETS[chosen], root)
    for generator, preset in PRESETS.items():
        config = _config_file(preset, root)
        if config is None:
            continue
        if config.name.startswith("config.") and not _looks_like_hugo(config):
            continue
        return generator, config
    return Generator.PLAIN, None


def _config_file(preset: Preset, root: Path) -> Path | None:
    for name in preset.config_files:
        path = root / name
        if path.is_file():
            return path
    return None


def _looks_like_hugo(config: Path) -> bool:
    """``config.toml`` is Hugo's old name, but many tools have one: Hugo's names a base
    URL, a theme or a content directory beside it."""
    data = _read_config(config)
    keys = {str(k).lower() for k in data}
    return (
        bool(keys & {"baseurl", "theme", "contentdir", "languagecode", "title"})
        or (config.parent / "content").is_dir()
    )


def _read_config(path: Path) -> dict[str, Any]:
    """A TOML, YAML or JSON configuration as a mapping; JavaScript ones (Astro, Docusaurus)
    are not run: their text is kept under ``""`` for the few values read by pattern."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    loaded: Any = None
    try:
        if path.suffix == ".toml":
            loaded = tomllib.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            import yaml

            loaded = yaml.safe_load(text)
        elif path.suffix == ".json":
            loaded = json.loads(text)
        else:
            return {"": text}
    except (ValueError, ImportError, RecursionError) as exc:  # a broken file: defaults
        del exc
        return {}
    except Exception:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _js_value(text: str, key: str) -> str:
    """A string written literally for ``key`` in a JavaScript config (``""`` when it is
    computed: a variable, or a template with ``${...}``)."""
    match = re.search(URL_ASSIGN_RE.format(key=key), text)
    if match is None or "${" in match.group(2):
        return ""
    return match.group(2)


def _generator_base_url(generator: Generator, data: Mapping[str, Any], config: Path | None) -> str:
    if generator is Generator.HUGO:
        for key in HUGO_BASE_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                return value
    elif generator is Generator.JEKYLL:
        url, path = data.get("url"), data.get("baseurl")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url.rstrip("/") + (path if isinstance(path, str) else "")
    elif generator is Generator.ASTRO:
        text = str(data.get("", ""))
        site = _js_value(text, "site")
        if site.startswith(("http://", "https://")):
            return site.rstrip("/") + _js_value(text, "base")
    elif generator is Generator.DOCUSAURUS:
        text = str(data.get("", ""))
        url = _js_value(text, "url")
        if url.startswith(("http://", "https://")):
            return url.rstrip("/") + _js_value(text, "baseUrl")
    return ""


def _mounts(
    settings: Settings, root: Path, generator: Generator, preset: Preset, data: Mapping[str, Any]
) -> tuple[Mount, ...]:
    if settings.content_roots:
        return tuple(
            Mount(_absolute(root, d), _prefix_for(d, preset)) for d in settings.content_roots
        )
    pairs = list(preset.mounts)
    if generator is Generator.HUGO:
        content_dir = data.get("contentDir") or data.get("contentdir")
        if isinstance(content_dir, str):
            pairs = [(content_dir, "/")]
    elif generator is Generator.DOCUSAURUS:
        route = _js_value(str(data.get("", "")), "routeBasePath")
        if route:  # the docs plugin's (the first one written)
            pairs[0] = (pairs[0][0], "/" + route.strip("/") + "/" if route.strip("/") else "/")
    elif generator is Generator.ASTRO:
        pairs = [*_astro_collections(root), *pairs]
    found = [Mount((root / d).resolve(), prefix) for d, prefix in pairs if (root / d).is_dir()]
    if found:
        return tuple(found)
    default = root / DEFAULT_PATHS[0]
    if default.is_dir():
        return (Mount(default.resolve(), "/"),)
    if generator is Generator.PLAIN:  # a folder of Markdown, as GitHub shows a repository
        return (Mount(root, "/"),)
    return ()


ASTRO_CONTENT_CONFIGS = (
    "src/content.config.ts",
    "src/content.config.mjs",
    "src/content.config.js",
    "src/content/config.ts",
    "src/content/config.mjs",
    "src/content/config.js",
)
ASTRO_GLOB_BASE_RE = re.compile(r"""\bglob\(\s*\{[^}]*?\bbase:\s*(['"`])([^'"`]+)\1""")
"""A content collection loaded from a folder: ``glob({ base: "./content/posts", ... })``."""


def _astro_collections(root: Path) -> list[tuple[str, str]]:
    """Astro's content collections loaded from folders, each published (by the usual
    ``src/pages/<name>/[...slug].astro`` route) under the folder's name."""
    for name in ASTRO_CONTENT_CONFIGS:
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            bases = [m.group(2) for m in ASTRO_GLOB_BASE_RE.finditer(text)]
            return [(b, "/" + PurePosixPath(b).name + "/") for b in bases]
    return []


def _prefix_for(directory: str, preset: Preset) -> str:
    """A configured content root's URL prefix: the preset's for the same directory, else ``/``."""
    wanted = posixpath.normpath(directory.replace("\\", "/")).strip("/")
    for name, prefix in preset.mounts:
        if posixpath.normpath(name) == wanted:
            return prefix
    return "/"


def _absolute(root: Path, directory: str) -> Path:
    path = Path(directory)
    return (path if path.is_absolute() else root / path).resolve()


def _static_dirs(generator: Generator, preset: Preset, data: Mapping[str, Any]) -> tuple[str, ...]:
    if generator is Generator.HUGO:
        value = data.get("staticDir") or data.get("staticdir")
        if isinstance(value, str):
            return (value, "assets")
        if isinstance(value, list):
            return (*(str(v) for v in value), "assets")
    return preset.static


def _permalinks(generator: Generator, data: Mapping[str, Any]) -> dict[str, str]:
    value = data.get("permalinks") if generator is Generator.HUGO else None
    if isinstance(value, dict):
        found = {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
        page = value.get("page")  # Hugo >= 0.123: [permalinks.page]
        if isinstance(page, dict):
            found.update({str(k): str(v) for k, v in page.items() if isinstance(v, str)})
        return found
    if generator is Generator.JEKYLL:
        style = data.get("permalink", "date")
        found = {"*": JEKYLL_PERMALINKS.get(str(style), str(style))}
        collections = data.get("collections")
        if isinstance(collections, dict):  # each collection's own pattern, by its folder
            for name, table in collections.items():
                pattern = table.get("permalink") if isinstance(table, dict) else None
                if isinstance(pattern, str):
                    found["_" + str(name)] = JEKYLL_PERMALINKS.get(pattern, pattern)
        return found
    return {}


def _languages(generator: Generator, data: Mapping[str, Any]) -> tuple[str, ...]:
    languages = data.get("languages") if generator is Generator.HUGO else None
    if not isinstance(languages, dict):
        return ()
    default = str(data.get("defaultContentLanguage", data.get("defaultcontentlanguage", "en")))
    return tuple(str(name).lower() for name in languages if str(name).lower() != default.lower())


def _anchor_style(settings: Settings, generator: Generator, data: Mapping[str, Any]) -> AnchorStyle:
    if settings.anchor_style != "auto":
        return AnchorStyle(settings.anchor_style)
    if generator is Generator.JEKYLL:
        kramdown = data.get("kramdown")
        markdown = str(data.get("markdown", "kramdown")).lower()
        if (
            markdown == "kramdown"
            and isinstance(kramdown, dict)
            and str(kramdown.get("input", "GFM")).lower() == "kramdown"
        ):
            return AnchorStyle.KRAMDOWN
    return AnchorStyle.GITHUB


# ---------------------------------------------------------------------------
# Posts' URLs
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def url_key(path: str) -> str:
    """A URL path as pages are looked up: decoded, case folded, without ``index.html``,
    ``.html`` or a trailing slash (``/Posts/A/`` and ``/posts/a.html`` name one page)."""
    path = _decoded(path).replace("\\", "/")
    if not path.startswith("/"):
        path = "/" + path
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    for tail in ("/index.html", "/index.htm"):
        if path.lower().endswith(tail):
            path = path[: -len(tail)] or "/"
    for extension in (".html", ".htm"):
        if path.lower().endswith(extension) and len(path) > len(extension) + 1:
            path = path[: -len(extension)]
    return path.rstrip("/").casefold() or "/"


def _decoded(path: str) -> str:
    """``path`` with its %-escapes decoded, or as written when they are not UTF-8 (a
    placeholder such as ``%%BASE_URL%%`` is not an escape)."""
    if "%" not in path:
        return path
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        return path


def _slugify(text: str) -> str:
    """Hugo's and Jekyll's URL form of a title: lower case, blanks and punctuation as ``-``."""
    return re.sub(r"[^\w]+", "-", text.strip().lower()).strip("-")


@dataclass(frozen=True, slots=True)
class _Source:
    """A post file seen from its content root."""

    mount: Mount
    parts: tuple[str, ...]
    """Its folders below the content root."""
    stem: str
    """Its file name without extension (the folder's name for an index file)."""
    is_index: bool
    is_section: bool = False
    """Hugo's ``_index.md``: a list page, not a post (a permalink pattern does not apply)."""


def _source(file: Path, mounts: Sequence[Mount], languages: Sequence[str] = ()) -> _Source | None:
    for mount in sorted(mounts, key=lambda m: len(m.directory.parts), reverse=True):
        try:
            relative = file.relative_to(mount.directory)
        except ValueError:
            continue
        parts = relative.parts[:-1]
        stem = relative.stem
        base, dot, language = stem.rpartition(".")
        if dot and base and language.lower() in languages:  # Hugo: ``post.fr.md``
            stem = base
            parts = (language.lower(), *parts)
        is_section = stem == "_index"
        is_index = stem.lower() in INDEX_STEMS
        if is_index:
            stem = parts[-1] if parts else ""
            parts = parts[:-1]
        return _Source(mount, tuple(parts), stem, is_index, is_section)
    return None


def post_urls(layout: Layout, file: Path, metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """Every URL path a post is published at: its permalink first, then its aliases."""
    source = _source(file, layout.mounts, layout.languages)
    if source is None:
        return ()
    urls = [_permalink(layout, source, metadata)]
    for key in ("aliases", "redirect_from"):
        value = metadata.get(key)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        urls.extend(str(alias) for alias in values if isinstance(alias, str | int))
    return tuple(dict.fromkeys(urls))


def _meta(metadata: Mapping[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None


def _permalink(layout: Layout, source: _Source, metadata: Mapping[str, Any]) -> str:
    prefix = source.mount.prefix
    explicit = _meta(metadata, "url") or _meta(metadata, "permalink")
    if explicit is not None and layout.generator is not Generator.DOCUSAURUS:
        return explicit if explicit.startswith("/") else "/" + explicit
    slug = _meta(metadata, "slug")
    if layout.generator is Generator.DOCUSAURUS:
        return _docusaurus_url(source, metadata, slug)
    section = source.parts[0] if source.parts else ""
    if layout.generator is Generator.JEKYLL and "_posts" in source.parts:
        pattern = layout.permalinks.get("_posts") or layout.permalinks.get("*", "")
        return _pattern_url(
            pattern or JEKYLL_PERMALINKS["date"], source, metadata, slug, jekyll=True
        )
    if layout.generator is Generator.JEKYLL and section.startswith("_"):
        pattern = layout.permalinks.get(section, "")
        if pattern:
            return _pattern_url(pattern, source, metadata, slug, jekyll=True, collection=section)
    pattern = layout.permalink or layout.permalinks.get(section, "")
    if pattern and not source.is_section:
        return _pattern_url(pattern, source, metadata, slug, jekyll=False)
    name = slug if slug is not None else source.stem
    path = posixpath.join(prefix, *source.parts, name)
    if layout.generator is Generator.JEKYLL and not source.is_index:
        return path + ".html"
    return path + "/" if source.is_index or PRESETS[layout.generator].pretty else path


def _date(metadata: Mapping[str, Any], source: _Source) -> dt.date | None:
    value = metadata.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    dated = DATED_NAME_RE.match(source.stem)
    if dated is not None:
        try:
            return dt.date(int(dated.group(1)), int(dated.group(2)), int(dated.group(3)))
        except ValueError:
            return None
    return None


def _pattern_url(
    pattern: str,
    source: _Source,
    metadata: Mapping[str, Any],
    slug: str | None,
    *,
    jekyll: bool,
    collection: str | None = None,
) -> str:
    """A permalink pattern filled in (Hugo's and Jekyll's tokens; ``collection`` is the folder
    of a Jekyll collection, ``_docs``, whose documents' ``:path`` is below it)."""
    dated = DATED_NAME_RE.match(source.stem)
    name = dated.group(4) if dated else source.stem
    title = _meta(metadata, "title")
    date = _date(metadata, source)
    if jekyll:
        # Folders above ``_posts`` are categories; folders below it only sort the files.
        above = source.parts[: source.parts.index("_posts")] if "_posts" in source.parts else ()
        categories = list(above)
        value = metadata.get("categories", metadata.get("category"))
        if isinstance(value, str):
            categories += value.split()
        elif isinstance(value, list):
            categories += [str(v) for v in value]
        sections = "/".join(c.lower() for c in categories)
        title_token = slug or name
    else:
        sections = "/".join(source.parts)
        title_token = _slugify(title) if title else (slug or name)
    values = {
        "year": f"{date.year:04d}" if date else "",
        "month": f"{date.month:02d}" if date else "",
        "i_month": str(date.month) if date else "",
        "monthname": date.strftime("%B").lower() if date else "",
        "day": f"{date.day:02d}" if date else "",
        "i_day": str(date.day) if date else "",
        "y_day": f"{date.timetuple().tm_yday:03d}" if date else "",
        "title": title_token,
        "slug": slug or (_slugify(title) if title and not jekyll else name),
        "slugorfilename": slug or name,
        "slugorcontentbasename": slug or name,
        "filename": name,
        "contentbasename": name,
        "name": name,
        "section": source.parts[0] if source.parts else "",
        "sections": sections,
        "categories": sections,
        "output_ext": ".html",
        "path": "/".join(source.parts),
    }
    if collection is not None:
        values["collection"] = collection.removeprefix("_")
        values["path"] = "/".join([*source.parts[1:], source.stem])
    filled = re.sub(r":([a-z_]+)", lambda m: values.get(m.group(1), m.group(0)), pattern)
    return "/" + re.sub(r"/+", "/", filled).lstrip("/")


def _docusaurus_url(source: _Source, metadata: Mapping[str, Any], slug: str | None) -> str:
    prefix = source.mount.prefix
    if prefix == "/blog/":
        if slug is not None:
            return posixpath.join(prefix, slug.lstrip("/"))
        dated = DATED_NAME_RE.match(source.stem)
        if dated is not None:
            year, month, day, name = dated.groups()
            return posixpath.join(prefix, *source.parts, year, month, day, name)
        return posixpath.join(prefix, *source.parts, source.stem)
    parts = [NUMBER_PREFIX_RE.sub("", p) for p in source.parts]
    if slug is not None:
        if slug.startswith("/"):
            return posixpath.join(prefix, slug.lstrip("/"))
        return posixpath.join(prefix, *parts, slug)
    stem = _meta(metadata, "id") or NUMBER_PREFIX_RE.sub("", source.stem)
    if source.is_index:
        return posixpath.join(prefix, *parts, stem) + "/"
    return posixpath.join(prefix, *parts, stem)


# ---------------------------------------------------------------------------
# The index and what a link leads to
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """A post as the site knows it."""

    path: str
    """Its display path."""
    file: Path
    """Its resolved file."""
    urls: tuple[str, ...]
    anchors: frozenset[str] | None
    """None when the post could not be read (every fragment is then accepted)."""


class TargetKind(StrEnum):
    PAGE = "page"
    """A post of the site (``page`` holds it)."""
    FILE = "file"
    """A file that exists."""
    MISSING = "missing"
    """Nothing at a place where there should be something (``description`` says what)."""
    UNKNOWN = "unknown"
    """A page the generator makes itself (a list, a tag, the home page) or a file it
    generates: not judged."""


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    page: Page | None = None
    description: str = ""


UNKNOWN = Target(TargetKind.UNKNOWN)
FILE = Target(TargetKind.FILE)


@dataclass(slots=True)
class Site:
    """Every post of the site by URL and by file, and where files are served from."""

    layout: Layout
    cwd: Path
    by_url: dict[str, Page] = field(default_factory=dict)
    by_file: dict[str, Page] = field(default_factory=dict)
    """By absolute, normalised file path (``_key``)."""
    sections: set[str] = field(default_factory=set)
    """URL keys of folders that hold posts: a missing page there is a broken link."""
    dated: bool = False
    """Posts are published under dated folders (``/2024/01/31/``)."""
    pages: dict[int, Page | None] = field(default_factory=dict)
    """Each checked post's page, by the post's identity (looked up once per post)."""

    def _key(self, path: Path | str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    def add(self, post: Post, urls: Sequence[str], anchors: frozenset[str] | None) -> None:
        key = self._key(post.document.path)
        page = Page(post.path, Path(key), tuple(urls), anchors)
        self.by_file.setdefault(key, page)
        for url in urls:
            key = url_key(url)
            self.by_url.setdefault(key, page)
            parent = posixpath.dirname(key)
            if parent != "/":
                self.sections.add(parent)
            if re.search(r"/\d{4}/\d{2}/\d{2}/[^/]+$", key):
                self.dated = True

    def page_of(self, post: Post) -> Page | None:
        found = self.pages.get(id(post), self)
        if found is self:
            found = self.pages[id(post)] = self.by_file.get(self._key(post.document.path))
        return found if isinstance(found, Page) else None

    def own_path(self, url: str) -> str | None:
        """The path of an absolute URL on the site's own address (see ``Layout.own_path``)."""
        return self.layout.own_path(url)

    def has_anchor(self, page: Page, fragment: str) -> bool:
        """Whether ``page`` has the anchor ``fragment``. Browsers match ids exactly; GitHub,
        which renders plain Markdown folders, finds a heading's anchor in any case."""
        if has_anchor(page.anchors, fragment):
            return True
        if self.layout.generator is not Generator.PLAIN or page.anchors is None:
            return False
        wanted = _decoded(fragment).casefold()
        return any(anchor.casefold() == wanted for anchor in page.anchors)

    def resolve(self, post: Post, url: str) -> Target:
        """What ``url``, written in ``post``, leads to on this site."""
        if any(mark in url for mark in TEMPLATE_MARKS):
            return UNKNOWN
        own = self.own_path(url)
        if own is not None:
            url = own
        if ":" in url.split("/", 1)[0] or url.startswith("//"):
            return UNKNOWN  # a scheme or a host: not a path on this site
        path = _decoded(url.partition("#")[0].partition("?")[0])
        if not path:
            page = self.page_of(post)
            return Target(TargetKind.PAGE, page or _page_of_post(post, self.cwd))
        extension = posixpath.splitext(path.rstrip("/"))[1].lower()
        if extension in SOURCE_EXTENSIONS:
            return self._source_file(post, path)
        if extension not in PAGE_EXTENSIONS:
            return self._file(post, path, extension)
        return self._page(post, path)

    # A link to a post's source file (``other.md``), as GitHub and Docusaurus resolve it.
    def _source_file(self, post: Post, path: str) -> Target:
        if not path.startswith("/"):  # the usual case, beside the post: no disk needed
            folder = os.path.dirname(self._key(post.document.path))
            page = self.by_file.get(os.path.normpath(os.path.join(folder, path)))
            if page is not None:
                return Target(TargetKind.PAGE, page)
        candidates = self._file_candidates(post, path, source=True)
        for candidate in candidates:
            page = self.by_file.get(self._key(candidate))
            if page is not None:
                return Target(TargetKind.PAGE, page)
        if any(self._inside(candidate) and candidate.is_file() for candidate in candidates):
            return FILE
        return Target(TargetKind.MISSING, description=f"no file {self._shown(candidates[0])}")

    def _file(self, post: Post, path: str, extension: str) -> Target:
        if extension in GENERATED_EXTENSIONS:
            return UNKNOWN
        candidates = self._file_candidates(post, path, source=False)
        if any(self._inside(candidate) and candidate.is_file() for candidate in candidates):
            return FILE
        if not candidates:
            return UNKNOWN
        looked = " or ".join(dict.fromkeys(self._shown(c) for c in candidates[:3]))
        return Target(TargetKind.MISSING, description=f"no file {looked}")

    def _page(self, post: Post, path: str) -> Target:
        key = self._page_key(post, path)
        page = self.by_url.get(key)
        base_path = self.layout.base_path.casefold()
        if page is None and base_path and key.startswith(base_path + "/"):
            key = key[len(base_path) :]
            page = self.by_url.get(key)
        if page is not None:
            return Target(TargetKind.PAGE, page)
        parent = posixpath.dirname(key)
        if parent in self.sections or (self.dated and re.search(r"/\d{4}/\d{2}/\d{2}/[^/]+$", key)):
            return Target(TargetKind.MISSING, description=f"no post at {key}")
        return UNKNOWN

    def _page_key(self, post: Post, path: str) -> str:
        if path.startswith("/"):
            return url_key(path)
        page = self.page_of(post)
        base = page.urls[0] if page is not None and page.urls else None
        if base is None:
            return url_key("/" + path)
        directory = base if base.endswith("/") else posixpath.dirname(base) + "/"
        return url_key(posixpath.join(directory, path))

    def _file_candidates(self, post: Post, path: str, *, source: bool) -> list[Path]:
        """Where a file a link names may be: beside the post's file (relative links), then
        below the static directories, the content roots and the project (absolute links,
        and relative ones resolved against the post's URL)."""
        found: list[Path] = []
        folder = _resolved(post.document.path, self.cwd).parent
        if not path.startswith("/"):
            found.append(folder / path)
            page = self.page_of(post)
            if page is not None and page.urls and not source:
                base = page.urls[0]
                directory = base if base.endswith("/") else posixpath.dirname(base) + "/"
                path = posixpath.normpath(posixpath.join(directory, path))
            else:
                return found
        relative = path.lstrip("/")
        base_path = self.layout.base_path.strip("/")
        tails = [relative]
        if base_path and relative.startswith(base_path + "/"):
            tails.append(relative[len(base_path) + 1 :])
        roots = [*self.layout.static, *self.layout.roots]
        if self.layout.generator in SERVES_PROJECT:
            roots.append(self.layout.root)
        for tail in tails:
            for root in roots:
                candidate = root / tail
                if candidate not in found:
                    found.append(candidate)
        return found

    def _inside(self, path: Path) -> bool:
        """Whether ``path`` is in the project: a site serves nothing from outside it, and a
        post must not make the checker look at other files of the machine."""
        key = self._key(path)
        return key == str(self.layout.root) or key.startswith(os.path.join(self.layout.root, ""))

    def _shown(self, path: Path) -> str:
        absolute = Path(posixpath.normpath(str(path)))
        try:
            return absolute.relative_to(self.cwd.resolve()).as_posix()
        except ValueError:
            return absolute.as_posix()


def _resolved(path: Path, cwd: Path) -> Path:
    """``path`` made absolute against ``cwd`` and normalised, without touching the disk
    (``cwd`` is resolved once: a lookup per link must not cost a walk of the path)."""
    return Path(os.path.normpath(path if path.is_absolute() else cwd / path))


def _page_of_post(post: Post, cwd: Path) -> Page:
    return Page(post.path, _resolved(post.document.path, cwd), (), post.anchors)


def has_anchor(anchors: frozenset[str] | None, fragment: str) -> bool:
    """Whether a page has ``fragment`` (``#top`` and ``#`` always; unknown anchors: yes)."""
    if anchors is None or fragment.lower() in TOP_FRAGMENTS:
        return True
    return fragment in anchors or unquote(fragment) in anchors


def post_anchors(post: Post, style: AnchorStyle) -> frozenset[str]:
    """A post's anchors as its generator renders them."""
    if style is AnchorStyle.GITHUB:
        return post.anchors
    return frozenset(numbered_slugs(list(post.headings), kramdown_slug)) | post.ids


# ---------------------------------------------------------------------------
# Building the site
# ---------------------------------------------------------------------------


def site_files(layout: Layout, extensions: Sequence[str]) -> list[Path]:
    """Every post file under the content roots."""
    roots = [d for d in layout.roots if d.is_dir()]
    if not roots:
        return []
    files = find_posts(roots, extensions)
    if layout.generator is Generator.JEKYLL:
        files = [f for f in files if not _jekyll_skipped(f, layout.root)]
    return files


def _jekyll_skipped(path: Path, root: Path) -> bool:
    """Whether a file is in a folder Jekyll builds no page from (``_site``, ``vendor``...)."""
    try:
        folders = path.resolve().relative_to(root).parts[:-1]
    except ValueError:
        return False
    return bool(set(folders) & JEKYLL_SKIPPED)


def build_site(
    layout: Layout,
    posts: Sequence[Post],
    settings: Settings,
    cwd: Path,
) -> Site:
    """The site: ``posts`` (those being checked) and every other post under the content
    roots, read here (their problems are not this run's: an unreadable one is indexed by
    its path, and any fragment of it is accepted)."""
    site = Site(layout, layout.root)
    seen: set[Path] = set()
    style = layout.anchor_style
    for post in posts:
        file = _resolved(post.document.path, layout.root)
        seen.add(file)
        site.add(post, post_urls(layout, file, post.document.metadata), post_anchors(post, style))
    others = [
        path
        for path in site_files(layout, settings.extensions)
        if _resolved(path, layout.root) not in seen
    ]
    if not others:
        return site
    # The other posts are read like the checked ones (by worker processes when they are
    # many); one that cannot be read is indexed by its path, any fragment of it accepted.
    from linkcheck.collect import collect

    wanted = replace(settings, paths=tuple(str(path) for path in others), allow_empty=True)
    collected = collect(wanted, cwd=cwd, keep_text=False)
    for other in collected.posts:
        file = _resolved(other.document.path, layout.root)
        metadata = other.document.metadata
        site.add(other, post_urls(layout, file, metadata), post_anchors(other, style))
    if collected.problems:
        unread = {problem.path for problem in collected.problems}
        for path in others:
            if display_path(path, cwd) in unread:
                stub = Post(Document(path, str(path), "", {}, 0), (), frozenset(), False)
                site.add(stub, post_urls(layout, _resolved(path, layout.root), {}), None)
    return site


def posts_site(posts: Sequence[Post], cwd: Path | None = None) -> Site:
    """A site of ``posts`` alone, as plain folders under ``content/`` (nothing read from disk
    but what links to files name)."""
    root = (cwd or Path.cwd()).resolve()
    layout = Layout(Generator.PLAIN, root, (Mount(root / DEFAULT_PATHS[0], "/"),), ())
    site = Site(layout, root)
    for post in posts:
        file = _resolved(post.document.path, root)
        site.add(post, post_urls(layout, file, post.document.metadata), post.anchors)
    return site
