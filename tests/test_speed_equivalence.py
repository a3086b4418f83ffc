"""The fast paths that replaced regexes give exactly what the regexes gave."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.checks import p_from_statistic
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


def scipy_stats_p(test_type: str, value: float, df1: float | None, df2: float | None) -> Any:
    """p_from_statistic as it was with scipy.stats (before it moved to scipy.special)."""
    from scipy import stats

    if test_type == "t":
        return float(2 * stats.t.sf(abs(value), df1))
    if test_type == "z":
        return float(2 * stats.norm.sf(abs(value)))
    if test_type == "F":
        return float(stats.f.sf(value, df1, df2))
    return float(stats.chi2.sf(value, df1))


def same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize(
    ("test_type", "value", "df1", "df2"),
    [
        ("t", 2.2, 28, None),
        ("t", 0.0, 5, None),
        ("t", -3.1, 1, None),
        ("t", INF, 10, None),
        ("t", 2.0, INF, None),
        ("t", INF, INF, None),
        ("t", NAN, 10, None),
        ("t", 2.0, NAN, None),
        ("z", 1.96, None, None),
        ("z", -40.0, None, None),
        ("z", INF, None, None),
        ("F", 4.1, 2, 57),
        ("F", 0.0, 2, 57),
        ("F", 0.0, 2, INF),
        ("F", 0.0, INF, INF),
        ("F", 3.0, INF, 10),
        ("F", INF, 3, 10),
        ("F", INF, INF, INF),
        ("F", 0.0, NAN, 3),
        ("chi2", 3.84, 1, None),
        ("chi2", 0.0, 4, None),
        ("chi2", 0.0, INF, None),
        ("chi2", INF, INF, None),
        ("chi2", INF, 3, None),
        ("chi2", 0.0, NAN, None),
        ("chi2", 1e300, 2, None),
    ],
    ids=lambda v: str(v),
)
def test_p_from_statistic_equals_scipy_stats(
    test_type: str, value: float, df1: float | None, df2: float | None
) -> None:
    expected = scipy_stats_p(test_type, value, df1, df2)
    assert same_float(p_from_statistic(test_type, value, df1, df2), expected)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["t", "z", "F", "chi2"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-3, max_value=1e9) | st.just(INF),
    st.floats(min_value=1e-3, max_value=1e9) | st.just(INF),
)
def test_p_from_statistic_matches_scipy_stats(
    test_type: str, value: float, df1: float, df2: float
) -> None:
    if test_type in ("F", "chi2") and value < 0:
        assert p_from_statistic(test_type, value, df1, df2) is None
        return
    expected = scipy_stats_p(test_type, value, df1, df2)
    assert same_float(p_from_statistic(test_type, value, df1, df2), expected)


@pytest.fixture(scope="module")
def tokenizer_nlp() -> Any:
    from claimx.pipeline import build_nlp

    return build_nlp()


def matcher_pairs(nlp: Any, doc: Any) -> list[tuple[int, int]]:
    """What scispaCy's bracket Matcher (bounded to 8 tokens inside) gave."""
    from spacy.matcher import Matcher

    matcher = Matcher(nlp.vocab)
    matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": "{1,8}"}, {"ORTH": ")"}]])
    return [(s, e) for _, s, e in matcher(doc)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nerve growth factor (NGF) was", [(3, 6)]),
        ("a ( b ( c ) d ) e", [(3, 6), (1, 6), (3, 8), (1, 8)]),
        ("A (B) and C (D)", [(1, 4), (6, 9), (1, 9)]),
        ("x ( ) y", []),
        ("one (a b c d e f g h) two", [(1, 11)]),
        ("one (a b c d e f g h i) two", []),
        (") a (", []),
        ("no brackets at all", []),
        ("", []),
    ],
    ids=[
        "definition",
        "nested-all-pairs-by-end-then-later-start",
        "two-pairs-and-the-span-over-both",
        "empty-brackets",
        "eight-inside",
        "nine-inside-too-long",
        "reversed",
        "none",
        "empty-text",
    ],
)
def test_bracket_pairs_cases(
    tokenizer_nlp: Any, text: str, expected: list[tuple[int, int]]
) -> None:
    from claimx.pipeline import BracketPairs

    doc = tokenizer_nlp.make_doc(text)
    assert [(s, e) for _, s, e in BracketPairs()(doc)] == expected
    assert matcher_pairs(tokenizer_nlp, doc) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab (()) ,.\n")), max_size=60))
def test_bracket_pairs_equal_the_matcher(tokenizer_nlp: Any, text: str) -> None:
    from claimx.pipeline import BracketPairs

    doc = tokenizer_nlp.make_doc(text)
    assert [(s, e) for _, s, e in BracketPairs()(doc)] == matcher_pairs(tokenizer_nlp, doc)


@pytest.mark.parametrize("span_group", [True, False], ids=["span-group", "no-span-group"])
def test_span_group_switch_leaves_mentions_alone(span_group: bool) -> None:
    from claimx.pipeline import build_nlp
    from claimx.recognize.base import doc_text

    text = "Ketamine 30 mg orally (p = .03) eased complex regional pain syndrome (CRPS)."
    with_group = build_nlp()(text)
    doc = build_nlp(span_group=span_group)(text)
    assert doc._.claimx_found == with_group._.claimx_found
    assert len(doc._.claimx_found) >= 4
    assert doc_text(doc) == doc.text == text
    if span_group:
        assert [s.label_ for s in doc.spans["claimx"]] == [f.label for f in doc._.claimx_found]
    else:
        assert "claimx" not in doc.spans


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["A", "B", "AB", "(", ")", "x"]), max_size=30),
    st.lists(
        st.lists(st.sampled_from(["A", "B", "AB", "x"]), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
)
def test_token_sequences_equal_the_matcher(
    tokenizer_nlp: Any, words: list[str], sequences: list[list[str]]
) -> None:
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    from claimx.pipeline import TokenSequences

    doc = Doc(tokenizer_nlp.vocab, words=words)
    matcher, fast = Matcher(tokenizer_nlp.vocab), TokenSequences(tokenizer_nlp.vocab)
    for k, seq in enumerate(sequences):
        pattern = [[{"ORTH": w} for w in seq]]
        matcher.add(f"key{k}", pattern)
        fast.add(f"key{k}", pattern)
    assert fast(doc) == list(matcher(doc))
    fast.remove("key0")
    assert "key0" not in fast and len(fast) == len(sequences) - 1


@pytest.mark.parametrize(
    "pattern",
    [[{"LOWER": "a"}], [{"ORTH": "a", "OP": "+"}], []],
    ids=["other-attribute", "operator", "empty"],
)
def test_token_sequences_refuse_other_patterns(tokenizer_nlp: Any, pattern: Any) -> None:
    from claimx.pipeline import TokenSequences

    with pytest.raises(ValueError, match="ORTH-only"):
        TokenSequences(tokenizer_nlp.vocab).add("k", [pattern])


def loop_sentence_starts(doc: Any) -> list[int]:
    """The token-by-token splitter that split_sentences replaced: flags per token."""
    from claimx.pipeline import CLOSERS, SENTENCE_END, _non_final

    texts = [t.text for t in doc]
    glued = [not t.whitespace_ for t in doc]
    space = [t.is_space for t in doc]
    flags = [-1] * len(doc)
    if not flags:
        return flags
    flags[0] = 1
    pending = forced = False
    for i in range(1, len(doc)):
        ptext = texts[i - 1]
        if space[i - 1] and "\n" in ptext:
            pending = True
            forced = forced or ptext.count("\n") > 1
        elif ptext in SENTENCE_END and not (i >= 2 and glued[i - 2] and _non_final(texts[i - 2])):
            pending = True
        if space[i] or not pending:
            continue
        if texts[i] in CLOSERS and glued[i - 1] and not space[i - 1]:
            continue
        if forced or not texts[i][0].islower():
            flags[i] = 1
        pending = forced = False
    return flags


def split_flags(nlp: Any, text: str) -> list[int]:
    from claimx.pipeline import split_sentences

    doc = split_sentences(nlp.make_doc(text))
    return [1 if t.is_sent_start else -1 for t in doc]


@pytest.mark.parametrize(
    "text",
    [
        "Pain fell. It rose again! Did it? Yes… no.",
        "Given i.v. Ketamine and e.g. morphine (Smith et al. 2003). Next one.",
        'He said "stop." Then left.) And (so.) on',
        "Heading Line\nNext line starts upper\ncontinues lower\n\nnew paragraph lower",
        "A .  B  . c . D\n \n e",
        "",
        ". . .",
    ],
    ids=["marks", "abbreviations", "closers", "line-breaks", "odd-spacing", "empty", "only-marks"],
)
def test_split_sentences_equals_the_loop(tokenizer_nlp: Any, text: str) -> None:
    assert split_flags(tokenizer_nlp, text) == loop_sentence_starts(tokenizer_nlp.make_doc(text))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([*"aA .!?…\"')]\n\t(-", "i.v", "al", "Dr", "  "]), max_size=40).map(
        "".join
    )
)
def test_split_sentences_equals_the_loop_on_any_text(tokenizer_nlp: Any, text: str) -> None:
    assert split_flags(tokenizer_nlp, text) == loop_sentence_starts(tokenizer_nlp.make_doc(text))


@pytest.mark.parametrize(
    "text",
    [
        "IL-2-mediated T-cell (CD4+) responses at 2.5mg/kg i.v. q.d. vs. placebo; p<0.05.",
        "https://example.org/a?b=c and e-mail a@b.org, 10-12 days, N(2)-methyl-4'-OH",
        "Don't stop: U.S.A. 3x/day (n=12) [ref. 4] \u2013 \u00b5g/mL\n\nNext.",
    ],
    ids=["biomedical", "urls-and-chemicals", "contractions-and-symbols"],
)
def test_registered_tokenizer_is_scispacys(tokenizer_nlp: Any, text: str) -> None:
    """claimx builds scispaCy's tokenizer without first building English's default one."""
    import warnings

    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    reference = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        reference.tokenizer = combined_rule_tokenizer(reference)
    ours = [(t.text, t.whitespace_) for t in tokenizer_nlp.make_doc(text)]
    assert ours == [(t.text, t.whitespace_) for t in reference.make_doc(text)]
    assert len(ours) > 10


LEXICAL_TEXTS = [
    "Ketamine 30 mg orally (p = .03) eased complex regional pain syndrome (CRPS).",
    "Pain Free, No Side Effects\n\nThe investigators gave i.v. morphine.  CRPS improved.",
    "hard-wrapped text\ncontinues here. New sentence?  Yes!\nNext line starts upper.",
    "Nonsteroidal anti-inflammatory drugs (NSAIDs) and NSAIDs again; t(12) = 2.1, P < .05.",
    "   \n\t  ",
    "",
]


def _everything(nlp: Any, text: str) -> tuple[Any, ...]:
    doc = nlp(text)
    return (
        [t.text for t in doc],
        [s.start for s in doc.sents] if len(doc) else [],
        # scispaCy lists them in set order (claimx sorts them): compare as sets.
        sorted((a.start, a.end, str(a._.long_form)) for a in doc._.abbreviations),
        doc._.claimx_found,
    )


@pytest.fixture(scope="module")
def lexical_pipelines() -> tuple[Any, Any]:
    from claimx.pipeline import build_nlp

    return build_nlp(), build_nlp(span_group=False, lexical_attributes=False)


@pytest.mark.parametrize("text", LEXICAL_TEXTS, ids=lambda t: repr(t[:24]))
def test_without_lexical_attributes_same_results(
    lexical_pipelines: tuple[Any, Any], text: str
) -> None:
    full, lean = lexical_pipelines
    assert _everything(lean, text) == _everything(full, text)


def test_lexical_attributes_off_only_in_the_pipeline_that_asks() -> None:
    from claimx.pipeline import build_nlp

    lean = build_nlp(span_group=False, lexical_attributes=False)
    full = build_nlp()  # built after the lean one: its vocabulary still has every getter
    word = "zyxketamine"  # new to both vocabularies
    assert full(word)[0].is_alpha and full(word)[0].shape_ == "xxxx"
    assert not lean(word)[0].is_alpha and lean(word)[0].shape_ == ""
    assert [t.is_space for t in lean("a \n b")] == [False, True, False]
