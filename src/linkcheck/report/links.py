"""The output of ``linkcheck extract``: every link with its place, kind, text and source."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from linkcheck.models import Link, Post
from linkcheck.report.escape import terminal_safe
from linkcheck.report.json import chunked, encoded_items, link_to_dict, write_encoded
from linkcheck.report.summary import plural


def render_links(links: Iterable[Link], fmt: str) -> str:
    """``json``: a list of link objects (see README); ``text``: one aligned line per link,
    then the counts of links and sources."""
    buffer = io.StringIO()
    write_links(links, fmt, buffer)
    return buffer.getvalue()[:-1]


def write_links(links: Iterable[Link], fmt: str, fp: TextIO) -> None:
    """Write ``render_links(links, fmt)`` and a final line break to ``fp``, piece by piece
    (``links`` may still be arriving: they are written ``LINKS_PER_PIECE`` at a time)."""
    pieces = chunked(links, LINKS_PER_PIECE)
    write_rendered((_rendered(piece, fmt) for piece in pieces), fmt, fp)


LINKS_PER_PIECE = 256


@dataclass(frozen=True, slots=True)
class RenderedLinks:
    """Links as the output holds them (one post's: ``render_post_links``), made where the
    post is read: a worker process sends back this text, not the post."""

    text: str
    """JSON: the link objects as ``encoded_items`` writes them; text: their lines."""
    count: int
    sources: frozenset[str]
    """The source keys the links cite (the text format's last line counts them)."""


def render_post_links(post: Post, fmt: str) -> RenderedLinks:
    """``post``'s links in format ``fmt``; ``write_rendered`` puts the posts together into
    the text ``write_links`` writes for all their links."""
    return _rendered(post.links, fmt)


def _rendered(links: Sequence[Link], fmt: str) -> RenderedLinks:
    if fmt == "json":
        return RenderedLinks(
            encoded_items([link_to_dict(link) for link in links]), len(links), NO_KEYS
        )
    text = "".join(_text_line(link) + "\n" for link in links)
    return RenderedLinks(text, len(links), frozenset(link.source.key for link in links))


NO_KEYS: frozenset[str] = frozenset()


def write_rendered(posts: Iterable[RenderedLinks], fmt: str, fp: TextIO) -> None:
    """Write rendered links in order, then a final line break: JSON, the list of every link
    object; text, every link's line, then the counts of links and sources (``posts`` may
    still be arriving: each is written as it comes)."""
    if fmt == "json":
        write_encoded((post.text for post in posts), fp)
        fp.write("\n")
        return
    count = 0
    sources: set[str] = set()
    for post in posts:
        fp.write(post.text)
        count += post.count
        sources.update(post.sources)
    fp.write(f"{plural(count, 'link')}, {plural(len(sources), 'source')}\n")


def _text_line(link: Link) -> str:
    where = f"{link.location.path}:{link.location.line}:{link.location.column}"
    section = "resources" if link.in_resources else "body"
    text = terminal_safe(link.text)
    return (
        f"{terminal_safe(where)}  {link.kind.value:<11} {section:<9} "
        f"{terminal_safe(link.url)}  {text!r}"
    )
