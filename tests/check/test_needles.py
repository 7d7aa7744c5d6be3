from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.check.needles import Needles
from linkcheck.check.quirks import CHALLENGE_MARKERS
from linkcheck.check.soft404 import PARKING_GATE

ALPHABET = "ab_-/.\u00e9\u212a\ud800"
"""Few letters (needles and haystacks meet often), a two-byte and a three-byte character,
and a lone surrogate (an undecodable page may leave one in its text)."""


@settings(max_examples=500, deadline=None)
@given(
    needles=st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=6),
    haystack=st.text(ALPHABET, max_size=40),
)
def test_text_search_answers_as_substring_tests_do(needles: list[str], haystack: str) -> None:
    expected = any(needle in haystack for needle in needles)
    assert Needles(needles).in_text(haystack) is expected


@settings(max_examples=500, deadline=None)
@given(
    needles=st.lists(st.binary(min_size=1, max_size=4), min_size=1, max_size=6),
    haystack=st.binary(max_size=40),
)
def test_byte_search_answers_as_substring_tests_do(needles: list[bytes], haystack: bytes) -> None:
    expected = any(needle in haystack for needle in needles)
    assert Needles(needles).in_bytes(haystack) is expected


@pytest.mark.parametrize("needles", [[], [b""], ["a", ""]])
def test_no_needle_or_an_empty_one_is_refused(needles: list[bytes | str]) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Needles(needles)


@pytest.mark.parametrize(
    ("needles", "samples"), [(CHALLENGE_MARKERS, CHALLENGE_MARKERS), (PARKING_GATE, PARKING_GATE)]
)
def test_the_page_lists_are_found_at_any_place(
    needles: tuple[bytes | str, ...], samples: tuple[bytes | str, ...]
) -> None:
    found = Needles(needles)
    for sample in samples:
        text = sample if isinstance(sample, str) else sample.decode()
        assert found.in_text(f"<p>{text}</p>")
        assert found.in_text(text)
        assert not found.in_text(text[:-1])
        assert found.in_bytes(("x" * 70_000 + text).encode())


def test_a_page_full_of_needles_is_searched_in_linear_time() -> None:
    found = Needles(CHALLENGE_MARKERS)
    page = b"px-captcha" * 6_600  # the sniffed window, every byte part of a match
    assert found.in_bytes(page)
