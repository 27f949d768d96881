"""Cross-column rules are declared once (contract `Table.rules`) and read everywhere:
the exact check and the polars mask agree (the mask never misses a broken row), SQL
CHECKs reject what the rule rejects, and the data dictionary lists every rule."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bri_data.contract import model as C
from bri_data.contract.edtf import bounds
from bri_data.exports.ddl import create_table, rule_check
from bri_data.validation import rules

pl = pytest.importorskip("polars")

POOL = [None, "evt-a", "evt-b", "act-x", "2024", "2024-10", "2024-10-23/2024-10-24", "2023-07", "2015", "../2024-10-31", "2024-10-23/..", "not-a-date", "2024-13",
        "not_given", "stated", "date", "evidence", "a week prior", "in July", "it may", "Yauheni Preiherman"]
RULED = [t for t in C.TABLES if t.rules]


def _day(d: tuple[int, int, int] | None) -> int | None:
    return None if d is None else d[0] * 10000 + d[1] * 100 + d[2]


@pytest.mark.parametrize("table", RULED, ids=lambda t: t.name)
def test_mask_flags_every_row_the_exact_check_fails(table: C.Table) -> None:
    rng = random.Random(table.name)
    cols = sorted({c for r in table.rules for c in (r.first, r.second)})
    rows = [{c: rng.choice(POOL) for c in cols} for _ in range(3000)]
    frame = pl.DataFrame(rows, schema={c: pl.String for c in cols})
    for rule in table.rules:
        lows, highs = {}, {}
        for c in (rule.first, rule.second):
            parsed = {v: bounds(v) for v in POOL if v is not None}
            ok = {v: b for v, b in parsed.items() if b is not None}
            lows[c] = pl.col(c).replace_strict(list(ok), [_day(b[0]) for b in ok.values()], default=None, return_dtype=pl.Int64)
            highs[c] = pl.col(c).replace_strict(list(ok), [_day(b[1]) for b in ok.values()], default=None, return_dtype=pl.Int64)
        flagged = frame.select(rules.mask(pl, rule, lows, highs).alias("m")).get_column("m").to_list()
        exact_fails = 0
        for row, hit in zip(rows, flagged, strict=True):
            spans = {c: b for c in (rule.first, rule.second) if isinstance(row[c], str) and (b := bounds(row[c])) is not None}
            if rules.broken(rule, row, spans) is not None:
                exact_fails += 1
                assert hit, f"{table.name} {rule.kind}: the mask misses {row}"
        assert exact_fails > 0, f"no random row broke {rule.kind}; the test would prove nothing"


@pytest.mark.parametrize("table", RULED, ids=lambda t: t.name)
def test_sql_checks_reject_what_the_rule_rejects(table: C.Table) -> None:
    con = sqlite3.connect(":memory:")
    for t in C.TABLES:
        con.execute(create_table(t, "sqlite").replace(" STRICT", ""))  # no FK enforcement needed here
    for rule in table.rules:
        if rule_check(rule) is None:
            continue
        row = {c.name: None for c in table.columns}
        row.update({c.name: "x" for c in table.columns if c.required and c.type == "string"})
        row["id"] = f"{table.prefix}-a"
        for c in table.columns:
            if c.vocabulary and c.required:
                row[c.name] = c.vocabulary[0].value
        if rule.kind == "marks_empty":
            row[rule.first], row[rule.second] = "2024", rule.value
        elif rule.kind == "requires":
            row[rule.first], row[rule.second] = "evt-a", None
        else:
            row[rule.first] = row[rule.second] = f"{table.prefix}-a"
        cols = ", ".join(f'"{k}"' for k in row)
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute(f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(row))})', list(row.values()))


def test_the_data_dictionary_lists_every_rule() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "tables.md").read_text(encoding="utf-8")
    for table in C.TABLES:
        for rule in table.rules:
            assert f"`{rule.kind}` ({rule.first}, {rule.second}), finding `{rule.code}`" in text


def test_one_prefix_per_table() -> None:
    assert list(C.PREFIXES) == [t.name for t in C.TABLES]
    assert len(set(C.PREFIXES.values())) == len(C.PREFIXES)


def test_marks_empty_requires_and_dates_decide_as_declared() -> None:
    date_rule, = (r for r in C.EVENTS.rules if r.kind == "marks_empty")
    assert rules.broken(date_rule, {"date": None, "date_basis": "not_given"}, {}) is None
    assert rules.broken(date_rule, {"date": "2024", "date_basis": "stated"}, {}) is None
    assert "not_given" in (rules.broken(date_rule, {"date": "2024", "date_basis": "not_given"}, {}) or "")
    assert "no date" in (rules.broken(date_rule, {"date": None, "date_basis": "stated"}, {}) or "")
    assert rules.broken(date_rule, {"date": "2024", "date_basis": None}, {}) is None  # row.required reports it
    open_rule, = (r for r in C.MEMBERSHIPS.rules if r.kind == "requires")
    assert rules.broken(open_rule, {"end_event_id": "evt-a", "end": None}, {}) is not None
    assert rules.broken(open_rule, {"end_event_id": None, "end": None}, {}) is None
    cite_rule, = (r for r in C.CITATIONS.rules if r.kind == "dates")
    for quote in ("On 23 and 24 October", "in 2015", "a week prior", "After the summit", "in July", "Nearly a decade later, during"):
        assert rules.broken(cite_rule, {"role": "date", "quote": quote}, {}) is None, quote
    for quote in ("Yauheni Preiherman", "it may rain", "a summitry", "priority"):
        assert rules.broken(cite_rule, {"role": "date", "quote": quote}, {}) is not None, quote
    assert rules.broken(cite_rule, {"role": "evidence", "quote": "Yauheni Preiherman"}, {}) is None


def test_the_data_dictionary_lists_relations_and_the_rules_across_records() -> None:
    from bri_data.findings import CODES

    text = (Path(__file__).resolve().parent.parent / "docs" / "tables.md").read_text(encoding="utf-8")
    assert "## `relations` (data/relations.csv)" in text
    for term in C.RELATION_KINDS:
        assert f"- `{term.value}`: {term.definition}" in text
    across = text.split("## Rules across records", 1)[1]
    for code, (layer, meaning) in CODES.items():
        if layer == "consistency":
            assert f"| `{code}` | {meaning} |" in across
    assert "Every record is used (finding `consistency.actor_unused`): referenced by `events.actor_id`" in text
    for word in C.TEMPORAL_WORDS:
        assert word in text
