"""Differential test: the Rust engine and the reference `jsonschema` agree on every case."""

from __future__ import annotations

from pathlib import Path

import pytest

from bri_data.build.generate import json_schema
from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.files.package import read_rows
from bri_data.validation.backends import PythonValidator, RustValidator, SchemaError
from bri_data.validation.run import validate
from fixturekit import ROOT, build_case, cases


def _key(errors: list[SchemaError]) -> list[tuple[str | None, str, str | None]]:
    return sorted((e.field, e.keyword, e.missing) for e in errors)


@pytest.mark.parametrize("case_dir", cases(), ids=lambda p: p.name)
def test_engines_report_the_same_findings(case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bri_data.validation import rows as rowcheck

    pkg = build_case(case_dir, tmp_path)["package"]
    results = []
    for engine in ("rs", "python"):
        monkeypatch.setenv("BRI_DATA_SCHEMA_BACKEND", engine)
        rowcheck._validator.cache_clear()
        results.append([f.to_dict() for f in validate(pkg).sorted_findings()])
    rowcheck._validator.cache_clear()
    assert results[0] == results[1]


def _mutations(table: C.Table, row: dict[str, object]) -> list[dict[str, object]]:
    """Rows with one error injected per column: wrong type, bad pattern/enum, null, too long."""
    out = []
    for col in table.columns:
        for bad in (None, 12, "Not A Valid Value!", "x" * (C.MAX_CELL + 1), -5):
            out.append({**row, col.name: bad})
    out.append({k: v for k, v in row.items() if k != table.columns[-1].name})  # a missing key
    out.append({**row, "extra": "x"})
    return out


@pytest.mark.parametrize("table", C.TABLES, ids=lambda t: t.name)
def test_engines_agree_on_error_injected_rows(table: C.Table) -> None:
    schema = json_schema(table)
    rs, py = RustValidator(schema), PythonValidator(schema)
    rows = [typed(table, r) for r in read_rows(ROOT, table)]
    checked = 0
    for row in rows[:25]:
        assert list(rs.errors(row)) == [] == list(py.errors(row))
        for bad in _mutations(table, row):
            assert _key(list(rs.errors(bad))) == _key(list(py.errors(bad))), bad
            checked += 1
    assert checked > 100
