"""claimx.evaluate: scoring as scoreboard.py does, error examples, claims, renderers, gold files.

The fixture tests/fixtures/eval_gold.jsonl + eval_pred.jsonl has hand-computed counts:
- exh (all exhaustive): DRUG gold Ketamine, methadone / pred Ketamine, "relieved";
  CONDITION gold "chronic neuropathic pain", nausea / pred "neuropathic pain", nausea;
  DOSE gold "30 mg" / pred "30 mg", "30"; a STATISTIC prediction (label not scored there).
- greedy (CONDITION): gold "burning pain", "shooting pain" / pred "pain and shooting" (overlaps
  both, listed first), "burning" (overlaps the first only). Greedy matching in gold order gives
  1 match; the maximum one-to-one matching gives 2. ROUTE listed with nothing on either side.
- partial (DRUG partial): gold Morphine / pred oxytocin, Morphine: recall only.
- superset (CONDITION superset): gold Pain, fever / pred Pain: precision only.
- missing (DRUG): gold Naloxone, no prediction document.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from claimx import evaluate
from claimx.errors import InputError
from claimx.records import ClaimRow

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
SCOREBOARD = REPO.parent / "shared" / "tools" / "scoreboard.py"
SEEDS = REPO / "data" / "gold" / "seeds.jsonl"
CLAIMS = REPO / "data" / "gold" / "claims.jsonl"


def _predictions(path: Path) -> dict[str, list[dict]]:
    with path.open(encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    return {d["doc_id"]: d["mentions"] for d in docs}


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return evaluate.load_gold(FIXTURES / "eval_gold.jsonl")


@pytest.fixture(scope="module")
def predicted() -> dict[str, list[dict]]:
    return _predictions(FIXTURES / "eval_pred.jsonl")


@pytest.fixture(scope="module")
def score(gold: list[dict], predicted: dict[str, list[dict]]) -> dict:
    return evaluate.score_documents(gold, predicted)


# (label, mode, key, expected): counted by hand from the fixture (see the module docstring).
EXPECTED = [
    ("DRUG", "lenient", "tp_precision", 1),  # exh only; partial's predictions are not judged
    ("DRUG", "lenient", "n_pred_judged", 2),
    ("DRUG", "lenient", "tp_recall", 2),  # Ketamine (exh) + Morphine (partial)
    ("DRUG", "lenient", "n_gold_judged", 4),  # exh 2 + partial 1 + missing 1
    ("DRUG", "lenient", "n_pred", 4),
    ("DRUG", "lenient", "n_gold", 4),
    ("DRUG", "lenient", "P", 0.5),
    ("DRUG", "lenient", "R", 0.5),
    ("DRUG", "strict", "F1", 0.5),
    ("CONDITION", "lenient", "tp_precision", 5),  # exh 2 + greedy 2 (maximum matching) + sup 1
    ("CONDITION", "lenient", "n_pred_judged", 5),
    ("CONDITION", "lenient", "tp_recall", 4),  # superset's gold is not judged for recall
    ("CONDITION", "lenient", "n_gold_judged", 4),
    ("CONDITION", "lenient", "n_gold", 6),
    ("CONDITION", "lenient", "P", 1.0),
    ("CONDITION", "lenient", "R", 1.0),
    ("CONDITION", "strict", "tp_precision", 2),  # nausea, Pain
    ("CONDITION", "strict", "tp_recall", 1),  # nausea
    ("CONDITION", "strict", "P", 0.4),
    ("CONDITION", "strict", "R", 0.25),
    ("CONDITION", "strict", "F1", 2 * 0.4 * 0.25 / 0.65),
    ("DOSE", "lenient", "tp_precision", 1),  # "30" overlaps the same gold span: one-to-one
    ("DOSE", "lenient", "P", 0.5),
    ("DOSE", "lenient", "R", 1.0),
    ("DOSE", "lenient", "F1", 2 / 3),
    ("ROUTE", "lenient", "P", None),
    ("ROUTE", "lenient", "R", None),
    ("ROUTE", "lenient", "F1", None),
    ("ROUTE", "strict", "n_gold", 0),
]


@pytest.mark.parametrize(
    ("label", "mode", "key", "expected"),
    EXPECTED,
    ids=[f"{lb}-{m}-{k}" for lb, m, k, _ in EXPECTED],
)
def test_score_matches_hand_counts(score: dict, label: str, mode: str, key: str, expected):
    got = score["labels"][label][mode][key]
    assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("documents", 5),
        ("documents_missing", 1),
        ("scored_labels", ["CONDITION", "DOSE", "DRUG", "ROUTE"]),  # STATISTIC not in labels
        ("DRUG_scope", ["exhaustive", "partial"]),
        ("CONDITION_scope", ["exhaustive", "superset"]),
    ],
    ids=["documents", "missing", "only-listed-labels", "drug-scopes", "condition-scopes"],
)
def test_score_summary(score: dict, key: str, expected):
    values = {
        "documents": score["documents"],
        "documents_missing": score["documents_missing"],
        "scored_labels": sorted(score["labels"]),
        "DRUG_scope": score["labels"]["DRUG"]["scope"],
        "CONDITION_scope": score["labels"]["CONDITION"]["scope"],
    }
    assert values[key] == expected


MATCHES = [
    # (gold, pred, strict, expected number matched)
    ([(9, 21), (26, 39)], [(17, 34), (9, 16)], False, 2),  # greedy in gold order would give 1
    ([(9, 21), (26, 39)], [(17, 34), (9, 16)], True, 0),
    ([(0, 5)], [(0, 5), (0, 5)], False, 1),  # a duplicate prediction matches once
    ([(0, 5), (0, 5)], [(1, 3)], False, 1),  # one prediction cannot serve two gold spans
    ([(0, 5)], [(5, 9)], False, 0),  # touching is not overlapping (end exclusive)
    ([(0, 5)], [(4, 9)], False, 1),
    ([(0, 5)], [(0, 4)], True, 0),
    ([], [(0, 1)], False, 0),
    ([(0, 10), (10, 20), (20, 30)], [(5, 15), (15, 25), (0, 3)], False, 3),  # two augmentations
]


@pytest.mark.parametrize(
    ("gold_spans", "pred_spans", "strict", "expected"),
    MATCHES,
    ids=[
        "greedy-would-miss-one",
        "greedy-case-strict",
        "duplicate-prediction",
        "duplicate-gold",
        "touching",
        "overlap-one-char",
        "strict-needs-equal",
        "no-gold",
        "chain-of-augmenting-paths",
    ],
)
def test_match_spans_is_maximum(gold_spans, pred_spans, strict, expected):
    owner = evaluate.match_spans(gold_spans, pred_spans, strict)
    assert len(owner) == expected
    assert len(set(owner.values())) == len(owner)  # one-to-one


def test_match_spans_deep_chain_needs_no_recursion():
    # Gold i overlaps predictions i and i+1 and takes i; the last gold span (0, 1) overlaps only
    # prediction 0, so matching it re-routes every earlier match: an augmenting path as long as
    # the document (a recursive search, like scoreboard.py's, overflows the stack here).
    n = 1500
    gold_spans = [(10 * i, 10 * i + 10) for i in range(n - 1)] + [(0, 1)]
    pred_spans = [(0, 6)] + [(10 * i - 2, 10 * i + 6) for i in range(1, n)]
    assert len(evaluate.match_spans(gold_spans, pred_spans, strict=False)) == n


@pytest.mark.skipif(not SCOREBOARD.exists(), reason="../shared/tools/scoreboard.py not present")
@pytest.mark.parametrize("gold_file", ["fixture", "seeds"])
def test_agrees_with_scoreboard(gold_file: str, gold: list[dict], predicted: dict):
    spec = importlib.util.spec_from_file_location("scoreboard", SCOREBOARD)
    assert spec is not None and spec.loader is not None
    scoreboard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scoreboard)
    if gold_file == "seeds":
        # Gold against a shifted copy of itself: partial overlaps, misses and extras.
        gold = evaluate.load_gold(SEEDS)
        predicted = {
            d["id"]: [
                {**e, "start": e["start"] + 2, "end": e["end"] + (i % 3)}
                for i, e in enumerate(d["entities"])
                if i % 4
            ]
            for d in gold
        }
    theirs = scoreboard.score(gold, predicted)
    ours = evaluate.score_documents(gold, predicted)
    assert ours["documents"] == theirs["documents"]
    assert ours["documents_missing"] == theirs["documents_missing"]
    assert sorted(ours["labels"]) == sorted(theirs["labels"])
    for label, row in theirs["labels"].items():
        assert ours["labels"][label]["scope"] == row["scope"]
        for mode in ("lenient", "strict"):
            mine = {k: ours["labels"][label][mode][k] for k in row[mode]}
            assert mine == row[mode], (label, mode)


ERRORS = [
    # (label, kind, text): what error_examples lists with n=5
    ("DRUG", "false_positive", "relieved"),
    ("DRUG", "miss", "methadone"),
    ("DRUG", "miss", "Naloxone"),  # its document has no predictions at all
    ("CONDITION", "boundary", "neuropathic pain"),
    ("CONDITION", "boundary", "burning"),
    ("CONDITION", "boundary", "pain and shooting"),
    ("DOSE", "false_positive", "30"),
]


@pytest.mark.parametrize(
    ("label", "kind", "text"), ERRORS, ids=[f"{lb}-{k}-{t}" for lb, k, t in ERRORS]
)
def test_error_examples_lists(gold, predicted, label, kind, text):
    examples = evaluate.error_examples(gold, predicted, 5)
    assert (label, kind, text) in {(e["label"], e["kind"], e["text"]) for e in examples}


NOT_LISTED = [
    ("DRUG", "false_positive", "oxytocin"),  # partial scope: precision is not judged
    ("CONDITION", "miss", "fever"),  # superset scope: recall is not judged
    ("STATISTIC", "false_positive", "30 mg"),  # label not scored in that document
    ("DRUG", "false_positive", "Nal"),  # prediction for a document not in the gold file
]


@pytest.mark.parametrize(
    ("label", "kind", "text"), NOT_LISTED, ids=[f"{lb}-{k}-{t}" for lb, k, t in NOT_LISTED]
)
def test_error_examples_respect_scope(gold, predicted, label, kind, text):
    examples = evaluate.error_examples(gold, predicted, 5)
    assert (label, kind, text) not in {(e["label"], e["kind"], e["text"]) for e in examples}


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 4), (5, 7)], ids=["0", "1", "5"])
def test_error_examples_capped_per_label_and_kind(gold, predicted, n, expected):
    assert len(evaluate.error_examples(gold, predicted, n)) == expected


def test_error_example_carries_sentence_and_gold_text(gold, predicted):
    examples = evaluate.error_examples(gold, predicted, 5)
    (boundary,) = [e for e in examples if e["text"] == "neuropathic pain"]
    assert boundary["gold_text"] == "chronic neuropathic pain"
    assert boundary["sentence"] == (
        "Ketamine 30 mg and methadone relieved chronic neuropathic pain but caused nausea."
    )


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("First one. Second one here. Third.", 11, 17, "Second one here."),
        ("Title line\nBody text. More.", 11, 15, "Body text."),
        ("P =.03 was found. Next.", 0, 6, "P =.03 was found."),
        ("No end at all", 3, 6, "No end at all"),
        ('He said "it works." Then left.', 9, 11, 'He said "it works."'),
    ],
    ids=["middle", "after-newline", "decimal-not-an-end", "no-terminator", "closing-quote"],
)
def test_sentence_at(text, start, end, expected):
    assert evaluate.sentence_at(text, start, end) == expected


BAD_GOLD = [
    ("not-json", "{oops\n", ":1: not valid JSON"),
    ("no-text", '{"id": "a", "labels": [], "entities": []}\n', "missing 'text'"),
    ("statcheck", '{"text": "t(2) = 1", "options": {}, "expected": []}\n', "statcheck"),
    ("no-labels", '{"id": "a", "text": "x", "entities": []}\n', "'labels'"),
    (
        "bad-scope",
        '{"id": "a", "text": "x", "labels": ["DRUG"], '
        '"label_scope": {"DRUG": "some"}, "entities": []}\n',
        "label_scope",
    ),
    (
        "offsets",
        '{"id": "a", "text": "abc", "labels": ["DRUG"], '
        '"entities": [{"start": 2, "end": 9, "label": "DRUG"}]}\n',
        "not offsets",
    ),
    (
        "text-mismatch",
        '{"id": "a", "text": "abc", "labels": ["DRUG"], '
        '"entities": [{"start": 0, "end": 2, "label": "DRUG", "text": "bc"}]}\n',
        "fix the offsets",
    ),
    (
        "duplicate-id",
        '{"id": "a", "text": "x", "labels": [], "entities": []}\n' * 2,
        ":2: duplicate id",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), [c[1:] for c in BAD_GOLD], ids=[c[0] for c in BAD_GOLD]
)
def test_load_gold_rejects(tmp_path: Path, content: str, message: str):
    path = tmp_path / "gold.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        evaluate.load_gold(path)


def test_load_gold_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="cannot read gold file"):
        evaluate.load_gold(tmp_path / "nope.jsonl")


# ---- claims --------------------------------------------------------------------------------

CLAIM_PREDICTIONS = [
    # matches gold 1 (drug case differs); evidence wrong
    {
        "doc_id": "d",
        "drugs": ("Ketamine",),
        "direction": "superior",
        "negated": False,
        "certainty": "asserted",
        "evidence": "unspecified",
        "text": "Ketamine was more effective than methadone.",
    },
    # gold 2's sentence, wrong direction: not found
    {
        "doc_id": "d",
        "drugs": ["ketamine"],
        "direction": "benefit",
        "negated": False,
        "certainty": "hedged",
        "evidence": "unspecified",
        "text": "Ketamine may cause nausea.",
    },
    # no drug: counted as a claim without a drug
    {
        "doc_id": "d",
        "drugs": [],
        "direction": "harm",
        "negated": False,
        "certainty": "hedged",
        "evidence": "unspecified",
        "text": "Ketamine may cause nausea.",
    },
    # another document: ignored
    {
        "doc_id": "other",
        "drugs": ["x"],
        "direction": "harm",
        "negated": False,
        "certainty": "asserted",
        "evidence": "unspecified",
        "text": "X harms.",
    },
]
# gold 3 via a ClaimRow whose text is a longer span holding the sentence; drug order differs
CLAIM_ROW = ClaimRow(
    doc_id="d",
    claim_id="c3",
    sent_id=2,
    drugs=("ketamine", "methadone"),
    comparators=(),
    conditions=(),
    direction="no_difference",
    negated=True,
    certainty="asserted",
    evidence="rct",
    regimen_ids=(),
    stat_ids=(),
    text="Methadone/ketamine was not better than methadone. And more.",
)


@pytest.fixture(scope="module")
def claim_score() -> dict:
    gold = evaluate.load_gold_claims(FIXTURES / "eval_claims.jsonl")
    return evaluate.score_claims(gold, [*CLAIM_PREDICTIONS, CLAIM_ROW])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("gold", 3),
        ("predicted", 4),
        ("found", 2),
        ("recall", 2 / 3),
        ("certainty_accuracy", 1.0),
        ("evidence_accuracy", 0.5),
        ("negated_accuracy", 1.0),
        ("without_drug", 1),
    ],
    ids=lambda v: str(v),
)
def test_score_claims(claim_score: dict, key: str, expected):
    assert claim_score[key] == pytest.approx(expected)


def test_score_claims_lists_missed(claim_score: dict):
    assert [m["sentence"] for m in claim_score["missed"]] == ["Ketamine may cause nausea."]


@pytest.mark.parametrize(
    ("pred_text", "found"),
    [
        ("Ketamine was more effective than methadone.", 1),
        ("ketamine was  more effective than methadone", 1),  # case and spaces
        ("Ketamine was more effective", 1),  # a clause of the sentence
        ("Earlier text. Ketamine was more effective than methadone. Later.", 1),
        ("Methadone/ketamine was not better than methadone.", 0),  # another sentence
        ("", 0),
    ],
    ids=["same", "normalized", "clause", "longer", "other-sentence", "empty"],
)
def test_score_claims_sentence_overlap(pred_text: str, found: int):
    gold = evaluate.load_gold_claims(FIXTURES / "eval_claims.jsonl")[:1]
    pred = {**CLAIM_PREDICTIONS[0], "text": pred_text}
    assert evaluate.score_claims(gold, [pred])["found"] == found


def test_score_claims_uses_offsets_when_given():
    gold = evaluate.load_gold_claims(FIXTURES / "eval_claims.jsonl")[1:2]  # sent_start 44
    pred = {
        **CLAIM_PREDICTIONS[1],
        "direction": "harm",
        "text": "unrelated",
        "start": 50,
        "end": 60,
    }
    assert evaluate.score_claims(gold, [pred])["found"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"direction": "helps"}, "direction 'helps'"),
        ({"certainty": "sure"}, "certainty"),
        ({"evidence": "rumour"}, "evidence"),
        ({"negated": "no"}, "'negated' must be a bool"),
        ({"sent_start": True}, "'sent_start' must be a int"),
        ({"drugs": "ketamine"}, "'drugs' must be a list"),
    ],
    ids=["direction", "certainty", "evidence", "negated-type", "sent-start-bool", "drugs-type"],
)
def test_load_gold_claims_rejects(tmp_path: Path, change: dict, message: str):
    row = json.loads((FIXTURES / "eval_claims.jsonl").read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps({**row, **change}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        evaluate.load_gold_claims(path)


# ---- rendering -----------------------------------------------------------------------------


def test_render_json_round_trips(score: dict):
    out = evaluate.render({"tests/eval_gold.jsonl": score}, "json")
    assert json.loads(out)["tests/eval_gold.jsonl"]["labels"]["DRUG"]["lenient"]["P"] == 0.5


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("markdown", "| fixtures/eval_gold.jsonl | CONDITION | exhaustive,superset | 1.000 |"),
        ("markdown", "| fixtures/eval_gold.jsonl | ROUTE | exhaustive | - | - | - | - | 0 | 0 |"),
        ("markdown", "1 of 5 documents missing"),
        ("table", "DOSE"),
        ("table", "0.667"),
        ("table", "1 of 5 documents missing"),
    ],
    ids=["md-row", "md-unjudged-dash", "md-missing-note", "table-label", "table-f1", "table-note"],
)
def test_render_text_formats(score: dict, fmt: str, expected: str):
    assert expected in evaluate.render({"tests/fixtures/eval_gold.jsonl": score}, fmt)


@pytest.mark.parametrize(
    "render", [evaluate.render, evaluate.render_errors], ids=["scores", "errors"]
)
def test_render_rejects_unknown_format(render):
    with pytest.raises(InputError, match="unknown format 'csv'"):
        render({}, "csv")


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "table",
            "CONDITION boundary exh:46-62 'neuropathic pain' (gold 'chronic neuropathic pain')",
        ),
        ("markdown", "- DRUG miss missing:0-8 'Naloxone' in: Naloxone was given."),
    ],
    ids=["table", "markdown"],
)
def test_render_errors(gold, predicted, fmt: str, expected: str):
    out = evaluate.render_errors(evaluate.error_examples(gold, predicted, 5), fmt)
    assert expected in out


# ---- the committed gold files --------------------------------------------------------------


def test_seed_gold_loads_and_is_exhaustive():
    docs = evaluate.load_gold(SEEDS)
    raw = {p.stem: p.read_text(encoding="utf-8") for p in (REPO / "data" / "raw").glob("*.txt")}
    assert {d["id"] for d in docs} == set(raw)
    for d in docs:
        assert d["text"] == raw[d["id"]]
        assert set(d["label_scope"].values()) == {"exhaustive"}
        assert len(d["labels"]) == 7


def test_claims_gold_sentences_are_in_the_seeds():
    texts = {d["id"]: d["text"] for d in evaluate.load_gold(SEEDS)}
    claims = evaluate.load_gold_claims(CLAIMS)
    assert len(claims) >= 15
    bad = [
        c["sentence"]
        for c in claims
        if texts[c["doc_id"]][c["sent_start"] : c["sent_start"] + len(c["sentence"])]
        != c["sentence"]
        or not c["drugs"]
    ]
    assert bad == []


def _gold_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "data" / "gold" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_gold_passes_its_annotation_checks():
    # Offsets, no same-label overlaps, every occurrence of an annotated surface considered.
    docs = evaluate.load_gold(SEEDS)
    assert _gold_script("build_seeds").check(docs) == []


def test_claims_gold_is_what_build_claims_writes():
    rows, problems = _gold_script("build_claims").build()
    assert problems == []
    assert [dict(c) for c in evaluate.load_gold_claims(CLAIMS)] == rows


def _drop_first(label: str):
    def mutate(doc: dict) -> None:
        i = next(i for i, e in enumerate(doc["entities"]) if e["label"] == label)
        del doc["entities"][i]

    return mutate


def _shift_first(doc: dict) -> None:
    doc["entities"][0] = {**doc["entities"][0], "start": doc["entities"][0]["start"] + 1}


def _duplicate_first(doc: dict) -> None:
    doc["entities"].append(dict(doc["entities"][0]))


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (_drop_first("DRUG"), "is neither annotated nor skipped"),
        (_drop_first("CONDITION"), "is neither annotated nor skipped"),  # title: same surface
        (_shift_first, "does not match text[start:end]"),
        (_duplicate_first, "overlaps another"),
    ],
    ids=["unannotated-drug", "unannotated-condition", "bad-offset", "overlap"],
)
def test_seed_gold_checks_catch(mutate, problem: str):
    docs = json.loads(json.dumps(evaluate.load_gold(SEEDS)))
    target = next(d for d in docs if d["id"].startswith("002"))
    mutate(target)
    assert any(problem in p for p in _gold_script("build_seeds").check(docs))
