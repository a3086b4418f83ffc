"""JSON Schema of the output: derived from records.py, valid draft 2020-12, and real output
(document objects and table rows) validates against it while malformed rows do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claimx import SCHEMA_VERSION
from claimx.records import TABLES, columns
from claimx.schema import all_schemas, document_schema, table_columns, table_schema

jsonschema = pytest.importorskip("jsonschema")

FIXTURES = Path(__file__).parent / "fixtures"


def validator(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["document", *TABLES])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = all_schemas()[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("table", list(TABLES))
def test_every_column_is_a_required_property_in_order(table: str) -> None:
    schema = table_schema(table)
    assert list(schema["properties"]) == columns(table)
    assert schema["required"] == columns(table)
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("table", "column", "expected"),
    [
        ("mentions", "start", {"type": "integer"}),
        ("mentions", "label", {"type": "string"}),
        ("mentions", "norm", {"type": ["string", "null"]}),
        ("regimens", "dose_low", {"type": ["number", "null"]}),
        ("regimens", "daily_dose_derived", {"type": "boolean"}),
        ("regimens", "mention_ids", {"type": "array", "items": {"type": "string"}}),
        ("claims", "drugs", {"type": "array", "items": {"type": "string"}}),
        ("statistics", "error", {"type": ["boolean", "null"]}),
        ("documents", "title", {"type": ["string", "null"]}),
    ],
)
def test_column_types(table: str, column: str, expected: dict[str, Any]) -> None:
    assert table_schema(table)["properties"][column] == expected


def test_document_schema_nests_every_other_table() -> None:
    schema = document_schema()
    nested = [t for t in TABLES if t != "documents"]
    assert schema["required"] == [*columns("documents"), *nested]
    for name in nested:
        assert schema["properties"][name] == {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}
        assert schema["$defs"][name]["required"] == columns(name)


@pytest.mark.parametrize(
    "hint",
    [dict, int | str, list[dict], tuple[str, int], bytes | None],
    ids=["dict", "union", "list-of-dict", "fixed-tuple", "bytes"],
)
def test_unsupported_field_types_are_refused(hint: Any) -> None:
    from claimx.schema import _column

    with pytest.raises(TypeError, match="Row.x"):
        _column("x", hint, "Row.x")


def test_unknown_table_names_the_tables() -> None:
    with pytest.raises(KeyError, match="the tables are documents, sentences"):
        table_columns("mention")


# --- real output ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(extractor: Any, seed_dir: Path) -> list[dict[str, list[Any]]]:
    from claimx.load import Document, iter_documents
    from claimx.sources import iter_pubmed_xml

    docs = [d for d in iter_documents([str(seed_dir)]) if isinstance(d, Document)]
    docs += [d for d in iter_pubmed_xml(FIXTURES / "pubmed_sample.xml") if isinstance(d, Document)]
    return [r.tables() for r in extractor.process(docs)]


def test_real_document_objects_validate(results: list[dict[str, list[Any]]]) -> None:
    import json

    from claimx.write import document_object, dumps

    check = validator(document_schema())
    for tables in results:
        # Through JSON text, as a reader of the JSONL output sees the objects.
        obj = json.loads(dumps(document_object(tables)))
        errors = [e.message for e in check.iter_errors(obj)]
        assert errors == [], obj["doc_id"]
    assert sum(len(t["claims"]) for t in results) > 0  # the check covered claims, too


@pytest.mark.parametrize("table", list(TABLES))
def test_real_rows_validate(results: list[dict[str, list[Any]]], table: str) -> None:
    import json

    from claimx.write import dumps, row_dict

    check = validator(table_schema(table))
    for tables in results:
        for row in tables[table]:
            obj = json.loads(dumps(row_dict(row)))
            assert [e.message for e in check.iter_errors(obj)] == [], obj


# --- malformed rows are rejected --------------------------------------------------------------

MENTION = {
    "doc_id": "d1",
    "mention_id": "m1",
    "sent_id": 0,
    "label": "DRUG",
    "text": "ketamine",
    "start": 0,
    "end": 8,
    "norm": "ketamine",
    "concept_id": None,
    "rule_id": "lexicon-drug",
    "xref": None,
}


def test_a_well_formed_mention_validates() -> None:
    assert validator(table_schema("mentions")).is_valid(MENTION)


@pytest.mark.parametrize(
    ("change", "remove"),
    [
        ({"start": "0"}, None),
        ({"start": 0.5}, None),
        ({"sent_id": True}, None),  # JSON Schema keeps booleans apart from integers
        ({"text": None}, None),
        ({"norm": 3}, None),
        ({"extra": 1}, None),
        ({}, "rule_id"),
        ({}, "concept_id"),  # nullable, but still always written
        ({"xref": 7}, None),
    ],
    ids=[
        "start-string",
        "start-float",
        "sent-bool",
        "text-null",
        "norm-int",
        "extra",
        "no-rule",
        "no-concept",
        "xref-int",
    ],
)
def test_malformed_mentions_are_rejected(change: dict[str, Any], remove: str | None) -> None:
    row = {**MENTION, **change}
    if remove:
        del row[remove]
    assert not validator(table_schema("mentions")).is_valid(row)


@pytest.mark.parametrize(
    ("column", "value", "valid"),
    [
        ("drugs", ["ketamine"], True),
        ("drugs", [], True),
        ("drugs", "ketamine", False),
        ("drugs", [1], False),
        ("negated", False, True),
        ("negated", "false", False),
        ("negated", None, False),
    ],
)
def test_claim_list_and_boolean_columns(column: str, value: Any, valid: bool) -> None:
    claim = {
        "doc_id": "d1",
        "claim_id": "c1",
        "sent_id": 0,
        "drugs": ["ketamine"],
        "comparators": [],
        "conditions": ["depression"],
        "direction": "benefit",
        "negated": False,
        "certainty": "hedged",
        "evidence": "rct",
        "regimen_ids": [],
        "stat_ids": [],
        "text": "Ketamine may reduce depression.",
        "attribution": None,
        "overclaim": None,
        "rule_id": "",
    }
    claim = {k: claim.get(k) for k in columns("claims")}  # follows records.py if columns change
    claim[column] = value
    assert validator(table_schema("claims")).is_valid(claim) is valid
