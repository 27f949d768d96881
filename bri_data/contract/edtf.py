"""EDTF levels 0 and 1 (Library of Congress, 2019): parse a string into its date bounds.

Why not the `edtf` package on the hot path: it parses with pyparsing (~20 ms a string,
~0.1 s to import) and, as of 5.0, accepts 2023-02-29, raises TypeError on open intervals
(`../1985`) and accepts level-2 forms the contract excludes. This module is a small,
exact implementation of what the contract allows (EDTF levels 0-1, CURATION.md rule 6); tests/test_edtf_dates.py compares it with
the `edtf` package on a corpus and pins every intended difference.

Bounds are (year, month, day) tuples, None for an open or unknown interval end.
Qualifiers (? ~ %) do not move the strict bounds, as in the `edtf` package.
"""

from __future__ import annotations

import re
from functools import lru_cache

Day = tuple[int, int, int]

# Years of more digits (EDTF's `Y` form allows any) are refused: the limit keeps int()
# within Python's digit limit and every day key within 64 bits (README: Limits).
MAX_YEAR_DIGITS = 9

_DATE = re.compile(
    r"""
    (?P<year>Y-?[1-9]\d{4,MORE}|-?\d{4}|\d{3}X|\d{2}XX)
    (?:-(?P<month>\d{2}|XX)
       (?:-(?P<day>\d{2}|XX)
          (?P<time>T(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:Z|[+-](?:\d{2})(?::?\d{2})?)?)?
       )?
    )?
    (?P<qual>[?~%])?
    """.replace("MORE", str(MAX_YEAR_DIGITS - 1)),
    re.X | re.A,  # ASCII digits only
)
# Seasons (level 1): 21 spring, 22 summer, 23 autumn, 24 winter; months as the `edtf` package maps them.
_SEASONS = {21: ((3, 1), (5, 31)), 22: ((6, 1), (8, 31)), 23: ((9, 1), (11, 30)), 24: ((12, 1), (12, 31))}


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _days(y: int, m: int) -> int:
    return 29 if m == 2 and _leap(y) else (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]


def _date(text: str) -> tuple[Day, Day] | None:
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    year, month, day = m["year"], m["month"], m["day"]
    if "X" in year:  # 201X, 20XX: nothing finer may follow at level 1
        if month is not None:
            return None
        lo, hi = int(year.replace("X", "0")), int(year.replace("X", "9"))
        return (lo, 1, 1), (hi, 12, 31)
    y = int(year.lstrip("Y"))
    if m["time"] and (m["qual"] or int(m["h"]) > 23 or int(m["mi"]) > 59 or int(m["s"]) > 59):
        return None
    if month is None:
        return (y, 1, 1), (y, 12, 31)
    if month == "XX":  # 2004-XX, 1985-XX-XX (1985-XX-12 is level 2)
        return ((y, 1, 1), (y, 12, 31)) if day in (None, "XX") else None
    mo = int(month)
    if mo in _SEASONS:
        if day is not None:
            return None
        (m1, d1), (m2, d2) = _SEASONS[mo]
        return (y, m1, d1), (y, m2, d2)
    if not 1 <= mo <= 12:
        return None
    if day is None or day == "XX":
        return (y, mo, 1), (y, mo, _days(y, mo))
    d = int(day)
    if not 1 <= d <= _days(y, mo):
        return None
    return (y, mo, d), (y, mo, d)


@lru_cache(maxsize=8192)
def bounds(value: str) -> tuple[Day | None, Day | None] | None:
    """(earliest, latest) day VALUE can mean; None when VALUE is not EDTF level 0-1."""
    if "/" not in value:
        return _date(value)
    if value.count("/") != 1:
        return None
    start, end = value.split("/")
    if start in ("", "..") and end in ("", ".."):
        return None
    lo = hi = None
    if start not in ("", ".."):
        a = _date(start)
        if a is None or "T" in start:
            return None
        lo = a[0]
    if end not in ("", ".."):
        b = _date(end)
        if b is None or "T" in end:
            return None
        hi = b[1]
    return lo, hi
