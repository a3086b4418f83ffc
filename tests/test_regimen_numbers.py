"""parse_number / parse_ordinal: numbers exactly as literature writes them."""

from __future__ import annotations

import pytest

from claimx.normalize.numbers import parse_number, parse_ordinal

NUMBERS = [
    ("integer", "30", 30.0),
    ("decimal", "12.5", 12.5),
    ("leading-dot", ".5", 0.5),
    ("thousands-comma", "1,000", 1000.0),
    ("unicode-minus", "\u22122.5", -2.5),
    ("en-dash-minus", "\u20133", -3.0),
    ("plus-sign", "+4", 4.0),
    ("middle-dot-decimal", "0\u00b75", 0.5),
    ("e-notation", "1.5e-3", 0.0015),
    ("times-ten-power", "2.5 \u00d7 10^6", 2_500_000.0),
    ("spelled-one", "one", 1.0),
    ("spelled-teen", "seventeen", 17.0),
    ("spelled-hyphen", "twenty-five", 25.0),
    ("spelled-space", "twenty five", 25.0),
    ("spelled-hundred-and", "one hundred and twenty", 120.0),
    ("spelled-thousand", "fifty thousand", 50_000.0),
    ("spelled-capital", "Three", 3.0),
    ("half", "a half", 0.5),
    ("twice", "twice", 2.0),
]
NOT_NUMBERS = [
    ("empty", ""),
    ("word", "patients"),
    ("letters-and-digits", "IL-6"),
    ("two-numbers", "1 2"),
    ("unit-only", "mg"),
    ("reference", "2012;37(2)"),
]


@pytest.mark.parametrize(("text", "value"), [c[1:] for c in NUMBERS], ids=[c[0] for c in NUMBERS])
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [c[1] for c in NOT_NUMBERS], ids=[c[0] for c in NOT_NUMBERS])
def test_parse_number_refuses(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("third", 3), ("nineteenth", 19), ("19th", 19), ("2nd", 2), ("Second", 2), ("week", None)],
    ids=["third", "nineteenth", "19th", "2nd", "capital", "not-ordinal"],
)
def test_parse_ordinal(text: str, value: int | None) -> None:
    assert parse_ordinal(text) == value
