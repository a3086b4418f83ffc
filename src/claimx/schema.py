"""JSON Schema (draft 2020-12) of claimx's output: one schema per table row and one for the JSONL
document objects, derived from the dataclasses of records.py so that they cannot drift apart.

Every column is always written (required); a column typed `X | None` may be null; a tuple
column is an array of its item type.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from claimx import SCHEMA_VERSION
from claimx.records import TABLES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCALARS = types.MappingProxyType({str: "string", int: "integer", float: "number", bool: "boolean"})
# The tables nested in a document object, in the order write.document_object writes them.
NESTED = tuple(name for name in TABLES if name != "documents")


@dataclass(frozen=True, slots=True)
class Column:
    """A table column's name and value type, as JSON Schema names types."""

    name: str
    kind: str  # string, integer, number, boolean or array
    items: str | None  # the item type of an array column
    nullable: bool


def _column(name: str, hint: Any, where: str) -> Column:
    nullable = False
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        nullable = len(rest) < len(args)
        if len(rest) != 1:
            raise TypeError(f"{where}: a union of several types cannot be a column")
        hint = rest[0]
        args = typing.get_args(hint)
    if hint in SCALARS:
        return Column(name, SCALARS[hint], None, nullable)
    if typing.get_origin(hint) in (tuple, list):
        item: Any = args[0] if args else None
        if item not in SCALARS or (typing.get_origin(hint) is tuple and args[1:] != (...,)):
            raise TypeError(f"{where}: only tuple[X, ...] of str/int/float/bool is a list column")
        return Column(name, "array", SCALARS[item], nullable)
    raise TypeError(f"{where}: type {hint!r} has no column type; use str, int, float, bool, tuple")


@cache
def table_columns(name: str) -> tuple[Column, ...]:
    """The columns of a table, in order, with their types (from records.py)."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; the tables are {', '.join(TABLES)}")
    cls = TABLES[name]
    hints = typing.get_type_hints(cls)
    return tuple(_column(f.name, hints[f.name], f"{cls.__name__}.{f.name}") for f in fields(cls))


def _type(kind: str, nullable: bool) -> str | list[str]:
    return [kind, "null"] if nullable else kind


def _property(col: Column) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": _type(col.kind, col.nullable)}
    if col.items is not None:
        prop["items"] = {"type": col.items}
    return prop


def _row_schema(name: str) -> dict[str, Any]:
    cols = table_columns(name)
    return {
        "title": f"claimx {name} row",
        "description": f"One row of the {name} table; the properties are its columns, in order.",
        "type": "object",
        "properties": {c.name: _property(c) for c in cols},
        "required": [c.name for c in cols],
        "additionalProperties": False,
    }


def table_schema(name: str) -> dict[str, Any]:
    """JSON Schema of one row of a table (as written to .jsonl/.json)."""
    return {
        "$schema": DIALECT,
        "$id": f"urn:claimx:schema:{SCHEMA_VERSION}:{name}",
        "schema_version": SCHEMA_VERSION,
        **_row_schema(name),
    }


def document_schema() -> dict[str, Any]:
    """JSON Schema of a JSONL document object (`claimx extract -o - --format jsonl`): the
    documents row's columns plus one array of rows per other table."""
    doc = _row_schema("documents")
    properties = dict(doc["properties"])
    for name in NESTED:
        properties[name] = {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}
    return {
        "$schema": DIALECT,
        "$id": f"urn:claimx:schema:{SCHEMA_VERSION}:document",
        "schema_version": SCHEMA_VERSION,
        "title": "claimx document object",
        "description": "One document with the rows of every table that belong to it.",
        "type": "object",
        "properties": properties,
        "required": [*doc["required"], *NESTED],
        "additionalProperties": False,
        "$defs": {name: _row_schema(name) for name in NESTED},
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    """The document object's schema ("document") and each table's, by name."""
    return {"document": document_schema(), **{name: table_schema(name) for name in TABLES}}
