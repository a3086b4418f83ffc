"""The CLI end to end: data on stdout only, one-line errors on stderr, exit codes, manifest."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimx import SCHEMA_VERSION, __version__
from claimx.cli import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory, seed_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    result = invoke("extract", str(seed_dir), "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    return out


@pytest.fixture(scope="module")
def seed_jsonl(seed_dir: Path) -> str:
    result = invoke("extract", str(seed_dir), "-o", "-", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert result.stdout.strip() == f"claimx {__version__}"


def test_extract_writes_every_table_and_a_manifest(seed_out: Path, seed_dir: Path) -> None:
    manifest = json.loads((seed_out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == 5 and manifest["failed"] == 0
    assert [i["doc_id"] for i in manifest["inputs"]] == sorted(
        p.stem for p in seed_dir.glob("*.txt")
    )
    assert all(i["status"] == "ok" and len(i["sha256"]) == 64 for i in manifest["inputs"])
    with (seed_out / "mentions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert manifest["rows"]["mentions"] == len(rows) > 0
    texts = {p.stem: p.read_text(encoding="utf-8") for p in seed_dir.glob("*.txt")}
    for r in rows:
        assert texts[r["doc_id"]][int(r["start"]) : int(r["end"])] == r["text"]
    labels = {r["label"] for r in rows}
    assert {"DRUG", "DOSE", "ROUTE", "FREQUENCY", "CONDITION", "STATISTIC"} <= labels


def test_jsonl_stdout_is_one_document_object_per_line(seed_jsonl: str, seed_dir: Path) -> None:
    lines = seed_jsonl.splitlines()
    assert len(lines) == 5
    texts = {p.stem: p.read_text(encoding="utf-8") for p in seed_dir.glob("*.txt")}
    for line in lines:
        doc = json.loads(line)
        assert set(doc) >= {
            "doc_id",
            "source",
            "sha256",
            "n_chars",
            "sentences",
            "mentions",
            "regimens",
            "statistics",
            "claims",
            "abbreviations",
        }
        text = texts[doc["doc_id"]]
        assert doc["n_chars"] == len(text)
        for m in doc["mentions"]:
            assert text[m["start"] : m["end"]] == m["text"]
        for s in doc["sentences"]:
            assert text[s["start"] : s["end"]] == s["text"]


def test_summarize_by_drug_names_the_seed_drugs(seed_out: Path) -> None:
    result = invoke("summarize", str(seed_out), "--by", "drug", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    drugs = {r["drug"] for r in rows}
    assert {"ketamine", "methadone", "oxytocin", "morphine"} <= drugs
    ket = next(r for r in rows if r["drug"] == "ketamine")
    assert ket["documents"] == 5 and ket["mentions"] > 20


def test_summarize_reads_a_pipe(seed_jsonl: str) -> None:
    result = invoke("summarize", "-", "--by", "drug", "--format", "csv", input=seed_jsonl)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("drug,drug_id,documents,mentions")
    assert any(line.startswith("ketamine,") for line in result.stdout.splitlines())


@pytest.mark.parametrize("by", ["condition", "route", "document", "claim", "evidence"])
def test_summarize_other_groupings(seed_out: Path, by: str) -> None:
    result = invoke("summarize", str(seed_out), "--by", by, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list) and json.loads(result.stdout)


def test_missing_and_binary_inputs_fail_alone(tmp_path: Path, seed_dir: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(seed_dir / "003_a4bf6f2e389cc550.txt", inputs)
    (inputs / "image.txt").write_bytes(b"\x89PNG\x00\x00binary")
    out = tmp_path / "out"
    result = invoke("extract", str(inputs), str(tmp_path / "missing.txt"), "-o", str(out), "-q")
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert "image.txt: binary file" in errors[0] and "missing.txt: no such file" in errors[1]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == 1 and manifest["failed"] == 2
    assert [i["status"] for i in manifest["inputs"]] == ["ok", "error", "error"]


def test_output_inside_input_is_refused(tmp_path: Path, seed_dir: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(seed_dir, inputs)
    result = invoke("extract", str(inputs), "-o", str(inputs / "out"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "inside the input" in result.stderr


def test_usage_error_exits_2() -> None:
    result = invoke("extract", "data/raw", "--format", "docx")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_csv_to_stdout_is_a_clear_error(seed_dir: Path) -> None:
    result = invoke("extract", str(seed_dir), "-o", "-", "--format", "csv")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "use --format jsonl or json" in result.stderr


def test_summarize_without_output_folder(tmp_path: Path) -> None:
    result = invoke("summarize", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "run `claimx extract` first" in result.stderr


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet"])
def test_same_input_same_output_bytes_whatever_jobs(
    tmp_path: Path, seed_dir: Path, fmt: str
) -> None:
    # Workers render csv/json/jsonl text themselves and send Parquet's rows as tuples.
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    a, b = tmp_path / "a", tmp_path / "b"
    assert invoke("extract", str(seed_dir), "-o", str(a), "-q", "--format", fmt).exit_code == 0
    result = invoke("extract", str(seed_dir), "-o", str(b), "-q", "--jobs", "2", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert _tables(a) == _tables(b)
    assert len(_tables(a)) == 7


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_same_stream_whatever_jobs(seed_dir: Path, fmt: str) -> None:
    one = invoke("extract", str(seed_dir), "-o", "-", "-q", "--format", fmt)
    two = invoke("extract", str(seed_dir), "-o", "-", "-q", "--format", fmt, "--jobs", "2")
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    assert one.stdout.count('"doc_id"') >= 5


def test_resume_skips_done_documents_and_keeps_their_rows(tmp_path: Path, seed_dir: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    files = sorted(seed_dir.glob("*.txt"))
    for f in files[:2]:
        shutil.copy(f, inputs)
    out = tmp_path / "out"
    assert invoke("extract", str(inputs), "-o", str(out), "-q", "--format", "jsonl").exit_code == 0
    for f in files[2:]:
        shutil.copy(f, inputs)
    result = invoke("extract", str(inputs), "-o", str(out), "--resume", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [i["status"] for i in manifest["inputs"]] == ["ok"] * 5
    assert manifest["documents"] == 3  # this run extracted three; two were carried over
    full = tmp_path / "full"
    assert invoke("extract", str(inputs), "-o", str(full), "-q", "--format", "jsonl").exit_code == 0
    assert _tables(out) == _tables(full)


def test_resume_with_another_format_is_refused(tmp_path: Path, seed_dir: Path) -> None:
    out = tmp_path / "out"
    assert invoke("extract", str(seed_dir), "-o", str(out), "-q").exit_code == 0
    result = invoke("extract", str(seed_dir), "-o", str(out), "--resume", "--format", "json")
    assert result.exit_code == 1
    assert "resume with that format" in result.stderr


@pytest.mark.parametrize("version", ["1", None], ids=["older-schema", "no-schema-version"])
def test_resume_over_another_table_schema_is_refused(
    tmp_path: Path, seed_dir: Path, version: str | None
) -> None:
    out = tmp_path / "out"
    assert invoke("extract", str(seed_dir), "-o", str(out), "-q").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == SCHEMA_VERSION
    manifest["schema_version"] = version
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = (out / "mentions.csv").read_bytes()
    result = invoke("extract", str(seed_dir), "-o", str(out), "--resume")
    assert result.exit_code == 1
    assert "extract again without --resume" in result.stderr
    assert (out / "mentions.csv").read_bytes() == before


def test_mentions_carry_cross_references(seed_out: Path) -> None:
    with (seed_out / "mentions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    xrefs = {(r["label"], r["xref"].split(":")[0]) for r in rows if r["xref"]}
    assert xrefs == {("DRUG", "MESH"), ("CONDITION", "ICD10CM")}
    assert all(not r["xref"] for r in rows if r["label"] not in ("DRUG", "CONDITION"))


def test_summarize_by_claim_sorts_and_flags_overclaims(seed_out: Path) -> None:
    result = invoke(
        "summarize", str(seed_out), "--by", "claim", "--sort", "certainty", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    certainties = [r["certainty"] for r in rows]
    assert certainties == sorted(certainties)
    strong = [r for r in rows if r["certainty"] == "strong" and "without a doubt" in r["text"]]
    assert strong and strong[0]["overclaim"]


def test_summarize_unknown_sort_column_is_a_clear_error(seed_out: Path) -> None:
    result = invoke("summarize", str(seed_out), "--by", "claim", "--sort", "nope")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no column 'nope'" in result.stderr


@pytest.fixture(scope="module")
def outputs_by_format(tmp_path_factory, seed_dir: Path) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formats")
    out = {}
    for fmt in ("csv", "json", "jsonl", "parquet"):
        result = invoke("extract", str(seed_dir), "-o", str(base / fmt), "--format", fmt, "-q")
        assert result.exit_code == 0, result.stderr
        out[fmt] = base / fmt
    return out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_every_format_reads_back_with_the_same_rows_and_values(outputs_by_format, fmt) -> None:
    from claimx.summarize import read_tables

    reference = read_tables(outputs_by_format["csv"])
    tables = read_tables(outputs_by_format[fmt])
    for name, df in reference.items():
        other = tables[name]
        assert list(other.columns) == list(df.columns), name
        assert len(other) == len(df), name
        for col in ("doc_id", "start", "end", "dose_low", "value", "drugs", "mention_ids"):
            if col in df.columns and len(df):
                left = [None if _missing(v) else v for v in df[col].tolist()]
                right = [None if _missing(v) else v for v in other[col].tolist()]
                assert _plain(left) == _plain(right), (name, col)


def _missing(v) -> bool:
    try:
        return v is None or v != v  # NaN / NA
    except (TypeError, ValueError):
        return False


def _plain(values: list) -> list:
    return [list(v) if hasattr(v, "__len__") and not isinstance(v, str) else v for v in values]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet"])
def test_summarize_accepts_every_format(outputs_by_format, fmt) -> None:
    result = invoke("summarize", str(outputs_by_format[fmt]), "--by", "drug", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "ketamine" in {r["drug"] for r in json.loads(result.stdout)}
