"""``speed_up`` changes how much work markdown-it does, never the tokens it gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination
from markdown_it.token import Token

from linkcheck.extract.markdown import markdown_source, parser, rules
from linkcheck.fastparse import DISPATCH_RULE, fast_link_destination, plain_inline, speed_up
from tests.test_extract_property import bodies

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "commonmark" / "spec_examples.json"
SPEC_MARKDOWN: list[str] = [e["markdown"] for e in json.loads(FIXTURE.read_text("utf-8"))]
MAX_EXAMPLES = 300
PLAIN_EXAMPLES = 1000

DOCUMENTS = [
    "# Title\n\nText [a **b**](https://x.example/p?q=1&amp;r) and `code`.\n",
    "- one\n- two [x](/y)\n  - nested ![i](i.png)\n\n1. first\n2) second\n",
    "+ plus [a](b)\n+ again\n\n* star\n\ntext\n+ interrupts\n\n9) nine\n",
    "> quote [r]\n\n[r]: https://r.example 'T'\n[^1]: note https://n.example\n",
    "```\n[not](a link)\n```\n\n    indented [no](link)\n\n***\n___\n",
    "| a | b |\n|---|:-:|\n| [c](d) | e \\| f |\n\ntext\n---\n",
    "a | b\n--- | :--\nc | [d](e)\n\n> x | y\n> -|-\n",
    "<div>\n<a href='x'>y</a>\n</div>\n\n<https://auto.example> www.w.example/x.\n",
    "[a](<b c>) [d](e(f)g) [h](i\\)j) [k](l 'm') [n](o\n'p') [q]( r )\n",
    "*[a](b)* _[c](d)_ ~~[e](f)~~ \\[g](h) &copy; [i]: j\n",
    "See [a](https://www.x.example/p) and www.y.example here.\n\n[b](https://www.z.example)\n",
]
"""Hand-written documents: every block rule and the link forms the shortcuts touch."""


def stock() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


FAST = speed_up(stock())
PLAIN = stock()
OURS = {www: (rules(www=www), parser(www=www)) for www in (False, True)}


def tokens(md: MarkdownIt, text: str) -> list[Token]:
    return md.parse(text, {})


@pytest.mark.parametrize("text", DOCUMENTS + SPEC_MARKDOWN)
def test_same_tokens_as_markdown_it(text: str) -> None:
    assert tokens(FAST, text) == tokens(PLAIN, text)


@pytest.mark.parametrize("www", [False, True])
@pytest.mark.parametrize("text", DOCUMENTS + SPEC_MARKDOWN)
def test_same_tokens_with_our_rules(text: str, www: bool) -> None:
    plain, fast = OURS[www]
    source = markdown_source(text)
    assert tokens(fast, source) == tokens(plain, source)


@settings(max_examples=MAX_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, www=st.booleans())
def test_same_tokens_on_generated_documents(body: str, www: bool) -> None:
    source = markdown_source(body)
    plain, fast = OURS[www]
    assert tokens(fast, source) == tokens(plain, source)
    assert tokens(FAST, source) == tokens(PLAIN, source)


@given(
    text=st.text(alphabet=st.sampled_from(list("ab<>()\\ \t\n\x01\x7f&;é")), max_size=20),
    start=st.integers(0, 5),
    stop=st.integers(0, 25),
)
def test_fast_link_destination_is_markdown_its(text: str, start: int, stop: int) -> None:
    stop = min(stop, len(text))
    fast = fast_link_destination(text, start, stop)
    plain = parseLinkDestination(text, start, stop)
    assert (fast.ok, fast.pos if fast.ok else 0, fast.str) == (
        plain.ok,
        plain.pos if plain.ok else 0,
        plain.str,
    )


def test_the_shortcuts_are_in_place() -> None:
    """A new markdown-it rule without a known first character would turn dispatch off."""
    for _, fast in OURS.values():
        enabled = [rule.name for rule in fast.inline.ruler.__rules__ if rule.enabled]
        assert enabled == ["text", DISPATCH_RULE]
    enabled = [rule.name for rule in FAST.inline.ruler.__rules__ if rule.enabled]
    assert enabled == ["text", DISPATCH_RULE]


def test_unknown_inline_rule_leaves_the_rules_as_they_are() -> None:
    md = stock()
    md.inline.ruler.push("custom", lambda state, silent: False)
    speed_up(md)
    assert DISPATCH_RULE not in [rule.name for rule in md.inline.ruler.__rules__]
    assert tokens(md, DOCUMENTS[0]) == tokens(PLAIN, DOCUMENTS[0])


plain_words = st.text(alphabet=st.sampled_from(list("ab :/!#-=()é\t")), max_size=8)
plain_destinations = st.text(alphabet=st.sampled_from(list("ab:/.?=#%é")), min_size=1, max_size=12)
emphasis = st.builds(
    lambda before, mark, words, after: f"{before}{mark}{words}{mark}{after}",
    st.sampled_from(["", " ", "a", "(", "*"]),
    st.sampled_from(["*", "**", "_", "__", "***", "*_"]),
    st.text(alphabet=st.sampled_from(list("ab é.:*_")), max_size=6),
    st.sampled_from(["", " ", ".", ")", "a", "*", "]", "!"]),
)
code = st.builds(
    lambda ticks, text: f"{ticks}{text}{ticks}",
    st.sampled_from(["`", "``", "`` "]),
    st.text(alphabet=st.sampled_from(list("ab *[]()<&`\\")), max_size=6),
)
www = st.sampled_from(["www.q.example", " WWW.q.example/x ", "https://www.q.example/"])
word = st.text(alphabet=st.sampled_from(list("abcXYZ019 é.,:()#-")), min_size=1, max_size=7)
clean_emphasis = st.builds(
    lambda before, mark, first, middle, last, after: (
        f"{before}{mark}{first}{middle}{last}{mark}{after}"
    ),
    st.sampled_from([" ", "(", ""]),
    st.sampled_from(["*", "**", "_", "__"]),
    st.sampled_from(list("aZ0")),
    word,
    st.sampled_from(["", "b", "9", "."]),
    st.sampled_from([" ", ".", ",", ")", "", ":", "?", "!", "a"]),
)
clean_code = st.builds(lambda text: f"`{text}`", word)
labels = st.lists(st.one_of(plain_words, emphasis, clean_emphasis, www), max_size=3).map("".join)
plain_links = st.builds(lambda t, u: f"[{t}]({u})", labels, st.one_of(plain_destinations, www))
plain_texts = st.lists(st.one_of(plain_words, plain_links, www, emphasis, code), max_size=8).map(
    "".join
)


clean_labels = st.lists(st.one_of(word, clean_emphasis), max_size=3).map("".join)
clean_links = st.builds(lambda t, u: f"[{t}]({u})", clean_labels, plain_destinations)
clean_texts = st.lists(
    st.one_of(word, clean_emphasis, clean_code, clean_links), min_size=1, max_size=8
).map("".join)
"""Text that is mostly plain, with near misses: the shortcut is taken for most of it."""


def assert_plain_inline_is_markdown_its(text: str) -> None:
    expected: list[Token] = []
    PLAIN.inline.parse(text, PLAIN, {}, expected)
    got: list[Token] = []
    spans = plain_inline(text, PLAIN, got)
    if spans is None:
        assert got == []
        return
    assert got == expected
    opened = [t for t in expected if t.type == "link_open"]
    assert len(spans) == len(opened)
    for (begin, end), token in zip(spans, opened, strict=True):
        assert PLAIN.normalizeLink(text[begin:end]) == token.attrs["href"]


@settings(max_examples=MAX_EXAMPLES)
@given(text=plain_texts)
def test_plain_inline_gives_markdown_its_tokens(text: str) -> None:
    assert_plain_inline_is_markdown_its(text)


@settings(max_examples=PLAIN_EXAMPLES)
@given(text=clean_texts)
def test_plain_inline_gives_markdown_its_tokens_on_mostly_plain_text(text: str) -> None:
    assert_plain_inline_is_markdown_its(text)


@settings(max_examples=MAX_EXAMPLES)
@given(
    blocks=st.lists(
        st.tuples(
            st.sampled_from(["", "# ", "- ", "> ", "1. "]), st.one_of(plain_texts, clean_texts)
        ),
        max_size=6,
    ),
    www=st.booleans(),
)
def test_same_tokens_and_notes_on_plain_documents(blocks: list[tuple[str, str]], www: bool) -> None:
    """Posts of plain prose and plain links, where the shortcut for plain text is taken."""
    source = "".join(f"{marker}{text}\n\n" for marker, text in blocks)
    plain, fast = OURS[www]
    assert tokens(fast, source) == tokens(plain, source)


@pytest.mark.parametrize(
    "text",
    [
        "See [the report](https://r.example/a?b=c#d) and [x](/y): done!",
        "[](e)",
        "[c](d)(e)",
        "a *b* [c](d), **e** __f__ _g_: [**h** i *j*](k) (*l*) `m*n [o](p)` `q`.",
        "(_b_)x",
        "**x**",
        "a`b` [c](d)",
        "no links at all, but a colon: here",
    ],
)
def test_plain_inline_takes_plain_text(text: str) -> None:
    got: list[Token] = []
    assert plain_inline(text, PLAIN, got) is not None
    expected: list[Token] = []
    PLAIN.inline.parse(text, PLAIN, {}, expected)
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "a ` b` [c](d)", "a ``b`` [c](d)", "a `b`` [c](d)", "`b [c](d)",
        "a*b* [c](d)", "*a [c](d)", "**a* [c](d)", "_a_b [c](d)", "**a **", "_b_a [c](d)",
        "\x1c_b_ [c](d)", "**b**a", "a**b**", "[`c`](d)", "*a [c](d) b*", "[c](d e)",
        "[c](<d>)", "![c](d)", "a\nb [c](d)",
        "[c] (d)", "see https://x.example [c](d)", "[c](javascript:alert(1))",
        "[c](javascript:x)", "a &amp; [c](d)", "a \\[c](d)", "[[c]](d)", "[c](d&amp;)",
    ],
)  # fmt: skip
def test_plain_inline_leaves_everything_else_to_the_rules(text: str) -> None:
    got: list[Token] = []
    assert plain_inline(text, PLAIN, got) is None
    assert got == []
