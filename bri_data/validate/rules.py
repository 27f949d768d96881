"""The contract's cross-column rules (`Table.rules`): each kind's exact check beside its
column mask, so that a rule and its fast path change in one diff.

The exact check decides; the mask (polars, for the columnar engine) may over-flag a row
but must flag every row the exact check fails (tests/test_rules.py checks this on
random rows).
"""

from __future__ import annotations

from typing import Any

from bri_data.contract import model as C
from bri_data.contract.edtf import Day

Spans = dict[str, tuple[Day | None, Day | None]]


def broken(rule: C.Rule, values: dict[str, Any], spans: Spans) -> str | None:
    """The exact check: None when VALUES keep RULE, else the `{detail}` for its message.

    SPANS holds the parsed bounds of the row's valid EDTF columns.
    """
    a, b = values.get(rule.first), values.get(rule.second)
    if rule.kind == "paired":
        if (a is None) == (b is None):
            return None
        return f"{rule.second} without a {rule.first}" if a is None else f"a {rule.first} without {rule.second}"
    if rule.kind == "ordered":
        start, end = spans.get(rule.first, (None, None))[0], spans.get(rule.second, (None, None))[1]
        return "order" if start is not None and end is not None and end < start else None
    if rule.kind == "distinct":
        return "same" if a is not None and a == b else None
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def mask(pl: Any, rule: C.Rule, lows: dict[str, Any], highs: dict[str, Any]) -> Any:
    """The fast path of `broken`: a polars expression true for every row it could fail on.

    LOWS/HIGHS map an EDTF column to an expression of its first/last day as an integer
    (yyyymmdd; null where the value is empty or invalid).
    """
    a, b = pl.col(rule.first), pl.col(rule.second)
    if rule.kind == "paired":
        return a.is_null() != b.is_null()
    if rule.kind == "ordered":
        return (highs[rule.second] < lows[rule.first]).fill_null(False)
    if rule.kind == "distinct":
        return (a == b).fill_null(False)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def message(rule: C.Rule, table: C.Table, values: dict[str, Any], detail: str) -> str:
    return rule.message.format(
        table=table.name,
        first=rule.first,
        second=rule.second,
        first_value=values.get(rule.first),
        second_value=values.get(rule.second),
        detail=detail,
    )
