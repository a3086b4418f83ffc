"""Run extraction over gold files and score it (what `claimx evaluate` and `make eval` do)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimx.load import Document, sha256_text


@dataclass
class Measurement:
    scores: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    claims: dict[str, Any] | None = None


def measure(
    gold_paths: list[str],
    *,
    errors: int = 0,
    claims_path: str | None = None,
    rules: str | None = None,
    model: str | None = None,
) -> Measurement:
    """Extract every gold document once and score its mentions (and claims, if given)."""
    from claimx.evaluate import (
        error_examples,
        load_gold,
        load_gold_claims,
        score_claims,
        score_documents,
    )
    from claimx.extract import Extractor

    extractor = Extractor(rules, model)
    result = Measurement()
    claim_rows: list[Any] = []
    for path in gold_paths:
        gold = load_gold(path)
        docs = [Document(str(d["id"]), d["text"], str(path), sha256_text(d["text"])) for d in gold]
        predicted: dict[str, list[dict[str, Any]]] = {}
        for r in extractor.process(docs):
            predicted[r.document.doc_id] = [
                {"label": m.label, "start": m.start, "end": m.end, "text": m.text}
                for m in r.mentions
            ]
            claim_rows.extend(r.claims)
        result.scores[path] = score_documents(gold, predicted)
        if errors:
            result.errors[path] = error_examples(gold, predicted, errors)
    if claims_path:
        result.claims = score_claims(load_gold_claims(Path(claims_path)), claim_rows)
    return result
