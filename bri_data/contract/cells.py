"""Cells as the contract types them: CSV text in, JSON-Schema-ready values out."""

from __future__ import annotations

import re
from typing import Any

from bri_data.contract import model as C

_INT = re.compile(r"[+-]?\d{1,18}")


def typed(table: C.Table, values: dict[str, str | None]) -> dict[str, Any]:
    if not table.integer_columns:
        return values  # nothing to type: no copy per row
    out: dict[str, Any] = dict(values)
    for name in table.integer_columns:
        v = out.get(name)
        if isinstance(v, str) and _INT.fullmatch(v.strip()):
            out[name] = int(v)
    return out


ALIAS_SEPARATOR = ";"


def split_aliases(value: str | None) -> list[str]:
    """An `aliases` cell as a list of surface forms; [] for an empty cell."""
    return value.split(ALIAS_SEPARATOR) if value else []
