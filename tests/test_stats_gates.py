"""The statistics finder's shortcuts must never change what it finds.

The finder skips work where a pattern's rules prove there can be no match: a number pattern
whose `near` strings are nowhere in the text, a label pattern's window in which none of its
`needs` finds anything, a label pattern with `near` strings tried only where one of them is
close enough, the central-tendency pattern in a text without any of its cue words; and its
word regexes are grouped by first letter. Each test compares with the plain way (every label
pattern scanning its whole windows, one case-insensitive alternation), on texts at the edges
of each shortcut and on generated texts.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.errors import RuleError
from claimx.recognize.base import Found
from claimx.recognize.stats import (
    _ASCII_FOLDS,
    _CLAUSE_END,
    _FOLLOWER_CLASS,
    _NUMBER_START,
    _NUMBER_START_ASCII,
    StatisticFinder,
    StatRules,
    _case_folded,
    _caseless_alternation,
    _label_matches,
    _ns_positions,
    _shortest_cover,
    _windows,
    load_stat_rules,
)
from claimx.rules import rules_dir

RULES = load_stat_rules()


def _without_shortcuts(rules: StatRules) -> StatRules:
    """The same rules with the label patterns' `near` and `needs` dropped, and the number
    patterns' check that a `near` string is anywhere in the text (they keep their `near`
    itself: there it is the rule, not a shortcut)."""
    patterns = tuple(dataclasses.replace(p, near_any=(), needs=()) for p in rules.patterns)
    return dataclasses.replace(rules, patterns=patterns)


FAST = StatisticFinder(RULES)
PLAIN = StatisticFinder(_without_shortcuts(RULES))


def _rows(found: list[Found]) -> list[tuple[int, int, str, dict]]:
    return [(f.start, f.end, f.rule_id, dict(f.data)) for f in found]


def _pattern(pattern_id: str):
    return next(p for p in RULES.patterns if p.id == pattern_id)


# (id, text, the span a rule must find there or None where it must find nothing, the rule)
EDGES = [
    ("n-equals-longest-label", "arms (Group A-12b   = 40)", "Group A-12b   = 40", "stat-n-equals"),
    ("n-equals-controls", "(controls = 31; cases: 30)", "cases: 30", "stat-n-equals"),
    ("n-equals-too-far", "Group A-12b    = 40 patients", None, "stat-n-equals"),
    ("n-equals-window-edge", "in total, n = 42", "n = 42", "stat-n-equals"),
    ("n-percent-spaced", "(n = 3, 4.5%)", "4.5%", "stat-n-percent"),
    (
        "mean-sd-apa-longest",
        "(Mean = 6.91, SD = 5.86)",
        "Mean = 6.91, SD = 5.86",
        "stat-mean-sd-apa",
    ),
    ("mean-sd-apa-median", "Mdn = 4 days", "Mdn = 4 days", "stat-mean-sd-apa"),
    ("mean-sd-apa-no-equals", "Mean 4 days", None, "stat-mean-sd-apa"),
    ("p-ns-spaced", "42% vs 40% ( NS)", "NS", "stat-p-ns"),
    ("p-ns-dotted", "2.1 vs 2.0; n.s.)", "n.s.", "stat-p-ns"),
    ("ci-unlevelled-dotted", "the interval (C.I. 1.2-3.4)", "C.I. 1.2-3.4", "stat-ci-unlevelled"),
    (
        "ci-unlevelled-credible",
        "the interval (CrI 0.1 to 0.7)",
        "CrI 0.1 to 0.7",
        "stat-ci-unlevelled",
    ),
    ("test-apa-less-than", "t(28) < 2.20, p = .03", "t(28) < 2.20, p = .03", "stat-test-apa"),
    ("test-apa-greater", "F(2, 30) > 3.1, ns", "F(2, 30) > 3.1, ns", "stat-test-apa"),
    ("test-apa-at-most", "z ≤ 1.1, ns", "z ≤ 1.1, ns", "stat-test-apa"),
    ("test-apa-at-least", "r(40) ≥ .30, p = .04", "r(40) ≥ .30, p = .04", "stat-test-apa"),
    ("test-apa-no-comparator", "t 28 2.20 p .03", None, "stat-test-apa"),
    (
        "effect-abbreviation",
        "aHR 0.75 (95% CI 0.6-0.9)",
        "aHR 0.75 (95% CI 0.6-0.9)",
        "stat-effect-measure",
    ),
    ("effect-words", "the odds ratio was 2.1", "odds ratio was 2.1", "stat-effect-measure"),
    ("effect-abbreviation-glued", "HRs 0.75 and RDx 2", None, "stat-effect-measure"),
    ("number-no-strings", "12 patients were treated for 3 weeks", "12 patients", "stat-count-noun"),
    ("number-strings-present", "12.3 ± 4.1 and 40% (95% CI 30-50)", "12.3 ± 4.1", "stat-mean-sd"),
    ("number-strings-absent", "12.3 +- 4.1", None, "stat-percent"),
    ("count-thousands", "in all, 1 000 patients", "1 000 patients", "stat-count-noun"),
    (
        "count-number-words",
        "One hundred and five patients",
        "One hundred and five patients",
        "stat-count-noun",
    ),
    ("count-after-decimal", "2.5 mg patients", None, "stat-count-noun"),
    ("count-range-end", "3-5 patients", None, "stat-count-noun"),
    ("count-glued-unit", "12mg patients were", None, "stat-count-verb"),
    ("count-arm", "(6074 on tamoxifen versus 6072 on placebo)", "6072", "stat-count-arm"),
    ("count-arm-list", "(119 placebo, 123 gabapentin 300 mg)", "123", "stat-count-arm-list"),
    ("count-in-group", "14 in the control group", "14", "stat-count-in-group"),
    # Count patterns where no white space need follow the count.
    ("count-percent-glued", "of them 81(85.3%) improved", "81", "stat-count-percent"),
    ("count-of-glued", "5(10%) of 51 relapsed", "5", "stat-count-of"),
]


@pytest.mark.parametrize(
    ("text", "span", "rule_id"), [c[1:] for c in EDGES], ids=[c[0] for c in EDGES]
)
def test_shortcuts_find_what_a_full_scan_finds(text: str, span: str | None, rule_id: str) -> None:
    fast = FAST(text)
    assert _rows(fast) == _rows(PLAIN(text))
    spans = [text[f.start : f.end] for f in fast if f.rule_id == rule_id]
    assert span in spans if span is not None else spans == []


# (id, pattern id, text): matches found by each shortcut equal finditer over each window.
LABEL_CASES = [
    ("near-at-the-limit", "stat-n-equals", "x (Group A-12b   = 40) y"),
    ("near-one-past-the-limit", "stat-n-equals", "x (Group A-12b    = 40) y"),
    ("near-overlapping-starts", "stat-n-equals", "n = n = 5, N: 7"),
    ("near-two-strings", "stat-p-ns", "a (NS) b; n.s.) c (NS"),
    ("near-none", "stat-mean-sd-apa", "M 6.91, SD 5.86"),
    ("needs-at-window-end", "stat-effect-measure", "HR 1.2 and the HR"),
    ("needs-none", "stat-test-apa", "t(28) 2.20 p .03"),
]


@pytest.mark.parametrize(
    ("pattern_id", "text"), [c[1:] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES]
)
def test_label_shortcuts_match_finditer(pattern_id: str, text: str) -> None:
    pattern = _pattern(pattern_id)
    # Windows of every size and place, including ones that cut a match short.
    windows = [(lo, hi) for lo in range(0, len(text), 3) for hi in (lo + 5, lo + 19, len(text))]
    for lo, hi in windows:
        hi = min(hi, len(text))
        expected = [m.span() for m in pattern.regex.finditer(text, lo, hi)]
        assert [m.span() for m in _label_matches(text, pattern, [(lo, hi)])] == expected


_TOKENS = (
    "n N = : ; , . ( ) [ ] % < > ≤ Group A-12b cases controls Arm B arm M Mdn Mean SD s.d. CI "
    "C.I. CrI UI 95% NS n.s. ns t F r z χ2 p P 0.5 .001 12 1,234 -0.3 2.20 OR aOR HR RR RD MD "
    "NNT odds ratio risk difference needed hazard ± ( of to vs versus patients were IQR median "
    "mean x 10-4 per cent"
).split() + [" ", " ", " ", "  ", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=60))
def test_generated_texts_find_the_same(tokens: list[str]) -> None:
    text = "".join(tokens)
    assert _rows(FAST(text)) == _rows(PLAIN(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40))
def test_generated_texts_match_finditer_per_pattern(tokens: list[str]) -> None:
    text = "".join(tokens)
    starts = sorted(m.start() for m in re.finditer(r"\d", text))
    windows = _windows(sorted(starts + _ns_positions(text, len(text))), len(text))
    for pattern in RULES.patterns:
        if pattern.anchor != "label":
            continue
        expected = [m.span() for lo, hi in windows for m in pattern.regex.finditer(text, lo, hi)]
        assert [m.span() for m in _label_matches(text, pattern, windows)] == expected, pattern.id


def _rules_copy(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "rules"
    (folder / "patterns").mkdir(parents=True)
    (folder / "cues").mkdir()
    source = rules_dir()
    (folder / "cues" / "statistics.yml").write_text(
        (source / "cues" / "statistics.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "patterns" / "statistics.yml").write_text("patterns:\n" + extra, encoding="utf-8")
    return folder


_LABEL = "  - {id: a, kind: p_value, handler: p_value, priority: 1, anchor: label, regex: 'P'"
_NUMBER = "  - {id: a, kind: count, handler: count, priority: 1, anchor: number, regex: '1'"


@pytest.mark.parametrize(
    ("pattern_text", "message"),
    [
        (_LABEL + ", needs: '='}\n", "needs must be a list"),
        (_LABEL + ", needs: ['']}\n", "needs must be a list"),
        (_LABEL + ", needs: ['(']}\n", "bad regex in needs"),
        (_NUMBER + ", needs: ['=']}\n", "only label-anchored patterns take 'needs'"),
        (
            "  - {id: a, kind: mean_sd, handler: central, priority: 1, anchor: cue, regex: '1',"
            " near: {within: 3, any: ['=']}}\n",
            "cue-anchored pattern takes no 'near'",
        ),
        (_LABEL + ", near: {within: 3, any: []}}\n", "near must be"),
        (_LABEL + ", near: {within: 0, any: ['=']}}\n", "near must be"),
    ],
    ids=[
        "needs-not-a-list",
        "needs-empty-string",
        "needs-bad-regex",
        "needs-on-number-pattern",
        "near-on-cue-pattern",
        "near-without-strings",
        "near-within-not-positive",
    ],
)
def test_bad_shortcuts_are_reported(tmp_path: Path, pattern_text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        load_stat_rules(_rules_copy(tmp_path, pattern_text))


@pytest.mark.parametrize(
    ("pattern_text", "needs", "near"),
    [
        (_LABEL + ", needs: ['=', '[<>]']}\n", 2, ()),
        (_LABEL + ", near: {within: 3, any: ['=', ':']}}\n", 0, ("=", ":")),
        (_NUMBER + ", near: {within: 3, any: ['%']}}\n", 0, ("%",)),
    ],
    ids=["label-needs", "label-near", "number-near"],
)
def test_shortcuts_load(tmp_path: Path, pattern_text: str, needs: int, near: tuple) -> None:
    (pattern,) = load_stat_rules(_rules_copy(tmp_path, pattern_text)).patterns
    assert len(pattern.needs) == needs and pattern.near_any == near


def test_case_folds_cover_what_the_regex_engine_folds() -> None:
    # Every non-ASCII character that a case-insensitive regex matches to an ASCII letter is
    # folded to that letter (checked over all of Unicode, so a new Python cannot slip one in).
    everything = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c < 0xE000)
    letters = "abcdefghijklmnopqrstuvwxyz"
    folds = {
        c: next(x for x in letters if re.fullmatch(f"(?i){x}", c))
        for c in re.findall(f"(?i)[{letters}]", everything)
    }
    assert folds == dict(_ASCII_FOLDS)


# (id, text, whether a central-tendency cue is in it)
CUE_TEXTS = [
    ("lower-case", "the mean age was 54 years", True),
    ("upper-case", "MEDIAN FOLLOW-UP 12 MONTHS", True),
    ("dotless-i", "the medıan was 12 months", True),
    ("dotted-capital-i", "MEDİAN 12 months", True),
    ("long-s", "the meanſ were 3 and 4", True),
    ("first-letter-only-differs", "an aedian of 4", True),
    ("no-cue", "12 patients were treated for 3 weeks", False),
    ("cue-glued-to-a-word", "the premeans 4", False),
]


@pytest.mark.parametrize(
    ("text", "has_cue"), [c[1:] for c in CUE_TEXTS], ids=[c[0] for c in CUE_TEXTS]
)
def test_central_cue_check(text: str, has_cue: bool) -> None:
    found = RULES.central_cue.search(text) is not None
    assert found == has_cue
    # The text-level check may let a text without a cue through, never stop one with a cue.
    folded = _case_folded(text)
    assert any(tail in folded for tail in RULES.central_tails) or not found


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="meEaAnNdDiIİıvVrRgGsSſK 5.,-", max_size=40))
def test_central_cue_check_never_stops_a_cue(text: str) -> None:
    if RULES.central_cue.search(text) is not None:
        folded = _case_folded(text)
        assert any(tail in folded for tail in RULES.central_tails)


def _plain_caseless(words: list[str], after: str) -> re.Pattern[str]:
    """The first-letter regex with its rest as one case-insensitive alternation (the form that
    _caseless_alternation speeds up)."""
    alts = sorted({w.lower() for w in words}, key=len, reverse=True)
    firsts = "".join(sorted({w[0] for w in alts} | {w[0].upper() for w in alts}))
    tails = "|".join(re.escape(w[1:]) for w in alts)
    return re.compile(rf"[{firsts}](?<![\w-][{firsts}])(?i:{tails}){after}")


_CUE_WORDS = ["mean", "median", "average", "averaged", "geometric mean", "medians", "means"]
_REGEX_PAIRS = [
    ("number-words", RULES.word_anchor, _plain_caseless(list(RULES.number_words), "(?![a-z])")),
    ("central-cues", RULES.central_cue, _plain_caseless(_CUE_WORDS, "(?![\\w-])")),
]
_CASE_TEXTS = [
    "EIGHTEEN of Twenty-one and one hundred, mean",
    "eİghteen sıx ſix SİX fıve tİne oneA ones; medİan meAns",
    "the averaged AVERAGEd Average median MEDIANS Geometric Mean geometric meanſ: six",
    "premean -mean mean- mean_ x-median (median) 'average' -one one- (ten) x/two",
]


@pytest.mark.parametrize(
    ("new", "plain"), [c[1:] for c in _REGEX_PAIRS], ids=[c[0] for c in _REGEX_PAIRS]
)
@pytest.mark.parametrize("text", _CASE_TEXTS, ids=["numbers", "folds", "cues", "edges"])
def test_grouped_word_regexes_match_as_before(
    new: re.Pattern[str], plain: re.Pattern[str], text: str
) -> None:
    expected = [(m.span(), m.group()) for m in plain.finditer(text)]
    assert expected  # each text has something to find
    assert [(m.span(), m.group()) for m in new.finditer(text)] == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            _CUE_WORDS + list(RULES.number_words) + [" ", "-", "a", "İ", "ı", "ſ", "E", "S"]
        ),
        max_size=20,
    )
    .map("".join)
    .map(lambda t: t if len(t) % 2 else t.upper())
)
def test_grouped_word_regexes_match_as_before_generated(text: str) -> None:
    for _, new, plain in _REGEX_PAIRS:
        assert [(m.span(), m.group()) for m in new.finditer(text)] == [
            (m.span(), m.group()) for m in plain.finditer(text)
        ]


@pytest.mark.parametrize(
    ("alts", "regex"),
    [
        (["ighteen", "ight", "ne"], "(?:[iIİı](?i:ghteen|ght)|[nN](?i:e))"),
        (["s", ""], "(?:[sSſ](?i:)|)"),
        (["-x"], "(?:(?i:\\-)(?i:x))"),
    ],
    ids=["grouped-by-first-letter", "empty-alternative-last", "not-a-letter"],
)
def test_caseless_alternation(alts: list[str], regex: str) -> None:
    assert _caseless_alternation(alts) == regex


# The number starts as they were found before the lookahead captured the follower: a
# separate regex for the number's end, and the number-word regex run over the whole text.
_OLD_NUMBER_START = re.compile(
    r"[-−–‐+.·\d](?<![\w.·,][-−–‐+.·\d])(?:(?<=\d)|(?<=[.·])\d|(?<=[-−–‐])\s?[.·]?\d|(?<=\+)\d)"
)
_OLD_NUMBER_THEN = re.compile(r"[-−–‐+]?\s?[.·]?\d*(?:[.,·\u2009\u00a0 ]\d+){0,3}\s?(.?)")


def _old_starts(text: str) -> tuple[list[int], list[str]]:
    digits = [m.start() for m in _OLD_NUMBER_START.finditer(text)]
    words = [m.start() for m in RULES.word_anchor.finditer(text)]
    classes = {}
    for s in digits:
        ch = _OLD_NUMBER_THEN.match(text, s).group(1)
        classes[s] = "letter" if ch.isalpha() else _FOLLOWER_CLASS.get(ch, "other")
    for s in words:
        classes[s] = "any"
    starts = sorted(digits + words)
    return starts, [classes[s] for s in starts]


# (id, text): number starts at the edges of the one-regex start-and-follower scan and of the
# number-word candidates.
START_TEXTS = [
    ("range", "3-5 patients, −0.3% and +2 (n=4)"),
    ("thousands", "1 000 000 and 13 388 patients; 19,747/20,000"),
    ("decimals", ".05, 1·1%, 12.5mg, - .5, 3 ,4"),
    ("text-end", "ends with 12"),
    ("glued", "a1 1a 1.2.3 x-1 x.5"),
    ("words", "Eighteen of twenty-one, ONES, oneA, often, weight, tone, fourteen-day"),
    ("words-folded", "sİx sıx ſix SİX fıve nİne eİght"),
    ("words-hyphen", "-one one- x-two (ten) hundred"),
]


@pytest.mark.parametrize("text", [c[1] for c in START_TEXTS], ids=[c[0] for c in START_TEXTS])
def test_number_starts_as_before(text: str) -> None:
    assert FAST._number_starts(text, _case_folded(text), len(text)) == _old_starts(text)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list(RULES.number_words)
            + ["1", "23", ".", ",", "-", "−", "+", "·", " ", "\u2009", "%", "(", "a", "E", "İ"]
        ),
        max_size=30,
    )
    .map("".join)
    .map(lambda t: t if len(t) % 3 else t.upper())
)
def test_number_starts_as_before_generated(text: str) -> None:
    assert FAST._number_starts(text, _case_folded(text), len(text)) == _old_starts(text)


def test_case_folding_keeps_offsets() -> None:
    # Number-word candidates are found in the folded text and tried in the original one.
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert len(_case_folded(everything)) == len(everything)


_OLD_CLAUSE_END = re.compile(r";|(?<!\bvs)(?<!\bv)(?<!\bal)[.!?](?=\s+[A-Z(\[])|\n")
CLAUSE_TEXTS = [
    ("semicolon", "median 6; 8"),
    ("full-stop", "mean 4. The 5"),
    ("versus", "mean 4 vs. The 5 v. B 6 al. C 7. D"),
    ("word-ending-in-vs", "devs. The obv. A. B"),
    ("not-before-capital", "mean 4. then 5! (6? [7"),
    ("new-line", "mean 4\n5"),
]


@pytest.mark.parametrize("text", [c[1] for c in CLAUSE_TEXTS], ids=[c[0] for c in CLAUSE_TEXTS])
def test_clause_end_as_before(text: str) -> None:
    expected = [m.span() for m in _OLD_CLAUSE_END.finditer(text)]
    assert expected == [m.span() for m in _CLAUSE_END.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="vsal.!?;\n ([AB1", max_size=30))
def test_clause_end_as_before_generated(text: str) -> None:
    expected = [m.span() for m in _OLD_CLAUSE_END.finditer(text)]
    assert expected == [m.span() for m in _CLAUSE_END.finditer(text)]


@pytest.mark.parametrize(
    ("strings", "cover"),
    [
        (["ean", "eans", "eometric mean", "edian", "edians"], ("ean", "edian")),
        (["ab", "b"], ("b",)),
        (["ab", "cd"], ("ab", "cd")),
        (["x", "x"], ("x",)),
    ],
    ids=["central-tails", "suffix", "disjoint", "repeated"],
)
def test_shortest_cover(strings: list[str], cover: tuple[str, ...]) -> None:
    assert _shortest_cover(strings) == cover


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-+.,· \u2009%(aZ_\x1c\t", max_size=30))
def test_ascii_number_start_regex_as_unicode(text: str) -> None:
    # On ASCII texts the finder scans with [0-9] for \d; on others with \d.
    text = text.encode("ascii", "ignore").decode()
    expected = [m.span() for m in _NUMBER_START.finditer(text)]
    assert [m.span() for m in _NUMBER_START_ASCII.finditer(text)] == expected


@pytest.mark.parametrize(
    ("text", "starts"),
    [("٣ patients and 4 more", [0, 15]), ("3 patients and ４ more", [0, 15])],
    ids=["arabic-indic-digit", "fullwidth-digit"],
)
def test_non_ascii_digits_start_numbers(text: str, starts: list[int]) -> None:
    assert FAST._number_starts(text, _case_folded(text), len(text))[0] == starts
