"""build_claims on hand-made mentions: each row is a text, the drug and condition words to mark,
and what the claims must say. No lexicon, no spaCy: the helper below finds the words."""

from __future__ import annotations

import bisect
import re
from typing import Any

import pytest

from claimx.claims import build_claims
from claimx.recognize.base import Found, Mention
from claimx.records import ClaimRow, RegimenRow, StatisticRow

DRUGS = (
    "placebo",
    "creatinine",
    "heparin",
    "argatroban",
    "epinephrine",
    "methadone",
    "ketamine",
    "oxytocin",
    "morphine",
    "opioids",
    "opioid",
    "naltrexone",
    "benzodiazepines",
    "anesthetic",
    "adrenergic blocking agents",
)
CLASSES = frozenset(
    {"opioids", "opioid", "benzodiazepines", "anesthetic", "adrenergic blocking agents"}
)
CONDITIONS = (
    "neuropathic pain",
    "allodynia",
    "somnolence",
    "pain",
    "fibromyalgia",
    "nausea",
    "cystitis",
    "fatigue",
    "rhabdomyolysis",
    "thrombocytopenia",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d]?\s+(?=[\"\u201c]?[A-Z])|\n+")


def sentences_of(text: str) -> list[tuple[int, int]]:
    """A plain sentence splitter for the tests: full stops before a capital, and newlines."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def mentions_of(text: str, sentences: list[tuple[int, int]]) -> list[Mention]:
    """DRUG and CONDITION mentions of the test vocabulary (longest first, no overlaps)."""
    found: list[Found] = []
    taken = bytearray(len(text))
    terms = [(t, "DRUG") for t in DRUGS] + [(t, "CONDITION") for t in CONDITIONS]
    for term, label in sorted(terms, key=lambda t: -len(t[0])):
        for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I):
            if taken.find(1, m.start(), m.end()) != -1:
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            data = {"kind": "class"} if term in CLASSES else {}
            norm = "opioids" if term == "opioid" else term
            found.append(Found(m.start(), m.end(), label, "test", norm=norm, data=data))
    found.sort(key=lambda f: (f.start, f.end))
    starts = [s for s, _ in sentences]
    return [
        Mention(f"m{n}", bisect.bisect_right(starts, f.start) - 1, f)
        for n, f in enumerate(found, 1)
    ]


def stats_of(text: str, sentences: list[tuple[int, int]]) -> list[StatisticRow]:
    """P values and percentages as statistics rows."""
    rows = []
    for n, m in enumerate(re.finditer(r"P\s*[=<]\s*\.\d+|\d+%", text), 1):
        sent = next(i for i, (s, e) in enumerate(sentences) if s <= m.start() < e)
        rows.append(
            StatisticRow(
                "d",
                f"s{n}",
                sent,
                "p_value",
                m.group(),
                m.start(),
                m.end(),
                None,
                None,
                None,
                None,
                None,
            )
        )
    return rows


def claims_of(text: str, doc_evidence: str | None = None, regimens=()) -> list[ClaimRow]:
    sentences = sentences_of(text)
    mentions = mentions_of(text, sentences)
    return build_claims(
        "d", text, sentences, mentions, list(regimens), stats_of(text, sentences), doc_evidence
    )


def check(claim: ClaimRow, expected: dict[str, Any], text: str) -> None:
    for key, value in expected.items():
        got = getattr(claim, key)
        if key == "stat_texts":
            continue
        if isinstance(got, tuple):
            got = tuple(g.lower() for g in got) if key in ("drugs", "comparators") else got
        if key == "overclaim":
            assert (got is not None) is bool(value), (key, got)
            if value:
                assert value in got, (key, got)
            continue
        assert got == value, f"{key}: {got!r} != {value!r}"


# Each row: id, text, doc_evidence, [expected fields of each claim in order].
CASES = [
    (
        "benefit-with-p-value",
        "However, the ketamine-only treatment was the only effective one in reducing the "
        "incidence of allodynia (P =.02).",
        "rct",
        [
            dict(
                drugs=("ketamine",),
                direction="benefit",
                negated=False,
                certainty="asserted",
                evidence="rct",
                stat_ids=("s1",),
                conditions=("allodynia",),
            )
        ],
    ),
    (
        "not-better-than-is-negated-no-difference",
        "Collectively, these findings showed that methadone/ketamine was not better than "
        "methadone or ketamine for improving refractory neuropathic pain.",
        None,
        [
            dict(
                drugs=("methadone", "ketamine"),
                comparators=("methadone", "ketamine"),
                direction="no_difference",
                negated=True,
                rule_id="nodiff-not-better",
            )
        ],
    ),
    (
        "superior-to-with-combination-comparator",
        "A randomized controlled trial revealed that a ketamine regimen is superior to "
        "methadone, or ketamine combined with methadone, in alleviating neuropathic pain.",
        None,
        [
            dict(
                drugs=("ketamine",),
                comparators=("methadone", "ketamine/methadone"),
                direction="superior",
                evidence="rct",
                conditions=("neuropathic pain",),
            )
        ],
    ),
    (
        "harm-more-often-with-percentages",
        "Adverse effects had similar incidence across treatments, with the exception of "
        "somnolence, which occurred more often in the methadone cohort (92%) than in the "
        "ketamine (19%) or methadone/ketamine (46%) treatment groups (P =.001).",
        None,
        [
            dict(
                drugs=("methadone",),
                comparators=("ketamine", "methadone/ketamine"),
                direction="harm",
                stat_ids=("s1", "s2", "s3", "s4"),
            )
        ],
    ),
    (
        "combination-hedged",
        "Low doses of the hormone oxytocin along with the anesthetic ketamine may provide a "
        "unique and effective therapeutic approach to some patients with severe intractable pain.",
        None,
        [dict(drugs=("oxytocin", "ketamine"), direction="benefit", certainty="hedged")],
    ),
    (
        "strong-on-anecdote-is-overclaim",
        "All of these reports were just anecdotal evidence at best. In 2009, a pivotal study "
        "showed that without a doubt, ketamine works.",
        None,
        [
            dict(
                drugs=("ketamine",),
                direction="benefit",
                certainty="strong",
                negated=False,
                overclaim="anecdotal",
            )
        ],
    ),
    (
        "strong-on-rct-is-no-overclaim",
        "A randomized controlled trial clearly showed that ketamine reduces pain.",
        None,
        [dict(certainty="strong", evidence="rct", overclaim=None)],
    ),
    (
        "effective-for-condition",
        "However ketamine alone has been shown to be an effective treatment for fibromyalgia.",
        None,
        [
            dict(
                drugs=("ketamine",),
                direction="benefit",
                certainty="asserted",
                conditions=("fibromyalgia",),
            )
        ],
    ),
    (
        "more-effective-than-class",
        "Ketamine is also more effective than opioids at treating neuropathic pain.",
        None,
        [dict(drugs=("ketamine",), comparators=("opioids",), direction="superior")],
    ),
    (
        "less-harm-than-is-superior",
        "The addictive potential of ketamine is far less than an opioid medication.",
        None,
        [
            dict(
                drugs=("ketamine",),
                comparators=("opioids",),
                direction="superior",
                certainty="asserted",
            )
        ],
    ),
    (
        "two-claims-in-one-quoted-sentence",
        "The researchers concluded that \u201cmethadone/ketamine was not better than methadone "
        "or ketamine for improving pain. However, ketamine was more effective in reducing "
        "allodynia compared with methadone or methadone/ketamine.\u201d",
        None,
        [
            dict(direction="no_difference", negated=True, attribution="The researchers"),
            dict(
                drugs=("ketamine",),
                comparators=("methadone", "methadone/ketamine"),
                direction="superior",
                negated=False,
            ),
        ],
    ),
    (
        "superior-without-comparator-is-benefit",
        "This combination of morphine-ketamine was found to provide superior analgesia with no "
        "increase in the incidence of nausea.",
        None,
        [dict(drugs=("morphine", "ketamine"), direction="benefit", negated=False)],
    ),
    (
        "failed-to-negates",
        "Ketamine failed to reduce neuropathic pain.",
        None,
        [dict(direction="benefit", negated=True)],
    ),
    (
        "negation-after-cue-does-not-negate",
        "Ketamine reduced pain with no loss of effect over a month.",
        None,
        [dict(drugs=("ketamine",), direction="benefit", negated=False)],
    ),
    (
        "negation-scope-ends-at-terminator",
        "Not all patients were treated, but ketamine relieved pain in the rest.",
        None,
        [dict(direction="benefit", negated=False)],
    ),
    (
        "ineffective-is-negated-benefit",
        "Opioids alone are ineffective in alleviating pain.",
        None,
        [dict(drugs=("opioids",), direction="benefit", negated=True)],
    ),
    (
        "population-drug-is-not-claimed",
        "For patients who are taking opioid medications, ketamine may reduce pain.",
        None,
        [dict(drugs=("ketamine",), certainty="hedged")],
    ),
    (
        "reduced-drug-is-an-outcome",
        "Ketamine can reduce the use of opioids.",
        None,
        [dict(drugs=("ketamine",), direction="benefit")],
    ),
    (
        "drug-that-reduces-another-drugs-harm",
        "Doctors prescribe benzodiazepines to help reduce the psychotropic effects of ketamine.",
        None,
        [dict(drugs=("benzodiazepines",), direction="benefit")],
    ),
    (
        "associated-with-after-drug-is-harm",
        "Long-term ketamine use is associated with cystitis.",
        None,
        [dict(drugs=("ketamine",), direction="harm", rule_id="harm-associated-with")],
    ),
    (
        "sentence-evidence-beats-document-evidence",
        "One case study describes pain relief with ketamine.",
        "rct",
        [dict(evidence="case_report")],
    ),
    (
        "document-evidence-when-sentence-has-none",
        "Ketamine relieved pain.",
        "meta_analysis",
        [dict(evidence="meta_analysis")],
    ),
    (
        "design-in-the-lede-carries",
        "A randomized controlled trial compared three regimens. Patients were followed for a "
        "month. Ketamine relieved pain.",
        None,
        [dict(evidence="rct")],
    ),
    (
        "several-designs-make-a-review",
        "Pain is common. Treatments vary. Patients differ. Work in rats, a meta-analysis and "
        "case reports are summarized later. A Cochrane review found more. Ketamine relieved "
        "pain.",
        None,
        [dict(evidence="review")],
    ),
    (
        "preclinical-late-does-not-carry",
        "Pain is common. Treatments vary. Ketamine relieved pain. The idea is supported by "
        "basic science. Oxytocin may relieve pain.",
        None,
        [dict(evidence="unspecified"), dict(drugs=("oxytocin",), evidence="unspecified")],
    ),
    (
        "quoted-clinician",
        "Oxytocin can block \u201canticipatory pain,\u201d added Dr Pedersen.",
        None,
        [dict(attribution="Dr Pedersen", evidence="expert_opinion", certainty="asserted")],
    ),
    (
        "pronoun-speaker-and-continued-quote",
        "Dr Pedersen said oxytocin helps. They suffer, she said. However, when they take "
        "oxytocin, \u201cthey may actually get a lot of relief.\u201d",
        None,
        [
            dict(attribution="Dr Pedersen"),
            dict(attribution="Dr Pedersen", evidence="expert_opinion", certainty="hedged"),
        ],
    ),
    (
        "told-outlet",
        "\u201cThese two together could replace any opioid,\u201d Caron Pedersen, a nurse "
        "practitioner, told Medscape Medical News. Ketamine relieves pain.",
        None,
        [dict(attribution=None)],
    ),
    (
        "hedges",
        "It is thought that ketamine halts the amplification of pain.",
        None,
        [dict(certainty="hedged")],
    ),
    (
        "has-shown-promise",
        "Ketamine has shown promise as a treatment for chronic pain.",
        None,
        [dict(certainty="hedged", direction="benefit")],
    ),
    (
        "clause-split-at-whereas",
        "Ketamine relieved pain, whereas morphine caused nausea.",
        None,
        [
            dict(drugs=("ketamine",), direction="benefit"),
            dict(drugs=("morphine",), direction="harm"),
        ],
    ),
    (
        "semicolon-in-parentheses-does-not-split",
        "The treatments showed similar efficacy (methadone, P =.01; ketamine, P =.03).",
        None,
        [dict(drugs=("methadone", "ketamine"), direction="no_difference", stat_ids=("s1", "s2"))],
    ),
    (
        "placebo-is-a-comparator",
        "Results with methadone were superior to those of placebo for neuropathic pain.",
        None,
        [dict(drugs=("methadone",), comparators=("placebo",), direction="superior")],
    ),
    (
        "induced-claims-the-attached-drug-only",
        "A patient developed heparin-induced thrombocytopenia and was given argatroban.",
        None,
        [dict(drugs=("heparin",), direction="harm", rule_id="harm-induced")],
    ),
    (
        "condition-associated-with-drug",
        "Rhabdomyolysis associated with methadone treatment in a patient with low calcium.",
        None,
        [dict(drugs=("methadone",), direction="harm", rule_id="harm-associated-with")],
    ),
    (
        "with-or-without-is-no-negation",
        "Lipid emulsion with or without epinephrine was equally effective in this model.",
        None,
        [dict(drugs=("epinephrine",), direction="no_difference", negated=False)],
    ),
    (
        "no-adjective-difference",
        "There were no discernible differences between methadone and ketamine in pain.",
        None,
        [
            dict(
                drugs=("methadone", "ketamine"),
                direction="no_difference",
                rule_id="nodiff-no-adjective-difference",
            )
        ],
    ),
    (
        "cue-inside-a-drug-name-is-the-name",
        "Adrenergic blocking agents provide mild pain relief, as well as comfort.",
        None,
        [dict(drugs=("adrenergic blocking agents",), comparators=(), rule_id="benefit-relieve")],
    ),
    (
        "strong-on-a-small-uncontrolled-study-is-overclaim",
        "In a pilot study of 12 patients, ketamine clearly relieved pain.",
        None,
        [dict(certainty="strong", evidence="unspecified", overclaim="'pilot study'")],
    ),
    (
        "not-inferior-is-no-difference",
        "Once-weekly methadone was not inferior to morphine in relieving pain.",
        None,
        [
            dict(
                drugs=("methadone",),
                comparators=("morphine",),
                direction="no_difference",
                negated=True,
            )
        ],
    ),
    (
        "effect-of-unstated-sign-is-unclear",
        "Ketamine altered the perception of neuropathic pain in most patients.",
        None,
        [dict(drugs=("ketamine",), direction="unclear", rule_id="unclear-affect")],
    ),
    (
        "unclear-gives-way-to-a-signed-cue",
        "Ketamine altered and reduced neuropathic pain.",
        None,
        [dict(direction="benefit")],
    ),
    (
        "strong-on-unspecified-evidence-alone-is-no-overclaim",
        "It is known that ketamine is effective for reducing neuropathic pain.",
        None,
        [dict(certainty="strong", evidence="unspecified", overclaim=None)],
    ),
    (
        "strong-on-preclinical-evidence-is-overclaim",
        "Work in rats clearly proves that ketamine cures pain.",
        None,
        [dict(certainty="strong", evidence="preclinical", overclaim="preclinical")],
    ),
    (
        "descriptor-word-after-a-space-keeps-the-drug",
        "Ketamine experienced a revival because it relieves neuropathic pain.",
        None,
        [dict(drugs=("ketamine",), direction="benefit")],
    ),
    (
        "claim-ids-in-text-order",
        "Ketamine relieves pain. Morphine causes nausea.",
        None,
        [dict(claim_id="c1", sent_id=0), dict(claim_id="c2", sent_id=1)],
    ),
]


@pytest.mark.parametrize(
    ("text", "doc_evidence", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_claims(text: str, doc_evidence: str | None, expected: list[dict[str, Any]]) -> None:
    claims = claims_of(text, doc_evidence)
    assert len(claims) == len(expected), [(c.direction, c.drugs, c.text) for c in claims]
    for claim, want in zip(claims, expected, strict=True):
        check(claim, want, text)


NO_CLAIM = [
    ("no-drug", "The treatment reduced pain in most patients."),
    ("drug-without-cue", "Ketamine was given orally at 30 mg three times a day."),
    ("question", "Does ketamine reduce pain?"),
    ("research-need", "More studies are needed to establish whether ketamine reduces pain."),
    ("future-research", "Future research on ketamine may include studies of its effect on pain."),
    ("pronoun-only", "Ketamine is old. It has been shown to relieve pain."),
    (
        "associated-with-before-drug",
        "Pain associated with fibromyalgia is common in ketamine clinics.",
    ),
    ("heading", "Ketamine Relieves Pain\n"),
    ("reference-list", "References\n1. Ketamine reduces pain in rats. J Pain. 2001;3:1-2."),
    ("technique-name", "Ketamine was added to patient-controlled analgesia."),
    ("baseline-table", "Baseline characteristics, including use of opioids, were similar."),
    ("drug-induced-without-a-drug", "No cases of drug-induced cystitis were seen with it."),
    ("measured-substance", "Serum creatinine levels decreased in the treated group."),
    ("drug-users", "Ketamine users reported less pain."),
    ("dechallenge", "Her fatigue improved after methadone was discontinued."),
    ("study-aim", "In this trial, we evaluate the efficacy of ketamine for pain."),
    ("dose-change", "The dose of methadone was reduced to 10 mg."),
    ("only-placebo", "Placebo relieved pain in a third of patients."),
    ("two-conditions-linked", "For pain associated with fibromyalgia, opioids are given."),
    ("unclear-without-condition", "Ketamine altered the tone of the clinic."),
    ("drug-describes-patients", "Opioid-dependent patients are not getting relief."),
    ("independence", "The analgesic effect of ketamine does not depend on the dose of ketamine."),
]


@pytest.mark.parametrize("text", [c[1] for c in NO_CLAIM], ids=[c[0] for c in NO_CLAIM])
def test_no_claim(text: str) -> None:
    assert [(c.direction, c.drugs) for c in claims_of(text)] == []


def test_every_claim_has_a_drug() -> None:
    text = " ".join(c[1] for c in CASES)
    claims = claims_of(text)
    assert claims and all(c.drugs for c in claims)


def test_regimens_of_the_clause_are_linked() -> None:
    text = "Ketamine 30 mg relieved pain, whereas morphine 10 mg caused nausea."
    sentences = sentences_of(text)
    mentions = mentions_of(text, sentences)
    ketamine = next(m for m in mentions if m.found.norm == "ketamine")
    morphine = next(m for m in mentions if m.found.norm == "morphine")

    def regimen(rid: str, drug: Mention) -> RegimenRow:
        return RegimenRow(
            "d",
            rid,
            0,
            drug.found.norm,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            False,
            (drug.mention_id,),
        )

    claims = build_claims(
        "d", text, sentences, mentions, [regimen("r1", ketamine), regimen("r2", morphine)], []
    )
    assert [c.regimen_ids for c in claims] == [("r1",), ("r2",)]


def test_claim_text_is_the_sentence_or_the_missed_sentence() -> None:
    text = "Ketamine relieved pain, whereas morphine caused nausea. Oxytocin helps."
    claims = claims_of(text)
    assert (
        claims[0].text
        == claims[1].text
        == "Ketamine relieved pain, whereas morphine caused nausea."
    )
    assert claims[2].text == "Oxytocin helps."


def test_empty_text_makes_no_claims() -> None:
    assert build_claims("d", "", [], [], [], []) == []


def test_text_whose_lower_case_is_longer_still_matches_at_the_right_offsets() -> None:
    # "İ".lower() is two characters: cues then run case-insensitively on the text itself.
    text = "İzmir trial. Ketamine reduces pain."
    claims = claims_of(text)
    assert [(c.direction, c.drugs, c.text) for c in claims] == [
        ("benefit", ("ketamine",), "Ketamine reduces pain.")
    ]


def test_a_huge_sentence_is_handled_in_linear_time() -> None:
    import time

    piece = "ketamine (not; here) did not reduce pain; methadone may cause nausea; "
    text = piece * 3000 + "."
    sentences = [(0, len(text))]
    mentions = mentions_of(text, sentences)
    started = time.perf_counter()
    claims = build_claims("d", text, sentences, mentions, [], [])
    assert time.perf_counter() - started < 10
    assert len(claims) == 6000
    assert {(c.direction, c.negated, c.certainty) for c in claims} == {
        ("benefit", True, "asserted"),
        ("harm", False, "hedged"),
    }
