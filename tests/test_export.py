"""Exports against real engines: SQLite, DuckDB, Parquet round-trip the CSV rows exactly."""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from bri_data.cli import app
from bri_data.contract import model as C
from bri_data.contract.cells import typed, typed_column
from bri_data.errors import MissingExtraError, OutputError, OutputExistsError, UnreadableInputError, UsageError
from bri_data.exports.writers import arrow_schema, export, generations
from bri_data.files.package import read_rows
from bri_data.files.paths import open_member
from bri_data.findings import Report
from fixturekit import ROOT, cli_runner, copy_package, refresh_hashes

runner = cli_runner()


def _csv(table: C.Table) -> list[tuple[object, ...]]:
    return sorted(tuple(r[c] for c in table.column_names) for r in read_rows(ROOT, table))


# "sqlite-csv": the SQLite export reading the CSV files with Python's csv module, as it
# does without pyarrow (with it, from pyarrow's Arrow batches, as DuckDB and Parquet).
READERS = ["sqlite", "sqlite-csv", "duckdb", "parquet"]


def _reader(fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The format to export for the case FMT (one of READERS), its reader chosen."""
    import bri_data.exports.writers as w

    if fmt == "sqlite-csv":
        monkeypatch.setattr(w, "_has_pyarrow", lambda: False)
        return "sqlite"
    return fmt


def test_sqlite_round_trip_constraints_views_and_fts(tmp_path: Path) -> None:
    out = tmp_path / "bri.db"
    result = export("sqlite", out, path=ROOT)
    assert result.rows["citations"] == len(read_rows(ROOT, C.CITATIONS))
    con = sqlite3.connect(out)
    # SQLite's default, which README says to change on each connection that edits: a
    # reference to nothing is taken until foreign keys are turned on.
    dangling = (
        "INSERT INTO statements (id, speaker_id, date_basis, channel, mode, text, topic, attribution) "
        "VALUES ('stm-x', 'act-nobody', 'not_given', 'interview', 'direct', 't', 'nato', 'fact')"
    )
    con.execute(dangling)
    assert [r[0] + ">" + r[2] for r in con.execute("PRAGMA foreign_key_check")] == ["statements>actors"]
    con.rollback()
    con.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute(dangling)
    for table in C.TABLES:
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        assert sorted(con.execute(f"SELECT {cols} FROM {table.name}").fetchall()) == _csv(table)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with pytest.raises(sqlite3.IntegrityError):  # CHECK on the vocabulary
        con.execute("INSERT INTO events (id, type, summary, status) VALUES ('evt-x', 'sumit', 's', 'fact')")
    with pytest.raises(sqlite3.IntegrityError):  # FOREIGN KEY
        con.execute("INSERT INTO events (id, type, summary, status, actor_id) VALUES ('evt-x', 'summit', 's', 'fact', 'act-nobody')")
    with pytest.raises(sqlite3.IntegrityError):  # NOT NULL
        con.execute("INSERT INTO actors (id, name, kind) VALUES ('act-x', NULL, 'person')")
    idx = {r[1] for r in con.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    assert {"events_actor_id_idx", "statements_speaker_id_idx", "citations_record_id_idx"} <= idx
    name = con.execute("SELECT speaker_name FROM statements_named WHERE speaker_id = 'act-lukashenka' LIMIT 1").fetchone()
    assert name == ("Alyaksandr Lukashenka",)
    tables = dict(con.execute("SELECT record_id, record_table FROM record_citations"))
    assert tables["act-lukashenka"] == "actors" and tables["src-preiherman-edm-2024"] == "sources"
    hits = {h[0] for h in con.execute("SELECT id FROM statements_fts WHERE statements_fts MATCH 'sanctions'")}
    said = {r["id"] for r in read_rows(ROOT, C.STATEMENTS) if re.search(r"\bsanctions\b", r["text"], re.I)}
    assert hits == said and len(hits) > 1
    quotes = con.execute("SELECT count(*) FROM citations_fts WHERE citations_fts MATCH 'Kazan'").fetchone()[0]
    assert quotes == sum(1 for r in read_rows(ROOT, C.CITATIONS) if re.search(r"\bKazan\b", r["quote"], re.I)) > 0
    for fts in ("statements_fts", "citations_fts"):  # external content: the index agrees with the rows
        con.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
    meta = dict(con.execute("SELECT key, value FROM _meta"))
    assert meta["version"] == C.VERSION and meta["package"] == "bri-data"
    assert meta["source:src-preiherman-edm-2024:sha256"] == next(r["sha256"] for r in read_rows(ROOT, C.SOURCES) if r["id"] == "src-preiherman-edm-2024")


def test_duckdb_round_trip_with_constraints(tmp_path: Path) -> None:
    out = tmp_path / "bri.duckdb"
    export("duckdb", out, path=ROOT)
    con = duckdb.connect(str(out), read_only=True)
    for table in C.TABLES:
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        assert sorted(con.execute(f"SELECT {cols} FROM {table.name}").fetchall()) == _csv(table)
    assert con.execute("SELECT count(*) FROM memberships_named").fetchone()[0] == len(read_rows(ROOT, C.MEMBERSHIPS))
    con.close()
    rw = duckdb.connect(str(out))
    with pytest.raises(duckdb.ConstraintException):
        rw.execute("INSERT INTO actors VALUES ('act-x', 'X', 'wizard', NULL, NULL, NULL)")
    rw.close()


def test_parquet_round_trip_typed_columns(tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    export("parquet", out, path=ROOT)
    assert sorted(p.name for p in out.iterdir()) == sorted([".bri-data-export", "README.txt", *(t.name for t in C.TABLES)])
    for table in C.TABLES:
        assert [p.name for p in (out / table.name).iterdir()] == [f"{table.name}.parquet"]
        t = pq.read_table(out / table.name)
        assert t.schema.names == table.column_names
        for col in table.columns:
            assert str(t.schema.field(col.name).type) == ("int64" if col.type == "integer" else "string")
        rows = sorted(tuple(r[c] for c in table.column_names) for r in t.to_pylist())
        assert rows == _csv(table)


def test_parquet_readers_read_one_table_and_refuse_to_merge_the_folder(tmp_path: Path) -> None:
    """The common readers: each table's folder reads as that table; the export folder as a
    whole fails loudly instead of merging the tables into the first one's columns."""
    import pandas as pd
    import polars as pl
    import pyarrow
    import pyarrow.dataset as pds

    out = tmp_path / "bri-parquet"
    export("parquet", out, path=ROOT)
    n = len(read_rows(ROOT, C.EVENTS))
    events = out / "events"
    assert pds.dataset(events).to_table().num_rows == n
    frame = pd.read_parquet(events)
    assert frame.shape == (n, len(C.EVENTS.columns)) and frame["id"].str.startswith("evt-").all()
    pframe = pl.read_parquet(events)
    assert pframe.shape == (n, len(C.EVENTS.columns)) and pframe.schema["id"] == pl.String
    assert pl.scan_parquet(events).collect().height == n
    assert duckdb.sql(f"SELECT count(*) FROM '{events}/*.parquet'").fetchall() == [(n,)]
    for merge in (lambda: pds.dataset(out).to_table(), lambda: pq.read_table(out), lambda: pd.read_parquet(out)):
        with pytest.raises(pyarrow.ArrowInvalid, match=r"README\.txt"):
            merge()
    with pytest.raises(pl.exceptions.PolarsError):
        pl.read_parquet(out)
    with pytest.raises(duckdb.IOException):  # the usual glob finds no file at the top
        duckdb.sql(f"SELECT count(*) FROM '{out}/*.parquet'").fetchall()
    assert "pandas.read_parquet(\"bri-parquet/events\")" in (out / "README.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "cells",
    [
        ["0", "7", "007", "123456789012345678"],  # all of the written form: the quick path
        ["0", "1234567890123456789"],  # 19 digits: text
        ["", "-0", "-5", " 5", "5 ", "+5", "5.0", "\u0665", "\uff11\uff10", "5\n", "x", "--5", "-"],
    ],
)
def test_typed_column_types_a_column_as_typed_types_a_row(cells: list[str]) -> None:
    line = C.CITATIONS.column("line")
    quote = C.CITATIONS.column("quote")
    rows = [typed(C.CITATIONS, {"line": v or None, "quote": v or None}) for v in cells]
    assert typed_column(line, cells) == [r["line"] for r in rows]
    assert typed_column(quote, cells) == [r["quote"] for r in rows] == [v or None for v in cells]
    assert [type(v) for v in typed_column(line, cells)] == [type(r["line"]) for r in rows]
    assert [isinstance(v, int) for v in typed_column(line, cells)] == [bool(re.fullmatch(r"-?[0-9]{1,18}", v)) for v in cells]


def test_existing_output_is_kept_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    out = tmp_path / "bri.db"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError):
        export("sqlite", out, path=ROOT)
    assert out.read_bytes() == b"precious"
    cli = runner.invoke(app, ["export", "sqlite", str(out), "--package", str(ROOT)])
    assert cli.exit_code == 2 and "--force" in cli.stderr and out.read_bytes() == b"precious"
    cli = runner.invoke(app, ["export", "sqlite", str(out), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 2 and "not a SQLite or DuckDB database" in cli.stderr and out.read_bytes() == b"precious"  # not one: kept
    out.write_bytes(b"")  # empty (made by `touch`): replaced
    cli = runner.invoke(app, ["export", "sqlite", str(out), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 0 and cli.stdout.startswith(f"wrote {out} (sqlite: sources 2,")
    assert sqlite3.connect(out).execute("SELECT count(*) FROM actors").fetchone()[0] > 0
    cli = runner.invoke(app, ["export", "sqlite", str(out), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 0  # a SQLite database: replaced
    pdir = tmp_path / "pq"
    pdir.mkdir()
    (pdir / "keep.txt").write_text("mine")
    for force in (False, True):  # a folder bri-data did not write is never replaced
        with pytest.raises(OutputExistsError, match="not written by `bri-data export`"):
            export("parquet", pdir, force=force, path=ROOT)
    assert (pdir / "keep.txt").read_text() == "mine"
    ours = tmp_path / "pq2"
    export("parquet", ours, path=ROOT)
    with pytest.raises(OutputExistsError, match="--force"):
        export("parquet", ours, path=ROOT)
    (ours / "actors" / "notes.md").write_text("mine")  # a file the user added: kept
    with pytest.raises(OutputExistsError, match=r"'actors/notes\.md', which it did not write"):
        export("parquet", ours, force=True, path=ROOT)
    (ours / "actors" / "notes.md").unlink()
    (ours / "events" / "events.parquet").write_bytes(b"mine")  # a file the user changed: kept
    with pytest.raises(OutputExistsError, match=r"'events/events\.parquet' changed since"):
        export("parquet", ours, force=True, path=ROOT)
    (ours / "events" / "events.parquet").unlink()
    shutil.rmtree(ours / "actors")
    export("parquet", ours, force=True, path=ROOT)  # ours, unchanged but for what is gone: replaced
    assert (ours / "actors" / "actors.parquet").is_file() and (ours / ".bri-data-export").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_generations_put_parents_first_in_linear_time() -> None:
    """A chain written children first, a fork, a parent outside the table, a cycle: every
    parent in an earlier generation than its children, every row once; a 20,000-deep
    chain written children first takes no quadratic time (the old order took minutes)."""
    # rows: c -> b -> a, x -> a, y -> x, z (parent elsewhere), p <-> q (a cycle)
    parent = [1, 2, None, 2, 3, None, 7, 6]
    gens = generations([parent], len(parent))
    where = {i: g for g, rows in enumerate(gens) for i in rows}
    assert sorted(where) == list(range(len(parent))) and sum(map(len, gens)) == len(parent)
    assert {i: where[i] for i in range(6)} == {2: 0, 5: 0, 1: 1, 3: 1, 0: 2, 4: 2}
    assert {where[6], where[7]} == {0, 1}  # the walk ends; the engine then refuses the rows
    n = 20_000
    gens = generations([[i + 1 if i + 1 < n else None for i in range(n)]], n)  # each row's parent comes after it
    assert len(gens) == n and gens[0] == [n - 1] and gens[-1] == [0]
    # two self-referencing columns: a row goes one generation below its deepest parent
    assert generations([[1, None, 1], [2, None, None]], 3) == [[1], [2], [0]]


def _tricky_package(tmp_path: Path) -> Path:
    """A valid synthetic package whose cells exercise the readers: quoted fields with commas
    and doubled quotes, non-ASCII text, integers, empty cells, children written before
    their parents, and one table whose header lists the columns in another order."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    from bri_data.build.generate import build
    from bri_data.validation.run import validate

    pkg = tmp_path / "pkg"
    synth.write(3000, pkg)
    texts = ['Said "no", then "так, пазней"', "Лукашэнка, Łódź, São Paulo — «BRICS» 中文", '"', "a,b", "  spaced  "]

    def rewrite(table: C.Table, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
        path = pkg / table.path
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(edit(rows))

    def events(rows: list[list[str]]) -> list[list[str]]:
        head, body = rows[0], rows[1:]
        at = head.index("summary")
        for k, row in enumerate(body):
            row[at] = texts[k % len(texts)] + f" {k}"
        return [head, *reversed(body)]  # children before their parents

    def relations(rows: list[list[str]]) -> list[list[str]]:
        at = rows[0].index("note")
        for k, row in enumerate(rows[1:]):
            row[at] = texts[-1 - k % len(texts)]
        return rows

    def actors(rows: list[list[str]]) -> list[list[str]]:
        return [row[::-1] for row in rows]  # the header in another order than the contract's

    rewrite(C.EVENTS, events)
    rewrite(C.RELATIONS, relations)
    rewrite(C.ACTORS, actors)
    build(pkg, docs=False)
    report = validate(pkg)
    assert report.valid, report.counts
    return pkg


def _skip_validation(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    """Export PKG without validating it, as if a file changed after validation; the rows
    validate would have counted are those its CSV files hold."""
    import bri_data.exports.writers as w

    report = Report(str(pkg / "datapackage.json"))
    report.rows_checked = {t.name: len(read_rows(pkg, t)) for t in C.TABLES}
    report.sha256 = {t.name: hashlib.sha256((pkg / t.path).read_bytes()).hexdigest() for t in C.TABLES}
    monkeypatch.setattr(w, "validated_package", lambda path: (pkg, report))
    monkeypatch.setattr(w, "resolve_package", lambda path: pkg / "datapackage.json")  # it has no descriptor


def _typed(rows: list[tuple[object, ...]]) -> list[tuple[tuple[str, object], ...]]:
    """Rows with each cell's type beside its value (1 and True, or 1 and '1', differ)."""
    return sorted(tuple((type(v).__name__, v) for v in row) for row in rows)


def test_synthetic_package_round_trips_through_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every format holds exactly the CSV rows as the contract types them, cell by cell and
    type by type; chunks and Arrow blocks small enough that every table spans several,
    the Arrow block as small as the longest row (a row of up to a block reads)."""
    import bri_data.exports.writers as w

    pkg = _tricky_package(tmp_path)
    longest = max(len(line.encode()) for t in C.TABLES for line in (pkg / t.path).read_text(encoding="utf-8").splitlines(keepends=True))
    monkeypatch.setattr(w, "CHUNK", 100)
    monkeypatch.setattr(w, "ARROW_BLOCK", longest)
    expected = {t.name: _typed([tuple(r[c] for c in t.column_names) for r in read_rows(pkg, t)]) for t in C.TABLES}
    cells = {t.name: {(type(v), v is None) for r in read_rows(pkg, t) for v in r.values()} for t in C.TABLES}
    assert (int, False) in cells["citations"] and (type(None), True) in cells["events"]
    assert any('"' in r["summary"] and "," in r["summary"] and not r["summary"].isascii() for r in read_rows(pkg, C.EVENTS))
    assert export("sqlite", tmp_path / "x.db", path=pkg).rows == {t: len(v) for t, v in expected.items()}
    with monkeypatch.context() as m:
        assert export(_reader("sqlite-csv", m), tmp_path / "csv.db", path=pkg).rows == {t: len(v) for t, v in expected.items()}
    assert export("duckdb", tmp_path / "x.duckdb", path=pkg).rows == {t: len(v) for t, v in expected.items()}
    assert export("parquet", tmp_path / "pq", path=pkg).rows == {t: len(v) for t, v in expected.items()}
    lite, duck = sqlite3.connect(tmp_path / "x.db"), duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    lite_csv = sqlite3.connect(tmp_path / "csv.db")
    for t in C.TABLES:
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        assert _typed(lite.execute(f"SELECT {cols} FROM {t.name}").fetchall()) == expected[t.name], t.name
        assert _typed(lite_csv.execute(f"SELECT {cols} FROM {t.name}").fetchall()) == expected[t.name], t.name
        assert _typed(duck.execute(f"SELECT {cols} FROM {t.name}").fetchall()) == expected[t.name], t.name
        table = pq.read_table(tmp_path / "pq" / t.name)
        assert table.schema == arrow_schema(t)
        assert _typed(list(zip(*(table.column(c).to_pylist() for c in t.column_names), strict=True))) == expected[t.name], t.name
    # SQLite stored the types the DDL declares (STRICT): integer columns hold integers only
    for db in (lite, lite_csv):
        assert db.execute("SELECT DISTINCT typeof(line), typeof(char_start), typeof(char_end) FROM citations").fetchall() == [("integer",) * 3]
    duck.close()
    lite.close()
    lite_csv.close()


@pytest.mark.parametrize("fmt", ["sqlite", "duckdb"])
def test_rows_that_break_a_key_or_a_check_fail_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """SQLite loads without checking row by row, then checks the finished file once; either
    way a row that breaks a foreign key or a CHECK (a file changed after validation:
    validation is skipped here) fails the export and leaves nothing behind."""

    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "data", pkg / "data")
    shutil.copytree(ROOT / "seeds", pkg / "seeds")
    _skip_validation(monkeypatch, pkg)
    out = tmp_path / "out"
    out.mkdir()
    events = (pkg / "data" / "events.csv").read_text(encoding="utf-8")
    first = events.splitlines()[1]
    for broken, message in (
        (first.replace(",summit,", ",sumit,", 1) if ",summit," in first else None, "CHECK"),  # a vocabulary
        (re.sub(r",act-[a-z-]+,", ",act-nobody,", first, count=1), "foreign"),  # a dangling key
    ):
        assert broken is not None and broken != first
        (pkg / "data" / "events.csv").write_text(events.replace(first, broken), encoding="utf-8")
        with pytest.raises(OutputError) as exc:
            export(fmt, out / f"x.{fmt}", path=pkg)
        assert (message.lower() in str(exc.value).lower()) if fmt == "sqlite" else "Constraint" in str(exc.value)
        assert list(out.iterdir()) == []


@pytest.mark.parametrize("written", ["+{}", "{}\n"])
@pytest.mark.parametrize("fmt", READERS)
def test_an_integer_cell_without_the_written_form_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, written: str) -> None:
    """'+5' and '5' with a line break after it (a quoted cell) are text to the contract
    (validate reports them); an export of a file changed after validation (validation
    skipped here) refuses them instead of reading them as 5 (as SQLite's STRICT table
    would), and says which file, also when DuckDB reads the rows as a stream."""
    fmt = _reader(fmt, monkeypatch)

    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "data", pkg / "data")
    shutil.copytree(ROOT / "seeds", pkg / "seeds")
    _skip_validation(monkeypatch, pkg)
    citations = (pkg / "data" / "citations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = next(csv.reader([citations[-1]]))
    cells[C.CITATIONS.column_names.index("line")] = written.format(cells[C.CITATIONS.column_names.index("line")])
    with (pkg / "data" / "citations.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.writelines(citations[:-1])
        csv.writer(fh, lineterminator="\n").writerow(cells)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnreadableInputError, match=r"data/citations\.csv holds an integer cell without the written form"):
        export(fmt, out / "x", path=pkg)
    assert list(out.iterdir()) == []


def test_failed_export_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bri_data.exports.writers as ex

    def boom(*_: object) -> None:
        raise KeyboardInterrupt  # an interrupted export

    monkeypatch.setattr(ex, "write_sqlite", boom)
    with pytest.raises(KeyboardInterrupt):
        export("sqlite", tmp_path / "bri.db", path=ROOT)
    monkeypatch.setattr(ex, "write_parquet", boom)
    with pytest.raises(KeyboardInterrupt):
        export("parquet", tmp_path / "pq", path=ROOT)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fmt", "module", "extra"), [("duckdb", "duckdb", "duckdb"), ("duckdb", "pyarrow", "duckdb"), ("parquet", "pyarrow", "parquet")]
)
def test_missing_engine_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, module: str, extra: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtraError, match=rf'pip install "bri-data\[{extra}\]"'):
        export(fmt, tmp_path / "out", path=ROOT)
    cli = runner.invoke(app, ["export", fmt, str(tmp_path / "out"), "--package", str(ROOT)])
    assert cli.exit_code == 2 and f"bri-data[{extra}]" in cli.stderr
    assert list(tmp_path.iterdir()) == []


def test_show_and_info(tmp_path: Path) -> None:
    out = runner.invoke(app, ["show", "act-tokayev", "--package", str(ROOT)])
    assert out.exit_code == 0
    assert out.stdout.startswith("act-tokayev (actors)\n  name: Kassym-Jomart Tokayev\n")
    assert "he added that President [[Kassym-Jomart Tokayev]] prefers" in out.stdout
    js = runner.invoke(app, ["show", "stm-lukashenka-belarus-partner-status-step-to-membership", "--package", str(ROOT), "-f", "json"])
    import json

    doc = json.loads(js.stdout)
    assert doc["links"]["speaker_id"]["name"] == "Alyaksandr Lukashenka"
    assert any(c["quote"] == doc["record"]["text"] for c in doc["citations"])
    missing = runner.invoke(app, ["show", "act-nobody", "--package", str(ROOT)])
    assert missing.exit_code == 1 and "no record with id 'act-nobody'" in missing.stderr
    info = runner.invoke(app, ["info", str(ROOT)])
    assert info.exit_code == 0 and info.stdout.startswith(f"bri-data {C.VERSION} at ")
    assert "citations" in info.stdout and "src-kazan-interviews-report" in info.stdout


def test_relations_named_gives_the_table_and_label_of_both_sides(tmp_path: Path) -> None:
    out = tmp_path / "bri.db"
    export("sqlite", out, path=ROOT)
    by_id = {r["id"]: (t, r) for t in C.TABLES for r in read_rows(ROOT, t)}
    got = sqlite3.connect(out).execute(
        "SELECT id, subject_table, subject_label, object_table, object_label FROM relations_named"
    ).fetchall()
    relations = read_rows(ROOT, C.RELATIONS)
    assert len(got) == len(relations) > 0
    expected = []
    for r in relations:
        (st, srow), (ot, orow) = by_id[r["subject_id"]], by_id[r["object_id"]]
        expected.append((r["id"], st.name, srow[st.label], ot.name, orow[ot.label]))
    assert sorted(got) == sorted(expected)
    assert {row[1] for row in got} | {row[3] for row in got} > {"actors"}  # more than one kind of record is related
    duck = tmp_path / "bri.duckdb"
    export("duckdb", duck, path=ROOT)
    con = duckdb.connect(str(duck), read_only=True)
    assert sorted(con.execute("SELECT id, subject_table, subject_label, object_table, object_label FROM relations_named").fetchall()) == sorted(expected)
    con.close()


def test_show_lists_relations_to_and_from_a_record() -> None:
    import json

    rel = read_rows(ROOT, C.RELATIONS)[0]
    subject = runner.invoke(app, ["show", rel["subject_id"], "--package", str(ROOT)])
    assert subject.exit_code == 0
    assert f"relations:\n  {rel['id']}: this {rel['kind']} {rel['object_id']} (" in subject.stdout
    assert f"    {rel['note']}\n" in subject.stdout
    obj = runner.invoke(app, ["show", rel["object_id"], "--package", str(ROOT)])
    assert f"  {rel['id']}: {rel['subject_id']} (" in obj.stdout and f") {rel['kind']} this\n" in obj.stdout
    assert "relations.subject_id" not in obj.stdout  # shown as a relation, not again as a referrer
    doc = json.loads(runner.invoke(app, ["show", rel["subject_id"], "--package", str(ROOT), "-f", "json"]).stdout)
    mine = [r for r in doc["relations"] if r["relation_id"] == rel["id"]]
    assert mine and mine[0]["direction"] == "to" and mine[0]["other_id"] == rel["object_id"] and mine[0]["kind"] == rel["kind"]
    itself = json.loads(runner.invoke(app, ["show", rel["id"], "--package", str(ROOT), "-f", "json"]).stdout)
    assert itself["table"] == "relations" and itself["links"]["subject_id"]["id"] == rel["subject_id"]
    assert set(itself["labels"]) == {"subject_id", "object_id"} and itself["citations"]


def _drop_last_citation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export's readers lose the last citations row, as a reader that stopped early
    would, and count only what they read: the writer's own counts agree with the file."""
    import bri_data.exports.writers as w

    cells, batches = w.read_cells, w._arrow_batches

    def fewer_cells(root: Path, table: C.Table, size: int, read: dict[str, str]) -> Iterator[list[list[str]]]:
        chunks = list(cells(root, table, size, read))
        if table is C.CITATIONS:
            chunks[-1] = chunks[-1][:-1]
        yield from chunks

    def fewer_batches(root: Path, table: C.Table, read: dict[str, str]) -> Iterator[Any]:
        got = list(batches(root, table, read))
        if table is C.CITATIONS:
            got[-1] = got[-1].slice(0, got[-1].num_rows - 1)
        yield from got

    monkeypatch.setattr(w, "read_cells", fewer_cells)
    monkeypatch.setattr(w, "_arrow_batches", fewer_batches)


@pytest.mark.parametrize("fmt", READERS)
def test_rows_read_back_must_be_the_rows_validate_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """The read-back is independent of the writer: a file holding every row the writer
    wrote, but not every row validate counted in the CSV, fails the export (Parquet
    included, whose files are read back too); the cycle collector is running again."""
    fmt = _reader(fmt, monkeypatch)
    _drop_last_citation(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    n = len(read_rows(ROOT, C.CITATIONS))
    with pytest.raises(OutputError, match=rf"holds {n - 1} citations rows \(written: {n - 1}\); validate counted {n} in data/citations\.csv"):
        export(fmt, out / "x", path=ROOT)
    assert list(out.iterdir()) == []
    assert gc.isenabled()


def test_parquet_files_are_read_back_with_their_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Parquet file whose schema is not the export's (here: written without the column
    descriptions) fails the export before it replaces anything."""
    import pyarrow.parquet as pq_module

    class Lossy(pq_module.ParquetWriter):  # type: ignore[misc]
        def __init__(self, where: Any, schema: Any, **options: Any) -> None:
            super().__init__(where, schema.remove_metadata(), **options)

    monkeypatch.setattr(pq_module, "ParquetWriter", Lossy)
    with pytest.raises(OutputError, match=r"sources\.parquet was written with another schema"):
        export("parquet", tmp_path / "pq", path=ROOT)
    assert list(tmp_path.iterdir()) == []


def test_export_returns_and_prints_the_validation_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When validation ran another engine than asked for, the export says so: the result
    carries the engine and the note, the command prints them (as `validate` does)."""
    import bri_data.validation.columnar as columnar
    import bri_data.validation.run as run

    monkeypatch.setattr(run, "COLUMNAR_MIN_BYTES", 0)  # auto asks for the columnar engine
    monkeypatch.setattr(columnar, "unavailable", lambda: "polars is not installed")
    result = export("sqlite", tmp_path / "x.db", path=ROOT)
    note = "columnar engine unavailable (polars is not installed); the row engine ran"
    assert result.engine == "rows" and result.notes == (note,)
    cli = runner.invoke(app, ["export", "sqlite", str(tmp_path / "x.db"), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 0 and f"bri-data: note: {note}" in cli.stderr
    assert cli.stdout.endswith("; validated first, engine: rows)\n")
    monkeypatch.undo()
    result = export("sqlite", tmp_path / "x.db", path=ROOT, force=True)
    assert result.engine == "rows" and result.notes == ()  # a small package: the row engine, as asked (auto)


# Cells that are valid CSV but read differently by careless parsers: quotes inside an
# unquoted field, a space before a quote, doubled quotes, quoted commas, quoted empty
# cells, a quoted integer. Written as they stand (not through csv.writer, which would quote them).
TRICKY_CELLS = ['a"b', ' "x"', 'ab"', '"a""b"', '"a,b"', '" lead"', 'x "y" z', '"x"""', '""""', "'q'", 'a""b', ' ""', '"tab\there"', 'é « » "']


def _raw(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_tricky_but_valid_cells_read_alike_in_every_format(tmp_path: Path) -> None:
    """A CSV validate accepts is read by pyarrow's streaming reader (DuckDB, Parquet) as by
    Python's csv module (validate, `load`, SQLite): every exported value equals `load()`'s.
    The one reading on which they differ (text after a closing quote: `"a"b`) validate
    refuses."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    from bri_data import load
    from bri_data.build.generate import build
    from bri_data.validation.run import validate

    pkg = tmp_path / "pkg"
    synth.write(300, pkg)
    events = (pkg / C.EVENTS.path).read_text(encoding="utf-8").splitlines()
    head = next(csv.reader([events[0]]))
    summary, location = head.index("summary"), head.index("location")
    lines = [events[0]]
    for k, line in enumerate(events[1:]):
        cells = [_raw(v) for v in next(csv.reader([line]))]  # every other cell quoted
        cells[summary] = TRICKY_CELLS[k % len(TRICKY_CELLS)]
        cells[location] = '""' if k % 2 else cells[location]  # a quoted empty cell: NULL
        lines.append(",".join(cells))
    (pkg / C.EVENTS.path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    citations = (pkg / C.CITATIONS.path).read_text(encoding="utf-8").splitlines()
    quoted = [citations[0], *(",".join(_raw(v) for v in next(csv.reader([line]))) for line in citations[1:])]
    (pkg / C.CITATIONS.path).write_text("\n".join(quoted) + "\n", encoding="utf-8")  # "12": a quoted integer
    build(pkg, docs=False)
    report = validate(pkg)
    assert report.valid, report.findings[:3]
    ds = load(pkg)
    expected = {t.name: sorted((tuple(getattr(r, c) for c in t.column_names) for r in ds.tables[t.name]), key=repr) for t in C.TABLES}
    assert {r.summary for r in ds.tables["events"]} >= {"a\"b", ' "x"', 'a""b', "a,b", " lead", 'x"', '"', "tab\there", ' ""'}
    assert any(r.location is None for r in ds.tables["events"]) and isinstance(ds.tables["citations"][0].line, int)
    export("sqlite", tmp_path / "x.db", path=pkg)
    export("duckdb", tmp_path / "x.duckdb", path=pkg)
    export("parquet", tmp_path / "pq", path=pkg)
    lite, duck = sqlite3.connect(tmp_path / "x.db"), duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    for t in C.TABLES:
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        table = pq.read_table(tmp_path / "pq" / t.name)
        got = {
            "sqlite": lite.execute(f"SELECT {cols} FROM {t.name}").fetchall(),
            "duckdb": duck.execute(f"SELECT {cols} FROM {t.name}").fetchall(),
            "parquet": list(zip(*(table.column(c).to_pylist() for c in t.column_names), strict=True)),
        }
        for fmt, rows in got.items():
            assert sorted(rows, key=repr) == expected[t.name], (fmt, t.name)
    duck.close()
    lite.close()
    # where the two readers part, validate refuses the file
    lines[1] = lines[1].replace(lines[1].split(",")[0], '"' + lines[1].split(",")[0].strip('"') + '"x', 1)
    (pkg / C.EVENTS.path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "csv.malformed" in validate(pkg).counts


def _watch_handles(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every table file the export opens, kept to see whether it was closed."""
    import bri_data.exports.writers as w
    import bri_data.files.package as package

    opened: list[Any] = []

    @contextlib.contextmanager
    def watched(root: Path, rel: str, what: str, hashed: bool = False) -> Iterator[Any]:
        with open_member(root, rel, what, hashed) as fh:
            opened.append(fh)
            yield fh

    monkeypatch.setattr(w, "open_member", watched)
    monkeypatch.setattr(package, "open_member", watched)
    return opened


@pytest.mark.parametrize("fmt", ["sqlite", "duckdb"])
def test_a_failing_insert_leaves_no_file_open_and_the_collector_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """An insert that fails part-way through a table (a duplicate key: a file changed after
    validation) closes the CSV file it was reading at once, not when the exception is
    collected (it is still alive here), and leaves the cycle collector running."""
    import bri_data.exports.writers as w

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    pkg = tmp_path / "pkg"
    synth.write(8000, pkg)  # more citations than DuckDB reads before it checks a key (2048)
    citations = (pkg / C.CITATIONS.path).read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(citations) > 4096
    (pkg / C.CITATIONS.path).write_text("".join([*citations[:3], citations[1], *citations[3:]]), encoding="utf-8")
    _skip_validation(monkeypatch, pkg)
    longest = max(len(line.encode()) for t in C.TABLES for line in (pkg / t.path).read_text(encoding="utf-8").splitlines(keepends=True))
    monkeypatch.setattr(w, "CHUNK", 2)
    monkeypatch.setattr(w, "ARROW_BLOCK", longest)  # the stream has many batches left when DuckDB stops
    opened = _watch_handles(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputError, match="cannot write") as failure:
        export(fmt, out / "x", path=pkg)
    assert failure.value is not None and opened and all(fh.closed for fh in opened)
    assert gc.isenabled() and list(out.iterdir()) == []
    if fmt == "duckdb":  # DuckDB read the whole stream before refusing the key; one that stops early:

        class StopsEarly:
            def register(self, name: str, reader: Any) -> None:
                self.reader = reader

            def unregister(self, name: str) -> None:
                del self.reader

            def execute(self, query: str) -> None:
                self.reader.read_next_batch()
                raise duckdb.IOException("stopped after one batch")

        opened.clear()
        with pytest.raises(duckdb.IOException) as early:
            w._insert_duckdb(StopsEarly(), pkg, C.CITATIONS, {})
        assert early.value is not None and len(opened) == 1 and opened[0].closed


def test_ctrl_c_during_the_checks_stops_them_and_removes_the_file(tmp_path: Path) -> None:
    """Ctrl-C while the key checks run beside the full-text build: the checks are
    interrupted (here one that would never end), not waited for, and the temp file goes."""
    script = textwrap.dedent(
        f"""
        import os, signal
        import bri_data.exports.writers as w
        endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        w._key_queries = lambda: [endless]
        fts = w.sql.fts
        def interrupted():
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, while the endless check runs
            return fts()
        w.sql.fts = interrupted
        try:
            w.export("sqlite", {str(tmp_path / "out.db")!r}, path={str(ROOT)!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=120)  # without the fix it never ends
    finally:
        proc.kill()
    assert out == "interrupted\n", err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["sqlite", "duckdb", "parquet"])
@pytest.mark.parametrize("damage", ["integer", "quote"])
def test_an_invalid_package_is_reported_and_nothing_is_published(tmp_path: Path, fmt: str, damage: str) -> None:
    """Validation runs beside the writer: whether invalid data makes the writer fail
    (an integer cell '+5') or passes through it (a quote that differs from its seed),
    the export reports the package's findings (exit 1) and publishes nothing."""
    from bri_data.errors import InvalidPackageError

    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "citations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[5].split(",")
    if damage == "integer":
        cells[3] = "+" + cells[3]
    else:
        cells[6] = "X" + cells[6]
    lines[5] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    refresh_hashes(pkg)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InvalidPackageError) as info:
        export(fmt, out / f"x.{fmt}", path=pkg)
    assert ("row.type" if damage == "integer" else "provenance.quote_mismatch") in info.value.report.counts
    assert list(out.iterdir()) == []
    cli = runner.invoke(app, ["export", fmt, str(out / f"x.{fmt}"), "--package", str(pkg)])
    assert cli.exit_code == 1 and list(out.iterdir()) == [], cli.stderr
    # Folders the export created for its output are removed with it.
    cli = runner.invoke(app, ["export", fmt, str(out / "new" / "deeper" / f"x.{fmt}"), "--package", str(pkg)])
    assert cli.exit_code == 1 and list(out.iterdir()) == [], cli.stderr


@pytest.mark.parametrize("fmt", READERS)
def test_a_table_saved_over_while_it_is_exported_is_not_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """Validation and the writer read the files apart: a table saved over in between (the
    same number of rows, so the counts agree) was exported as if validated. The writer's
    reading is hashed and must be the bytes validated, or nothing is published."""
    fmt = _reader(fmt, monkeypatch)
    import threading

    import bri_data.exports.writers as w

    pkg = copy_package(tmp_path / "pkg")
    events = pkg / C.EVENTS.path
    validated = threading.Event()
    real = w.validated_package

    def validate_first(path: Any) -> Any:
        try:
            return real(path)
        finally:
            validated.set()

    def edited_before_read(read_with: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def reader(root: Path, table: C.Table, *args: Any) -> Iterator[Any]:
            if table is C.EVENTS:
                validated.wait(60)
                text = events.read_text(encoding="utf-8")
                events.write_text(text.replace("Lukashenka", "Lukashenko", 1), encoding="utf-8")
            yield from read_with(root, table, *args)

        return reader

    monkeypatch.setattr(w, "validated_package", validate_first)
    monkeypatch.setattr(w, "read_cells", edited_before_read(w.read_cells))
    monkeypatch.setattr(w, "_arrow_batches", edited_before_read(w._arrow_batches))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnreadableInputError, match=r"data/events\.csv changed while it was exported; nothing was written"):
        export(fmt, out / f"x.{fmt}", path=pkg)
    assert list(out.iterdir()) == []


def test_a_metadata_file_that_cannot_be_written_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The metadata is written before the database is published: its failure leaves
    neither (before, the database stayed, and a retry needed --force). The folder takes
    no new file (as /proc would refuse one), though the path passes the checks."""
    import errno
    import tempfile

    import bri_data.files.atomic as atomic

    real = tempfile.mkstemp

    def refuse_json(*args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("suffix", "")).endswith(".json.tmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse_json)
    with pytest.raises(OutputError, match=r"cannot write .*meta\.json: Permission denied"):
        export("sqlite", tmp_path / "x.db", metadata=tmp_path / "meta.json")
    assert list(tmp_path.iterdir()) == []


def test_export_validates_the_descriptor_it_is_given(tmp_path: Path) -> None:
    from bri_data.errors import InvalidPackageError

    pkg = copy_package(tmp_path / "pkg")
    (pkg / "notes.txt").write_text("not json", encoding="utf-8")
    with pytest.raises(InvalidPackageError, match=r"descriptor\.not_json"):
        export("sqlite", tmp_path / "x.db", path=pkg / "notes.txt")
    assert not (tmp_path / "x.db").exists()


def test_force_replaces_the_folder_that_holds_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative OUT through the working directory ("../pq" from inside pq) names the same
    folder after the old one is moved aside: the new export is published there, the old one
    removed, nothing left beside them (before: both were lost, and success reported)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    export("parquet", "pq")
    monkeypatch.chdir(work / "pq")
    result = export("parquet", "../pq", force=True)
    assert result.rows["events"] > 0
    assert sorted(p.name for p in work.iterdir()) == ["pq"]
    assert pq.read_table(work / "pq" / "events").num_rows == result.rows["events"]


def test_the_sql_id_check_is_the_contracts_id_pattern() -> None:
    """The id CHECK (GLOB; SQL has no regular expressions in SQLite) accepts exactly what
    the contract's pattern does, in both dialects: case, stray characters, hyphens at the
    edges or doubled, non-ASCII letters and digits."""
    import random

    from bri_data.exports import ddl

    rng = random.Random(14)
    alphabet = "ab9Z-_ é٣."
    words = ["act-x", "act-", "act--x", "act-x-", "ACT-x", "act-X", "actx", "act-x--y", "act-a1-b2", "act-٣", "evt-x", ""]
    words += ["act-" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    lite, duck = sqlite3.connect(":memory:"), duckdb.connect()
    for table in (C.ACTORS, C.CITATIONS):
        pattern = re.compile(table.column("id").pattern or "")
        words = [w.replace("act-", table.prefix + "-", 1) for w in words]
        lite_check = ddl.id_check(table, "sqlite").replace('"id"', "x")
        duck_check = ddl.id_check(table, "duckdb").replace('"id"', "x")
        for word in words:
            want = pattern.fullmatch(word) is not None
            assert bool(lite.execute(f"SELECT {lite_check} FROM (SELECT ? AS x)", (word,)).fetchone()[0]) is want, word
            assert bool(duck.execute(f"SELECT {duck_check} FROM (SELECT ? AS x)", [word]).fetchone()[0]) is want, word


def test_an_exported_database_refuses_an_id_the_contract_refuses(tmp_path: Path) -> None:
    export("sqlite", tmp_path / "x.db")
    con = sqlite3.connect(tmp_path / "x.db")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute("INSERT INTO actors (id, name, kind) VALUES ('ACT-Foo', 'x', 'person')")
    con.execute("INSERT INTO actors (id, name, kind) VALUES ('act-foo', 'x', 'person')")  # the written form


def test_the_sources_meta_rows_are_the_ones_inserted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """_meta reads the sources table once more (each seed's sha256): that reading must be
    the bytes inserted and validated too."""
    import bri_data.exports.writers as w

    pkg = copy_package(tmp_path / "pkg")
    real = w.read_rows_hashed

    def edited_first(root: Path, table: C.Table) -> Any:
        sources = root / table.path
        sources.write_text(sources.read_text(encoding="utf-8").replace("Preiherman", "Preihermann", 1), encoding="utf-8")
        return real(root, table)

    monkeypatch.setattr(w, "read_rows_hashed", edited_first)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnreadableInputError, match=r"data/sources\.csv changed while it was exported"):
        export("sqlite", out / "x.db", path=pkg)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["sub/../x.db", "link.db"])
def test_metadata_that_is_the_export_by_another_name_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.db").symlink_to(tmp_path / "x.db")
    with pytest.raises(UsageError, match="is the export itself"):
        export("sqlite", tmp_path / "x.db", metadata=tmp_path / name)
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("out", [".", "..", "pq/.."])
def test_an_output_named_dot_or_dot_dot_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str) -> None:
    (tmp_path / "work" / "pq").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(UsageError, match="give the output its own name"):
        export("parquet", out, force=True)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["pq", "work"]


def test_a_broken_link_on_the_way_to_out_is_not_followed(tmp_path: Path) -> None:
    """OUT's folder is resolved only where it exists: a broken link on the way is refused
    where it is used, never made real by creating what it points at."""
    (tmp_path / "link").symlink_to(tmp_path / "nowhere" / "deep")
    for fmt, name in (("sqlite", "x.db"), ("parquet", "pq")):
        with pytest.raises(OutputError):
            export(fmt, tmp_path / "link" / "sub" / name)
    assert not (tmp_path / "nowhere").exists()


def test_an_id_with_a_nul_is_refused_by_sqlite_too(tmp_path: Path) -> None:
    """SQLite's GLOB stops at a NUL: the id check counts the id's bytes as well."""
    export("sqlite", tmp_path / "x.db")
    con = sqlite3.connect(tmp_path / "x.db")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute("INSERT INTO actors (id, name, kind) VALUES ('act-foo' || char(0) || 'BAD!', 'x', 'person')")


@pytest.mark.parametrize("fmt", ["sqlite", "duckdb"])
def test_force_keeps_a_database_holding_the_users_own_tables(tmp_path: Path, fmt: str) -> None:
    """As a folder holding a file the user added is kept: an export the user added a table
    or view to is not replaced, even with --force (before, the table was lost). An export
    as written is replaced, by either format."""
    out = tmp_path / f"x.{fmt}"
    export(fmt, out)
    export("duckdb" if fmt == "sqlite" else "sqlite", out, force=True)  # either may replace the other
    export(fmt, out, force=True)
    con: Any = sqlite3.connect(out) if fmt == "sqlite" else duckdb.connect(str(out))
    con.execute("CREATE TABLE my_coding (id TEXT, code TEXT)")
    con.execute("INSERT INTO my_coding VALUES ('act-lukashenka', 'x')")
    con.execute("CREATE VIEW my_view AS SELECT * FROM my_coding")
    con.commit()
    con.close()
    with pytest.raises(OutputExistsError, match=r"holds tables or views it did not write \(my_coding, my_view\)"):
        export(fmt, out, force=True)
    con = sqlite3.connect(out) if fmt == "sqlite" else duckdb.connect(str(out))
    assert con.execute("SELECT count(*) FROM my_coding").fetchone() == (1,)
    con.close()
