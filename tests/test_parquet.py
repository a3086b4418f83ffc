"""Parquet output: typed columns that pandas reads back as the same rows, row groups streamed,
the folder swapped in atomically, a previous output carried over for --resume."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from claimx.errors import OutputError
from claimx.parquet import ParquetWriter, arrow_schema, read_parquet_table
from claimx.records import TABLES
from claimx.schema import table_columns

FIXTURES = Path(__file__).parent / "fixtures"


def make_row(table: str, i: int) -> Any:
    """A row of `table` with a value of the right type in every column; nullable columns are
    null on every third row, numbers are non-finite on row 4 (written as null)."""
    values: dict[str, Any] = {}
    for col in table_columns(table):
        if col.nullable and i % 3 == 2:
            values[col.name] = None
        elif col.kind == "string":
            values[col.name] = f"{col.name} {i} – ü"
        elif col.kind == "integer":
            values[col.name] = i * 7 - 3
        elif col.kind == "number":
            values[col.name] = math.inf if (i == 4 and col.nullable) else i + 0.25
        elif col.kind == "boolean":
            values[col.name] = i % 2 == 0
        else:
            values[col.name] = tuple(f"x{j}" for j in range(i % 3))
    return TABLES[table](**values)


def make_tables(start: int, n: int) -> dict[str, list[Any]]:
    return {name: [make_row(name, i) for i in range(start, start + n)] for name in TABLES}


def expected_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def written(folder: Path, batches: list[dict[str, list[Any]]], **kwargs: Any) -> ParquetWriter:
    writer = ParquetWriter(folder, **kwargs)
    for tables in batches:
        writer.write(tables)
    writer.commit({"format": "parquet", "rows": dict(writer.rows)})
    return writer


def frame_rows(df: Any) -> list[dict[str, Any]]:
    """DataFrame rows as plain Python values (NaN -> None, arrays -> lists)."""
    out = []
    for rec in df.to_dict("records"):
        row = {}
        for k, v in rec.items():
            if hasattr(v, "tolist"):
                v = v.tolist()
            if isinstance(v, float) and math.isnan(v):
                v = None
            row[k] = None if v is not None and not isinstance(v, list) and _isna(v) else v
        out.append(row)
    return out


def _isna(v: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


@pytest.mark.parametrize("table", list(TABLES))
def test_pandas_reads_back_the_same_rows(tmp_path: Path, table: str) -> None:
    import pandas as pd

    batches = [make_tables(0, 3), make_tables(3, 4)]
    written(tmp_path / "out", batches)
    df = pd.read_parquet(tmp_path / "out" / f"{table}.parquet")
    assert list(df.columns) == [f.name for f in fields(TABLES[table])]
    rows = [r for b in batches for r in b[table]]
    expected = [{f.name: expected_value(getattr(r, f.name)) for f in fields(r)} for r in rows]
    assert frame_rows(df) == expected


@pytest.mark.parametrize(
    ("table", "column", "dtype"),
    [
        ("mentions", "start", "int64"),
        ("mentions", "sent_id", "int64"),
        ("documents", "n_chars", "int64"),
        ("regimens", "dose_low", "float64"),
        ("statistics", "p_reported", "float64"),
        ("regimens", "daily_dose_derived", "bool"),
        ("claims", "negated", "bool"),
        ("statistics", "error", "object"),  # bool | None: True, False or None
    ],
)
def test_column_dtypes(tmp_path: Path, table: str, column: str, dtype: str) -> None:
    import pandas as pd

    written(tmp_path / "out", [make_tables(0, 5)])
    df = pd.read_parquet(tmp_path / "out" / f"{table}.parquet")
    assert str(df[column].dtype) == dtype


@pytest.mark.parametrize(
    ("table", "column", "arrow"),
    [
        ("mentions", "start", "int64"),
        ("mentions", "norm", "string"),
        ("regimens", "dose_high", "double"),
        ("regimens", "mention_ids", "list<string>"),
        ("claims", "drugs", "list<string>"),
        ("statistics", "decision_error", "bool"),
    ],
)
def test_arrow_types(tmp_path: Path, table: str, column: str, arrow: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    written(tmp_path / "out", [make_tables(0, 2)])
    kind = pq.read_schema(tmp_path / "out" / f"{table}.parquet").field(column).type
    assert (f"list<{kind.value_type}>" if pa.types.is_list(kind) else str(kind)) == arrow


@pytest.mark.parametrize(
    ("table", "column", "nullable"),
    [("mentions", "start", False), ("mentions", "norm", True), ("claims", "negated", False)],
)
def test_nullability_follows_records(table: str, column: str, nullable: bool) -> None:
    assert arrow_schema(table).field(column).nullable is nullable


def test_schema_version_in_file_metadata(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from claimx import SCHEMA_VERSION

    written(tmp_path / "out", [make_tables(0, 1)])
    meta = pq.read_schema(tmp_path / "out" / "claims.parquet").metadata
    assert meta[b"claimx.schema_version"] == SCHEMA_VERSION.encode()
    assert meta[b"claimx.table"] == b"claims"


def test_rows_are_streamed_in_row_groups(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    writer = ParquetWriter(tmp_path / "out", row_group_rows=3)
    for start in range(0, 10, 2):
        writer.write(make_tables(start, 2))
        # Fewer than a row group's worth of rows ever waits in memory.
        assert all(len(b) < 3 for b in writer.buffers.values())
    writer.commit({})
    meta = pq.ParquetFile(tmp_path / "out" / "mentions.parquet").metadata
    # A group is written once 3 rows wait; documents are not split: 2+2, 2+2, then the last 2.
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 2]
    assert writer.rows["mentions"] == 10


def test_empty_tables_are_valid_files(tmp_path: Path) -> None:
    import pandas as pd

    written(tmp_path / "out", [{name: [] for name in TABLES}])
    df = pd.read_parquet(tmp_path / "out" / "regimens.parquet")
    assert len(df) == 0 and list(df.columns) == [f.name for f in fields(TABLES["regimens"])]


def test_commit_writes_manifest_and_replaces_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written(out, [make_tables(0, 5)])
    writer = written(out, [make_tables(0, 2)])
    assert json.loads((out / "manifest.json").read_text())["rows"] == writer.rows
    assert read_parquet_table(out / "mentions.parquet").shape[0] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folders left


def test_abort_keeps_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written(out, [make_tables(0, 5)])
    writer = ParquetWriter(out)
    writer.write(make_tables(0, 1))
    writer.abort()
    assert read_parquet_table(out / "mentions.parquet").shape[0] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_refuses_a_folder_claimx_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.docx").write_text("mine")
    with pytest.raises(OutputError, match="holds files claimx did not write"):
        ParquetWriter(tmp_path / "thesis")


def test_carry_over_keeps_previous_rows_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written(out, [make_tables(0, 3)])
    writer = ParquetWriter(out, row_group_rows=2)
    writer.carry_over(out)
    writer.write(make_tables(3, 2))
    writer.commit({})
    df = read_parquet_table(out / "claims.parquet")
    assert writer.rows["claims"] == 5
    assert df["claim_id"].tolist() == [f"claim_id {i} – ü" for i in range(5)]


@pytest.mark.parametrize("problem", ["missing-table", "other-columns"])
def test_carry_over_refuses_incomplete_or_foreign_output(tmp_path: Path, problem: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    old = tmp_path / "old"
    written(old, [make_tables(0, 1)])
    if problem == "missing-table":
        (old / "claims.parquet").unlink()
        message = "claims.parquet is missing"
    else:
        pq.write_table(pa.table({"doc_id": ["d1"]}), old / "claims.parquet")
        message = "written with other columns"
    writer = ParquetWriter(tmp_path / "new")
    with pytest.raises(OutputError, match=message):
        writer.carry_over(old)
    writer.abort()


def test_read_parquet_table_gives_python_lists(tmp_path: Path) -> None:
    written(tmp_path / "out", [make_tables(0, 3)])
    df = read_parquet_table(tmp_path / "out" / "claims.parquet")
    assert df["drugs"].tolist() == [[], ["x0"], ["x0", "x1"]]


@pytest.fixture(scope="module")
def real_output(extractor: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    from claimx.sources import iter_pubmed_xml

    docs = list(iter_pubmed_xml(FIXTURES / "pubmed_sample.xml"))
    results = [r.tables() for r in extractor.process(docs)]
    folder = tmp_path_factory.mktemp("parquet") / "out"
    written(folder, results)
    return folder, results


@pytest.mark.parametrize("table", list(TABLES))
def test_real_output_round_trips(real_output: tuple[Path, list], table: str) -> None:
    import pandas as pd

    folder, results = real_output
    df = pd.read_parquet(folder / f"{table}.parquet")
    rows = [row for r in results for row in r[table]]
    expected = [{f.name: expected_value(getattr(x, f.name)) for f in fields(x)} for x in rows]
    assert frame_rows(df) == expected
    if table in ("documents", "sentences", "mentions", "claims"):
        assert len(rows) > 0  # the fixture exercises this table


@pytest.mark.parametrize("by", ["drug", "condition", "route", "document", "claim", "evidence"])
def test_summarize_accepts_parquet_tables(real_output: tuple[Path, list], by: str) -> None:
    from claimx.summarize import summarize

    folder, _ = real_output
    tables = {name: read_parquet_table(folder / f"{name}.parquet") for name in TABLES}
    assert len(summarize(tables, by=by)) > 0
