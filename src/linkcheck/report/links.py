"""The output of ``linkcheck extract``: every link with its place, kind, text and source."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import TextIO

from linkcheck.models import Link
from linkcheck.report.escape import terminal_safe
from linkcheck.report.json import link_to_dict, write_list
from linkcheck.report.summary import plural


def render_links(links: Sequence[Link], fmt: str) -> str:
    """``json``: a list of link objects (see README); ``text``: one aligned line per link."""
    buffer = io.StringIO()
    _write(links, fmt, buffer)
    return buffer.getvalue()


def write_links(links: Sequence[Link], fmt: str, fp: TextIO) -> None:
    """Write ``render_links(links, fmt)`` and a final line break to ``fp``, piece by piece."""
    _write(links, fmt, fp)
    fp.write("\n")


def _write(links: Sequence[Link], fmt: str, fp: TextIO) -> None:
    if fmt == "json":
        write_list((link_to_dict(link) for link in links), fp)
        return
    for line in _text_lines(links):
        fp.write(line)
        fp.write("\n")
    sources = len({link.source.key for link in links})
    fp.write(f"{plural(len(links), 'link')}, {plural(sources, 'source')}")


def _text_lines(links: Sequence[Link]) -> Iterator[str]:
    for link in links:
        where = f"{link.location.path}:{link.location.line}:{link.location.column}"
        section = "resources" if link.in_resources else "body"
        text = terminal_safe(link.text)
        yield (
            f"{terminal_safe(where)}  {link.kind.value:<11} {section:<9} "
            f"{terminal_safe(link.url)}  {text!r}"
        )
