"""Cells as the contract types them: CSV text in, JSON-Schema-ready values out."""

from __future__ import annotations

import re
from typing import Any

from bri_data.contract import model as C

# The one written form of an integer cell: ASCII digits, an optional leading '-', at most
# 18 digits (within 64 bits). No '+', no surrounding spaces, no other scripts' digits
# ('٥', '𝟓', '１０'): such a cell stays text and is reported as row.type. Shared with the
# columnar engine (polars' regex syntax agrees on this pattern).
INT_PATTERN = r"^-?[0-9]{1,18}$"
_INT = re.compile(INT_PATTERN)


def typed(table: C.Table, values: dict[str, str | None]) -> dict[str, Any]:
    if not table.integer_columns:
        return values  # nothing to type: no copy per row
    out: dict[str, Any] = dict(values)
    for name in table.integer_columns:
        v = out.get(name)
        # ASCII digits, an optional "-": nothing else (the common form tested without the regex)
        if isinstance(v, str) and ((v.isdigit() and v.isascii() and len(v) <= 18) or _INT.fullmatch(v)):
            out[name] = int(v)
    return out


ALIAS_SEPARATOR = ";"
# Characters no text cell may hold: C0 controls but TAB, DEL and C1 controls. A cell is one
# line of text (quotes are spans of one seed line); these would drive a terminal, break a
# CSV reader's lines, the SVG or the site's HTML. The same pattern for both engines.
CONTROL_PATTERN = r"[\x00-\x08\x0a-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_PATTERN)


def control_character(value: str) -> str | None:
    """The first forbidden control character in VALUE, as an escape (`\\x1b`), or None."""
    m = _CONTROL.search(value)
    return None if m is None else m.group().encode("unicode_escape").decode("ascii")


def split_aliases(value: str | None) -> list[str]:
    """An `aliases` cell as a list of surface forms; [] for an empty cell."""
    return value.split(ALIAS_SEPARATOR) if value else []
