"""The joined views, defined once: the SQL views of the exports (`exports/ddl.py`), the
pandas and polars frames (`dataset/frames.py`) and the Datasette metadata derive from here.

A view is its base table's rows, each with columns read from the row itself, from the
record one of its foreign keys points at, the name of the table a record id belongs to,
or the label of the record an id names (its table's `label` column: an actor's name, an
event's summary, a statement's text...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bri_data.contract import model as C


@dataclass(frozen=True)
class ViewColumn:
    name: str
    of: str  # a column of the base table, or (with `via`) of the record `via` points at
    description: str = ""  # empty: the description of the column it reads
    via: str | None = None  # a foreign-key column of the base table
    table_of: bool = False  # the name of the table the record id in `of` belongs to
    label_of: bool = False  # the label (`Table.label`) of the record the id in `of` names


@dataclass(frozen=True)
class View:
    name: str
    base: C.Table
    description: str
    key: str  # the column that identifies a row (unique)
    columns: tuple[ViewColumn, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _all(table: C.Table) -> tuple[ViewColumn, ...]:
    return tuple(ViewColumn(c.name, c.name) for c in table.columns)


RECORD_TABLES = tuple(t for t in C.TABLES if t is not C.CITATIONS)

VIEWS: tuple[View, ...] = (
    View(
        "statements_named",
        C.STATEMENTS,
        "Statements with the speaker's name and the summary of the event they were made at.",
        "id",
        (
            *_all(C.STATEMENTS),
            ViewColumn("speaker_name", "name", "Name of the speaker (actors.name of speaker_id).", via="speaker_id"),
            ViewColumn("event_summary", "summary", "Summary of the event (events.summary of event_id).", via="event_id"),
        ),
    ),
    View(
        "events_named",
        C.EVENTS,
        "Events with the names of their actor and target and the summary of their parent event.",
        "id",
        (
            *_all(C.EVENTS),
            ViewColumn("actor_name", "name", "Name of the actor (actors.name of actor_id).", via="actor_id"),
            ViewColumn("target_name", "name", "Name of the target (actors.name of target_id).", via="target_id"),
            ViewColumn("parent_summary", "summary", "Summary of the parent event (events.summary of parent_event_id).", via="parent_event_id"),
        ),
    ),
    View(
        "memberships_named",
        C.MEMBERSHIPS,
        "Membership spells with the names of the member and the organization.",
        "id",
        (
            *_all(C.MEMBERSHIPS),
            ViewColumn("member_name", "name", "Name of the member (actors.name of member_id).", via="member_id"),
            ViewColumn("organization_name", "name", "Name of the organization (actors.name of organization_id).", via="organization_id"),
        ),
    ),
    View(
        "relations_named",
        C.RELATIONS,
        "Relations with the table and a label (name, summary, text...) of each record they link.",
        "id",
        (
            *_all(C.RELATIONS),
            ViewColumn("subject_table", "subject_id", "The table the subject belongs to.", table_of=True),
            ViewColumn("subject_label", "subject_id", "The subject's label: an actor's name, an event's summary, a statement's text, a source's path or a spell's status.", label_of=True),
            ViewColumn("object_table", "object_id", "The table the object belongs to.", table_of=True),
            ViewColumn("object_label", "object_id", "The object's label: an actor's name, an event's summary, a statement's text, a source's path or a spell's status.", label_of=True),
        ),
    ),
    View(
        "record_citations",
        C.CITATIONS,
        "Every record's citations: the quote, the seed it is in and where.",
        "citation_id",
        (
            ViewColumn("record_id", "record_id"),
            ViewColumn("record_table", "record_id", "The table the record belongs to.", table_of=True),
            ViewColumn("citation_id", "id", "Id of the citation."),
            ViewColumn("role", "role"),
            ViewColumn("quote", "quote"),
            ViewColumn("source_id", "source_id"),
            ViewColumn("seed_path", "path", "Path of the seed inside the package (sources.path of source_id).", via="source_id"),
            ViewColumn("line", "line"),
            ViewColumn("char_start", "char_start"),
            ViewColumn("char_end", "char_end"),
        ),
    ),
)
VIEWS_BY_NAME: dict[str, View] = {v.name: v for v in VIEWS}

_TABLE_NAMES = tuple(C.Term(t.name, t.description) for t in RECORD_TABLES)


def label_of(record_id: str, tables: tuple[str, ...]) -> tuple[C.Table, str] | None:
    """The table of RECORD_ID (one of TABLES, by its prefix) and its label column."""
    table = C.TABLES_BY_PREFIX.get(record_id.split("-", 1)[0])
    return (table, table.label) if table is not None and table.name in tables else None


def via_table(view: View, fk: str) -> C.Table:
    """The table the base table's foreign-key column FK points at."""
    return C.TABLES_BY_NAME[view.base.column(fk).references or ""]


def target_table(view: View, col: ViewColumn) -> C.Table:
    """The table COL reads from: the base table, or the one its `via` column points at."""
    return view.base if col.via is None else via_table(view, col.via)


def as_column(view: View, col: ViewColumn) -> C.Column:
    """COL as a contract Column (type, vocabulary, EDTF check), so frames type it as its source."""
    if col.table_of:
        return C.Column(col.name, "string", col.description, required=True, vocabulary=_TABLE_NAMES)
    if col.label_of:
        return C.Column(col.name, "string", col.description, required=True)
    source = target_table(view, col).column(col.of)
    required = source.required and (col.via is None or view.base.column(col.via).required)
    return replace(source, name=col.name, description=col.description or source.description, required=required, references=None)
