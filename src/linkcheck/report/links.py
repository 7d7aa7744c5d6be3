"""The output of ``linkcheck extract``: every link with its place, kind, text and source."""

from __future__ import annotations

import json
from collections.abc import Sequence

from linkcheck.models import Link
from linkcheck.report.escape import terminal_safe
from linkcheck.report.json import link_to_dict


def render_links(links: Sequence[Link], fmt: str) -> str:
    """``json``: a list of link objects (see README); ``text``: one aligned line per link."""
    if fmt == "json":
        return json.dumps([link_to_dict(link) for link in links], indent=2, ensure_ascii=False)
    lines = []
    for link in links:
        where = f"{link.location.path}:{link.location.line}:{link.location.column}"
        section = "resources" if link.in_resources else "body"
        text = terminal_safe(link.text)
        lines.append(
            f"{terminal_safe(where)}  {link.kind.value:<11} {section:<9} "
            f"{terminal_safe(link.url)}  {text!r}"
        )
    lines.append(f"{len(links)} links, {len({link.source.key for link in links})} sources")
    return "\n".join(lines)
