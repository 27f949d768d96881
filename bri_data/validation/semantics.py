"""Layer 5: values mean what they claim: EDTF dates, ISO countries, ordered spans."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.edtf import Day, bounds
from bri_data.findings import Report, short
from bri_data.validation import rules


@lru_cache(maxsize=1)
def _alpha3() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes from pycountry's database file.

    Read as JSON rather than through `import pycountry`, whose import pulls in
    importlib.metadata and email parsing (~20 ms on every `bri-data validate`).
    """
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("pycountry")
    origin = Path(spec.origin).parent if spec and spec.origin else None
    data = origin / "databases" / "iso3166-1.json" if origin else None
    if data is not None and data.is_file():
        return frozenset(c["alpha_3"] for c in json.loads(data.read_text(encoding="utf-8"))["3166-1"])
    import pycountry  # layout changed: ask the library

    return frozenset(c.alpha_3 for c in pycountry.countries)


def country_exists(code: str) -> bool:
    return code in _alpha3()


def check(table: C.Table, rel: str, line: int, rid: str | None, v: dict[str, Any], report: Report) -> None:
    spans: dict[str, tuple[Day | None, Day | None]] = {}
    for col in table.semantic_columns:
        value = v.get(col.name)
        if not isinstance(value, str):
            continue
        if col.check == "edtf":
            b = bounds(value)
            if b is None:
                report.emit(
                    "semantic.edtf",
                    f"{table.name}.{col.name} {short(value)} is not an EDTF (level 0-1) date; write e.g. 2024-10-23, 2023-07, 2015, "
                    "2024-10~ or 2024-10-23/2024-10-24",
                    field=col.name,
                    file=rel,
                    line=line,
                    record_id=rid,
                )
            elif b[0] is not None and b[1] is not None and b[1] < b[0]:
                report.emit(
                    "semantic.date_order",
                    f"{table.name}.{col.name} {value!r} ends before it starts",
                    field=col.name,
                    file=rel,
                    line=line,
                    record_id=rid,
                )
            else:
                spans[col.name] = b
        elif col.check == "country" and len(value) == 3 and value.isupper() and not country_exists(value):
            report.emit(
                "semantic.country",
                f"{table.name}.{col.name} {value!r} is not an ISO 3166-1 alpha-3 code (e.g. BLR, RUS, KAZ)",
                field=col.name,
                file=rel,
                line=line,
                record_id=rid,
            )
    for rule in table.rules:
        detail = rules.broken(rule, v, spans)
        if detail is not None:
            report.emit(rule.code, rules.message(rule, table, v, detail), field=rule.second, file=rel, line=line, record_id=rid)
