"""pandas DataFrames with dtypes from the contract (optional extra `bri-data[pandas]`).

Enum columns are categoricals over the whole vocabulary (so an unused value still shows
up in value_counts), integers nullable Int64, text `string`. Every EDTF column keeps its
text and gains `<column>_earliest` / `<column>_latest`: the first and last calendar day
it can mean (e.g. `2023-07` -> 2023-07-01 .. 2023-07-31).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bri_data.contract import model as C
from bri_data.contract.edtf import bounds
from bri_data.errors import LookupFailedError, require

if TYPE_CHECKING:
    import pandas as pd


def edtf_range(value: str | None) -> tuple[dt.date | None, dt.date | None]:
    """First and last calendar day of an EDTF value; None for open ends and years outside 1-9999."""
    b = bounds(value) if value else None
    if b is None:
        return None, None
    return tuple(dt.date(*d) if d is not None and 1 <= d[0] <= 9999 else None for d in b)  # type: ignore[return-value]


def dataframe(table_name: str, records: Sequence[Any]) -> pd.DataFrame:
    """RECORDS (pydantic models of TABLE_NAME) as a DataFrame with the contract's dtypes."""
    pd: Any = require("pandas", "pandas")
    if table_name not in C.TABLES_BY_NAME:
        raise LookupFailedError(f"no table {table_name!r}; tables: {', '.join(C.TABLES_BY_NAME)}")
    table = C.TABLES_BY_NAME[table_name]
    columns: dict[str, Any] = {}
    for col in table.columns:
        values = [getattr(r, col.name) for r in records]
        if col.vocabulary:
            columns[col.name] = pd.Categorical(values, categories=col.enum)
        elif col.type == "integer":
            columns[col.name] = pd.array(values, dtype="Int64")
        else:
            columns[col.name] = pd.array(values, dtype="string")
        if col.check == "edtf":
            bounds = [edtf_range(v) for v in values]
            for i, suffix in enumerate(("earliest", "latest")):
                columns[f"{col.name}_{suffix}"] = pd.to_datetime(pd.Series([b[i] for b in bounds], dtype="object")).astype("datetime64[s]")
    return pd.DataFrame(columns)
