"""The regimen finders against the exhaustive gold of the seed texts, with committed floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimx.recognize.regimen import find_regimen_mentions

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold" / "seeds.jsonl"
# Lenient (overlap) precision and recall measured when these floors were set: all 1.0.
FLOORS = {"DOSE": 0.95, "ROUTE": 0.95, "FREQUENCY": 1.0, "DURATION": 1.0}


def _docs() -> list[dict]:
    with GOLD.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize("label", sorted(FLOORS))
def test_seed_gold_floor(label: str) -> None:
    tp_gold = n_gold = tp_pred = n_pred = 0
    for doc in _docs():
        gold = [(e["start"], e["end"]) for e in doc["entities"] if e["label"] == label]
        pred = [(f.start, f.end) for f in find_regimen_mentions(doc["text"]) if f.label == label]
        tp_gold += sum(any(_overlaps(g, p) for p in pred) for g in gold)
        tp_pred += sum(any(_overlaps(p, g) for g in gold) for p in pred)
        n_gold += len(gold)
        n_pred += len(pred)
    assert n_gold, f"no {label} in the seed gold"
    assert tp_gold / n_gold >= FLOORS[label], f"{label} recall {tp_gold}/{n_gold}"
    assert tp_pred / max(n_pred, 1) >= FLOORS[label], f"{label} precision {tp_pred}/{n_pred}"
