"""Extraction quality against gold, with committed floors: a change that loses accuracy fails.

The seed gold (data/gold/seeds.jsonl) is ours and always present. The dev gold sets of
../shared/eval are scored where that folder sits beside the checkout (as in CI), and skipped with a
reason elsewhere. Floors sit just below what the code scored when they were set (lenient match,
the metric scope allows: F1 where precision and recall are both judged, else recall or precision).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claimx.evaluate import load_gold, load_gold_claims, score_claims, score_documents
from claimx.load import Document, sha256_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "gold" / "seeds.jsonl"
CLAIMS = ROOT / "data" / "gold" / "claims.jsonl"
DEV = ROOT.parent / "shared" / "eval"

# (gold file, label, metric): floor
FLOORS = {
    ("seeds", "DRUG", "F1"): 0.99,
    ("seeds", "CONDITION", "F1"): 0.99,
    ("seeds", "DOSE", "F1"): 0.97,
    ("seeds", "ROUTE", "F1"): 0.97,
    ("seeds", "FREQUENCY", "F1"): 0.99,
    ("seeds", "DURATION", "F1"): 0.99,
    ("seeds", "STATISTIC", "F1"): 0.97,
    ("bc5cdr", "CONDITION", "F1"): 0.92,
    ("bc5cdr", "DRUG", "P"): 0.91,
    ("ncbi_disease", "CONDITION", "F1"): 0.84,
    ("phee", "DRUG", "R"): 0.96,
    ("phee", "CONDITION", "R"): 0.76,
    ("phee", "DOSE", "R"): 0.87,
    ("phee", "ROUTE", "R"): 0.94,
    ("phee", "FREQUENCY", "R"): 0.97,
    ("phee", "DURATION", "R"): 0.72,
    ("ade_corpus_v2", "DRUG", "R"): 0.92,
    ("ade_corpus_v2", "CONDITION", "R"): 0.78,
    ("ade_corpus_v2", "DOSE", "R"): 0.97,
    ("pico_corpus", "STATISTIC", "R"): 0.92,
    ("pico_corpus", "CONDITION", "R"): 0.74,
}


def _path(name: str) -> Path:
    return SEEDS if name == "seeds" else DEV / f"{name}.dev.jsonl"


@pytest.fixture(scope="module")
def scored(extractor) -> dict:
    """Scores of every gold file present, and the predicted claims of the seeds."""
    out: dict = {}
    for name in sorted({k[0] for k in FLOORS}):
        path = _path(name)
        if not path.is_file():
            continue
        gold = load_gold(path)
        docs = [Document(str(d["id"]), d["text"], name, sha256_text(d["text"])) for d in gold]
        predicted, claims = {}, []
        for r in extractor.process(docs):
            predicted[r.document.doc_id] = [
                {"label": m.label, "start": m.start, "end": m.end} for m in r.mentions
            ]
            claims.extend(r.claims)
        out[name] = score_documents(gold, predicted)
        if name == "seeds":
            out["claims"] = score_claims(load_gold_claims(CLAIMS), claims)
    return out


@pytest.mark.parametrize(
    ("key", "floor"), sorted(FLOORS.items()), ids=["-".join(k) for k in sorted(FLOORS)]
)
def test_quality_floor(scored: dict, key: tuple[str, str, str], floor: float) -> None:
    name, label, metric = key
    if name not in scored:
        pytest.skip(f"{_path(name)} is not here (the dev gold sets sit in ../shared/eval)")
    row = scored[name]["labels"][label]["lenient"]
    assert row[metric] is not None and row[metric] >= floor, f"{name} {label} {metric}: {row}"


def test_seed_claims_floor(scored: dict) -> None:
    c = scored["claims"]
    assert c["recall"] >= 0.9, c["missed"]
    assert c["certainty_accuracy"] >= 0.9 and c["evidence_accuracy"] >= 0.9
    assert c["without_drug"] == 0
