"""Exports: SQLite, DuckDB and Parquet, written to a temporary path and renamed into place.

An existing OUT is never replaced without `force`; a failed or interrupted export leaves
nothing behind (see `atomic.replacing`). The package is validated first (`load`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bri_data.contract import model as C
from bri_data.dataset.records import Dataset, Record, load
from bri_data.errors import OutputError, UsageError, require
from bri_data.export import datasette
from bri_data.export import ddl as sql
from bri_data.files.atomic import check_target, replacing, replacing_dir

Format = Literal["sqlite", "duckdb", "parquet"]
FORMATS: tuple[str, ...] = ("sqlite", "duckdb", "parquet")


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    rows: dict[str, int]
    metadata: Path | None = None  # Datasette metadata, when asked for


def _ordered(dataset: Dataset, table: C.Table) -> list[Record]:
    """Rows in an order that satisfies self-references (parents before children).

    A depth-first walk up each row's parents: linear in the rows. A cycle cannot pass
    validation (key.cycle); were one here, the walk would still end, parents on the
    current path being skipped.
    """
    rows = list(dataset.tables[table.name])
    selfref = [c.name for c in table.foreign_keys if c.references == table.name]
    if not selfref:
        return rows
    by_id = {r.id: r for r in rows}

    def parents(rec: Record) -> Iterator[str]:
        return (p for p in (getattr(rec, c) for c in selfref) if p in by_id)

    state: dict[str, int] = {}  # 1: on the current path, 2: placed
    out: list[Record] = []
    for rec in rows:
        if rec.id in state:
            continue
        state[rec.id] = 1
        stack = [(rec, parents(rec))]
        while stack:
            node, todo = stack[-1]
            parent = next((p for p in todo if p not in state), None)
            if parent is None:
                stack.pop()
                state[node.id] = 2
                out.append(node)
            else:
                state[parent] = 1
                stack.append((by_id[parent], parents(by_id[parent])))
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
        for stmt in sql.fts():
            con.execute(stmt)
        con.commit()
        bad = con.execute("PRAGMA foreign_key_check").fetchall()
        ok = con.execute("PRAGMA integrity_check").fetchone()
        if bad or ok != ("ok",):
            raise OutputError(f"export failed its own checks: foreign_key_check={bad[:3]}, integrity_check={ok}")
    finally:
        con.close()
    _verify(sqlite3.connect(target), dataset)


def _verify(con: Any, dataset: Dataset) -> None:
    """Read back what was written: every table holds every row (no false success when a
    full disk left the data in a journal or WAL that never reached the file)."""
    try:
        for table in C.TABLES:
            got = con.execute(f"SELECT count(*) FROM {sql.q(table.name)}").fetchone()[0]
            if got != len(dataset.tables[table.name]):
                raise OutputError(f"the export holds {got} {table.name} rows, not {len(dataset.tables[table.name])}; nothing was written")
    finally:
        con.close()


def write_duckdb(dataset: Dataset, target: Path) -> None:
    duckdb: Any = require("duckdb", "duckdb")
    target.unlink()  # DuckDB refuses an existing empty file; the temp name is ours
    con = duckdb.connect(str(target))
    try:
        _fill(con, dataset, "duckdb")
        con.execute("CHECKPOINT")  # the data into the database file itself, not only the WAL
    finally:
        con.close()
    _verify(duckdb.connect(str(target), read_only=True), dataset)


def arrow_schema(table: C.Table) -> Any:
    pa: Any = require("pyarrow", "parquet")
    return pa.schema(
        [
            pa.field(c.name, pa.int64() if c.type == "integer" else pa.string(), nullable=not c.required, metadata={"description": c.description})
            for c in table.columns
        ],
        metadata={"table": table.name, "package": C.PACKAGE_NAME, "version": C.VERSION},
    )


PARQUET_README = """bri-data {version}, exported as Parquet: one folder per table, each a dataset of one schema.

Read one table at a time, by its folder:
  pandas.read_parquet("{out}/events")
  polars.read_parquet("{out}/events")
  pyarrow.parquet.read_table("{out}/events")
  duckdb: SELECT * FROM '{out}/events/*.parquet'

Tables: {tables}.
The folder as a whole is not one dataset: the tables have different columns. This file is
not Parquet, so a reader asked for the whole folder fails instead of merging the tables.
"""


def parquet_path(out: Path, table: str) -> Path:
    """Where TABLE's file lies in a Parquet export: OUT/<table>/<table>.parquet."""
    return out / table / f"{table}.parquet"


def write_parquet(dataset: Dataset, target: Path, name: str) -> None:
    pa: Any = require("pyarrow", "parquet")
    pq: Any = require("pyarrow.parquet", "parquet")
    # One folder per table: pyarrow, pandas and polars read a folder as one dataset and
    # would merge the flat files into the first one's columns (pyarrow silently).
    for table in C.TABLES:
        schema = arrow_schema(table)
        rows = dataset.tables[table.name]
        data = {c.name: [getattr(r, c.name) for r in rows] for c in table.columns}
        file = parquet_path(target, table.name)
        file.parent.mkdir()
        pq.write_table(pa.Table.from_pydict(data, schema=schema), file)
    text = PARQUET_README.format(version=C.VERSION, out=name, tables=", ".join(t.name for t in C.TABLES))
    (target / "README.txt").write_text(text, encoding="utf-8")


def export(
    fmt: str, out: str | Path, force: bool = False, path: str | Path | None = None, metadata: str | Path | None = None
) -> ExportResult:
    """Export the package (validated first) to OUT in FORMAT; for sqlite also Datasette
    metadata to METADATA (a JSON file), when given.

    Raises OutputExistsError (OUT exists; without FORCE, or not ours to replace) and
    OutputError (cannot be written: a directory or symlink in the way, no space, read-only).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if metadata is not None and fmt != "sqlite":
        raise UsageError("Datasette metadata is written for sqlite exports only")
    out = Path(out)
    if metadata is not None and Path(metadata).absolute() == out.absolute():
        raise UsageError(f"--metadata {metadata} is the export itself; give the metadata its own file")
    check_target(out, force, folder=fmt == "parquet")
    if metadata is not None:
        check_target(Path(metadata), force)
    engine_errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    if fmt == "duckdb":
        duckdb: Any = require("duckdb", "duckdb")
        engine_errors += (duckdb.Error,)
    if fmt == "parquet":
        pyarrow: Any = require("pyarrow", "parquet")
        engine_errors += (pyarrow.ArrowException,)
    dataset = load(path)
    try:
        if fmt == "parquet":
            with replacing_dir(out, force) as tmp_dir:
                write_parquet(dataset, tmp_dir, out.name)
        else:
            writer = write_sqlite if fmt == "sqlite" else write_duckdb
            with replacing(out, force=force, suffix=f".{fmt}") as tmp:
                writer(dataset, tmp)
    except engine_errors as exc:  # e.g. "database or disk is full"
        raise OutputError(f"cannot write {out}: {type(exc).__name__}: {exc}") from None
    if metadata is not None:
        doc = json.dumps(datasette.metadata(dataset, out.stem), indent=2, ensure_ascii=False) + "\n"
        with replacing(Path(metadata), force=force, suffix=".json") as tmp:
            tmp.write_text(doc, encoding="utf-8")
    return ExportResult(fmt, out, {t.name: len(dataset.tables[t.name]) for t in C.TABLES}, None if metadata is None else Path(metadata))
