"""SQL DDL for the tables, generated from the contract (SQLite and DuckDB dialects)."""

from __future__ import annotations

from typing import Literal

from bri_data.contract import model as C

Dialect = Literal["sqlite", "duckdb"]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_table(table: C.Table, dialect: Dialect) -> str:
    types = {"string": "TEXT", "integer": "INTEGER"} if dialect == "sqlite" else {"string": "VARCHAR", "integer": "BIGINT"}
    lines = []
    for col in table.columns:
        parts = [q(col.name), types[col.type]]
        if col.required:
            parts.append("NOT NULL")
        if col.name == "id":
            parts.append("PRIMARY KEY")
            parts.append(f"CHECK ({q('id')} LIKE {lit(table.prefix + '-%')})")
        if col.vocabulary:
            parts.append(f"CHECK ({q(col.name)} IN ({', '.join(lit(v) for v in col.enum or [])}))")
        if col.minimum is not None:
            parts.append(f"CHECK ({q(col.name)} >= {col.minimum})")
        if col.type == "string" and col.min_length:
            parts.append(f"CHECK (length({q(col.name)}) >= {col.min_length})")
        lines.append("  " + " ".join(parts))
    if table is C.CITATIONS:
        lines.append(f"  CHECK ({q('char_end')} > {q('char_start')})")
    for col in table.foreign_keys:
        if col.references != "*":
            lines.append(f"  FOREIGN KEY ({q(col.name)}) REFERENCES {q(col.references or '')} ({q('id')})")
    strict = " STRICT" if dialect == "sqlite" else ""
    return f"CREATE TABLE {q(table.name)} (\n" + ",\n".join(lines) + f"\n){strict};"


def indexes(table: C.Table) -> list[str]:
    return [
        f"CREATE INDEX {q(f'{table.name}_{col.name}_idx')} ON {q(table.name)} ({q(col.name)});"
        for col in table.foreign_keys
    ]


_RECORD_TABLE = "CASE substr(c.record_id, 1, 3) " + " ".join(
    f"WHEN {lit(t.prefix)} THEN {lit(t.name)}" for t in C.TABLES if t is not C.CITATIONS
) + " END"

VIEWS = (
    """CREATE VIEW statements_named AS
SELECT s.*, a.name AS speaker_name, e.summary AS event_summary
FROM statements s JOIN actors a ON a.id = s.speaker_id LEFT JOIN events e ON e.id = s.event_id;""",
    """CREATE VIEW events_named AS
SELECT e.*, a.name AS actor_name, t.name AS target_name, p.summary AS parent_summary
FROM events e LEFT JOIN actors a ON a.id = e.actor_id LEFT JOIN actors t ON t.id = e.target_id
LEFT JOIN events p ON p.id = e.parent_event_id;""",
    """CREATE VIEW memberships_named AS
SELECT m.*, a.name AS member_name, o.name AS organization_name
FROM memberships m JOIN actors a ON a.id = m.member_id JOIN actors o ON o.id = m.organization_id;""",
    f"""CREATE VIEW record_citations AS
SELECT c.record_id, {_RECORD_TABLE} AS record_table, c.id AS citation_id, c.role, c.quote,
       c.source_id, s.path AS seed_path, c.line, c.char_start, c.char_end
FROM citations c JOIN sources s ON s.id = c.source_id;""",
)

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


def fts() -> list[str]:
    out = []
    for table, unindexed, indexed in FTS:
        name = q(f"{table.name}_fts")
        cols = ", ".join([*(f"{q(c)} UNINDEXED" for c in unindexed), *(q(c) for c in indexed)])
        # content="..." in double quotes: the form Datasette's detect_fts looks for.
        out.append(f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content={q(table.name)}, content_rowid='rowid');")
        out.append(f"INSERT INTO {name}({name}) VALUES ('rebuild');")
    return out
