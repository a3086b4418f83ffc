"""Memory stays flat over a long run: spaCy's vocabulary is freed per group of documents, and
the run's manifest entries are spooled, not held."""

from __future__ import annotations

from typing import Any

import pytest

import claimx.extract as extract
from claimx.load import Document, sha256_text


def documents(n: int) -> list[Document]:
    texts = [
        f"Patients (n = {40 + k}) received ketamine {k + 1}.{k} mg/kg IV q{k + 4}h; "
        f"pain fell by {k + 10}% (P = .0{k % 9 + 1}). Zorbulin{k} was not tested."
        for k in range(n)
    ]
    return [Document(str(k), t, str(k), sha256_text(t)) for k, t in enumerate(texts)]


@pytest.fixture(scope="module")
def extractor() -> Any:
    return extract.Extractor()


def run(extractor: Any, docs: list[Document]) -> list[dict[str, list[Any]]]:
    return [r.tables() for r in extractor.process(docs)]


@pytest.mark.parametrize("zone", [1, 3, 7], ids=["one-per-zone", "three-per-zone", "seven"])
def test_memory_zones_change_no_row(
    extractor: Any, monkeypatch: pytest.MonkeyPatch, zone: int
) -> None:
    docs = documents(10)
    monkeypatch.setattr(extract, "ZONE_DOCUMENTS", 1000)
    whole = run(extractor, docs)
    monkeypatch.setattr(extract, "ZONE_DOCUMENTS", zone)
    assert run(extractor, docs) == whole
    assert len(whole) == 10 and all(t["mentions"] for t in whole)


def test_new_words_do_not_stay_in_the_vocabulary(
    extractor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "ZONE_DOCUMENTS", 4)
    run(extractor, documents(2))
    before = len(extractor.nlp.vocab.strings)
    run(extractor, documents(40))
    assert len(extractor.nlp.vocab.strings) == before
    assert "Zorbulin39" not in extractor.nlp.vocab.strings
