"""Generated files (schemas, descriptor) are committed and must match the contract."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from jsonschema import Draft202012Validator

from bri_data.contract import model as C
from bri_data.build.generate import build, drift, package_files
from fixturekit import ROOT, copy_package


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


def test_versions_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == C.VERSION
    assert json.loads(package_files(ROOT)["datapackage.json"])["version"] == C.VERSION
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: \"?{re.escape(C.VERSION)}\"?$", cff, re.M)


def test_seeds_are_byte_identical_to_shared_originals() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    originals = sorted(shared.glob("*.txt")) if shared.is_dir() else []
    assert originals or (ROOT / "seeds").is_dir()
    for original in originals:
        assert (ROOT / "seeds" / original.name).read_bytes() == original.read_bytes()


def test_country_codes_are_pycountrys() -> None:
    import pycountry

    from bri_data.validate.semantics import _alpha3

    assert _alpha3() == {c.alpha_3 for c in pycountry.countries}
