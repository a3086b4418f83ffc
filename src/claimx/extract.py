"""Documents in, table rows out: the one place where spaCy Docs become records."""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from claimx.compiled import save_patterns
from claimx.load import Document, sha256_text
from claimx.recognize.base import Found, Mention, doc_text
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
# Documents per spaCy memory zone (see Extractor._zone_room): each new zone starts with a cold
# tokenizer cache (zones of 256 documents cost 14% more CPU than one zone on the 2 MB reference
# corpus), while the words of 4,096 abstracts take a few MB.
ZONE_DOCUMENTS = 4096


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


# Texts longer than this are processed in pieces cut at line or sentence breaks, so that a
# single huge file never meets spaCy's length limit or holds one giant Doc in memory.
CHUNK_CHARS = 200_000


@dataclass(slots=True)
class Piece:
    """What the pipeline found in one piece of a document, offsets already in document terms."""

    sentences: list[tuple[int, int]]
    found: list[Found]
    abbreviations: list[tuple[int, int, str, str]]


# A run of characters with no white space longer than this is no word (OCR junk, an ASCII
# table, a broken export); spaCy's tokenizer is quadratic in such a run, so it is cut into
# pieces of RUN_PIECE characters, each tokenized on its own.
LONG_RUN = re.compile(r"\S{1000,}")
RUN_PIECE = 256


def chunk_bounds(text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Cut `text` into pieces of at most `limit` characters, preferring paragraph, line,
    sentence and word breaks, in that order; runs of 1,000+ characters without white space
    become pieces of their own, of RUN_PIECE characters."""
    bounds = []
    start, n = 0, len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            k = window.rfind(sep, limit // 2)
            if k != -1:
                cut = k + len(sep)
                break
        end = start + (cut if cut > 0 else limit)
        bounds.append((start, end))
        start = end
    bounds.append((start, n))
    runs = [m.span() for m in LONG_RUN.finditer(text)]
    if not runs:
        return bounds
    cuts = {b for pair in bounds for b in pair}
    for a, b in runs:
        cuts.update(range(a, b, RUN_PIECE))
        cuts.add(b)
    points = sorted(cuts)
    return [(a, b) for a, b in zip(points, points[1:], strict=False) if b > a]


def analyze(doc: Any, base: int = 0) -> Piece:
    """Sentences, mentions and abbreviations of one processed Doc, shifted by `base`."""
    text = doc_text(doc)
    spans: list[tuple[int, int]] = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start + base, end + base))
    found: list[Found] = list(doc._.claimx_found or [])
    if base:
        found = [replace(f, start=f.start + base, end=f.end + base) for f in found]
    abbreviations = []
    for short in getattr(doc._, "abbreviations", None) or []:
        long_form = short._.long_form
        if long_form is not None:
            abbreviations.append(
                (short.start_char + base, short.end_char + base, short.text, long_form.text)
            )
    return Piece(spans, found, abbreviations)


def sentence_index(starts: list[int], offset: int) -> int:
    """Index of the sentence holding `offset` (the nearest one before it, in a gap)."""
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def document_evidence(document: Document) -> str | None:
    """The evidence type the document's own metadata states (publication types), if any."""
    return document.meta.get("evidence") if document.meta else None


def assemble(document: Document, pieces: list[Piece], rules: str | Path | None = None) -> DocResult:
    """Rows for every table from the pieces of one document."""
    from claimx.claims import build_claims
    from claimx.recognize.stats import statistic_rows
    from claimx.regimens import link_regimens

    doc_id = document.doc_id
    text = document.text
    meta = document.meta or {}
    spans = [s for p in pieces for s in p.sentences]
    starts = [s for s, _ in spans]
    unique = sorted(
        {f for p in pieces for f in p.found}, key=lambda f: (f.start, f.end, f.label, f.rule_id)
    )
    mentions = [
        Mention(f"m{n}", sentence_index(starts, f.start) if starts else 0, f)
        for n, f in enumerate(unique, 1)
    ]
    result = DocResult(
        DocumentRow(
            doc_id=doc_id,
            source=document.source,
            sha256=document.sha256,
            n_chars=len(text),
            n_sentences=len(spans),
            title=document.title,
            journal=meta.get("journal"),
            year=meta.get("year"),
            publication_types=meta.get("publication_types"),
            evidence=meta.get("evidence"),
        )
    )
    sections: list[str | None] = [None] * len(spans)
    if meta.get("sections"):
        from claimx.sources import sentence_sections

        sections = sentence_sections(meta.get("sections"), spans)
    result.sentences = [
        SentenceRow(doc_id, i, s, e, text[s:e], sections[i]) for i, (s, e) in enumerate(spans)
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
            xref=m.found.data.get("xref") or None,
        )
        for m in mentions
    ]
    result.regimens = link_regimens(doc_id, text, spans, mentions)
    result.statistics = statistic_rows(doc_id, text, mentions)
    result.claims = build_claims(
        doc_id,
        text,
        spans,
        mentions,
        result.regimens,
        result.statistics,
        document_evidence(document),
        rules=rules,
    )
    abbreviations = {(a[0], a[1]): a for p in pieces for a in p.abbreviations}
    result.abbreviations = [
        AbbreviationRow(doc_id, short, long, s, e)
        for (s, e, short, long) in (abbreviations[k] for k in sorted(abbreviations))
    ]
    return result


class Extractor:
    """Holds one pipeline and turns documents into DocResults; build once, reuse."""

    def __init__(self, rules: str | Path | None = None, model: str | None = None) -> None:
        from claimx.pipeline import build_nlp

        self.rules = rules
        self.nlp = build_nlp(rules, model, span_group=False, lexical_attributes=False)
        save_patterns()  # the rules' compiled patterns, for the next run's start
        self._zone = contextlib.ExitStack()
        self._zone_left = 0

    def process(self, documents: Iterable[Document]) -> Iterator[DocResult]:
        """DocResults in input order; a long document goes through in pieces."""

        def pieces(group: list[Document]) -> Iterator[tuple[str, tuple[Document, int, bool]]]:
            for document in group:
                text = document.text
                if len(text) <= CHUNK_CHARS and LONG_RUN.search(text) is None:
                    yield text, (document, 0, True)
                    continue
                bounds = chunk_bounds(text)
                for k, (s, e) in enumerate(bounds):
                    yield text[s:e], (document, s, k == len(bounds) - 1)

        collected: list[Piece] = []
        stream = iter(documents)
        while group := list(itertools.islice(stream, self._zone_room())):
            self._zone_left -= len(group)
            for doc, (document, base, last) in self.nlp.pipe(
                pieces(group), as_tuples=True, batch_size=BATCH_SIZE
            ):
                collected.append(analyze(doc, base))
                if last:
                    result = assemble(document, collected, self.rules)
                    collected = []
                    yield result
            save_patterns()  # patterns compiled on first use (written only when new ones came)

    def _zone_room(self) -> int:
        """How many documents may still go into the current spaCy memory zone (a new zone
        is opened when it is full).

        Strings and tokenizer cache entries that spaCy adds for the documents of a zone are
        freed when it closes: without zones the vocabulary grows with every new word of the
        corpus (numbers, chemical names), and so does memory. A zone spans calls to process
        (a worker gets its documents in small batches) so that the tokenizer cache stays
        warm for ZONE_DOCUMENTS documents. Nothing of spaCy's outlives a document's rows, so
        a zone can close between any two documents.
        """
        if self._zone_left <= 0:
            self._zone.close()
            self._zone.enter_context(self.nlp.memory_zone())
            self._zone_left = ZONE_DOCUMENTS
        return self._zone_left

    def process_one(self, document: Document) -> DocResult:
        """One document's rows."""
        return next(iter(self.process([document])))


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
    docs = (Document(str(i), t, str(i), sha256_text(t)) for i, t in documents)
    for result in extractor.process(docs):
        yield result.tables()
