"""Layer 6, the rules across records: how dates, spells and uses are judged, on small
hand-made projections (the fixtures in fixtures/invalid/consistency-* run both engines)."""

from __future__ import annotations

from pathlib import Path

from bri_data.contract import model as C
from bri_data.findings import Report
from bri_data.validation import consistency
from bri_data.validation.consistency import Link, Projections, Spell, date_range, inside
from bri_data.validation.run import validate
from fixturekit import copy_package


def _check(p: Projections) -> list[tuple[str, int | None, str | None]]:
    report = Report("test")
    consistency.check(p, report)
    return [(f.code, f.line, f.record_id) for f in report.sorted_findings()]


def _range(value: str) -> tuple[object, object]:
    r = date_range(value)
    assert r is not None, value
    return r


def test_inside_treats_an_open_end_as_unbounded() -> None:
    summit = _range("2024-10-23/2024-10-24")
    assert inside(_range("2024-10-23"), summit) and inside(summit, summit)
    assert not inside(_range("2024-10"), summit) and inside(summit, _range("2024-10"))
    before_publication = _range("../2024-10-31")
    assert inside(summit, before_publication) and not inside(before_publication, summit)
    assert inside(before_publication, _range("../2025")) and not inside(_range("2024-10-23/.."), _range("2024"))
    assert date_range("2024-10-24/2024-10-23") is None and date_range("yesterday") is None and date_range(None) is None


def _events() -> dict[str, tuple[int, str | None]]:
    return {"evt-summit": (2, "2024-10-23/2024-10-24"), "evt-undated": (3, None), "evt-before": (4, "../2024-10-31")}


def test_children_and_statements_lie_within_their_events() -> None:
    p = Projections(events=_events())
    p.children = [
        Link(10, "evt-in", "2024-10-23", "evt-summit"),
        Link(11, "evt-out", "2015", "evt-summit"),
        Link(12, "evt-open", "../2024-10-23", "evt-summit"),  # open start: not inside a closed range
        Link(13, "evt-any", "2015", "evt-undated"),  # the parent has no date: nothing to compare
        Link(14, "evt-bounded", "2024-10", "evt-before"),
        Link(15, "evt-bad", "2024-13", "evt-summit"),  # not EDTF: layer 5 reports it
        Link(16, "evt-lost", "2015", "evt-nowhere"),  # a dangling parent: the keys layer reports it
    ]
    p.statements = [Link(20, "stm-in", "2024-10-24", "evt-summit"), Link(21, "stm-out", "2024-11", "evt-summit")]
    assert _check(p) == [
        ("consistency.parent_date", 11, "evt-out"),
        ("consistency.parent_date", 12, "evt-open"),
        ("consistency.statement_event_date", 21, "stm-out"),
    ]


def _spell(line: int, rid: str, start: str | None, end: str | None, start_event: str | None = None, end_event: str | None = None,
           member: str = "act-a") -> Spell:
    return Spell(line, rid, member, "act-org", "partner", start, end, start_event, end_event)


def test_spell_bounds_agree_with_their_events_in_either_direction() -> None:
    p = Projections(events=_events())
    p.spells = [
        _spell(2, "mem-month", "2024-10", None, start_event="evt-summit"),  # the event inside the spell's start
        _spell(3, "mem-day", "2024-10-23", None, start_event="evt-summit", member="act-b"),  # the start inside the event
        _spell(4, "mem-off", "2023-07", "2024-09", start_event="evt-summit", end_event="evt-summit", member="act-c"),
    ]
    assert _check(p) == [("consistency.spell_event_date", 4, "mem-off"), ("consistency.spell_event_date", 4, "mem-off")]


def test_spells_overlap_unless_qualified_and_a_hand_over_is_no_overlap() -> None:
    spells = [
        _spell(2, "mem-interested", None, "2023-07"),
        _spell(3, "mem-applicant", "2023-07", None),  # takes over within July 2023: no overlap
        _spell(4, "mem-partner", "2024-10", None),  # overlaps the open applicant spell
        _spell(5, "mem-other-member", "2024-10", None, member="act-b"),
        _spell(6, "mem-bad-date", "2024-13", None),  # not EDTF: not judged
    ]
    assert _check(Projections(spells=spells)) == [("consistency.spell_overlap", 4, "mem-partner")]
    qualified = Projections(spells=spells, qualified={frozenset(("mem-applicant", "mem-partner"))})
    assert _check(qualified) == []
    unread = Projections(spells=spells, untrusted={"relations"})  # a qualifying row may be unread
    assert _check(unread) == []
    unknown_start = [_spell(2, "mem-x", None, None), _spell(3, "mem-y", "2015", "2016")]
    assert _check(Projections(spells=unknown_start)) == [("consistency.spell_overlap", 3, "mem-y")]


def test_every_actor_is_used_unless_a_using_table_was_not_read_in_full() -> None:
    p = Projections(records={"actors": {"act-used": 2, "act-idle": 3}}, used={"act-used", "evt-x"})
    assert _check(p) == [("consistency.actor_unused", 3, "act-idle")]
    for table, _ in C.users_of(C.ACTORS):
        p.untrusted = {table.name}
        assert _check(p) == [], table.name


def test_uses_are_the_foreign_keys_that_may_point_at_an_actor_and_come_after_it() -> None:
    assert consistency.USES == {
        "events": ("actor_id", "target_id", "location_id"),
        "statements": ("speaker_id",),
        "memberships": ("member_id", "organization_id"),
        "relations": ("subject_id", "object_id"),
    }
    order = [t.name for t in C.TABLES]
    for table in C.TABLES:
        if table.unused_code is not None:  # the columnar engine strikes uses off as tables arrive
            assert all(order.index(t.name) > order.index(table.name) for t, _ in C.users_of(table))


def test_a_malformed_table_is_not_read_as_a_lack_of_uses(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    events = pkg / "data" / "events.csv"
    lines = events.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3] + ',"unterminated'
    events.write_text("\n".join(lines), encoding="utf-8")
    report = validate(pkg, engine="rows")
    assert "csv.malformed" in report.counts or "csv.ragged_row" in report.counts, report.counts
    assert "consistency.actor_unused" not in report.counts
