"""Literature formats in, Documents out: PubMed/MEDLINE XML, PMC/JATS XML, CSV/TSV tables.

XML is streamed with lxml's iterparse and every article is cleared once read, so an annual
baseline file (30,000 articles) runs in flat memory. The parser never loads a DTD, never touches
the network and never expands entities; a file that declares its own entities (the shape of an
entity-expansion bomb or an external-file reference) is refused with a Failure.

A document's text is built from the record's parts, one per line, and `meta["sections"]` holds
the JSON list of [start, end, label] character ranges of those parts (TITLE, BACKGROUND,
METHODS...), so each sentence can be given its section. Offsets are into the built text.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import html.entities
import io
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from claimx.errors import RuleError
from claimx.load import Document, Failure, sha256_text
from claimx.rules import read_yaml, rules_dir

GZIP_MAGIC = b"\x1f\x8b"
PUBLICATION_TYPES_FILE = "publication_types.yml"
# NlmCategory values that name no section: the author's Label does.
NLM_NO_CATEGORY = frozenset({"", "UNASSIGNED", "UNLABELLED", "UNLABELED"})
PUBMED_RECORDS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
# JATS elements whose content is not running text: floats, formula sources, notes, media.
JATS_SKIP = frozenset(
    {
        "fig",
        "fig-group",
        "table-wrap",
        "table-wrap-group",
        "table-wrap-foot",
        "disp-formula",
        "disp-formula-group",
        "tex-math",
        "annotation",
        "supplementary-material",
        "graphic",
        "inline-graphic",
        "media",
        "fn",
        "fn-group",
        "ref-list",
        "label",
        "object-id",
        "alt-text",
        "long-desc",
    }
)
# Body sections that hold no running text (files, floats collected at the end of the body).
JATS_SKIP_SEC_TYPES = frozenset({"supplementary-material", "display-objects"})
# Cross-references that are only markers (footnote and affiliation symbols).
JATS_MARKER_REFS = frozenset({"fn", "table-fn", "author-notes", "corresp", "aff"})
# JATS abstracts that are not the article's main abstract (PLOS author summaries, graphical
# abstracts, teasers): an abstract with one of these types is used only when no other exists.
JATS_SIDE_ABSTRACTS = frozenset(
    {"summary", "graphical", "teaser", "author-summary", "editor-summary", "toc", "precis"}
)
TABLE_DELIMITERS = MappingProxyType({".csv": ",", ".tsv": "\t", ".tab": "\t"})
TABLE_SUFFIXES = frozenset(TABLE_DELIMITERS)
# csv's default cell limit (131,072 characters) is smaller than some full-text articles.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
SECTION_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){0,4}\.?|[IVXLC]{1,6}\.)\s+")
# Table columns that never pass through into meta: the text, the id, the title, and the keys
# that sources.py computes itself.
TABLE_RESERVED = frozenset({"sections"})

Source = bytes | str | os.PathLike[str]


# ---------------------------------------------------------------------------------------------
# Publication types -> evidence


def load_publication_types(rules: str | os.PathLike[str] | None = None) -> Mapping[str, str]:
    """Publication type (lower case) -> evidence type, from rules/cues/publication_types.yml.

    Iteration order is priority order: the first evidence type in the file comes first.
    """
    path = Path(rules_dir(rules)) / "cues" / PUBLICATION_TYPES_FILE
    if not path.is_file():
        raise RuleError(f"{path} is missing; restore it from claimx's rules/cues/")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected evidence types, each with a list of entries")
    table: dict[str, str] = {}
    for group, entries in data.items():
        if not isinstance(entries, list):
            raise RuleError(f"{path}: '{group}' must be a list of entries")
        for n, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not entry.get("id") or "cue" not in entry:
                raise RuleError(f"{path}: {group} entry {n} needs an 'id' and a 'cue'")
            cues = entry["cue"]
            for cue in (cues,) if isinstance(cues, str) else cues:
                key = str(cue).strip().lower()
                if key in table:
                    raise RuleError(f"{path}: {group} entry {n}: '{cue}' is listed twice")
                table[key] = str(group)
    # Priority = file order of the groups; a dict keeps insertion order, so rank by group.
    return MappingProxyType(table)


def evidence_of(publication_types: list[str], table: Mapping[str, str]) -> str | None:
    """The evidence type of the strongest publication type that has one, or None."""
    ranks = {group: i for i, group in enumerate(dict.fromkeys(table.values()))}
    found = [table[t.strip().lower()] for t in publication_types if t.strip().lower() in table]
    return min(found, key=ranks.__getitem__) if found else None


# ---------------------------------------------------------------------------------------------
# Text building


class _Builder:
    """Lines of a document's text with the section label of each character range."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.sections: list[list[Any]] = []

    def add(self, line: str, label: str) -> None:
        """Append one line (a title, a paragraph) under `label`; blank lines are dropped."""
        if not line:
            return
        if self.parts:
            self.pos += 1  # the "\n" before this line
        start = self.pos
        self.parts.append(line)
        self.pos += len(line)
        last = self.sections[-1] if self.sections else None
        if last is not None and last[2] == label and last[1] == start - 1:
            last[1] = self.pos  # the next paragraph of the same section
        else:
            self.sections.append([start, self.pos, label])

    def text(self) -> str:
        return "\n".join(self.parts)

    def sections_json(self) -> str:
        return json.dumps(self.sections, ensure_ascii=False, separators=(",", ":"))


def _local(tag: Any) -> str:
    """An element's tag without its namespace ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _entity_text(el: Any) -> str:
    """An unexpanded entity reference (&beta;) as its character when HTML knows the name."""
    name = el.name
    code = html.entities.name2codepoint.get(name)
    return chr(code) if code is not None else f"&{name};"


def _raw_text(el: Any, skip: frozenset[str], out: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            local = _local(tag)
            if local not in skip and not (skip and _is_marker(child, local)):
                _raw_text(child, skip, out)
        elif type(child).__name__ == "_Entity":  # the parser drops comments and PIs
            out.append(_entity_text(child))
        # comments and processing instructions add nothing but keep their tail
        if child.tail:
            out.append(child.tail)


def _is_marker(el: Any, local: str) -> bool:
    """A footnote marker, or a superscript holding only citation links ("drug<sup>1,2</sup>"):
    kept, their digits would glue onto the word before them."""
    if local == "xref":
        return el.get("ref-type") in JATS_MARKER_REFS
    if local == "sup" and len(el):
        if any(_local(c.tag) != "xref" for c in el):
            return False
        loose = (el.text or "") + "".join(c.tail or "" for c in el)
        return not any(ch.isalnum() for ch in loose)
    return False


def flat_text(el: Any, skip: frozenset[str] = frozenset()) -> str:
    """An element's text with inline markup dropped and white space collapsed to single spaces
    (pretty-printed XML breaks lines inside a paragraph; a line break in our text means a new
    part)."""
    if el is None:
        return ""
    out: list[str] = []
    _raw_text(el, skip, out)
    return " ".join("".join(out).split())


# ---------------------------------------------------------------------------------------------
# Streaming XML


def _open_binary(data_or_path: Source) -> IO[bytes]:
    """A binary stream over bytes or a file, gunzipped when it starts with the gzip magic."""
    raw: IO[bytes]
    if isinstance(data_or_path, bytes | bytearray | memoryview):
        raw = io.BytesIO(bytes(data_or_path))
    else:
        raw = open(data_or_path, "rb")  # noqa: SIM115 - closed by the caller
    head = raw.read(2)
    raw.seek(0)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _shown(data_or_path: Source, shown: str | None) -> str:
    if shown:
        return shown
    if isinstance(data_or_path, bytes | bytearray | memoryview):
        return "<bytes>"
    return os.fspath(data_or_path)


def _declares_entities(root: Any) -> bool:
    """True when the document's internal DTD subset declares entities (<!ENTITY ...>)."""
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


ENTITY_REFUSAL = (
    "declares its own XML entities (<!ENTITY ...>); refused, because expanding them can exhaust "
    "memory or read local files. PubMed and PMC files never need them: re-download the file"
)


def _iter_records(
    data_or_path: Source, shown: str, tags: tuple[str, ...], kind: str, root_hint: str
) -> Iterator[tuple[Any, int] | Failure]:
    """Yield (element, position) for each record element, cleared after use; a Failure for an
    unreadable or unsafe file (after the records already read)."""
    from lxml import etree

    try:
        stream = _open_binary(data_or_path)
    except OSError as e:
        yield Failure(shown, f"cannot read: {e.strerror or e}")
        return
    local_tags = frozenset(_local(t) for t in tags)
    position = 0
    checked = False
    try:
        with stream:
            context = etree.iterparse(
                stream,
                events=("start", "end"),
                tag=tags,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            for event, el in context:
                if not checked:
                    checked = True
                    if _declares_entities(el):
                        yield Failure(shown, ENTITY_REFUSAL)
                        return
                if event == "start":
                    continue
                parent = el.getparent()
                if parent is not None and _local(parent.tag) in local_tags:
                    continue  # a record nested in a record (none in PubMed; JATS sub-articles)
                position += 1
                yield el, position
                # Free what was read: this record and every earlier sibling.
                el.clear(keep_tail=False)
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
            root = context.root
    except etree.XMLSyntaxError as e:
        line = f":{e.lineno}" if e.lineno else ""
        msg = (e.msg or str(e)).split(", line ")[0]
        if "entity" in msg.lower() and ("amplification" in msg.lower() or "loop" in msg.lower()):
            yield Failure(f"{shown}{line}", ENTITY_REFUSAL)
        else:
            read = f"; the {position} article(s) before it were read" if position else ""
            yield Failure(f"{shown}{line}", f"not well-formed XML ({msg}){read}")
        return
    except (OSError, EOFError) as e:
        yield Failure(shown, f"cannot read ({e}); a .gz file may be truncated")
        return
    if position == 0:
        root_tag = _local(root.tag) if root is not None else "?"
        yield Failure(
            shown, f"no {kind} records found (root element <{root_tag}>); expected {root_hint}"
        )


# ---------------------------------------------------------------------------------------------
# PubMed / MEDLINE


def iter_pubmed_xml(
    data_or_path: Source,
    shown: str | None = None,
    *,
    rules: str | os.PathLike[str] | None = None,
) -> Iterator[Document | Failure]:
    """Documents from a PubmedArticleSet (.xml or .xml.gz, bytes or a path), one per PMID."""
    shown = _shown(data_or_path, shown)
    table = load_publication_types(rules)
    for item in _iter_records(
        data_or_path, shown, PUBMED_RECORDS, "PubMed", "a PubmedArticleSet (PubMed/MEDLINE XML)"
    ):
        if isinstance(item, Failure):
            yield item
            continue
        el, position = item
        if el.tag == "DeleteCitation":
            continue
        where = f"{shown}:{el.sourceline}" if el.sourceline else f"{shown}#{position}"
        try:
            yield _pubmed_document(el, where, position, table)
        except (ValueError, TypeError, AttributeError) as e:  # a record of unexpected shape
            yield Failure(where, f"article {position}: cannot read ({e})")


def _pubmed_document(
    el: Any, where: str, position: int, table: Mapping[str, str]
) -> Document | Failure:
    book = el.tag == "PubmedBookArticle"
    record = el.find("BookDocument" if book else "MedlineCitation")
    if record is None:
        return Failure(
            where, f"article {position}: no {'BookDocument' if book else 'MedlineCitation'}"
        )
    pmid = flat_text(record.find("PMID"))
    if not pmid:
        return Failure(where, f"article {position}: no PMID")
    article = record if book else record.find("Article")
    if article is None:
        return Failure(where, f"PMID {pmid}: no Article element")
    title = flat_text(article.find("ArticleTitle"))
    if not title and book:
        title = flat_text(record.find("Book/BookTitle"))
    if not title:
        title = flat_text(article.find("VernacularTitle"))
    builder = _Builder()
    builder.add(title, "TITLE")
    for part in article.iterfind("Abstract/AbstractText"):
        body = flat_text(part)
        if not body:
            continue
        label = " ".join((part.get("Label") or "").split())
        category = (part.get("NlmCategory") or "").strip().upper()
        section = category if category not in NLM_NO_CATEGORY else label.upper()
        builder.add(f"{label}: {body}" if label else body, section or "ABSTRACT")
    text = builder.text()
    if not text:
        return Failure(where, f"PMID {pmid}: no title or abstract text")
    if book:
        types = [flat_text(t) for t in record.iterfind("PublicationType")]
        journal = flat_text(record.find("Book/BookTitle"))
        year = _year(record.find("Book/PubDate"))
    else:
        types = [flat_text(t) for t in article.iterfind("PublicationTypeList/PublicationType")]
        journal = flat_text(article.find("Journal/Title")) or flat_text(
            record.find("MedlineJournalInfo/MedlineTA")
        )
        year = _year(article.find("Journal/JournalIssue/PubDate")) or _year(
            article.find("ArticleDate")
        )
    types = [t for t in types if t]
    ids = {
        aid.get("IdType"): flat_text(aid)
        for aid in el.iterfind("PubmedData/ArticleIdList/ArticleId")
    }
    meta = {
        "pmid": pmid,
        "journal": journal,
        "year": year,
        "publication_types": "; ".join(types),
        "evidence": evidence_of(types, table) or "",
        "doi": ids.get("doi") or "",
        "pmcid": ids.get("pmc") or "",
        "language": flat_text(article.find("Language")),
    }
    meta = {k: v for k, v in meta.items() if v}
    meta["sections"] = builder.sections_json()
    return Document(pmid, text, where, sha256_text(text), title or None, meta)


def _year(date: Any) -> str:
    """The year of a PubDate/ArticleDate: <Year>, else the first year in <MedlineDate>."""
    if date is None:
        return ""
    year = flat_text(date.find("Year"))
    if year:
        return year
    m = YEAR.search(flat_text(date.find("MedlineDate")))
    return m.group(1) if m else ""


# ---------------------------------------------------------------------------------------------
# PMC / JATS


def iter_jats_xml(
    data_or_path: Source,
    shown: str | None = None,
    *,
    rules: str | os.PathLike[str] | None = None,
) -> Iterator[Document | Failure]:
    """Documents from PMC/JATS full-text XML (one <article>, or a <pmc-articleset> of them)."""
    shown = _shown(data_or_path, shown)
    table = load_publication_types(rules)
    for item in _iter_records(
        data_or_path, shown, ("{*}article",), "JATS", "<article> (PMC/JATS XML)"
    ):
        if isinstance(item, Failure):
            yield item
            continue
        el, position = item
        where = f"{shown}:{el.sourceline}" if el.sourceline else f"{shown}#{position}"
        try:
            yield _jats_document(el, where, f"{Path(shown).name}#{position}", table)
        except (ValueError, TypeError, AttributeError) as e:
            yield Failure(where, f"article {position}: cannot read ({e})")


def _jats_document(
    el: Any, where: str, fallback_id: str, table: Mapping[str, str]
) -> Document | Failure:
    meta_el = el.find("{*}front/{*}article-meta")
    if meta_el is None:
        return Failure(where, f"article {fallback_id}: no <front>/<article-meta>")
    ids: dict[str, str] = {}
    for aid in meta_el.iterfind("{*}article-id"):
        kind = (aid.get("pub-id-type") or "").lower()
        value = flat_text(aid)
        if value and kind not in ids:
            ids[kind] = value
    pmcid = ids.get("pmcid") or ids.get("pmc") or ids.get("pmc-uid") or ""
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"
    pmid = ids.get("pmid", "")
    doc_id = pmcid or pmid or ids.get("doi", "") or fallback_id
    title = flat_text(meta_el.find("{*}title-group/{*}article-title"), JATS_SKIP)
    builder = _Builder()
    builder.add(title, "TITLE")
    _jats_abstract(meta_el, builder)
    body = el.find("{*}body")
    if body is not None:
        _jats_body(body, builder)
    text = builder.text()
    if not text:
        return Failure(where, f"article {doc_id}: no title, abstract or body text")
    article_type = el.get("article-type") or ""
    subjects = [
        flat_text(s)
        for group in meta_el.iterfind("{*}article-categories/{*}subj-group")
        if (group.get("subj-group-type") or "heading") == "heading"
        for s in group.iterfind("{*}subject")
    ]
    types = [t for t in dict.fromkeys([article_type, *subjects]) if t]
    journal_meta = el.find("{*}front/{*}journal-meta")
    journal = ""
    if journal_meta is not None:
        journal = flat_text(journal_meta.find("{*}journal-title-group/{*}journal-title")) or (
            flat_text(journal_meta.find("{*}journal-title"))
        )
    year = ""
    for date in meta_el.iterfind("{*}pub-date"):
        year = flat_text(date.find("{*}year"))
        if year:
            break
    meta = {
        "pmcid": pmcid,
        "pmid": pmid,
        "doi": ids.get("doi", ""),
        "journal": journal,
        "year": year,
        "article_type": article_type,
        "publication_types": "; ".join(types),
        "evidence": evidence_of(types, table) or "",
    }
    meta = {k: v for k, v in meta.items() if v}
    meta["sections"] = builder.sections_json()
    return Document(doc_id, text, where, sha256_text(text), title or None, meta)


def _section_label(title: str, fallback: str) -> str:
    """A section heading as a label: "2. Materials and methods" -> "MATERIALS AND METHODS"."""
    label = SECTION_NUMBER.sub("", title).strip().rstrip(".:").upper()
    return label or fallback


def _jats_abstract(meta_el: Any, builder: _Builder) -> None:
    abstracts = list(meta_el.iterfind("{*}abstract"))
    main = [a for a in abstracts if (a.get("abstract-type") or "") not in JATS_SIDE_ABSTRACTS]
    chosen = main or abstracts[:1]
    for abstract in chosen:
        secs = [c for c in abstract if _local(c.tag) == "sec"]
        if not secs:
            for line in _jats_blocks(abstract):
                builder.add(line, "ABSTRACT")
            continue
        for sec in secs:
            heading = flat_text(sec.find("{*}title"), JATS_SKIP)
            label = _section_label(heading, "ABSTRACT")
            for n, line in enumerate(_jats_blocks(sec)):
                # The PubMed shape: "Background: ..." on the section's first paragraph.
                builder.add(f"{heading}: {line}" if n == 0 and heading else line, label)


def _jats_body(body: Any, builder: _Builder) -> None:
    for child in body:
        local = _local(child.tag)
        if not local or local in JATS_SKIP:
            continue
        if local == "sec":
            if (child.get("sec-type") or "").lower() in JATS_SKIP_SEC_TYPES:
                continue
            heading = flat_text(child.find("{*}title"), JATS_SKIP)
            label = _section_label(heading, (child.get("sec-type") or "body").upper())
            builder.add(heading, label)
            for line in _jats_blocks(child):
                builder.add(line, label)
        else:
            for line in _jats_blocks_of(child):
                builder.add(line, "BODY")


def _jats_blocks(container: Any) -> Iterator[str]:
    """The lines of a container's children: paragraphs, sub-section headings, list items."""
    for child in container:
        yield from _jats_blocks_of(child)


def _jats_blocks_of(child: Any) -> Iterator[str]:
    local = _local(child.tag)
    if not local or local in JATS_SKIP or local in ("title", "sec-meta"):
        return
    if local == "p":
        yield flat_text(child, JATS_SKIP)
    elif local == "sec":
        yield flat_text(child.find("{*}title"), JATS_SKIP)
        yield from _jats_blocks(child)
    else:  # lists, quotes, boxes, statements: their paragraphs, else their own text
        lines = [line for line in _jats_blocks(child) if line]
        yield from lines or [flat_text(child, JATS_SKIP)]


# ---------------------------------------------------------------------------------------------
# CSV / TSV


def iter_table(
    data_or_path: Source,
    text_column: str = "text",
    id_column: str | None = None,
    *,
    shown: str | None = None,
    delimiter: str | None = None,
    rules: str | os.PathLike[str] | None = None,
) -> Iterator[Document | Failure]:
    """Documents from a CSV/TSV file (or .gz) with a header row, one per row with text.

    `id_column`: the column of document ids; None uses an "id" column when there is one, else
    "<file>:<line>". A "title" column becomes the title; other columns pass into meta (and a
    publication_types column sets the evidence type).
    """
    shown = _shown(data_or_path, shown)
    stem = _table_stem(shown)
    if delimiter is None:
        delimiter = _table_delimiter(shown)
    try:
        binary = _open_binary(data_or_path)
    except OSError as e:
        yield Failure(shown, f"cannot read: {e.strerror or e}")
        return
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(min(CSV_FIELD_LIMIT, sys.maxsize))
    with binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as stream:
        try:
            yield from _table_rows(stream, shown, stem, text_column, id_column, delimiter, rules)
        except UnicodeDecodeError:
            yield Failure(shown, "not valid UTF-8; save the table as UTF-8 (CSV UTF-8) and retry")
        except (OSError, EOFError) as e:
            yield Failure(shown, f"cannot read ({e}); a .gz file may be truncated")


def _table_rows(
    stream: IO[str],
    shown: str,
    stem: str,
    text_column: str,
    id_column: str | None,
    delimiter: str | None,
    rules: str | os.PathLike[str] | None,
) -> Iterator[Document | Failure]:
    if delimiter is None:
        first = stream.readline()
        delimiter = "\t" if "\t" in first else ","
        lines: Any = _chain_first(first, stream)
    else:
        lines = stream
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        yield from _table_records(reader, shown, stem, text_column, id_column, rules)
    except csv.Error as e:
        yield Failure(f"{shown}:{reader.line_num}", f"not a valid table ({e})")


def _table_records(
    reader: Any,
    shown: str,
    stem: str,
    text_column: str,
    id_column: str | None,
    rules: str | os.PathLike[str] | None,
) -> Iterator[Document | Failure]:
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        yield Failure(shown, "empty table (no header row)")
        return
    header = [h.strip() for h in header]
    if text_column not in header:
        yield Failure(
            shown,
            f"no column {text_column!r}; the columns are {', '.join(map(repr, header))}; "
            "name the text column with --text-column",
        )
        return
    if id_column is not None and id_column not in header:
        yield Failure(
            shown,
            f"no id column {id_column!r}; the columns are {', '.join(map(repr, header))}",
        )
        return
    ids = id_column if id_column is not None else ("id" if "id" in header else None)
    table: Mapping[str, str] | None = None
    text_at = header.index(text_column)
    start = reader.line_num + 1
    for cells in reader:
        where = f"{shown}:{start}"
        row_line = start
        start = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield Failure(where, f"{len(cells)} cells, the header has {len(header)}")
            continue
        row = dict(zip(header, cells, strict=True))
        text = cells[text_at]
        if not text.strip():
            yield Failure(where, f"empty {text_column!r}")
            continue
        doc_id = row.get(ids, "").strip() if ids else ""
        if not doc_id:
            doc_id = f"{stem}:{row_line}"
        title = row.get("title", "").strip() or None
        meta = {
            k: v.strip()
            for k, v in row.items()
            if k not in (text_column, ids, "title") and k not in TABLE_RESERVED and v.strip()
        }
        if "publication_types" in meta and "evidence" not in meta:
            if table is None:
                table = load_publication_types(rules)
            found = evidence_of(meta["publication_types"].split(";"), table)
            if found:
                meta["evidence"] = found
        yield Document(doc_id, text, where, sha256_text(text), title, meta)


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _table_delimiter(shown: str) -> str | None:
    """',' for .csv, tab for .tsv/.tab (also under .gz); None: sniff the header line."""
    suffixes = [s.lower() for s in Path(shown).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return TABLE_DELIMITERS.get(suffixes[-1]) if suffixes else None


def _table_stem(shown: str) -> str:
    name = Path(shown).name
    for _ in range(2):
        low = name.lower()
        for suffix in (".gz", *TABLE_SUFFIXES):
            if low.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    return name


# ---------------------------------------------------------------------------------------------
# Sections of sentences


def sentence_sections(sections_json: str | None, spans: list[tuple[int, int]]) -> list[str | None]:
    """The section label of each sentence span (by where it starts), from a document's
    meta["sections"]; None for every sentence when the document has no sections."""
    if not sections_json:
        return [None] * len(spans)
    try:
        ranges = sorted((int(s), int(e), str(label)) for s, e, label in json.loads(sections_json))
    except (ValueError, TypeError) as e:
        raise ValueError(f"meta['sections'] is not a JSON list of [start, end, label]: {e}") from e
    starts = [s for s, _, _ in ranges]
    out: list[str | None] = []
    for start, _ in spans:
        i = bisect.bisect_right(starts, start) - 1
        out.append(ranges[i][2] if i >= 0 and start < ranges[i][1] else None)
    return out


# ---------------------------------------------------------------------------------------------
# Dispatch

XML_SUFFIXES = frozenset({".xml", ".nxml"})
# Suffixes this module reads (also under .gz), for load.py's folder walk.
SOURCE_SUFFIXES = XML_SUFFIXES | TABLE_SUFFIXES
SNIFF_BYTES = 65536
ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]{0,100})[\s/>]")
PUBMED_ROOTS = frozenset({"PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"})
JATS_ROOTS = frozenset({"article", "pmc-articleset", "OAI-PMH"})


def sniff_xml(data_or_path: Source) -> str | None:
    """ "pubmed" or "jats" by the file's root element (read from its first 64 KB), else None."""
    try:
        with _open_binary(data_or_path) as stream:
            head = stream.read(SNIFF_BYTES)
    except (OSError, EOFError):
        return None
    # Skip the prolog: the XML declaration, comments and the DOCTYPE (with its internal subset).
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.S)
    head = re.sub(rb"<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", b"", head, flags=re.S)
    m = ROOT_TAG.search(head)
    if m is None:
        return None
    root = m.group(1).decode("ascii", "replace").rpartition(":")[2]
    if root in PUBMED_ROOTS:
        return "pubmed"
    if root in JATS_ROOTS:
        return "jats"
    return None


def source_kind(path: str | os.PathLike[str]) -> str | None:
    """ "xml" or "table" when the file name says this module reads it (.gz included), else None."""
    suffixes = [s.lower() for s in Path(path).suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    if suffixes[-1] in XML_SUFFIXES:
        return "xml"
    if suffixes[-1] in TABLE_SUFFIXES:
        return "table"
    return None


def iter_source(
    data_or_path: Source,
    shown: str | None = None,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    rules: str | os.PathLike[str] | None = None,
) -> Iterator[Document | Failure]:
    """Documents from any literature file this module reads: PubMed or JATS XML (told apart by
    the root element) or a CSV/TSV table (by its name), gzipped or not."""
    shown = _shown(data_or_path, shown)
    kind = source_kind(shown)
    if kind == "table":
        yield from iter_table(data_or_path, text_column, id_column, shown=shown, rules=rules)
        return
    xml = sniff_xml(data_or_path)
    if xml == "pubmed":
        yield from iter_pubmed_xml(data_or_path, shown, rules=rules)
    elif xml == "jats":
        yield from iter_jats_xml(data_or_path, shown, rules=rules)
    else:
        yield Failure(
            shown,
            "not a literature file claimx reads: expected PubMed XML (<PubmedArticleSet>), "
            "PMC/JATS XML (<article>) or a .csv/.tsv table with a text column",
        )
