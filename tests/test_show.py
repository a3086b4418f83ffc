"""The HTML view: mentions marked by label with their rule on hover, claims under their sentence,
a self-contained page; checked as markup and as rendered by headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from claimx.records import ClaimRow, DocumentRow, MentionRow, SentenceRow
from claimx.show import mark_text, render_documents, render_html

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

TEXT = "Ketamine 0.5 mg/kg reduced depression.\nAspirin did not prevent <stroke> & death."


def mention(n: int, label: str, start: int, end: int, sent: int = 0, **kw: Any) -> MentionRow:
    return MentionRow(
        doc_id="d1",
        mention_id=f"m{n}",
        sent_id=sent,
        label=label,
        text=TEXT[start:end],
        start=start,
        end=end,
        norm=kw.get("norm"),
        concept_id=kw.get("concept_id"),
        rule_id=kw.get("rule_id", f"rule-{label.lower()}"),
    )


def claim(n: int, sent: int, drug: str, direction: str, negated: bool) -> ClaimRow:
    return ClaimRow(
        doc_id="d1",
        claim_id=f"c{n}",
        sent_id=sent,
        drugs=(drug,),
        comparators=(),
        conditions=("depression",) if sent == 0 else ("stroke",),
        direction=direction,
        negated=negated,
        certainty="asserted",
        evidence="rct",
        regimen_ids=(),
        stat_ids=(),
        text="",
        rule_id=f"rule-{direction}",
    )


TABLES: dict[str, list[Any]] = {
    "documents": [DocumentRow("d1", "x.txt", "0" * 64, len(TEXT), 2, "A <title>")],
    "sentences": [
        SentenceRow("d1", 0, 0, 38, TEXT[0:38]),
        SentenceRow("d1", 1, 39, 80, TEXT[39:80]),
    ],
    "mentions": [
        mention(1, "DRUG", 0, 8, norm="ketamine", concept_id="CHEBI:6121", rule_id='lex"drug'),
        mention(2, "DOSE", 9, 18),
        mention(3, "CONDITION", 27, 37),
        mention(4, "DRUG", 39, 46, sent=1, norm="aspirin"),
        mention(5, "CONDITION", 63, 71, sent=1),
    ],
    "regimens": [],
    "statistics": [],
    "claims": [claim(1, 0, "ketamine", "benefit", False), claim(2, 1, "aspirin", "benefit", True)],
    "abbreviations": [],
}


class Page(HTMLParser):
    """The parts of a page the tests look at: marks, claims, per-sentence nesting, resources."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.marks: list[dict[str, str]] = []
        self.claims: list[tuple[str | None, dict[str, str]]] = []  # (sentence id, attributes)
        self.sentence: str | None = None
        self.external: list[str] = []
        self.scripts = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in ("meta", "br", "img", "link"):
            self.stack.append(tag)
        if tag == "div" and "data-sent" in a:
            self.sentence = a["data-sent"]
        if tag == "mark":
            self.marks.append(a)
        if tag == "li" and a.get("class") == "claim":
            self.claims.append((self.sentence, a))
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key])
        if tag == "link":
            self.external.append(a.get("href", "link"))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(TEXT, TABLES, "Seeds <& review>")


def test_page_is_well_formed_and_self_contained(page: str) -> None:
    p = parse(page)
    assert p.errors == [] and p.stack == []
    assert p.external == [] and p.scripts == 0  # no assets, no scripts: opens offline
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>Seeds &lt;&amp; review&gt;</title>" in page


def test_every_mention_is_marked_with_its_label(page: str) -> None:
    marks = parse(page).marks
    assert [m["data-label"] for m in marks] == ["DRUG", "DOSE", "CONDITION", "DRUG", "CONDITION"]


@pytest.mark.parametrize(
    ("n", "title"),
    [
        (0, 'DRUG · rule: lex"drug · norm: ketamine · concept: CHEBI:6121 · id: m1'),
        (1, "DOSE · rule: rule-dose · id: m2"),  # no norm, no concept: not shown
        (3, "DRUG · rule: rule-drug · norm: aspirin · id: m4"),
    ],
)
def test_hover_title_names_rule_and_norm(page: str, n: int, title: str) -> None:
    assert parse(page).marks[n]["title"] == title


def test_claims_sit_under_their_sentence(page: str) -> None:
    claims = parse(page).claims
    assert [(sent, a["data-direction"], a["data-negated"]) for sent, a in claims] == [
        ("0", "benefit", "false"),
        ("1", "benefit", "true"),
    ]
    assert '<span class="pill neg">negated</span>' in page
    assert "certainty: asserted" in page and "evidence: rct" in page


def test_text_is_escaped_not_interpreted(page: str) -> None:
    assert "&lt;stroke&gt;" in page and "&amp; death" in page
    assert "<stroke>" not in page


def test_rows_as_dicts_render_the_same(page: str) -> None:
    from claimx.write import row_dict

    as_dicts = {name: [row_dict(r) for r in rows] for name, rows in TABLES.items()}
    assert render_html(TEXT, as_dicts, "Seeds <& review>") == page


def test_no_sentences_shows_the_whole_text() -> None:
    tables = {**TABLES, "sentences": [], "documents": []}
    p = parse(render_html(TEXT, tables, "t"))
    assert len(p.marks) == 5 and p.errors == []


def test_several_documents_on_one_page() -> None:
    p = parse(render_documents([(TEXT, TABLES), (TEXT, TABLES)], "two"))
    assert len(p.marks) == 10 and len(p.claims) == 4 and p.errors == []


def marks_only(html: str) -> str:
    """Marks as [LABEL ...] with their text, for reading the nesting at a glance."""
    html = re.sub(r'<mark class="cx[^"]*" data-label="(\w+)"[^>]*>', r"[\1 ", html)
    html = re.sub(r'<span class="tag">\w+</span>', "", html)
    return html.replace("</mark>", "]")


@pytest.mark.parametrize(
    ("spans", "window", "expected"),
    [
        ([("DRUG", 0, 8)], (0, 20), "[DRUG abcdefgh]ijklmnopqrst"),
        ([("DRUG", 0, 4), ("DOSE", 6, 9)], (0, 10), "[DRUG abcd]ef[DOSE ghi]j"),
        # Nested: the outer (longer) mark opens first.
        ([("DOSE", 2, 6), ("STATISTIC", 0, 10)], (0, 10), "[STATISTIC ab[DOSE cdef]ghij]"),
        # Crossing: B is cut where A closes and reopened, so tags never cross.
        ([("DRUG", 0, 6), ("DOSE", 4, 9)], (0, 10), "[DRUG abcd[DOSE ef]][DOSE ghi]j"),
        # Same span, two labels: ordered by label.
        ([("DRUG", 0, 3), ("CONDITION", 0, 3)], (0, 4), "[CONDITION [DRUG abc]]d"),
        # A mention reaching past the window is cut at its edge.
        ([("DRUG", 3, 12)], (5, 10), "[DRUG fghij]"),
        ([("DRUG", 12, 15)], (0, 10), "abcdefghij"),
        ([], (0, 3), "abc"),
    ],
    ids=["one", "disjoint", "nested", "crossing", "same-span", "clipped", "outside", "none"],
)
def test_mark_text_nesting(
    spans: list[tuple[str, int, int]], window: tuple[int, int], expected: str
) -> None:
    text = "abcdefghijklmnopqrst"
    rows = [{"label": lb, "start": s, "end": e, "rule_id": "r"} for lb, s, e in spans]
    html = mark_text(text, *window, rows)
    assert parse(html).errors == []
    assert marks_only(html) == expected


def test_label_tag_once_per_mention_even_when_split() -> None:
    rows = [{"label": "DRUG", "start": 0, "end": 6}, {"label": "DOSE", "start": 4, "end": 9}]
    html = mark_text("abcdefghij", 0, 10, rows)
    assert re.findall(r'<span class="tag">(\w+)</span>', html) == ["DRUG", "DOSE"]


def test_real_output_renders_every_mention(extractor: Any) -> None:
    from claimx.sources import iter_pubmed_xml

    docs = list(iter_pubmed_xml(FIXTURES / "pubmed_sample.xml"))
    pairs = [(d.text, r.tables()) for d, r in zip(docs, extractor.process(docs), strict=True)]
    html = render_documents(pairs, "PubMed sample")
    p = parse(html)
    assert p.errors == [] and p.external == []
    mentions = [m for _, t in pairs for m in t["mentions"]]
    shown = {(m["data-label"], m["title"].rsplit("id: ", 1)[1]) for m in p.marks}
    for _, t in pairs:
        for m in t["mentions"]:
            assert (m.label, m.mention_id) in shown
    assert len(p.claims) == sum(len(t["claims"]) for _, t in pairs) > 0
    assert len(mentions) > 0


# --- headless Chromium ------------------------------------------------------------------------


def chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_chromium_renders_the_marks_and_claims(tmp_path: Path, page: str) -> None:
    path = tmp_path / "view.html"
    path.write_text(page, encoding="utf-8")
    result = chromium("--dump-dom", path.as_uri(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = parse(result.stdout)
    # The browser built the same structure: five marks, two claims, each in its sentence.
    assert [m["data-label"] for m in dom.marks] == [
        "DRUG",
        "DOSE",
        "CONDITION",
        "DRUG",
        "CONDITION",
    ]
    assert [(s, a["data-negated"]) for s, a in dom.claims] == [("0", "false"), ("1", "true")]
    assert "&lt;stroke&gt;" in result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_chromium_screenshot_has_highlight_colours(tmp_path: Path, page: str) -> None:
    path = tmp_path / "view.html"
    path.write_text(page, encoding="utf-8")
    shot = tmp_path / "view.png"
    result = chromium(f"--screenshot={shot}", "--window-size=800,600", path.as_uri(), cwd=tmp_path)
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The DRUG colour (#8ecae6) is painted somewhere: the marks are visible, not just present.
    # (A small tolerance: colour management may shift a channel by a step or two.)
    drug = (142, 202, 230)
    assert any(
        all(abs(c - d) <= 3 for c, d in zip(px, drug, strict=True)) for px in png_colours(shot)
    )


def png_colours(path: Path) -> set[tuple[int, int, int]]:
    """The RGB colours of an 8-bit RGB/RGBA PNG (stdlib only: zlib and the PNG filters)."""
    import struct
    import zlib

    data = path.read_bytes()
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if header is None:
        raise ValueError("no IHDR")
    width, height, depth, colour_type = header[:4]
    if depth != 8 or colour_type not in (2, 6):
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp], strict=False))
        prev = line
    return colours


def test_section_headings_when_sentences_carry_them() -> None:
    from claimx.write import row_dict

    sentences = [
        {**row_dict(s), "section": sec}
        for s, sec in zip(TABLES["sentences"], ["METHODS", "RESULTS"], strict=True)
    ]
    html = render_html(TEXT, {**TABLES, "sentences": sentences}, "t")
    assert re.findall(r'<div class="section">(\w+)</div>', html) == ["METHODS", "RESULTS"]
    assert '<div class="section">' not in render_html(TEXT, TABLES, "t")
