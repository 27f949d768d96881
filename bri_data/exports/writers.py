"""Exports: SQLite, DuckDB and Parquet, written to a temporary path and renamed into place.

An existing OUT is never replaced without `force`; a failed or interrupted export leaves
nothing behind (see `atomic.replacing`). The package is validated in a thread while its
tables are written to the temporary path (`Validation`), and nothing is renamed into place
before it passed; the tables are streamed from the CSV files in chunks, typed as the contract types them
(`read_rows`: integers int, empty cells NULL; no record object per row): DuckDB and
Parquet as Arrow batches from pyarrow's streaming CSV reader, SQLite by `executemany` on
each chunk's rows (those batches' rows when pyarrow is installed, else Python's csv
module's). The rows in flight are one chunk, or, for DuckDB, one table whose rows
refer to each other (as Arrow data, inserted parents first); the validation beside them,
and DuckDB's own indexes, take more (BENCHMARKS.md).

Before the rename every format is read back and must hold, per table, the rows validate
counted in the CSV (`_compare_counts`); the validation's notes travel in ExportResult.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from bri_data.contract import model as C
from bri_data.contract.cells import INT_PATTERN
from bri_data.dataset.records import validated_package
from bri_data.errors import OutputError, OutputExistsError, UnreadableInputError, UsageError, require
from bri_data.exports import datasette
from bri_data.exports import ddl as sql
from bri_data.files.atomic import (
    APPLICATION_ID,
    DUCKDB_SAFE,
    META_OWNER,
    SQLITE_HEADER,
    check_target,
    output_path,
    replacing,
    replacing_dir,
)
from bri_data.files.limits import MAX_ROW_BYTES
from bri_data.files.package import read_cells, read_rows_hashed, same_bytes
from bri_data.files.paths import Refused, open_member, read_digest, resolve_package, stop_reading
from bri_data.findings import Report
from bri_data.validation.rowengine import collector_paused

Format = Literal["sqlite", "duckdb", "parquet"]
FORMATS: tuple[str, ...] = ("sqlite", "duckdb", "parquet")
CHUNK = 50_000  # rows checked and handed to SQLite at a time
SLICE = 10_000  # rows of an Arrow batch made Python objects and handed to SQLite at a time
# The SQLite writer's page cache (KiB): the FTS indexes (about 31 MB at 1M rows) are built
# while the key checks read the tables, and a writer whose cache overflows must wait for
# those readers before it may write to the file (correct, only slower). 64 MiB: at 1M
# rows as fast as 128 MiB, and about 80 MiB less at the peak.
CACHE_KIB = 64 * 1024
# How long the SQLite writer waits for the checks' read lock (seconds): they end on their own.
LOCK_WAIT = 3600.0
# A reading connection's progress handler runs every this many SQLite VM steps: a check
# stops within milliseconds of being cancelled.
PROGRESS_STEPS = 100_000
_INT = re.compile(INT_PATTERN)
# Bytes pyarrow parses at a time: a row of up to a block reads (a longer one is refused),
# and validate refuses rows longer than MAX_ROW_BYTES.
ARROW_BLOCK = MAX_ROW_BYTES


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    rows: dict[str, int]
    metadata: Path | None = None  # Datasette metadata, when asked for
    engine: str | None = None  # the validation engine that checked the package first
    # What the validation said besides "valid": why its engine is not the one asked for
    # (the columnar engine declined the data or is unavailable), a schema backend fallback.
    notes: tuple[str, ...] = field(default_factory=tuple)


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


def _arrow_batches(root: Path, table: C.Table, read: dict[str, str]) -> Generator[Any, None, None]:
    """TABLE's rows as Arrow tables of the export schema (`arrow_schema`), in file order,
    one parse block at a time. Every cell is read as text (empty: null); integer cells
    must have the contract's written form (`INT_PATTERN`, which validate has checked) and
    are then cast to int64, so the values are those `read_rows` gives. READ: as for
    `read_cells`, the SHA-256 of the bytes read, once at the end."""
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
        with open_member(root, table.path, "table", hashed=True) as raw:
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
            read[table.name] = read_digest(raw)
    except Refused as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc.reason}") from None
    except (OSError, pa.ArrowException) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from None


def _arrow_generations(root: Path, table: C.Table, refs: list[str], read: dict[str, str]) -> Generator[Any, None, None]:
    """TABLE, whose columns REFS point at its own rows, read whole (as Arrow data) and
    handed out one generation at a time, parents first (`generations`)."""
    pa: Any = require("pyarrow", "parquet")
    pc: Any = require("pyarrow.compute", "parquet")
    whole = pa.concat_tables(list(_arrow_batches(root, table, read)))
    ids = whole.column("id")
    parents = [pc.index_in(whole.column(c), value_set=ids).to_pylist() for c in refs]  # row -> its parent's row
    for rows in generations(parents, whole.num_rows):
        yield whole.take(pa.array(rows, type=pa.int64()))


def _meta(root: Path, read: Mapping[str, str]) -> list[tuple[str, str]]:
    """The _meta table: package, version, export time and each source's sha256, from the
    sources table as inserted (READ: its digest then; checked against validation's)."""
    sources, digest = read_rows_hashed(root, C.SOURCES)
    if digest != read.get(C.SOURCES.name):
        raise UnreadableInputError(f"{C.SOURCES.path} changed while it was exported; nothing was written; export again")
    meta = [
        META_OWNER,  # what `--force` looks for in a DuckDB file (`atomic.SIGNATURES`)
        ("package_id", C.PACKAGE_ID),
        ("version", C.VERSION),
        ("exported_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
    ]
    meta += [(f"source:{s['id']}:sha256", s["sha256"]) for s in sources]
    return meta


def _written_integers(cells: Sequence[str]) -> bool:
    """Whether every non-empty cell of an integer column has the contract's written form
    (`INT_PATTERN`, which validate has checked): the usual column of short unsigned
    numbers is checked without a loop in Python."""
    digits = "".join(cells)
    if digits.isascii() and digits.isdigit() and max(map(len, cells), default=0) <= 18:
        return True
    return all(v == "" or _INT.fullmatch(v) for v in cells)  # fullmatch: `$` also matches before a final "\n"


def _has_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _insert_sqlite(con: Any, root: Path, table: C.Table, read: dict[str, str]) -> int:
    """Insert TABLE's rows: with pyarrow installed, from the Arrow batches DuckDB and
    Parquet are written from (`_arrow_batches`: typed, empty cells null), else from
    Python's csv module (`_insert_sqlite_csv`). The same values either way (tested);
    pyarrow's reader parses in C: at 1M rows the writer alone took 7.7 s instead of 8.6 s
    (BENCHMARKS.md)."""
    if not _has_pyarrow():
        return _insert_sqlite_csv(con, root, table, read)
    insert = f"INSERT INTO {sql.q(table.name)} VALUES ({', '.join('?' for _ in table.columns)})"
    n = 0
    with contextlib.closing(_arrow_batches(root, table, read)) as batches:
        for batch in batches:
            for start in range(0, batch.num_rows, SLICE):  # a slice's rows as Python objects at a time, not a block's
                part = batch.slice(start, SLICE)
                con.executemany(insert, zip(*(column.to_pylist() for column in part.columns), strict=True))
            n += batch.num_rows
    return n


def _insert_sqlite_csv(con: Any, root: Path, table: C.Table, read: dict[str, str]) -> int:
    """Insert TABLE's rows chunk by chunk, the cells as written: the INSERT makes an empty
    cell NULL (NULLIF) and the STRICT table stores an integer column's text as the integer
    it spells, as `read_rows` types them. SQLite would also store '+5', ' 5' or '5.0' as 5,
    so each chunk's integer cells are first checked for the written form, and refused
    without it (no Python object per integer cell)."""
    values = ", ".join("NULLIF(?, '')" for _ in table.columns)
    insert = f"INSERT INTO {sql.q(table.name)} VALUES ({values})"
    integers = [itemgetter(i) for i, c in enumerate(table.columns) if c.type == "integer"]
    n = 0
    # closing: an insert that fails leaves no CSV handle open for the traceback's lifetime
    with contextlib.closing(read_cells(root, table, CHUNK, read)) as chunks:
        for chunk in chunks:
            if not all(_written_integers(list(map(cell, chunk))) for cell in integers):
                raise _not_an_integer(table)
            con.executemany(insert, chunk)
            n += len(chunk)
    return n


def _once(value: Any) -> Generator[Any, None, None]:
    yield value


def _insert_duckdb(con: Any, root: Path, table: C.Table, read: dict[str, str]) -> int:
    """Insert TABLE's rows as Arrow batches: one INSERT ... SELECT streaming the whole
    table (DuckDB scans the Arrow data: no insert per row; one statement checks its keys
    faster than one per batch), or, for a table whose rows refer to each other, one per
    generation (DuckDB checks a self-reference against the rows already in the table).

    DuckDB stops reading a stream early when an insert fails: the stream is closed then,
    and with it the CSV file, rather than when the failed stream is collected."""
    pa: Any = require("pyarrow", "duckdb")
    schema = arrow_schema(table)
    n = 0
    failed: list[BaseException] = []

    def stream(tables: Generator[Any, None, None]) -> Generator[Any, None, None]:
        nonlocal n
        with contextlib.closing(tables):
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
    whole = _arrow_generations(root, table, refs, read) if refs else _once(None)
    with contextlib.closing(whole):
        for generation in whole:
            batches = stream(_arrow_batches(root, table, read) if generation is None else _once(generation))
            con.register("_batch", pa.RecordBatchReader.from_batches(schema, batches))
            try:
                con.execute(f"INSERT INTO {sql.q(table.name)} SELECT * FROM _batch")
            except Exception:
                if failed:
                    raise failed[0] from None
                raise
            finally:
                con.unregister("_batch")
                batches.close()
    return n


def _fill(con: Any, root: Path, dialect: sql.Dialect, read: dict[str, str]) -> dict[str, int]:
    """Create and fill every table, its indexes, the views and _meta; rows per table (READ:
    the SHA-256 of each file as read, `read_cells`)."""
    rows: dict[str, int] = {}
    for table in C.TABLES:
        con.execute(sql.create_table(table, dialect))
        rows[table.name] = _insert_sqlite(con, root, table, read) if dialect == "sqlite" else _insert_duckdb(con, root, table, read)
        for stmt in sql.indexes(table):
            con.execute(stmt)
    for view in sql.VIEWS:
        con.execute(view)
    con.execute(sql.META)
    con.executemany("INSERT INTO _meta VALUES (?, ?)", _meta(root, read))
    return rows


def write_sqlite(root: Path, target: Path, expected: Mapping[str, int], read: dict[str, str]) -> dict[str, int]:
    """Fill TARGET (a new file) and check it (`_check_sqlite`); rows per table.

    One transaction loads the tables, their indexes, the views and _meta; a second builds
    the full-text indexes while the keys and CHECKs of the committed tables are checked
    beside it, on their own connection (SQLite runs a query without holding Python's
    lock); quick_check and the row counts then read the finished file. The file is a
    temporary one (`atomic.replacing`) with the default journal and fsync at commit: the
    user's OUT appears by rename only once the file is complete and checked."""
    con = sqlite3.connect(target, timeout=LOCK_WAIT, isolation_level=None)  # transactions by hand
    try:
        # Keys and CHECKs are not enforced row by row while loading (a table's rows come
        # in file order, children before parents; SQLite builds an IN list's lookup
        # afresh for every row it checks): `_check_sqlite` checks the finished file once.
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("PRAGMA ignore_check_constraints = ON")
        con.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # bri-data's mark: what `--force` may replace
        con.execute("BEGIN")
        rows = _fill(con, root, "sqlite", read)
        con.execute("COMMIT")
        with _reading(target) as query:
            keys = query(_key_queries(), True)
            con.execute("BEGIN")
            for stmt in sql.fts():
                con.execute(stmt)
            found = keys.result()  # before COMMIT, which waits for the checks' read lock
            con.execute("COMMIT")
            final = query(["PRAGMA quick_check", *_count_queries()], False).result()
    finally:
        con.close()
    _check_sqlite(found, final[0])
    _compare_counts({t.name: n for t, ((n,),) in zip(C.TABLES, final[1:], strict=True)}, rows, expected)
    return rows


def _key_queries() -> list[str]:
    return ["PRAGMA foreign_key_check", *(sql.violations(t) for t in C.TABLES)]


def _count_queries() -> list[str]:
    return [f"SELECT count(*) FROM {sql.q(t.name)}" for t in C.TABLES]


def _read(target: Path, queries: Sequence[str], cancel: threading.Event, opened: list[Any], ready: threading.Event) -> list[list[Any]]:
    """Run QUERIES on a read-only connection to TARGET, in one read transaction (one
    snapshot; its read lock taken before READY is set), until CANCEL is set."""
    con = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    opened.append(con)
    try:
        con.set_progress_handler(cancel.is_set, PROGRESS_STEPS)  # a true result interrupts the query
        con.execute("PRAGMA ignore_check_constraints = ON")  # the CHECKs are counted by ddl.violations
        con.execute("BEGIN")
        con.execute("SELECT count(*) FROM sqlite_master").fetchall()  # the read lock, now
        ready.set()
        out = []
        for query in queries:
            if cancel.is_set():
                raise sqlite3.OperationalError("interrupted")
            out.append(con.execute(query).fetchall())
        return out
    finally:
        ready.set()
        con.close()


@contextlib.contextmanager
def _reading(target: Path) -> Iterator[Callable[[list[str], bool], Future[list[list[Any]]]]]:
    """`read(queries, wait_for_lock)` runs QUERIES in a worker thread (`_read`); with
    WAIT_FOR_LOCK it returns once their read lock is held, so that a writer that fills
    its cache waits for them and never the reverse.

    When the caller fails or is interrupted (Ctrl-C) the checks are stopped, not waited
    for: each connection's progress handler ends its query, and `interrupt` ends one
    the handler does not reach (PRAGMA quick_check is one step: it may run to its end,
    about 0.3 s at 1M rows)."""
    cancel = threading.Event()
    opened: list[Any] = []
    pool = ThreadPoolExecutor(2, thread_name_prefix="bri-data-check")

    def read(queries: list[str], wait_for_lock: bool) -> Future[list[list[Any]]]:
        ready = threading.Event()
        future = pool.submit(_read, target, queries, cancel, opened, ready)
        if wait_for_lock:
            ready.wait()
            if future.done():
                future.result()  # a failure to open: raise it here
        return future

    try:
        yield read
    except BaseException:
        cancel.set()
        for con in opened:
            with contextlib.suppress(sqlite3.Error):
                con.interrupt()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_sqlite(keys: list[list[Any]], quick: list[Any]) -> None:
    """The finished file's own checks, any finding failing the export: foreign_key_check,
    the CHECKs (`ddl.violations`) and quick_check.

    quick_check, not integrity_check: it checks every page, b-tree and record (order,
    format, NOT NULL, the STRICT types), but not that each index holds exactly its table's
    rows, nor UNIQUE (integrity_check took about 3 s of a 1M-row export). For the file
    this export has just written, alone, in two transactions: UNIQUE and the PRIMARY KEYs
    were enforced as the rows went in (an insert that breaks one fails the export), the
    keys and CHECKs are queried here, and an index that disagreed with its table would
    need a fault in SQLite itself or in the machine, not in the data."""
    bad, *counts = keys
    broken = {t.name: n for t, ((n,),) in zip(C.TABLES, counts, strict=True) if n}
    if bad or broken or quick != [("ok",)]:
        raise OutputError(f"export failed its own checks: foreign_key_check={bad[:3]}, CHECK violations={broken}, quick_check={quick[:3]}")


def _compare_counts(got: Mapping[str, int], written: Mapping[str, int], expected: Mapping[str, int]) -> None:
    """The rows read back from the finished file must be the rows validate counted in
    each CSV (EXPECTED, the validator's `rows_checked`, counted apart from the writer),
    and those the writer says it wrote: no false success when a full disk left the data
    in a journal or WAL that never reached the file, or a reader lost rows."""
    for table in C.TABLES:
        name = table.name
        if not got[name] == written[name] == expected.get(name):
            raise OutputError(
                f"the export holds {got[name]} {name} rows (written: {written[name]}); "
                f"validate counted {expected.get(name)} in {table.path}; nothing was written"
            )


def _verify(con: Any, rows: Mapping[str, int], expected: Mapping[str, int]) -> None:
    """Read back what was written (`_compare_counts`)."""
    try:
        got = {t.name: con.execute(f"SELECT count(*) FROM {sql.q(t.name)}").fetchone()[0] for t in C.TABLES}
    finally:
        con.close()
    _compare_counts(got, rows, expected)


def write_duckdb(root: Path, target: Path, expected: Mapping[str, int], read: dict[str, str]) -> dict[str, int]:
    duckdb: Any = require("duckdb", "duckdb")
    target.unlink()  # DuckDB refuses an existing empty file; the temp name is ours
    con = duckdb.connect(str(target))
    try:
        rows = _fill(con, root, "duckdb", read)
        con.execute("CHECKPOINT")  # the data into the database file itself, not only the WAL
    finally:
        con.close()
    _verify(duckdb.connect(str(target), read_only=True), rows, expected)
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


def write_parquet(root: Path, target: Path, name: str, expected: Mapping[str, int], read: dict[str, str]) -> dict[str, int]:
    pq: Any = require("pyarrow.parquet", "parquet")
    rows: dict[str, int] = {}
    # One folder per table: pyarrow, pandas and polars read a folder as one dataset and
    # would merge the flat files into the first one's columns (pyarrow silently).
    for table in C.TABLES:
        file = parquet_path(target, table.name)
        file.parent.mkdir()
        rows[table.name] = 0
        # Through a Python file: pyarrow takes a path only as UTF-8 (a folder name of other
        # bytes failed with UnicodeEncodeError).
        with file.open("wb") as sink, pq.ParquetWriter(sink, arrow_schema(table)) as writer, contextlib.closing(_arrow_batches(root, table, read)) as batches:
            for batch in batches:  # file order, as the CSV
                writer.write_table(batch)
                rows[table.name] += batch.num_rows
    text = PARQUET_README.format(version=C.VERSION, out=name, tables=", ".join(t.name for t in C.TABLES))
    (target / "README.txt").write_text(text, encoding="utf-8")
    _verify_parquet(target, rows, expected)
    return rows


def _verify_parquet(target: Path, rows: Mapping[str, int], expected: Mapping[str, int]) -> None:
    """Read back each written file's footer: its schema must be the export's
    (`arrow_schema`, descriptions and all) and its row count the one validate counted
    (`_compare_counts`); a file that cannot be read back fails the export."""
    pq: Any = require("pyarrow.parquet", "parquet")
    got = {}
    for table in C.TABLES:
        with parquet_path(target, table.name).open("rb") as fh:
            meta = pq.read_metadata(fh)
        schema = meta.schema.to_arrow_schema()
        if not schema.equals(arrow_schema(table), check_metadata=True):
            raise OutputError(f"{table.name}.parquet was written with another schema than the export's; nothing was written")
        got[table.name] = meta.num_rows
    _compare_counts(got, rows, expected)


# The threads of validations that may still run (`Validation`). At the interpreter's exit
# (after Ctrl-C, SIGTERM or an error left one running) each is stopped at its next read and
# waited for: a daemon thread left inside a Rust extension while the interpreter finalizes
# aborts the process (exit 134, "FATAL: exception not rethrown") instead of exiting as asked.
_running: set[threading.Thread] = set()
_EXIT_WAIT = 30.0  # seconds; a stopped validation ends at its next read, a block away


def _stop_validations() -> None:
    stop_reading()
    for thread in list(_running):
        thread.join(_EXIT_WAIT)


class Validation:
    """The package's validation (`validated_package`), run in a thread while the export
    is written to its temporary file: the two need about a core each, and a 1M-row SQLite
    export took about 10 s one after the other, 8.8 s side by side (2 cores).

    Nothing is published before it passed: `export` calls `result()` before the rename,
    and, when the writer fails, reports the package's findings (InvalidPackageError)
    rather than what invalid data did to the writer. `counts` are the rows the validator
    counted per table (for the read-back), waited for when first used. The thread is a
    daemon: Ctrl-C does not wait for it; the interpreter's exit stops it (`_running`)."""

    def __init__(self, descriptor: Path) -> None:
        self._done = threading.Event()
        self._report: Report | None = None
        self._error: BaseException | None = None
        self.counts: Mapping[str, int] = _Counted(self)
        atexit.unregister(_stop_validations)  # registered once, however many exports run
        atexit.register(_stop_validations)
        thread = threading.Thread(target=self._run, args=(descriptor,), name="bri-data-validate", daemon=True)
        _running.add(thread)
        thread.start()

    def _run(self, descriptor: Path) -> None:
        try:
            self._report = validated_package(descriptor)[1]
        except BaseException as exc:  # raised in the caller's thread, by result()
            self._error = exc
        finally:
            self._done.set()
            _running.discard(threading.current_thread())

    def result(self) -> Report:
        """The validator's report once the package passed; raises what validation raised
        (InvalidPackageError with the findings, or an unreadable package's error)."""
        self._done.wait()
        if self._error is not None:
            raise self._error.with_traceback(None) from None
        assert self._report is not None
        return self._report


class _Counted(Mapping[str, int]):
    """The rows the validator counted per table, once it has (`Validation.result`)."""

    def __init__(self, validation: Validation) -> None:
        self._validation = validation

    def __getitem__(self, table: str) -> int:
        return self._validation.result().rows_checked[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self._validation.result().rows_checked)

    def __len__(self) -> int:
        return len(self._validation.result().rows_checked)


def _foreign(out: Path) -> list[str]:
    """The tables and views of OUT, a database bri-data exported (`check_target` said so),
    that no export writes (`ddl.written_names`): the user's own, which `--force` keeps.
    Read-only; DuckDB with no access to other files or extensions, as `check_target`."""
    if out.stat().st_size == 0:  # an empty file, which --force may replace
        return []
    if _sqlite_header(out):
        query = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        try:
            # immutable: no lock, and no -wal or -shm file made beside a WAL-mode database
            # (`check_target` refuses any there: the file itself holds every table).
            con = sqlite3.connect(f"{out.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                names = [n for (n,) in con.execute(query).fetchall()]
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise OutputError(f"{out}: cannot read its tables ({exc})") from None
        return sorted(set(names) - sql.written_names("sqlite"))
    duckdb: Any = require("duckdb", "duckdb")
    try:
        con = duckdb.connect(str(out), read_only=True, config=DUCKDB_SAFE)
        try:
            names = [n for (n,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
            ).fetchall()]
        finally:
            con.close()
    except duckdb.Error as exc:
        raise OutputError(f"{out}: cannot read its tables ({str(exc).splitlines()[0][:200]})") from None
    return sorted(set(names) - sql.written_names("duckdb"))


def _sqlite_header(out: Path) -> bool:
    with out.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, read as lone surrogates
        return False
    return True


def export(
    fmt: str, out: str | Path, force: bool = False, path: str | Path | None = None, metadata: str | Path | None = None
) -> ExportResult:
    """Export the package (validated while it is written; published only once valid) to OUT in FORMAT; for sqlite also Datasette
    metadata to METADATA (a JSON file), when given.

    Raises OutputExistsError (OUT exists; without FORCE, or not ours to replace) and
    OutputError (cannot be written: a directory or symlink in the way, no space, read-only).
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if metadata is not None and fmt != "sqlite":
        raise UsageError("Datasette metadata is written for sqlite exports only")
    out = output_path(out)
    if metadata is not None:
        metadata = output_path(metadata, "METADATA")
    if metadata is not None and os.path.realpath(metadata) == os.path.realpath(out):  # ".." and links too
        raise UsageError(f"--metadata {metadata} is the export itself; give the metadata its own file")
    if fmt == "duckdb" and not _utf8(out.absolute()):  # DuckDB takes UTF-8 paths only (std::bad_cast)
        raise OutputError(f"{out}: DuckDB cannot open a path whose bytes are not UTF-8; choose another folder or name")
    check_target(out, force, folder=fmt == "parquet", kind=None if fmt == "parquet" else fmt)
    if fmt != "parquet" and out.exists():  # (a folder is checked by its manifest)
        foreign = _foreign(out)
        if foreign:
            raise OutputExistsError(
                f"{out} is an export of bri-data, but holds tables or views it did not write ({', '.join(foreign[:5])}); "
                "not replacing it, even with --force, so nothing of yours is lost: move them out, or remove the file yourself"
            )
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
    descriptor = resolve_package(path)
    root = descriptor.parent
    checking = Validation(descriptor)  # the descriptor named, not another one beside it
    expected = checking.counts
    rows: dict[str, int] = {}
    read: dict[str, str] = {}  # the SHA-256 of each table as the writer read it
    try:
        with collector_paused(), contextlib.ExitStack() as outputs:  # a quarter of a 1M-row SQLite export was the collector's passes
            if metadata is not None:
                # Written first, checked again before the database is published, published
                # right after it: a metadata path that cannot be written, or that another
                # file took meanwhile, fails the export with nothing published. (Between
                # the two renames only the disk itself failing could part them.)
                meta = outputs.enter_context(replacing(Path(metadata), force=force, suffix=".json", kind="json"))
                meta.write_text(json.dumps(datasette.metadata(out.stem), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            if fmt == "parquet":
                tmp = outputs.enter_context(replacing_dir(out, force))
                rows = write_parquet(root, tmp, out.name, expected, read)
            else:
                tmp = outputs.enter_context(replacing(out, force=force, suffix=f".{fmt}", kind=fmt))
                rows = (write_sqlite if fmt == "sqlite" else write_duckdb)(root, tmp, expected, read)
            # Before the renames: nothing of an invalid package is published, nor rows
            # that are not the ones validated (a file saved over while it was exported).
            same_bytes(read, checking.result().sha256, C.TABLES, "while it was exported; nothing was written; export again")
            if metadata is not None:
                check_target(Path(metadata), force, kind="json")
    except engine_errors as exc:  # e.g. "database or disk is full"
        checking.result()  # an invalid package is what to report, not what it did to the writer
        raise OutputError(f"cannot write {out}: {type(exc).__name__}: {exc}") from None
    except Exception:
        checking.result()
        raise
    report = checking.result()
    notes = () if report.engine_note is None else (report.engine_note,)
    return ExportResult(fmt, out, rows, None if metadata is None else Path(metadata), report.engine, notes)
