"""Posts' URLs: from a post's path below its content root and its frontmatter (``slug``,
``url``, ``permalink``, ``aliases``), through the generator's permalink rules."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from linkcheck.site.layout import (
    DATED_NAME_RE,
    INDEX_STEMS,
    JEKYLL_PERMALINKS,
    NUMBER_PREFIX_RE,
    PRESETS,
    Generator,
    Layout,
    Mount,
)
from linkcheck.slugs import zola_slug
from linkcheck.sources import holds_template


@functools.lru_cache(maxsize=1 << 16)
def url_key(path: str) -> str:
    """A URL path as pages are looked up: decoded, case folded, without ``index.html``,
    ``.html`` or a trailing slash (``/Posts/A/`` and ``/posts/a.html`` name one page)."""
    path = decoded(path).replace("\\", "/")
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


def decoded(path: str) -> str:
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


def _source(
    file: Path,
    mounts: Sequence[Mount],
    languages: Sequence[str] = (),
    default: str = "",
    default_in_subdir: bool = False,
) -> _Source | None:
    """``file`` seen from the deepest content root that holds it. Hugo's translations
    (``post.fr.md``) are under ``/<lang>/``; the default language's (``post.en.md``, or no
    suffix) too when ``default_in_subdir``."""
    for mount in sorted(mounts, key=lambda m: len(m.directory.parts), reverse=True):
        try:
            relative = file.relative_to(mount.directory)
        except ValueError:
            continue
        parts = relative.parts[:-1]
        stem = relative.stem
        base, dot, suffix = stem.rpartition(".")
        language = default  # a post without a language suffix is in the default language
        if dot and base and (suffix.lower() in languages or suffix.lower() == default):
            stem, language = base, suffix.lower()  # Hugo: ``post.fr.md``
        if language and (language != default or (default_in_subdir and mount.prefix == "/")):
            parts = (language, *parts)
        is_section = stem == "_index"
        is_index = stem.lower() in INDEX_STEMS
        if is_index:
            stem = parts[-1] if parts else ""
            parts = parts[:-1]
        return _Source(mount, tuple(parts), stem, is_index, is_section)
    return None


def post_urls(layout: Layout, file: Path, metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """Every URL path a post is published at: its permalink first, then its aliases."""
    source = _source(
        file, layout.mounts, layout.languages, layout.default_language, layout.default_in_subdir
    )
    if source is None:
        return ()
    permalink = _permalink(layout, source, metadata)
    urls = [permalink]
    # Hugo reads an alias that does not start with ``/`` from the page's folder.
    folder = posixpath.dirname(permalink.rstrip("/")) if layout.generator is Generator.HUGO else ""
    for key in ("aliases", "redirect_from"):
        value = metadata.get(key)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for alias in values:
            if not isinstance(alias, str | int):
                continue
            alias = str(alias)
            if folder and not alias.startswith("/"):
                alias = posixpath.normpath(posixpath.join(folder, alias))
            urls.append(alias)
    return tuple(dict.fromkeys(urls))


def _meta(metadata: Mapping[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None


def _permalink(layout: Layout, source: _Source, metadata: Mapping[str, Any]) -> str:
    prefix = source.mount.prefix
    if layout.generator is Generator.ZOLA:
        return _zola_url(source, metadata)
    if layout.generator is Generator.NUXT:
        return _nuxt_url(source)
    explicit = _meta(metadata, "url") or _meta(metadata, "permalink")
    if explicit is not None and holds_template(explicit):
        explicit = None  # ``/blog/{{ page.fileSlug }}/``: the generator's code makes it
    if explicit is not None and layout.generator is not Generator.DOCUSAURUS:
        return explicit if explicit.startswith("/") else "/" + explicit
    slug = _meta(metadata, "slug")
    if layout.generator is Generator.DOCUSAURUS:
        return _docusaurus_url(source, metadata, slug)
    section = source.parts[0] if source.parts else ""
    if layout.generator is Generator.HEXO and "_posts" in source.parts:
        parts = source.parts[source.parts.index("_posts") + 1 :]
        within = _Source(source.mount, parts, source.stem, source.is_index, source.is_section)
        return _pattern_url(layout.permalinks["_posts"], within, metadata, slug, jekyll=True)
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


NUXT_ORDER_RE = re.compile(r"^\d+\.")
"""Nuxt Content orders files and folders by a number prefix (``1.getting-started``), which
is not part of their URL."""


def _nuxt_url(source: _Source) -> str:
    """A Nuxt Content page's URL: its path below ``content/``, number prefixes dropped,
    ``index`` as its folder, no trailing slash."""
    parts = [NUXT_ORDER_RE.sub("", part) for part in source.parts]
    stem = NUXT_ORDER_RE.sub("", source.stem)
    if stem.lower() not in INDEX_STEMS:
        parts.append(stem)
    return posixpath.join(source.mount.prefix, *parts)


ZOLA_DATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:]+Z?)?[-_](.+)$")
"""A Zola page's file name that starts with its date (``2024-01-31-title``,
``2024-01-31_title``): the date is not part of its URL."""


def _zola_url(source: _Source, metadata: Mapping[str, Any]) -> str:
    """A Zola page's URL: its ``path`` front matter, else its section's folders and its
    ``slug`` (or file name without a leading date), each slugified, ending in ``/``."""
    path = _meta(metadata, "path")
    if path is not None and not holds_template(path):
        inner = path.strip("/")
        return f"/{inner}/" if inner else "/"
    parts = [zola_slug(part) or part for part in source.parts]
    if source.stem:
        dated = ZOLA_DATED_RE.match(source.stem)
        name = _meta(metadata, "slug") or (dated.group(1) if dated else source.stem)
        parts.append(zola_slug(name) or name)
    inner = "/".join(parts)
    return posixpath.join(source.mount.prefix, inner) + "/" if inner else source.mount.prefix


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
            categories += [str(v) for v in value if isinstance(v, str | int | float)]
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
