"""What every recognizer returns, and the spaCy component that runs one on a Doc."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LABELS = ("DRUG", "DOSE", "ROUTE", "FREQUENCY", "DURATION", "CONDITION", "STATISTIC")


@dataclass(slots=True, unsafe_hash=True)
class Found:
    """One recognized mention: character offsets into the document text (end exclusive).

    A value: never changed once made (see records.py for why it is not declared frozen).

    `data` carries parsed values for the later stages (dose_low, unit, per_day, kind, value...).
    """

    start: int
    end: int
    label: str
    rule_id: str
    norm: str | None = None
    concept_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


Finder = Callable[[str], Iterable[Found]]


# doc.user_data key: False when no doc.spans["claimx"] group is wanted (see add_found).
SPAN_GROUP_KEY = "claimx_span_group"


def register_extensions() -> None:
    """Register claimx's custom attributes once (guarded; never forced)."""
    from spacy.tokens import Doc

    if not Doc.has_extension("claimx_found"):
        Doc.set_extension("claimx_found", default=None)


def doc_text(doc: Any) -> str:
    """The Doc's text, built once per Doc: spaCy rebuilds `doc.text` from every token on
    each access, and every claimx component needs it."""
    text = doc.user_data.get("claimx_text")
    if text is None:
        text = doc.user_data["claimx_text"] = doc.text
    return text


def add_found(doc: Any, found: Iterable[Found]) -> None:
    """Append mentions to doc._.claimx_found and mirror them as spans in doc.spans['claimx']
    (for spaCy users; claimx's own tables read claimx_found, and its pipeline turns the span
    group off through doc.user_data[SPAN_GROUP_KEY], which saves a span per mention)."""
    items = list(found)
    if doc._.claimx_found is None:
        doc._.claimx_found = []
    doc._.claimx_found.extend(items)
    if not doc.user_data.get(SPAN_GROUP_KEY, True):
        return
    group = doc.spans["claimx"] if "claimx" in doc.spans else None
    spans = list(group) if group is not None else []
    for f in items:
        span = doc.char_span(f.start, f.end, label=f.label, alignment_mode="expand")
        if span is not None:
            span.id_ = f.rule_id
            spans.append(span)
    doc.spans["claimx"] = spans


class TextRecognizer:
    """A spaCy component that runs a `find(text)` function over the whole document text."""

    def __init__(self, name: str, find: Finder) -> None:
        register_extensions()
        self.name = name
        self.find = find

    def __call__(self, doc: Any) -> Any:
        add_found(doc, self.find(doc_text(doc)))
        return doc


def drop_overlaps(found: Iterable[Found]) -> list[Found]:
    """Keep the longest of overlapping mentions of one label (earlier wins a tie), sorted.

    O(n log n) searches: the kept spans of a label are disjoint, so only the one that starts
    before a candidate's end can overlap it; a text full of mentions stays fast.
    """
    ordered = sorted(found, key=lambda f: (-(f.end - f.start), f.start))
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    kept: list[Found] = []
    for f in ordered:
        s, e = starts.setdefault(f.label, []), ends.setdefault(f.label, [])
        i = bisect.bisect_left(s, f.end)
        if i and e[i - 1] > f.start:
            continue
        s.insert(i, f.start)
        e.insert(i, f.end)
        kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end, f.label))


@dataclass(slots=True, unsafe_hash=True)
class Mention:
    """A Found with its document-local id and the index of its sentence (what later stages see)."""

    mention_id: str
    sent_id: int
    found: Found

    @property
    def label(self) -> str:
        return self.found.label

    @property
    def start(self) -> int:
        return self.found.start

    @property
    def end(self) -> int:
        return self.found.end
