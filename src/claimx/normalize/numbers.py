"""Numbers as literature writes them: digits, decimals (".5", "0·5"), Unicode minus, words."""

from __future__ import annotations

import re
from types import MappingProxyType

# English number words. These are the language, not tunable rules, so they live here.
_UNITS = MappingProxyType(
    {
        "zero": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4,
        "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
        "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19,
    }
)  # fmt: skip
_TENS = MappingProxyType(
    {
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90,
    }
)  # fmt: skip
_SCALES = MappingProxyType({"hundred": 100, "thousand": 1000, "million": 1_000_000})
_FRACTIONS = MappingProxyType({"half": 0.5, "quarter": 0.25})
_ORDINALS = MappingProxyType(
    {
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
        "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
        "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
        "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40,
        "fiftieth": 50,
    }
)  # fmt: skip
_MULTIPLIERS = MappingProxyType({"once": 1, "twice": 2, "thrice": 3})

_MINUS = "-\u2212\u2013\u2010\u2011"  # hyphen-minus, minus sign, en dash, hyphens
_DIGITS = re.compile(
    rf"^(?P<sign>[{_MINUS}+])?\s*"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.\u00b7]\d+)?|[.\u00b7]\d+)"
    r"(?:\s*(?:[eE](?P<e>[-\u2212+]?\d{1,3})"
    r"|[x\u00d7*]\s*10\s*(?:\^|\*\*)?\s*\(?(?P<p>[-\u2212+]?\d{1,3})\)?))?$"
)
_FRACTION = re.compile(r"^(?:(?P<whole>\d+)\s+)?(?P<num>\d{1,2})/(?P<den>[1-9]\d?)$")
_WORD_SPLIT = re.compile(r"[\s\-\u2010\u2011]+")


def word_trie(words: list[str]) -> str:
    """A regex alternation of lower-case words, factored by prefix (fast in `re`)."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


# A regex matching one spelled cardinal ("two", "twenty-five", "one hundred and twenty").
_ONES = word_trie([w for w, v in _UNITS.items() if 1 <= v <= 19 and w not in ("a", "an", "single")])
_TENS_WORDS = word_trie(list(_TENS))
_BELOW_100 = rf"(?:{_TENS_WORDS}(?:[\s\-]{_ONES})?|{_ONES}|zero)"
SPELLED_NUMBER = (
    rf"(?:{_BELOW_100}(?:[\s\-]hundred(?:[\s\-](?:and[\s\-])?{_BELOW_100})?)?"
    rf"(?:[\s\-]thousand(?:[\s\-](?:and[\s\-])?{_BELOW_100})?)?|(?:a|one)[\s\-]half|half)"
)
ORDINAL_WORD = word_trie(list(_ORDINALS))
# Any number word, cardinal or ordinal, as one flat trie: a cheap gate for spelled numbers.
NUMBER_WORD = word_trie(
    [w for w in (*_UNITS, *_TENS, *_SCALES, *_FRACTIONS, *_ORDINALS) if len(w) > 2]
)


def _parse_words(text: str) -> float | None:
    words = [w for w in _WORD_SPLIT.split(text.lower().strip()) if w and w != "and"]
    if not words:
        return None
    if len(words) == 2 and words[0] in ("a", "one") and words[1] in _FRACTIONS:
        return _FRACTIONS[words[1]]
    if len(words) == 1 and words[0] in _FRACTIONS:
        return _FRACTIONS[words[0]]
    if len(words) == 1 and words[0] in _MULTIPLIERS:
        return float(_MULTIPLIERS[words[0]])
    total = 0
    current = 0
    seen = False
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return float(total + current) if seen else None


def parse_number(text: str) -> float | None:
    """The value of a number as written ("12.5", ".5", "1,000", "−2", "0·5", "twenty"), or None."""
    s = text.strip()
    if not s:
        return None
    f = _FRACTION.match(s)
    if f:
        whole = float(f.group("whole") or 0)
        return whole + int(f.group("num")) / int(f.group("den"))
    m = _DIGITS.match(s)
    if m:
        value = float(m.group("num").replace(",", "").replace("\u00b7", "."))
        exp = m.group("e") or m.group("p")
        if exp is not None:
            value *= 10.0 ** int(exp.replace("\u2212", "-"))
        if m.group("sign") and m.group("sign") != "+":
            value = -value
        return value
    return _parse_words(s)


def parse_ordinal(text: str) -> int | None:
    """The value of an ordinal ("third", "19th", "nineteenth"), or None."""
    s = text.strip().lower()
    if s in _ORDINALS:
        return _ORDINALS[s]
    m = re.fullmatch(r"(\d{1,4})(?:st|nd|rd|th)", s)
    return int(m.group(1)) if m else None
