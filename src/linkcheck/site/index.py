"""The index of the site's posts, and what a link on the site leads to.

Internal links are judged against the whole site, however few posts a run checks: a run on
one changed post (a pull request, a pre-commit hook) finds the other posts here, so it never
reports an internal link that a run on every post would not. ``build_site`` indexes every
post's URLs and anchors; ``Site.resolve`` says what a link leads to.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

from linkcheck.config import DEFAULT_PATHS, Settings
from linkcheck.discover import display_path, document_from_text, find_posts, read_head
from linkcheck.models import Document, InputError, Post
from linkcheck.site.ignored import Ignored
from linkcheck.site.layout import (
    INDEX_STEMS,
    UNPUBLISHING,
    AnchorStyle,
    Generator,
    Layout,
    Mount,
    borrowed_folders,
    holds_no_pages,
    site_above,
)
from linkcheck.site.urls import decoded, post_urls, url_key
from linkcheck.slugs import (
    eleventy_slug,
    heading_slug,
    hexo_slug,
    kramdown_slug,
    markdown_it_anchor_slug,
    numbered_slugs,
    python_markdown_slugs,
    vitepress_slug,
    zola_slug,
)
from linkcheck.sources import holds_template

GENERATED_EXTENSIONS: frozenset[str] = frozenset({".xml", ".json", ".txt", ".webmanifest"})
"""Files generators make themselves (feeds, sitemaps, search indexes): never judged."""
PAGE_EXTENSIONS: frozenset[str] = frozenset({".html", ".htm", ""})
SOURCE_EXTENSIONS: frozenset[str] = frozenset({".md", ".markdown", ".mdx"})
MDBOOK_PAGES: frozenset[str] = frozenset({"/print", "/toc", "/404", "/index"})
"""Pages mdBook makes itself (the whole book on one page, the table of contents...)."""
ROUTE_FILE_RE = re.compile(r"\[[^\]/]+\]")
"""A file or folder whose name is a dynamic route of a file-system router (``[slug].tsx``)."""
PELICAN_LINK_RE = re.compile(r"([{|])(\w+)[}|]")
"""Pelican's internal links: ``{filename}/a.md``, ``{static}/img.png``, ``|filename|a.md``
(its old form), ``{tag}name``..."""
PELICAN_FILE_LINKS: frozenset[str] = frozenset({"filename", "static", "attach"})
"""The Pelican links that name a file (relative to the post, or to the content folder when
the path starts with ``/``)."""
DOCSIFY_ID_RE = re.compile(r"(?:^|&)id=([^&]+)")
"""docsify's anchor in a link's query: ``guide?id=setup``."""
INDEX = "/index"
"""A URL key naming a folder's index page by its name (VitePress links ``./index``)."""
PAGES_USER_SUFFIX = ".github.io"
"""The end of the name of a repository that holds a user's or organization's Pages site."""
ORDERED_NAME_RE = re.compile(r"^\d+[-_]")
"""A file or folder name that starts with its place in the reading order (``20-load.md``)."""
FILE_ROUTERS: frozenset[Generator] = frozenset({Generator.ASTRO, Generator.NEXTJS})
"""Generators whose pages folder may hold dynamic routes (``ROUTE_FILE_RE``)."""
SERVES_PROJECT: frozenset[Generator] = frozenset({Generator.JEKYLL, Generator.PLAIN})
"""Generators that publish the project's other files as they are (GitHub renders a
repository's files; Jekyll copies every file not in an ``_`` folder)."""
TOP_FRAGMENTS: frozenset[str] = frozenset({"", "top"})
"""Fragments every HTML page has: ``#`` and ``#top`` scroll to its start."""


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
    site_folders: dict[str, bool] = field(default_factory=dict)
    """Folders of posts: whether each is in another site (``Layout.nested_sites``)."""
    routed_folders: dict[str, bool] = field(default_factory=dict)
    """Folders of posts: whether each holds a dynamic route (``ROUTE_FILE_RE``)."""
    borrowed: tuple[Path, ...] | None = None
    """Folders that sites below the root publish from outside their own (``borrowed_folders``),
    found on first need."""
    labels: set[str] = field(default_factory=set)
    """MyST targets named anywhere on the site (``Post.labels``): any page may link to one."""
    ignored: Ignored | None = None
    """The repository's ignored files (made by its build), found on first need."""
    served_tops: frozenset[str] | None = None
    """The first parts of the paths the site serves (``_served_tops``), on first need."""
    plain_names: dict[str, Page | None] | None = None
    """Posts by their name without a reading-order prefix (``_by_plain_name``), None where
    several share one; made on first need."""

    def _made_by_build(self, path: Path) -> bool:
        """Whether a missing file is one the repository ignores (see ``linkcheck.site.ignored``)."""
        if self.ignored is None:
            self.ignored = Ignored(self.layout.root)
        return self.ignored(path)

    def _key(self, path: Path | str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    def add(
        self,
        post: Post,
        urls: Sequence[str],
        anchors: frozenset[str] | None,
        *,
        sections: bool = True,
    ) -> None:
        """Index ``post``'s page at ``urls``; with ``sections``, the folders of its URLs are
        sections, where a page that is not indexed is missing."""
        self.labels.update(post.labels)
        key = self._key(post.document.path)
        page = Page(post.path, Path(key), tuple(urls), anchors)
        self.by_file.setdefault(key, page)
        for url in urls:
            key = url_key(url)
            self.by_url.setdefault(key, page)
            parent = posixpath.dirname(key)
            if not sections or self.layout.routes_by_code:
                continue  # URLs set by data files and code too: a missing page is not known
            if self.layout.generator is Generator.HEXO and "_posts" in page.file.parts:
                continue  # a post's ``:title`` has rules of its own: a missing one is not known
            if (parent != "/" or self.layout.generator is Generator.MDBOOK) and not (
                self.layout.generator in FILE_ROUTERS and self._routes_by_code(page.file.parent)
            ):
                # A book's every page is a chapter: its root too. Beside ``[slug].tsx``, other
                # pages of the folder are the code's: a missing one is not known to be missing.
                self.sections.add(parent)
            if re.search(r"/\d{4}/\d{2}/\d{2}/[^/]+$", key):
                self.dated = True

    def _routes_by_code(self, folder: Path) -> bool:
        """Whether ``folder`` holds a dynamic route (Next.js's and Astro's ``[slug].tsx``,
        ``[...path].astro``): the pages of its URL folder are then not all posts."""
        found = self.routed_folders.get(str(folder))
        if found is None:
            try:
                with os.scandir(folder) as entries:
                    found = any(ROUTE_FILE_RE.match(entry.name) for entry in entries)
            except OSError:
                found = False
            self.routed_folders[str(folder)] = found
        return found

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
        if self.labels and decoded(fragment) in self.labels:
            return True  # a MyST cross-reference: ``#label`` names a target on any page
        if self.layout.generator is not Generator.PLAIN or page.anchors is None:
            return False
        wanted = decoded(fragment).casefold()
        return any(anchor.casefold() == wanted for anchor in page.anchors)

    def as_path(self, url: str) -> str:
        """``url`` in the form ``resolve`` reads: docsify's routes (``#/guide``) and anchors
        (``guide?id=setup``) as a path and a fragment (``guide#setup``); others unchanged."""
        if self.layout.generator is not Generator.DOCSIFY:
            return url
        if url.startswith("#/"):
            url = url[1:]
        path, mark, query = url.partition("?")
        if not mark:
            return url
        anchor = DOCSIFY_ID_RE.search(query.partition("#")[0])
        return f"{path}#{anchor[1]}" if anchor is not None else path

    def resolve(self, post: Post, url: str) -> Target:
        """What ``url``, written in ``post``, leads to on this site."""
        if holds_template(url):
            return UNKNOWN
        if url.startswith("@/") and self.layout.generator is Generator.ZOLA:
            return self._content_file(url[2:])
        pelican = PELICAN_LINK_RE.match(url)
        if pelican is not None:  # ``{filename}/posts/a.md``: the file, by its path
            if pelican.group(2) not in PELICAN_FILE_LINKS:
                return UNKNOWN  # ``{tag}python``, ``{index}``: pages Pelican makes
            url = url[pelican.end() :]
        own = self.own_path(url)
        if own is not None:
            url = own
        if ":" in url.split("/", 1)[0] or url.startswith("//"):
            return UNKNOWN  # a scheme or a host: not a path on this site
        path = decoded(url.partition("#")[0].partition("?")[0])
        if path in self.labels:
            return FILE  # ``[text](label)``: MyST links to the target of that name
        if not path:
            page = self.page_of(post)
            return Target(
                TargetKind.PAGE, page or _page_of_post(post, self.cwd, self.layout.anchor_style)
            )
        if path.startswith("/") and self._another_pages_site(path):
            return UNKNOWN
        if path.startswith("@") and not self._known_alias(post, path):
            return UNKNOWN  # ``@snippets/a.sh``, ``@site/static/a.png``: the build's alias
        extension = file_extension(path)
        if (path.startswith("/") or extension in PAGE_EXTENSIONS) and self._in_another_site(post):
            return UNKNOWN  # /docs/x or a page's name in website/ of a repository: its site's
        if extension in SOURCE_EXTENSIONS:
            return self._source_file(post, path)
        if extension not in PAGE_EXTENSIONS:
            return self._file(post, path, extension)
        return self._page(post, path)

    def _content_file(self, url: str) -> Target:
        """Zola's ``@/blog/post.md#part``: a file below the content folder, by its path."""
        path = decoded(url.partition("#")[0].partition("?")[0])
        candidates = [mount.directory / path for mount in self.layout.mounts]
        found = self._found(candidates)
        if found is not None:
            return found
        if not candidates:
            return UNKNOWN
        return Target(TargetKind.MISSING, description=f"no file {self._shown(candidates[0])}")

    def _found(self, candidates: Sequence[Path]) -> Target | None:
        """The first of ``candidates`` that is a post of the site, else a file that exists
        there, else None."""
        for candidate in candidates:
            page = self.by_file.get(self._key(candidate))
            if page is not None:
                return Target(TargetKind.PAGE, page)
        if any(self._inside(candidate) and candidate.is_file() for candidate in candidates):
            return FILE
        return None

    # A link to a post's source file (``other.md``), as GitHub and Docusaurus resolve it.
    def _source_file(self, post: Post, path: str) -> Target:
        if not path.startswith("/"):  # the usual case, beside the post: no disk needed
            folder = os.path.dirname(self._key(post.document.path))
            page = self.by_file.get(os.path.normpath(os.path.join(folder, path)))
            if page is not None:
                return Target(TargetKind.PAGE, page)
        candidates = self._file_candidates(post, path, source=True)
        if self.layout.generator is Generator.DOCUSAURUS and not path.startswith("/"):
            candidates += self._from_content_root(post, path)
        found = self._found(candidates)
        if found is not None:
            return found
        if self.layout.generator is Generator.DOCSIFY and self.layout.routes_by_code:
            return UNKNOWN  # docsify's ``alias`` may serve it from elsewhere
        if self._made_by_build(candidates[0]):
            return UNKNOWN
        return Target(TargetKind.MISSING, description=f"no file {self._shown(candidates[0])}")

    def _from_content_root(self, post: Post, path: str) -> list[Path]:
        """Docusaurus reads a link to a Markdown file written without ``./`` or ``../``
        (``other.md``, ``guide/x.md``) from the post's folder, then from the root of its
        content folder (``docs/``), then from the site's folder."""
        if path.startswith(("./", "../")):
            return []
        file = _resolved(post.document.path, self.cwd)
        roots = [m.directory for m in self.layout.mounts if file.is_relative_to(m.directory)]
        return [folder / path for folder in (*roots, self.layout.root)]

    def _file(self, post: Post, path: str, extension: str) -> Target:
        if extension in GENERATED_EXTENSIONS:
            return UNKNOWN
        candidates = self._file_candidates(post, path, source=False)
        if any(self._inside(candidate) and candidate.is_file() for candidate in candidates):
            return FILE
        if not candidates or self._copied(path) or any(map(self._made_by_build, candidates)):
            return UNKNOWN
        looked = " or ".join(dict.fromkeys(self._shown(c) for c in candidates[:3]))
        return Target(TargetKind.MISSING, description=f"no file {looked}")

    def _page(self, post: Post, path: str) -> Target:
        if not path.startswith("/") and self._leaves_site(post, path):
            return UNKNOWN  # ``../std/`` from a book at /book/: another site's page
        key = self._page_key(post, path)
        page = self.by_url.get(key)
        if page is None and not path.startswith("/"):
            # Read from the post's folder, as GitHub and Hugo's link render hooks read it.
            page = self.by_url.get(self._folder_key(post, path) or key)
        base_path = self.layout.base_path.casefold()
        if page is None and base_path and key.startswith(base_path + "/"):
            key = key[len(base_path) :]
            page = self.by_url.get(key)
        if page is None and self.layout.generator is Generator.VITEPRESS and key.endswith(INDEX):
            page = self.by_url.get(key[: -len(INDEX)] or "/")  # ``./index``: the folder's page
        if page is not None:
            return Target(TargetKind.PAGE, page)
        parent = posixpath.dirname(key)
        if self.layout.generator is Generator.MDBOOK and key in MDBOOK_PAGES:
            return UNKNOWN
        if parent in self.sections or (self.dated and re.search(r"/\d{4}/\d{2}/\d{2}/[^/]+$", key)):
            if self._served_as_is(post, path):
                return FILE
            if self.layout.generator is Generator.PLAIN and ORDERED_NAME_RE.match(
                post.document.path.name
            ):
                named = self._by_plain_name(key)
                if named is not None:
                    return named
            return Target(TargetKind.MISSING, description=f"no post at {key}")
        return UNKNOWN

    def _by_plain_name(self, key: str) -> Target | None:
        """In a folder of posts named in reading order (``20-load.md``), which the site that
        publishes them serves by name alone (SvelteKit's documentation, built by another
        repository: ``[load](load)``): the one post of that name, UNKNOWN when several have
        it, None when none has. That site makes the anchors too: any is accepted."""
        if self.plain_names is None:
            self.plain_names = {}
            for page in self.by_file.values():
                name = ORDERED_NAME_RE.sub("", page.file.stem).casefold()
                unknown_anchors = replace(page, anchors=None)
                self.plain_names[name] = None if name in self.plain_names else unknown_anchors
        wanted = posixpath.basename(key).casefold()
        if wanted not in self.plain_names:
            return None
        named = self.plain_names[wanted]
        return UNKNOWN if named is None else Target(TargetKind.PAGE, named)

    def _copied(self, path: str) -> bool:
        """Whether an absolute ``path`` lies where the site's copy rules write
        (``Layout.copied``)."""
        if not path.startswith("/") or not self.layout.copied:
            return False
        wanted = decoded(path).lstrip("/")
        return any(
            wanted == target or (target.endswith("/") and wanted.startswith(target))
            for target in self.layout.copied
        )

    def _served_as_is(self, post: Post, path: str) -> bool:
        """Whether a page link that names no post names a file or folder the site publishes
        as it is: an HTML page (``file.html``), a file without extension, a folder (GitHub
        lists it; a web server serves its ``index.html``), beside the post or in the
        static directories."""
        candidates = self._file_candidates(post, path.rstrip("/") or path, source=False)
        return any(
            self._inside(candidate) and (candidate.is_file() or candidate.is_dir())
            for candidate in candidates
        )

    def _page_key(self, post: Post, path: str) -> str:
        if path.startswith("/"):
            return url_key(path)
        page = self.page_of(post)
        base = page.urls[0] if page is not None and page.urls else None
        if base is None:
            return url_key("/" + path)
        directory = base if base.endswith("/") else posixpath.dirname(base) + "/"
        return url_key(posixpath.join(directory, path))

    def _in_another_site(self, post: Post) -> bool:
        """Whether the post lies in a folder below the root that is a site of its own (a
        Docusaurus site in ``website/`` of a repository checked as a plain folder), or that
        such a site publishes (its ``path: '../docs'``)."""
        if not self.layout.nested_sites:
            return False
        folder = Path(self._key(post.document.path)).parent
        found = self.site_folders.get(str(folder))
        if found is None:
            if self.borrowed is None:
                self.borrowed = borrowed_folders(self.layout.root)
            found = self.site_folders[str(folder)] = site_above(
                folder, self.layout.root
            ) is not None or any(
                folder == borrowed or borrowed in folder.parents for borrowed in self.borrowed
            )
        return found

    def _through_alias(self, path: str) -> Path | None:
        """The file a path names through an alias the layout knows (``Layout.aliases``)."""
        for alias, folder in self.layout.aliases:
            if path.startswith(alias):
                return folder / path[len(alias) :]
        return None

    def _known_alias(self, post: Post, path: str) -> bool:
        """Whether a path starting with ``@`` can be judged: an alias the layout knows
        (``Layout.aliases``), or a folder of that name beside the post's file."""
        if self._through_alias(path) is not None:
            return True
        first = path.partition("/")[0]
        return (_resolved(post.document.path, self.cwd).parent / first).exists()

    def _another_pages_site(self, path: str) -> bool:
        """Whether an absolute ``path`` may lead to another repository's GitHub Pages site. A
        user's or an organization's site (its repository is ``<owner>.github.io``) shares its
        address with the Pages sites of the owner's other repositories, each at
        ``/<repository>/``: a first folder that nothing of this site serves is one of them."""
        if not self.layout.root.name.casefold().endswith(PAGES_USER_SUFFIX):
            return False
        first = path.lstrip("/").partition("/")[0].casefold()
        if not first:
            return False
        if self.served_tops is None:
            self.served_tops = self._served_tops()
        return first not in self.served_tops

    def _served_tops(self) -> frozenset[str]:
        """The first parts of every path this site serves: its pages' URLs, the files and
        folders at the top of the project and of its static folders, its mounts' prefixes."""
        tops = {key.lstrip("/").partition("/")[0] for key in self.by_url}
        tops.update(m.prefix.strip("/").partition("/")[0].casefold() for m in self.layout.mounts)
        for folder in (self.layout.root, *self.layout.static):
            try:
                with os.scandir(folder) as entries:
                    tops.update(entry.name.casefold() for entry in entries)
            except OSError:
                continue
        return frozenset(tops)

    def definition_ids(self, post: Post) -> bool:
        """Whether the post's definition terms have ids (``Layout.definition_ids``); in a
        site of its own below a plain folder they may have (Hugo's docs set
        ``autoDefinitionTermID``), so they count as anchors there."""
        if self.layout.definition_ids:
            return True
        return bool(post.terms) and self._in_another_site(post)

    def _leaves_site(self, post: Post, path: str) -> bool:
        """Whether a relative ``path`` climbs above the site's root from the post's URL (the
        site may be published below another one's address)."""
        page = self.page_of(post)
        if page is None or not page.urls:
            return False
        base = page.urls[0]
        depth = len([part for part in base.split("/")[:-1] if part])  # the folder's depth
        for part in path.split("/"):
            if part == "..":
                depth -= 1
                if depth < 0:
                    return True
            elif part not in ("", "."):
                depth += 1
        return False

    def _folder_key(self, post: Post, path: str) -> str | None:
        """The URL key of a relative ``path`` read from the folder of the post's file (the
        URL of that folder: the post's own URL without its last part), if the post has one."""
        page = self.page_of(post)
        if page is None or not page.urls:
            return None
        base = page.urls[0].rstrip("/")
        if post.document.path.stem.lower() not in INDEX_STEMS:  # an index is its folder
            base = posixpath.dirname(base)
        return url_key(posixpath.join(base + "/", path))

    def _file_candidates(self, post: Post, path: str, *, source: bool) -> list[Path]:
        """Where a file a link names may be: beside the post's file (relative links), then
        below the static directories, the content roots and the project (absolute links,
        and relative ones resolved against the post's URL)."""
        aliased = self._through_alias(path)
        if aliased is not None:  # ``@assets/a.png``: the folder the alias names
            return [aliased]
        found: list[Path] = []
        folder = _resolved(post.document.path, self.cwd).parent
        if not path.startswith("/"):
            found.append(folder / path)
            if self.layout.generator is Generator.HEXO:
                # Hexo's post asset folder: ``_posts/a.md``'s files in ``_posts/a/``, published
                # beside the post's page (``![](1.png)``).
                found.append(folder / post.document.path.stem / path)
            if source:
                return found
            page = self.page_of(post)
            if page is not None and page.urls:
                base = page.urls[0]
                directory = base if base.endswith("/") else posixpath.dirname(base) + "/"
            elif self.layout.generator is Generator.NEXTJS:
                loaded = self._loaded_folder_url(post)  # a post the site's code loads
                if loaded is None:
                    return found
                directory = loaded
            else:
                return found
            path = posixpath.normpath(posixpath.join(directory, path))
        relative = path.lstrip("/")
        base_path = self.layout.base_path.strip("/")
        tails = [relative]
        if base_path and relative.startswith(base_path + "/"):
            tails.append(relative[len(base_path) + 1 :])
        # Hugo publishes a page's files under each language's prefix (/fr/post/img.png).
        languages = {*self.layout.languages, self.layout.default_language} - {""}
        for tail in list(tails):
            first, _, rest = tail.partition("/")
            if rest and first.lower() in languages:
                tails.append(rest)
        roots = [*self.layout.static, *self.layout.roots]
        if self.layout.generator in SERVES_PROJECT:
            roots.append(self.layout.root)
        for tail in tails:
            for root in roots:
                candidate = root / tail
                if candidate not in found:
                    found.append(candidate)
        return found

    def _loaded_folder_url(self, post: Post) -> str | None:
        """The likely URL of the folder of a post that the site's code loads (Next.js): its
        path below the checked folder that holds it, as a catch-all route serves it
        (``src/content/learn/a.md`` at ``/learn/a``, so ``../images/x.png`` is
        ``/images/x.png`` in ``public/``)."""
        file = _resolved(post.document.path, self.cwd)
        for folder in self.layout.checked:
            if folder != self.layout.root and file.is_relative_to(folder):
                parts = file.relative_to(folder).parts[:-1]
                return "/" + "".join(part + "/" for part in parts)
        return None

    def _inside(self, path: Path) -> bool:
        """Whether ``path`` is in the project or in a folder the site serves (a theme's, or
        docs beside the site's folder): nothing else is served, and a post must not make the
        checker look at other files of the machine."""
        key = self._key(path)
        return any(
            key == str(folder) or key.startswith(os.path.join(folder, ""))
            for folder in (self.layout.root, *self.layout.static, *self.layout.roots)
        )

    def _shown(self, path: Path) -> str:
        absolute = Path(posixpath.normpath(str(path)))
        try:
            return absolute.relative_to(self.cwd.resolve()).as_posix()
        except ValueError:
            return absolute.as_posix()


_EXTENSION_RE = re.compile(r"\.[a-z0-9]*[a-z][a-z0-9]*")
"""A file extension names a format: letters and digits, at least one letter (``0.12.0``
and ``hugo-0.152.0+`` are pages named after versions, not files of type ``.0``)."""


def file_extension(path: str) -> str:
    """The extension of the file a URL path names, lower case; ``""`` for a page: a path
    ending in ``/`` (a folder), or whose last dot starts no format's name."""
    if path.endswith("/"):
        return ""
    extension = posixpath.splitext(path)[1].lower()
    return extension if _EXTENSION_RE.fullmatch(extension) else ""


def _resolved(path: Path, cwd: Path) -> Path:
    """``path`` made absolute against ``cwd`` and normalised, without touching the disk
    (``cwd`` is resolved once: a lookup per link must not cost a walk of the path)."""
    return Path(os.path.normpath(path if path.is_absolute() else cwd / path))


def _page_of_post(post: Post, cwd: Path, style: AnchorStyle) -> Page:
    return Page(post.path, _resolved(post.document.path, cwd), (), post_anchors(post, style))


def has_anchor(anchors: frozenset[str] | None, fragment: str) -> bool:
    """Whether a page has ``fragment`` (``#top`` and ``#`` always; unknown anchors: yes)."""
    if anchors is None or fragment.lower() in TOP_FRAGMENTS:
        return True
    return fragment in anchors or unquote(fragment) in anchors


def post_anchors(
    post: Post, style: AnchorStyle, *, definition_ids: bool = False
) -> frozenset[str] | None:
    """A post's anchors as its generator renders them (with ``definition_ids``, its
    definition terms' too); None (any fragment may be there) for a post whose page takes in
    other text when it is built."""
    if post.includes:
        return None
    anchors = _heading_anchors(post, style)
    if definition_ids and post.terms:
        # Numbered with the headings' anchors in the page's order: either may come first.
        headings, terms = list(post.headings), list(post.terms)
        anchors |= frozenset(numbered_slugs(headings + terms, heading_slug))
        anchors |= frozenset(numbered_slugs(terms + headings, heading_slug))
    return anchors


def _heading_anchors(post: Post, style: AnchorStyle) -> frozenset[str]:
    if style is AnchorStyle.GITHUB:
        return post.anchors
    if style is AnchorStyle.PYTHON_MARKDOWN:
        return frozenset(python_markdown_slugs(list(post.headings))) | post.anchors
    if style is AnchorStyle.KRAMDOWN:
        return frozenset(numbered_slugs(list(post.headings), kramdown_slug)) | post.ids
    headings = list(post.headings)
    made = {anchor for rule in SLUG_RULES[style] for anchor in numbered_slugs(headings, rule)}
    if style is AnchorStyle.HEXO:
        made.update(anchor.lower() for anchor in list(made))
    return frozenset(made) | post.anchors


SLUG_RULES: Mapping[AnchorStyle, tuple[Callable[[str], str], ...]] = {
    AnchorStyle.VITEPRESS: (vitepress_slug,),
    AnchorStyle.HEXO: (hexo_slug,),  # and each in lower case
    AnchorStyle.ZOLA: (zola_slug,),
    AnchorStyle.ELEVENTY: (eleventy_slug, markdown_it_anchor_slug),
}
"""The slug rules of the anchor styles that accept GitHub's anchors too (``post.anchors``)."""


# ---------------------------------------------------------------------------
# Building the site
# ---------------------------------------------------------------------------


def site_files(layout: Layout, extensions: Sequence[str]) -> list[Path]:
    """Every post file under the content roots."""
    roots = [d for d in layout.roots if d.is_dir()]
    if not roots:
        return []
    files = find_posts(roots, extensions)
    if layout.generator not in UNPUBLISHING:
        return files
    return [f for f in files if not _unpublished(f, layout)]


def _unpublished(path: Path, layout: Layout) -> bool:
    """Whether a file is in a folder its generator builds no page from (``_site``...)."""
    try:
        folders = path.resolve().relative_to(layout.root).parts[:-1]
    except ValueError:
        return False
    return any(holds_no_pages(layout.generator, folder) for folder in folders)


def build_site(
    layout: Layout,
    posts: Sequence[Post],
    settings: Settings,
    cwd: Path,
    *,
    unread: Collection[str] = (),
) -> Site:
    """The site: ``posts`` (those being checked) and every other post under the content
    roots, read here (their problems are not this run's: an unreadable one is indexed by
    its path, and any fragment of it is accepted). Files this run could not read (their
    display paths in ``unread``) are indexed so without being read again."""
    here = cwd.resolve()  # paths of posts and messages are the working directory's
    site = Site(layout, here)
    seen: set[Path] = set()
    style = layout.anchor_style
    for post in posts:
        file = _resolved(post.document.path, here)
        seen.add(file)
        anchors = post_anchors(post, style, definition_ids=site.definition_ids(post))
        site.add(post, post_urls(layout, file, post.document.metadata), anchors)
    others: list[Path] = []
    for path in site_files(layout, settings.extensions):
        if _resolved(path, here) in seen:
            continue
        if unread and display_path(path, cwd) in unread:
            _add_unread(site, layout, path, here)
        else:
            others.append(path)
    if others:
        _add_others(site, layout, others, settings, cwd)
    if layout.generator is Generator.JEKYLL:  # last: a post's own URL is the post's
        for path in rendered_pages(layout, settings.extensions):
            _add_rendered(site, layout, path, here)
    return site


def _add_others(
    site: Site, layout: Layout, others: list[Path], settings: Settings, cwd: Path
) -> None:
    """Index the posts of the site that this run does not check."""
    here = site.cwd
    style = layout.anchor_style
    # The other posts are read like the checked ones (by worker processes when they are
    # many); one that cannot be read is indexed by its path, any fragment of it accepted.
    from linkcheck.collect import collect

    wanted = replace(settings, paths=tuple(str(path) for path in others), allow_empty=True)
    collected = collect(wanted, cwd=cwd, keep_text=False)
    for other in collected.posts:
        file = _resolved(other.document.path, here)
        metadata = other.document.metadata
        anchors = post_anchors(other, style, definition_ids=site.definition_ids(other))
        site.add(other, post_urls(layout, file, metadata), anchors)
    if collected.problems:
        problems = {problem.path for problem in collected.problems}
        for path in others:
            if display_path(path, cwd) in problems:
                _add_unread(site, layout, path, here)


FRONT_MATTER_BYTES = 65_536
"""The most read of a page that is not a post, to find its front matter."""
RENDERED_PAGE_EXTENSIONS: frozenset[str] = frozenset({".html", ".htm"})


def rendered_pages(layout: Layout, extensions: Sequence[str]) -> list[Path]:
    """Jekyll's pages that are not posts: HTML files, and the documents of its collections
    whatever their kind (``_licenses/mit.txt``), which Jekyll renders when they start with
    front matter. Folders starting with ``_`` (but a collection's) or ``.``, and those that
    hold no pages, are not searched; neither are the posts' own extensions."""
    collections = {name for name in layout.permalinks if name.startswith("_")}
    posts = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions}
    found: list[Path] = []
    for root in layout.roots:
        for directory, subdirs, files in os.walk(root):
            top = Path(directory) == root
            subdirs[:] = [
                d
                for d in subdirs
                if not d.startswith(".")
                and not holds_no_pages(layout.generator, d)
                and (not d.startswith("_") or (top and d in collections))
            ]
            in_collection = not top and Path(directory).relative_to(root).parts[0] in collections
            for name in files:
                extension = os.path.splitext(name)[1].lower()
                if name.startswith((".", "_")) or extension in posts:
                    continue
                if in_collection or extension in RENDERED_PAGE_EXTENSIONS:
                    found.append(Path(directory, name))
    return found


def _add_rendered(site: Site, layout: Layout, path: Path, here: Path) -> None:
    """Index a page Jekyll renders from a file that is not a post, when it starts with front
    matter: at its URLs, any fragment accepted, its folders not made sections (plugins make
    pages beside such pages: a page not found there is not known to be missing)."""
    head = read_head(path, FRONT_MATTER_BYTES)
    if not head.startswith(b"---"):
        return
    end = head.find(b"\n---", 3)
    if end < 0:
        return
    text = head[: end + 4].decode("utf-8", "replace") + "\n"
    try:
        metadata = document_from_text(path, str(path), text).metadata
    except InputError:
        metadata = {}
    stub = Post(Document(path, str(path), "", metadata, 0), (), frozenset(), False)
    site.add(stub, post_urls(layout, _resolved(path, here), metadata), None, sections=False)


def _add_unread(site: Site, layout: Layout, path: Path, here: Path) -> None:
    """Index a file that could not be read by its path: any fragment of it is accepted."""
    stub = Post(Document(path, str(path), "", {}, 0), (), frozenset(), False)
    site.add(stub, post_urls(layout, _resolved(path, here), {}), None)


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
