"""SQL DDL for the tables, generated from the contract (SQLite and DuckDB dialects)."""

from __future__ import annotations

from typing import Literal

from bri_data.contract import model as C
from bri_data.contract import views as V

Dialect = Literal["sqlite", "duckdb"]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def id_check(table: C.Table, dialect: Dialect) -> str:
    """The id pattern (`<prefix>-[a-z0-9]+(-[a-z0-9]+)*`, the contract's `_id_pattern`) in
    SQL, which has no regular expressions in SQLite: the prefix and a letter or digit, then
    only letters, digits and single inner hyphens. GLOB, unlike LIKE, is case-sensitive;
    SQLite negates a class with `^`, DuckDB with `!` (tests/test_export.py compares the
    two with the pattern)."""
    col, neg = q("id"), "^" if dialect == "sqlite" else "!"
    # NOT (x GLOB y), not x NOT GLOB y: DuckDB before 2.0 cannot parse the latter.
    glob = (
        f"{col} GLOB {lit(table.prefix + '-[a-z0-9]*')} AND NOT ({col} GLOB {lit(f'*[{neg}a-z0-9-]*')}) "
        f"AND NOT ({col} GLOB '*--*') AND NOT ({col} GLOB '*-')"
    )
    # SQLite's GLOB and length() stop at a NUL; its bytes as a BLOB do not (an ASCII id
    # has as many bytes as characters).
    return glob + (f" AND length({col}) = length(CAST({col} AS BLOB))" if dialect == "sqlite" else "")


def _column_checks(table: C.Table, col: C.Column, dialect: Dialect = "sqlite") -> list[str]:
    """The CHECK expressions on one column (written beside it in CREATE TABLE)."""
    out = []
    if col.name == "id":
        out.append(id_check(table, dialect))
    if col.vocabulary:
        out.append(f"{q(col.name)} IN ({', '.join(lit(v) for v in col.enum or [])})")
    if col.minimum is not None:
        out.append(f"{q(col.name)} >= {col.minimum}")
    if col.type == "string" and col.min_length:
        out.append(f"length({q(col.name)}) >= {col.min_length}")
    return out


def _table_checks(table: C.Table) -> list[str]:
    """The CHECK expressions on several columns (written after the columns)."""
    out = []
    if table is C.CITATIONS:  # half of provenance.offset_range (the other half needs the seed line)
        out.append(f"{q('char_end')} > {q('char_start')}")
    return out + [sql for rule in table.rules if (sql := rule_check(rule)) is not None]


def checks(table: C.Table) -> list[str]:
    """Every CHECK expression of TABLE, as CREATE TABLE declares them."""
    return [c for col in table.columns for c in _column_checks(table, col)] + _table_checks(table)


def create_table(table: C.Table, dialect: Dialect) -> str:
    types = {"string": "TEXT", "integer": "INTEGER"} if dialect == "sqlite" else {"string": "VARCHAR", "integer": "BIGINT"}
    lines = []
    for col in table.columns:
        parts = [q(col.name), types[col.type]]
        if col.required:
            parts.append("NOT NULL")
        if col.name == "id":
            parts.append("PRIMARY KEY")
        parts += [f"CHECK ({c})" for c in _column_checks(table, col, dialect)]
        lines.append("  " + " ".join(parts))
    lines += [f"  CHECK ({c})" for c in _table_checks(table)]
    for col in table.foreign_keys:
        if col.references != "*":
            lines.append(f"  FOREIGN KEY ({q(col.name)}) REFERENCES {q(col.references or '')} ({q('id')})")
    strict = " STRICT" if dialect == "sqlite" else ""
    return f"CREATE TABLE {q(table.name)} (\n" + ",\n".join(lines) + f"\n){strict};"


def violations(table: C.Table) -> str:
    """A query counting TABLE's rows that break one of its CHECKs (false, not NULL, as
    CHECK judges). One query evaluates each IN list once, where SQLite's own row-by-row
    CHECK (on insert and in `integrity_check`) builds it afresh for every row."""
    return f"SELECT count(*) FROM {q(table.name)} WHERE " + (" OR ".join(f"NOT ({c})" for c in checks(table)) or "0")


def rule_check(rule: C.Rule) -> str | None:
    """A contract rule as an SQL CHECK expression; None for `ordered` (EDTF is not SQL)
    and `dates` (word matching needs regular expressions SQLite lacks)."""
    a, b = q(rule.first), q(rule.second)
    if rule.kind == "marks_empty":
        return f"{b} IS NULL OR (({a} IS NULL) = ({b} = {lit(rule.value or '')}))"
    if rule.kind == "requires":
        return f"{a} IS NULL OR {b} IS NOT NULL"
    if rule.kind == "distinct":
        return f"{a} IS NULL OR {b} IS NULL OR {a} <> {b}"
    return None


def indexes(table: C.Table) -> list[str]:
    return [
        f"CREATE INDEX {q(f'{table.name}_{col.name}_idx')} ON {q(table.name)} ({q(col.name)});"
        for col in table.foreign_keys
    ]


def _table_of(expr: str) -> str:
    """SQL for the name of the table the record id EXPR belongs to (by its prefix)."""
    prefix = f"substr({expr}, 1, instr({expr}, '-') - 1)"
    return f"CASE {prefix} " + " ".join(f"WHEN {lit(t.prefix)} THEN {lit(t.name)}" for t in V.RECORD_TABLES) + " END"


def _label_of(expr: str, tables: tuple[str, ...]) -> str:
    """SQL for the label (`Table.label`) of the record the id EXPR names, one of TABLES."""
    prefix = f"substr({expr}, 1, instr({expr}, '-') - 1)"
    cases = []
    for name in tables:
        t = C.TABLES_BY_NAME[name]
        cases.append(f"WHEN {lit(t.prefix)} THEN (SELECT x.{q(t.label)} FROM {q(t.name)} x WHERE x.{q('id')} = {expr})")
    return f"CASE {prefix} " + " ".join(cases) + " END"


def create_view(view: V.View) -> str:
    """CREATE VIEW for a view of the contract: one LEFT JOIN per foreign key read through
    (a required key always resolves in valid data, so LEFT and inner joins agree)."""
    joins: dict[str, str] = {}
    select = []
    for col in view.columns:
        if col.table_of:
            expr = _table_of(f"b.{q(col.of)}")
        elif col.label_of:
            expr = _label_of(f"b.{q(col.of)}", view.base.column(col.of).targets)
        elif col.via is None:
            expr = f"b.{q(col.of)}"
        else:
            alias = joins.setdefault(col.via, f"j{len(joins) + 1}")
            expr = f"{alias}.{q(col.of)}"
        select.append(expr if expr == f"b.{q(col.name)}" else f"{expr} AS {q(col.name)}")
    sources = [f"{q(view.base.name)} b"] + [
        f"LEFT JOIN {q(V.via_table(view, fk).name)} {alias} ON {alias}.{q('id')} = b.{q(fk)}"
        for fk, alias in joins.items()
    ]
    return f"CREATE VIEW {q(view.name)} AS\nSELECT " + ", ".join(select) + "\nFROM " + "\n".join(sources) + ";"


VIEWS = tuple(create_view(v) for v in V.VIEWS)

META = "CREATE TABLE _meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);"


# Full-text search over what people said and what the seeds say: (table, unindexed
# columns, indexed columns). External-content FTS5 tables (content="<table>", the rows'
# rowid) hold only the index, and Datasette detects them: a search box and `?_search=`.
# The export is a snapshot: after editing a table (or a VACUUM, which may renumber
# rowids), run INSERT INTO <table>_fts(<table>_fts) VALUES ('rebuild').
FTS: tuple[tuple[C.Table, tuple[str, ...], tuple[str, ...]], ...] = (
    (C.STATEMENTS, ("id",), ("text",)),
    (C.CITATIONS, ("id", "record_id"), ("quote",)),
)


# FTS5's own tables beside each full-text table (external content: no _content).
FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config")


def written_names(dialect: Dialect) -> frozenset[str]:
    """The tables and views an export of DIALECT creates: a database holding any other
    holds something of the user's (`exports.writers._foreign`)."""
    names = {t.name for t in C.TABLES} | {v.name for v in V.VIEWS} | {"_meta"}
    if dialect == "sqlite":
        names |= {f"{t.name}_fts{s}" for t, _, _ in FTS for s in ("", *FTS_SHADOWS)}
    return frozenset(names)


def fts() -> list[str]:
    out = []
    for table, unindexed, indexed in FTS:
        name = q(f"{table.name}_fts")
        cols = ", ".join([*(f"{q(c)} UNINDEXED" for c in unindexed), *(q(c) for c in indexed)])
        # content="..." in double quotes: the form Datasette's detect_fts looks for.
        out.append(f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content={q(table.name)}, content_rowid='rowid');")
        out.append(f"INSERT INTO {name}({name}) VALUES ('rebuild');")
    return out
