"""Exports: SQLite, DuckDB and Parquet, written to a temporary path and renamed into place.

An existing OUT is never replaced without `force`; a failed or interrupted export leaves
nothing behind (see `atomic.replacing`). The package is validated first (`load`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bri_data.contract import model as C
from bri_data.export import ddl as sql
from bri_data.files.atomic import check_target, replace_dir, replacing
from bri_data.dataset.records import Dataset, Record, load
from bri_data.errors import require

Format = Literal["sqlite", "duckdb", "parquet"]
FORMATS: tuple[str, ...] = ("sqlite", "duckdb", "parquet")


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    rows: dict[str, int]


def _ordered(dataset: Dataset, table: C.Table) -> list[Record]:
    """Rows in an order that satisfies self-references (parents before children)."""
    rows = list(dataset.tables[table.name])
    selfref = [c.name for c in table.foreign_keys if c.references == table.name]
    if not selfref:
        return rows
    done: set[str] = set()
    out: list[Record] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(getattr(r, c) in (None, *done) or getattr(r, c) not in dataset for c in selfref)]
        if not ready:  # a cycle cannot pass validation, but never loop forever
            ready = pending
        out += ready
        done |= {r.id for r in ready}
        pending = [r for r in pending if r.id not in done]
    return out


def _meta(dataset: Dataset) -> list[tuple[str, str]]:
    meta = [
        ("package", C.PACKAGE_NAME),
        ("package_id", C.PACKAGE_ID),
        ("version", C.VERSION),
        ("exported_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
    ]
    meta += [(f"source:{s.id}:sha256", s.sha256) for s in dataset.tables["sources"]]
    return meta


def _values(table: C.Table, rec: Record) -> tuple[Any, ...]:
    return tuple(getattr(rec, c.name) for c in table.columns)


def _fill(con: Any, dataset: Dataset, dialect: sql.Dialect) -> None:
    for table in C.TABLES:
        con.execute(sql.create_table(table, dialect))
        marks = ", ".join("?" for _ in table.columns)
        con.executemany(f"INSERT INTO {sql.q(table.name)} VALUES ({marks})", [_values(table, r) for r in _ordered(dataset, table)])
        for stmt in sql.indexes(table):
            con.execute(stmt)
    for view in sql.VIEWS:
        con.execute(view)
    con.execute(sql.META)
    con.executemany("INSERT INTO _meta VALUES (?, ?)", _meta(dataset))


def write_sqlite(dataset: Dataset, target: Path) -> None:
    con = sqlite3.connect(target)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        _fill(con, dataset, "sqlite")
        # Full-text search over what people said and what the seeds say.
        con.execute("CREATE VIRTUAL TABLE statements_fts USING fts5(id UNINDEXED, text)")
        con.execute("INSERT INTO statements_fts SELECT id, text FROM statements")
        con.execute("CREATE VIRTUAL TABLE citations_fts USING fts5(id UNINDEXED, record_id UNINDEXED, quote)")
        con.execute("INSERT INTO citations_fts SELECT id, record_id, quote FROM citations")
        con.commit()
        bad = con.execute("PRAGMA foreign_key_check").fetchall()
        ok = con.execute("PRAGMA integrity_check").fetchone()
        if bad or ok != ("ok",):
            raise RuntimeError(f"export failed its own checks: foreign_key_check={bad[:3]}, integrity_check={ok}")
    finally:
        con.close()


def write_duckdb(dataset: Dataset, target: Path) -> None:
    duckdb: Any = require("duckdb", "duckdb")
    target.unlink()  # DuckDB refuses an existing empty file; the temp name is ours
    con = duckdb.connect(str(target))
    try:
        _fill(con, dataset, "duckdb")
    finally:
        con.close()


def arrow_schema(table: C.Table) -> Any:
    pa: Any = require("pyarrow", "parquet")
    return pa.schema(
        [
            pa.field(c.name, pa.int64() if c.type == "integer" else pa.string(), nullable=not c.required, metadata={"description": c.description})
            for c in table.columns
        ],
        metadata={"table": table.name, "package": C.PACKAGE_NAME, "version": C.VERSION},
    )


def write_parquet(dataset: Dataset, target: Path) -> None:
    pa: Any = require("pyarrow", "parquet")
    pq: Any = require("pyarrow.parquet", "parquet")
    for table in C.TABLES:
        schema = arrow_schema(table)
        rows = dataset.tables[table.name]
        data = {c.name: [getattr(r, c.name) for r in rows] for c in table.columns}
        pq.write_table(pa.Table.from_pydict(data, schema=schema), target / f"{table.name}.parquet")


def export(fmt: str, out: str | Path, force: bool = False, path: str | Path | None = None) -> ExportResult:
    """Export the package (validated first) to OUT in FORMAT."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = Path(out)
    check_target(out, force)
    if fmt == "duckdb":
        require("duckdb", "duckdb")
    if fmt == "parquet":
        require("pyarrow", "parquet")
    dataset = load(path)
    if fmt == "parquet":
        replace_dir(out, lambda d: write_parquet(dataset, d), force=force)
    else:
        writer = write_sqlite if fmt == "sqlite" else write_duckdb
        with replacing(out, force=force, suffix=f".{fmt}") as tmp:
            writer(dataset, tmp)
    return ExportResult(fmt, out, {t.name: len(dataset.tables[t.name]) for t in C.TABLES})

