"""build_claims against the gold claims of the seeds (data/gold/claims.jsonl), fed the gold
mentions (data/gold/seeds.jsonl) so that only the claim rules are measured, with committed
floors. Measured when written: 50/50 found, certainty 1.00, evidence 0.98, negation 1.00."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_claims import sentences_of

from claimx.claims import build_claims
from claimx.evaluate import score_claims
from claimx.recognize.base import Found, Mention

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold"
FLOORS = {
    "recall": 0.90,
    "certainty_accuracy": 0.90,
    "evidence_accuracy": 0.90,
    "negated_accuracy": 0.90,
}


@pytest.fixture(scope="module")
def score() -> dict[str, Any]:
    if not (GOLD / "claims.jsonl").is_file():
        pytest.skip("data/gold/claims.jsonl is not there")
    gold = [json.loads(line) for line in (GOLD / "claims.jsonl").open(encoding="utf-8")]
    claims = []
    for line in (GOLD / "seeds.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        sentences = sentences_of(doc["text"])
        entities = sorted(doc["entities"], key=lambda e: (e["start"], e["end"]))
        mentions = [
            Mention(
                f"m{n}",
                0,
                Found(e["start"], e["end"], e["label"], "gold", norm=e["norm"] or e["text"]),
            )
            for n, e in enumerate(entities, 1)
        ]
        claims += build_claims(doc["id"], doc["text"], sentences, mentions, [], [])
    return score_claims(gold, claims)


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_gold_claims_floor(score: dict[str, Any], measure: str) -> None:
    assert score[measure] >= FLOORS[measure], score["missed"]


def test_no_claim_without_a_drug(score: dict[str, Any]) -> None:
    assert score["predicted"] > 0 and score["without_drug"] == 0
