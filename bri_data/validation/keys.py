"""Layer 3: primary keys unique (per table and across the package), foreign keys resolve.

Tables are checked in contract order, so every reference points backwards to a table
already indexed, except self-references (events.parent_event_id), which wait for the end
of their table. The index holds ids and their line numbers only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bri_data.contract import model as C
from bri_data.findings import Report


@dataclass
class _Ref:
    rel: str
    line: int
    col: C.Column
    record_id: str | None
    value: str
    table: str  # the referencing table


@dataclass
class KeyIndex:
    report: Report
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: {t.name: {} for t in C.TABLES})
    owner: dict[str, str] = field(default_factory=dict)  # id -> table
    # Tables that could not be read in full: references into them are not judged.
    partial: set[str] = field(default_factory=set)
    _pending: list[_Ref] = field(default_factory=list)

    def adder(self, table: str, rel: str) -> Callable[[int, str], None]:
        """`add(line, id)` for the rows of TABLE, read from REL in order (the row engine's
        per-row call; what it needs is looked up once per table)."""
        seen, owner, report = self.ids[table], self.owner, self.report

        def add(line: int, rid: str) -> None:
            if rid in seen:
                duplicate(report, rel, line, rid, seen[rid])
                return
            other = owner.get(rid)
            if other is None:
                owner[rid] = table
            elif other != table:
                duplicate_global(report, rel, line, rid, other, self.ids[other][rid])
            seen[rid] = line

        return add

    def referrer(self, table: C.Table, rel: str) -> Callable[[int, str | None, dict[str, Any]], None]:
        """`refs(line, id, values)`: every foreign key of one row of TABLE. The common case,
        a reference that resolves, costs one lookup and no object."""
        plan: list[tuple[str, C.Column, dict[str, int] | None, frozenset[str]]] = []
        for col in table.foreign_keys:
            target = col.references
            if target is not None:  # "*": by the owner's table; the own table: at its end
                ids = self.ids[target] if target not in ("*", table.name) else None
                plan.append((col.name, col, ids, frozenset(col.targets) if target == "*" else frozenset()))
        owner, pending, name = self.owner, self._pending, table.name

        def refs(line: int, rid: str | None, values: dict[str, Any]) -> None:
            for column, col, ids, targets in plan:
                value = values.get(column)
                if not isinstance(value, str):
                    continue
                if ids is not None:
                    if value in ids:
                        continue
                elif targets:
                    if owner.get(value) in targets:
                        continue
                else:  # a self-reference waits for the end of its table
                    pending.append(_Ref(rel, line, col, rid, value, name))
                    continue
                self._judge(_Ref(rel, line, col, rid, value, name))

        return refs

    def _judge(self, r: _Ref) -> None:
        owner = self.owner.get(r.value)
        # The hint names another table only: of its own table the row engine knows just the
        # rows read so far, the columnar engine all of them.
        owner = None if owner == r.table else owner
        target = r.col.references or ""
        if target == "*":  # its target tables all come earlier in the contract's order
            if owner in r.col.targets or self.partial & set(r.col.targets):
                return
        elif r.value in self.ids[target] or target in self.partial:
            return
        dangling(self.report, r.rel, r.line, r.col, r.record_id, r.value, owner)

    def finish_table(self) -> None:
        for r in self._pending:
            self._judge(r)
        by_field: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
        for r in self._pending:
            if r.record_id:
                by_field.setdefault((r.rel, r.col.name), []).append((r.record_id, r.line, r.value))
        for (rel, name), edges in by_field.items():
            cycles(self.report, rel, name, edges)
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


def dangling(report: Report, rel: str, line: int, col: C.Column, rid: str | None, value: str, owner: str | None) -> None:
    if col.references == "*":
        # No owner here: the row engine knows only the rows read so far, the columnar engine all.
        kinds = [C.TABLES_BY_NAME[t].noun for t in col.targets]
        msg = f"{col.name} {value!r} is not the id of any {', '.join(kinds[:-1])} or {kinds[-1]}"
    else:
        msg = f"{col.name} {value!r} does not exist in the {col.references} table"
        if owner:
            msg += f" (it is a {owner} id)"
    report.emit("key.foreign", msg, file=rel, line=line, field=col.name, record_id=rid)


def cycles(report: Report, rel: str, field: str, edges: list[tuple[str, int, str]]) -> None:
    """Report every cycle of a self-reference (EDGES: (id, line, referenced id) in file
    order; an id's first row counts). Each node has one parent, so one walk per node,
    marking what it passed, finds them all in linear time. A record pointing at itself is
    semantic.self_reference, not repeated here."""
    parent: dict[str, str] = {}
    line: dict[str, int] = {}
    for rid, ln, target in edges:
        if rid not in parent:
            parent[rid], line[rid] = target, ln
    state: dict[str, int] = {}  # 1: on the current walk, 2: finished
    for start in parent:
        walk: list[str] = []
        node = start
        while node in parent and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if state.get(node) == 1:
            ring = walk[walk.index(node) :]
            if len(ring) > 1:
                first = min(range(len(ring)), key=lambda i: line[ring[i]])
                ring = ring[first:] + ring[:first]
                shown = " -> ".join(repr(r) for r in ring[:8]) + (" -> …" if len(ring) > 8 else f" -> {ring[0]!r}")
                report.emit(
                    "key.cycle",
                    f"{field} forms a cycle of {len(ring)} records: {shown}; a record cannot be its own ancestor",
                    file=rel,
                    line=line[ring[0]],
                    field=field,
                    record_id=ring[0],
                )
        for n in walk:
            state[n] = 2
