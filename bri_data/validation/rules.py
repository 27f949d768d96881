"""The contract's cross-column rules (`Table.rules`): each kind's exact check beside its
column mask, so that a rule and its fast path change in one diff.

The exact check decides; the mask (polars, for the columnar engine) must flag every row
the exact check fails (tests/test_rules.py checks this on random rows), and no other:
past the findings cap the columnar engine counts findings from its masks. Only the
`dates` mask over-flags (every row with the value); the columnar engine narrows it by
the words of each distinct text (tests/test_columnar.py checks the counts are exact).
"""

from __future__ import annotations

from typing import Any

from bri_data.contract import model as C
from bri_data.contract.edtf import Day
from bri_data.findings import short

Spans = dict[str, tuple[Day | None, Day | None]]


def broken(rule: C.Rule, values: dict[str, Any], spans: Spans) -> str | None:
    """The exact check: None when VALUES keep RULE, else the `{detail}` for its message.

    SPANS holds the parsed bounds of the row's valid EDTF columns.
    """
    a, b = values.get(rule.first), values.get(rule.second)
    if rule.kind == "marks_empty":
        if b is None or (a is None) == (b == rule.value):
            return None  # an empty SECOND is row.required's finding
        if a is None:
            return f"no {rule.first} but {rule.second} {b!r}; give the {rule.first}, or {rule.second} {rule.value!r} if the seeds give none"
        return f"a {rule.first} but {rule.second} {rule.value!r}; empty the {rule.first} or say on what it rests"
    if rule.kind == "requires":
        return "missing" if a is not None and b is None else None
    if rule.kind == "ordered":
        start, end = spans.get(rule.first, (None, None))[0], spans.get(rule.second, (None, None))[1]
        return "order" if start is not None and end is not None and end < start else None
    if rule.kind == "distinct":
        return "same" if a is not None and a == b else None
    if rule.kind == "dates":
        return "undated" if a == rule.value and isinstance(b, str) and not C.states_a_date(b) else None
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def mask(pl: Any, rule: C.Rule, lows: dict[str, Any], highs: dict[str, Any]) -> Any:
    """The fast path of `broken`: a polars expression true for every row it could fail on.

    LOWS/HIGHS map an EDTF column to an expression of its first/last day as an integer
    (yyyymmdd; null where the value is empty or invalid).
    """
    a, b = pl.col(rule.first), pl.col(rule.second)
    if rule.kind == "marks_empty":
        return (b.is_not_null() & (a.is_null() != (b == rule.value))).fill_null(False)
    if rule.kind == "requires":
        return a.is_not_null() & b.is_null()
    if rule.kind == "ordered":
        return (highs[rule.second] < lows[rule.first]).fill_null(False)
    if rule.kind == "distinct":
        return (a == b).fill_null(False)
    if rule.kind == "dates":
        # Every row with the value: few rows, and no second regex dialect to keep in step.
        return (a == rule.value).fill_null(False)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def message(rule: C.Rule, table: C.Table, values: dict[str, Any], detail: str) -> str:
    return rule.message.format(
        table=table.name,
        first=rule.first,
        second=rule.second,
        first_value=values.get(rule.first),
        second_value=short(values.get(rule.second)) if rule.kind == "dates" else values.get(rule.second),
        value=rule.value,
        detail=detail,
    )
