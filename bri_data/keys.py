"""Layer 3: primary keys unique (per table and across the package), foreign keys resolve.

Tables are checked in contract order, so every reference points backwards to a table
already indexed, except self-references (events.parent_event_id), which wait for the end
of their table. The index holds ids and their line numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bri_data import contract as C
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
            self.report.emit(
                "key.duplicate",
                f"id {rid!r} is already used on line {seen[rid]} of this table; ids are never reused",
                file=rel,
                line=line,
                field="id",
                record_id=rid,
            )
            return
        other = self.owner.get(rid)
        if other is not None and other != table:
            self.report.emit(
                "key.duplicate_global",
                f"id {rid!r} is already used in the {other} table (line {self.ids[other][rid]}); ids are unique across the package",
                file=rel,
                line=line,
                field="id",
                record_id=rid,
            )
        seen[rid] = line
        self.owner.setdefault(rid, table)

    def ref(self, table: C.Table, rel: str, line: int, rid: str | None, col: C.Column, value: object) -> None:
        if not isinstance(value, str) or col.references is None:
            return
        r = _Ref(rel, line, col.name, rid, value, col.references)
        if col.references == table.name:
            self._pending.append(r)
        else:
            self._judge(r)

    def _judge(self, r: _Ref) -> None:
        if r.target == "*":
            owner = self.owner.get(r.value)
            if owner is not None and owner != "citations":
                return
            if self.partial - {"citations"}:
                return
            msg = f"{r.field} {r.value!r} is not the id of any source, actor, event, statement or membership"
        else:
            if r.value in self.ids[r.target] or r.target in self.partial:
                return
            msg = f"{r.field} {r.value!r} does not exist in the {r.target} table"
            owner = self.owner.get(r.value)
            if owner:
                msg += f" (it is a {owner} id)"
        self.report.emit("key.foreign", msg, file=r.rel, line=r.line, field=r.field, record_id=r.record_id)

    def finish_table(self) -> None:
        for r in self._pending:
            self._judge(r)
        self._pending.clear()
