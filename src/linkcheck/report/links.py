"""The output of ``linkcheck extract``: every link with its place, kind, text and source."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TextIO

from linkcheck.models import Link
from linkcheck.report.escape import terminal_safe
from linkcheck.report.json import link_to_dict, write_list
from linkcheck.report.summary import plural


def render_links(links: Iterable[Link], fmt: str) -> str:
    """``json``: a list of link objects (see README); ``text``: one aligned line per link."""
    buffer = io.StringIO()
    _write(links, fmt, buffer)
    return buffer.getvalue()


def write_links(links: Iterable[Link], fmt: str, fp: TextIO) -> None:
    """Write ``render_links(links, fmt)`` and a final line break to ``fp``, piece by piece
    (``links`` may still be arriving: each is written as it comes)."""
    _write(links, fmt, fp)
    fp.write("\n")


def _write(links: Iterable[Link], fmt: str, fp: TextIO) -> None:
    if fmt == "json":
        write_list(map(link_to_dict, links), fp)
        return
    count = 0
    sources: set[str] = set()
    for link in links:
        fp.write(_text_line(link))
        fp.write("\n")
        count += 1
        sources.add(link.source.key)
    fp.write(f"{plural(count, 'link')}, {plural(len(sources), 'source')}")


def _text_line(link: Link) -> str:
    where = f"{link.location.path}:{link.location.line}:{link.location.column}"
    section = "resources" if link.in_resources else "body"
    text = terminal_safe(link.text)
    return (
        f"{terminal_safe(where)}  {link.kind.value:<11} {section:<9} "
        f"{terminal_safe(link.url)}  {text!r}"
    )
