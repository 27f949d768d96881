"""Cells as the contract types them: CSV text in, JSON-Schema-ready values out."""

from __future__ import annotations

import re
from typing import Any

from bri_data.contract import model as C

_INT = re.compile(r"[+-]?\d{1,18}")


def _integer(v: str) -> int | str:
    """An integer cell's value: the number, or the text when it is none (then reported)."""
    if v.isascii() and v.isdigit() and len(v) <= 18:  # the common form, without the regex
        return int(v)
    return int(v) if _INT.fullmatch(v.strip()) else v


def typed(table: C.Table, values: dict[str, str | None]) -> dict[str, Any]:
    if not table.integer_columns:
        return values  # nothing to type: no copy per row
    out: dict[str, Any] = dict(values)
    for name in table.integer_columns:
        v = out.get(name)
        if isinstance(v, str):
            out[name] = _integer(v)
    return out


def typed_column(column: C.Column, cells: list[str] | tuple[str, ...]) -> list[Any]:
    """A column of CSV cells typed as `typed` types a row's: empty cells None, integers int."""
    if column.type == "integer":
        return [None if v == "" else _integer(v) for v in cells]
    return [None if v == "" else v for v in cells]


ALIAS_SEPARATOR = ";"


def split_aliases(value: str | None) -> list[str]:
    """An `aliases` cell as a list of surface forms; [] for an empty cell."""
    return value.split(ALIAS_SEPARATOR) if value else []
