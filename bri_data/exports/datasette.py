"""Datasette metadata for a SQLite export: title, licence, sources, and the description of
every table, view and column, from the package's descriptor and the contract.

Datasette names a database after its file (`bri.db` -> `bri`), so the metadata is written
for that name: `datasette bri.db -m metadata.json`.
"""

from __future__ import annotations

from typing import Any

from bri_data.contract import model as C
from bri_data.contract import views as V
from bri_data.exports import ddl

# The licence covers the curated tables only (LICENSE-DATA); say so where the licence shows.
_SEEDS_NOTE = " The licence covers the curated tables: the seed texts and the verbatim quotes from them belong to their authors and publishers."


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for the package exported as DATABASE (all from the contract)."""
    tables: dict[str, Any] = {
        t.name: {"description": t.description, "columns": {c.name: c.description for c in t.columns}} for t in C.TABLES
    }
    for v in V.VIEWS:
        tables[v.name] = {"description": v.description, "columns": {c.name: V.as_column(v, c).description for c in v.columns}}
    for table, _, _ in ddl.FTS:
        tables[f"{table.name}_fts"] = {"description": f"Full-text index of {table.name} (search from the {table.name} page).", "hidden": True}
    tables["_meta"] = {"description": "Package name, version, id, source hashes and export time."}
    licence = C.LICENSES[0]  # the contract's, which validate has checked the descriptor against
    return {
        "title": C.TITLE,
        "description": C.DESCRIPTION + _SEEDS_NOTE,
        "license": licence["name"],
        "license_url": licence["path"],
        "source": "; ".join(s["title"] for s in C.SEED_SOURCES),
        "databases": {database: {"description": f"{C.PACKAGE_NAME} {C.VERSION}", "tables": tables}},
    }
