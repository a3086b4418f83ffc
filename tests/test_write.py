"""Table writing: cell encoding, atomic folder replacement, refusing foreign folders."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from claimx.errors import OutputError
from claimx.records import AbbreviationRow, DocumentRow, columns
from claimx.write import FolderWriter, Format, StreamWriter, csv_cell, row_dict


def tables(doc_id: str = "d1") -> dict:
    empty = {t: [] for t in ("sentences", "mentions", "regimens", "statistics", "claims")}
    return {
        "documents": [DocumentRow(doc_id, "src.txt", "0" * 64, 10, 1)],
        **empty,
        "abbreviations": [AbbreviationRow(doc_id, "CRPS", "complex regional pain syndrome", 3, 7)],
    }


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (("m1", "m2"), "m1;m2"),
        (9.0, "9.0"),
        (float("nan"), ""),
        ("µg", "µg"),
        (3, "3"),
    ],
    ids=["none", "true", "false", "list", "float", "nan", "unicode", "int"],
)
def test_csv_cell(value, cell) -> None:
    assert csv_cell(value) == cell


def test_row_dict_keeps_column_order_and_lists() -> None:
    row = AbbreviationRow("d", "CRPS", "complex regional pain syndrome", 1, 5)
    assert list(row_dict(row)) == columns("abbreviations")


TEXT_FORMATS = [Format.csv, Format.json, Format.jsonl]  # Parquet: tests/test_parquet.py


@pytest.mark.parametrize("fmt", TEXT_FORMATS, ids=[f.value for f in TEXT_FORMATS])
def test_folder_writer_writes_every_table_and_replaces_atomically(tmp_path: Path, fmt) -> None:
    out = tmp_path / "out"
    w = FolderWriter(out, fmt)
    w.write(tables())
    w.commit({"ok": True})
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            f"{t}.{fmt.value}"
            for t in (
                "documents",
                "sentences",
                "mentions",
                "regimens",
                "statistics",
                "claims",
                "abbreviations",
            )
        ]
        + ["manifest.json"]
    )
    text = (out / f"abbreviations.{fmt.value}").read_text(encoding="utf-8")
    if fmt is Format.csv:
        rows = list(csv.DictReader(text.splitlines()))
        assert rows[0]["short"] == "CRPS"
    elif fmt is Format.jsonl:
        assert json.loads(text.splitlines()[0])["short"] == "CRPS"
    else:
        assert json.loads(text)[0]["short"] == "CRPS"
        assert json.loads((out / "claims.json").read_text(encoding="utf-8")) == []
    # A second run that is aborted leaves the first output as it was.
    w2 = FolderWriter(out, fmt)
    w2.write(tables("d2"))
    w2.abort()
    assert "d1" in (out / f"documents.{fmt.value}").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_folder_writer_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="did not write"):
        FolderWriter(tmp_path, Format.csv)


def test_stream_writer_jsonl_one_object_per_document(tmp_path: Path) -> None:
    import io

    buf = io.StringIO()
    w = StreamWriter(buf, Format.jsonl)
    w.write(tables("a"))
    w.write(tables("b"))
    w.close()
    lines = buf.getvalue().splitlines()
    assert [json.loads(x)["doc_id"] for x in lines] == ["a", "b"]
    assert json.loads(lines[0])["abbreviations"][0]["long"] == "complex regional pain syndrome"


def test_stream_writer_json_is_one_array() -> None:
    import io

    buf = io.StringIO()
    w = StreamWriter(buf, Format.json)
    w.write(tables("a"))
    w.close()
    assert [d["doc_id"] for d in json.loads(buf.getvalue())] == ["a"]


def test_stream_writer_refuses_csv() -> None:
    import io

    with pytest.raises(OutputError, match="jsonl or json"):
        StreamWriter(io.StringIO(), Format.csv)


@dataclass(frozen=True)
class _Cells:
    text: str
    count: int
    flag: bool
    empty: None
    ratio: float
    missing: float
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class _One:
    only: Any


@pytest.mark.parametrize(
    "row",
    [
        _Cells("a,b", 3, True, None, 0.1, float("nan"), ("x", 2, None)),
        _Cells("", -1, False, None, 1e-300, float("inf"), ()),
        _One(False),
        _One(2.5),
        _One("plain"),
    ],
    ids=["every-kind", "edges", "one-bool", "one-float", "one-str"],
)
def test_csv_cells_equal_csv_cell_per_column(row: Any) -> None:
    from dataclasses import fields

    from claimx.write import csv_cell, csv_cells

    expected = [csv_cell(getattr(row, f.name)) for f in fields(row)]
    out_fast, out_slow = io.StringIO(), io.StringIO()
    csv.writer(out_fast).writerow(csv_cells(row))
    csv.writer(out_slow).writerow(expected)
    assert out_fast.getvalue() == out_slow.getvalue()


def test_packed_rows_come_back_equal() -> None:
    """Worker processes send rows as tuples; every table's rows come back equal."""
    import pickle

    from claimx.extract import Extractor
    from claimx.load import Document, sha256_text
    from claimx.records import TABLES, pack_tables, unpack_tables

    text = (
        "Ketamine 0.5 mg/kg IV (n = 12) reduced pain vs placebo (OR 2.1, 95% CI 1.2-3.4; "
        "P = .01) in complex regional pain syndrome (CRPS). CRPS may respond to morphine."
    )
    (result,) = Extractor().process([Document("d1", text, "d1", sha256_text(text))])
    tables = result.tables()
    assert set(tables) == set(TABLES) and all(tables[name] for name in TABLES)
    packed = pickle.loads(pickle.dumps(pack_tables(tables)))
    assert all(type(v) is tuple for rows in packed.values() for v in rows)
    assert unpack_tables(packed) == tables


def _two_documents() -> list[dict[str, list[Any]]]:
    from claimx.extract import Extractor
    from claimx.load import Document, sha256_text

    texts = [
        "Ketamine 0.5 mg/kg IV (n = 12) reduced pain vs placebo (OR 2.1, 95% CI 1.2-3.4; "
        "P = .01) in complex regional pain syndrome (CRPS). CRPS may respond to morphine.",
        'Oral methadone 3 mg three times daily for "cancer pain", 10 days.\nNo effect, P = 0.4.',
    ]
    docs = [Document(f"d{i}", t, f"d{i}.txt", sha256_text(t)) for i, t in enumerate(texts)]
    return [r.tables() for r in Extractor().process(docs)]


@pytest.mark.parametrize("fmt", TEXT_FORMATS, ids=[f.value for f in TEXT_FORMATS])
def test_rendered_rows_write_the_bytes_each_format_defines(tmp_path: Path, fmt: Format) -> None:
    """Worker processes render rows to text (write.render) and the parent appends it: the
    files hold exactly what each format defines for those rows, computed here row by row."""
    import pickle

    from claimx.records import TABLES
    from claimx.write import csv_cells, dumps, render

    docs = _two_documents()
    w = FolderWriter(tmp_path / "out", fmt)
    for tables in docs:
        w.write_rendered(pickle.loads(pickle.dumps(render(tables, fmt, False))))
    w.commit({})
    for name in TABLES:
        rows = [row for tables in docs for row in tables[name]]
        got = (tmp_path / "out" / f"{name}.{fmt.value}").read_text(encoding="utf-8")
        if fmt is Format.csv:
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(columns(name))
            writer.writerows(csv_cells(r) for r in rows)
            expected = buf.getvalue()
        elif fmt is Format.jsonl:
            expected = "".join(dumps(row_dict(r)) + "\n" for r in rows)
        else:
            expected = (
                "["
                + "".join(
                    ("\n" if k == 0 else ",\n") + dumps(row_dict(r)) for k, r in enumerate(rows)
                )
                + ("\n]\n" if rows else "]\n")
            )
        assert got == expected, name
        assert w.rows[name] == len(rows)
    assert w.rows["mentions"] > 5 and w.rows["claims"] > 0


@pytest.mark.parametrize("fmt", [Format.jsonl, Format.json], ids=["jsonl", "json"])
def test_rendered_documents_stream_as_written_ones(fmt: Format) -> None:
    from claimx.write import document_object, dumps, render

    docs = _two_documents()
    buf = io.StringIO()
    w = StreamWriter(buf, fmt)
    for tables in docs:
        w.write_rendered(render(tables, fmt, True))
    w.close()
    objects = [dumps(document_object(t)) for t in docs]
    if fmt is Format.jsonl:
        assert buf.getvalue() == "".join(o + "\n" for o in objects)
    else:
        assert buf.getvalue() == "[\n" + ",\n".join(objects) + "\n]\n"
    assert w.rows["documents"] == 2
