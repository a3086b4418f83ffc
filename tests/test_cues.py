"""Every cue of rules/cues/ is found where it should be, and the cue files are validated.

Table-driven over the cue files themselves: each literal surface (with its generated verb
forms) is put into a neutral sentence and must come back as a hit of its own cue; each regex
entry must match its `example`. Hand-written rows check what must NOT match.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from claimx.claims import (
    Cue,
    CueGroup,
    Cues,
    entry_surfaces,
    find_attribution,
    find_cues,
    load_cues,
    lower_text,
    read_cue_entries,
    split_units,
    verb_forms,
)
from claimx.errors import RuleError
from claimx.records import DIRECTIONS, EVIDENCE_TYPES
from claimx.rules import rules_dir

RULES = rules_dir()
ENTRIES = read_cue_entries(RULES)
CUES = load_cues(RULES)

# Which compiled group holds the entries of (file, group).
GROUP_OF = {
    ("hedges.yml", "hedged"): "markers",
    ("hedges.yml", "pseudo"): "markers",
    ("certainty.yml", "strong"): "markers",
    ("negations.yml", "negation"): "negations",
    ("negations.yml", "pseudo"): "negations",
    ("negations.yml", "terminators"): "markers",
    ("directions.yml", "comparators"): "comparators",
    ("directions.yml", "not_directions"): "directions",
    ("directions.yml", "not_claims"): "markers",
    ("evidence.yml", "not_evidence"): "evidence",
    ("evidence.yml", "weak"): "markers",
    ("clauses.yml", "boundaries"): "boundaries",
}
for _value in DIRECTIONS:
    GROUP_OF[("directions.yml", _value)] = "directions"
for _value in EVIDENCE_TYPES:
    if _value == "unspecified":  # what a claim gets when no cue names its evidence
        continue
    GROUP_OF[("evidence.yml", _value)] = "evidence"


# Mask lists: compiled into their group as skipped entries (matched, then yield nothing).
MASKS = frozenset(
    {
        ("hedges.yml", "pseudo"),
        ("negations.yml", "pseudo"),
        ("directions.yml", "not_directions"),
        ("evidence.yml", "not_evidence"),
    }
)


def skipped(cue) -> bool:
    return cue.skip or (cue.file, cue.group) in MASKS


def compiled(cues: Cues, file: str, group: str) -> CueGroup:
    return getattr(cues, GROUP_OF[(file, group)])


LITERAL_CASES = [
    (cue, surface)
    for cue, entry in ENTRIES
    if cue.group != "attribution"
    for surface in entry_surfaces(entry)
]
REGEX_CASES = [(cue, entry["example"]) for cue, entry in ENTRIES if "regex" in entry]


@pytest.mark.parametrize(
    ("cue", "surface"),
    LITERAL_CASES,
    ids=[f"{c.file[:-4]}/{c.group}/{c.id}/{s}" for c, s in LITERAL_CASES],
)
def test_every_literal_cue_is_found_with_its_value(cue, surface: str) -> None:
    text = f"In this trial, {surface} was noted in the ketamine group."
    start = text.index(surface)
    found = compiled(CUES, cue.file, cue.group).finditer(text)
    if skipped(cue):
        # A mask hides every cue of its group inside it.
        assert [h for h in found if h.start < start + len(surface) and start < h.end] == []
        return
    hits = [h for h in found if h.start == start]
    assert hits, f"{surface!r} not found"
    assert hits[0].cue.id == cue.id
    assert hits[0].cue.group == cue.group
    assert hits[0].end == start + len(surface)


@pytest.mark.parametrize(
    ("cue", "example"), REGEX_CASES, ids=[f"{c.file[:-4]}/{c.group}/{c.id}" for c, _ in REGEX_CASES]
)
def test_every_regex_cue_matches_its_example(cue, example: str) -> None:
    if cue.group == "attribution":
        rule = next(r for r in CUES.attribution if r.cue.id == cue.id)
        match = rule.pattern.search(example)
        assert match is not None and match.group("who")
    elif skipped(cue):
        entry = next(e for c, e in ENTRIES if c.id == cue.id)
        match = re.search(entry["regex"], lower_text(example))
        assert match is not None
        hits = compiled(CUES, cue.file, cue.group).finditer(example)
        assert [h for h in hits if h.start < match.end() and match.start() < h.end] == []
    else:
        hits = compiled(CUES, cue.file, cue.group).finditer(example)
        assert any(h.cue.id == cue.id for h in hits)
    # An attribution regex runs only near a speech verb: each example must hold one.
    if cue.group == "attribution":
        assert any(h.cue.id == cue.id for h in find_attribution(example, CUES))


NOT_FOUND = [
    ("hedges", "The Mayor of Rochester opened the clinic."),
    ("hedges", "Patients reported dismay at the delay."),
    ("hedges", "The addictive potential of ketamine is low."),
    ("hedges", "Report it as soon as possible."),
    ("negations", "Without a doubt, ketamine works."),
    ("negations", "They are no longer having that anticipation."),
    ("negations", "Notable relief was seen."),
    ("directions", "The cost-effective option was chosen."),
    ("directions", "Ketamine treatment-resistant depression clinics opened."),
    ("directions", "Lower doses were given."),
    ("comparators", "Ketamine was given over 6 months."),
    ("comparators", "Mechanisms other than opioid receptors are involved."),
    ("evidence", "A pivotal study showed that ketamine works."),
    ("evidence", "The rct group was small."),
    ("boundaries", "Pain was reduced by Dr. Smith and colleagues in the study."),
]


@pytest.mark.parametrize(("kind", "text"), NOT_FOUND, ids=[f"{g}: {t[:40]}" for g, t in NOT_FOUND])
def test_cue_is_not_found(kind: str, text: str) -> None:
    if kind == "boundaries":
        # "Dr." is followed by a capital, but it is an abbreviation: no sentence cut.
        units = split_units(text, [(0, len(text))], CUES)
        assert len(units) == 1 and len(units[0].clauses) == 1
    else:
        hits = find_cues(text, CUES)[kind]
        assert hits == [], [text[h.start : h.end] for h in hits]


VERB_FORMS = [
    ("reduce", ("reduce", "reduces", "reduced", "reducing")),
    ("relieve pain", ("relieve pain", "relieves pain", "relieved pain", "relieving pain")),
    ("improve", ("improve", "improves", "improved", "improving")),
    ("work", ("work", "works", "worked", "working")),
    ("agree", ("agree", "agrees", "agreed", "agreeing")),
    ("worsen", ("worsen", "worsens", "worsened", "worsening")),
    ("satisfy", ("satisfy", "satisfies", "satisfied", "satisfying")),
    ("relax", ("relax", "relaxes", "relaxed", "relaxing")),
]


@pytest.mark.parametrize(("lemma", "forms"), VERB_FORMS, ids=[v[0] for v in VERB_FORMS])
def test_verb_forms(lemma: str, forms: tuple[str, ...]) -> None:
    assert verb_forms(lemma) == forms


PHRASES = [
    ("side effects", "side-effects", True),
    ("side effects", "side  effects", True),
    ("side-effects", "side effects", True),
    ("meta-analysis", "meta analysis", True),
    ("doesn't", "doesn\u2019t", True),
    ("may", "mayor", False),
    ("may", "dismay", False),
    ("treat", "treatment", False),
    ("effective", "cost-effective", False),
]


@pytest.mark.parametrize(
    ("phrase", "text", "found"), PHRASES, ids=[f"{p}~{t}" for p, t, _ in PHRASES]
)
def test_phrase_spacing_and_word_boundaries(phrase: str, text: str, found: bool) -> None:
    group = CueGroup([(Cue("test-cue", "hedged", "hedges.yml"), {"cue": phrase})])
    assert bool(group.finditer(f"We saw {text} here.")) is found


def test_no_surface_repeats_within_a_group() -> None:
    seen: dict[tuple[str, str], str] = {}
    repeats = []
    for cue, entry in ENTRIES:
        key_group = GROUP_OF.get((cue.file, cue.group), cue.group)
        for surface in entry_surfaces(entry):
            key = (key_group, surface.lower())
            if key in seen and seen[key] != cue.id:
                repeats.append((surface, seen[key], cue.id))
            seen.setdefault(key, cue.id)
    assert repeats == []


# ------------------------------------------------------------------ cue files are validated


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES / "cues", target / "cues")
    return target


def _edit(folder: Path, name: str, group: str, entry: dict) -> None:
    path = folder / "cues" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[group] = list(data.get(group) or []) + [entry]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


BAD_ENTRIES = [
    ("hedges.yml", "hedged", {"id": "hedge-may", "cue": "maybe not"}, "already used"),
    ("hedges.yml", "hedged", {"id": "Hedge_Bad", "cue": "x"}, "kebab-case"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "cue": "x", "colour": 1}, "unknown key"),
    ("hedges.yml", "hedged", {"id": "hedge-x"}, "exactly one of 'cue' or 'regex'"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "cue": [1, 2]}, "a phrase or a list"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "cue": "e.g. this"}, "words, spaces, hyphens"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "regex": "May", "example": "May"}, "lower case"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "cue": "x", "regex": "x"}, "exactly one"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "regex": "(", "example": "("}, "bad regex"),
    ("hedges.yml", "hedged", {"id": "hedge-x", "regex": "x+"}, "needs an 'example'"),
    ("negations.yml", "negation", {"id": "neg-x", "cue": "x", "scope": "sideways"}, "scope"),
    ("directions.yml", "harm", {"id": "harm-x", "cue": "x", "requires": ["moon"]}, "requires"),
    (
        "attribution.yml",
        "attribution",
        {"id": "attr-x", "regex": "said", "example": "he said"},
        "(?P<who>",
    ),
]


@pytest.mark.parametrize(
    ("name", "group", "entry", "message"),
    BAD_ENTRIES,
    ids=[f"{n}:{m}" for n, _, _, m in BAD_ENTRIES],
)
def test_bad_cue_entry_is_refused_with_its_place(
    tmp_path: Path, name: str, group: str, entry: dict, message: str
) -> None:
    folder = _copy_rules(tmp_path)
    _edit(folder, name, group, entry)
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace("?", r"\?")) as info:
        load_cues(folder)
    assert name in str(info.value)


def test_missing_cue_file_is_refused(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "cues" / "hedges.yml").unlink()
    with pytest.raises(RuleError, match="hedges.yml is missing"):
        load_cues(folder)


def test_bare_yaml_no_in_a_word_list_is_refused(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "cues" / "clauses.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('"No"', "No"), encoding="utf-8")
    with pytest.raises(RuleError, match="quote YAML words"):
        load_cues(folder)


def test_negation_no_is_a_cue() -> None:
    hits = find_cues("There was no relief.", CUES)["negations"]
    assert [h.cue.id for h in hits] == ["neg-no"]


def test_group_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "cues" / "certainty.yml"
    path.write_text("strong: {id: strong-x}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="'strong' must be a list"):
        load_cues(folder)
