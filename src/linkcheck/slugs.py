"""The anchors headings make: GitHub's rule, kramdown's, Python-Markdown's and Eleventy's,
repeats numbered.

Pure functions that load no Markdown parser: the site model names every post's anchors
with them in the process that checks the links, while worker processes extract the posts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

KRAMDOWN_DROP_RE = re.compile(r"[^a-zA-Z0-9 -]")
KRAMDOWN_LEAD_RE = re.compile(r"^[^a-zA-Z]+")
KRAMDOWN_DASH_RE = re.compile(r"[^a-zA-Z0-9]")
KRAMDOWN_EMPTY = "section"


def heading_slug(text: str) -> str:
    """GitHub's anchor for a heading's text (before duplicate suffixes are added).

    Lower case; letters, digits, marks, ``_`` and ``-`` are kept, every other character
    (punctuation, emoji, tabs) is dropped, and each space becomes ``-``: blanks are not
    collapsed, so ``a  b`` is ``a--b``, and ``Title `` (before an image, which has no
    text) is ``title-``.
    """
    kept = [
        "-" if ch == " " else ch
        for ch in text.lstrip(" ").lower()
        if ch in " -" or unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "Pc"
    ]
    return "".join(kept)


def kramdown_slug(text: str) -> str:
    """kramdown's own anchor rule (its ``kramdown`` input; Jekyll's default GFM input makes
    GitHub's): ASCII letters, digits, spaces and dashes kept, everything before the first
    letter dropped, the rest of the blanks made dashes, lower case; ``section`` when empty."""
    kept = KRAMDOWN_LEAD_RE.sub("", KRAMDOWN_DROP_RE.sub("", text))
    return KRAMDOWN_DASH_RE.sub("-", kept).lower() or KRAMDOWN_EMPTY


PYTHON_MARKDOWN_DROP_RE = re.compile(r"[^\w\s-]")
PYTHON_MARKDOWN_DASH_RE = re.compile(r"[-\s]+")
PYTHON_MARKDOWN_REPEAT_RE = re.compile(r"^(.*)_([0-9]+)$")


def python_markdown_slug(text: str) -> str:
    """Python-Markdown's anchor (its ``toc`` extension, MkDocs' default): letters reduced to
    ASCII (others dropped), punctuation dropped, lower case, each run of blanks and dashes
    one ``-``: ``Caret, Mark & Tilde`` is ``caret-mark-tilde``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = PYTHON_MARKDOWN_DROP_RE.sub("", ascii_text).strip().lower()
    return PYTHON_MARKDOWN_DASH_RE.sub("-", kept)


def python_markdown_slugs(texts: list[str]) -> Iterator[str]:
    """Python-Markdown anchors for headings in order: a repeat (or an empty one) gets ``_1``,
    ``_2``... as its ``toc`` extension numbers them."""
    seen: set[str] = set()
    for text in texts:
        anchor = python_markdown_slug(text)
        while anchor in seen or not anchor:
            repeat = PYTHON_MARKDOWN_REPEAT_RE.match(anchor)
            anchor = f"{repeat[1]}_{int(repeat[2]) + 1}" if repeat else f"{anchor}_1"
        seen.add(anchor)
        yield anchor


def numbered_slugs(texts: list[str], slug: Callable[[str], str]) -> Iterator[str]:
    """Anchors for headings in order, made by ``slug``: repeats get ``-1``, ``-2``..."""
    counts: dict[str, int] = {}
    for text in texts:
        base = slug(text)
        anchor = base
        while anchor in counts:
            counts[base] += 1
            anchor = f"{base}-{counts[base]}"
        counts[anchor] = 0
        yield anchor


def github_slugs(texts: list[str]) -> Iterator[str]:
    """GitHub anchors for headings in order: repeats get ``-1``, ``-2``... suffixes."""
    return numbered_slugs(texts, heading_slug)


TEMPLATE_PAIRS = (("{%", "%}"), ("{{", "}}"))
"""Template code in a heading (``{% addedin "2.0" %}``): its output is not known."""
ELEVENTY_CAMEL_RE = (
    (re.compile(r"([a-z\d])(?=[A-Z]{2})"), r"\1 "),
    (re.compile(r"([a-z\d])(?=[A-Z])"), r"\1 "),
    (re.compile(r"([A-Z])(?=[A-Z][a-rt-z\d])"), r"\1 "),
)
"""Where words join in camel case (``CommonJS``: ``Common JS``), split as @sindresorhus/slugify
splits them (its patterns, written to look ahead one boundary at a time: theirs take time
that grows with the square of a run of letters)."""
ELEVENTY_DASH_RE = re.compile(r"[^a-z0-9]+")
BLANKS_RE = re.compile(r"\s+")


def _spelled(lower: dict[str, str], special: dict[str, str]) -> dict[int, str]:
    """A ``str.translate`` table: each lower-case letter, its capital (spelled capitalised)
    and the ``special`` ones."""
    table = {ord(letter): spelling for letter, spelling in lower.items()}
    table.update({ord(letter.upper()): spelling.capitalize() for letter, spelling in lower.items()})
    table.update({ord(letter): spelling for letter, spelling in special.items()})
    return table


ELEVENTY_LETTERS = _spelled(
    {
        # German and other Latin letters that do not decompose into a letter and its marks
        "ä": "ae", "ö": "oe", "ü": "ue", "æ": "ae", "ð": "d", "ø": "o", "þ": "th", "đ": "d",
        "ł": "l",
        # Russian and Ukrainian
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "cz", "ч": "ch",
        "ш": "sh", "щ": "shh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
        "ё": "yo", "є": "ye", "і": "i", "ї": "yi", "ґ": "g",
    },
    {"ß": "ss", "ẞ": "SS", "Æ": "AE", "Þ": "TH", "ı": "i"},
)  # fmt: skip
"""How @sindresorhus/transliterate spells the letters that decomposing does not make ASCII
(``Fußgängerübergänge`` is ``fussgaengeruebergaenge``, ``Я люблю`` ``ya-lyublyu``); other
scripts it spells are left out, as before."""


def eleventy_slug(text: str) -> str:
    """Eleventy's ``slugify`` filter (@sindresorhus/slugify, which its ``IdAttributePlugin``
    and most sites' markdown-it-anchor use): ASCII (German umlauts as ``ae``, ``oe``, ``ue``;
    Cyrillic spelled in Latin letters, ``ELEVENTY_LETTERS``), words split at camel case,
    ``&`` as ``and``, each run of other characters one ``-``, lower case; template code in
    the heading left out."""
    words = _without_template(text).replace("&", " and ")
    if not words.isascii():
        words = unicodedata.normalize("NFC", words).translate(ELEVENTY_LETTERS)
    words = unicodedata.normalize("NFKD", words)
    words = words.encode("ascii", "ignore").decode("ascii")
    for pattern, replacement in ELEVENTY_CAMEL_RE:
        words = pattern.sub(replacement, words)
    return ELEVENTY_DASH_RE.sub("-", words.lower()).strip("-")


def markdown_it_anchor_slug(text: str) -> str:
    """markdown-it-anchor's default rule: lower case, each run of blanks one ``-``."""
    return BLANKS_RE.sub("-", _without_template(text).lower())


def _without_template(text: str) -> str:
    """``text`` without its ``{% ... %}`` and ``{{ ... }}`` (in one pass: an opening never
    closed ends the search)."""
    for opening, closing in TEMPLATE_PAIRS:
        if opening not in text:
            continue
        kept: list[str] = []
        at = 0
        while (start := text.find(opening, at)) >= 0:
            end = text.find(closing, start + len(opening))
            if end < 0:
                break
            kept.append(text[at:start])
            at = end + len(closing)
        kept.append(text[at:])
        text = "".join(kept)
    return text.strip()


def zola_slug(text: str) -> str:
    """Zola's rule for anchors and paths (``slugify = "on"``, the ``slug`` crate): text
    spelled in ASCII (see :func:`deunicode`), lower case, each run of other characters one
    ``-``, none at either end: ``Async Rust (🦀)`` is ``async-rust-crab``."""
    return ELEVENTY_DASH_RE.sub("-", deunicode(text).lower()).strip("-")


CJK_IDEOGRAPH_RE = re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f])")
"""CJK ideographs (the unified blocks, their extensions and the compatibility block)."""


def deunicode(text: str) -> str:
    """``text`` spelled in ASCII as the Rust crate ``deunicode`` spells it (which the ``slug``
    crate, and so Zola, uses), by the ``anyascii`` tables: letters of other scripts by
    sound (``Привет`` is ``Privet``, ``Straße`` is ``Strasse``), emoji by name (🦀 is
    ``:crab:``), each CJK ideograph's syllable a word of its own (``中文`` is
    ``Zhong Wen``, where anyascii alone writes ``ZhongWen``)."""
    if text.isascii():
        return text
    from anyascii import anyascii  # loaded only for text that needs it

    return anyascii(CJK_IDEOGRAPH_RE.sub(r"\1 ", text))


HEXO_SPECIAL_RE = re.compile(r"""[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:"'<>,.?/]+""")
"""What hexo-util's ``slugize`` makes one ``-``: blanks and ASCII punctuation."""
CONTROL_RE = re.compile(r"[\x00-\x1f]")


def hexo_slug(text: str) -> str:
    """Hexo's anchor (hexo-util's ``slugize``, as its Markdown renderers call it): accents
    dropped, each run of blanks and ASCII punctuation one ``-``, none at either end; case
    kept (``Install Hexo`` is ``Install-Hexo``), other scripts kept."""
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    return HEXO_SPECIAL_RE.sub("-", CONTROL_RE.sub("", stripped)).strip("-")


LEADING_DIGIT_RE = re.compile(r"^(\d)")


def vitepress_slug(text: str) -> str:
    """VitePress's anchor (@mdit-vue's ``slugify``): hexo-util's rule in lower case, with
    ``_`` before a leading digit (``2.0 Notes`` is ``_2-0-notes``)."""
    return LEADING_DIGIT_RE.sub(r"_\1", hexo_slug(text)).lower()
