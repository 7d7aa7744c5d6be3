"""The site's layout: which generator builds it, where its posts and files are, its address.

``detect_layout`` reads the generator's configuration file (Hugo, Jekyll, Astro, Docusaurus,
else plain folders) for its content directories, permalink rules, anchor style and own
address; the settings override each. The generators' defaults are one table, ``PRESETS``.
"""

from __future__ import annotations

import functools
import itertools
import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from linkcheck.config import DEFAULT_PATHS, Settings


class Generator(StrEnum):
    HUGO = "hugo"
    JEKYLL = "jekyll"
    ASTRO = "astro"
    DOCUSAURUS = "docusaurus"
    MDBOOK = "mdbook"
    MKDOCS = "mkdocs"
    NEXTJS = "nextjs"
    NUXT = "nuxt"
    ELEVENTY = "eleventy"
    BRIDGETOWN = "bridgetown"
    VITEPRESS = "vitepress"
    VUEPRESS = "vuepress"
    ZOLA = "zola"
    HEXO = "hexo"
    DOCSIFY = "docsify"
    PLAIN = "plain"


class AnchorStyle(StrEnum):
    GITHUB = "github"
    """GitHub, goldmark (Hugo), github-slugger (Astro, Docusaurus), kramdown's GFM input."""
    KRAMDOWN = "kramdown"
    """kramdown with its own input (``kramdown: input: kramdown`` in Jekyll)."""
    PYTHON_MARKDOWN = "python-markdown"
    """Python-Markdown's ``toc`` (MkDocs). GitHub's anchors are accepted too: a site may set
    its own rule (``slugify``), often GitHub's (``pymdownx.slugs``)."""
    VITEPRESS = "vitepress"
    """VitePress's (@mdit-vue's ``slugify``: accents dropped, runs of blanks and punctuation
    one ``-``, lower case, ``_`` before a leading digit); GitHub's accepted too."""
    HEXO = "hexo"
    """Hexo's (hexo-util's ``slugize``: case kept, each run of blanks and punctuation one
    ``-``); in lower case and GitHub's accepted too."""
    ZOLA = "zola"
    """Zola's (``slugify.anchors = "on"``: ASCII, lower case, each run of other characters one
    ``-``); GitHub's accepted too."""
    ELEVENTY = "eleventy"
    """Eleventy's ``slugify`` filter and markdown-it-anchor's default; GitHub's accepted too
    (the rule is chosen in the site's code)."""


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
    Generator.ZOLA: Preset(
        ("zola.toml", "config.toml"), (("content", "/"),), ("content",), ("static",)
    ),
    Generator.HEXO: Preset(
        ("_config.yml", "_config.yaml"), (("source", "/"),), ("source",), ("source",),
        pretty=False,
    ),
    Generator.HUGO: Preset(
        ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml",
         "config.yml", "config.json", "config/_default/hugo.toml", "config/_default/hugo.yaml",
         "config/_default/hugo.yml", "config/_default/hugo.json",
         "config/_default/config.toml", "config/_default/config.yaml",
         "config/_default/config.yml", "config/_default/config.json"),
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
         "docusaurus.config.cjs", "docusaurus.config.mts", "docusaurus.config.cts"),
        (("docs", "/docs/"), ("blog", "/blog/"), ("src/pages", "/")),
        ("docs", "blog"),
        ("static",),
    ),
    Generator.MDBOOK: Preset(("book.toml",), (("src", "/"),), ("src",), ("src",), pretty=False),
    Generator.MKDOCS: Preset(("mkdocs.yml", "mkdocs.yaml"), (("docs", "/"),), ("docs",), ("docs",)),
    Generator.NEXTJS: Preset(
        ("next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs",
         "next.config.mts"),
        (("pages", "/"), ("src/pages", "/")),
        ("content", "src/content", "data", "posts", "_posts", "pages", "src/pages", "app",
         "src/app"),
        ("public",),
        pretty=False,
    ),
    Generator.NUXT: Preset(
        ("nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs", "nuxt.config.mts"),
        (("content", "/"),),
        ("content",),
        ("public",),
        pretty=False,
    ),
    Generator.ELEVENTY: Preset(
        ("eleventy.config.js", "eleventy.config.mjs", "eleventy.config.cjs", "eleventy.config.ts",
         "eleventy.config.mts", "eleventy.config.cts", ".eleventy.js", ".eleventy.cjs"),
        ((".", "/"),),
        (".",),
        (),
    ),
    Generator.BRIDGETOWN: Preset(
        ("bridgetown.config.yml", "bridgetown.config.yaml"), (("src", "/"),), ("src",), ("src",)
    ),
    Generator.VITEPRESS: Preset(
        (".vitepress/config.ts", ".vitepress/config.mts", ".vitepress/config.js",
         ".vitepress/config.mjs", ".vitepress/config.cts", ".vitepress/config.cjs"),
        ((".", "/"),),
        (".",),
        ("public",),
        pretty=False,
    ),
    Generator.VUEPRESS: Preset(
        (".vuepress/config.js", ".vuepress/config.ts", ".vuepress/config.mjs",
         ".vuepress/config.mts", ".vuepress/config.cjs", ".vuepress/config.cts"),
        ((".", "/"),),
        (".",),
        (".vuepress/public",),
        pretty=False,
    ),
    Generator.DOCSIFY: Preset(("index.html",), ((".", "/"),), (".",), (".",), pretty=False),
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
VITEPRESS_REWRITE_RE = re.compile(
    r"""(['"])([\w./-]*?)/?:rest\*\1\s*:\s*(['"])([\w./-]*?)/?:rest\*\3"""
)
"""A VitePress rewrite that moves a whole folder: ``'en/:rest*': ':rest*'``."""
HEXO_DEPENDENCY_RE = re.compile(r'"hexo"\s*:')
"""``"hexo": "^7.0.0"`` in a ``package.json``."""
HEXO_PERMALINK = ":year/:month/:day/:title/"
"""Hexo's default permalink for posts."""
ELEVENTY_SKIPPED: frozenset[str] = frozenset({"_site", "_includes", "_data", "node_modules"})
"""Directories of an Eleventy site that hold no pages (its output, layouts and data)."""
BRIDGETOWN_SKIPPED: frozenset[str] = frozenset(
    {"_components", "_data", "_layouts", "_partials", "_locales"}
)
"""Directories of a Bridgetown site that hold no pages."""
UNPUBLISHED: Mapping[Generator, frozenset[str]] = {
    Generator.JEKYLL: JEKYLL_SKIPPED,
    Generator.ELEVENTY: ELEVENTY_SKIPPED,
    Generator.BRIDGETOWN: BRIDGETOWN_SKIPPED,
}
"""By generator, the names of folders that hold no pages (Hexo's: ``holds_no_pages``)."""
ROUTES_BY_CODE: frozenset[Generator] = frozenset({Generator.ELEVENTY, Generator.BRIDGETOWN})
"""Generators whose URLs data files, collections and code set too: a missing page there is
not known to be missing."""
DOCSIFY_ALIAS_RE = re.compile(r"\balias\s*:\s*\{")
"""docsify's ``alias: { '/changelog': 'https://...' }``: routes served from elsewhere."""
PASSTHROUGH_OBJECT_RE = re.compile(r"addPassthroughCopy\(\s*\{")
"""The start of an object of Eleventy's copies, ``{"from": "to", ...}``."""
PASSTHROUGH_OBJECT_END_RE = re.compile(r"\}\s*\)")
"""Its end (its keys may hold a glob's ``{a,b}``, never followed by ``)``)."""
PASSTHROUGH_PAIR_RE = re.compile(
    r"""(?:(['"`])([^'"`\n]*)\1|\[[^\]\n]*\])\s*:\s*(['"`])([^'"`\n]*)\3"""
)
"""A copy in such an object: its source (a string, or a computed ``[key]``) and target."""
FOLDER_KEY_RE = re.compile(r"\.?/?([\w./-]*?)/?")
"""A source that names a folder plainly (``./public/``): what a copy to the root serves."""
INDEX_STEMS: frozenset[str] = frozenset({"index", "_index", "readme"})
"""File names (without extension) that are their folder's page."""
DATED_NAME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
"""Jekyll posts and Docusaurus blog posts: ``2024-01-31-title``."""
NUMBER_PREFIX_RE = re.compile(r"^\d+[-_.]")
"""Docusaurus drops a number prefix (``01-intro.md``) from a doc's URL."""

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
    default_language: str = ""
    """Hugo's default language on a site with ``languages`` (``x.en.md`` is ``x``)."""
    default_in_subdir: bool = False
    """Hugo's ``defaultContentLanguageInSubdir``: the default language under ``/<lang>/`` too."""
    nested_sites: bool = False
    """A plain folder whose generator was detected (not chosen): a folder below it with a
    generator's configuration is another site, whose absolute paths it cannot judge."""
    definition_ids: bool = False
    """Hugo's ``markup.goldmark.parser.autoDefinitionTermID``: definition terms have ids."""
    routes_by_code: bool = False
    """Pages are also served at URLs that data files, collections, aliases or code decide
    (``ROUTES_BY_CODE``, a docsify ``alias``): a missing page or post file is not known to be
    missing."""
    copied: tuple[str, ...] = ()
    """Paths of the site (no leading ``/``) that its copy rules write from elsewhere, a folder
    ending in ``/`` (Eleventy's ``addPassthroughCopy({"node_modules/x.css": "css/x.css"})``):
    what is there is the copy's, not judged against the project's files."""
    aliases: tuple[tuple[str, Path], ...] = ()
    """Import aliases a file's path may start with, and the folder each names (Astro's
    ``tsconfig.json`` ``paths``: ``![x](@assets/a.png)`` is ``src/assets/a.png``)."""

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
    """The site's layout: the generator's configuration read, the settings applied over it.

    The site is the working directory's, or the one the posts named lie in (``site_root``).
    """
    root = site_root(settings, cwd)
    generator, config = _detect_generator(settings, root)
    preset = PRESETS[generator]
    data = _read_config(config) if config is not None else {}
    if generator is Generator.HUGO and config is not None:
        data = _with_config_directory(config, data)
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
    if generator is Generator.HUGO and not settings.static_dirs:
        static = (*static, *_theme_of_example_site(root))
    checked_dirs = preset.checked
    folder = CONTENT_FOLDER.get(generator)
    if folder is not None:
        checked_dirs = (folder(data),)
    if generator is Generator.DOCUSAURUS:
        checked_dirs = tuple(d for d, _ in _docusaurus_content(str(data.get("", ""))))
    checked = tuple(p.resolve() for p in (root / d for d in checked_dirs) if p.is_dir())
    if generator is Generator.PLAIN and not settings.content_roots:
        checked = tuple(mount.directory for mount in mounts)
    if not checked and generator is not Generator.PLAIN:
        # Posts where the site's code finds them (Next.js), a Jekyll site of pages alone (no
        # ``_posts/``), or none of the generator's content folders (a Nuxt app without
        # ``content/``): the project, as a plain folder, less what holds no pages.
        checked = (root,)
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
        default_language=_multilingual_default(generator, data),
        default_in_subdir=generator is Generator.HUGO
        and _key(data, "defaultContentLanguageInSubdir") is True,
        nested_sites=generator is Generator.PLAIN and settings.generator == "auto",
        definition_ids=generator is Generator.HUGO and _definition_ids(data),
        routes_by_code=generator in ROUTES_BY_CODE
        or (
            generator is Generator.DOCSIFY
            and DOCSIFY_ALIAS_RE.search(str(data.get("", ""))) is not None
        ),
        copied=_eleventy_copies(data) if generator is Generator.ELEVENTY else (),
        aliases=_import_aliases(root) if generator is Generator.ASTRO else (),
    )


TSCONFIG = "tsconfig.json"


def _import_aliases(root: Path) -> tuple[tuple[str, Path], ...]:
    """The folder aliases of the project's ``tsconfig.json`` (``compilerOptions.paths``
    entries ``"@assets/*": ["src/assets/*"]``, from ``baseUrl``), longest first; comments
    and trailing commas are allowed, as TypeScript allows them. A file that cannot be read
    gives none: links through aliases (``@x/...``) are then not judged."""
    config = root / TSCONFIG
    data = _read_config(config) if config.is_file() else {}  # a FIFO is never opened
    options = data.get("compilerOptions")
    if not isinstance(options, dict) or not isinstance(options.get("paths"), dict):
        return ()
    paths: dict[Any, Any] = options["paths"]
    base = options.get("baseUrl")
    base = base if isinstance(base, str) else "."
    found: list[tuple[str, Path]] = []
    for alias, targets in paths.items():
        if not (isinstance(alias, str) and alias.endswith("/*") and len(alias) > 2):
            continue
        if not (isinstance(targets, list) and targets and isinstance(targets[0], str)):
            continue
        if not targets[0].endswith("/*"):
            continue
        found.append((alias[:-1], (root / base / targets[0][:-2]).resolve()))
    return tuple(sorted(found, key=lambda pair: -len(pair[0])))


def site_root(settings: Settings, cwd: Path) -> Path:
    """The folder whose site the posts belong to: the working directory, unless it has no
    generator configuration and every path to check lies in one folder below it that has
    one (the nearest above the path), or that a site below it publishes from outside its
    own folder (``borrowing_sites``): then that folder. ``linkcheck run website/`` from the
    top of a repository whose Docusaurus site is in ``website/`` (or ``run docs/`` for a
    GitHub Pages site in ``docs/``, or ``run docs/intro.md`` for docs that ``website/``
    publishes) judges links as that site serves them. Not when the
    generator, the content roots or the static folders are set: those speak of the
    working directory."""
    root = cwd.resolve()
    if settings.generator != "auto" or settings.content_roots or settings.static_dirs:
        return root
    if _detect_generator(settings, root)[0] is not Generator.PLAIN:
        return root
    sites: set[Path | None] = set()
    borrowing: tuple[tuple[Path, Path], ...] | None = None
    for given in settings.paths:
        path = Path(given)
        path = (path if path.is_absolute() else root / path).resolve()
        folder = path if path.is_dir() else path.parent
        site = site_above(folder, root)
        if site is None and folder != root:  # docs/x.md of a site in website/ that borrows docs/
            if borrowing is None:
                borrowing = borrowing_sites(root)
            site = next((s for f, s in borrowing if folder == f or f in folder.parents), None)
        sites.add(site)
    if len(sites) == 1:
        found = sites.pop()
        if found is not None:
            return found
    return root


def site_above(folder: Path, root: Path) -> Path | None:
    """The nearest folder from ``folder`` up to (not including) ``root`` with a generator's
    configuration (a site of its own); None when there is none or ``folder`` is not below
    ``root``."""
    if root not in folder.parents:
        return None
    auto = Settings()
    while folder != root:
        if _detect_generator(auto, folder)[0] is not Generator.PLAIN:
            return folder
        folder = folder.parent
    return None


UNPUBLISHING: frozenset[Generator] = frozenset({*UNPUBLISHED, Generator.HEXO})
"""Generators with folders that hold no pages (``holds_no_pages``)."""


def holds_no_pages(generator: Generator, folder: str) -> bool:
    """Whether a folder of this name, in a generator's site, holds no pages: ``UNPUBLISHED``,
    and Hexo's ``_`` folders but ``_posts``."""
    if generator is Generator.HEXO:
        return folder.startswith("_") and folder != "_posts"
    return folder in UNPUBLISHED.get(generator, ())


def unpublished_folders(layout: Layout) -> list[str]:
    """The folders directly below the checked folders that hold no pages (``holds_no_pages``):
    they are checked no more than they are published."""
    found: set[str] = set()
    for root in layout.checked if layout.generator in UNPUBLISHING else ():
        try:
            children = list(root.iterdir())
        except OSError:  # unreadable: the search for posts reports it
            continue
        found.update(
            child.name
            for child in children
            if holds_no_pages(layout.generator, child.name) and child.is_dir()
        )
    return sorted(found)


MAX_SITE_FOLDERS = 200
"""Folders directly below a plain folder asked whether they are sites (``borrowed_folders``)."""


def borrowed_folders(root: Path) -> tuple[Path, ...]:
    """Folders of a plain folder ``root`` that a site in a folder below it publishes from
    outside its own folder (a Docusaurus site in ``website/`` whose docs are ``path:
    '../docs'``): their posts are that site's, as those in its folder are."""
    return tuple(dict.fromkeys(folder for folder, _ in borrowing_sites(root)))


def borrowing_sites(root: Path) -> tuple[tuple[Path, Path], ...]:
    """Each folder of a plain folder ``root`` that a site below it (one or two levels down:
    ``website/``, ``packages/website/``) publishes from outside its own folder, with that
    site's folder. At most ``MAX_SITE_FOLDERS`` folders are asked whether they are sites."""
    auto = Settings()
    found: list[tuple[Path, Path]] = []
    for site in _site_candidates(root):
        if _detect_generator(auto, site)[0] is Generator.PLAIN:
            continue
        for mount in detect_layout(auto, site).mounts:
            folder = mount.directory
            outside = folder != site and site not in folder.parents
            if outside and root in folder.parents:
                found.append((folder, site))
    return tuple(dict.fromkeys(found))


def _site_candidates(root: Path) -> list[Path]:
    """The folders one and two levels below ``root`` (not hidden, not ``node_modules``), the
    first ``MAX_SITE_FOLDERS`` of them."""
    found: list[Path] = []
    level = [root]
    for _ in range(2):
        below: list[Path] = []
        for parent in level:
            try:
                children = sorted(
                    child
                    for child in parent.iterdir()
                    if not child.name.startswith(".")
                    and child.name != "node_modules"
                    and child.is_dir()
                )
            except OSError:
                continue
            below.extend(children[: MAX_SITE_FOLDERS - len(found) - len(below)])
        found.extend(below)
        level = below
        if len(found) >= MAX_SITE_FOLDERS:
            break
    return found[:MAX_SITE_FOLDERS]


def _detect_generator(settings: Settings, root: Path) -> tuple[Generator, Path | None]:
    if settings.generator != "auto":
        chosen = Generator(settings.generator)
        return chosen, _config_file(PRESETS[chosen], root)
    for generator, preset in PRESETS.items():
        config = _config_file(preset, root)
        if config is None:
            continue
        if generator is Generator.ZOLA and config.name == "config.toml":
            if not _looks_like_zola(config):
                continue
        elif generator is Generator.HEXO:
            if not _looks_like_hexo(root):
                continue
        elif generator is Generator.DOCSIFY:
            if not _looks_like_docsify(config):
                continue
        elif generator is Generator.HUGO and (
            (config.name.startswith("config.") and not _looks_like_hugo(config))
            or _is_hugo_theme(root)
        ):
            continue
        if generator is Generator.MDBOOK and not _has_chapters(root, config):
            continue  # its chapters are made at build time (from other files): not a book here
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


def _is_hugo_theme(root: Path) -> bool:
    """A Hugo theme's repository (``theme.toml``, no ``content/``): its configuration is the
    theme's, its site is its ``exampleSite/`` (a site of its own below a plain folder)."""
    return (root / "theme.toml").is_file() and not (root / "content").is_dir()


def _looks_like_zola(config: Path) -> bool:
    """Zola's ``config.toml`` names its base URL ``base_url`` (Hugo's is ``baseURL``)."""
    keys = {str(k).lower() for k in _read_config(config)}
    return "base_url" in keys and "baseurl" not in keys


def _looks_like_hexo(root: Path) -> bool:
    """Hexo's ``_config.yml`` is also Jekyll's name: a Hexo site depends on ``hexo`` in its
    ``package.json`` or has Hexo's ``scaffolds/`` beside its ``source/``."""
    if (root / "scaffolds").is_dir() and (root / "source").is_dir():
        return True
    try:
        with (root / "package.json").open("rb") as file:
            text = file.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return HEXO_DEPENDENCY_RE.search(text) is not None


def _looks_like_docsify(page: Path) -> bool:
    """A docsify site is an ``index.html`` that configures ``window.$docsify``."""
    try:
        with page.open("rb") as file:
            text = file.read(SNIFF_BYTES)
    except OSError:
        return False
    return b"$docsify" in text


def _read_config(path: Path) -> dict[str, Any]:
    """A TOML, YAML or JSON configuration as a mapping; JavaScript ones (Astro, Docusaurus)
    are not run: their text is kept under ``""`` for the few values read by pattern."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_CONFIG_BYTES:
        return {}  # not a configuration a generator writes: the defaults
    text = data.decode("utf-8", errors="replace")
    loaded: Any = None
    try:
        if path.suffix == ".toml":
            loaded = tomllib.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            loaded = _load_yaml_config(text)
        elif path.suffix == ".json":
            try:
                loaded = json.loads(text)
            except ValueError:  # comments and trailing commas (tsconfig.json's JSONC)
                loaded = json.loads(_without_comments(text))
        else:
            return {"": text}
    except (ValueError, ImportError, RecursionError) as exc:  # a broken file: defaults
        del exc
        return {}
    except Exception:
        return {}
    return loaded if isinstance(loaded, dict) else {}


JSONC_COMMENT_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)')
"""A string (matched whole, so that what it holds stays) or a ``//`` or ``/* */`` comment of
JSON with comments. Read left to right in one pass (an unclosed comment runs to the end)."""
JSONC_COMMA_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|,(?=\s*[}\]])')
"""A string, or a comma before a closing bracket (allowed in JSON with comments)."""


def _without_comments(text: str) -> str:
    """JSON with comments (tsconfig.json's) as JSON: comments, then trailing commas, left out."""
    text = JSONC_COMMENT_RE.sub(_string_kept, text)
    return JSONC_COMMA_RE.sub(_string_kept, text)


def _string_kept(match: re.Match[str]) -> str:
    """A string stays; a comment or a trailing comma goes."""
    return match.group() if match.group().startswith('"') else ""


_JS_OBJECT_RE = r"""\b{key}\s*:\s*\{{"""
MAX_CONFIG_BYTES = 1024 * 1024
"""Largest generator configuration read (real ones are a few KB)."""
SNIFF_BYTES = 64 * 1024
"""Bytes read of a file that may tell a generator (a ``package.json``, an ``index.html``):
every folder above a post may be asked."""
MAX_JS_OBJECTS = 4
"""Most ``key: {...}`` objects read for one key of a JavaScript config."""


def _js_objects(text: str, key: str) -> Iterator[str]:
    """The object literals written for ``key`` in a JavaScript config (``key: { ... }``), each
    between its braces (quoted strings may hold braces), in the order written: the first
    ``MAX_JS_OBJECTS`` (each is a pass over the rest of the file)."""
    matches = re.finditer(_JS_OBJECT_RE.format(key=key), text)
    for match in itertools.islice(matches, MAX_JS_OBJECTS):
        inside = _object_at(text, match.end())
        if inside is not None:
            yield inside


_JS_TOKEN = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|[{}]""")
"""A quoted string (skipped whole) or a brace."""


def _object_at(text: str, start: int) -> str | None:
    """The text from ``start`` to the brace that closes the one before it (None: unclosed)."""
    depth = 1
    for token in _JS_TOKEN.finditer(text, start):
        brace = token.group()
        if brace == "{":
            depth += 1
        elif brace == "}":
            depth -= 1
            if not depth:
                return text[start : token.start()]
    return None


def _docusaurus_content(text: str) -> list[tuple[str, str]]:
    """The docs' and the blog's folders and URL prefixes in a Docusaurus config: each plugin's
    ``path`` and ``routeBasePath`` read from its options (``docs: {...}``, ``blog: {...}``),
    the defaults (``docs`` at ``/docs/``, ``blog`` at ``/blog/``) where they are not written.
    A docs folder may be outside the site's folder (``path: '../docs'``)."""
    found: list[tuple[str, str]] = []
    for key, default in (("docs", "docs"), ("blog", "blog")):
        # The plugin's options, not another ``docs: {...}`` (``themeConfig`` has one).
        options = next(
            (o for o in _js_objects(text, key) if _js_value(o, "path") or "routeBasePath" in o),
            "",
        )
        # Older configs: the first routeBasePath written, wherever it is, is the docs'.
        route = _js_value(options or (text if key == "docs" else ""), "routeBasePath")
        route = route.strip("/") if route else default
        found.append((_js_value(options, "path") or default, f"/{route}/" if route else "/"))
    for options in _docs_plugin_options(text):  # more docs, each a plugin of its own
        route = (_js_value(options, "routeBasePath") or "docs").strip("/")
        pair = (_js_value(options, "path") or "docs", f"/{route}/" if route else "/")
        if pair not in found:
            found.append(pair)
    return found


DOCS_PLUGIN_RE = re.compile(
    r"""['"]@docusaurus/plugin-content-docs['"]\s*,\s*(?:(\{)|([A-Za-z_$][\w$]*))"""
)
"""A docs plugin of a Docusaurus config with its options: written in place (``[
'@docusaurus/plugin-content-docs', {...}]``) or named (``[..., docsOptions]``)."""


def _docs_plugin_options(text: str) -> Iterator[str]:
    """The options of each docs plugin a Docusaurus config adds to the preset's docs (the
    first ``MAX_JS_OBJECTS``): in place, or the object literal a ``const`` of that name holds."""
    for match in itertools.islice(DOCS_PLUGIN_RE.finditer(text), MAX_JS_OBJECTS):
        if match.group(1):
            options = _object_at(text, match.end())
        else:
            named = re.search(
                rf"\b(?:const|let|var)\s+{re.escape(match.group(2))}\b[^=\n]*=\s*\{{", text
            )
            options = None if named is None else _object_at(text, named.end())
        if options is not None:
            yield options


def _load_yaml_config(text: str) -> Any:
    """A YAML configuration, its tags for other programs (MkDocs' ``!!python/name:...``,
    ``!ENV``) read as null: what linkcheck reads is plain values."""
    import yaml

    return yaml.load(text, Loader=_config_loader())  # noqa: S506 (a SafeLoader: builds no object)


@functools.cache
def _config_loader() -> Any:
    import yaml

    class ConfigLoader(yaml.SafeLoader):
        """PyYAML's safe loader, with any tag it does not know read as null."""

    def unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
        return None

    ConfigLoader.add_multi_constructor("!", unknown)
    ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", unknown)
    return ConfigLoader


def _vitepress_source(data: Mapping[str, Any]) -> str:
    """VitePress's pages folder (``srcDir``; the project's folder by default)."""
    return posixpath.normpath(_js_value(str(data.get("", "")), "srcDir").strip("/") or ".")


def _vitepress_rewrites(data: Mapping[str, Any], source: str) -> list[tuple[str, str]]:
    """VitePress's ``rewrites`` that move a folder (``'en/:rest*': ':rest*'``) as content
    roots: (the folder, the URL prefix it is published under)."""
    text = str(data.get("", ""))
    pairs: list[tuple[str, str]] = []
    for match in VITEPRESS_REWRITE_RE.finditer(text):
        folder, prefix = match.group(2).strip("/"), match.group(4).strip("/")
        if folder:
            pairs.append((posixpath.join(source, folder), f"/{prefix}/" if prefix else "/"))
    return pairs


def _hexo_source(data: Mapping[str, Any]) -> str:
    """Hexo's source folder (``source_dir``, ``source`` by default)."""
    value = data.get("source_dir")
    return value.strip("/") if isinstance(value, str) and value.strip("/") else "source"


def _eleventy_input(data: Mapping[str, Any]) -> str:
    """Eleventy's input folder (``dir: { input: "src" }``; the project by default)."""
    return _js_value(str(data.get("", "")), "input").strip("/") or "."


def _eleventy_static(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Where an Eleventy site's files are served from: below its input folder (what
    ``addPassthroughCopy("src/img")`` copies keeps its place there; copies are not all
    written literally, so every file there counts), and folders copied to the root
    (``addPassthroughCopy({ "./public/": "/" })``)."""
    to_root = []
    for source, target in _eleventy_copy_pairs(data):
        folder = FOLDER_KEY_RE.fullmatch(source) if source is not None else None
        if folder is not None and not target.strip("/"):
            to_root.append(folder.group(1) or ".")
    return tuple(dict.fromkeys([_eleventy_input(data), *to_root]))


def _eleventy_copies(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Where Eleventy's ``addPassthroughCopy({...})`` objects write their copies, other than
    the root (the sources may be globs, computed, or in ``node_modules``)."""
    found = [
        target.removeprefix("./").lstrip("/")
        for _, target in _eleventy_copy_pairs(data)
        if "${" not in target and target.strip("./")
    ]
    return tuple(dict.fromkeys(found))


def _eleventy_copy_pairs(data: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    """Each copy of Eleventy's ``addPassthroughCopy({...})`` objects: its source (None when
    computed) and its target, stripped. Linear in the config."""
    text = str(data.get("", ""))
    end = 0
    for start in PASSTHROUGH_OBJECT_RE.finditer(text):
        if start.end() < end:
            continue
        close = PASSTHROUGH_OBJECT_END_RE.search(text, start.end())
        if close is None:
            return  # no object ends after this one: none after a later one either
        end = close.end()
        for pair in PASSTHROUGH_PAIR_RE.finditer(text, start.end(), close.start()):
            yield pair.group(2), pair.group(4).strip()


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
    elif generator is Generator.HEXO:
        url, path = data.get("url"), data.get("root")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url.rstrip("/") + (path.rstrip("/") if isinstance(path, str) else "")
    elif generator is Generator.ZOLA:
        value = data.get("base_url")
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
        content_dir = _key(data, "contentDir")
        if isinstance(content_dir, str):
            pairs = [(content_dir, "/")]
        pairs = _hugo_mounts(data, "content") or _hugo_language_dirs(data) or pairs
    elif generator is Generator.DOCUSAURUS:
        pairs = [*_docusaurus_content(str(data.get("", ""))), *pairs[2:]]
    elif generator is Generator.ASTRO:
        pairs = [*_astro_collections(root), *pairs]
    elif generator is Generator.VITEPRESS:
        source = _vitepress_source(data)
        pairs = [*_vitepress_rewrites(data, source), (source, "/")]
    elif generator in CONTENT_FOLDER:
        pairs = [(CONTENT_FOLDER[generator](data), "/")]
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
            text = str(_read_config(path).get("", ""))  # at most MAX_CONFIG_BYTES
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


HUGO_CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
HUGO_ROOT_CONFIG_STEMS = frozenset({"hugo", "config"})


def _with_config_directory(config: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Hugo's configuration directory (``config/_default/``): beside ``hugo.*`` each file
    holds the top-level key it is named after (``languages.yaml``, ``module.toml``...)."""
    merged = dict(data)
    folder = config.parent
    if folder.name != "_default" or folder.parent.name != "config":
        return merged
    try:
        files = sorted(folder.iterdir())
    except OSError:
        return merged
    for file in files:
        key = file.stem
        if file.suffix in HUGO_CONFIG_SUFFIXES and key not in HUGO_ROOT_CONFIG_STEMS | {*merged}:
            merged[key] = _read_config(file) if file.is_file() else {}
    return merged


def _key(data: Mapping[str, Any], name: str) -> Any:
    """``data[name]``, the name's case aside (Hugo's configuration keys are read so)."""
    if name in data:
        return data[name]
    wanted = name.lower()
    return next((value for key, value in data.items() if str(key).lower() == wanted), None)


def _definition_ids(data: Mapping[str, Any]) -> bool:
    """Whether Hugo's goldmark gives definition terms ids (``autoDefinitionTermID``)."""
    value: Any = data
    for name in ("markup", "goldmark", "parser", "autoDefinitionTermID"):
        value = _key(value, name) if isinstance(value, Mapping) else None
    return value is True


def _default_language(data: Mapping[str, Any]) -> str:
    return str(_key(data, "defaultContentLanguage") or "en")


def _multilingual_default(generator: Generator, data: Mapping[str, Any]) -> str:
    """Hugo's default language, lower case, on a site that names its languages; else ``""``."""
    languages = _key(data, "languages") if generator is Generator.HUGO else None
    return _default_language(data).lower() if isinstance(languages, dict) and languages else ""


def _language_prefix(languages: Sequence[str], default: str) -> str:
    """The URL prefix of content published in ``languages``: ``/`` when the default language
    is one of them (or none is named), else ``/<language>/``."""
    names = [str(name).lower() for name in languages]
    if not names or default.lower() in names:
        return "/"
    return f"/{names[0]}/"


def _hugo_mounts(data: Mapping[str, Any], component: str) -> list[tuple[str, str]]:
    """Folders mounted on ``component`` (``content``, ``static``) by the project's
    ``module.mounts``, with their URL prefixes (a mount of a single file is not a folder)."""
    module = _key(data, "module")
    mounts = _key(module, "mounts") if isinstance(module, dict) else None
    if not isinstance(mounts, list):
        return []
    default = _default_language(data)
    found: list[tuple[str, str]] = []
    for mount in mounts:
        if not isinstance(mount, dict):
            continue
        source, target = mount.get("source"), mount.get("target")
        if not isinstance(source, str) or not isinstance(target, str):
            continue
        target = posixpath.normpath(target.replace("\\", "/")).strip("/")
        if target != component and not target.startswith(component + "/"):
            continue
        below = target[len(component) :].strip("/")
        prefix = _language_prefix(_mount_languages(mount), default)
        found.append((source, posixpath.join(prefix, below, "") if below else prefix))
    return found


def _mount_languages(mount: Mapping[str, Any]) -> list[str]:
    """The languages a mount is for: ``lang``, or ``sites.matrix.languages`` (Hugo 0.150+)."""
    lang = mount.get("lang")
    if isinstance(lang, str) and lang:
        return [lang]
    sites = mount.get("sites")
    matrix = sites.get("matrix") if isinstance(sites, dict) else None
    languages = matrix.get("languages") if isinstance(matrix, dict) else None
    return [str(x) for x in languages] if isinstance(languages, list) else []


def _hugo_language_dirs(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each language's own ``contentDir``, published under its prefix."""
    languages = _key(data, "languages")
    if not isinstance(languages, dict):
        return []
    default = _default_language(data)
    found: list[tuple[str, str]] = []
    for name, options in languages.items():
        folder = _key(options, "contentDir") if isinstance(options, dict) else None
        if isinstance(folder, str) and folder:
            found.append((folder, _language_prefix([str(name)], default)))
    return found


def _has_chapters(root: Path, config: Path) -> bool:
    return (root / _mdbook_src(_read_config(config))).is_dir()


def _mkdocs_dir(data: Mapping[str, Any]) -> str:
    """The folder of an MkDocs site's pages: ``docs_dir`` (``docs``)."""
    folder = data.get("docs_dir")
    return folder if isinstance(folder, str) and folder.strip() else "docs"


def _mdbook_src(data: Mapping[str, Any]) -> str:
    """The folder of an mdBook's chapters: ``[book] src`` in ``book.toml`` (``src``)."""
    book = data.get("book")
    folder = book.get("src") if isinstance(book, dict) else None
    return folder if isinstance(folder, str) and folder.strip() else "src"


def _static_dirs(generator: Generator, preset: Preset, data: Mapping[str, Any]) -> tuple[str, ...]:
    if generator is Generator.MDBOOK:
        return (_mdbook_src(data),)  # every file beside the chapters is copied to the book
    if generator is Generator.MKDOCS:
        return (_mkdocs_dir(data),)  # so is every file beside the pages
    if generator is Generator.ELEVENTY:
        return _eleventy_static(data)
    if generator is Generator.VITEPRESS:
        return (posixpath.join(_vitepress_source(data), "public"),)
    if generator is Generator.HEXO:  # every file of the source folder, and the theme's
        theme = data.get("theme")
        themed = (f"themes/{theme}/source",) if isinstance(theme, str) and theme else ()
        return (_hexo_source(data), *themed)
    if generator is not Generator.HUGO:
        return preset.static
    mounted = _hugo_mounts(data, "static")
    value = _key(data, "staticDir")
    if mounted:
        own: tuple[str, ...] = tuple(source for source, prefix in mounted if prefix == "/")
    elif isinstance(value, str):
        own = (value,)
    elif isinstance(value, list):
        own = tuple(str(v) for v in value)
    else:
        own = ("static",)
    return (*own, "assets", *_theme_dirs(data))


def _theme_of_example_site(root: Path) -> tuple[Path, ...]:
    """A theme's example site (``exampleSite/`` of a theme's repository, built with the
    repository as its theme): the theme's ``static/`` and ``assets/`` are served too."""
    theme = root.parent
    if not (theme / "theme.toml").is_file():
        return ()
    return tuple(path for path in (theme / "static", theme / "assets") if path.is_dir())


def _theme_dirs(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The folders Hugo's themes (``theme``, in ``themesDir``) serve files from: a theme's
    ``static/`` and ``assets/`` are the site's too (a theme's favicon, say). A theme that is a
    Hugo module (``github.com/...``) is not on the disk: folders that do not exist are left
    out by the caller."""
    theme = _key(data, "theme")
    names = [theme] if isinstance(theme, str) else theme if isinstance(theme, list) else []
    folder = _key(data, "themesDir")
    themes = folder if isinstance(folder, str) and folder else "themes"
    return tuple(
        posixpath.join(themes, str(name), kind)
        for name in names
        if isinstance(name, str) and name
        for kind in ("static", "assets")
    )


def _permalinks(generator: Generator, data: Mapping[str, Any]) -> dict[str, str]:
    value = _key(data, "permalinks") if generator is Generator.HUGO else None
    if isinstance(value, dict):
        found = {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
        page = value.get("page")  # Hugo >= 0.123: [permalinks.page]
        if isinstance(page, dict):
            found.update({str(k): str(v) for k, v in page.items() if isinstance(v, str)})
        return found
    if generator is Generator.HEXO:
        pattern = data.get("permalink")
        written = pattern if isinstance(pattern, str) and pattern.strip("/") else HEXO_PERMALINK
        return {"_posts": "/" + written.lstrip("/")}
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
    languages = _key(data, "languages") if generator is Generator.HUGO else None
    if not isinstance(languages, dict):
        return ()
    default = _default_language(data)
    return tuple(str(name).lower() for name in languages if str(name).lower() != default.lower())


def _anchor_style(settings: Settings, generator: Generator, data: Mapping[str, Any]) -> AnchorStyle:
    if settings.anchor_style != "auto":
        return AnchorStyle(settings.anchor_style)
    if generator in OWN_ANCHOR_STYLES:
        return OWN_ANCHOR_STYLES[generator]
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


CONTENT_FOLDER: Mapping[Generator, Callable[[Mapping[str, Any]], str]] = {
    Generator.MDBOOK: _mdbook_src,
    Generator.MKDOCS: _mkdocs_dir,
    Generator.ELEVENTY: _eleventy_input,
    Generator.HEXO: _hexo_source,
    Generator.VITEPRESS: _vitepress_source,
}
"""Generators whose pages are the files of one folder their configuration names: that
folder, published at ``/`` and checked when no path is given."""
OWN_ANCHOR_STYLES: Mapping[Generator, AnchorStyle] = {
    Generator.MKDOCS: AnchorStyle.PYTHON_MARKDOWN,
    Generator.ELEVENTY: AnchorStyle.ELEVENTY,
    Generator.ZOLA: AnchorStyle.ZOLA,
    Generator.HEXO: AnchorStyle.HEXO,
    Generator.VITEPRESS: AnchorStyle.VITEPRESS,
    Generator.VUEPRESS: AnchorStyle.VITEPRESS,
}
"""Generators whose headings make anchors by a rule of their own (others: GitHub's)."""


def _names_the_site(settings: Settings, cwd: Path, layout: Layout) -> bool:
    """Whether the one path given is the folder of a site below the working directory
    (``linkcheck run website`` for a Docusaurus site in ``website/`` whose docs are in
    ``../docs``): its content folders are what is checked, as from inside it."""
    if len(settings.paths) != 1 or layout.generator is Generator.PLAIN or not layout.checked:
        return False
    given = (cwd / settings.paths[0]).resolve()
    return given == layout.root and given != cwd.resolve()


def with_site(settings: Settings, cwd: Path) -> tuple[Settings, Layout]:
    """The site's layout, and the settings with the posts to check: without paths given
    (the default ``content/`` missing), or with the site's folder as the one path, the
    generator's content directories. (Finding no
    post there is a ``UsageError`` raised where the posts are found, unless ``allow-empty``
    is set: see :class:`linkcheck.collect.Extraction`.)"""
    layout = detect_layout(settings, cwd)
    if _names_the_site(settings, cwd, layout) or (
        settings.paths == DEFAULT_PATHS and not (cwd / DEFAULT_PATHS[0]).exists() and layout.checked
    ):
        settings = replace(settings, paths=tuple(str(path) for path in layout.checked))
        unpublished = tuple(f"{folder}/**" for folder in unpublished_folders(layout))
        if unpublished:
            settings = replace(settings, exclude_paths=(*settings.exclude_paths, *unpublished))
    return settings, layout
