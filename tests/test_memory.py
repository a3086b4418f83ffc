"""Memory stays flat over a long run: spaCy's vocabulary is freed per group of documents, and
the run's manifest entries are spooled, not held."""

from __future__ import annotations

from typing import Any

import pytest

import claimx.extract as extract
from claimx.load import Document, sha256_text


def word(k: int) -> str:
    """A new word for each document (letters only: the tokenizer keeps it whole)."""
    return "Zorbulin" + chr(97 + k % 26) + chr(97 + k // 26)


def documents(n: int) -> list[Document]:
    texts = [
        f"Patients (n = {40 + k}) received ketamine {k + 1}.{k} mg/kg IV q{k + 4}h; "
        f"pain fell by {k + 10}% (P = .0{k % 9 + 1}). {word(k)} was not tested."
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


@pytest.mark.parametrize("batch", [1, 5, 40], ids=["one-at-a-time", "batches-of-5", "all-at-once"])
def test_new_words_do_not_stay_in_the_vocabulary(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(extract, "ZONE_DOCUMENTS", 4)
    extractor = extract.Extractor()
    baseline = len(extractor.nlp.vocab.strings)
    docs = documents(40)
    for k in range(0, len(docs), batch):  # a worker gets its documents in small batches
        run(extractor, docs[k : k + batch])
    strings = extractor.nlp.vocab.strings
    assert not [k for k in range(40) if word(k) in strings]  # every full zone was closed
    assert len(strings) - baseline < 4 * 10  # not 40 documents' worth of new words
    run(extractor, docs[:3])
    assert word(2) in strings  # the zone still open (3 of 4) holds its documents' words


MANIFESTS = [
    {},
    {"a": 1, "inputs": []},
    {"a": 1, "inputs": [{"doc_id": "x", "status": "ok"}], "rows": {"m": 2}},
    {
        "claimx_version": "0.1",
        "options": {"paths": ["a b", "ü\n"], "jobs": 2, "x": None},
        "inputs": [{"source": "a\u2028b", "n": [1, 2.5, True]}, {"source": '"q"\\'}],
        "timings": {"total_s": 1.25},
        "empty": {},
    },
]


@pytest.mark.parametrize(
    "manifest", MANIFESTS, ids=["empty", "no-inputs", "one-input", "every-kind-of-value"]
)
@pytest.mark.parametrize("streamed", [False, True], ids=["list", "iterator"])
def test_write_manifest_writes_what_json_dump_writes(
    manifest: dict[str, Any], streamed: bool
) -> None:
    import io
    import json

    from claimx.write import write_manifest

    expected = io.StringIO()
    json.dump(manifest, expected, ensure_ascii=False, indent=1, allow_nan=False)
    expected.write("\n")
    given = dict(manifest)
    if streamed and "inputs" in given:
        given["inputs"] = iter(given["inputs"])
    out = io.StringIO()
    write_manifest(out, given)
    assert out.getvalue() == expected.getvalue()
    assert json.loads(out.getvalue()) == manifest


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        ([1, 2, 3], [1, 2, 3]),
        ([3, 1, 2], [1, 2, 3]),
        ([2, 4, 1], [1, 2, 4]),
        ([5, 3], [3, 5]),
        ([], []),
    ],
    ids=["in-order", "out-of-order", "gap-left-by-an-interruption", "only-later", "none"],
)
def test_input_log_gives_entries_in_input_order(positions: list[int], expected: list[int]) -> None:
    from claimx.runner import InputLog

    log = InputLog()
    for p in positions:
        log.add({"doc_id": f"d{p}", "pos": p}, p)
    assert len(log) == len(positions)
    assert [e["pos"] for e in log] == expected
    assert [e["pos"] for e in log] == expected  # read twice: the same
    log.add({"doc_id": "late", "pos": 99}, 99)
    assert [e["pos"] for e in log] == [*expected, 99]


def test_input_log_holds_only_the_entries_waiting_for_an_earlier_one() -> None:
    from claimx.runner import InputLog

    log = InputLog()
    log.add({"pos": 2}, 2)
    log.add({"pos": 3}, 3)
    assert len(log._waiting) == 2
    log.add({"pos": 1}, 1)
    assert log._waiting == {}
    for p in range(4, 1000):
        log.add({"pos": p}, p)
    assert log._waiting == {}
    assert len(log) == 999
