"""pandas DataFrames with dtypes from the contract (optional extra `bri-data[pandas]`).

Enum columns are categoricals over the whole vocabulary (so an unused value still shows
up in value_counts), integers nullable Int64, text `string`. Every EDTF column keeps its
text and gains `<column>_earliest` / `<column>_latest`: the first and last calendar day
it can mean (e.g. `2023-07` -> 2023-07-01 .. 2023-07-31).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bri_data import contract as C
from bri_data.errors import LookupFailedError, require
from bri_data.edtf_dates import bounds

if TYPE_CHECKING:
    import pandas as pd

    from bri_data.dataset import Dataset


def edtf_range(value: str | None) -> tuple[dt.date | None, dt.date | None]:
    """First and last calendar day of an EDTF value; None for open ends and years outside 1-9999."""
    b = bounds(value) if value else None
    if b is None:
        return None, None
    return tuple(dt.date(*d) if d is not None and 1 <= d[0] <= 9999 else None for d in b)  # type: ignore[return-value]


def dataframe(dataset: Dataset, table_name: str) -> pd.DataFrame:
    pd: Any = require("pandas", "pandas")
    if table_name not in C.TABLES_BY_NAME:
        raise LookupFailedError(f"no table {table_name!r}; tables: {', '.join(C.TABLES_BY_NAME)}")
    table = C.TABLES_BY_NAME[table_name]
    records = [r.model_dump() for r in dataset.tables[table_name]]
    columns: dict[str, Any] = {}
    for col in table.columns:
        values = [r[col.name] for r in records]
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


def to_pandas(table_name: str, path: str | Path | None = None) -> pd.DataFrame:
    """One table of the shipped package (or the one at PATH) as a typed DataFrame."""
    from bri_data.dataset import load

    return dataframe(load(path), table_name)
