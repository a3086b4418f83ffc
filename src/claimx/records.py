"""One dataclass per output table; field order is column order.

Rows are values: nothing changes a row once it is made (use dataclasses.replace). They are not
declared frozen because a frozen dataclass sets each field through object.__setattr__, which
made building a row five times slower (5.5 us against 0.9 us for ten fields), and claimx builds
a row per mention, sentence, regimen, statistic and claim; unsafe_hash keeps them hashable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from operator import attrgetter
from typing import Any


@dataclass(slots=True, unsafe_hash=True)
class DocumentRow:
    doc_id: str
    source: str
    sha256: str
    n_chars: int
    n_sentences: int
    title: str | None = None
    journal: str | None = None
    year: str | None = None
    publication_types: str | None = None
    evidence: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class SentenceRow:
    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    section: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class MentionRow:
    doc_id: str
    mention_id: str
    sent_id: int
    label: str
    text: str
    start: int
    end: int
    norm: str | None
    concept_id: str | None
    rule_id: str
    # The same concept in another scheme: a drug's MeSH id beside its DrugBank id, a
    # condition's ICD-10-CM code (MESH:D007649, ICD10CM:G43).
    xref: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class RegimenRow:
    doc_id: str
    regimen_id: str
    sent_id: int
    drug: str | None
    drug_id: str | None
    dose_text: str | None
    dose_low: float | None
    dose_high: float | None
    dose_unit: str | None
    route: str | None
    frequency_text: str | None
    frequency_per_day: float | None
    duration_text: str | None
    duration_days: float | None
    daily_dose_low: float | None
    daily_dose_high: float | None
    daily_dose_unit: str | None
    daily_dose_derived: bool
    mention_ids: tuple[str, ...]
    combination: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class StatisticRow:
    doc_id: str
    stat_id: str
    sent_id: int
    kind: str
    text: str
    start: int
    end: int
    comparator: str | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float | None
    measure: str | None = None
    group: str | None = None
    unit: str | None = None
    sd: float | None = None
    spread_kind: str | None = None
    spread_low: float | None = None
    spread_high: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n_obs: float | None = None
    test_type: str | None = None
    df1: float | None = None
    df2: float | None = None
    p_comparator: str | None = None
    p_reported: float | None = None
    p_computed: float | None = None
    error: bool | None = None
    decision_error: bool | None = None
    flags: tuple[str, ...] = ()
    rule_id: str = ""


# The values the claims table's columns take (the output contract).
DIRECTIONS = ("benefit", "harm", "no_difference", "superior", "inferior", "unclear")
CERTAINTIES = ("strong", "asserted", "hedged")
EVIDENCE_TYPES = (
    "meta_analysis",
    "systematic_review",
    "rct",
    "observational",
    "case_series",
    "case_report",
    "preclinical",
    "review",
    "expert_opinion",
    "anecdote",
    "unspecified",
)


@dataclass(slots=True, unsafe_hash=True)
class ClaimRow:
    doc_id: str
    claim_id: str
    sent_id: int
    drugs: tuple[str, ...]
    comparators: tuple[str, ...]
    conditions: tuple[str, ...]
    direction: str
    negated: bool
    certainty: str
    evidence: str
    regimen_ids: tuple[str, ...]
    stat_ids: tuple[str, ...]
    text: str
    start: int | None = None
    end: int | None = None
    attribution: str | None = None
    overclaim: str | None = None
    rule_id: str = ""


@dataclass(slots=True, unsafe_hash=True)
class AbbreviationRow:
    doc_id: str
    short: str
    long: str
    start: int
    end: int


TABLES: dict[str, type] = {
    "documents": DocumentRow,
    "sentences": SentenceRow,
    "mentions": MentionRow,
    "regimens": RegimenRow,
    "statistics": StatisticRow,
    "claims": ClaimRow,
    "abbreviations": AbbreviationRow,
}


def columns(table: str) -> list[str]:
    """Column names of a table, in order."""
    return [f.name for f in fields(TABLES[table])]


@cache
def _values_getter(cls: Any) -> Any:
    names = [f.name for f in fields(cls)]
    if len(names) == 1:
        only = attrgetter(names[0])
        return lambda row: (only(row),)
    return attrgetter(*names)


def row_values(row: Any) -> tuple[Any, ...]:
    """A row's values in column order (one attrgetter per class: fast)."""
    return _values_getter(row.__class__)(row)  # type: ignore[no-any-return]


def pack_tables(tables: dict[str, list[Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows as plain tuples, to send between processes: pickling a dataclass row costs
    several times more than its values."""
    return {name: [row_values(r) for r in rows] for name, rows in tables.items()}


def unpack_tables(packed: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """The rows pack_tables packed."""
    return {name: [TABLES[name](*values) for values in rows] for name, rows in packed.items()}
