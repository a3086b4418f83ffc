"""Literature formats in: PubMed/MEDLINE XML, PMC/JATS XML and CSV/TSV tables become Documents
with their sections, publication types and evidence type; bad and unsafe inputs become Failures."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from claimx.load import Document, Failure, sha256_text
from claimx.rules import read_yaml, rules_dir
from claimx.sources import (
    evidence_of,
    iter_jats_xml,
    iter_pubmed_xml,
    iter_table,
    load_publication_types,
)

FIXTURES = Path(__file__).parent / "fixtures"
PUBMED = FIXTURES / "pubmed_sample.xml"
JATS = FIXTURES / "jats_article.xml"
JATS_SET = FIXTURES / "jats_articleset.xml"
TABLE = FIXTURES / "abstracts.csv"


def documents(items: list[Document | Failure]) -> dict[str, Document]:
    return {d.doc_id: d for d in items if isinstance(d, Document)}


def sections(doc: Document) -> list[tuple[str, str]]:
    """(label, text of the range) for each section of a document."""
    return [(label, doc.text[s:e]) for s, e, label in json.loads(doc.meta["sections"])]


@pytest.fixture(scope="module")
def pubmed() -> dict[str, Document]:
    return documents(list(iter_pubmed_xml(PUBMED)))


@pytest.fixture(scope="module")
def jats() -> dict[str, Document]:
    return documents([*iter_jats_xml(JATS), *iter_jats_xml(JATS_SET)])


# --- PubMed ----------------------------------------------------------------------------------


def test_pubmed_one_document_per_pmid_in_file_order() -> None:
    items = list(iter_pubmed_xml(PUBMED))
    # The DeleteCitation at the end is no document; the book article is one.
    assert [d.doc_id for d in items] == ["31000001", "30500002", "29900003", "28800004", "20300005"]
    assert all(isinstance(d, Document) for d in items)


@pytest.mark.parametrize(
    ("pmid", "key", "value"),
    [
        ("31000001", "journal", "Lancet (London, England)"),
        ("31000001", "year", "2019"),
        (
            "31000001",
            "publication_types",
            "Journal Article; Multicenter Study; Randomized Controlled Trial",
        ),
        ("31000001", "evidence", "rct"),
        ("31000001", "doi", "10.1016/S0140-6736(19)00001-1"),
        ("31000001", "pmcid", "PMC6700001"),
        ("31000001", "language", "eng"),
        ("30500002", "year", "2018"),  # from <MedlineDate>2018 Nov-Dec</MedlineDate>
        ("30500002", "evidence", "meta_analysis"),  # beats Systematic Review and Review
        ("29900003", "evidence", "case_report"),  # "Case Reports; Review": the case comes first
        ("29900003", "journal", "Journal of medical case reports"),
        ("28800004", "evidence", "expert_opinion"),  # Editorial
        ("20300005", "journal", "GeneReviews"),  # a book chapter: the book's title
        ("20300005", "year", "1993"),
        ("20300005", "evidence", "review"),
    ],
    ids=lambda v: str(v)[:24],
)
def test_pubmed_meta(pubmed: dict[str, Document], pmid: str, key: str, value: str) -> None:
    assert pubmed[pmid].meta[key] == value


@pytest.mark.parametrize(
    ("pmid", "key"),
    [
        ("30500002", "doi"),  # no ArticleId of that type
        ("28800004", "language"),
        ("30500002", "pmcid"),
    ],
    ids=["no-doi", "no-language", "no-pmcid"],
)
def test_pubmed_meta_leaves_out_what_is_absent(
    pubmed: dict[str, Document], pmid: str, key: str
) -> None:
    assert key not in pubmed[pmid].meta


def test_pubmed_text_is_title_newline_labelled_abstract(pubmed: dict[str, Document]) -> None:
    doc = pubmed["29900003"]
    assert doc.text == (
        "Serotonin syndrome after linezolid in a patient taking sertraline: a case report and "
        "review of the literature.\n"
        "CASE PRESENTATION: A 64-year-old woman taking sertraline 100 mg daily received "
        "linezolid 600 mg intravenously every 12 hours.\n"
        "CONCLUSIONS: Linezolid may cause serotonin syndrome in patients taking serotonergic drugs."
    )
    assert doc.title == doc.text.split("\n")[0]
    assert doc.sha256 == sha256_text(doc.text)
    assert doc.source == f"{PUBMED}:83"  # the line where the article starts


@pytest.mark.parametrize(
    ("pmid", "expected"),
    [
        (
            "31000001",
            [
                ("TITLE", "Intravenous ketamine versus placebo"),
                ("BACKGROUND", "BACKGROUND: Ketamine has rapid"),
                ("METHODS", "METHODS: Patients were randomly"),
                ("RESULTS", "FINDINGS: Response rates"),  # NlmCategory names the section
                ("CONCLUSIONS", "INTERPRETATION: Ketamine"),
                ("FUNDING", "FUNDING: National Institute"),  # UNASSIGNED: the label does
            ],
        ),
        ("30500002", [("TITLE", "Metformin for prevention"), ("ABSTRACT", "We pooled 12 trials.")]),
        ("28800004", [("TITLE", "Aspirin for primary prevention: time to reconsider?")]),
        ("20300005", [("TITLE", "Wilson Disease"), ("TREATMENT", "TREATMENT: Chelating")]),
    ],
    ids=["structured", "unstructured", "title-only", "book"],
)
def test_pubmed_sections(
    pubmed: dict[str, Document], pmid: str, expected: list[tuple[str, str]]
) -> None:
    found = sections(pubmed[pmid])
    assert [label for label, _ in found] == [label for label, _ in expected]
    for (_, text), (_, start) in zip(found, expected, strict=True):
        assert text.startswith(start)
        assert "\n" not in text  # one abstract part per line, each its own range


def test_pubmed_sections_tile_the_text(pubmed: dict[str, Document]) -> None:
    doc = pubmed["31000001"]
    ranges = json.loads(doc.meta["sections"])
    assert ranges[0][0] == 0 and ranges[-1][1] == len(doc.text)
    for (_, end, _), (start, _, _) in zip(ranges, ranges[1:], strict=False):
        assert doc.text[end:start] == "\n"


@pytest.mark.parametrize(
    ("needle", "present"),
    [
        ("serum β-hCG", True),  # &#946; decoded
        ("95% CI 1.3–4.5; p=0.004", True),  # <i>p</i> flattened, &#8211; decoded
        ("given intravenously over 40 minutes", True),  # the line break inside the XML collapsed
        ("Copyright", False),  # CopyrightInformation is not abstract text
        ("31000099", False),  # the PMID of a comment is not this article's
        ("Doe", False),  # authors are not text
    ],
)
def test_pubmed_text_content(pubmed: dict[str, Document], needle: str, present: bool) -> None:
    assert (needle in pubmed["31000001"].text) is present


@pytest.mark.parametrize(
    "kind", ["path", "str-path", "bytes", "gzip-bytes", "gzip-path"], ids=lambda k: k
)
def test_pubmed_inputs_read_alike(kind: str, tmp_path: Path) -> None:
    data = PUBMED.read_bytes()
    source: object
    if kind == "path":
        source = PUBMED
    elif kind == "str-path":
        source = str(PUBMED)
    elif kind == "bytes":
        source = data
    elif kind == "gzip-bytes":
        source = gzip.compress(data)
    else:
        source = tmp_path / "baseline.xml.gz"
        source.write_bytes(gzip.compress(data))
    items = list(iter_pubmed_xml(source, "sample"))  # type: ignore[arg-type]
    assert [d.doc_id for d in items] == ["31000001", "30500002", "29900003", "28800004", "20300005"]
    assert items[0].text == documents(list(iter_pubmed_xml(PUBMED)))["31000001"].text


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "pubmed_malformed_records.xml",
            [
                ("doc", "41000001"),
                ("fail", "article 2: no PMID"),
                ("fail", "PMID 41000003: no title or abstract text"),
                ("fail", "PMID 41000004: no Article element"),
                ("doc", "41000005"),  # a bad record does not stop the ones after it
            ],
        ),
        (
            "pubmed_truncated.xml",
            [("doc", "42000001"), ("fail", "not well-formed XML (Opening and ending tag mismatch")],
        ),
        ("pubmed_entity_bomb.xml", [("fail", "declares its own XML entities")]),
        ("pubmed_external_entity.xml", [("fail", "declares its own XML entities")]),
        ("jats_article.xml", [("fail", "no PubMed records found (root element <article>)")]),
        ("abstracts.csv", [("fail", "not well-formed XML")]),
    ],
    ids=["bad-records", "truncated", "entity-bomb", "external-entity", "jats-file", "csv-file"],
)
def test_pubmed_bad_inputs(fixture: str, expected: list[tuple[str, str]]) -> None:
    items = list(iter_pubmed_xml(FIXTURES / fixture))
    got = [
        ("doc", i.doc_id) if isinstance(i, Document) else ("fail", i.reason[: len(e[1])])
        for i, e in zip(items, expected, strict=False)
    ]
    assert got == expected and len(items) == len(expected)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not well-formed XML"),
        (b"   \n", "not well-formed XML"),
        (gzip.compress(PUBMED.read_bytes())[:200], "cannot read"),  # a truncated download
        (b"\x1f\x8bnot really gzip", "cannot read"),
        (b"<PubmedArticleSet/>", "no PubMed records found"),
    ],
    ids=["empty", "blank", "truncated-gzip", "bad-gzip", "no-articles"],
)
def test_pubmed_unreadable_data_is_one_failure(data: bytes, reason: str) -> None:
    items = list(iter_pubmed_xml(data, "upload.xml"))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert items[0].reason.startswith(reason) and items[0].source.startswith("upload.xml")


def test_pubmed_missing_file_is_a_failure(tmp_path: Path) -> None:
    items = list(iter_pubmed_xml(tmp_path / "nope.xml"))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert "cannot read" in items[0].reason


def test_pubmed_undeclared_entities_are_not_fetched_but_decoded() -> None:
    # A DOCTYPE naming the NLM DTD by URL: the DTD is neither loaded nor fetched; HTML-named
    # references still read as their characters.
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" '
        b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID><Article>"
        b"<ArticleTitle>&beta;-blockers&nbsp;and &lt;10 mg &unknownthing; doses</ArticleTitle>"
        b"</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    (doc,) = iter_pubmed_xml(data, "x.xml")
    assert isinstance(doc, Document)
    assert doc.text == "β-blockers and <10 mg &unknownthing; doses"


FLAT_MEMORY_SCRIPT = textwrap.dedent(
    """
    import gzip, resource, sys
    from claimx.sources import iter_pubmed_xml
    path, n = sys.argv[1], int(sys.argv[2])
    article = (
        '<PubmedArticle><MedlineCitation><PMID>{i}</PMID><Article><ArticleTitle>Trial {i} of '
        'ketamine.</ArticleTitle><Abstract><AbstractText Label="RESULTS">'
        + 'Ketamine 0.5 mg/kg reduced depressive symptoms at 24 hours. ' * 8
        + '</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\\n'
    )
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write("<PubmedArticleSet>\\n")
        for i in range(1, n + 1):
            f.write(article.format(i=i))
        f.write("</PubmedArticleSet>\\n")
    count = 0
    for doc in iter_pubmed_xml(path):
        count += 1
        if count == 1000:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    print(count, grown)
    """
)


def test_pubmed_baseline_size_file_streams_in_flat_memory(tmp_path: Path) -> None:
    # 30,000 articles (~17 MB of XML): kept in memory they would grow the process by tens of
    # MB; streamed and cleared, the peak hardly moves after the first thousand.
    out = subprocess.run(
        [sys.executable, "-c", FLAT_MEMORY_SCRIPT, str(tmp_path / "base.xml.gz"), "30000"],
        capture_output=True,
        text=True,
        check=True,
    )
    count, grown_kb = map(int, out.stdout.split())
    assert count == 30000
    assert grown_kb < 8 * 1024, f"peak memory grew by {grown_kb} kB while streaming"


# --- PMC / JATS ------------------------------------------------------------------------------


def test_jats_documents_and_ids() -> None:
    items = [*iter_jats_xml(JATS), *iter_jats_xml(JATS_SET)]
    assert [getattr(i, "doc_id", None) for i in items] == [
        "PMC7000007",  # pmc id wins over pmid, and gains its PMC prefix
        "PMC8000008",  # pub-id-type="pmcid"
        "33300009",  # no pmc id: the pmid
        None,
    ]
    assert isinstance(items[-1], Failure)
    assert items[-1].reason == "article jats_articleset.xml#3: no title, abstract or body text"


@pytest.mark.parametrize(
    ("doc_id", "key", "value"),
    [
        ("PMC7000007", "pmid", "32100007"),
        ("PMC7000007", "doi", "10.1186/s12888-020-00007-7"),
        ("PMC7000007", "journal", "BMC Psychiatry"),
        ("PMC7000007", "year", "2020"),
        ("PMC7000007", "article_type", "research-article"),
        # Only "heading" subjects are types; the "keywords" group's "Review" is not.
        ("PMC7000007", "publication_types", "research-article; Research Article"),
        ("PMC8000008", "journal", "Case Reports in Psychiatry"),  # <journal-title> of NLM 2.x
        ("PMC8000008", "evidence", "case_report"),
        ("33300009", "evidence", "meta_analysis"),  # the subject beats review-article
    ],
    ids=lambda v: str(v)[:24],
)
def test_jats_meta(jats: dict[str, Document], doc_id: str, key: str, value: str) -> None:
    assert jats[doc_id].meta[key] == value


def test_jats_research_article_has_no_evidence(jats: dict[str, Document]) -> None:
    assert "evidence" not in jats["PMC7000007"].meta


def test_jats_sections(jats: dict[str, Document]) -> None:
    assert [label for label, _ in sections(jats["PMC7000007"])] == [
        "TITLE",
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "INTRODUCTION",
        "MATERIALS AND METHODS",  # "2. Materials and methods": the number goes
        "RESULTS",
        "DISCUSSION",
    ]
    assert [label for label, _ in sections(jats["PMC8000008"])] == ["TITLE", "ABSTRACT", "BODY"]


@pytest.mark.parametrize(
    ("needle", "present"),
    [
        ("Methods: We followed 120 patients", True),  # abstract sections as PubMed shows them
        ("\nOutcomes were scored at 4 weeks.\n", True),  # a second paragraph on its own line
        ("\n2.1 Dosing\n", True),  # sub-section headings are lines
        ("common and often resistant to treatment [1].", True),  # bracketed citations stay
        ("Esketamine was given at a dose of 28 mg.", True),  # MathML, not the TeX source
        ("\nBlood pressure was checked after each dose.\n", True),  # list items are lines
        ("older adults in the clinic.", True),  # superscript citations dropped, not glued
        ("observational cohort\n", True),  # the footnote marker "*" after the title is dropped
        ("documentclass", False),
        ("graphical abstract", False),  # a side abstract is not the abstract
        ("Flow of patients", False),  # figure captions
        ("Baseline characteristics", False),  # tables
        ("A footnote", False),
        ("Late-life depression", False),  # references
        ("Supplementary Information", False),  # a section of files, not text
    ],
)
def test_jats_text_content(jats: dict[str, Document], needle: str, present: bool) -> None:
    assert (needle in jats["PMC7000007"].text) is present


def test_jats_namespaced_articles_are_read() -> None:
    data = (
        b'<OAI-PMH><GetRecord><record><metadata><article xmlns="https://jats.nlm.nih.gov/ns/'
        b'archiving/1.3/" article-type="case-report"><front><article-meta><article-id '
        b'pub-id-type="pmcid">PMC1</article-id><title-group><article-title>Warfarin and '
        b"bleeding</article-title></title-group></article-meta></front><body><sec><title>Case"
        b"</title><p>A man took warfarin 5 mg.</p></sec></body></article></metadata></record>"
        b"</GetRecord></OAI-PMH>"
    )
    (doc,) = iter_jats_xml(data, "oai.xml")
    assert isinstance(doc, Document)
    assert (doc.doc_id, doc.text) == (
        "PMC1",
        "Warfarin and bleeding\nCase\nA man took warfarin 5 mg.",
    )
    assert doc.meta["evidence"] == "case_report"


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("pubmed_sample.xml", "no JATS records found (root element <PubmedArticleSet>)"),
        ("pubmed_entity_bomb.xml", "declares its own XML entities"),
        ("pubmed_truncated.xml", "not well-formed XML"),
    ],
    ids=["pubmed-file", "entity-bomb", "truncated"],
)
def test_jats_bad_inputs(fixture: str, reason: str) -> None:
    items = list(iter_jats_xml(FIXTURES / fixture))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert items[0].reason.startswith(reason)


# --- CSV / TSV -------------------------------------------------------------------------------


def test_table_rows_become_documents() -> None:
    items = list(iter_table(TABLE))
    assert [(type(i).__name__, getattr(i, "doc_id", i.source)) for i in items] == [
        ("Document", "pm1"),
        ("Document", "pm2"),
        ("Failure", f"{TABLE}:5"),  # an empty text cell; the row after it still reads
        ("Document", "pm4"),
    ]
    pm2 = items[1]
    assert isinstance(pm2, Document)
    assert pm2.text == "Metformin 500 mg twice daily was well tolerated.\nLactic acidosis was rare."
    assert pm2.source == f"{TABLE}:3" and pm2.title is None and pm2.meta == {"year": "2020"}


@pytest.mark.parametrize(
    ("doc_id", "meta"),
    [
        (
            "pm1",
            {"publication_types": "Randomized Controlled Trial", "year": "2019", "evidence": "rct"},
        ),
        (
            "pm4",
            {
                "publication_types": "Journal Article; Meta-Analysis",
                "year": "2017",
                "evidence": "meta_analysis",
            },
        ),
    ],
    ids=["rct", "meta-analysis"],
)
def test_table_extra_columns_are_meta(doc_id: str, meta: dict[str, str]) -> None:
    assert documents(list(iter_table(TABLE)))[doc_id].meta == meta


def write(path: Path, text: str, *, gz: bool = False, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "expected"),
    [
        ("a.tsv", "id\ttext\nx1\tLithium, 900 mg.\n", {}, [("x1", "Lithium, 900 mg.")]),
        ("a.tsv.gz", "id\ttext\nx1\tLithium 900 mg.\n", {}, [("x1", "Lithium 900 mg.")]),
        ("a.csv.gz", "id,text\nx1,Lithium 900 mg.\n", {}, [("x1", "Lithium 900 mg.")]),
        ("a.txt", "id\ttext\nx1\tsniffed, tab\n", {}, [("x1", "sniffed, tab")]),
        ("a.csv", "\ufeffid,text\nx1,BOM stripped\n", {}, [("x1", "BOM stripped")]),
        ("a.csv", "text\nNo id column.\n", {}, [("a:2", "No id column.")]),
        ("a.csv", "id,text\n,Blank id.\n", {}, [("a:2", "Blank id.")]),
        (
            "a.csv",
            "pmid,abstract\n9,Body.\n",
            {"text_column": "abstract", "id_column": "pmid"},
            [("9", "Body.")],
        ),
        ("a.csv", "id,text\n1,One.\n\n2,Two.\n", {}, [("1", "One."), ("2", "Two.")]),
        ("a.csv", 'id,text\n1,"Line one\r\nline two"\n', {}, [("1", "Line one\r\nline two")]),
    ],
    ids=[
        "tsv",
        "tsv-gz",
        "csv-gz",
        "sniffed-tab",
        "bom",
        "no-id-column",
        "blank-id",
        "named-columns",
        "blank-line",
        "crlf-in-cell",
    ],
)
def test_table_formats(
    tmp_path: Path, name: str, content: str, kwargs: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    path = write(tmp_path / name, content, gz=name.endswith(".gz"))
    items = list(iter_table(path, **kwargs))
    assert [(d.doc_id, d.text) for d in items if isinstance(d, Document)] == expected
    assert not [i for i in items if isinstance(i, Failure)]


@pytest.mark.parametrize(
    ("content", "kwargs", "reason"),
    [
        ("pmid,abstract\n1,x\n", {}, "no column 'text'; the columns are 'pmid', 'abstract'"),
        (
            "id,text\n1,x\n",
            {"id_column": "pmid"},
            "no id column 'pmid'; the columns are 'id', 'text'",
        ),
        ("", {}, "empty table (no header row)"),
        ("id,text\n1,x,extra\n", {}, "3 cells, the header has 2"),
        ("id,text\n1,   \n", {}, "empty 'text'"),
        ('id,text\n1,"unterminated\n', {}, "not a valid table"),
    ],
    ids=["no-text-column", "no-id-column", "empty", "ragged-row", "blank-text", "bad-quote"],
)
def test_table_failures(tmp_path: Path, content: str, kwargs: dict[str, str], reason: str) -> None:
    items = list(iter_table(write(tmp_path / "t.csv", content), **kwargs))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert items[0].reason.startswith(reason)


def test_table_not_utf8_is_a_failure_that_says_how_to_fix(tmp_path: Path) -> None:
    items = list(iter_table(write(tmp_path / "t.csv", "id,text\n1,caf\u00e9\n", encoding="cp1252")))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert "save the table as UTF-8" in items[0].reason


def test_table_cells_longer_than_csv_default_limit(tmp_path: Path) -> None:
    body = "Ketamine 0.5 mg/kg. " * 10_000  # 200,000 characters: a full-text article
    (doc,) = iter_table(write(tmp_path / "full.csv", f"id,text\n1,{body}\n"))
    assert isinstance(doc, Document) and doc.text == body


# --- publication types -> evidence -----------------------------------------------------------


def test_publication_type_groups_are_evidence_types() -> None:
    evidence = read_yaml(rules_dir() / "cues" / "evidence.yml")
    assert set(load_publication_types().values()) <= set(evidence)


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["Journal Article", "Randomized Controlled Trial"], "rct"),
        (["Review", "Systematic Review", "Meta-Analysis"], "meta_analysis"),
        (["Review", "Systematic Review"], "systematic_review"),
        (["Case Reports", "Review"], "case_report"),
        (["observational study"], "observational"),  # case does not matter
        (["  Review "], "review"),
        (["Journal Article", "Clinical Trial"], None),  # not necessarily randomized
        (["Comparative Study", "Letter"], None),
        ([], None),
    ],
    ids=[
        "rct",
        "meta",
        "sysrev",
        "case",
        "lower-case",
        "spaces",
        "clinical-trial",
        "generic",
        "none",
    ],
)
def test_evidence_of(types: list[str], expected: str | None) -> None:
    assert evidence_of(types, load_publication_types()) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rct: {id: x}\n", "'rct' must be a list of entries"),
        ("rct:\n  - {cue: [A]}\n", "rct entry 1 needs an 'id' and a 'cue'"),
        ("rct:\n  - {id: a, cue: [A]}\nreview:\n  - {id: b, cue: [a]}\n", "'a' is listed twice"),
        ("- just a list\n", "expected evidence types"),
    ],
    ids=["not-a-list", "no-id", "repeated", "not-a-mapping"],
)
def test_publication_types_file_is_validated(tmp_path: Path, content: str, message: str) -> None:
    from claimx.errors import RuleError

    (tmp_path / "cues").mkdir()
    (tmp_path / "cues" / "publication_types.yml").write_text(content, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load_publication_types(tmp_path)


# --- telling formats apart ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PUBMED.read_bytes(), "pubmed"),
        (gzip.compress(PUBMED.read_bytes()), "pubmed"),
        (JATS.read_bytes(), "jats"),  # DOCTYPE with a public id, then <article>
        (JATS_SET.read_bytes(), "jats"),
        (b"<!-- <PubmedArticleSet> in a comment --><article/>", "jats"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "<PubmedArticle>">]><OAI-PMH/>', "jats"),
        (b"<j:article xmlns:j='urn:x'/>", "jats"),
        (b"<html><body>not literature</body></html>", None),
        (b"plain text, no markup", None),
        (b"", None),
    ],
    ids=[
        "pubmed",
        "pubmed-gz",
        "jats",
        "jats-set",
        "comment",
        "doctype-subset",
        "prefixed",
        "html",
        "text",
        "empty",
    ],
)
def test_sniff_xml(data: bytes, expected: str | None) -> None:
    from claimx.sources import sniff_xml

    assert sniff_xml(data) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("baseline/pubmed25n0001.xml.gz", "xml"),
        ("PMC7000007.nxml", "xml"),
        ("a.XML", "xml"),
        ("abstracts.csv", "table"),
        ("abstracts.tsv.gz", "table"),
        ("notes.txt", None),
        ("notes.txt.gz", None),
        ("data.jsonl", None),
        ("README", None),
    ],
)
def test_source_kind(name: str, expected: str | None) -> None:
    from claimx.sources import source_kind

    assert source_kind(name) == expected


@pytest.mark.parametrize(
    ("path", "first"),
    [
        (PUBMED, "31000001"),
        (JATS, "PMC7000007"),
        (TABLE, "pm1"),
    ],
    ids=["pubmed", "jats", "table"],
)
def test_iter_source_dispatches(path: Path, first: str) -> None:
    from claimx.sources import iter_source

    items = list(iter_source(path))
    assert items[0].doc_id == first  # type: ignore[union-attr]


def test_iter_source_gz_pubmed_under_an_xml_name(tmp_path: Path) -> None:
    from claimx.sources import iter_source

    path = tmp_path / "pubmed25n0001.xml.gz"
    path.write_bytes(gzip.compress(PUBMED.read_bytes()))
    assert len([d for d in iter_source(path) if isinstance(d, Document)]) == 5


def test_iter_source_refuses_other_xml(tmp_path: Path) -> None:
    from claimx.sources import iter_source

    path = tmp_path / "page.xml"
    path.write_text("<html><body>hi</body></html>")
    (item,) = iter_source(path)
    assert isinstance(item, Failure) and "expected PubMed XML" in item.reason


# --- sections of sentences --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(0, 5)], ["TITLE"]),
        ([(6, 20), (21, 30)], ["METHODS", "METHODS"]),
        ([(31, 40)], ["RESULTS"]),
        ([(5, 7)], [None]),  # starts in the gap between two parts
        ([(45, 50)], [None]),  # past the last part
    ],
    ids=["title", "two-in-one", "last", "gap", "after"],
)
def test_sentence_sections(spans: list[tuple[int, int]], expected: list[str | None]) -> None:
    from claimx.sources import sentence_sections

    sections_json = '[[0,5,"TITLE"],[6,30,"METHODS"],[31,44,"RESULTS"]]'
    assert sentence_sections(sections_json, spans) == expected


@pytest.mark.parametrize("value", [None, ""], ids=["none", "empty"])
def test_sentence_sections_without_sections(value: str | None) -> None:
    from claimx.sources import sentence_sections

    assert sentence_sections(value, [(0, 3), (4, 9)]) == [None, None]


@pytest.mark.parametrize("value", ["not json", "[[0, 5]]", '{"a": 1}'], ids=lambda v: v)
def test_sentence_sections_bad_json(value: str) -> None:
    from claimx.sources import sentence_sections

    with pytest.raises(ValueError, match="meta\\['sections'\\]"):
        sentence_sections(value, [(0, 3)])


def test_sentence_sections_of_a_real_abstract(extractor: Any) -> None:
    from claimx.sources import sentence_sections

    doc = documents(list(iter_pubmed_xml(PUBMED)))["31000001"]
    sentences = extractor.process_one(doc).sentences
    got = sentence_sections(doc.meta["sections"], [(r.start, r.end) for r in sentences])
    assert got[0] == "TITLE" and got[-1] == "FUNDING" and None not in got
    results = [r.text for r, g in zip(sentences, got, strict=True) if g == "RESULTS"]
    assert results and results[0].startswith("FINDINGS: ")


@pytest.mark.parametrize(
    ("attributes", "line", "section"),
    [
        ('Label="RESULTS" NlmCategory="RESULTS"', "RESULTS: Body.", "RESULTS"),
        ('Label="FINDINGS" NlmCategory="RESULTS"', "FINDINGS: Body.", "RESULTS"),
        ('Label="FUNDING" NlmCategory="UNASSIGNED"', "FUNDING: Body.", "FUNDING"),
        ('Label="Background" NlmCategory="UNLABELLED"', "Background: Body.", "BACKGROUND"),
        ('NlmCategory="CONCLUSIONS"', "Body.", "CONCLUSIONS"),
        ('Label="" NlmCategory=""', "Body.", "ABSTRACT"),
        ("", "Body.", "ABSTRACT"),
    ],
    ids=["same", "category-wins", "unassigned", "unlabelled", "category-only", "blank", "none"],
)
def test_pubmed_abstract_part_labels(attributes: str, line: str, section: str) -> None:
    data = (
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID><Article>"
        f"<ArticleTitle>T.</ArticleTitle><Abstract><AbstractText {attributes}>Body.</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    ).encode()
    (doc,) = iter_pubmed_xml(data, "x.xml")
    assert isinstance(doc, Document)
    assert doc.text == f"T.\n{line}"
    assert sections(doc)[1] == (section, line)
