"""The soft 404 detector on real pages: false alarms on healthy pages, detection of not-found pages.

Give it directories (or files) of pages from anywhere outside the repository: built HTML
(``*.html``), site-generator templates (Liquid, Jinja, Go template tags are dropped, front
matter read) and Markdown (rendered with markdown-it-py, its front matter title as the page's
``<title>`` and ``<h1>``, as a theme would). Each page is read exactly as a check reads a
fetched page (:func:`linkcheck.check.page.parse_html` for the title, the first
``soft404.WINDOW_CHARS`` for the rest) and judged by :func:`linkcheck.check.soft404.detect`.

Healthy pages are cited at an address built from their path (``/guide/404-pages/`` for
``guide/404-pages.md``), as a blog would cite them; ``--neutral-urls`` cites every page at an
address that says nothing, so that only the page's content decides. Not-found pages are cited
at an article's address (that is where a soft 404 is served). A page that is only a fragment
of a template gets a title the way its generator makes one: Hugo names its 404 page "404 Page
not found"; other generators use the page's front matter title or the site's name.
``--site-title`` gives every such fragment the site's name instead (the hardest case: the
heading and the text must say it).

    python -m benchmarks.bench_soft404 --healthy DIR... --missing DIR... [--farm 200]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from benchmarks.farm import _filler, html_page
from linkcheck.check.page import decode_body, parse_html
from linkcheck.check.soft404 import WINDOW_CHARS, Page, Soft404, detect
from linkcheck.frontmatter import find_frontmatter

SITE = "https://site.example"
SITE_NAME = "Site"
CITED_ARTICLE = f"{SITE}/2024/05/the-cited-article/"
NEUTRAL_URL = f"{SITE}/2024/05/a-page/"
HUGO_404_TITLE = "404 Page not found"
"""The title Hugo gives its 404 page, whatever the theme."""
GO_TEMPLATE_MARKS = ("{{ define", "{{- define", "{{ partial", "{{- partial", ".Site.")
"""Signs of a Hugo (Go template) layout."""
SUFFIXES = (".html", ".htm", ".md", ".markdown")
FARM_FILLER_BYTES = 32 * 1024

_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TITLE_TAG = re.compile(r"<title\b", re.I)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.I | re.S)


@dataclass(frozen=True)
class Sample:
    name: str
    url: str
    body: bytes


def pages_in(paths: Sequence[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix.lower() in SUFFIXES:
                yield file


def render(file: Path, *, site_title: bool) -> bytes:
    """The page a browser (and the checker) would get for one source file."""
    raw = file.read_text(encoding="utf-8", errors="replace")
    meta, content = front_matter(raw)
    is_hugo = file.suffix.lower() in (".html", ".htm") and any(
        m in content for m in GO_TEMPLATE_MARKS
    )
    body = _TEMPLATE_TAG.sub("", content)
    if file.suffix.lower() in (".md", ".markdown"):
        body = MarkdownIt("commonmark").enable("table").render(body)
    if _TITLE_TAG.search(body) and "</head" in body.lower():
        return body.encode()  # a whole built page
    body = _HEAD.sub("", body)  # a layout's own head without a title: the wrapper's counts
    title = str(meta.get("title") or "").strip()
    heading = f"<h1>{html.escape(title)}</h1>" if title and not _has_h1(body) else ""
    if site_title:
        page_title = SITE_NAME
    elif title:
        page_title = f"{title} | {SITE_NAME}"
    elif is_hugo:
        page_title = f"{HUGO_404_TITLE} | {SITE_NAME}"
    else:
        page_title = SITE_NAME
    document = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(page_title)}"
        f"</title></head><body><header><a href='/'>{SITE_NAME}</a><nav><a href='/posts/'>Posts"
        f"</a></nav></header><main>{heading}{body}</main><footer>© {SITE_NAME}</footer>"
        "</body></html>"
    )
    return document.encode()


def front_matter(raw: str) -> tuple[dict[str, object], str]:
    """A source file's YAML front matter (empty when absent or unreadable) and the rest."""
    try:
        span = find_frontmatter(raw)
    except ValueError:
        return {}, raw
    if span is None:
        return {}, raw
    try:
        meta = yaml.safe_load(raw[span.yaml_start : span.yaml_end])
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), raw[span.body_offset :]


def _has_h1(body: str) -> bool:
    return "<h1" in body.lower()


def address(root: str, file: Path) -> str:
    """The address a blog would cite a healthy page at (from its path under ``root``)."""
    base = Path(root)
    relative = file.relative_to(base) if base.is_dir() else Path(file.name)
    stem = relative.with_suffix("").as_posix()
    stem = stem.removesuffix("/index").removesuffix("index")
    return f"{SITE}/{stem}/".replace("//", "/").replace(":/", "://")


def samples(paths: Sequence[str], *, cited: str | None, site_title: bool) -> list[Sample]:
    found: list[Sample] = []
    for root in paths:
        for file in pages_in([root]):
            url = cited or address(root, file)
            found.append(Sample(str(file), url, render(file, site_title=site_title)))
    return found


def farm_samples(count: int) -> list[Sample]:
    filler = _filler(FARM_FILLER_BYTES)
    return [
        Sample(f"farm /ok/{i}", f"{SITE}/ok/{i}", html_page(f"Source {i}", filler))
        for i in range(count)
    ]


def judge(sample: Sample) -> Soft404 | None:
    """What a check of this page would conclude (the fetch's own calls, in its order)."""
    content_type = "text/html; charset=utf-8"
    info = parse_html(sample.body, content_type=content_type, want_anchors=False)
    text = decode_body(sample.body[:WINDOW_CHARS], content_type)
    return detect(Page(url=sample.url, final_url=sample.url, title=info.title, text=text))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--healthy", nargs="*", default=[], help="healthy pages (dirs or files)")
    parser.add_argument("--missing", nargs="*", default=[], help="not-found pages")
    parser.add_argument("--farm", type=int, default=0, help="add N pages of the benchmark farm")
    parser.add_argument("--neutral-urls", action="store_true", help="cite healthy pages neutrally")
    parser.add_argument("--site-title", action="store_true", help="title fragments by site name")
    parser.add_argument("--show", action="store_true", help="list every page and its outcome")
    args = parser.parse_args(argv)

    healthy = samples(
        args.healthy, cited=NEUTRAL_URL if args.neutral_urls else None, site_title=args.site_title
    )
    healthy += farm_samples(args.farm)
    missing = samples(args.missing, cited=CITED_ARTICLE, site_title=args.site_title)

    started = time.perf_counter()
    alarms = [(s, r) for s in healthy if (r := judge(s)) is not None]
    found = [(s, judge(s)) for s in missing]
    elapsed = time.perf_counter() - started
    detected = [(s, r) for s, r in found if r is not None]
    missed = [s for s, r in found if r is None]

    for sample, result in alarms:
        print(f"FALSE ALARM  {sample.name}: {result.reason}")
    for sample, result in detected if args.show else ():
        print(f"detected     {sample.name}: {result.reason}")
    for sample in missed:
        print(f"missed       {sample.name}")
    pages = len(healthy) + len(missing)
    print(
        f"healthy pages: {len(healthy)}, false alarms: {len(alarms)}"
        f" ({100 * len(alarms) / max(1, len(healthy)):.2f} %)"
    )
    print(
        f"not-found pages: {len(missing)}, detected: {len(detected)}"
        f" ({100 * len(detected) / max(1, len(missing)):.1f} %)"
    )
    print(f"{pages} pages judged in {elapsed:.2f} s ({1e3 * elapsed / max(1, pages):.2f} ms each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
