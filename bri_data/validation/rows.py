"""Layer 2: each row, typed, against its table's JSON Schema (Draft 2020-12).

Cells are typed by the column's declared type first (integers become numbers, empty
cells null); a cell that cannot be typed stays text so that the schema reports it.
Messages are written here from the failing keyword, not copied from the engine, so that
they are stable, short (a 3 MB cell is not echoed back) and say what to do.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import control_character, typed
from bri_data.contract.schemas import json_schema
from bri_data.errors import BriDataError
from bri_data.files.csvtable import Row
from bri_data.files.paths import shipped_root
from bri_data.findings import Report, short
from bri_data.validation.backends import RowValidator, compile_schema


@cache
def schema_for(table: str) -> dict[str, Any]:
    """The table's JSON Schema as shipped in `schemas/`, or generated if not shipped."""
    try:
        path = shipped_root() / "schemas" / f"{table}.schema.json"
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError, BriDataError):  # not shipped (e.g. a bare checkout): the contract itself
        return json_schema(C.TABLES_BY_NAME[table])


@cache
def _validator(table: str) -> RowValidator:
    return compile_schema(schema_for(table))


def check_row(table: C.Table, row: Row, present: set[str], rel: str, report: Report) -> dict[str, Any]:
    """Validate ROW; return its typed values. Columns absent from the header are not re-reported."""
    values = typed(table, row.values)
    for err in _validator(table.name).errors(values):
        if err.keyword == "required" and err.missing not in present:
            continue  # already reported once as header.missing_column
        field = err.field or err.missing
        if err.keyword == "enum" and not report.wants("row.enum", rel, row.line):
            report.tally("row.enum")  # past the cap: counted, not explained (no "did you mean" search)
            continue
        code, message = _explain(table, field, err.keyword, err.expected, err.instance)
        report.emit(code, message, file=rel, line=row.line, field=field, record_id=row.record_id)
    # One search over the row's text cells joined by TAB (allowed in a cell, so the join
    # adds no match); only a row that has a control character is searched cell by cell.
    # (The raw cells: all text or None, and a typed integer has no control character.)
    # A row from a block the reader cleared (`Row.plain`) needs no search.
    if row.plain or control_character("\t".join(filter(None, row.values.values()))) is None:
        return values
    for field, message in _controls(table, values):
        report.emit("row.control_character", message, file=rel, line=row.line, field=field, record_id=row.record_id)
    return values


def first_problem(table: C.Table, values: dict[str, Any]) -> tuple[str | None, str] | None:
    """The first way VALUES (a row as `typed` types it) fails the row check of `check_row`
    (its table's JSON Schema, then control characters), as (field, message); None if it
    passes. For `load(validate=False)`, which checks rows but not the package."""
    for err in _validator(table.name).errors(values):
        field = err.field or err.missing
        return field, _explain(table, field, err.keyword, err.expected, err.instance)[1]
    return next(_controls(table, values), None)


def _controls(table: C.Table, values: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for col in table.columns:
        value = values.get(col.name)
        if isinstance(value, str) and (found := control_character(value)) is not None:
            yield col.name, f"{table.name}.{col.name} holds the control character {found}; remove it (a cell is one line of printable text)"


def _explain(table: C.Table, field: str | None, kw: str, expected: Any, value: Any) -> tuple[str, str]:
    col = table.column(field) if field in table.column_names else None
    what = f"{table.name}.{field}" if field else table.name
    if kw == "type" and value is None:
        return "row.required", f"{what} is required but the cell is empty"
    if kw == "type":
        want = "a whole number" if "integer" in (expected if isinstance(expected, list) else [expected]) else "text"
        return "row.type", f"{what} must be {want}, got {short(value)}"
    if kw == "pattern":
        hint = ""
        if col is not None and col.pattern and col.pattern.endswith("-[a-z0-9]+(-[a-z0-9]+)*"):
            hint = "; ids are a table prefix and a slug of lowercase letters, digits and single hyphens, e.g. act-lukashenka"
        return "row.pattern", f"{what} {short(value)} does not match {col.pattern if col else expected}{hint}"
    if kw == "enum":
        allowed = [v for v in expected if v is not None]
        near = difflib.get_close_matches(str(value), allowed, n=1)
        tip = f" Did you mean {near[0]!r}?" if near else ""
        return "row.enum", f"{what} {short(value)} is not in the vocabulary; use one of: {', '.join(allowed)}.{tip}"
    if kw == "minimum":
        return "row.minimum", f"{what} must be at least {expected}, got {short(value)}"
    if kw == "minLength":
        return "row.min_length", f"{what} must not be empty (at least {expected} character)"
    if kw == "maxLength":
        return "row.max_length", f"{what} is {len(value):,} characters long; at most {expected:,} are allowed"
    if kw == "additionalProperties":
        return "row.schema", f"{what} has columns the table does not define"
    return "row.schema", f"{what}: fails the JSON Schema keyword {kw!r} ({short(value)})"
