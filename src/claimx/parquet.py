"""Tables as Parquet files with typed columns (integers, floats, booleans, lists of strings),
written like write.FolderWriter: into a temporary folder that replaces the output folder only
when everything is written, with a manifest. Rows are buffered per table and flushed as row
groups, so memory stays flat however many documents go through."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from types import MappingProxyType
from typing import Any

from claimx import SCHEMA_VERSION
from claimx.errors import OutputError
from claimx.records import TABLES
from claimx.schema import Column, table_columns
from claimx.write import check_output_folder, swap_in

SUFFIX = "parquet"
# Rows per row group: large enough for good compression and fast scans, small enough that the
# buffers of all seven tables stay a few MB.
ROW_GROUP_ROWS = 20_000
COMPRESSION = "zstd"


def arrow_type(col: Column) -> Any:
    """The Arrow type of a column."""
    import pyarrow as pa

    scalars = MappingProxyType(
        {
            "string": pa.string(),
            "integer": pa.int64(),
            "number": pa.float64(),
            "boolean": pa.bool_(),
        }
    )
    if col.kind == "array":
        return pa.list_(scalars[col.items or "string"])
    return scalars[col.kind]


def arrow_schema(table: str) -> Any:
    """The Arrow schema of a table: its columns in order, nullable only where records.py says
    `| None`, with the table name and schema version in the metadata."""
    import pyarrow as pa

    return pa.schema(
        [pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in table_columns(table)],
        metadata={"claimx.table": table, "claimx.schema_version": SCHEMA_VERSION},
    )


def _cells(col: Column, rows: list[Any]) -> list[Any]:
    values = [getattr(r, col.name) for r in rows]
    if col.kind == "number":
        # As in the CSV and JSON outputs, a non-finite number is written as null.
        return [v if v is None or math.isfinite(v) else None for v in values]
    if col.kind == "array":
        return [list(v) if v is not None else None for v in values]
    return values


class ParquetWriter:
    """Tables into a folder of .parquet files, one per table, swapped in atomically."""

    def __init__(self, folder: Path, fmt: Any = None, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        import pyarrow.parquet as pq

        if row_group_rows < 1:
            raise ValueError("row_group_rows must be at least 1")
        self.folder = Path(folder)
        self.fmt = fmt
        self.row_group_rows = row_group_rows
        check_output_folder(self.folder)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.folder.parent / f".{self.folder.name}.tmp-{os.getpid()}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        self.rows = {name: 0 for name in TABLES}
        self.schemas = {name: arrow_schema(name) for name in TABLES}
        self.buffers: dict[str, list[Any]] = {name: [] for name in TABLES}
        self.writers: dict[str, Any] = {}
        try:
            for name in TABLES:
                self.writers[name] = pq.ParquetWriter(
                    self.tmp / f"{name}.{SUFFIX}", self.schemas[name], compression=COMPRESSION
                )
        except OSError as e:
            self.abort()
            raise OutputError(
                f"cannot write {self.tmp}: {e}; check the folder's permissions"
            ) from e

    def write(self, tables: dict[str, list[Any]]) -> None:
        """Add one document's rows; a table's buffer becomes a row group when it is full."""
        for name, rows in tables.items():
            if not rows:
                continue
            buffer = self.buffers[name]
            buffer.extend(rows)
            self.rows[name] += len(rows)
            if len(buffer) >= self.row_group_rows:
                self._flush(name)

    def _flush(self, name: str) -> None:
        import pyarrow as pa

        rows = self.buffers[name]
        if not rows:
            return
        schema = self.schemas[name]
        arrays = [
            pa.array(_cells(col, rows), type=schema.field(col.name).type)
            for col in table_columns(name)
        ]
        self.writers[name].write_table(pa.Table.from_arrays(arrays, schema=schema))
        self.buffers[name] = []

    def carry_over(self, old: Path) -> None:
        """Copy the rows of a previous Parquet output (for --resume), row group by row group."""
        import pyarrow.parquet as pq

        for name in TABLES:
            path = Path(old) / f"{name}.{SUFFIX}"
            if not path.is_file():
                raise OutputError(
                    f"{path} is missing; --resume needs a complete previous output "
                    "in --format parquet"
                )
            self._flush(name)
            source = pq.ParquetFile(path)
            if not source.schema_arrow.remove_metadata().equals(
                self.schemas[name].remove_metadata()
            ):
                raise OutputError(
                    f"{path} was written with other columns (an older claimx?); "
                    "extract again without --resume"
                )
            for i in range(source.num_row_groups):
                group = source.read_row_group(i).cast(self.schemas[name])
                self.writers[name].write_table(group)
                self.rows[name] += group.num_rows

    def commit(self, manifest: dict[str, Any]) -> None:
        """Write the last row groups and the manifest, and swap the folder into place."""
        for name in TABLES:
            self._flush(name)
            self.writers[name].close()
        swap_in(self.tmp, self.folder, manifest)

    def abort(self) -> None:
        """Drop the temporary folder; the previous output stays."""
        for writer in self.writers.values():
            try:
                writer.close()
            except OSError:
                pass  # the folder goes next anyway
        shutil.rmtree(self.tmp, ignore_errors=True)


def read_parquet_table(path: Path) -> Any:
    """A Parquet table as a DataFrame with list columns as Python lists (as the JSONL reader
    gives them), for summarize."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    df = table.to_pandas()
    for field in table.schema:
        if pa.types.is_list(field.type):
            df[field.name] = [
                v if v is not None else [] for v in table.column(field.name).to_pylist()
            ]
    return df
