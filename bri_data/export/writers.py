"""Exports: SQLite, DuckDB and Parquet, written to a temporary path and renamed into place.

An existing OUT is never replaced without `force`; a failed or interrupted export leaves
nothing behind (see `atomic.replacing`). The package is validated first; its tables are
then streamed from the validated CSV files in chunks, typed as the contract types them
(`read_rows`: integers int, empty cells NULL; no record object per row): SQLite by
`executemany` on each chunk's rows, DuckDB and Parquet as Arrow batches from pyarrow's
streaming CSV reader. The rows in flight are one chunk, or, for DuckDB, one table whose rows
refer to each other (as Arrow data, inserted parents first); the validation before, and
DuckDB's own indexes, take more (BENCHMARKS.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bri_data.contract import model as C
from bri_data.contract.cells import INT_PATTERN, typed_column
from bri_data.dataset.records import validated_root
from bri_data.errors import OutputError, UnreadableInputError, UsageError, require
from bri_data.export import datasette
from bri_data.export import ddl as sql
from bri_data.files.atomic import check_target, replacing, replacing_dir
from bri_data.files.limits import MAX_ROW_BYTES
from bri_data.files.package import read_cells, read_rows
from bri_data.files.paths import Refused, open_member

Format = Literal["sqlite", "duckdb", "parquet"]
FORMATS: tuple[str, ...] = ("sqlite", "duckdb", "parquet")
CHUNK = 50_000  # rows typed and handed to SQLite at a time
# Bytes pyarrow parses at a time: a row of up to a block reads (a longer one is refused),
# and validate refuses rows longer than MAX_ROW_BYTES.
ARROW_BLOCK = MAX_ROW_BYTES


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    rows: dict[str, int]
    metadata: Path | None = None  # Datasette metadata, when asked for


def generations(parents: Sequence[Sequence[int | None]], n: int) -> list[list[int]]:
    """The indexes of N rows in generations: rows without a parent, then their children,
    and so on. PARENTS holds one sequence per self-referencing column: for each row, the
    index of the row it points at (None: no parent in the table). An engine that checks
    a self-reference against the rows already in the table (DuckDB) accepts each
    generation in one insert.

    A depth-first walk up each row's parents, then each row one generation below its
    deepest parent: linear in the rows. A cycle cannot pass validation (key.cycle); were
    one here, the walk would still end, parents on the current path being skipped (the
    engine then refuses the rows).
    """
    ups = [[j for col in parents if (j := col[i]) is not None and j != i] for i in range(n)]
    state = bytearray(n)  # 1: on the current path, 2: placed
    depth = [0] * n
    out: list[list[int]] = [[]]
    for start in range(n):
        if state[start]:
            continue
        if not ups[start]:  # most rows: no parent, the first generation
            state[start] = 2
            out[0].append(start)
            continue
        state[start] = 1
        stack = [(start, iter(ups[start]))]
        while stack:
            node, todo = stack[-1]
            for j in todo:
                if not state[j]:
                    state[j] = 1
                    stack.append((j, iter(ups[j])))
                    break
            else:
                stack.pop()
                state[node] = 2
                # a parent still on the path (a cycle) has no generation yet: it does not count
                depth[node] = max((depth[j] + 1 for j in ups[node] if state[j] == 2), default=0)
                while len(out) <= depth[node]:
                    out.append([])
                out[depth[node]].append(node)
    return out if n else []


def _self_refs(table: C.Table) -> list[str]:
    return [c.name for c in table.foreign_keys if c.references == table.name]


def _not_an_integer(table: C.Table) -> UnreadableInputError:
    """A cell of an integer column that is text to the contract: validate reports it
    (row.type), so the file changed after validation."""
    return UnreadableInputError(f"{table.path} holds an integer cell without the written form; run `bri-data validate`")


def _arrow_batches(root: Path, table: C.Table) -> Iterator[Any]:
    """TABLE's rows as Arrow tables of the export schema (`arrow_schema`), in file order,
    one parse block at a time. Every cell is read as text (empty: null); integer cells
    must have the contract's written form (`INT_PATTERN`, which validate has checked) and
    are then cast to int64, so the values are those `read_rows` gives."""
    pa: Any = require("pyarrow", "parquet")
    pc: Any = require("pyarrow.compute", "parquet")
    pcsv: Any = require("pyarrow.csv", "parquet")
    schema = arrow_schema(table)
    options = {
        "read_options": pcsv.ReadOptions(block_size=ARROW_BLOCK),
        "convert_options": pcsv.ConvertOptions(
            column_types={c: pa.string() for c in table.column_names},
            include_columns=table.column_names,
            null_values=[""],
            strings_can_be_null=True,
        ),
    }
    try:
        with open_member(root, table.path, "table") as raw:
            for batch in pcsv.open_csv(raw, **options):
                arrays = []
                for col in table.columns:
                    values = batch.column(col.name)
                    if col.type == "integer":
                        if pc.all(pc.match_substring_regex(values, INT_PATTERN)).as_py() is False:
                            raise _not_an_integer(table)
                        values = values.cast(pa.int64())
                    arrays.append(values)
                yield pa.Table.from_arrays(arrays, schema=schema)
    except Refused as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc.reason}") from None
    except (OSError, pa.ArrowException) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from None


def _arrow_generations(root: Path, table: C.Table, refs: list[str]) -> Iterator[Any]:
    """TABLE, whose columns REFS point at its own rows, read whole (as Arrow data) and
    handed out one generation at a time, parents first (`generations`)."""
    pa: Any = require("pyarrow", "parquet")
    pc: Any = require("pyarrow.compute", "parquet")
    whole = pa.concat_tables(list(_arrow_batches(root, table)))
    ids = whole.column("id")
    parents = [pc.index_in(whole.column(c), value_set=ids).to_pylist() for c in refs]  # row -> its parent's row
    for rows in generations(parents, whole.num_rows):
        yield whole.take(pa.array(rows, type=pa.int64()))


def _meta(root: Path) -> list[tuple[str, str]]:
    """The _meta table: package, version, export time and each source's sha256."""
    meta = [
        ("package", C.PACKAGE_NAME),
        ("package_id", C.PACKAGE_ID),
        ("version", C.VERSION),
        ("exported_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
    ]
    meta += [(f"source:{s['id']}:sha256", s["sha256"]) for s in read_rows(root, C.SOURCES)]
    return meta


def _insert_sqlite(con: Any, root: Path, table: C.Table) -> int:
    """Insert TABLE's rows chunk by chunk: integer cells typed here (`typed_column`), an
    empty text cell made NULL by the INSERT itself (NULLIF), as `read_rows` types them."""
    values = ", ".join("?" if c.type == "integer" else "NULLIF(?, '')" for c in table.columns)
    insert = f"INSERT INTO {sql.q(table.name)} VALUES ({values})"
    integers = [(i, c) for i, c in enumerate(table.columns) if c.type == "integer"]
    n = 0
    for chunk in read_cells(root, table, CHUNK):
        for i, col in integers:
            typed = typed_column(col, [r[i] for r in chunk])
            if str in set(map(type, typed)):  # SQLite would store '+5' or ' 5' as 5
                raise _not_an_integer(table)
            for row, value in zip(chunk, typed, strict=True):
                row[i] = value
        con.executemany(insert, chunk)
        n += len(chunk)
    return n


def _insert_duckdb(con: Any, root: Path, table: C.Table) -> int:
    """Insert TABLE's rows as Arrow batches: one INSERT ... SELECT streaming the whole
    table (DuckDB scans the Arrow data: no insert per row; one statement checks its keys
    faster than one per batch), or, for a table whose rows refer to each other, one per
    generation (DuckDB checks a self-reference against the rows already in the table)."""
    pa: Any = require("pyarrow", "duckdb")
    schema = arrow_schema(table)
    n = 0
    failed: list[BaseException] = []

    def stream(tables: Iterator[Any]) -> Iterator[Any]:
        nonlocal n
        try:
            for t in tables:
                n += t.num_rows
                yield from t.to_batches()
        except GeneratorExit:
            raise
        except BaseException as exc:  # DuckDB turns a failing stream into its own error: keep ours
            failed.append(exc)
            raise

    refs = _self_refs(table)
    parts = (iter([g]) for g in _arrow_generations(root, table, refs)) if refs else iter([_arrow_batches(root, table)])
    for part in parts:
        con.register("_batch", pa.RecordBatchReader.from_batches(schema, stream(part)))
        try:
            con.execute(f"INSERT INTO {sql.q(table.name)} SELECT * FROM _batch")
        except Exception:
            if failed:
                raise failed[0] from None
            raise
        finally:
            con.unregister("_batch")
    return n


def _fill(con: Any, root: Path, dialect: sql.Dialect) -> dict[str, int]:
    """Create and fill every table, its indexes, the views and _meta; rows per table."""
    rows: dict[str, int] = {}
    for table in C.TABLES:
        con.execute(sql.create_table(table, dialect))
        rows[table.name] = _insert_sqlite(con, root, table) if dialect == "sqlite" else _insert_duckdb(con, root, table)
        for stmt in sql.indexes(table):
            con.execute(stmt)
    for view in sql.VIEWS:
        con.execute(view)
    con.execute(sql.META)
    con.executemany("INSERT INTO _meta VALUES (?, ?)", _meta(root))
    return rows


def write_sqlite(root: Path, target: Path) -> dict[str, int]:
    con = sqlite3.connect(target)
    try:
        # Keys and CHECKs are not enforced row by row while loading (a table's rows come
        # in file order, children before parents; SQLite builds an IN list's lookup
        # afresh for every row it checks): `_check_sqlite` checks the finished file once.
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("PRAGMA ignore_check_constraints = ON")
        rows = _fill(con, root, "sqlite")
        for stmt in sql.fts():
            con.execute(stmt)
        con.commit()
    finally:
        con.close()
    _check_sqlite(target)
    _verify(sqlite3.connect(target), rows)
    return rows


def _check_sqlite(target: Path) -> None:
    """The finished file's own checks: foreign_key_check, the CHECKs (`ddl.violations`)
    and integrity_check for the rest; any finding fails the export. integrity_check takes
    about as long as the others together, so it runs beside them, on its own read-only
    connection (SQLite runs a query without holding Python's lock)."""

    def run(queries: list[str]) -> list[list[Any]]:
        con = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            con.execute("PRAGMA ignore_check_constraints = ON")  # the CHECKs are counted by ddl.violations
            return [con.execute(q).fetchall() for q in queries]
        finally:
            con.close()

    with ThreadPoolExecutor(2) as pool:
        integrity = pool.submit(run, ["PRAGMA integrity_check"])
        keys = pool.submit(run, ["PRAGMA foreign_key_check", *(sql.violations(t) for t in C.TABLES)])
        (ok,), (bad, *counts) = integrity.result(), keys.result()
    broken = {t.name: n for t, ((n,),) in zip(C.TABLES, counts, strict=True) if n}
    if bad or broken or ok != [("ok",)]:
        raise OutputError(f"export failed its own checks: foreign_key_check={bad[:3]}, CHECK violations={broken}, integrity_check={ok[:3]}")


def _verify(con: Any, rows: dict[str, int]) -> None:
    """Read back what was written: every table holds every row (no false success when a
    full disk left the data in a journal or WAL that never reached the file)."""
    try:
        for table in C.TABLES:
            got = con.execute(f"SELECT count(*) FROM {sql.q(table.name)}").fetchone()[0]
            if got != rows[table.name]:
                raise OutputError(f"the export holds {got} {table.name} rows, not {rows[table.name]}; nothing was written")
    finally:
        con.close()


def write_duckdb(root: Path, target: Path) -> dict[str, int]:
    duckdb: Any = require("duckdb", "duckdb")
    target.unlink()  # DuckDB refuses an existing empty file; the temp name is ours
    con = duckdb.connect(str(target))
    try:
        rows = _fill(con, root, "duckdb")
        con.execute("CHECKPOINT")  # the data into the database file itself, not only the WAL
    finally:
        con.close()
    _verify(duckdb.connect(str(target), read_only=True), rows)
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
    # would merge the flat files into the first one's columns (pyarrow silently).
    for table in C.TABLES:
        file = parquet_path(target, table.name)
        file.parent.mkdir()
        rows[table.name] = 0
        with pq.ParquetWriter(file, arrow_schema(table)) as writer:
            for batch in _arrow_batches(root, table):  # file order, as the CSV
                writer.write_table(batch)
                rows[table.name] += batch.num_rows
    text = PARQUET_README.format(version=C.VERSION, out=name, tables=", ".join(t.name for t in C.TABLES))
    (target / "README.txt").write_text(text, encoding="utf-8")
    return rows


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while rows stream through (restored after): the
    chunks are millions of short-lived lists and tuples that form no cycles, and its
    passes over them measured about a quarter of a 1M-row SQLite export."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    check_target(out, force, folder=fmt == "parquet", kind=None if fmt == "parquet" else fmt)
    if metadata is not None:
        check_target(Path(metadata), force, kind="json")
    engine_errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    if fmt == "duckdb":
        duckdb: Any = require("duckdb", "duckdb")
        require("pyarrow", "duckdb")  # DuckDB is handed Arrow batches
        engine_errors += (duckdb.Error,)
    if fmt == "parquet":
        pyarrow: Any = require("pyarrow", "parquet")
        engine_errors += (pyarrow.ArrowException,)
    root = validated_root(path)
    rows: dict[str, int] = {}
    try:
        with _collector_paused():
            if fmt == "parquet":
                with replacing_dir(out, force) as tmp_dir:
                    rows = write_parquet(root, tmp_dir, out.name)
            else:
                writer = write_sqlite if fmt == "sqlite" else write_duckdb
                with replacing(out, force=force, suffix=f".{fmt}", kind=fmt) as tmp:
                    rows = writer(root, tmp)
    except engine_errors as exc:  # e.g. "database or disk is full"
        raise OutputError(f"cannot write {out}: {type(exc).__name__}: {exc}") from None
    if metadata is not None:
        doc = json.dumps(datasette.metadata(out.stem), indent=2, ensure_ascii=False) + "\n"
        with replacing(Path(metadata), force=force, suffix=".json", kind="json") as tmp:
            tmp.write_text(doc, encoding="utf-8")
    return ExportResult(fmt, out, rows, None if metadata is None else Path(metadata))
