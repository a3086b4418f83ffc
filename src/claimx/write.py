"""Write tables (csv / json / jsonl) into an output folder atomically, or document objects to a
stream. Rows are streamed: nothing holds the whole corpus."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import IO, Any

from claimx.errors import OutputError
from claimx.records import TABLES, columns, row_values

MANIFEST = "manifest.json"


class Format(str, Enum):
    """Output formats."""

    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    parquet = "parquet"


def json_value(value: Any) -> Any:
    """A cell as JSON: tuples become lists, non-finite floats become null."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def row_dict(row: Any) -> dict[str, Any]:
    """A record as a dict in column order, JSON-ready."""
    return {f.name: json_value(getattr(row, f.name)) for f in fields(row)}


def csv_cell(value: Any) -> str:
    """A cell as CSV text: lists `;`-joined, booleans true/false, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(csv_cell(v) for v in value)
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    return str(value)


# Cells the csv module writes as csv_cell would (None as empty, str and int as they are).
_PLAIN_CELL = (str, int, type(None))


def csv_cells(row: Any) -> list[Any]:
    """A record as a CSV row: csv_cell for each column, without a call for the plain ones."""
    return [v if type(v) in _PLAIN_CELL else csv_cell(v) for v in row_values(row)]


def document_object(tables: dict[str, list[Any]]) -> dict[str, Any]:
    """One document's rows as the JSON object written with `-o -`."""
    doc = row_dict(tables["documents"][0])
    for name in ("sentences", "mentions", "regimens", "statistics", "claims", "abbreviations"):
        doc[name] = [row_dict(r) for r in tables[name]]
    return doc


def dumps(obj: Any) -> str:
    """Compact, UTF-8, deterministic JSON."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(slots=True)
class Rendered:
    """One document's rows as the text they take in the output, made by `render`.

    With --jobs, workers render and the parent only appends the text: formatting cells is
    most of the cost of writing, and a string pickles far faster than rows do.
    """

    source: str
    doc_id: str
    sha256: str
    counts: dict[str, int]  # rows per table
    parts: dict[str, str]  # text per table; for a stream, one entry: ""


def render(tables: dict[str, list[Any]], fmt: Format, stream: bool) -> Rendered:
    """`tables` (one document's rows) as the text FolderWriter (or, `stream`, StreamWriter)
    writes for them in `fmt` (csv, json or jsonl). JSON arrays' separators depend on what came
    before, so each part leaves them to the writer."""
    doc = tables["documents"][0]
    counts = {name: len(rows) for name, rows in tables.items()}
    parts: dict[str, str] = {}
    if stream:
        parts[""] = dumps(document_object(tables))
    elif fmt is Format.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for name, rows in tables.items():
            w.writerows(map(csv_cells, rows))
            parts[name] = buf.getvalue()
            buf.seek(0)
            buf.truncate()
    else:
        sep = "\n" if fmt is Format.jsonl else ",\n"
        for name, rows in tables.items():
            parts[name] = sep.join(dumps(row_dict(row)) for row in rows)
    return Rendered(doc.source, doc.doc_id, doc.sha256, counts, parts)


class StreamWriter:
    """Document objects to a text stream: one JSON object per line (jsonl) or one JSON array."""

    def __init__(self, stream: IO[str], fmt: Format) -> None:
        if fmt not in (Format.jsonl, Format.json):
            raise OutputError(
                f"--format {fmt.value} cannot go to standard output (it is several tables); "
                "use --format jsonl or json with -o -, or name an output folder"
            )
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        self.rows = {name: 0 for name in TABLES}

    # What workers need to render for this writer (see `render`).
    @property
    def render_spec(self) -> tuple[Format, bool]:
        return (self.fmt, True)

    def write(self, tables: dict[str, list[Any]]) -> None:
        self.write_rendered(render(tables, self.fmt, True))

    def write_rendered(self, r: Rendered) -> None:
        for name in TABLES:
            self.rows[name] += r.counts[name]
        if self.fmt is Format.jsonl:
            self.stream.write(r.parts[""] + "\n")
        else:
            self.stream.write(("[\n" if self.count == 0 else ",\n") + r.parts[""])
        self.count += 1
        self.stream.flush()

    def close(self) -> None:
        if self.fmt is Format.json:
            self.stream.write("[]\n" if self.count == 0 else "\n]\n")
            self.stream.flush()


class FolderWriter:
    """Tables into a folder, one file each. Everything goes to a temporary folder beside the
    target, which replaces the target only when all is written: an interrupted run leaves the
    previous output as it was."""

    def __init__(self, folder: Path, fmt: Format) -> None:
        self.folder = folder
        self.fmt = fmt
        check_output_folder(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        self.rows = {name: 0 for name in TABLES}
        self.files: dict[str, IO[str]] = {}
        self.csv: dict[str, Any] = {}
        for name in TABLES:
            f = (self.tmp / f"{name}.{fmt.value}").open("w", encoding="utf-8", newline="")
            self.files[name] = f
            if fmt is Format.csv:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns(name))
                self.csv[name] = w
            elif fmt is Format.json:
                f.write("[")

    @property
    def render_spec(self) -> tuple[Format, bool]:
        return (self.fmt, False)

    def write(self, tables: dict[str, list[Any]]) -> None:
        self.write_rendered(render(tables, self.fmt, False))

    def write_rendered(self, r: Rendered) -> None:
        for name, text in r.parts.items():
            count = r.counts[name]
            if not count:
                continue
            if self.fmt is Format.jsonl:
                self.files[name].write(text + "\n")
            elif self.fmt is Format.json:
                self.files[name].write(("\n" if self.rows[name] == 0 else ",\n") + text)
            else:
                self.files[name].write(text)
            self.rows[name] += count

    def carry_over(self, old: Path) -> None:
        """Copy the rows of a previous output of the same format (for --resume)."""
        for name in TABLES:
            path = old / f"{name}.{self.fmt.value}"
            if not path.is_file():
                raise OutputError(
                    f"{path} is missing; --resume needs a complete previous output "
                    f"in --format {self.fmt.value}"
                )
            f = self.files[name]
            with path.open(encoding="utf-8", newline="") as src:
                if self.fmt is Format.csv:
                    # Our own cells can be long (a sentence of a text without breaks).
                    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
                    reader = csv.reader(src)
                    next(reader, None)  # header
                    for cells in reader:  # csv, not lines: a cell may hold a line break
                        self.csv[name].writerow(cells)
                        self.rows[name] += 1
                elif self.fmt is Format.jsonl:
                    for line in src:
                        if line.strip():
                            f.write(line if line.endswith("\n") else line + "\n")
                            self.rows[name] += 1
                else:
                    for row in json.load(src):
                        f.write(("\n" if self.rows[name] == 0 else ",\n") + dumps(row))
                        self.rows[name] += 1

    def commit(self, manifest: dict[str, Any]) -> None:
        """Close the tables, write the manifest, and swap the folder into place."""
        for name, f in self.files.items():
            if self.fmt is Format.json:
                f.write("\n]\n" if self.rows[name] else "]\n")
            f.close()
        swap_in(self.tmp, self.folder, manifest)

    def abort(self) -> None:
        """Drop the temporary folder; the previous output stays."""
        for f in self.files.values():
            if not f.closed:
                f.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _indented(value: Any, level: int) -> str:
    """`value` as json.dump(indent=1) writes it `level` levels deep."""
    text = json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False)
    return text.replace("\n", "\n" + " " * level)  # JSON strings hold no raw line breaks


def write_manifest(f: IO[str], manifest: dict[str, Any]) -> None:
    """The manifest as json.dump(indent=1) writes it, but with "inputs" taken from any
    iterable one entry at a time (a run's input log is spooled, not held in memory)."""
    f.write("{")
    for k, (key, value) in enumerate(manifest.items()):
        f.write(("\n " if k == 0 else ",\n ") + json.dumps(key, ensure_ascii=False) + ": ")
        if key != "inputs" or isinstance(value, (list, dict)):
            f.write(_indented(value, 1))
            continue
        count = 0
        for entry in value:
            f.write(("[\n  " if count == 0 else ",\n  ") + _indented(entry, 2))
            count += 1
        f.write("\n ]" if count else "[]")
    f.write("\n}\n" if manifest else "}\n")


def swap_in(tmp: Path, folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest into the finished temporary folder and put it in `folder`'s place;
    the previous output is removed only once the new one is there."""
    with (tmp / MANIFEST).open("w", encoding="utf-8") as f:
        write_manifest(f, manifest)
    old = None
    if folder.exists():
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        os.replace(folder, old)
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def folder_writer(folder: Path, fmt: Format) -> Any:
    """The writer for `fmt` (Parquet needs pyarrow, loaded only then)."""
    if fmt is Format.parquet:
        from claimx.parquet import ParquetWriter

        return ParquetWriter(folder, fmt)
    return FolderWriter(folder, fmt)


def check_output_folder(folder: Path) -> None:
    """Refuse to replace anything claimx did not write."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output {folder} is a file; name a folder with -o, or -o - for stdout")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise OutputError(
            f"output folder {folder} holds files claimx did not write (no {MANIFEST}); "
            "choose another folder with -o"
        )


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file through a temporary file and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a previous run in `folder`, if there is one."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def table_text(rows: list[Any], table: str) -> str:
    """A table as CSV text (for tests and small outputs)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns(table))
    for row in rows:
        w.writerow(csv_cells(row))
    return buf.getvalue()
