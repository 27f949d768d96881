"""pandas and polars frames of the tables and the joined views, typed from the contract.

- Vocabulary columns are categoricals over the whole vocabulary (pandas `category`, polars
  `Enum`), so an unused value still shows up in value counts; integers are nullable
  `Int64`, text `string` (polars `String`).
- `aliases` is a list of surface forms (empty when the actor has none), so
  `"Lukashenka" in row.aliases` works.
- Every EDTF column keeps its text and gains `<column>_earliest` / `<column>_latest`: the
  first and last calendar day it can mean (`2023-07` -> 2023-07-01 .. 2023-07-31). They
  are NaT (polars null) when the date is empty, when the interval is open at that end
  (`../2024-10`: no earliest day; an open spell, `2024-10/..`: no latest day), or outside
  years 1-9999.
- pandas frames are indexed by their key (`id`; `citation_id` in `record_citations`)
  unless `index=False`, and carry the descriptions of their columns, the package version
  and the licences in `df.attrs`. polars frames have no index and no attrs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bri_data.contract import model as C
from bri_data.contract import views as V
from bri_data.contract.cells import split_aliases
from bri_data.contract.edtf import bounds
from bri_data.errors import UnknownKeyError, require

NAMES: tuple[str, ...] = (*(t.name for t in C.TABLES), *(v.name for v in V.VIEWS))


def edtf_range(value: str | None) -> tuple[dt.date | None, dt.date | None]:
    """First and last calendar day of an EDTF value; None for open ends and years outside 1-9999."""
    b = bounds(value) if value else None
    if b is None:
        return None, None
    return tuple(dt.date(*d) if d is not None and 1 <= d[0] <= 9999 else None for d in b)  # type: ignore[return-value]


@dataclass(frozen=True)
class Shape:
    """What a frame holds: its name, description, key and typed columns, and the rows."""

    name: str
    description: str
    key: str
    columns: tuple[C.Column, ...]
    rows: list[dict[str, Any]]


def shape(name: str, tables: Mapping[str, Sequence[Any]], by_id: Mapping[str, Any]) -> Shape:
    """The rows of table or view NAME from the records of TABLES (records by id in BY_ID)."""
    if isinstance(name, str) and name in C.TABLES_BY_NAME:  # a list or other unhashable is no name
        table = C.TABLES_BY_NAME[name]
        rows = [{c.name: getattr(r, c.name) for c in table.columns} for r in tables[name]]
        return Shape(name, table.description, "id", table.columns, rows)
    if not isinstance(name, str) or name not in V.VIEWS_BY_NAME:
        raise UnknownKeyError(f"no table or view {name!r}; there are: {', '.join(NAMES)}")
    view = V.VIEWS_BY_NAME[name]
    out = []
    for rec in tables[view.base.name]:
        row = {}
        for col in view.columns:
            source = rec if col.via is None else by_id.get(getattr(rec, col.via) or "")
            value = None if source is None else getattr(source, col.of)
            if col.label_of:
                found = V.label_of(value, view.base.column(col.of).targets) if value else None
                target = by_id.get(value or "")
                value = getattr(target, found[1]) if found is not None and target is not None else None
            row[col.name] = C.TABLES_BY_PREFIX[value.split("-", 1)[0]].name if col.table_of and value else value
        out.append(row)
    return Shape(name, view.description, view.key, tuple(V.as_column(view, c) for c in view.columns), out)


def _bounds_columns(col: C.Column) -> tuple[tuple[str, str], ...]:
    return (
        (f"{col.name}_earliest", f"First calendar day `{col.name}` can mean; NaT when empty or open at the start."),
        (f"{col.name}_latest", f"Last calendar day `{col.name}` can mean; NaT when empty or open at the end."),
    )


def attrs(s: Shape, index: bool) -> dict[str, Any]:
    """df.attrs of a frame: what it is, its columns' descriptions, version and licences."""
    descriptions = {}
    for col in s.columns:
        descriptions[col.name] = col.description + (" In this frame: a list." if col.check == "aliases" else "")
        if col.check == "edtf":
            descriptions.update(_bounds_columns(col))
    return {
        "name": s.name,
        "description": s.description,
        "index": s.key if index else None,
        "columns": descriptions,
        "package": C.PACKAGE_NAME,
        "version": C.VERSION,
        "licenses": [dict(lic) for lic in C.LICENSES],
    }


def pandas_frame(s: Shape, index: bool = True) -> Any:
    """The rows of S as a pandas DataFrame with the contract's dtypes (needs `bri-data[pandas]`)."""
    pd: Any = require("pandas", "pandas")
    columns: dict[str, Any] = {}
    for col in s.columns:
        values = [r[col.name] for r in s.rows]
        if col.vocabulary:
            columns[col.name] = pd.Categorical(values, categories=col.enum)
        elif col.type == "integer":
            columns[col.name] = pd.array(values, dtype="Int64")
        elif col.check == "aliases":
            columns[col.name] = pd.Series([split_aliases(v) for v in values], dtype="object")
        else:
            columns[col.name] = pd.array(values, dtype="string")
        if col.check == "edtf":
            ranges = [edtf_range(v) for v in values]
            for i, (name, _) in enumerate(_bounds_columns(col)):
                columns[name] = pd.to_datetime(pd.Series([b[i] for b in ranges], dtype="object")).astype("datetime64[s]")
    df = pd.DataFrame(columns)
    if index:
        df = df.set_index(s.key)
    df.attrs = attrs(s, index)
    return df


def polars_frame(s: Shape) -> Any:
    """The rows of S as a polars DataFrame with the contract's dtypes (needs `bri-data[fast]`)."""
    pl: Any = require("polars", "fast")
    series = []
    for col in s.columns:
        values = [r[col.name] for r in s.rows]
        if col.vocabulary:
            series.append(pl.Series(col.name, values, dtype=pl.Enum(col.enum or [])))
        elif col.type == "integer":
            series.append(pl.Series(col.name, values, dtype=pl.Int64))
        elif col.check == "aliases":
            series.append(pl.Series(col.name, [split_aliases(v) for v in values], dtype=pl.List(pl.String)))
        else:
            series.append(pl.Series(col.name, values, dtype=pl.String))
        if col.check == "edtf":
            ranges = [edtf_range(v) for v in values]
            for i, (name, _) in enumerate(_bounds_columns(col)):
                series.append(pl.Series(name, [b[i] for b in ranges], dtype=pl.Date))
    return pl.DataFrame(series)
