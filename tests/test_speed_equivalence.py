"""The fast paths that replaced regexes give exactly what the regexes gave."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.recognize.lexicon import _standalone


def regex_standalone(text: str, word: str) -> list[tuple[int, int]]:
    """The regex _standalone replaced (lexicon.apply_abbreviations)."""
    pattern = r"(?<![\w-])" + re.escape(word) + r"(?![\w-])"
    return [m.span() for m in re.finditer(pattern, text)]


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("MS and MS.", "MS", [(0, 2), (7, 9)]),
        ("AMS MSA MS-1 MS_2 1MS", "MS", []),
        ("(MS) [MS]", "MS", [(1, 3), (6, 8)]),
        ("MSMS MS", "MS", [(5, 7)]),
        ("aa aaa aa", "aa", [(0, 2), (7, 9)]),
        ("HD-MTX and HD-MTX", "HD-MTX", [(0, 6), (11, 17)]),
        ("éMS MSé MS", "MS", [(8, 10)]),
        ("MS² MS", "MS", [(4, 6)]),
        ("MS٣ MS", "MS", [(4, 6)]),
        ("no such form", "MS", []),
        ("", "MS", []),
    ],
    ids=[
        "two-free-standing",
        "inside-words-hyphen-underscore-digit",
        "in-brackets",
        "doubled-then-free",
        "overlapping-candidates",
        "hyphenated-form",
        "accented-letters-are-word-characters",
        "superscript-two-is-a-word-character",
        "arabic-digit-is-a-word-character",
        "absent",
        "empty-text",
    ],
)
def test_standalone_cases(text: str, word: str, expected: list[tuple[int, int]]) -> None:
    assert list(_standalone(text, word)) == expected
    assert regex_standalone(text, word) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("aAM S-_1.()é²٣\n")), max_size=40),
    st.text(alphabet=st.sampled_from(list("aAMS-1")), min_size=1, max_size=4),
)
def test_standalone_matches_the_regex(text: str, word: str) -> None:
    assert list(_standalone(text, word)) == regex_standalone(text, word)
