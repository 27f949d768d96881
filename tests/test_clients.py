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
from bri_data.exports.writers import export
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


def test_datasette_with_the_exported_metadata(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from bri_data.cli import app
    from bri_data.contract.views import VIEWS_BY_NAME

    db, meta = tmp_path / "bri.db", tmp_path / "metadata.json"
    result = CliRunner().invoke(app, ["export", "sqlite", str(db), "--metadata", str(meta), "--package", str(ROOT)])
    assert result.exit_code == 0 and f"datasette {db} -m {meta}" in result.stdout
    doc = json.loads(meta.read_text(encoding="utf-8"))
    ds = _datasette(db, doc)
    home = _get(ds, "/").text
    assert "bri-data: Belarus, Kazakhstan and BRICS around the 2024 Kazan summit" in home and "CC-BY-4.0" in home
    events = _get(ds, "/bri/events")
    assert events.status_code == 200 and C.EVENTS.description in events.text
    served = _get(ds, "/-/metadata.json").json()
    assert served["databases"]["bri"]["tables"]["events"]["columns"]["type"] == C.EVENTS.column("type").description
    view = _get(ds, "/bri/statements_named.json?_shape=objects&_size=max&speaker_id=act-lukashenka").json()
    n = sum(1 for r in read_rows(ROOT, C.STATEMENTS) if r["speaker_id"] == "act-lukashenka")
    assert len(view["rows"]) == n > 0 and {r["speaker_name"] for r in view["rows"]} == {"Alyaksandr Lukashenka"}
    assert set(view["rows"][0]) == set(VIEWS_BY_NAME["statements_named"].column_names)
    assert doc["databases"]["bri"]["tables"]["statements_named"]["columns"]["speaker_name"].startswith("Name of the speaker")
    rows = _get(ds, "/bri/citations.json?_shape=objects&_size=max").json()["rows"]
    assert len(rows) == len(read_rows(ROOT, C.CITATIONS)) and all(isinstance(r["line"], int) for r in rows)
    refused = CliRunner().invoke(app, ["export", "parquet", str(tmp_path / "pq"), "--metadata", str(meta), "--package", str(ROOT)])
    assert refused.exit_code == 2 and "sqlite exports only" in refused.stderr


def _csv_rows(table: C.Table) -> list[dict[str, Any]]:
    return sorted(read_rows(ROOT, table), key=lambda r: r["id"])


def test_hugging_face_datasets_loads_each_table_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    config = yaml.safe_load((ROOT / ".huggingface.yaml").read_text(encoding="utf-8"))
    assert [(c["config_name"], c["data_files"]) for c in config["configs"]] == [(t.name, t.path) for t in C.TABLES]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a local folder: nothing to fetch
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import load_dataset

    for table in (C.EVENTS, C.CITATIONS):
        split = load_dataset(str(ROOT), table.name, cache_dir=str(tmp_path / "cache"))["train"]
        assert split.column_names == table.column_names
        assert sorted(split, key=lambda r: r["id"]) == _csv_rows(table)  # empty cells None, integers int
    assert split.features["line"].dtype == "int64"


def test_frictionless_and_the_v1_datapackage_library_read_typed_rows() -> None:
    import datapackage
    import frictionless

    package = frictionless.Package(str(ROOT / "datapackage.json"))
    assert [r.name for r in package.resources] == [t.name for t in C.TABLES]
    rows = package.get_resource("citations").read_rows()
    assert sorted((r.to_dict() for r in rows), key=lambda r: r["id"]) == _csv_rows(C.CITATIONS)
    v1 = datapackage.Package(str(ROOT / "datapackage.json"))
    assert v1.resource_names == [t.name for t in C.TABLES]
    keyed = v1.get_resource("citations").read(keyed=True)
    assert sorted(keyed, key=lambda r: r["id"]) == _csv_rows(C.CITATIONS)
    events = v1.get_resource("events").read(keyed=True)
    assert sorted(events, key=lambda r: r["id"]) == _csv_rows(C.EVENTS)
