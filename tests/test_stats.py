"""The STATISTIC finder, form by form: what it finds, how it parses it, and what it leaves."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.checks import check_statistic, has_checks
from claimx.errors import RuleError
from claimx.recognize.base import Mention
from claimx.recognize.stats import (
    _ROW_DEFAULTS,
    _ROW_MIDDLE,
    KINDS,
    StatisticFinder,
    load_stat_rules,
    parse_number,
    parse_p,
    statistic_rows,
)
from claimx.records import StatisticRow


@pytest.fixture(scope="module")
def finder() -> StatisticFinder:
    return StatisticFinder()


def found_in(finder: StatisticFinder, text: str) -> dict[str, dict[str, Any]]:
    return {text[f.start : f.end]: dict(f.data) for f in finder(text)}


# (id, text, the span that must be found, columns it must carry)
POSITIVE = [
    (
        "p-equals-no-zero",
        "allodynia (P =.02).",
        "P =.02",
        {"kind": "p_value", "comparator": "=", "value": 0.02},
    ),
    (
        "p-nbsp",
        "methadone, P\u00a0=.01 for both",
        "P\u00a0=.01",
        {"kind": "p_value", "value": 0.01},
    ),
    ("p-less-than", "reduced (p<0.001).", "p<0.001", {"kind": "p_value", "comparator": "<"}),
    (
        "p-value-of",
        "with a P value of 0.03 overall",
        "P value of 0.03",
        {"kind": "p_value", "comparator": "=", "value": 0.03},
    ),
    ("p-times-ten", "P = 1.2 x 10-4 in", "P = 1.2 x 10-4", {"value": pytest.approx(1.2e-4)}),
    ("p-superscript", "P = 3 × 10⁻⁵.", "P = 3 × 10⁻⁵", {"value": pytest.approx(3e-5)}),
    ("p-unicode-minus", "p = 2 × 10−3", "p = 2 × 10−3", {"value": pytest.approx(2e-3)}),
    ("p-e-notation", "p = 1e-5 for", "p = 1e-5", {"value": pytest.approx(1e-5)}),
    (
        "p-for-trend",
        "dose response (P for trend = .02)",
        "P for trend = .02",
        {"kind": "p_value", "value": 0.02},
    ),
    ("p-less-or-equal", "death (P < or = .01)", "P < or = .01", {"comparator": "<="}),
    ("p-ns", "no difference (NS).", "NS", {"kind": "p_value", "comparator": "ns"}),
    (
        "ci-dash",
        "risk was 2.1 (95% CI 1.2-3.4)",
        "2.1 (95% CI 1.2-3.4)",
        {"value": 2.1, "ci_low": 1.2, "ci_high": 3.4, "ci_level": 0.95},
    ),
    (
        "ci-comma-to",
        "HR 0.8; 95% CI, 0.6 to 0.9",
        "HR 0.8; 95% CI, 0.6 to 0.9",
        {"kind": "ratio", "ci_low": 0.6, "ci_high": 0.9},
    ),
    (
        "ci-negative-percent",
        "change (95% CI: -13% to 4%)",
        "95% CI: -13% to 4%",
        {"kind": "ci", "ci_low": -13.0, "ci_high": 4.0},
    ),
    (
        "ci-brackets",
        "survival 27.9 months [25.5-31.1] for",
        "27.9 months [25.5-31.1]",
        {"value": 27.9, "ci_low": 25.5, "ci_high": 31.1},
    ),
    (
        "ci-announced",
        "risk ratios (95% CIs) were 1.75 (0.44 to 8.13) for",
        "1.75 (0.44 to 8.13)",
        {"kind": "ratio", "ci_low": 0.44, "ci_level": 0.95},
    ),
    (
        "hazard-ratio-comma",
        "hazard ratio, 0.75 for death",
        "hazard ratio, 0.75",
        {"kind": "ratio", "measure": "hazard ratio", "value": 0.75},
    ),
    ("odds-ratio-equals", "OR = 2.1 for", "OR = 2.1", {"kind": "ratio", "measure": "odds ratio"}),
    (
        "aor",
        "aOR 1.9 (95% CI 1.1-3.2)",
        "aOR 1.9 (95% CI 1.1-3.2)",
        {"measure": "adjusted odds ratio", "ci_high": 3.2},
    ),
    ("irr", "IRR = 0.62", "IRR = 0.62", {"measure": "incidence rate ratio"}),
    (
        "mean-difference",
        "mean difference of -1.3 points",
        "mean difference of -1.3",
        {"kind": "mean_difference", "value": -1.3},
    ),
    (
        "smd",
        "SMD -0.3 (95% CI -0.5 to -0.1)",
        "SMD -0.3 (95% CI -0.5 to -0.1)",
        {"kind": "mean_difference", "ci_low": -0.5},
    ),
    ("nnt", "NNT of 12 for one", "NNT of 12", {"kind": "nnt", "value": 12.0}),
    (
        "percent-reduction",
        "at 7 (40% reduction) days",
        "40%",
        {"kind": "percent", "value": 40.0, "measure": "reduction"},
    ),
    (
        "percent-arm",
        "more often in the methadone cohort (92%) than",
        "92%",
        {"group": "methadone cohort"},
    ),
    (
        "percent-arm-than",
        "cohort (92%) than in the ketamine (19%) or",
        "19%",
        {"group": "ketamine"},
    ),
    ("percent-middle-dot", "incidence were 1·1% in", "1·1%", {"value": 1.1}),
    (
        "count-patients",
        "the trial enrolled 42 patients aged 22 to 77 years",
        "42 patients",
        {"kind": "count", "value": 42.0, "measure": "patients"},
    ),
    ("count-n-equals", "placebo (n = 65) within", "n = 65", {"kind": "count", "value": 65.0}),
    (
        "count-each",
        "3 groups with 14 patients in each",
        "14 patients in each",
        {"value": 14.0, "group": "each"},
    ),
    ("count-of-k", "7 of 17 women responded", "7", {"value": 7.0, "denominator": 17.0}),
    ("count-of-n", "7 of 17 women responded", "17", {"value": 17.0}),
    (
        "count-words",
        "One hundred seventy-nine eligible patients were",
        "One hundred seventy-nine eligible patients",
        {"value": 179.0},
    ),
    ("count-space-thousands", "A total of 13 388 women at", "13 388 women", {"value": 13388.0}),
    (
        "count-percent-of",
        "5 (10%) of 51 remain",
        "10%",
        {"kind": "percent", "numerator": 5.0, "denominator": 51.0},
    ),
    (
        "count-fraction",
        "girls (339/649, 52.2%) were",
        "339",
        {"value": 339.0, "denominator": 649.0},
    ),
    (
        "count-arm-versus",
        "(6074 on tamoxifen versus 6072 on placebo)",
        "6072",
        {"group": "placebo"},
    ),
    (
        "mean-sd",
        "aged 12.3 ± 4.1 years",
        "12.3 ± 4.1 years",
        {"kind": "mean_sd", "value": 12.3, "sd": 4.1, "measure": "mean"},
    ),
    (
        "mean-sd-minus-plus",
        "(443.0-/+123.1 vs 31.8-/+11.9 ng/g)",
        "443.0-/+123.1",
        {"value": 443.0, "sd": 123.1},
    ),
    ("versus-signed", "change of +18.9 versus +2.8 ng/mL", "+18.9", {"value": 18.9}),
    (
        "count-after-preposition",
        "samples from 97 breast cancer patients",
        "97 breast cancer patients",
        {"value": 97.0},
    ),
    ("count-verb-after-label", "the study: 31 had acupuncture", "31 had", {"value": 31.0}),
    ("mean-sd-plus-minus-ascii", "70+/-12 years", "70+/-12 years", {"sd": 12.0}),
    (
        "median-iqr",
        "median 6 (IQR 4-9) days",
        "6 (IQR 4-9)",
        {"measure": "median", "spread_kind": "IQR", "spread_low": 4.0, "spread_high": 9.0},
    ),
    (
        "median-range",
        "Median response duration was 4.9 months (range, 1.9 to 15.9 months)",
        "4.9 months (range, 1.9 to 15.9 months)",
        {"spread_kind": "range", "spread_high": 15.9},
    ),
    (
        "apa-mean",
        "controls (M = 6.91, SD = 5.86).",
        "M = 6.91, SD = 5.86",
        {"value": 6.91, "sd": 5.86, "measure": "mean"},
    ),
    (
        "median-window",
        "median TTP, 6.8 months and 8.3 months, respectively;",
        "8.3 months",
        {"kind": "mean_sd", "value": 8.3, "unit": "months"},
    ),
    ("versus-pair", "problems (1.15 vs 1.10, P = .002)", "1.10", {"value": 1.10}),
    (
        "t-test",
        "t(28) = 2.20, p = .03",
        "t(28) = 2.20, p = .03",
        {"kind": "test_statistic", "test_type": "t", "df1": 28.0, "value": 2.2, "p_reported": 0.03},
    ),
    (
        "f-test",
        "F(2, 28) = 3.1, p = .06",
        "F(2, 28) = 3.1, p = .06",
        {"test_type": "F", "df1": 2.0, "df2": 28.0},
    ),
    ("chi2-greek", "χ2(1) = 4.2, p = .04", "χ2(1) = 4.2, p = .04", {"test_type": "chi2"}),
    (
        "chi2-with-n",
        "chi2(1, n = 81) = 4.2, p = .04",
        "chi2(1, n = 81) = 4.2, p = .04",
        {"test_type": "chi2", "df1": 1.0, "n_obs": 81.0},
    ),
    ("r-test", "r(30) = .50, p = .004", "r(30) = .50, p = .004", {"test_type": "r", "value": 0.5}),
    ("z-test", "z = 2.1, p = .04", "z = 2.1, p = .04", {"test_type": "z", "df1": None}),
    ("q-test", "Q(5) = 9.1, p = .10", "Q(5) = 9.1, p = .10", {"test_type": "Q"}),
    ("qw-test", "Qw(5) = 9.1, p = .10", "Qw(5) = 9.1, p = .10", {"test_type": "Qw"}),
    ("qb-test", "Qb(1) = 4.3, p = .04", "Qb(1) = 4.3, p = .04", {"test_type": "Qb"}),
    ("test-ns", "t(28) = 2.20, ns", "t(28) = 2.20, ns", {"p_comparator": "ns"}),
    ("t-df-without-brackets", "t28 = 2.2, p = .04", "t28 = 2.2, p = .04", {"df1": 28.0}),
    (
        "f-df-without-brackets",
        "F1,28 = 2.2, p = .15",
        "F1,28 = 2.2, p = .15",
        {"df1": 1.0, "df2": 28.0},
    ),
    (
        "q-within-spelled",
        "Q-within(2) = 2.20, p = .33",
        "Q-within(2) = 2.20, p = .33",
        {"test_type": "Qw"},
    ),
]


@pytest.mark.parametrize(
    ("text", "span", "columns"), [c[1:] for c in POSITIVE], ids=[c[0] for c in POSITIVE]
)
def test_finds_and_parses(finder: StatisticFinder, text: str, span: str, columns: dict) -> None:
    found = found_in(finder, text)
    assert span in found, f"{span!r} not among {list(found)}"
    for key, want in columns.items():
        assert found[span].get(key) == want, (key, found[span])


# (id, text, a span that must NOT be found as a statistic)
NEGATIVE = [
    ("page-number", "see p. 01", "p. 01"),
    ("dose", "ketamine (30 mg) three times", "30 mg"),
    ("dose-number", "ketamine (30 mg) three times", "30"),
    ("eligibility-age", "42 patients aged 22 to 77 years", "22"),
    ("eligibility-age-high", "42 patients aged 22 to 77 years", "77 years"),
    ("year", "In 2009, a pivotal study showed", "2009"),
    ("year-range", "between 1993 and 2002, patients", "1993"),
    ("reference-volume", "Pain Physician. 2017;20(3):207-215.", "20"),
    ("ci-level-not-percent", "risk ratios (95% confidence intervals) were", "95%"),
    ("concentration", "application of 4% hydroquinone in sorbolene cream", "4%"),
    ("z-with-df", "z(28) = 2.20, p = .03", "z(28) = 2.20, p = .03"),
    ("grade-not-count", "grade 3 (12%) neutropenia", "3"),
    ("range-end-not-count", "from 3 to 6 (12%) of", "6"),
    ("region-identifier", "the mean age in region 1 was higher", "1"),
    ("study-count", "identified seven randomized control trials (RCTs) and 32 case reports", "32"),
    ("abbreviation-study-count", "only two RCTs were included", "two RCTs"),
    ("heart-rate-not-hazard", "HR 72 bpm at rest", "HR 72"),
    ("hours-not-arm", "postprocedural (48 h) serum creatinine", "48"),
    ("country-not-counted", "recruited in four US cities", "four US"),
    ("person-years-not-count", "in more than 500 patient-years of follow-up", "500 patient"),
    ("r-squared-not-r-test", "r2 = .45, p = .01", "r2 = .45, p = .01"),
    ("r-out-of-range", "r(30) = 1.50, p = .04", "r(30) = 1.50, p = .04"),
]


@pytest.mark.parametrize(("text", "span"), [c[1:] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_does_not_find(finder: StatisticFinder, text: str, span: str) -> None:
    assert span not in found_in(finder, text)


CITATIONS = [
    ("journal-volume-pages", "Pain Physician. 2017;20(3):207-215."),
    ("doi", "Neuropsychopharmacology. 2012;37(2):315-316. doi: 10.1038/npp.2011.241"),
    ("author-year", "Rigo FK, Trevisan G, Godoy MC, et al. (2017) Eur J Anaesthesiol 30(10):638"),
    ("numbered-reference", "  1. Rigo FK, et al. Management of pain. Pain Physician. 2017;20(3)."),
]


@pytest.mark.parametrize("text", [c[1] for c in CITATIONS], ids=[c[0] for c in CITATIONS])
def test_citations_give_nothing(finder: StatisticFinder, text: str) -> None:
    assert found_in(finder, text) == {}


def test_cited_titles_are_read(finder: StatisticFinder) -> None:
    text = "References\n\n  5. De godoy MC, et al. Oral methadone: A report of 18 cases. 2013."
    assert list(found_in(finder, text)) == ["18 cases"]


def test_estimate_takes_its_p_value(finder: StatisticFinder) -> None:
    text = "hazard ratio, 1.18; 95% CI, 0.98 to 1.44; P =.088"
    found = found_in(finder, text)
    assert found["hazard ratio, 1.18; 95% CI, 0.98 to 1.44"]["p_reported"] == 0.088
    assert found["P =.088"]["kind"] == "p_value"


def test_one_row_per_arm(finder: StatisticFinder) -> None:
    text = (
        "somnolence occurred more often in the methadone cohort (92%) than in the ketamine "
        "(19%) or methadone/ketamine (46%) treatment groups (P =.001)."
    )
    groups = [f.data.get("group") for f in finder(text) if f.data["kind"] == "percent"]
    assert groups == ["methadone cohort", "ketamine", "methadone/ketamine"]


def test_kinds_filter() -> None:
    only_p = StatisticFinder(kinds=["p_value"])
    assert [f.data["kind"] for f in only_p("42 patients (P = .03)")] == ["p_value"]
    with pytest.raises(RuleError, match="unknown statistic kind"):
        StatisticFinder(kinds=["pvalue"])


def test_statistic_rows(finder: StatisticFinder) -> None:
    text = "Pain fell by 40% (P = .03). t(28) = 1.20, p = .03."
    mentions = [Mention(f"m{i}", i, f) for i, f in enumerate(finder(text))]
    rows = statistic_rows("d1", text, mentions)
    assert [r.stat_id for r in rows] == ["s1", "s2", "s3"]
    assert [r.kind for r in rows] == ["percent", "p_value", "test_statistic"]
    assert [r.sent_id for r in rows] == [0, 1, 2]
    assert rows[2].rule_id == "stat-test-apa" and rows[2].text == "t(28) = 1.20, p = .03"
    assert rows[2].decision_error is True and rows[2].p_computed == pytest.approx(0.24, abs=0.01)
    assert rows[0].measure == "reduction" or rows[0].value == 40.0


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("13 388", 13388.0),
        ("19,747", 19747.0),
        ("1·1", 1.1),
        ("−0.3", -0.3),
        (".05", 0.05),
        ("l", 1.0),
        ("Twenty-eight", 28.0),
        ("One hundred seventy-nine", 179.0),
        ("many", None),
    ],
    ids=[
        "space-thousands",
        "comma-thousands",
        "middle-dot",
        "unicode-minus",
        "leading-point",
        "ocr-l",
        "hyphenated-word",
        "hundreds-words",
        "not-a-number",
    ],
)
def test_parse_number(raw: str, value: float | None) -> None:
    words = load_stat_rules().number_words
    assert parse_number(raw, words) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (".03", 0.03),
        ("1.2 x 10-4", 1.2e-4),
        ("1.2 × 10⁻⁴", 1.2e-4),
        ("1e-5", 1e-5),
        (".5e-3", 5e-4),
        ("10^-4", 1e-4),
        ("nothing", None),
    ],
    ids=["plain", "x-ten", "superscript", "e", "leading-point-e", "caret", "not-a-p"],
)
def test_parse_p(raw: str, value: float | None) -> None:
    got = parse_p(raw)
    assert got == (pytest.approx(value) if value is not None else None)


def _rules_copy(tmp_path: Path, pattern_text: str) -> Path:
    from claimx.rules import rules_dir

    src = rules_dir()
    (tmp_path / "patterns").mkdir()
    (tmp_path / "cues").mkdir()
    (tmp_path / "cues" / "statistics.yml").write_text(
        (src / "cues" / "statistics.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "patterns" / "statistics.yml").write_text(pattern_text, encoding="utf-8")
    return tmp_path


HEAD = "patterns:\n"


def _pattern(**kw: str) -> str:
    item = {
        "id": "a",
        "kind": "p_value",
        "handler": "p_value",
        "priority": "1",
        "anchor": "label",
        "regex": "'P'",
    }
    item.update(kw)
    item = {k: v for k, v in item.items() if v != "-"}
    return "  - {" + ", ".join(f"{k}: {v}" for k, v in item.items()) + "}\n"


@pytest.mark.parametrize(
    ("pattern_text", "message"),
    [
        (HEAD + _pattern(kind="pvalue"), "unknown kind"),
        (HEAD + _pattern(handler="nope"), "unknown handler"),
        (HEAD + _pattern(regex="'{nofrag}'"), "unknown fragment"),
        (HEAD + _pattern(regex="'('"), "bad regex"),
        (HEAD + _pattern(anchor="-"), "missing"),
        (HEAD + _pattern(anchor="words"), "anchor must be"),
        (HEAD + _pattern() + _pattern(regex="'p'"), "duplicate id"),
    ],
    ids=[
        "unknown-kind",
        "unknown-handler",
        "unknown-fragment",
        "bad-regex",
        "missing-key",
        "unknown-anchor",
        "duplicate-id",
    ],
)
def test_bad_rules_are_reported(tmp_path: Path, pattern_text: str, message: str) -> None:
    folder = _rules_copy(tmp_path, pattern_text)
    with pytest.raises(RuleError, match=message):
        load_stat_rules(folder)


def test_shipped_rules_load() -> None:
    rules = load_stat_rules()
    ids = [p.id for p in rules.patterns]
    assert len(ids) == len(set(ids)) and "stat-test-apa" in ids


def test_spacy_component(finder: StatisticFinder) -> None:
    import spacy

    import claimx.recognize.stats  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("claimx_statistics")
    doc = nlp("Pain fell by 40% (P = .03).")
    assert [doc.text[f.start : f.end] for f in doc._.claimx_found] == ["40%", "P = .03"]
    assert [s.label_ for s in doc.spans["claimx"]] == ["STATISTIC", "STATISTIC"]


_ALPHABET = "0123456789 .,;:()[]%±-−=<>/PpNnCIORHtFrzQχvsofanedw×⁻e\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_any_text_gives_valid_mentions(text: str) -> None:
    found = StatisticFinder()(text)
    for f in found:
        assert 0 <= f.start < f.end <= len(text)
        assert f.label == "STATISTIC" and f.data["kind"] in KINDS
    spans = sorted((f.start, f.end) for f in found)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlaps
    rows = statistic_rows("d", text, [Mention(f"m{i}", 0, f) for i, f in enumerate(found)])
    assert len(rows) == len(found)


def test_row_columns_are_built_in_order() -> None:
    # statistic_rows builds rows positionally: the columns it fills from a mention's data
    # must sit where it puts them and take None when the data say nothing.
    names = [f.name for f in fields(StatisticRow)]
    assert names == [
        *("doc_id", "stat_id", "sent_id", "kind", "text", "start", "end"),
        *_ROW_MIDDLE,
        *("flags", "rule_id"),
    ]
    for f in fields(StatisticRow):
        if f.name in _ROW_MIDDLE:
            assert (f.default if f.default is not MISSING else _ROW_DEFAULTS[f.name]) is None


# (id, a mention's data, whether a check applies to it)
HAS_CHECKS = [
    ("test", {"kind": "test_statistic", "value": 2.2}, True),
    ("estimate-with-ci", {"kind": "ratio", "value": 1.2, "ci_low": 0.9, "ci_high": 1.4}, True),
    ("ci-low-zero", {"kind": "mean_difference", "ci_low": 0.0, "ci_high": 1.0}, True),
    ("percent-with-group", {"kind": "percent", "value": 62.3, "denominator": 114.0}, True),
    ("percent-alone", {"kind": "percent", "value": 62.3}, False),
    ("percent-group-zero", {"kind": "percent", "value": 62.3, "denominator": 0.0}, False),
    ("count-with-denominator", {"kind": "count", "value": 5.0, "denominator": 51.0}, False),
    ("count", {"kind": "count", "value": 42.0, "flags": ("x: y",)}, False),
]


@pytest.mark.parametrize(
    ("data", "expected"), [c[1:] for c in HAS_CHECKS], ids=[c[0] for c in HAS_CHECKS]
)
def test_has_checks(data: dict, expected: bool) -> None:
    assert has_checks(data) is expected
    if not expected:
        # statistic_rows skips check_statistic here: it would only copy the flags.
        assert check_statistic(data) == {"flags": tuple(data.get("flags", ()))}
