"""Template tags whose content a site shows as code: links written there are code samples.

Jekyll's and Eleventy's ``{% highlight lang %}...{% endhighlight %}``, Hexo's
``{% codeblock %}...{% endcodeblock %}`` (and ``{% code %}``), and Nunjucks' captured blocks
``{% set sample %}...{% endset %}`` when the post shows them highlighted
(``{{ sample | highlight("html") }}``, as Eleventy's own docs do). Markdown reads the tags as
text, so the content is parsed as it is; its links are then left out.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from linkcheck.extract.found import Found

TAG_MARK = "{%"
CODE_TAG_RE = re.compile(r"\{%-?[ \t]*(highlight|codeblock|code)\b[^%\n]{0,200}%\}")
"""The opening of a paired tag that shows its content as code."""
SET_BLOCK_RE = re.compile(r"\{%-?[ \t]*set[ \t]+([A-Za-z_]\w*)[ \t]*-?%\}")
"""The opening of a captured block (``{% set name %}``, without ``=``)."""
HIGHLIGHTED_RE = re.compile(r"\{\{-?[ \t]*([A-Za-z_]\w*)[ \t]*\|[ \t]*highlight\b")
"""A captured block shown as code: ``{{ name | highlight("html") }}``."""


def _closing(name: str) -> re.Pattern[str]:
    return re.compile(r"\{%-?[ \t]*end" + name + r"[ \t]*-?%\}")


def code_spans(raw: str) -> list[tuple[int, int]]:
    """The spans of ``raw`` that template tags show as code, in order, not overlapping.

    Linear in ``raw``: a tag left open is searched for to the end once, not once per opening.
    """
    if TAG_MARK not in raw:
        return []
    openings: list[tuple[int, int, str]] = [
        (match.start(), match.end(), match.group(1)) for match in CODE_TAG_RE.finditer(raw)
    ]
    highlighted = {match.group(1) for match in HIGHLIGHTED_RE.finditer(raw)}
    if highlighted:
        openings += [
            (match.start(), match.end(), "set")
            for match in SET_BLOCK_RE.finditer(raw)
            if match.group(1) in highlighted
        ]
    openings.sort()
    spans: list[tuple[int, int]] = []
    unclosed: set[str] = set()
    for start, end, name in openings:
        if name in unclosed or (spans and start < spans[-1][1]):
            continue
        closing = _closing(name).search(raw, end)
        if closing is None:
            unclosed.add(name)  # none after this one: none after a later one either
            continue
        spans.append((end, closing.start()))
    return spans


def outside_code(links: list[Found], spans: Sequence[tuple[int, int]]) -> list[Found]:
    """The links not written inside ``spans`` (sorted, not overlapping)."""
    if not spans:
        return links
    starts = [start for start, _ in spans]
    kept: list[Found] = []
    for item in links:
        index = bisect.bisect_right(starts, item.use) - 1
        if index < 0 or item.use >= spans[index][1]:
            kept.append(item)
    return kept
