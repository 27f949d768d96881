"""Layer 3: primary keys unique (per table and across the package), foreign keys resolve.

Tables are checked in contract order, so every reference points backwards to a table
already indexed, except self-references (events.parent_event_id), which wait for the end
of their table. The index holds ids and their line numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bri_data.contract import model as C
from bri_data.findings import Report


@dataclass
class _Ref:
    rel: str
    line: int
    field: str
    record_id: str | None
    value: str
    target: str


@dataclass
class KeyIndex:
    report: Report
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: {t.name: {} for t in C.TABLES})
    owner: dict[str, str] = field(default_factory=dict)  # id -> table
    # Tables that could not be read in full: references into them are not judged.
    partial: set[str] = field(default_factory=set)
    _pending: list[_Ref] = field(default_factory=list)

    def add(self, table: str, rel: str, line: int, rid: str | None) -> None:
        if not rid:
            return
        seen = self.ids[table]
        if rid in seen:
            duplicate(self.report, rel, line, rid, seen[rid])
            return
        other = self.owner.get(rid)
        if other is not None and other != table:
            duplicate_global(self.report, rel, line, rid, other, self.ids[other][rid])
        seen[rid] = line
        self.owner.setdefault(rid, table)

    def ref(self, table: C.Table, rel: str, line: int, rid: str | None, col: C.Column, value: object) -> None:
        target = col.references
        if not isinstance(value, str) or target is None:
            return
        if target == table.name:  # a self-reference waits for the end of its table
            self._pending.append(_Ref(rel, line, col.name, rid, value, target))
        elif not self._resolves(value, target):  # no object per reference on the common path
            dangling(self.report, rel, line, col.name, rid, value, target, self.owner.get(value))

    def _resolves(self, value: str, target: str) -> bool:
        if target == "*":
            owner = self.owner.get(value)
            return (owner is not None and owner != "citations") or bool(self.partial and self.partial - {"citations"})
        return value in self.ids[target] or target in self.partial

    def _judge(self, r: _Ref) -> None:
        if not self._resolves(r.value, r.target):
            dangling(self.report, r.rel, r.line, r.field, r.record_id, r.value, r.target, self.owner.get(r.value))

    def finish_table(self) -> None:
        for r in self._pending:
            self._judge(r)
        self._pending.clear()


# Message makers, shared with the columnar engine so both word findings identically.


def duplicate(report: Report, rel: str, line: int, rid: str, first_line: int) -> None:
    report.emit(
        "key.duplicate",
        f"id {rid!r} is already used on line {first_line} of this table; ids are never reused",
        file=rel,
        line=line,
        field="id",
        record_id=rid,
    )


def duplicate_global(report: Report, rel: str, line: int, rid: str, other: str, other_line: int) -> None:
    report.emit(
        "key.duplicate_global",
        f"id {rid!r} is already used in the {other} table (line {other_line}); ids are unique across the package",
        file=rel,
        line=line,
        field="id",
        record_id=rid,
    )


def dangling(
    report: Report, rel: str, line: int, field: str, rid: str | None, value: str, target: str, owner: str | None
) -> None:
    if target == "*":
        msg = f"{field} {value!r} is not the id of any source, actor, event, statement or membership"
    else:
        msg = f"{field} {value!r} does not exist in the {target} table"
        if owner:
            msg += f" (it is a {owner} id)"
    report.emit("key.foreign", msg, file=rel, line=line, field=field, record_id=rid)
