"""The fast paths of claims assembly give what the plain ones give.

CueScanner finds the phrases of all document-wide cue groups in one pass; each group must get
exactly the hits of its own CueGroup.finditer, on hand-made edge cases and on real texts (the
seeds and the dev sets). The case-sensitive phrase gate, lower_text and the equivalent rewrite
of a cue regex are checked at their edges, with cases that must not match.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_claims import claims_of

from claimx.claims import (
    SCANNED,
    Cue,
    CueGroup,
    CueScanner,
    Hit,
    _Hits,
    load_cues,
    lower_text,
    read_cue_entries,
)
from claimx.claims import _share_a_sentence as share_a_sentence
from claimx.claims import _surface_key as surface_key
from claimx.recognize.base import Found, Mention
from claimx.rules import rules_dir

CUES = load_cues(rules_dir())
ENTRIES = {cue.id: entry for cue, entry in read_cue_entries(rules_dir())}
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw"
EVAL = ROOT.parent / "shared" / "eval"


def own_passes(text: str) -> dict:
    """Each scanned group's hits from its own pass over the text."""
    return {name: getattr(CUES, name).finditer(text) for name in SCANNED}


EDGE_TEXTS = [
    ("empty", ""),
    ("phrase at the very start", "May reduce pain. No difference was seen"),
    ("phrase at the very end", "Ketamine was not superior to"),
    ("one group's phrase inside another's", "There was no significant difference in pain."),
    ("mask over a cue", "Without a doubt, ketamine did not reduce pain."),
    ("after a hyphen or apostrophe", "A non-significant, cost-effective and patient's-choice arm."),
    ("typographic apostrophe", "Ketamine doesn\u2019t reduce pain; it didn\u2018t help."),
    (
        "hyphens and runs of spaces",
        "Side-effects and side  effects were   reduced in a meta-analysis.",
    ),
    ("lower case longer than the text", "\u0130zmir trial. Ketamine may reduce pain."),
    ("case-sensitive phrase", "An RCT and two RCTs; an rct and XRCT are not."),
    (
        "speech verbs and attribution",
        "Ketamine works, Dr Smith said. According to the authors, it helps.",
    ),
    ("clause boundaries", "Pain fell; nausea rose, but sleep improved. Then Dr. Who left."),
    ("no cue at all", "Zzz qqq."),
    ("only a phrase", "may"),
    ("phrase after punctuation, no space", "Pain fell.May reduce;no difference(superior to)"),
    ("phrase after a newline and a quote", "Pain.\n\u201cMay reduce\u201d"),
    ("phrase after a word character", "xmay ymay _may 1may"),
]


@pytest.mark.parametrize("text", [t for _, t in EDGE_TEXTS], ids=[i for i, _ in EDGE_TEXTS])
def test_scanner_gives_each_group_its_own_hits(text: str) -> None:
    assert CUES.scanner.find(text) == own_passes(text)


def _real_texts() -> list[tuple[str, str]]:
    """The seeds, and every fifth text of the dev sets where ../shared/eval is at hand."""
    seeds = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    dev = []
    for path in sorted(EVAL.glob("*.dev.jsonl")):
        with path.open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f]
        dev.extend((f"{path.name}:{n}", r["text"]) for n, r in enumerate(records, 1) if "text" in r)
    return seeds + dev[::5]


REAL_TEXTS = _real_texts()


@pytest.mark.parametrize("text", [t for _, t in REAL_TEXTS], ids=[i for i, _ in REAL_TEXTS])
def test_scanner_gives_each_group_its_own_hits_on_real_text(text: str) -> None:
    assert CUES.scanner.find(text) == own_passes(text)


def reference_finditer(group: CueGroup, text: str) -> list:
    """CueGroup.finditer as it was written before the scanner and its shortcuts: every trie and
    regex over the whole text, all hits sorted (start, regex first, longest, entry order), then
    the leftmost non-overlapping ones kept."""
    low = lower_text(text)
    same = len(low) == len(text)
    found = []
    for pattern, index, case in group._regexes:
        subject = text if case else low if same else None
        regex = pattern if subject is not None else re.compile(pattern.pattern, re.I)
        for m in regex.finditer(text if subject is None else subject):
            if m.end() > m.start():
                found.append((m.start(), 0, -m.end(), index))
    tries = [(group._trie if same else group._trie_i, group._literal, low if same else text)]
    tries.append((group._trie_cs, group._literal_cs, text))
    for trie, table, where in tries:
        if trie is None:
            continue
        case = table is group._literal_cs
        for m in trie.finditer(where):
            found.append((m.start(), 1, -m.end(), table[surface_key(m.group(), case)]))
    found.sort()
    hits, reach = [], -1
    for start, _, neg_end, index in found:
        if start >= reach:
            reach = -neg_end
            if not group.cues[index].skip:
                hits.append(Hit(start, -neg_end, group.cues[index]))
    return hits


@pytest.mark.parametrize(
    "text",
    [t for _, t in REAL_TEXTS] + [t for _, t in EDGE_TEXTS],
    ids=[i for i, _ in REAL_TEXTS] + [i for i, _ in EDGE_TEXTS],
)
def test_scanner_gives_what_the_plain_algorithm_gives(text: str) -> None:
    assert CUES.scanner.find(text) == {
        name: reference_finditer(getattr(CUES, name), text) for name in SCANNED
    }


def test_the_seeds_are_among_the_real_texts() -> None:
    # The test above must not pass on nothing.
    assert sum(1 for name, _ in REAL_TEXTS if name.endswith(".txt")) >= 5


def _group(*phrases: str, case: bool = False) -> CueGroup:
    return CueGroup(
        [
            (Cue(f"test-{n}", "hedged", "hedges.yml"), {"cue": p, "case": case})
            for n, p in enumerate(phrases)
        ]
    )


def _spans(hits: list) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in hits]


# Two groups whose phrases overlap: a group's own pass never finds a phrase that starts inside
# the one it found before, while the other group (which did not find that one) does.
OVERLAPS = [
    ("chained phrases", ("a b", "b c"), ("b c",), "x a b c", [(2, 5)], [(4, 7)]),
    ("longer phrase wins", ("a", "a b c"), ("b",), "a b c", [(0, 5)], [(2, 3)]),
    ("phrase after the other's", ("a b",), ("b",), "a b b", [(0, 3)], [(2, 3), (4, 5)]),
    ("no shared start", ("zz",), ("yy",), "yy zz", [(3, 5)], [(0, 2)]),
    ("neither matches", ("zz",), ("yy",), "a b c", [], []),
]


@pytest.mark.parametrize(
    ("first", "second", "text", "first_spans", "second_spans"),
    [c[1:] for c in OVERLAPS],
    ids=[c[0] for c in OVERLAPS],
)
def test_scanner_keeps_what_each_group_would_keep(
    first: tuple[str, ...],
    second: tuple[str, ...],
    text: str,
    first_spans: list[tuple[int, int]],
    second_spans: list[tuple[int, int]],
) -> None:
    groups = {"first": _group(*first), "second": _group(*second)}
    found = CueScanner(groups).find(text)
    assert _spans(found["first"]) == _spans(groups["first"].finditer(text)) == first_spans
    assert _spans(found["second"]) == _spans(groups["second"].finditer(text)) == second_spans


def test_a_phrase_the_groups_own_pass_skips_stays_skipped() -> None:
    # The trie's own pass finds "a b" and so never sees "b c"; the regex hit "q a" then wins
    # over "a b". Handing the group "b c" as well would add a hit its own pass does not have.
    mixed = CueGroup(
        [
            (Cue("test-regex", "hedged", "hedges.yml"), {"regex": "q a", "example": "q a"}),
            (Cue("test-phrases", "hedged", "hedges.yml"), {"cue": ["a b", "b c"]}),
        ]
    )
    other = _group("b c")
    found = CueScanner({"mixed": mixed, "other": other}).find("q a b c")
    assert _spans(found["mixed"]) == _spans(mixed.finditer("q a b c")) == [(0, 3)]
    assert _spans(found["other"]) == [(4, 7)]


def test_scanner_with_a_group_of_regexes_only() -> None:
    regex_only = CueGroup(
        [(Cue("test-semicolon", "boundaries", "clauses.yml"), {"regex": ";", "example": "a; b"})]
    )
    scanner = CueScanner({"semicolons": regex_only, "phrases": _group("pain")})
    assert _spans(scanner.find("pain; more pain")["semicolons"]) == [(4, 5)]
    assert _spans(scanner.find("pain; more pain")["phrases"]) == [(0, 4), (11, 15)]
    assert _spans(CueScanner({"semicolons": regex_only}).find("a; b")["semicolons"]) == [(1, 2)]


# Case-sensitive phrases are looked for only when their first word is in the text.
CASE_SENSITIVE = [
    ("RCT", "An RCT was run.", [(3, 6)]),
    ("RCT", "RCT", [(0, 3)]),
    ("RCT", "It was an RCT", [(10, 13)]),
    ("RCT", "An rct was run.", []),
    ("RCT", "An XRCT was run.", []),
    ("RCT", "An RCTX was run.", []),
    ("Phase III", "A Phase-III trial.", [(2, 11)]),
    ("Phase III", "A Phase  III trial.", [(2, 12)]),
    ("Phase III", "A phase III trial.", []),
    ("Phase III", "A Phase II trial.", []),
]


@pytest.mark.parametrize(
    ("phrase", "text", "spans"), CASE_SENSITIVE, ids=[f"{p}~{t}" for p, t, _ in CASE_SENSITIVE]
)
def test_case_sensitive_phrases(phrase: str, text: str, spans: list[tuple[int, int]]) -> None:
    assert _spans(_group(phrase, case=True).finditer(text)) == spans


LOWER = [
    ("plain", "Ketamine Works", "ketamine works"),
    ("right quote", "doesn\u2019t", "doesn't"),
    ("left quote", "\u2018quoted\u2019", "'quoted'"),
    ("straight quote kept", "don't", "don't"),
    ("longer lower case", "\u0130", "\u0130".lower()),
]


@pytest.mark.parametrize(("text", "lower"), [c[1:] for c in LOWER], ids=[c[0] for c in LOWER])
def test_lower_text(text: str, lower: str) -> None:
    assert lower_text(text) == lower


# weak-few-patients looks for the digit before the words behind it: the same matches.
FEW_PATIENTS = [
    ("in 18 patients", "conducted in 18 patients.", " 18 patients"),
    ("with 9 volunteers", "a study with 9 volunteers", " 9 volunteers"),
    ("of 1 cases", "a series of 1 cases", " 1 cases"),
    ("on 19 subjects", "tested on 19 subjects", " 19 subjects"),
    ("20 is not few", "conducted in 20 patients.", None),
    ("0 is not a count", "conducted in 0 patients.", None),
    ("within is not in", "seen within 18 patients.", None),
    ("no preposition", "conducted: 18 patients.", None),
    ("two spaces", "conducted in 18  patients.", None),
    ("word goes on", "conducted in 18 patientsx.", None),
]


@pytest.mark.parametrize(
    ("text", "match"), [c[1:] for c in FEW_PATIENTS], ids=[c[0] for c in FEW_PATIENTS]
)
def test_weak_few_patients(text: str, match: str | None) -> None:
    m = re.search(ENTRIES["weak-few-patients"]["regex"], lower_text(text))
    assert (m.group() if m else None) == match


# build_claims returns early when a document can make no claim; these must still make theirs.
EARLY_EXITS = [
    ("no drug at all", "Pain was reduced in most patients.", []),
    ("only a class word before a drug name", "The anesthetic ketamine reduced pain.", ["ketamine"]),
    ("a drug but no direction", "Ketamine was given to 20 patients.", []),
    ("drug and cue in different sentences", "Ketamine was given. Pain was reduced.", []),
    ("drug and cue in one clause", "Ketamine was given and reduced pain.", ["ketamine"]),
    ("only a measured drug word", "Serum creatinine levels were reduced.", []),
    ("a measured word and a drug", "Ketamine reduced serum creatinine levels.", ["ketamine"]),
    ("a class word as a role", "The use of oxytocin as an anesthetic reduced pain.", ["oxytocin"]),
    ("cue in the last sentence", "Pain was noted. Then ketamine relieved pain.", ["ketamine"]),
]


@pytest.mark.parametrize(
    ("text", "drugs"), [c[1:] for c in EARLY_EXITS], ids=[c[0] for c in EARLY_EXITS]
)
def test_documents_without_claims(text: str, drugs: list[str]) -> None:
    assert [d for c in claims_of(text) for d in c.drugs] == drugs


def _drug(start: int, end: int) -> Mention:
    return Mention("m1", 0, Found(start, end, "DRUG", "test"))


_CUE = Cue("test-cue", "benefit", "directions.yml")

# build_claims makes no claim unless one sentence wholly holds a drug and a direction cue.
SHARED = [
    ("both inside", [(0, 10)], [(0, 3)], [(5, 9)], True),
    ("both at the edges", [(0, 10)], [(0, 3)], [(7, 10)], True),
    ("cue runs past the end", [(0, 10)], [(0, 3)], [(8, 11)], False),
    ("drug runs past the end", [(0, 10)], [(8, 12)], [(2, 5)], False),
    ("different sentences", [(0, 10), (11, 20)], [(0, 3)], [(12, 15)], False),
    ("second sentence", [(0, 10), (11, 20)], [(0, 3), (11, 14)], [(15, 19)], True),
    ("no cue", [(0, 10)], [(0, 3)], [], False),
    ("no drug", [(0, 10)], [], [(0, 3)], False),
    ("no sentence", [], [(0, 3)], [(5, 9)], False),
]


@pytest.mark.parametrize(
    ("sentences", "drugs", "cues", "shared"), [c[1:] for c in SHARED], ids=[c[0] for c in SHARED]
)
def test_drug_and_cue_share_a_sentence(
    sentences: list[tuple[int, int]],
    drugs: list[tuple[int, int]],
    cues: list[tuple[int, int]],
    shared: bool,
) -> None:
    mentions = [_drug(s, e) for s, e in drugs]
    hits = [Hit(s, e, _CUE) for s, e in cues]
    assert share_a_sentence(sentences, mentions, hits) is shared


# _Hits orders a cue group's hits by start, the longest first, ties in their given order.
ORDERS = [
    ("already in order", [(0, 2, "a"), (3, 5, "b")], [(0, 2, "a"), (3, 5, "b")]),
    ("reversed", [(3, 5, "b"), (0, 2, "a")], [(0, 2, "a"), (3, 5, "b")]),
    ("same start, longest first", [(0, 2, "a"), (0, 5, "b")], [(0, 5, "b"), (0, 2, "a")]),
    ("same span keeps its order", [(1, 4, "b"), (1, 4, "a")], [(1, 4, "b"), (1, 4, "a")]),
    ("empty", [], []),
]


@pytest.mark.parametrize(("given", "ordered"), [c[1:] for c in ORDERS], ids=[c[0] for c in ORDERS])
def test_hits_are_ordered_by_start_longest_first(
    given: list[tuple[int, int, str]], ordered: list[tuple[int, int, str]]
) -> None:
    hits = _Hits.of(Hit(s, e, Cue(f"test-{i}", "benefit", "directions.yml")) for s, e, i in given)
    assert [(h.start, h.end, h.cue.id[5:]) for h in hits.items] == ordered
    assert hits.starts == [s for s, _, _ in ordered]


# ev-case-series-n was one regex, "(?:report|series) of ..."; it is two entries now, each
# starting with its word (faster to look for). The evidence group must find what it found with
# the one regex.
def _evidence_group(split: bool) -> CueGroup:
    entries = []
    for cue, entry in read_cue_entries(rules_dir()):
        if cue.file != "evidence.yml" or cue.group in ("weak",):
            continue
        if cue.group == "not_evidence":
            cue = replace(cue, skip=True)
        if cue.id == "ev-case-series-n-series" and not split:
            continue
        if cue.id == "ev-case-series-n" and not split:
            entry = {**entry, "regex": r"(?:report|series) of \d{1,4} (?:cases|patients)\b"}
        entries.append((cue, entry))
    return CueGroup(entries)


CASE_SERIES = [
    ("report of cases", "We describe a report of 18 cases treated with ketamine."),
    ("series of patients", "A series of 12 patients was treated."),
    ("both", "A report of 3 cases and a series of 1234 patients."),
    ("back to back", "series of 2 cases report of 4 patients"),
    ("five digits", "A series of 12345 patients."),
    ("plural word", "Reports of 18 cases and series of 9 patient."),
    ("inside a word", "Theseries of 4 cases; areport of 5 patients."),
    ("inside a case-series phrase", "A case series of 7 patients."),
    ("after a case report", "A case report of 2 cases."),
]


@pytest.mark.parametrize("text", [t for _, t in CASE_SERIES], ids=[i for i, _ in CASE_SERIES])
def test_case_series_counts_are_found_as_by_one_regex(text: str) -> None:
    def found(group: CueGroup) -> list[tuple[int, int, str]]:
        return [(h.start, h.end, h.cue.group) for h in group.finditer(text)]

    assert found(_evidence_group(split=True)) == found(_evidence_group(split=False))
    assert found(_evidence_group(split=True)) == found(CUES.evidence)


def test_case_series_counts_are_found() -> None:
    # The comparison above must not pass on nothing.
    text = "A report of 3 cases and a series of 1234 patients."
    assert [text[h.start : h.end] for h in CUES.evidence.finditer(text)] == [
        "report of 3 cases",
        "series of 1234 patients",
    ]
