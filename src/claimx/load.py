"""Read inputs into documents: files, folders, JSONL, and "-" for stdin.

Every input either yields Documents or one Failure (with the reason a user can act on); a bad
input never stops the others. Offsets always refer to the decoded text exactly as read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
# PubMed/JATS XML and CSV/TSV tables, read by claimx.sources (kept in step with its
# SOURCE_SUFFIXES by a test; not imported here so that plain-text runs never load lxml).
LITERATURE_SUFFIXES = frozenset({".xml", ".nxml", ".csv", ".tsv", ".tab"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES | LITERATURE_SUFFIXES
# Encodings tried after UTF-8 fails, in order; cp1252 before latin-1 because its extra
# characters (curly quotes, dashes) are what Windows-made text usually holds.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Document:
    """One text to extract from, with where it came from."""

    doc_id: str
    text: str
    source: str
    sha256: str
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Failure:
    """An input (or part of one) that could not be read, and why."""

    source: str
    reason: str
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a user should know about an input that was still read (e.g. its encoding)."""

    source: str
    message: str


Item = Document | Failure | Notice


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the text's UTF-8 bytes (the document's identity for --resume)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM tolerated), else a legacy encoding; (text, encoding)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # latin-1 decodes every byte sequence, so this is never reached.
    raise AssertionError("unreachable")  # pragma: no cover


def looks_binary(data: bytes) -> bool:
    """A NUL byte near the start marks a binary file (text encodings never contain one)."""
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read table inputs (CSV/TSV) and where the rules are."""

    text_column: str = "text"
    id_column: str | None = None
    rules: str | None = None


def iter_documents(
    paths: Iterable[str], *, stdin: object = None, options: ReadOptions | None = None
) -> Iterator[Item]:
    """Yield Documents, Failures and Notices for each path, in a deterministic order.

    Folders are walked recursively in sorted order and only supported files are read; a file
    named directly is read whatever its suffix. "-" reads standard input.
    """
    seen: dict[str, int] = {}
    opts = options or ReadOptions()
    for raw in paths:
        for item in _iter_path(raw, stdin, opts):
            if isinstance(item, Document):
                count = seen.get(item.doc_id, 0) + 1
                seen[item.doc_id] = count
                if count > 1:
                    unique = f"{item.doc_id}#{count}"
                    yield Notice(
                        item.source, f"duplicate doc_id {item.doc_id!r}; renamed {unique!r}"
                    )
                    item = Document(
                        unique, item.text, item.source, item.sha256, item.title, item.meta
                    )
            yield item


def _iter_path(raw: str, stdin: object, opts: ReadOptions) -> Iterator[Item]:
    if raw == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read()  # type: ignore[union-attr]
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data.lstrip()[:1] == b"<" or data[:2] == b"\x1f\x8b":
            from claimx.sources import iter_source

            yield from iter_source(data, "<stdin>", rules=opts.rules)
            return
        yield from _from_bytes(data, "<stdin>", "stdin", jsonl=None)
        return
    path = Path(raw)
    if path.is_symlink() and not path.exists():
        yield Failure(raw, "broken symbolic link (or a link loop)")
        return
    if not path.exists():
        yield Failure(raw, "no such file or folder")
        return
    if path.is_dir():
        yield from _iter_folder(path, opts)
        return
    yield from _from_file(path, path.parent, raw, opts)


def _iter_folder(root: Path, opts: ReadOptions) -> Iterator[Item]:
    files: list[Path] = []
    failures: list[Failure] = []

    def on_error(err: OSError) -> None:
        failures.append(Failure(str(err.filename or root), f"cannot read folder: {err.strerror}"))

    for folder, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            p = Path(folder) / name
            if p.suffix.lower() in SUPPORTED_SUFFIXES or p.suffix.lower() == ".gz":
                files.append(p)
    yield from failures
    for p in sorted(files, key=lambda q: q.relative_to(root).as_posix()):
        yield from _from_file(p, root, str(p), opts)


def _doc_id_for(path: Path, root: Path) -> str:
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    name = rel.as_posix()
    for suffix in reversed(rel.suffixes[-2:]):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or rel.as_posix()


def _literature_kind(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in LITERATURE_SUFFIXES


def _from_file(path: Path, root: Path, shown: str, opts: ReadOptions) -> Iterator[Item]:
    if path.is_symlink() and not path.exists():
        yield Failure(shown, "broken symbolic link (or a link loop)")
        return
    if _literature_kind(path):
        # Streamed from the file: an XML baseline file is never read whole into memory.
        from claimx.sources import iter_source

        if not os.access(path, os.R_OK):
            yield Failure(shown, "permission denied")
            return
        try:
            yield from iter_source(
                path,
                shown,
                text_column=opts.text_column,
                id_column=opts.id_column,
                rules=opts.rules,
            )
        except OSError as e:
            yield Failure(shown, f"cannot read: {e.strerror or e}")
        return
    try:
        data = path.read_bytes()
    except PermissionError:
        yield Failure(shown, "permission denied")
        return
    except IsADirectoryError:
        yield Failure(shown, "is a folder")
        return
    except OSError as e:
        yield Failure(shown, f"cannot read: {e.strerror or e}")
        return
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            yield Failure(shown, f"not a valid gzip file ({e})")
            return
        suffixes = suffixes[:-1]
    jsonl = bool(suffixes) and suffixes[-1] in JSONL_SUFFIXES
    yield from _from_bytes(data, shown, _doc_id_for(path, root), jsonl=jsonl)


def _from_bytes(data: bytes, shown: str, doc_id: str, jsonl: bool | None) -> Iterator[Item]:
    if not data.strip():
        yield Failure(shown, "empty file")
        return
    if looks_binary(data):
        yield Failure(shown, "binary file (contains NUL bytes); expected UTF-8 text or JSONL")
        return
    text, encoding = decode_bytes(data)
    if encoding != "utf-8":
        yield Notice(shown, f"not valid UTF-8; decoded as {encoding}")
    if jsonl is None:  # stdin: JSONL when every non-blank line is a JSON object
        jsonl = _looks_jsonl(text)
    if jsonl:
        yield from _from_jsonl(text, shown, doc_id)
        return
    yield Document(doc_id, text, shown, sha256_text(text))


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _looks_jsonl(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except json.JSONDecodeError:
        return False


def _from_jsonl(text: str, shown: str, stem: str) -> Iterator[Item]:
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{shown}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield Failure(where, f"not valid JSON ({e.msg} at column {e.colno})")
            continue
        if not isinstance(obj, dict):
            yield Failure(where, "expected a JSON object with a 'text' field")
            continue
        body = obj.get("text")
        if not isinstance(body, str):
            yield Failure(where, "no 'text' string field")
            continue
        if not body.strip():
            yield Failure(where, "empty 'text'")
            continue
        doc_id = str(obj["id"]) if obj.get("id") not in (None, "") else f"{stem}:{n}"
        title = obj.get("title") if isinstance(obj.get("title"), str) else None
        bad = next(
            (
                k
                for k, v in (("text", body), ("id", doc_id), ("title", title))
                if v is not None and not _encodable(v)
            ),
            None,
        )
        if bad is not None:
            # JSON can escape a lone surrogate ("\ud800"), which is not Unicode text.
            yield Failure(where, f"'{bad}' holds an unpaired surrogate escape; not valid Unicode")
            continue
        yield Document(doc_id, body, where, sha256_text(body), title)
