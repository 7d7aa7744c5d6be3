"""Template tags whose content a site shows as code: links written there are code samples.

Jekyll's and Eleventy's ``{% highlight lang %}...{% endhighlight %}``, Hexo's
``{% codeblock %}...{% endcodeblock %}`` (and ``{% code %}``), and Nunjucks' captured blocks
``{% set sample %}...{% endset %}`` when the post shows them highlighted
(``{{ sample | highlight("html") }}``, as Eleventy's own docs do). Markdown reads the tags as
text, so the content is parsed as it is; its links are then left out (``outside_spans``).
"""

from __future__ import annotations

import re

TAG_MARK = "{%"
CODE_TAG_RE = re.compile(r"\{%-?[ \t]*(highlight|codeblock|code)\b[^%\n]{0,200}%\}")
"""The opening of a paired tag that shows its content as code."""
SET_BLOCK_RE = re.compile(r"\{%-?[ \t]*set[ \t]+([A-Za-z_]\w*)[ \t]*-?%\}")
"""The opening of a captured block (``{% set name %}``, without ``=``)."""
HIGHLIGHTED_RE = re.compile(r"\{\{-?[ \t]*([A-Za-z_]\w*)[ \t]*\|[ \t]*highlight\b")
"""A captured block shown as code: ``{{ name | highlight("html") }}``."""


CLOSING_TAGS: dict[str, re.Pattern[str]] = {
    name: re.compile(r"\{%-?[ \t]*end" + name + r"[ \t]*-?%\}")
    for name in ("highlight", "codeblock", "code", "set")
}
"""The closing tag of each block above."""


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
        closing = CLOSING_TAGS[name].search(raw, end)
        if closing is None:
            unclosed.add(name)  # none after this one: none after a later one either
            continue
        spans.append((end, closing.start()))
    return spans
