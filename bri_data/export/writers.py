"""Exports: SQLite, DuckDB and Parquet, written to a temporary path and renamed into place.

An existing OUT is never replaced without `force`; a failed or interrupted export leaves
nothing behind (see `atomic.replacing`). The package is validated first. Rows are then
read column-wise, in chunks, straight from the validated CSV files (typed as the
contract types them, no record objects) and streamed: SQLite by `executemany`, DuckDB
and Parquet as Arrow batches. Memory holds one chunk, or one table whose rows refer to
each other (parents go first).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from bri_data.contract import model as C
from bri_data.contract.cells import typed_column
from bri_data.errors import InvalidPackageError, UnreadableInputError, UsageError, require
from bri_data.export import datasette
from bri_data.export import ddl as sql
from bri_data.files.atomic import check_target, replacing
from bri_data.files.package import package_root
from bri_data.validate.run import validate

Format = Literal["sqlite", "duckdb", "parquet"]
FORMATS: tuple[str, ...] = ("sqlite", "duckdb", "parquet")
CHUNK = 50_000  # rows read, typed and written at a time

Columns = dict[str, list[Any]]  # column name -> values, in the contract's column order


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    rows: dict[str, int]
    metadata: Path | None = None  # Datasette metadata, when asked for


def _chunks(root: Path, table: C.Table) -> Iterator[Columns]:
    """TABLE's rows, CHUNK at a time, as typed columns (the package is valid: the header
    holds every column, every row every cell)."""
    try:
        with (root / table.path).open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            at = [header.index(c) for c in table.column_names]
            while chunk := list(islice(reader, CHUNK)):
                cells = list(zip(*chunk, strict=True))
                yield {c.name: typed_column(c, cells[i]) for c, i in zip(table.columns, at, strict=True)}
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, StopIteration) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from exc


def _generations(table: C.Table, cols: Columns) -> list[list[int]]:
    """Row indexes in generations: rows without a parent in the table, then their
    children, and so on (an engine that checks a self-reference against the rows already
    in the table, as DuckDB does, accepts each generation in one insert).

    A depth-first walk up each row's parents, then each row one generation below its
    deepest parent: linear in the rows. A cycle cannot pass validation; were one here,
    the walk would still end, parents on the current path being skipped.
    """
    ids = cols["id"]
    selfref = [cols[c.name] for c in table.foreign_keys if c.references == table.name]
    at = {rid: i for i, rid in enumerate(ids)}

    def parents(i: int) -> list[int]:
        return [at[p] for ref in selfref if (p := ref[i]) in at]

    state = [0] * len(ids)  # 1: on the current path, 2: placed
    order: list[int] = []
    for start in range(len(ids)):
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(parents(start)))]
        while stack:
            node, todo = stack[-1]
            parent = next((j for j in todo if not state[j]), None)
            if parent is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            else:
                state[parent] = 1
                stack.append((parent, iter(parents(parent))))
    depth = [0] * len(ids)
    out: list[list[int]] = []
    for i in order:  # parents come first
        depth[i] = max((depth[j] + 1 for j in parents(i) if j != i), default=0)
        while len(out) <= depth[i]:
            out.append([])
        out[depth[i]].append(i)
    return out


def _selfref(table: C.Table) -> bool:
    return any(c.references == table.name for c in table.foreign_keys)


def _table(root: Path, table: C.Table) -> Iterator[Columns]:
    """The chunks to write for TABLE; a table with self-references in generations,
    parents before children."""
    if not _selfref(table):
        yield from _chunks(root, table)
        return
    cols: Columns = {c: [] for c in table.column_names}
    for chunk in _chunks(root, table):
        for name, values in chunk.items():
            cols[name] += values
    for rows in _generations(table, cols):
        yield {name: [values[i] for i in rows] for name, values in cols.items()}


def _arrow_batches(root: Path, table: C.Table) -> Iterator[Any]:
    """TABLE's rows as Arrow tables of the export schema (`arrow_schema`), read by
    pyarrow's streaming CSV reader: every cell as text (empty: null), integer columns cast
    by Arrow, or typed by the contract's rule where Arrow declines a form it accepts."""
    pa: Any = require("pyarrow", "parquet")
    pcsv: Any = require("pyarrow.csv", "parquet")
    schema = arrow_schema(table)
    text = {c: pa.string() for c in table.column_names}
    try:
        reader = pcsv.open_csv(
            root / table.path,
            read_options=pcsv.ReadOptions(block_size=8 << 20),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types=text, include_columns=table.column_names, null_values=[""], strings_can_be_null=True),
        )
        for batch in reader:
            arrays = []
            for col in table.columns:
                values = batch.column(col.name)
                if col.type == "integer":
                    try:
                        values = values.cast(pa.int64())
                    except pa.ArrowInvalid:
                        values = pa.array(typed_column(col, [v if v is not None else "" for v in values.to_pylist()]), type=pa.int64())
                arrays.append(values)
            yield pa.Table.from_arrays(arrays, schema=schema)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from exc


def _arrow_table(root: Path, table: C.Table) -> Iterator[Any]:
    """The Arrow tables to write for TABLE; a table with self-references in generations."""
    if not _selfref(table):
        yield from _arrow_batches(root, table)
        return
    pa: Any = require("pyarrow", "parquet")
    whole = pa.concat_tables(list(_arrow_batches(root, table)))
    cols = {c.name: whole.column(c.name).to_pylist() for c in table.columns if c.name == "id" or c.references == table.name}
    for rows in _generations(table, cols):
        yield whole.take(pa.array(rows, type=pa.int64()))


def _meta(sources: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The _meta table: package, version, export time and each source's (id, sha256)."""
    meta = [
        ("package", C.PACKAGE_NAME),
        ("package_id", C.PACKAGE_ID),
        ("version", C.VERSION),
        ("exported_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
    ]
    meta += [(f"source:{sid}:sha256", digest) for sid, digest in sources]
    return meta


def _sources(root: Path) -> list[tuple[str, str]]:
    return [pair for chunk in _chunks(root, C.SOURCES) for pair in zip(chunk["id"], chunk["sha256"], strict=True)]


def write_sqlite(root: Path, target: Path) -> dict[str, int]:
    con = sqlite3.connect(target)
    rows: dict[str, int] = {}
    try:
        # Foreign keys are not enforced row by row while loading: the package is valid,
        # and `foreign_key_check` below checks every key of the finished file.
        for table in C.TABLES:
            con.execute(sql.create_table(table, "sqlite"))
            insert = f"INSERT INTO {sql.q(table.name)} VALUES ({', '.join('?' for _ in table.columns)})"
            rows[table.name] = 0
            for chunk in _table(root, table):
                records = list(zip(*chunk.values(), strict=True))
                con.executemany(insert, records)
                rows[table.name] += len(records)
            for stmt in sql.indexes(table):
                con.execute(stmt)
        for view in sql.VIEWS:
            con.execute(view)
        con.execute(sql.META)
        con.executemany("INSERT INTO _meta VALUES (?, ?)", _meta(_sources(root)))
        for stmt in sql.fts():
            con.execute(stmt)
        con.commit()
        bad = con.execute("PRAGMA foreign_key_check").fetchall()
        ok = con.execute("PRAGMA integrity_check").fetchone()
        if bad or ok != ("ok",):
            raise RuntimeError(f"export failed its own checks: foreign_key_check={bad[:3]}, integrity_check={ok}")
    finally:
        con.close()
    return rows


def write_duckdb(root: Path, target: Path) -> dict[str, int]:
    duckdb: Any = require("duckdb", "duckdb")
    require("pyarrow", "duckdb")
    target.unlink()  # DuckDB refuses an existing empty file; the temp name is ours
    con = duckdb.connect(str(target))
    rows: dict[str, int] = {}
    try:
        for table in C.TABLES:
            con.execute(sql.create_table(table, "duckdb"))
            rows[table.name] = 0
            for batch in _arrow_table(root, table):
                con.register("_chunk", batch)  # a scan of the Arrow data: no row-by-row insert
                con.execute(f"INSERT INTO {sql.q(table.name)} SELECT * FROM _chunk")
                con.unregister("_chunk")
                rows[table.name] += batch.num_rows
            for stmt in sql.indexes(table):
                con.execute(stmt)
        for view in sql.VIEWS:
            con.execute(view)
        con.execute(sql.META)
        con.executemany("INSERT INTO _meta VALUES (?, ?)", _meta(_sources(root)))
    finally:
        con.close()
    return rows


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


def write_parquet(root: Path, target: Path, name: str) -> dict[str, int]:
    pq: Any = require("pyarrow.parquet", "parquet")
    rows: dict[str, int] = {}
    # One folder per table: pyarrow, pandas and polars read a folder as one dataset and
    # would merge six flat files into the first one's columns (pyarrow silently).
    for table in C.TABLES:
        schema = arrow_schema(table)
        file = parquet_path(target, table.name)
        file.parent.mkdir()
        rows[table.name] = 0
        with pq.ParquetWriter(file, schema) as writer:
            for batch in _arrow_table(root, table):
                writer.write_table(batch)
                rows[table.name] += batch.num_rows
    text = PARQUET_README.format(version=C.VERSION, out=name, tables=", ".join(t.name for t in C.TABLES))
    (target / "README.txt").write_text(text, encoding="utf-8")
    return rows


def export(
    fmt: str, out: str | Path, force: bool = False, path: str | Path | None = None, metadata: str | Path | None = None
) -> ExportResult:
    """Export the package (validated first) to OUT in FORMAT; for sqlite also Datasette
    metadata to METADATA (a JSON file), when given."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if metadata is not None and fmt != "sqlite":
        raise UsageError("Datasette metadata is written for sqlite exports only")
    out = Path(out)
    check_target(out, force)
    if metadata is not None:
        check_target(Path(metadata), force)
    if fmt == "duckdb":
        require("duckdb", "duckdb")
        require("pyarrow", "duckdb")
    if fmt == "parquet":
        require("pyarrow", "parquet")
    root = package_root(path)
    report = validate(root)
    if not report.valid:
        raise InvalidPackageError(report)
    written: dict[str, int] = {}
    if fmt == "parquet":
        _replace_dir(out, force, lambda d: written.update(write_parquet(root, d, out.name)))
    else:
        writer = write_sqlite if fmt == "sqlite" else write_duckdb
        with replacing(out, force=force, suffix=f".{fmt}") as tmp:
            written = writer(root, tmp)
    if metadata is not None:
        doc = json.dumps(datasette.metadata(root, out.stem), indent=2, ensure_ascii=False) + "\n"
        with replacing(Path(metadata), force=force, suffix=".json") as tmp:
            tmp.write_text(doc, encoding="utf-8")
    return ExportResult(fmt, out, written, None if metadata is None else Path(metadata))


def _replace_dir(out: Path, force: bool, fill: Any) -> None:
    """Directory version of `replacing`: build beside OUT, then swap it in."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        fill(tmp)
        check_target(out, force)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old) if out.is_dir() else out.rename(old)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
