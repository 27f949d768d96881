"""Generated files (schemas, descriptor) are committed and must match the contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator

from bri_data.build.generate import CODES_END, CODES_START, build, drift, package_files, spliced_files
from bri_data.contract import model as C
from bri_data.findings import CODES
from fixturekit import ROOT, copy_package, tomllib


def test_committed_generated_files_do_not_drift() -> None:
    assert drift(ROOT) == [], "run `bri-data build` and commit the result"


def test_drift_is_detected_and_build_repairs_it(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    schema = pkg / "schemas" / "events.schema.json"
    schema.write_text(schema.read_text().replace("Project event type.", "Hand-edited."), encoding="utf-8")
    assert drift(pkg) == ["schemas/events.schema.json"]
    (pkg / "data" / "events.csv").write_text((pkg / "data" / "events.csv").read_text() + "\n", encoding="utf-8")
    assert set(drift(pkg)) == {"schemas/events.schema.json", "datapackage.json"}
    # a blank line is a finding: the descriptor is refreshed, the docs are not
    result = build(pkg)
    assert set(result.written) == {"schemas/events.schema.json", "datapackage.json"}
    assert result.docs_skipped and "finding" in result.docs_skipped
    assert drift(pkg, docs=False) == []


def test_build_regenerates_docs_from_valid_data(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "DATASHEET.md").write_text("stale", encoding="utf-8")
    (pkg / "docs" / "timeline.svg").unlink()
    assert set(drift(pkg)) == {"DATASHEET.md", "docs/timeline.svg"}
    result = build(pkg)
    assert set(result.written) == {"DATASHEET.md", "docs/timeline.svg"} and result.docs_skipped is None
    assert drift(pkg) == []


def test_schemas_are_valid_draft_2020_12_and_cover_every_column() -> None:
    for table in C.TABLES:
        schema = json.loads((ROOT / "schemas" / f"{table.name}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert list(schema["properties"]) == table.column_names == schema["required"]


def test_descriptor_is_v2_with_hashes_and_keys() -> None:
    desc = json.loads((ROOT / "datapackage.json").read_text())
    assert desc["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    for key in ("name", "id", "version", "created", "licenses", "contributors", "sources"):
        assert desc[key], key
    assert [s["path"] for s in desc["sources"]] == sorted(str(p.relative_to(ROOT)) for p in (ROOT / "seeds").glob("*.txt"))
    assert [r["name"] for r in desc["resources"]] == [t.name for t in C.TABLES]
    for res in desc["resources"]:
        assert res["type"] == "table" and res["format"] == "csv" and res["encoding"] == "utf-8"
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", res["hash"]) and res["bytes"] > 0
        assert res["schema"]["primaryKey"] == ["id"]


def test_the_version_is_typed_once() -> None:
    """pyproject reads it from the contract (hatch); descriptor and CITATION.cff are generated."""
    from importlib.metadata import version

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "bri_data/contract/model.py"
    assert re.search(rf'^VERSION = "{re.escape(C.VERSION)}"$', (ROOT / "bri_data/contract/model.py").read_text(), re.M)
    assert version("bri-data") == C.VERSION  # what the installed metadata says
    assert json.loads(package_files(ROOT)["datapackage.json"])["version"] == C.VERSION
    assert f'version: "{C.VERSION}"' in spliced_files(ROOT)["CITATION.cff"]


def test_readme_code_table_is_generated_from_codes() -> None:
    readme = spliced_files(ROOT)["README.md"]
    table = readme.split(CODES_START, 1)[1].split(CODES_END, 1)[0]
    for code, (layer, meaning) in CODES.items():
        assert f"| `{code}` | {layer} | {meaning} |" in table


def test_polars_floor_is_declared_once_for_engine_and_extra() -> None:
    from bri_data.validation.columnar import MIN_POLARS

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["fast"] == [f"polars>={MIN_POLARS[0]}.{MIN_POLARS[1]}"]


def test_country_codes_are_pycountrys() -> None:
    import pycountry

    from bri_data.validation.semantics import _alpha3

    assert _alpha3() == {c.alpha_3 for c in pycountry.countries}
