"""Every folder in fixtures/invalid is a broken package that must yield exactly its findings.

Folders are discovered automatically: add a folder with a case.json to add a test. A
case lists each expected finding (code, file, line, field) and whether the columnar
engine runs on it or declines it to the row engine (tests/test_columnar.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bri_data.cli import app
from bri_data.findings import CODES
from fixturekit import ROOT, build_case, cases, cli_runner, expected_codes, expected_findings

runner = cli_runner()
REPORT_SCHEMA = Draft202012Validator(json.loads((ROOT / "docs" / "validate-report.schema.json").read_text()))


@pytest.mark.parametrize("case_dir", cases(), ids=lambda p: p.name)
def test_fixture_yields_its_findings(case_dir: Path, tmp_path: Path) -> None:
    spec = build_case(case_dir, tmp_path)
    pkg = str(spec["package"])
    expected = spec["expect"]
    codes = expected_codes(spec)

    result = runner.invoke(app, ["validate", pkg, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    doc = json.loads(result.stdout)
    REPORT_SCHEMA.validate(doc)  # the committed shape of --format json
    assert result.exit_code == expected["exit"] == doc["exit_code"]
    assert sorted(doc["counts"]) == codes, doc["findings"]
    found = [(f["code"], f["file"], f["line"], f["field"]) for f in doc["findings"]]
    assert found == expected_findings(spec)
    for f in doc["findings"]:
        assert f["code"] in CODES
        assert f["message"]
        assert f["file"], f  # every finding names a file

    text = runner.invoke(app, ["validate", pkg])
    assert text.exit_code == expected["exit"]
    assert "Traceback" not in text.stdout
    for code in codes:
        assert f": {code}: " in text.stdout

    gh = runner.invoke(app, ["validate", pkg, "--format", "github"])
    assert gh.exit_code == expected["exit"]
    assert gh.stdout.count("::error ") == len(doc["findings"])


def test_every_fixture_code_is_documented_and_every_code_has_a_fixture() -> None:
    used = set()
    for case_dir in cases():
        used |= {f["code"] for f in json.loads((case_dir / "case.json").read_text())["expect"]["findings"]}
    assert used <= set(CODES)
    # Codes without a fixture must be justified here, so none is forgotten silently:
    # not_found and run.usage are usage errors, not data (tests/test_cli.py, and for an
    # engine that cannot run tests/test_columnar.py, tests/test_edges.py); unreadable needs
    # an OS-level fault (tests/test_hostile.py simulates one);
    # row.schema is the fallback for keywords our schemas do not use; row.min_length cannot
    # come from a CSV (an empty cell is null) but guards JSON rows validated directly.
    untested = set(CODES) - used
    assert untested == {"descriptor.not_found", "run.usage", "file.unreadable", "row.schema", "row.min_length"}, untested
