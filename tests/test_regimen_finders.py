"""DOSE, ROUTE, FREQUENCY and DURATION finders: one row per case, what must match and what not."""

from __future__ import annotations

from typing import Any

import pytest

from claimx.recognize.base import Found
from claimx.recognize.regimen import find_regimen_mentions


def mentions(text: str, label: str) -> list[Found]:
    return [f for f in find_regimen_mentions(text) if f.label == label]


def only(text: str, label: str) -> tuple[str, Found]:
    found = mentions(text, label)
    assert len(found) == 1, [text[f.start : f.end] for f in found]
    return text[found[0].start : found[0].end], found[0]


# id, text, the mention's text, expected data (a subset)
DOSES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("integer", "received 30 mg daily", "30 mg", {"low": 30, "high": 30, "ucum": "mg"}),
    ("decimal", "digoxin, 0.25 mg daily", "0.25 mg", {"low": 0.25, "ucum": "mg"}),
    ("leading-dot", "a dose of .5 mg was", ".5 mg", {"low": 0.5}),
    ("no-space", "given 30mg at night", "30mg", {"low": 30, "ucum": "mg"}),
    ("hyphen-adjective", "a 30-mg dose", "30-mg", {"low": 30}),
    ("spelled", "took two tablets", "two tablets", {"low": 2, "ucum": "{tbl}"}),
    ("range-to", "12.5 to 25 mg of ketamine", "12.5 to 25 mg", {"low": 12.5, "high": 25}),
    ("range-hyphen", "12.5-25 mg", "12.5-25 mg", {"low": 12.5, "high": 25}),
    ("range-en-dash", "12.5\u201325 mg", "12.5\u201325 mg", {"low": 12.5, "high": 25}),
    ("range-repeated-unit", "0.5 mg to 1 mg", "0.5 mg to 1 mg", {"low": 0.5, "high": 1}),
    ("range-mixed-units", "500 mg to 1 g", "500 mg to 1 g", {"low": 0.5, "high": 1, "ucum": "g"}),
    ("between", "between 30 and 1000 mg", "between 30 and 1000 mg", {"low": 30, "high": 1000}),
    (
        "between-per-kg-day",
        "between 4.6 and 40.8 mg/kg/d of",
        "between 4.6 and 40.8 mg/kg/d",
        {"low": 4.6, "high": 40.8, "ucum": "mg/kg/d", "dimension": "mass/body_mass/time"},
    ),
    (
        "from-to-per-day",
        "from 30 to 1000 mg/day",
        "from 30 to 1000 mg/day",
        {"low": 30, "high": 1000, "ucum": "mg/d", "canonical_unit": "mg/d"},
    ),
    (
        "list",
        "25, 75, or 150 mg",
        "25, 75, or 150 mg",
        {"values": (25.0, 75.0, 150.0), "low": 25, "high": 150},
    ),
    ("list-and", "1, 2 and 4 mg/kg", "1, 2 and 4 mg/kg", {"values": (1.0, 2.0, 4.0)}),
    ("up-to", "up to 20 mg", "up to 20 mg", {"low": None, "high": 20, "comparator": "<="}),
    ("at-least", "at least 2 g", "at least 2 g", {"low": 2, "high": None, "comparator": ">="}),
    ("mean-sd", "5.2 \u00b1 1.3 mg", "5.2 \u00b1 1.3 mg", {"low": 5.2, "high": 5.2, "spread": 1.3}),
    ("micrograms", "200 \u00b5g inhaled", "200 \u00b5g", {"ucum": "ug", "low_canonical": 0.2}),
    (
        "mcg-per-kg-min",
        "0.5 mcg/kg/min",
        "0.5 mcg/kg/min",
        {"ucum": "ug/kg/min", "canonical_unit": "mg/kg/d", "low_canonical": 0.72},
    ),
    (
        "per-m2-paren",
        "HD MTX (5 g/m(2) over 24 hours",
        "5 g/m(2)",
        {"ucum": "g/m2", "low_canonical": 5000},
    ),
    ("per-m2-per-day", "100 mg/m2/d for 5 days", "100 mg/m2/d", {"ucum": "mg/m2/d"}),
    (
        "exponent-notation",
        "1 mg\u00b7kg\u22121\u00b7h\u22121",
        "1 mg\u00b7kg\u22121\u00b7h\u22121",
        {"ucum": "mg/kg/h"},
    ),
    ("concentration", "1000 to 50000 microg/l", "1000 to 50000 microg/l", {"ucum": "ug/L"}),
    ("IU", "5000 IU of heparin", "5000 IU", {"ucum": "[iU]"}),
    ("units", "10 units of insulin", "10 units", {"ucum": "[U]"}),
    ("mEq", "20 mEq of potassium", "20 mEq", {"ucum": "meq"}),
    ("percent-drug", "4% hydroquinone", "4%", {"ucum": "%", "low": 4}),
    ("percent-cream", "0.1% tretinoin cream", "0.1%", {"ucum": "%"}),
    ("percent-lidocaine", "2% lidocaine", "2%", {"ucum": "%"}),
    ("total-in-days", "2300 mg in 3 days", "2300 mg in 3 days", {"low": 2300, "period_days": 3}),
    ("high-dose", "high-dose methotrexate", "high-dose", {"low": None, "qualifier": "high dose"}),
    ("low-dosage", "chronic low-dosage amiodarone", "low-dosage", {"low": None, "unit": None}),
    ("very-low", "very low dosage of gold", "very low dosage", {"qualifier": "very low dosage"}),
    ("overdose", "propranolol overdose", "overdose", {"qualifier": "overdose", "low": None}),
    ("subanesthetic", "in subanesthetic doses", "subanesthetic doses", {"low": None}),
    ("anesthetic", "Used in anesthetic doses in the", "anesthetic doses", {"low": None}),
    (
        "exponent-parentheses",
        "doses exceeding 80 mg.kg(-1), should",
        "exceeding 80 mg.kg(-1)",
        {"ucum": "mg/kg", "low": 80, "comparator": ">"},
    ),
    ("half-tablet", "1/2 tablet daily", "1/2 tablet", {"low": 0.5, "ucum": "{tbl}"}),
    (
        "components",
        "lopinavir/ritonavir (400/100 mg)",
        "400/100 mg",
        {"values": (400.0, 100.0), "low": None, "high": None, "ucum": "mg"},
    ),
    ("animal-dose-not-weight", "rats received 250 mg/kg", "250 mg/kg", {"low": 250}),
]


@pytest.mark.parametrize(
    ("text", "span", "data"), [c[1:] for c in DOSES], ids=[c[0] for c in DOSES]
)
def test_dose(text: str, span: str, data: dict[str, Any]) -> None:
    got, found = only(text, "DOSE")
    assert got == span
    for key, value in data.items():
        assert found.data.get(key) == (pytest.approx(value) if isinstance(value, float) else value)


NOT_DOSES = [
    ("year", "In 2009, a pivotal study showed"),
    ("ages", "42 patients aged 22 to 77 years"),
    ("patients", "with 14 patients in each group"),
    ("p-value", "(P =.01 for both)"),
    ("reference", "Pain Physician. 2017;20(3):207-215."),
    ("doi", "doi: 10.1038/npp.2011.241"),
    ("percent-statistic", "in the methadone cohort (92%) than"),
    ("percent-reduction", "at 7 (40% reduction), 15"),
    ("percent-of", "10% of patients"),
    ("confidence", "95% CI 1.2 to 3.4"),
    ("lab-mg-dL", "serum creatinine 2.3 mg/dL"),
    ("lab-mmol-L", "potassium 5.9 mmol/L"),
    ("lab-U-L", "ALT 300 U/L"),
    ("time", "after 30 minutes"),
    ("lower-case-u", "10 u of"),
    ("body-weight", "weighed 70 kg"),
    ("ratio-unit", "5 mg/mmol creatinine"),
    ("word-dose", "the dose of ketamine"),
    ("animal-weight-range", "female mice (25-35 g) were divided"),
    ("animal-weight", "rats weighing 200 g"),
    ("blood-loss", "blood loss > or = 1000 ml occurred"),
    ("blood-pressure", "BP 120/80 mmHg on admission"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_DOSES], ids=[c[0] for c in NOT_DOSES])
def test_not_dose(text: str) -> None:
    assert mentions(text, "DOSE") == []


ROUTES = [
    ("orally", "all administered orally 3 times", "orally", "oral"),
    ("p.o.", "ketamine 30 mg p.o. daily", "p.o.", "oral"),
    ("PO", "30 mg PO daily", "PO", "oral"),
    ("Oral-start", "Oral ketamine, sometimes called", "Oral", "oral"),
    ("oral-hyphen", "oral-verapamil-induced hypotension", "oral", "oral"),
    ("oral-route", "by the oral route is rare", "oral route", "oral"),
    ("sublingually", "liquid ketamine, also sublingually.", "sublingually", "sublingual"),
    ("i.v.", "morphine 5 mg i.v. every", "i.v.", "intravenous"),
    ("IV", "received IV morphine", "IV", "intravenous"),
    ("IV-after-HD", "HD IV MTX", "IV", "intravenous"),
    ("infusion", "ketamine is administered via infusion.", "infusion", "intravenous"),
    ("infused", "infused ketamine reduces", "infused", "intravenous"),
    ("intravenously", "given intravenously", "intravenously", "intravenous"),
    ("bolus-injection", "1 g/m(2) in bolus injection 12 h", "bolus injection", "intravenous"),
    ("subcutaneously", "or subcutaneously for the relief", "subcutaneously", "subcutaneous"),
    ("intramuscular", "intramuscular pentazocine", "intramuscular", "intramuscular"),
    ("im-lower", "beginning im gold therapy", "im gold therapy"[:2], "intramuscular"),
    ("nasal-spray", "approved as a nasal spray for", "nasal spray", "intranasal"),
    ("epidural-catheter", "through an epidural catheter, one", "epidural catheter", "epidural"),
    (
        "intrathecal-injections",
        "intrathecal injections of MTX",
        "intrathecal injections",
        "intrathecal",
    ),
    ("transdermal-patch", "a transdermal patch of fentanyl", "transdermal patch", "transdermal"),
    ("topical", "topical brimonidine can", "topical", "topical"),
    ("cream", "hydroquinone cream.", "cream", "topical"),
    ("inhaled", "replacing OCS with inhaled corticosteroids", "inhaled", "inhalation"),
    ("rectal", "given rectally", "rectally", "rectal"),
    ("injection", "after injection of the antagonist", "injection", "parenteral"),
    ("parenteral", "Parenteral verapamil", "Parenteral", "parenteral"),
    (
        "intraventricular",
        "intraventricular administration of nafcillin",
        "intraventricular administration",
        "intraventricular",
    ),
    (
        "systemic-treatment",
        "after systemic treatment with interferon",
        "systemic treatment",
        "systemic",
    ),
]
ROUTES += [
    ("ip-lower", "(3 mg/kg ip) induced", "ip", "intraperitoneal"),
    ("sc-lower", "1.5 mg/kg sc induced", "sc", "subcutaneous"),
    ("icv", "CCK-8 (1ug, i.c.v.) restored", "i.c.v.", "intraventricular"),
]


@pytest.mark.parametrize(
    ("text", "span", "norm"), [c[1:] for c in ROUTES], ids=[c[0] for c in ROUTES]
)
def test_route(text: str, span: str, norm: str) -> None:
    got, found = only(text, "ROUTE")
    assert got == span
    assert found.norm == norm


NOT_ROUTES = [
    ("stage-IV", "stage IV lymphoma"),
    ("stage-III-and-IV", "stage III and IV lymphoblastic lymphoma"),
    ("grade-IV", "grade IV toxicity"),
    ("type-IV", "type IV hypersensitivity"),
    ("lower-iv", "the iv of the"),
    ("oral-mucositis", "developed oral mucositis"),
    ("oral-cavity", "lesions of the oral cavity"),
    ("rectal-cancer", "patients with rectal cancer"),
    ("epidural-hematoma", "an epidural hematoma"),
    ("injection-site", "injection site reactions"),
    ("tid-inside", "3 mg t.i.d."),
    ("nasal-congestion", "nasal congestion"),
    ("systemic-lupus", "systemic lupus erythematosus"),
    ("intravenous-drug-user", "an intravenous drug user"),
    ("abbreviation-defined-otherwise", "trials of scalp cooling (SC) to prevent alopecia; SC arm"),
    ("oral-and-organ", "oral and gastrointestinal ulceration"),
    ("epidural-leakage", "in the presence of epidural leakage"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_ROUTES], ids=[c[0] for c in NOT_ROUTES])
def test_not_route(text: str) -> None:
    assert [text[f.start : f.end] for f in mentions(text, "ROUTE")] == []


FREQUENCIES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("times-per-day", "orally 3 times per day: methadone", "3 times per day", {"per_day": 3}),
    ("spelled-times-daily", "three times daily", "three times daily", {"per_day": 3}),
    ("twice-a-day", "twice a day", "twice a day", {"per_day": 2}),
    ("once-weekly", "given once weekly", "once weekly", {"per_day": pytest.approx(1 / 7)}),
    (
        "range-times",
        "2-3 times a day",
        "2-3 times a day",
        {"per_day": None, "per_day_low": 2, "per_day_high": 3},
    ),
    ("tid", "30 mg tid", "tid", {"per_day": 3}),
    ("t.i.d.", "30 mg t.i.d.", "t.i.d.", {"per_day": 3}),
    ("b.i.d.", "10 mg b.i.d. for", "b.i.d.", {"per_day": 2}),
    ("BID", "10 mg BID", "BID", {"per_day": 2}),
    ("qid", "qid", "qid", {"per_day": 4}),
    ("q6h", "morphine q6h", "q6h", {"per_day": 4}),
    ("q-8-h", "q 8 h", "q 8 h", {"per_day": 3}),
    ("q4-6h", "every q4-6h", "q4-6h", {"per_day": None, "per_day_low": 4, "per_day_high": 6}),
    ("every-8-hours", "every 8 hours", "every 8 hours", {"per_day": 3}),
    (
        "every-4-to-6-hours",
        "every 4 to 6 hours",
        "every 4 to 6 hours",
        {"per_day_low": 4, "per_day_high": 6},
    ),
    ("every-other-day", "every other day", "every other day", {"per_day": 0.5}),
    ("every-2-weeks", "every 2 weeks", "every 2 weeks", {"per_day": pytest.approx(1 / 14)}),
    ("daily", "5.5 mg daily", "daily", {"per_day": 1}),
    ("nightly", "taken nightly", "nightly", {"per_day": 1}),
    ("weekly", "an average weekly warfarin dose", "weekly", {"per_day": pytest.approx(1 / 7)}),
    ("prn", "morphine prn", "prn", {"per_day": None, "prn": True}),
    ("as-needed", "used as needed for pain", "as needed", {"prn": True}),
    (
        "continuous-iv",
        "receiving continuous intravenous morphine",
        "continuous intravenous",
        {"per_day": None, "prn": False},
    ),
    (
        "intermittently",
        "to the face intermittently for 9 months",
        "intermittently",
        {"per_day": None},
    ),
    ("cycle", "following the second cycle of high-dose", "second cycle", {"cycle": 2}),
    ("courses", "receive four courses of HD MTX", "four courses", {"cycles": 4}),
    ("a-day-after-dose", "30 mg a day", "a day", {"per_day": 1}),
    ("at-text-start", "Daily dosages of 5-10 mg corrected it", "Daily", {"per_day": 1}),
]


@pytest.mark.parametrize(
    ("text", "span", "data"), [c[1:] for c in FREQUENCIES], ids=[c[0] for c in FREQUENCIES]
)
def test_frequency(text: str, span: str, data: dict[str, Any]) -> None:
    got, found = only(text, "FREQUENCY")
    assert got == span
    for key, value in data.items():
        assert found.data.get(key) == value


NOT_FREQUENCIES = [
    ("bid-word", "in a bid to reduce costs"),
    ("daily-living", "activities of daily living"),
    ("daily-life", "in daily life"),
    ("for-a-week", "for a week"),
    ("per-day-in-dose", "30 to 1000 mg/day"),
    ("every-second-patient", "every second patient"),
    ("BD-bipolar", "patients with BD"),
    ("times-the-limit", "ALT 3 times the upper limit of normal"),
    ("times-higher", "had 2.5 times higher mortality"),
    ("pulse-rate", "pulse rate 100 x/minute"),
    ("a-week-after", "A week after this second dose"),
    ("each-14-day-period", "At the end of each 14-day period"),
]


@pytest.mark.parametrize(
    "text", [c[1] for c in NOT_FREQUENCIES], ids=[c[0] for c in NOT_FREQUENCIES]
)
def test_not_frequency(text: str) -> None:
    assert [text[f.start : f.end] for f in mentions(text, "FREQUENCY")] == []


DURATIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("for-days", "ketamine 30 mg daily for 7 days", "7 days", {"days": 7}),
    ("for-weeks-spelled", "treated for two weeks", "two weeks", {"days": 14}),
    ("for-a-week", "was given for a week", "a week", {"days": 7}),
    (
        "for-consecutive",
        "received doses of 100 mg/m2/d for 5 consecutive days",
        "5 consecutive days",
        {"days": 5},
    ),
    (
        "for-range",
        "prednisone was given for 2 to 4 weeks",
        "2 to 4 weeks",
        {"days": None, "days_low": 14, "days_high": 28},
    ),
    ("for-up-to", "treated for up to 6 months", "up to 6 months", {"comparator": "<="}),
    (
        "for-months-after-frequency",
        "cream to the face intermittently for 9 months",
        "9 months",
        {"days": pytest.approx(9 * 365.25 / 12)},
    ),
    ("over-infusion", "infused over 30 minutes", "30 minutes", {"days": pytest.approx(1 / 48)}),
    ("over-weeks", "the dose was tapered over 4 weeks", "4 weeks", {"days": 28}),
    (
        "hour-infusion",
        "a 100-hour infusion of ketamine",
        "100-hour infusion",
        {"days": pytest.approx(100 / 24)},
    ),
    (
        "week-course",
        "After a six-week course of low-dose cyclosporine",
        "six-week course",
        {"days": 42},
    ),
    (
        "history-of-use",
        "a 4-year history of intramuscular pentazocine injections",
        "4-year",
        {"days": pytest.approx(4 * 365.25)},
    ),
    (
        "infusion-times",
        "Short infusion times of 30 minutes have",
        "30 minutes",
        {"days": pytest.approx(1 / 48)},
    ),
    (
        "infusion-times-eg",
        "longer infusion times (e.g. 100 hours) have",
        "100 hours",
        {"days": pytest.approx(100 / 24)},
    ),
    ("days-of-treatment", "after 3 days of treatment with", "3 days", {"days": 3}),
    (
        "ordinal-week",
        "during his nineteenth week of treatment with clozapine",
        "nineteenth week",
        {"days": None, "ordinal": 19},
    ),
    (
        "within-weeks-of-starting",
        "within 20 weeks of beginning im gold therapy",
        "20 weeks",
        {"days": 140},
    ),
    (
        "mixed-fraction",
        "following 4 1/2 years of treatment with razoxane",
        "4 1/2 years",
        {"days": pytest.approx(4.5 * 365.25)},
    ),
]


@pytest.mark.parametrize(
    ("text", "span", "data"), [c[1:] for c in DURATIONS], ids=[c[0] for c in DURATIONS]
)
def test_duration(text: str, span: str, data: dict[str, Any]) -> None:
    got, found = only(text, "DURATION")
    assert got == span
    for key, value in data.items():
        assert found.data.get(key) == value


NOT_DURATIONS = [
    ("condition-duration", "patients who had refractory neuropathic pain for >6 months"),
    ("age", "aged 22 to 77 years"),
    ("age-over", "patients over 65 years of age received"),
    ("follow-up", "patients were treated and followed up for 12 months"),
    ("time-point", "benefits of up to 3 months after treatment"),
    ("ago", "was given the drug 3 years ago"),
    ("later", "INR measured 10-14 days later"),
    ("history-of-disease", "a 10-year history of hypertension"),
    ("for-a-second-time", "treated for a second time"),
    ("for-any-use", "hazard ratios for any use of the drug"),
    ("week-of-pregnancy", "after the 12th week of pregnancy treatment was changed"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_DURATIONS], ids=[c[0] for c in NOT_DURATIONS])
def test_not_duration(text: str) -> None:
    assert [text[f.start : f.end] for f in mentions(text, "DURATION")] == []


def test_mentions_carry_rule_ids_and_offsets() -> None:
    text = "Oral ketamine 30 mg three times daily for 7 days."
    found = find_regimen_mentions(text)
    assert [(f.label, text[f.start : f.end]) for f in found] == [
        ("ROUTE", "Oral"),
        ("DOSE", "30 mg"),
        ("FREQUENCY", "three times daily"),
        ("DURATION", "7 days"),
    ]
    assert [f.rule_id for f in found] == ["route-cue", "dose-single", "freq-times", "dur-for"]
