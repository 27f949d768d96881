"""Every folder in fixtures/invalid is a broken package that must yield exactly its codes.

Folders are discovered automatically: add a folder with a case.json to add a test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from bri_data.cli import app
from bri_data.findings import CODES
from fixturekit import ROOT, build_case, cases

runner = CliRunner()
REPORT_SCHEMA = Draft202012Validator(json.loads((ROOT / "docs" / "validate-report.schema.json").read_text()))


@pytest.mark.parametrize("case_dir", cases(), ids=lambda p: p.name)
def test_fixture_yields_its_codes(case_dir: Path, tmp_path: Path) -> None:
    spec = build_case(case_dir, tmp_path)
    pkg = str(spec["package"])
    expected = spec["expect"]

    result = runner.invoke(app, ["validate", pkg, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    doc = json.loads(result.stdout)
    REPORT_SCHEMA.validate(doc)  # the committed shape of --format json
    assert result.exit_code == expected["exit"] == doc["exit_code"]
    assert sorted(doc["counts"]) == expected["codes"], doc["findings"]
    for f in doc["findings"]:
        assert f["code"] in CODES
        assert f["message"]
        assert f["file"], f  # every finding names a file

    text = runner.invoke(app, ["validate", pkg])
    assert text.exit_code == expected["exit"]
    assert "Traceback" not in text.stdout
    for code in expected["codes"]:
        assert f": {code}: " in text.stdout

    gh = runner.invoke(app, ["validate", pkg, "--format", "github"])
    assert gh.exit_code == expected["exit"]
    assert gh.stdout.count("::error ") == len(doc["findings"])


def test_every_fixture_code_is_documented_and_every_code_has_a_fixture() -> None:
    used = set()
    for case_dir in cases():
        used |= set(json.loads((case_dir / "case.json").read_text())["expect"]["codes"])
    assert used <= set(CODES)
    # Codes without a fixture must be justified here, so none is forgotten silently:
    # not_found is a usage error (tests/test_cli.py); unreadable needs an OS-level fault
    # (tests/test_hostile.py simulates one);
    # row.schema is the fallback for keywords our schemas do not use; row.min_length cannot
    # come from a CSV (an empty cell is null) but guards JSON rows validated directly.
    untested = set(CODES) - used
    assert untested == {"descriptor.not_found", "file.unreadable", "row.schema", "row.min_length"}, untested
