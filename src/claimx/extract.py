"""Documents in, table rows out: the one place where spaCy Docs become records."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimx.load import Document, sha256_text
from claimx.recognize.base import Found, Mention
from claimx.records import (
    AbbreviationRow,
    ClaimRow,
    DocumentRow,
    MentionRow,
    RegimenRow,
    SentenceRow,
    StatisticRow,
)

BATCH_SIZE = 32


@dataclass(slots=True)
class DocResult:
    """Every table's rows for one document."""

    document: DocumentRow
    sentences: list[SentenceRow] = field(default_factory=list)
    mentions: list[MentionRow] = field(default_factory=list)
    regimens: list[RegimenRow] = field(default_factory=list)
    statistics: list[StatisticRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    abbreviations: list[AbbreviationRow] = field(default_factory=list)

    def tables(self) -> dict[str, list[Any]]:
        """Rows by table name, documents first."""
        return {
            "documents": [self.document],
            "sentences": self.sentences,
            "mentions": self.mentions,
            "regimens": self.regimens,
            "statistics": self.statistics,
            "claims": self.claims,
            "abbreviations": self.abbreviations,
        }


def sentence_spans(doc: Any) -> list[tuple[int, int]]:
    """Character spans of the Doc's sentences, trimmed of surrounding white space; blank ones
    are dropped."""
    text = doc.text
    spans: list[tuple[int, int]] = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def sentence_index(spans: list[tuple[int, int]], offset: int) -> int:
    """Index of the sentence holding `offset` (the nearest one before it when it falls in a gap)."""
    starts = [s for s, _ in spans]
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def mentions_of(doc: Any, spans: list[tuple[int, int]]) -> list[Mention]:
    """The Doc's recognized mentions, sorted, deduplicated, with ids m1, m2... in text order."""
    found: list[Found] = doc._.claimx_found or []
    unique = sorted(set(found), key=lambda f: (f.start, f.end, f.label, f.rule_id))
    starts = [s for s, _ in spans]
    out = []
    for n, f in enumerate(unique, 1):
        sent_id = max(bisect.bisect_right(starts, f.start) - 1, 0) if starts else 0
        out.append(Mention(f"m{n}", sent_id, f))
    return out


def document_evidence(document: Document) -> str | None:
    """The evidence type the document's own metadata states (publication types), if any."""
    return document.meta.get("evidence") if document.meta else None


def doc_to_result(doc: Any, document: Document) -> DocResult:
    """Turn one processed Doc into rows for every table."""
    from claimx.claims import build_claims
    from claimx.recognize.stats import statistic_rows
    from claimx.regimens import link_regimens

    doc_id = document.doc_id
    text = document.text
    spans = sentence_spans(doc)
    mentions = mentions_of(doc, spans)
    result = DocResult(
        DocumentRow(
            doc_id=doc_id,
            source=document.source,
            sha256=document.sha256,
            n_chars=len(text),
            n_sentences=len(spans),
            title=document.title,
        )
    )
    result.sentences = [
        SentenceRow(doc_id, i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)
    ]
    result.mentions = [
        MentionRow(
            doc_id=doc_id,
            mention_id=m.mention_id,
            sent_id=m.sent_id,
            label=m.found.label,
            text=text[m.start : m.end],
            start=m.start,
            end=m.end,
            norm=m.found.norm,
            concept_id=m.found.concept_id,
            rule_id=m.found.rule_id,
        )
        for m in mentions
    ]
    result.regimens = link_regimens(doc_id, text, spans, mentions)
    result.statistics = statistic_rows(doc_id, text, mentions)
    result.claims = build_claims(
        doc_id, text, spans, mentions, result.regimens, result.statistics,
        document_evidence(document),
    )
    abbreviations = {}
    for short in getattr(doc._, "abbreviations", None) or []:
        long_form = short._.long_form
        if long_form is None:
            continue
        key = (short.start_char, short.end_char)
        abbreviations[key] = AbbreviationRow(
            doc_id, short.text, long_form.text, short.start_char, short.end_char
        )
    result.abbreviations = [abbreviations[k] for k in sorted(abbreviations)]
    return result


class Extractor:
    """Holds one pipeline and turns documents into DocResults; build once, reuse."""

    def __init__(self, rules: str | Path | None = None, model: str | None = None) -> None:
        from claimx.pipeline import build_nlp

        self.nlp = build_nlp(rules, model)

    def process(self, documents: Iterable[Document]) -> Iterator[DocResult]:
        """DocResults in input order."""
        pairs = ((d.text, d) for d in documents)
        for doc, document in self.nlp.pipe(pairs, as_tuples=True, batch_size=BATCH_SIZE):
            yield doc_to_result(doc, document)

    def process_one(self, document: Document) -> DocResult:
        """One document's rows."""
        return doc_to_result(self.nlp(document.text), document)


def extract_records(
    documents: Iterable[tuple[str, str]],
    rules: str | Path | None = None,
    model: str | None = None,
) -> Iterator[dict[str, list[Any]]]:
    """Rows of every table for each (doc_id, text) pair, one dict per document.

    No global state: safe to call inside a worker of a distributed engine (Dask, Spark), where
    each partition builds its own pipeline once and the partitions' rows concatenate.
    """
    extractor = Extractor(rules, model)
    for doc_id, text in documents:
        document = Document(str(doc_id), text, str(doc_id), sha256_text(text))
        yield extractor.process_one(document).tables()
