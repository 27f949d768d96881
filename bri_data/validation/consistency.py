"""Layer 6: records agree with each other (the `consistency.*` codes that span records).

The checks are written once, here, as a post-pass over small projections of the tables
(`Projections`: event dates, the links to them, spells, `qualifies` pairs, the records
that must be used and the uses). The row engine fills the projections as rows stream
past (`Projections.collector`); the columnar engine fills them from its frames, keeping
only the rows its masks flag (and what those rows' checks need), so that both engines
report the same findings from the same function (`check`).

The rules within one row (`consistency.spell_open`, `consistency.date_citation`) are
contract rules (`Table.rules`), checked with the other rules in layer 5.

Dates compare as EDTF ranges, [first day, last day]; an open end (`..`) is unbounded.
A value that is empty, not EDTF or reversed is judged by layer 5 and skipped here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bri_data.contract import model as C
from bri_data.contract.edtf import Day, bounds
from bri_data.findings import Report

Range = tuple[Day | None, Day | None]


def date_range(value: str | None) -> Range | None:
    """The EDTF range of VALUE; None when it is empty, not EDTF or reversed."""
    b = bounds(value) if value else None
    if b is None or (b[0] is not None and b[1] is not None and b[1] < b[0]):
        return None
    return b


def inside(inner: Range, outer: Range) -> bool:
    """Whether INNER lies within OUTER; an open end is unbounded (so it lies within only an open end)."""
    lo_ok = outer[0] is None or (inner[0] is not None and inner[0] >= outer[0])
    hi_ok = outer[1] is None or (inner[1] is not None and inner[1] <= outer[1])
    return lo_ok and hi_ok


class Link(NamedTuple):
    """A dated record that points at an event: a child event or a statement."""

    line: int
    id: str | None
    date: str | None
    event: str


class Spell(NamedTuple):
    line: int
    id: str | None
    member: str | None
    organization: str | None
    status: str | None
    start: str | None
    end: str | None
    start_event: str | None
    end_event: str | None


SPELL_COLUMNS = ("member_id", "organization_id", "status", "start", "end", "start_event_id", "end_event_id")


@dataclass
class Projections:
    files: dict[str, str] = field(default_factory=lambda: {t.name: t.path for t in C.TABLES})  # as read (declared path)
    events: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # first occurrence: id -> (line, date)
    children: list[Link] = field(default_factory=list)  # events with a parent_event_id
    statements: list[Link] = field(default_factory=list)  # statements with an event_id
    spells: list[Spell] = field(default_factory=list)
    qualified: set[frozenset[str]] = field(default_factory=set)  # pairs linked by a `qualifies` relation
    # Per table with an `unused_code`: the records to judge (id -> line), and the ids used.
    # (The columnar engine passes only the records its anti-joins found unused, so no uses.)
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    # Tables not read in full (missing, malformed, ragged rows, missing columns): the
    # checks that need all of one table's rows skip it rather than guess.
    untrusted: set[str] = field(default_factory=set)

    def collector(self, table: C.Table) -> Callable[[int, str | None, dict[str, Any]], None] | None:
        """The row engine's collector for the (intact) rows of TABLE: what the checks need
        from one row; None when they need nothing from this table."""
        own: Callable[[int, str | None, dict[str, Any]], None] | None = None
        if table is C.EVENTS:
            own = self._event
        elif table is C.STATEMENTS:
            own = self._statement
        elif table is C.MEMBERSHIPS:
            own = self._spell
        elif table is C.RELATIONS:
            own = self._relation
        uses, used = USES.get(table.name, ()), self.used
        if not uses:
            return own

        def collect(line: int, rid: str | None, v: dict[str, Any]) -> None:
            if own is not None:
                own(line, rid, v)
            for col in uses:
                value = v.get(col)
                if isinstance(value, str):
                    used.add(value)

        return collect

    def _event(self, line: int, rid: str | None, v: dict[str, Any]) -> None:
        if rid is not None:
            self.events.setdefault(rid, (line, _text(v.get("date"))))
        if isinstance(v.get("parent_event_id"), str):
            self.children.append(Link(line, rid, _text(v.get("date")), v["parent_event_id"]))

    def _statement(self, line: int, rid: str | None, v: dict[str, Any]) -> None:
        if isinstance(v.get("event_id"), str):
            self.statements.append(Link(line, rid, _text(v.get("date")), v["event_id"]))

    def _spell(self, line: int, rid: str | None, v: dict[str, Any]) -> None:
        self.spells.append(Spell(line, rid, *(_text(v.get(c)) for c in SPELL_COLUMNS)))

    def _relation(self, line: int, rid: str | None, v: dict[str, Any]) -> None:
        if v.get("kind") == C.OVERLAP_REASON:
            subject, obj = v.get("subject_id"), v.get("object_id")
            if isinstance(subject, str) and isinstance(obj, str):
                self.qualified.add(frozenset((subject, obj)))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _uses() -> dict[str, tuple[str, ...]]:
    """Table -> its columns whose values count as a use of a record (see `C.users_of`)."""
    out: dict[str, list[str]] = {}
    for judged in C.TABLES:
        if judged.unused_code is not None:
            for t, c in C.users_of(judged):
                if c.name not in out.setdefault(t.name, []):
                    out[t.name].append(c.name)
    return {name: tuple(cols) for name, cols in out.items()}


USES = _uses()


def check(p: Projections, report: Report) -> None:
    """Every cross-record rule over P; findings into REPORT."""
    _contained(p, report)
    _spells(p, report)
    _unused(p, report)


def _contained(p: Projections, report: Report) -> None:
    checks = (
        (C.EVENTS, p.children, "consistency.parent_date", "event", "its parent event"),
        (C.STATEMENTS, p.statements, "consistency.statement_event_date", "statement", "its event"),
    )
    for table, links, code, what, whose in checks:
        for link in links:
            target = p.events.get(link.event)
            inner = date_range(link.date)
            outer = date_range(target[1]) if target is not None else None
            if target is None or inner is None or outer is None or inside(inner, outer):
                continue
            report.emit(
                code,
                f"{what} {link.id or '(no id)'!r} dated {link.date!r} lies outside {whose} {link.event!r} "
                f"({p.files['events']} line {target[0]}), dated {target[1]!r}; correct one of the dates or the link",
                file=p.files[table.name],
                line=link.line,
                field="date",
                record_id=link.id,
            )


def _spells(p: Projections, report: Report) -> None:
    rel = p.files["memberships"]
    for s in p.spells:
        for bound, event_id, column in ((s.start, s.start_event, "start"), (s.end, s.end_event, "end")):
            target = p.events.get(event_id) if event_id is not None else None
            mine = date_range(bound)
            theirs = date_range(target[1]) if target is not None else None
            if target is None or mine is None or theirs is None or inside(mine, theirs) or inside(theirs, mine):
                continue
            report.emit(
                "consistency.spell_event_date",
                f"spell {s.id or '(no id)'!r} has {column} {bound!r}, but its {column}_event_id {event_id!r} "
                f"({p.files['events']} line {target[0]}) is dated {target[1]!r}; neither lies inside the other",
                file=rel,
                line=s.line,
                field=column,
                record_id=s.id,
            )
    if "relations" in p.untrusted:
        return  # a qualifying relation may be among the unread rows
    groups: dict[tuple[str, str], list[Spell]] = {}
    for s in p.spells:
        if s.member is not None and s.organization is not None:
            groups.setdefault((s.member, s.organization), []).append(s)
    for group in groups.values():
        group.sort(key=lambda s: s.line)
        for j, later in enumerate(group):
            for earlier in group[:j]:
                if _overlap(earlier, later) and frozenset((earlier.id, later.id)) not in p.qualified:
                    report.emit(
                        "consistency.spell_overlap",
                        f"spell {later.id or '(no id)'!r} ({_span(later)}) overlaps spell {earlier.id or '(no id)'!r} "
                        f"(line {earlier.line}, {_span(earlier)}) of the same member {later.member!r} and organization "
                        f"{later.organization!r}; correct the dates, or record why both hold: a relations row of kind "
                        f"{C.OVERLAP_REASON!r} linking the two spells",
                        file=rel,
                        line=later.line,
                        field="start",
                        record_id=later.id,
                    )


def _extent(s: Spell) -> tuple[Day | None, Day | None] | None:
    """The days a spell surely covers: from its start's last day to its end's first day
    (None: unbounded); None when a given start or end is not a valid date."""
    start, end = date_range(s.start), date_range(s.end)
    if (s.start is not None and start is None) or (s.end is not None and end is None):
        return None
    if (start is not None and start[1] is None) or (end is not None and end[0] is None):
        return None  # a start open towards the future (`2024-10/..`), or an end open towards the past: no day is sure
    return (start[1] if start else None), (end[0] if end else None)


def _overlap(a: Spell, b: Spell) -> bool:
    """Whether A and B surely share a day: each starts before the other ends (a hand-over
    within one imprecise date, `... 2023-07` then `2023-07 ...`, is not an overlap)."""
    x, y = _extent(a), _extent(b)
    if x is None or y is None:
        return False
    return (x[0] is None or y[1] is None or x[0] < y[1]) and (y[0] is None or x[1] is None or y[0] < x[1])


def _span(s: Spell) -> str:
    return f"{s.status} from {s.start or 'an unknown start'} to {s.end or 'open'}"


def _unused(p: Projections, report: Report) -> None:
    for table in C.TABLES:
        if table.unused_code is None:
            continue
        users = C.users_of(table)
        if any(t.name in p.untrusted for t, _ in users):
            continue  # a use may be among the unread rows
        kinds = list(dict.fromkeys(t.noun for t, _ in users))
        for rid, line in p.records.get(table.name, {}).items():
            if rid not in p.used:
                report.emit(
                    table.unused_code,
                    f"{table.noun} {rid!r} is referenced by no {', '.join(kinds[:-1])} or {kinds[-1]}; "
                    "link it where the seeds say what it does or what happens to it, or remove it",
                    file=p.files[table.name],
                    line=line,
                    field="id",
                    record_id=rid,
                )
