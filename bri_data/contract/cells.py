"""Cells as the contract types them: CSV text in, JSON-Schema-ready values out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bri_data.contract import model as C

# The one written form of an integer cell: ASCII digits, an optional leading '-', at most
# 18 digits (within 64 bits). No '+', no surrounding spaces, no other scripts' digits
# ('٥', '𝟓', '１０'): such a cell stays text and is reported as row.type. Shared with the
# columnar engine (polars' regex syntax agrees on this pattern).
INT_PATTERN = r"^-?[0-9]{1,18}$"
_INT = re.compile(INT_PATTERN)


def _integer(v: str) -> int | str:
    """An integer cell's value: the number when V has the written form, else V itself
    (which validate reports as row.type)."""
    if v.isascii() and v.isdigit() and len(v) <= 18:  # the common case, without the regex
        return int(v)
    return int(v) if _INT.fullmatch(v) else v


def typed(table: C.Table, values: dict[str, str | None]) -> dict[str, Any]:
    if not table.integer_columns:
        return values  # nothing to type: no copy per row
    out: dict[str, Any] = dict(values)
    for name in table.integer_columns:
        v = out.get(name)
        if isinstance(v, str):
            out[name] = _integer(v)
    return out


def typed_column(column: C.Column, cells: Sequence[str]) -> list[Any]:
    """A column of CSV cells typed as `typed` types a row's: empty cells None, integer
    cells int (where they have the written form)."""
    if "" in cells:
        if column.type == "integer":
            return [None if v == "" else _integer(v) for v in cells]
        return [None if v == "" else v for v in cells]
    if column.type != "integer":
        return list(cells)
    # Every cell of up to 18 ASCII digits (the usual column, checked without a loop in
    # Python): each has the written form, and int() reads them all.
    digits = "".join(cells)
    if digits.isascii() and digits.isdigit() and max(map(len, cells), default=0) <= 18:
        return list(map(int, cells))
    return [_integer(v) for v in cells]


ALIAS_SEPARATOR = ";"
# Characters no text cell may hold: C0 controls but TAB, DEL and C1 controls. A cell is one
# line of text (quotes are spans of one seed line); these would drive a terminal, break a
# CSV reader's lines, the SVG or the site's HTML. The same pattern for both engines.
CONTROL_PATTERN = r"[\x00-\x08\x0a-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_PATTERN)


# The same set in UTF-8, to clear a whole block of CSV lines at once (the row engine's
# reader): C0 controls and DEL are single bytes (all others deleted by `translate`), C1
# controls the two bytes C2 80 to C2 9F. tests/test_csvtable.py checks every code point.
_NOT_C0 = bytes(b for b in range(256) if not (b < 0x20 or b == 0x7F))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def controls_only_line_breaks(data: bytes) -> bool:
    """Whether the only characters of CONTROL_PATTERN in the UTF-8 bytes DATA are LFs (TAB
    is no control character here): then a cell parsed from one of its lines has none."""
    c0 = data.translate(None, _NOT_C0)
    return len(c0) == c0.count(b"\n") + c0.count(b"\t") and _C1_UTF8.search(data) is None


def control_character(value: str) -> str | None:
    """The first forbidden control character in VALUE, as an escape (`\\x1b`), or None."""
    m = _CONTROL.search(value)
    return None if m is None else m.group().encode("unicode_escape").decode("ascii")


def split_aliases(value: str | None) -> list[str]:
    """An `aliases` cell as a list of surface forms; [] for an empty cell."""
    return value.split(ALIAS_SEPARATOR) if value else []
