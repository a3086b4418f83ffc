"""The regimen rules files are valid, and a broken one fails with its file and entry named."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.errors import RuleError
from claimx.recognize.base import Found, drop_overlaps
from claimx.recognize.regimen import (
    KINDS,
    Pattern,
    RegimenFinder,
    load_finder,
    make_dose_recognizer,
)
from claimx.rules import rules_dir

RULES = rules_dir()
PATTERNS = yaml.safe_load((RULES / "patterns" / "regimen.yml").read_text(encoding="utf-8"))
ENTRIES = PATTERNS["patterns"]


def test_pattern_ids_unique_and_kebab_case() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_pattern_label_and_kind_known(entry: dict[str, str]) -> None:
    assert entry["kind"] in KINDS[entry["label"]]


def test_no_regex_repeats() -> None:
    regexes = [e["regex"] for e in ENTRIES]
    assert len(regexes) == len(set(regexes))


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("cues/routes.yml", "routes"),
        ("cues/frequencies.yml", "fixed"),
        ("cues/units.yml", "numerators"),
        ("cues/units.yml", "denominators"),
    ],
    ids=["routes", "frequencies", "unit-numerators", "unit-denominators"],
)
def test_cue_surfaces_not_repeated_within_an_entry(path: str, key: str) -> None:
    data = yaml.safe_load((RULES / path).read_text(encoding="utf-8"))[key]
    entries = data.values() if isinstance(data, dict) else data
    for entry in entries:
        surfaces = [str(s) for s in entry.get("surfaces", [])]
        assert len(surfaces) == len(set(surfaces)), surfaces


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "rules"
    shutil.copytree(RULES, dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    ("unknown-label", "patterns/regimen.yml", "label: DOSE", "label: DOZE", "DOZE"),
    ("unknown-kind", "patterns/regimen.yml", "kind: list", "kind: heap", "heap"),
    ("bad-regex", "patterns/regimen.yml", "(?P<list>", "(?P<list", "bad regex"),
    ("placeholder", "patterns/regimen.yml", "@GAP@(?P<unit>@UNIT@)'", "@GAPS@'", "@GAPS@"),
    ("id-not-kebab", "patterns/regimen.yml", "id: dose-list", "id: Dose_List", "Dose_List"),
    (
        "start-without-word-start",
        "patterns/regimen.yml",
        "    gate: 'overdos'\n",
        "    gate: 'overdos'\n    start: 'o'\n",
        "start needs word_start",
    ),
    (
        "start-placeholder",
        "patterns/regimen.yml",
        "    start: '\\d|@NUM@|@ORD@'\n",
        "    start: '\\d|@NUMS@'\n",
        "@NUMS@",
    ),
    (
        "unit-dimension",
        "cues/units.yml",
        "dimension: mass, factor: 1000",
        "dimension: weight, factor: 1000",
        "weight",
    ),
    ("unit-factor", "cues/units.yml", 'factor: "1/1000"', 'factor: "one/1000"', "factor"),
    (
        "route-twice",
        "cues/routes.yml",
        "surfaces: [sublingual,",
        "surfaces: [oral, sublingual,",
        "oral",
    ),
    (
        "route-key",
        "cues/routes.yml",
        "  sublingual:\n",
        "  sublingual:\n    colour: blue\n",
        "colour",
    ),
    (
        "frequency-rate",
        "cues/frequencies.yml",
        "{per_day: 2, surfaces: [bid,",
        "{per_day: 2, surfaces: [qd, bid,",
        "qd",
    ),
]


@pytest.mark.parametrize(
    ("path", "old", "new", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_rules_raise(rules_copy: Path, path: str, old: str, new: str, message: str) -> None:
    _edit(rules_copy / path, old, new)
    with pytest.raises(RuleError, match=re.escape(message)) as err:
        RegimenFinder(rules_copy)
    assert path.split("/")[-1] in str(err.value)


def test_component_on_a_blank_pipeline() -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("claimx_doses", config={"rules": str(RULES)})
    doc = nlp("Patients received ketamine 30 mg orally three times daily for 7 days.")
    got = [(f.label, doc.text[f.start : f.end]) for f in doc._.claimx_found]
    assert got == [
        ("DOSE", "30 mg"),
        ("ROUTE", "orally"),
        ("FREQUENCY", "three times daily"),
        ("DURATION", "7 days"),
    ]
    assert [s.id_ for s in doc.spans["claimx"]][:1] == ["dose-single"]


def test_factory_builds_recognizer() -> None:
    recognizer = make_dose_recognizer(None, "claimx_doses", str(RULES))
    assert recognizer.name == "claimx_doses"
    assert [f.label for f in recognizer.find("30 mg")] == ["DOSE"]


@pytest.fixture(scope="module")
def ungated(tmp_path_factory: pytest.TempPathFactory) -> RegimenFinder:
    """The same grammar with every gate removed (each pattern scans the whole text)."""
    dest = tmp_path_factory.mktemp("ungated") / "rules"
    shutil.copytree(RULES, dest)
    path = dest / "patterns" / "regimen.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(x for x in lines if not x.startswith("    gate:")), encoding="utf-8")
    return RegimenFinder(dest)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> RegimenFinder:
    """The same grammar with every gate and start removed (each pattern tried everywhere)."""
    dest = tmp_path_factory.mktemp("plain") / "rules"
    shutil.copytree(RULES, dest)
    path = dest / "patterns" / "regimen.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [x for x in lines if not x.startswith(("    gate:", "    start:"))]
    path.write_text("\n".join(kept), encoding="utf-8")
    finder = RegimenFinder(dest)
    assert not any(p.gate or p.start for p in finder.patterns)
    return finder


SEEDS = sorted((Path(__file__).resolve().parent.parent / "data" / "raw").glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_gates_do_not_change_what_is_found(
    ungated: RegimenFinder, plain: RegimenFinder, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    gated = load_finder(RULES)
    assert gated.find(text) == ungated.find(text) == plain.find(text)


# Texts at the edges of the `start` shortcut: the match at offset 0, a word right after a
# window's first character, numbers after "/" or "·" (a word start, but no number there),
# spelled and ordinal numbers, "from" before a range, matches that the chain must skip.
STARTS = [
    ("offset-0", "30 mg daily for 7 days"),
    ("offset-0-middot", "\u00b75 mg was given"),
    ("offset-1", "(30 mg) daily"),
    ("after-slash", "ratio 1/30 mg and 2/3 mg"),
    ("after-middot", "dose 0\u00b75 mg and x\u00b75 mg"),
    ("spelled", "took twenty-five mg, then two tablets"),
    ("from-range", "tapered from 60 to 5 mg/day over 3 weeks"),
    ("list-overlaps-singles", "1, 2 and 4 mg/kg or 5, 10, or 20 mg"),
    ("ordinal-duration", "in the 3rd week of treatment and the third month of therapy"),
    ("compound-duration", "a six-week course and a 7-day regimen of 2 weeks of treatment"),
    ("range-then-single", "12.5 to 25 mg 30 mg 1-2 g"),
    ("far-apart", "5 mg " + "x" * 300 + " 7 mg " + "word " * 40 + "ten mg"),
    ("numbers-without-units", "n = 30, 40% of 25 patients (p < 0.05) aged 12 to 18 years"),
]


@pytest.mark.parametrize("text", [t for _, t in STARTS], ids=[i for i, _ in STARTS])
def test_starts_do_not_change_what_is_found(
    ungated: RegimenFinder, plain: RegimenFinder, text: str
) -> None:
    assert load_finder(RULES).find(text) == ungated.find(text) == plain.find(text)


SCANNED = Pattern(
    "t",
    "DOSE",
    "single",
    re.compile(r"[^a-z0-9._](?P<w>\d+(?: \d+)? mg)"),
    head=re.compile(r"(?P<w>\d+(?: \d+)? mg)"),
)
STARTED = Pattern(
    "t",
    "DOSE",
    "single",
    re.compile(r"(?P<w>\d+(?: \d+)? mg)"),
    start=re.compile(r"[^a-z0-9._](?=\d)"),
)
WINDOW_TEXT = "5 mg 10 mg x/20 mg (7 7 mg) 30 mg"
WINDOWS = [
    ("whole", 0, len(WINDOW_TEXT)),
    ("from-0", 0, 3),
    ("word-at-lo", 5, 12),
    ("lo-inside-a-number", 6, 20),
    ("hi-cuts-a-match", 18, 21),
    ("hi-on-an-edge", 10, 19),
    ("overlapping-candidates", 19, 27),
    ("edge-just-before-hi", 11, 13),
    ("nothing", 2, 4),
]


@pytest.mark.parametrize(("lo", "hi"), [w[1:] for w in WINDOWS], ids=[w[0] for w in WINDOWS])
def test_match_at_is_finditer(lo: int, hi: int) -> None:
    low = WINDOW_TEXT
    want = [m.span("w") for m in SCANNED.finditer(low, lo, hi)]
    got = [m.span("w") for m in STARTED.match_at(low, STARTED.starts(low, lo, hi), lo, hi)]
    assert got == want


def test_a_pattern_with_a_start_is_not_scanned() -> None:
    with pytest.raises(ValueError, match="match_at"):
        list(STARTED.finditer(WINDOW_TEXT))


def test_start_patterns_found_at_their_edges() -> None:
    # the shortcut must still find these (not only agree with the plain finder)
    text = "30 mg daily; (5 mg) from 60 to 5 mg/day, a six-week course"
    got = [(f.label, text[f.start : f.end]) for f in load_finder(RULES).find(text)]
    assert ("DOSE", "30 mg") in got
    assert ("DOSE", "5 mg") in got
    assert ("DOSE", "from 60 to 5 mg/day") in got
    assert ("DURATION", "six-week course") in got or ("DURATION", "six-week") in got


WORDS = [
    "12.5", "25", "0.5", "two", "three", "1,000", "-", "to", "and", "or", ",", "(", ")", "mg",
    "mg/kg", "µg", "mL", "%", "IU", "tablets", "daily", "times", "per", "day", "every", "8",
    "hours", "for", "7", "days", "weeks", "over", "orally", "IV", "stage", "i.v.", "q6h", "tid",
    "bid", "prn", "ketamine", "patients", "aged", "years", "high-dose", "overdose", "cream",
    "infusion", "between", "up", "a", "week", "of", "treatment", "second", "cycle", "\n", ".",
    "from", "at least", "\u2264", "\u00b75", "/", "3rd", "third", "twenty-five", "six-week",
    "course", "months", "history", "5/10", "\u00b1",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_any_text_gives_valid_mentions(
    ungated: RegimenFinder, plain: RegimenFinder, words: list[str]
) -> None:
    text = " ".join(words)
    found = load_finder(RULES).find(text)
    for f in found:
        assert 0 <= f.start < f.end <= len(text)
        assert f.label in ("DOSE", "ROUTE", "FREQUENCY", "DURATION")
        assert text[f.start : f.end] == text[f.start : f.end].strip()
    assert found == ungated.find(text) == plain.find(text)


def _naive_drop_overlaps(found: list[Found]) -> list[Found]:
    """The plain quadratic definition, to check the fast one against."""
    kept: list[Found] = []
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if not any(k.label == f.label and f.start < k.end and k.start < f.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end, f.label))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(1, 8), st.sampled_from(["DOSE", "ROUTE"])),
        max_size=40,
    )
)
def test_longest_first_is_drop_overlaps(spans: list[tuple[int, int, str]]) -> None:
    found = [Found(s, s + n, label, f"r{i}") for i, (s, n, label) in enumerate(spans)]
    assert drop_overlaps(found) == _naive_drop_overlaps(found)


def test_many_mentions_stay_fast() -> None:
    # 8000 DOSE mentions in one text: about 0.5 s when linear, over 20 s when quadratic
    text = "low-dose-" * 8000
    start = time.perf_counter()
    found = load_finder(RULES).find(text)
    assert len(found) == 8000
    assert time.perf_counter() - start < 10
