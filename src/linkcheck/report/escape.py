"""Escaping of untrusted text (page titles, URLs, reasons) for every output target.

Each helper takes any string and returns text that is inert in its target: it cannot move
the cursor or recolour a terminal, open HTML or Markdown links, ping people on GitHub,
start a new workflow command, or break an XML document.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

# ---------------------------------------------------------------------------
# Terminal
# ---------------------------------------------------------------------------

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                  # CSI: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?     # OSC: titles, hyperlinks (to BEL or ST)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?          # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]                        # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]                  # 8-bit CSI
    | \x9d[^\x07\x9c]*[\x07\x9c]?            # 8-bit OSC
    """,
    re.VERBOSE,
)
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Direction overrides can make text read differently from what it is."""


def terminal_safe(text: str) -> str:
    """One line of plain text: escape sequences and control characters removed, and no
    workflow command for a CI runner reading the output.

    Line breaks and tabs become single spaces; C0/C1 controls, ESC sequences and
    bidirectional overrides are dropped; workflow commands are broken (``inert_commands``).
    """
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROL.sub("", text)
    return inert_commands(_BIDI.sub("", text))


# ---------------------------------------------------------------------------
# Workflow commands in logs
# ---------------------------------------------------------------------------

WORD_JOINER = "\u2060"
"""Placed inside ``##[`` and a leading ``::`` so that no runner reads a workflow command."""

COMMAND_V1 = "##["
"""The opening of an older workflow command, which a runner reads anywhere in a line."""
_COMMAND_V1 = re.compile(re.escape(COMMAND_V1))
_COMMAND_V2 = re.compile(r"^(\s*):(?=:)")


def inert_commands(text: str) -> str:
    """``text`` (one line) with GitHub workflow commands broken by an invisible character.

    A runner reads ``::name::data`` at the start of a line (after spaces) and the older
    ``##[name]data`` anywhere in a line: the first ``::`` of a line and every ``##[`` get a
    word joiner (U+2060) between their characters. Anything else is left as is.
    """
    if COMMAND_V1 in text:
        text = _COMMAND_V1.sub("#" + WORD_JOINER + "#[", text)
    if "::" in text:
        text = _COMMAND_V2.sub(lambda m: m.group(1) + ":" + WORD_JOINER, text, count=1)
    return text


def json_inert_commands(encoded: str) -> str:
    """Encoded JSON with no ``##[`` in its text and the same decoded value: the second ``#``
    is written ``\\u0023`` (outside strings JSON has no ``#``)."""
    return encoded.replace(COMMAND_V1, "#\\u0023[") if COMMAND_V1 in encoded else encoded


_LINE_COMMAND_V2 = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)


def xml_inert_commands(serialized: str) -> str:
    """Serialised XML with no workflow command in its text and the same parsed content: the
    second ``#`` of ``##[`` is written ``&#35;`` and the first ``:`` of a line's leading
    ``::`` is written ``&#58;`` (either can only be in text or an attribute's value: a line of
    markup starts with ``<``)."""
    if COMMAND_V1 in serialized:
        serialized = serialized.replace(COMMAND_V1, "#&#35;[")
    if "::" in serialized:
        serialized = _LINE_COMMAND_V2.sub(r"\1&#58;", serialized)
    return serialized


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


# ---------------------------------------------------------------------------
# Markdown (GitHub Flavored)
# ---------------------------------------------------------------------------

ZERO_WIDTH_JOINER = "\u200d"
"""Placed after ``@`` and ``#`` so GitHub sees no mention and no issue reference."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MENTION = re.compile(r"([@#])(?=[\w\-])")
_ISSUE_PREFIX = re.compile(r"(?i)\b(gh)(?=-\d)")
"""``GH-123`` is an issue reference on GitHub."""
_SAFE_URL = re.compile(r"(?i)^https?://[^\s<>`|\\\"'\x00-\x1f\x7f-\x9f]+$")


_URL_IN_TEXT = re.compile(r"(?i)(?:[a-z][a-z0-9+.\-]*://|www\.)[^\s<>`|\"'\\]+")
"""A URL inside running text (up to a space, quote, backslash, ``|``, ``<``, ``>`` or backtick)."""
_URL_TRAILING = ".,;:!?*_~'\""
"""Punctuation that ends a sentence rather than the URL before it."""


def _url_part(candidate: str) -> str:
    """``candidate`` without the trailing punctuation and unbalanced ``)`` after the URL."""
    end = len(candidate)
    while end > 0:
        char = candidate[end - 1]
        if char in _URL_TRAILING or (
            char == ")" and candidate.count("(", 0, end) < candidate.count(")", 0, end)
        ):
            end -= 1
            continue
        break
    return candidate[:end]


def _inert_text(text: str) -> str:
    text = _MENTION.sub(lambda m: m.group(1) + ZERO_WIDTH_JOINER, text)
    text = _ISSUE_PREFIX.sub(lambda m: m.group(1) + ZERO_WIDTH_JOINER, text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return "".join(_HTML_SPECIAL.get(char, char) for char in text)


def markdown_text(text: str) -> str:
    """Inline Markdown that renders as exactly ``text`` (on one line), with nothing active.

    HTML is entity-escaped, Markdown punctuation backslash-escaped, and mentions and issue
    references broken with a zero-width joiner. URLs become code spans: never autolinked,
    and copied exactly as written (no invisible character inside them).
    """
    text = terminal_safe(text)
    parts: list[str] = []
    start = 0
    for match in _URL_IN_TEXT.finditer(text):
        url = _url_part(match.group())
        if not _URL_IN_TEXT.fullmatch(url):
            continue  # only punctuation after the scheme or www.
        parts.append(_inert_text(text[start : match.start()]))
        parts.append(markdown_code(url))
        start = match.start() + len(url)
    parts.append(_inert_text(text[start:]))
    return "".join(parts)


def markdown_code(text: str, *, table: bool = False) -> str:
    """A code span showing ``text`` literally (``table``: inside a table cell)."""
    text = terminal_safe(text)
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def is_clickable_url(url: str) -> bool:
    """Whether ``url`` may be rendered as a link: http(s), no spaces, quotes or angle brackets,
    and no ``##[`` (a link is written as it is: no invisible character can break it there)."""
    return bool(_SAFE_URL.match(url)) and not _BIDI.search(url) and COMMAND_V1 not in url


def markdown_url(url: str, *, table: bool = False) -> str:
    """An autolink for a plain http(s) URL; a code span (never clickable) for anything else."""
    if is_clickable_url(url):
        return f"<{url}>"
    return markdown_code(url, table=table)


# ---------------------------------------------------------------------------
# GitHub workflow commands
# ---------------------------------------------------------------------------


def command_data(text: str) -> str:
    """The message part of a workflow command: it can never end the line it is on, nor hold
    an older ``##[command]``."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    return _COMMAND_V1.sub("#" + WORD_JOINER + "#[", text) if COMMAND_V1 in text else text


def command_property(text: str) -> str:
    """A ``key=value`` property of a workflow command: no line break, ``,`` or ``:``."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without ESC sequences or characters XML 1.0 forbids (markup escaping is
    left to the XML writer)."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _XML_FORBIDDEN.sub("", text)
    return re.sub(r"[\x7f-\x9f]", "", text)
