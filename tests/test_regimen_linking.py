"""link_regimens: drugs joined with their dose, route, frequency and duration (hand-made drugs)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from claimx.recognize.base import Found, Mention
from claimx.recognize.regimen import find_regimen_mentions
from claimx.records import RegimenRow
from claimx.regimens import link_regimens


def build(text: str, drugs: tuple[str, ...]) -> tuple[list[tuple[int, int]], list[Mention]]:
    """Sentences (split after ". ") and mentions: the named drugs by hand, the rest found."""
    found = [
        Found(m.start(), m.end(), "DRUG", "test-drug", norm=m.group(0).lower(), concept_id=None)
        for name in drugs
        for m in re.finditer(rf"\b{re.escape(name)}\b", text, re.IGNORECASE)
    ]
    found += find_regimen_mentions(text)
    found.sort(key=lambda f: (f.start, f.end))
    sentences = []
    pos = 0
    for m in re.finditer(r"(?<=\.)\s+(?=[A-Z])", text):
        sentences.append((pos, m.start()))
        pos = m.end()
    sentences.append((pos, len(text)))
    mentions = []
    for n, f in enumerate(found, 1):
        sent = max(i for i, (s, _) in enumerate(sentences) if s <= f.start)
        mentions.append(Mention(f"m{n}", sent, f))
    return sentences, mentions


def regimens(text: str, *drugs: str) -> list[RegimenRow]:
    sentences, mentions = build(text, drugs)
    return link_regimens("d1", text, sentences, mentions)


def pick(row: RegimenRow, keys: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(row, k) for k in keys}


SEED_LIST = (
    "The patients were randomly assigned to 3 treatment groups with 14 patients in each, all "
    "administered orally 3 times per day: methadone (3 mg), ketamine (30 mg), or a methadone "
    "(3 mg)/ketamine (30 mg) combination."
)
SEED_PAIRED = (
    "About 15 minutes after receiving the oxytocin, patients then received 0.25 to 0.50 mL "
    "(12.5 to 25 mg) of liquid ketamine, also sublingually."
)

# id, text, drugs, expected rows (a subset of fields each, in order)
CASES: list[tuple[str, str, tuple[str, ...], list[dict[str, Any]]]] = [
    (
        "seed-shared-route-and-frequency",
        SEED_LIST,
        ("methadone", "ketamine"),
        [
            {
                "regimen_id": "r1",
                "drug": "methadone",
                "dose_text": "3 mg",
                "dose_low": 3.0,
                "route": "oral",
                "frequency_per_day": 3.0,
                "daily_dose_low": 9.0,
                "daily_dose_unit": "mg/d",
                "daily_dose_derived": True,
            },
            {
                "regimen_id": "r2",
                "drug": "ketamine",
                "dose_text": "30 mg",
                "route": "oral",
                "frequency_text": "3 times per day",
                "daily_dose_low": 90.0,
                "daily_dose_high": 90.0,
                "daily_dose_derived": True,
            },
            {
                "regimen_id": "r3",
                "combination": "k1",
                "drug": "methadone",
                "dose_low": 3.0,
                "route": "oral",
                "daily_dose_low": 9.0,
            },
            {
                "regimen_id": "r4",
                "combination": "k1",
                "drug": "ketamine",
                "dose_low": 30.0,
                "route": "oral",
                "daily_dose_low": 90.0,
            },
        ],
    ),
    (
        "seed-paired-dose-sublingual",
        SEED_PAIRED,
        ("oxytocin", "ketamine"),
        [
            {
                "drug": "ketamine",
                "dose_text": "0.25 to 0.50 mL (12.5 to 25 mg)",
                "dose_low": 12.5,
                "dose_high": 25.0,
                "dose_unit": "mg",
                "route": "sublingual",
                "daily_dose_low": None,
                "daily_dose_derived": False,
            },
        ],
    ),
    (
        "seed-dose-per-day",
        "Oral dosing for ketamine has varied widely from 30 to 1000 mg/day, suggesting a wide "
        "therapeutic window.",
        ("ketamine",),
        [
            {
                "drug": "ketamine",
                "route": "oral",
                "dose_low": 30.0,
                "dose_high": 1000.0,
                "dose_unit": "mg/d",
                "daily_dose_low": 30.0,
                "daily_dose_high": 1000.0,
                "daily_dose_unit": "mg/d",
                "daily_dose_derived": False,
            },
        ],
    ),
    (
        "dose-of-drug",
        "Patients received 30 mg of ketamine before surgery.",
        ("ketamine",),
        [{"drug": "ketamine", "dose_text": "30 mg", "route": None, "daily_dose_low": None}],
    ),
    (
        "apposition-comma-daily",
        "He was started on digoxin, 0.25 mg daily, because of atrial fibrillation.",
        ("digoxin",),
        [
            {
                "drug": "digoxin",
                "dose_low": 0.25,
                "frequency_text": "daily",
                "daily_dose_low": 0.25,
                "daily_dose_derived": True,
            }
        ],
    ),
    (
        "alternative-routes",
        "Ketamine can be administered orally, intravenously, or subcutaneously for pain.",
        ("ketamine",),
        [
            {"regimen_id": "r1", "route": "oral"},
            {"regimen_id": "r2", "route": "intravenous"},
            {"regimen_id": "r3", "route": "subcutaneous"},
        ],
    ),
    (
        "each-drug-its-own",
        "Ketamine 30 mg orally and methadone 3 mg intravenously were compared.",
        ("ketamine", "methadone"),
        [
            {"drug": "ketamine", "dose_low": 30.0, "route": "oral"},
            {"drug": "methadone", "dose_low": 3.0, "route": "intravenous"},
        ],
    ),
    (
        "drug-in-previous-sentence",
        "Patients received ketamine. The dose was 30 mg.",
        ("ketamine",),
        [{"drug": "ketamine", "dose_text": "30 mg", "sent_id": 0}],
    ),
    (
        "dose-without-drug",
        "Patients received 30 mg at bedtime.",
        ("ketamine",),
        [],
    ),
    (
        "previous-sentence-two-drugs",
        "Ketamine and morphine were compared. Each dose was 30 mg.",
        ("ketamine", "morphine"),
        [],
    ),
    (
        "not-glued-to-earlier-drug",
        "Methadone was stopped and 30 mg of ketamine was started.",
        ("methadone", "ketamine"),
        [{"drug": "ketamine", "dose_low": 30.0}],
    ),
    (
        "combination-of-shares-route-and-id",
        "A combination of oral methadone and ketamine was effective.",
        ("methadone", "ketamine"),
        [
            {"regimen_id": "r1", "combination": "k1", "drug": "methadone", "route": "oral"},
            {"regimen_id": "r2", "combination": "k1", "drug": "ketamine", "route": "oral"},
        ],
    ),
    (
        "dose-inside-a-drug-name",
        "They combined oxytocin with low-dose naltrexone.",
        ("oxytocin", "low-dose naltrexone"),
        [{"drug": "low-dose naltrexone", "dose_text": "low-dose"}],
    ),
    (
        "coordinated-dose-not-glued",
        "Patients took oxytocin and 30 mg at night.",
        ("oxytocin",),
        [],
    ),
    (
        "dosage-form-in-drug-lexicon",
        "Ketamine is FDA approved as a nasal spray for depression.",
        ("ketamine", "nasal spray"),
        [{"drug": "ketamine", "route": "intranasal"}],
    ),
    (
        "anaphoric-dose-needs-the-sentence-right-before",
        "Patients received ketamine. Outcomes were recorded. The dose was 30 mg.",
        ("ketamine",),
        [],
    ),
    (
        "anaphoric-dose-goes-to-the-latest-drug-sentence",
        "Patients received ketamine. Patients received morphine. The dose was 30 mg.",
        ("ketamine", "morphine"),
        [{"drug": "morphine", "dose_text": "30 mg", "sent_id": 1}],
    ),
    (
        "drugs-without-regimen-mentions",
        "Ketamine and morphine were compared.",
        ("ketamine", "morphine"),
        [],
    ),
    (
        "regimen-mentions-without-drugs",
        "Patients took 30 mg orally twice daily for 7 days.",
        (),
        [],
    ),
    (
        "two-combinations-two-ids",
        "A combination of oral methadone and ketamine was effective. Oral morphine plus "
        "naloxone was not.",
        ("methadone", "ketamine", "morphine", "naloxone"),
        [
            {"regimen_id": "r1", "combination": "k1", "drug": "methadone", "sent_id": 0},
            {"regimen_id": "r2", "combination": "k1", "drug": "ketamine", "sent_id": 0},
            {"regimen_id": "r3", "combination": "k2", "drug": "morphine", "sent_id": 1},
            {"regimen_id": "r4", "combination": "k2", "drug": "naloxone", "sent_id": 1},
        ],
    ),
    (
        "previous-sentence-only-for-an-anaphoric-dose",
        "Patients received ketamine. Blood loss was lowest in the 70-125 mg dose range.",
        ("ketamine",),
        [],
    ),
    (
        "it-was-given",
        "Patients received ketamine. It was given at 0.5 mg/kg.",
        ("ketamine",),
        [{"drug": "ketamine", "dose_low": 0.5, "dose_unit": "mg/kg"}],
    ),
    (
        "dose-before-drug-beats-comma",
        "Groups received amphetamine, 50 mg/kg DHEA or saline.",
        ("amphetamine", "DHEA"),
        [{"drug": "dhea", "dose_low": 50.0}],
    ),
    (
        "trailing-route-shared-by-coordinated-drugs",
        "Ketamine (0.5 mg/kg) and midazolam (0.05 mg/kg) were given intravenously.",
        ("ketamine", "midazolam"),
        [
            {"drug": "ketamine", "dose_low": 0.5, "route": "intravenous"},
            {"drug": "midazolam", "dose_low": 0.05, "route": "intravenous"},
        ],
    ),
    (
        "strength-qualifies-amount",
        "Patients received 0.5% bupivacaine 20 mL for the block.",
        ("bupivacaine",),
        [{"drug": "bupivacaine", "dose_text": "20 mL", "dose_unit": "mL"}],
    ),
    (
        "taper-range-low-is-smaller",
        "Prednisone was tapered from 60 mg/day to 5 mg/day over 6 weeks.",
        ("prednisone",),
        [
            {
                "drug": "prednisone",
                "dose_low": 5.0,
                "dose_high": 60.0,
                "duration_days": 42.0,
                "daily_dose_low": 5.0,
                "daily_dose_high": 60.0,
                "daily_dose_derived": False,
            }
        ],
    ),
    (
        "per-component-amounts",
        "Amoxicillin/clavulanate 875/125 mg twice daily for 7 days was prescribed.",
        ("amoxicillin", "clavulanate"),
        [
            {
                "regimen_id": "r1",
                "combination": "k1",
                "drug": "amoxicillin",
                "dose_low": 875.0,
                "dose_high": 875.0,
                "daily_dose_low": 1750.0,
                "duration_days": 7.0,
            },
            {
                "regimen_id": "r2",
                "combination": "k1",
                "drug": "clavulanate",
                "dose_low": 125.0,
                "daily_dose_low": 250.0,
                "dose_text": "875/125 mg",
            },
        ],
    ),
    (
        "components-without-a-combination-stay-unsplit",
        "Lopinavir 400/100 mg was given.",
        ("lopinavir",),
        [{"drug": "lopinavir", "dose_text": "400/100 mg", "dose_low": None, "dose_high": None}],
    ),
    (
        "nothing-linked",
        "Ketamine is an NMDA receptor antagonist.",
        ("ketamine",),
        [],
    ),
    (
        "qualitative-dose",
        "Another treatment studied for chronic pain is low-dose naltrexone.",
        ("naltrexone",),
        [
            {
                "drug": "naltrexone",
                "dose_text": "low-dose",
                "dose_low": None,
                "daily_dose_low": None,
                "daily_dose_derived": False,
            }
        ],
    ),
    (
        "route-after-drug",
        "In most studies, ketamine is administered via infusion.",
        ("ketamine",),
        [{"drug": "ketamine", "route": "intravenous", "dose_text": None}],
    ),
    (
        "dose-over-period",
        "She had taken acetaminophen 2300 mg in 3 days.",
        ("acetaminophen",),
        [
            {
                "drug": "acetaminophen",
                "dose_low": 2300.0,
                "daily_dose_low": pytest.approx(766.667),
                "daily_dose_unit": "mg/d",
                "daily_dose_derived": True,
            }
        ],
    ),
    (
        "frequency-and-duration",
        "Amoxicillin 500 mg three times daily for 7 days was prescribed.",
        ("amoxicillin",),
        [
            {
                "drug": "amoxicillin",
                "frequency_per_day": 3.0,
                "duration_text": "7 days",
                "duration_days": 7.0,
                "daily_dose_low": 1500.0,
                "daily_dose_derived": True,
            }
        ],
    ),
    (
        "per-kg-frequency",
        "Vancomycin 15 mg/kg every 12 hours was given.",
        ("vancomycin",),
        [
            {
                "drug": "vancomycin",
                "dose_unit": "mg/kg",
                "frequency_per_day": 2.0,
                "daily_dose_low": 30.0,
                "daily_dose_unit": "mg/kg/d",
            }
        ],
    ),
    (
        "prn-no-daily-dose",
        "Morphine 5 mg as needed was allowed.",
        ("morphine",),
        [
            {
                "drug": "morphine",
                "dose_low": 5.0,
                "frequency_text": "as needed",
                "frequency_per_day": None,
                "daily_dose_low": None,
                "daily_dose_derived": False,
            }
        ],
    ),
    (
        "strength-no-daily-dose",
        "Application of 4% hydroquinone cream twice daily.",
        ("hydroquinone",),
        [
            {
                "drug": "hydroquinone",
                "dose_unit": "%",
                "route": "topical",
                "frequency_per_day": 2.0,
                "daily_dose_low": None,
            }
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "drugs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_link_regimens(text: str, drugs: tuple[str, ...], expected: list[dict[str, Any]]) -> None:
    rows = regimens(text, *drugs)
    assert [pick(r, e) for r, e in zip(rows, expected, strict=False)] == expected
    assert len(rows) == len(expected)


@pytest.mark.parametrize(
    ("text", "drugs"),
    [(SEED_LIST, ("methadone", "ketamine")), (SEED_PAIRED, ("oxytocin", "ketamine"))],
    ids=["seed-list", "seed-paired"],
)
def test_mention_order_does_not_matter(text: str, drugs: tuple[str, ...]) -> None:
    sentences, mentions = build(text, drugs)
    rows = link_regimens("d1", text, sentences, mentions)
    assert rows
    assert link_regimens("d1", text, sentences, mentions[::-1]) == rows


def test_mention_ids_name_what_was_used() -> None:
    sentences, mentions = build(SEED_PAIRED, ("oxytocin", "ketamine"))
    rows = link_regimens("d1", SEED_PAIRED, sentences, mentions)
    used = {m.mention_id: SEED_PAIRED[m.start : m.end] for m in mentions}
    assert [used[i] for i in rows[0].mention_ids] == [
        "0.25 to 0.50 mL",
        "12.5 to 25 mg",
        "ketamine",
        "sublingually",
    ]


def test_regimen_ids_in_text_order() -> None:
    rows = regimens(SEED_LIST, "methadone", "ketamine")
    assert [r.regimen_id for r in rows] == ["r1", "r2", "r3", "r4"]
    # the methadone/ketamine combination: two rows, one combination id
    assert [r.combination for r in rows] == [None, None, "k1", "k1"]
    assert all(r.doc_id == "d1" for r in rows)


def test_range_is_never_averaged() -> None:
    (row,) = regimens("Ketamine 12.5-25 mg three times daily.", "ketamine")
    assert (row.dose_low, row.dose_high) == (12.5, 25.0)
    assert (row.daily_dose_low, row.daily_dose_high) == (37.5, 75.0)


def test_long_sentence_of_many_drugs_stays_fast() -> None:
    # one "sentence" with 4000 drugs and 8000 other mentions: linear linking takes well under
    # a second; the quadratic version took over ten
    text = "ketamine 30 mg orally, " * 4000
    sentences, mentions = build(text, ("ketamine",))
    start = time.perf_counter()
    rows = link_regimens("d1", text, sentences, mentions)
    assert len(rows) == 4000
    assert {(r.dose_low, r.route) for r in rows} == {(30.0, "oral")}
    assert time.perf_counter() - start < 8
