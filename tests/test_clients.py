"""The tools users already have, run for real against a fresh export or the package:
Datasette (its own test client), Hugging Face `datasets`, frictionless and the v1
`datapackage` library. Each checks rows, types or search hits, not just that it ran."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from bri_data.contract import model as C
from bri_data.export.writers import export
from bri_data.files.package import read_rows
from fixturekit import ROOT


@pytest.fixture(scope="module")
def sqlite_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("datasette") / "bri.db"
    export("sqlite", out, path=ROOT)
    return out


def _datasette(db: Path, metadata: dict[str, Any] | None = None) -> Any:
    from datasette.app import Datasette

    return Datasette([str(db)], metadata=metadata)


def _get(ds: Any, path: str) -> Any:
    async def go() -> Any:
        return await ds.client.get(path)

    return asyncio.run(go())


def test_datasette_finds_the_full_text_index(sqlite_export: Path) -> None:
    ds = _datasette(sqlite_export)
    said = {r["id"] for r in read_rows(ROOT, C.STATEMENTS) if re.search(r"\bpartner\b", r["text"], re.I)}
    assert 0 < len(said) < len(read_rows(ROOT, C.STATEMENTS))
    doc = _get(ds, "/bri/statements.json?_search=partner&_shape=objects&_size=max").json()
    assert {r["id"] for r in doc["rows"]} == said
    page = _get(ds, "/bri/statements")
    assert page.status_code == 200 and 'name="_search"' in page.text  # the search box
    cits = _get(ds, "/bri/citations.json?_search=Kazan&_shape=objects&_size=max").json()["rows"]
    assert cits and all(re.search(r"\bKazan\b", r["quote"], re.I) for r in cits)
