"""Loading inputs: files, folders, JSONL, stdin, and every kind of bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from claimx.load import Document, Failure, Notice, iter_documents, sha256_text


def docs(items):
    return [i for i in items if isinstance(i, Document)]


def failures(items):
    return [i for i in items if isinstance(i, Failure)]


def test_folder_is_recursive_sorted_and_ids_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Zed text.", encoding="utf-8")
    (tmp_path / "a.md").write_text("Alpha.", encoding="utf-8")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    out = docs(iter_documents([str(tmp_path)]))
    assert [d.doc_id for d in out] == ["a", "b/z"]
    assert out[1].text == "Zed text."
    assert out[1].sha256 == sha256_text("Zed text.")


def test_file_named_directly_uses_its_stem(tmp_path: Path) -> None:
    p = tmp_path / "000_abc.txt"
    p.write_text("Ketamine.", encoding="utf-8")
    (d,) = docs(iter_documents([str(p)]))
    assert d.doc_id == "000_abc"


def test_bom_is_dropped_and_offsets_refer_to_decoded_text(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffµg dose".encode())
    (d,) = docs(iter_documents([str(p)]))
    assert d.text == "µg dose"


def test_jsonl_one_document_per_line_with_ids_titles_and_bad_lines(tmp_path: Path) -> None:
    p = tmp_path / "set.jsonl"
    lines = [
        json.dumps({"id": "x1", "text": "One.", "title": "T"}),
        "{not json",
        json.dumps({"text": "Two."}),
        json.dumps({"id": "x3"}),
        "",
    ]
    p.write_text("\n".join(lines), encoding="utf-8")
    items = list(iter_documents([str(p)]))
    assert [(d.doc_id, d.text, d.title) for d in docs(items)] == [
        ("x1", "One.", "T"),
        ("set:3", "Two.", None),
    ]
    assert [f.source for f in failures(items)] == [f"{p}:2", f"{p}:4"]
    assert "not valid JSON" in failures(items)[0].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n", "empty file"),
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
    ],
    ids=["empty", "only-whitespace", "binary"],
)
def test_bad_files_fail_with_a_reason_and_others_still_load(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("Good.", encoding="utf-8")
    items = list(iter_documents([str(tmp_path)]))
    assert [d.doc_id for d in docs(items)] == ["good"]
    (f,) = failures(items)
    assert reason in f.reason and f.source.endswith(name)


def test_missing_path_fails(tmp_path: Path) -> None:
    (f,) = failures(iter_documents([str(tmp_path / "nope")]))
    assert f.reason == "no such file or folder"


def test_broken_symlink_fails(tmp_path: Path) -> None:
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    (f,) = failures(iter_documents([str(tmp_path / "link.txt")]))
    assert f.reason.startswith("broken symbolic link")


def test_cp1252_text_is_decoded_with_a_notice(tmp_path: Path) -> None:
    p = tmp_path / "legacy.txt"
    p.write_bytes("5 \u00b5g \u2013 caf\u00e9".encode("cp1252"))
    items = list(iter_documents([str(p)]))
    (d,) = docs(items)
    assert d.text == "5 \u00b5g \u2013 caf\u00e9"
    (n,) = [i for i in items if isinstance(i, Notice)]
    assert "cp1252" in n.message


def test_stdin_plain_text_and_jsonl() -> None:
    (d,) = docs(iter_documents(["-"], stdin=io.BytesIO(b"Plain text.")))
    assert (d.doc_id, d.text) == ("stdin", "Plain text.")
    jl = b'{"id": "a", "text": "A."}\n{"id": "b", "text": "B."}\n'
    assert [d.doc_id for d in docs(iter_documents(["-"], stdin=io.BytesIO(jl)))] == ["a", "b"]


def test_duplicate_doc_ids_are_renamed_not_lost(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "a.md").write_text("Two.", encoding="utf-8")
    out = docs(iter_documents([str(tmp_path)]))
    assert sorted(d.doc_id for d in out) == ["a", "a#2"]


def test_literature_suffixes_match_what_sources_reads() -> None:
    from claimx.load import LITERATURE_SUFFIXES
    from claimx.sources import SOURCE_SUFFIXES

    assert LITERATURE_SUFFIXES == SOURCE_SUFFIXES


def test_pubmed_xml_in_a_folder_gives_one_document_per_pmid(tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "pubmed_sample.xml"
    (tmp_path / "set.xml").write_bytes(fixture.read_bytes())
    out = docs(iter_documents([str(tmp_path)]))
    assert [d.doc_id for d in out] == ["31000001", "30500002", "29900003", "28800004", "20300005"]
    assert out[0].meta["evidence"] == "rct"
