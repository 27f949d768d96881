"""`show` and `info`: one record with its links and cited context; the package at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.dataset.records import Dataset, load


@dataclass(frozen=True)
class Context:
    citation_id: str
    role: str
    source_id: str
    seed_path: str
    line: int
    char_start: int
    char_end: int
    before: str
    quote: str
    after: str


@dataclass(frozen=True)
class Related:
    """A relation of the shown record: `this KIND other` (direction "to") or `other KIND
    this` (direction "from")."""

    relation_id: str
    kind: str
    direction: str
    other_id: str
    other_table: str
    other_label: str
    note: str


@dataclass(frozen=True)
class RecordView:
    table: str
    record: dict[str, Any]
    links: dict[str, dict[str, Any]]  # column -> linked record
    labels: dict[str, str]  # column -> label of the linked record (name, summary, text...)
    referrers: list[dict[str, Any]]  # {"table", "column", "id"} of records pointing here, relations aside
    relations: list[Related]  # relations to and from this record
    citations: list[Context]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "record": self.record,
            "links": self.links,
            "labels": self.labels,
            "referrers": self.referrers,
            "relations": [r.__dict__ for r in self.relations],
            "citations": [c.__dict__ for c in self.citations],
        }


def view(dataset: Dataset, record_id: str) -> RecordView:
    rec = dataset[record_id]
    contexts = [
        Context(
            s.citation.id,
            s.citation.role,
            s.seed.source_id,
            s.seed.path,
            s.citation.line,
            s.citation.char_start,
            s.citation.char_end,
            s.before,
            s.citation.quote,
            s.after,
        )
        for s in dataset.cited_spans(record_id)
    ]
    related = []
    for r in dataset.relations_of(record_id):
        outgoing = r.subject_id == record_id
        other = r.object_id if outgoing else r.subject_id
        related.append(Related(r.id, r.kind, "to" if outgoing else "from", other, dataset.table_of(other), dataset.label(other), r.note))
    links = dataset.links(record_id)
    return RecordView(
        dataset.table_of(record_id),
        rec.model_dump(),
        {col: r.model_dump() for col, r in links.items()},
        {col: dataset.label(r.id) for col, r in links.items()},
        [{"table": t, "column": c, "id": r.id} for t, c, r in dataset.referrers(record_id) if t != C.RELATIONS.name],
        related,
        contexts,
    )


def show(record_id: str, path: str | Path | None = None) -> RecordView:
    """The record, the records it links to and points from, its relations to and from
    other records, and its citations in context."""
    return view(load(path), record_id)


@dataclass(frozen=True)
class PackageInfo:
    name: str
    version: str
    root: str
    tables: dict[str, int]
    sources: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def info(path: str | Path | None = None) -> PackageInfo:
    ds = load(path)
    return PackageInfo(
        C.PACKAGE_NAME,
        C.VERSION,
        str(ds.root),
        {t.name: len(ds.tables[t.name]) for t in C.TABLES},
        [s.model_dump() for s in ds.tables["sources"]],
    )
