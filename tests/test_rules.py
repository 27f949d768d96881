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
from bri_data.export.ddl import create_table, rule_check
from bri_data.validate import rules

pl = pytest.importorskip("polars")

POOL = [None, "evt-a", "evt-b", "act-x", "2024", "2024-10", "2024-10-23/2024-10-24", "2023-07", "2015", "../2024-10-31", "2024-10-23/..", "not-a-date", "2024-13"]
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
        if rule.kind == "paired":
            row[rule.first], row[rule.second] = "2024", None
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
