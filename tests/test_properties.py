"""Properties of extraction over arbitrary Unicode text (hypothesis).

Whatever the text, extraction does not raise; every mention, statistic and sentence row holds
exactly the characters its offsets name; mentions and statistics lie inside the sentence whose
id they carry; every number in the regimens and statistics tables is finite or empty. The text
is biased towards what real papers hold: micro signs, plus-minus, comparison and minus signs,
dashes, non-breaking, thin and zero-width spaces, units, P values and confidence intervals.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimx.load import Document, sha256_text

PAPER_PIECES = (
    "µ",
    "μ",
    "±",
    "≤",
    "≥",
    "<",
    ">",
    "=",
    "×",
    "−",
    "–",
    "—",
    "‐",
    "·",
    "⁻",
    "²",
    "°",
    "%",
    "\u00a0",
    "\u2009",
    "\u202f",
    "\u200b",
    "\ufeff",
    "\t",
    "\n",
    "\n\n",
    " ",
    " ",
    "0",
    "1",
    "2",
    "5",
    "10",
    "0.5",
    ".05",
    "2.5",
    "1,000",
    "1 000",
    "10^-3",
    "×10⁻³",
    "1e-4",
    "mg",
    "mg/kg",
    "µg/kg/min",
    "mL",
    "IU",
    "mmol/L",
    "g",
    "kg",
    "h",
    "days",
    "weeks",
    "P =",
    "p<",
    "P ≤ ",
    "95% CI",
    "CI:",
    "OR",
    "HR",
    "RR",
    "SD",
    "n =",
    "t(28) =",
    "F(1, 28) =",
    "χ2(2) =",
    "r =",
    "vs.",
    "e.g.",
    "i.v.",
    "et al.",
    "Fig. 2",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ".",
    ",",
    ";",
    ":",
    "/",
    "-",
    "'",
    '"',
    "“",
    "”",
    "ketamine",
    "Ketamine",
    "morphine",
    "methadone",
    "oxytocin",
    "aspirin",
    "placebo",
    "orally",
    "iv",
    "intravenously",
    "twice daily",
    "b.i.d.",
    "q8h",
    "for 2 weeks",
    "patients",
    "depression",
    "pain",
    "reduced",
    "did not",
    "may",
    "significantly",
)

pieces = st.one_of(
    st.sampled_from(PAPER_PIECES),
    st.sampled_from(PAPER_PIECES),
    st.sampled_from(PAPER_PIECES),
    st.text(max_size=4),
)
paper_like = st.lists(pieces, max_size=80).map("".join)
# Anything at all, surrogates aside (they cannot come from decoded text).
any_text = st.text(max_size=400)


@pytest.fixture(scope="module")
def extractor():
    from claimx.extract import Extractor

    return Extractor()


def extract(extractor: Any, text: str) -> dict[str, list[Any]]:
    (result,) = list(extractor.process([Document("d", text, "d", sha256_text(text))]))
    return result.tables()


def offset_problems(text: str, tables: dict[str, list[Any]]) -> list[str]:
    """Everything wrong with the tables' offsets and numbers, for one message."""
    problems = []
    sentences = tables["sentences"]
    for i, s in enumerate(sentences):
        if s.sent_id != i or text[s.start : s.end] != s.text or not 0 <= s.start < s.end:
            problems.append(f"sentence {s}")
    for table in ("mentions", "statistics"):
        for row in tables[table]:
            if not (0 <= row.start < row.end <= len(text)):
                problems.append(f"{table} offsets out of the text: {row}")
            elif text[row.start : row.end] != row.text:
                problems.append(f"{table} text != text[start:end]: {row}")
            if not 0 <= row.sent_id < len(sentences):
                problems.append(f"{table} sent_id out of range: {row}")
                continue
            sent = sentences[row.sent_id]
            if not (sent.start <= row.start and row.end <= sent.end):
                problems.append(f"{table} outside its sentence {sent.start}-{sent.end}: {row}")
    for table in ("regimens", "statistics", "claims"):
        for row in tables[table]:
            if not 0 <= row.sent_id < max(len(sentences), 1):
                problems.append(f"{table} sent_id out of range: {row}")
    for table in ("regimens", "statistics"):
        for row in tables[table]:
            for f in fields(row):
                value = getattr(row, f.name)
                if isinstance(value, float) and not math.isfinite(value):
                    problems.append(f"{table}.{f.name} is {value}: {row}")
    return problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ketamine 10 mg.", None),
        ("Ketamine 10 mg.", "mentions text"),
        ("Ketamine 10 mg. Then morphine 5 mg.", "outside its sentence"),
        ("Ketamine 10 mg.", "nan"),
    ],
    ids=["clean", "shifted-mention", "wrong-sentence", "nan-dose"],
)
def test_offset_problems_sees_each_fault(extractor: Any, text: str, problem: str | None) -> None:
    # The checker itself, on real rows that are then broken one way each.
    from dataclasses import replace

    tables = extract(extractor, text)
    if problem == "mentions text":
        m = tables["mentions"][0]
        tables["mentions"][0] = replace(m, start=m.start + 1, end=m.end + 1)
    elif problem == "outside its sentence":
        m = tables["mentions"][-1]
        tables["mentions"][-1] = replace(m, sent_id=0)
    elif problem == "nan":
        r = tables["regimens"][0]
        tables["regimens"][0] = replace(r, dose_low=float("nan"))
    found = offset_problems(text, tables)
    if problem is None:
        assert found == []
    else:
        assert any(problem.split()[0] in p for p in found), found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=paper_like)
def test_paper_like_text_extracts_with_exact_offsets(extractor: Any, text: str) -> None:
    tables = extract(extractor, text)
    assert tables["documents"][0].n_chars == len(text)
    assert offset_problems(text, tables) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_arbitrary_unicode_extracts_with_exact_offsets(extractor: Any, text: str) -> None:
    tables = extract(extractor, text)
    assert offset_problems(text, tables) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(paper_like, min_size=1, max_size=4))
def test_a_batch_gives_one_result_per_document_in_order(extractor: Any, texts: list[str]) -> None:
    docs = [Document(f"d{i}", t, f"d{i}", sha256_text(t)) for i, t in enumerate(texts)]
    results = list(extractor.process(docs))
    assert [r.document.doc_id for r in results] == [d.doc_id for d in docs]
    assert [r.document.n_chars for r in results] == [len(t) for t in texts]
