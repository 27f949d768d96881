"""The second peer of the benchmarks: pandera (polars backend), as a data engineer would
write it for the bri-data tables, checking the layers pandera can express.

    python benchmarks/pandera_peer.py PKG     # exit 0 valid, 1 invalid, 2 unreadable

The schema is derived from the contract (`bri_data.contract.model`), table by table;
CHECKS says what it expresses (foreign keys: the referenced table is read first, tables
come in contract order), NOT_CHECKED what `bri-data validate` also checks and pandera
does not. benchmarks/run.py renders both with the results.

Needs the optional extra `bench` (pandera[polars]).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bri_data.contract import model as C  # noqa: E402

CHECKS = ("dtypes (text; integers coerced to Int64), nullability (required columns), patterns (full match: ids, codes, "
          "hashes), vocabularies, string lengths, minimums, unique ids per table, and foreign keys, emulated as checks of "
          "each value against the referenced table's ids")
NOT_CHECKED = ("EDTF dates, ISO country codes, the cross-column rules, the cross-record rules (dates within their events, "
               "spells, every actor used), ids unique across tables, control characters, file hygiene (encoding, BOM, line "
               "endings, ragged rows), bytes and hashes, and provenance (citations against the seeds, aliases, verbatim "
               "statement texts)")


def _fk_check(pa: Any, pl: Any, ids: Any, target: str) -> Any:
    def check(data: Any) -> Any:
        col = pl.col(data.key)
        return data.lazyframe.select(col.is_null() | col.is_in(ids.implode()))

    return pa.Check(check, name=f"foreign_key({target})")


def schema(pa: Any, pl: Any, table: C.Table, ids: dict[str, Any]) -> Any:
    """TABLE's pandera schema; IDS: the id column of every table read so far."""
    columns = {}
    for col in table.columns:
        checks = []
        if col.pattern is not None:
            checks.append(pa.Check.str_matches(f"^(?:{col.pattern})$"))
        if col.vocabulary is not None:
            checks.append(pa.Check.isin(col.enum or []))
        if col.type == "string" and (col.min_length is not None or col.max_length is not None):
            checks.append(pa.Check.str_length(min_value=col.min_length, max_value=col.max_length))
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum))
        if col.references == "*":  # a record of any of the column's target tables
            checks.append(_fk_check(pa, pl, pl.concat([ids[t] for t in col.targets]), " or ".join(col.targets)))
        elif col.references is not None and col.references != table.name:
            checks.append(_fk_check(pa, pl, ids[col.references], col.references))
        dtype = pl.Int64 if col.type == "integer" else pl.String
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=not col.required, unique=col.name == "id", coerce=True)
    frame_checks = []
    for col in table.columns:
        if col.references == table.name:  # a self-reference: against the table's own ids
            name = col.name

            def self_ref(data: Any, name: str = name) -> Any:
                c = pl.col(name)
                return data.lazyframe.select(c.is_null() | c.is_in(pl.col("id").implode()))

            frame_checks.append(pa.Check(self_ref, name=f"foreign_key({name} -> {table.name})"))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=True, name=table.name)


def validate(pkg: Path) -> dict[str, int]:
    """Failure cases per table (empty: valid); raises OSError or a polars error when a
    table cannot be read."""
    import pandera.polars as pa
    import polars as pl

    ids: dict[str, Any] = {}
    failures: dict[str, int] = {}
    for table in C.TABLES:
        frame = pl.read_csv(pkg / table.path, infer_schema=False)
        try:
            frame = schema(pa, pl, table, ids).validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            failures[table.name] = len(exc.failure_cases)
        ids[table.name] = frame.get_column("id").drop_nulls()
    return failures


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python benchmarks/pandera_peer.py PKG", file=sys.stderr)
        return 2
    pkg = Path(sys.argv[1])
    pkg = pkg.parent if pkg.is_file() else pkg
    try:
        failures = validate(pkg)
    except Exception as exc:  # a peer's unreadable input: exit 2, as bri-data does
        print(f"unreadable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for table, n in failures.items():
        print(f"{table}: {n} failure case(s)")
    print("invalid" if failures else "valid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
