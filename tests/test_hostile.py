"""The hostile-input corpus: every folder in fixtures/hostile is a package an attacker or
an unlucky user could hand to bri-data. Folders are found automatically.

For each case, every command that reads a package runs on it in-process under an alarm
(a hang fails the test instead of stalling it) and must exit with the case's code and no
traceback; validate must give exactly the case's codes with the row engine (both JSON
Schema backends) and the columnar engine; nothing outside the package is printed,
hashed or exported (fixturekit.SECRET).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bri_data.cli import app
from bri_data.dataset.records import load
from bri_data.errors import BriDataError
from fixturekit import SECRET, CannotBuild, build_case, copy_package, expected_findings, hostile_cases

runner = CliRunner()
# Commands that go through load() (validated first) exit as validate does unless a case says otherwise.
LOADING = ("show", "info", "export", "timeline")


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _run(args: list[str]) -> Result:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.output
    assert SECRET not in result.output, args
    return result


def _commands(pkg: Path, out: Path) -> dict[str, list[str]]:
    return {
        "locate": ["locate", "Belarus Aims to Become a BRICS Member", "--package", str(pkg)],
        "coverage": ["coverage", str(pkg)],
        "show": ["show", "act-lukashenka", "--package", str(pkg)],
        "info": ["info", str(pkg)],
        "export": ["export", "sqlite", str(out / "out.db"), "--package", str(pkg)],
        "timeline": ["timeline", str(out / "t.svg"), "--package", str(pkg)],
        "build": ["build", str(pkg), "--check"],
    }


def _build(case_dir: Path, tmp_path: Path) -> dict[str, Any]:
    try:
        return build_case(case_dir, tmp_path)
    except CannotBuild as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("case_dir", hostile_cases(), ids=lambda p: p.name)
def test_hostile_case(case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _build(case_dir, tmp_path)
    pkg = spec["package"]
    expect = spec["expect"]
    reports = {}
    for engine, backend in (("rows", "rs"), ("rows", "python"), ("columnar", "rs")):
        from bri_data.validation import rows as rowcheck

        monkeypatch.setenv("BRI_DATA_SCHEMA_BACKEND", backend)
        rowcheck._validator.cache_clear()
        result = _run(["validate", str(pkg), "--engine", engine, "--format", "json"])
        doc = json.loads(result.stdout)
        assert sorted(doc["counts"]) == expect["codes"], (engine, backend, doc["findings"])
        found = [(f["code"], f["file"], f["line"], f["field"]) for f in doc["findings"]]
        assert found == expected_findings(spec), (engine, backend)  # each finding where it belongs
        assert result.exit_code == expect["exit"] == doc["exit_code"]
        reports[engine, backend] = doc["findings"]
    rowcheck._validator.cache_clear()
    monkeypatch.delenv("BRI_DATA_SCHEMA_BACKEND")
    assert reports["rows", "rs"] == reports["rows", "python"] == reports["columnar", "rs"]
    for fmt in ("text", "github"):
        shown = _run(["validate", str(pkg), "--format", fmt]).stdout
        assert "\x1b" not in shown  # no terminal escape sequence from the data
        assert all(not ln.startswith("::") for ln in shown.splitlines()) if fmt == "text" else shown.count("\n::") <= len(reports["rows", "rs"]) + 2
    for message in expect.get("messages", []):
        assert any(message in f["message"] for f in reports["rows", "rs"]), (message, reports["rows", "rs"])
    out = tmp_path / "out"
    out.mkdir()
    for name, args in _commands(pkg, out).items():
        want = expect.get("commands", {}).get(name, expect["exit"] if name in LOADING else None)
        if want is None:
            raise AssertionError(f"{case_dir.name}: say what `{name}` must exit with (expect.commands)")
        result = _run(args)
        assert result.exit_code == want, (name, result.output)
        assert "\x1b" not in result.output
    if expect["exit"]:
        assert list(out.iterdir()) == []  # nothing exported or drawn from a refused package
        with pytest.raises(BriDataError):  # the library raises its own errors only
            load(pkg)
    else:
        assert load(pkg).tables["events"]


def test_unreadable_files_are_findings_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PermissionError on data/ or a CSV (simulated: root reads anything) -> file.unreadable / exit 2."""
    pkg = copy_package(tmp_path / "pkg")
    real_open = os.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:  # every read opens its file with os.open
        if str(file).endswith(("events.csv", "000_dece6ae29ab50339.txt")):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    for engine in ("rows", "columnar"):
        doc = json.loads(_run(["validate", str(pkg), "--engine", engine, "-f", "json"]).stdout)
        assert doc["counts"] == {"file.unreadable": 2}, doc["findings"]
    assert "Permission denied" in _run(["coverage", str(pkg)]).stderr
    assert _run(["locate", "Belarus", "--package", str(pkg)]).exit_code == 2
    with pytest.raises(BriDataError):
        load(pkg)


def test_every_hostile_case_has_a_description() -> None:
    cases = hostile_cases()
    assert len(cases) >= 20
    for case_dir in cases:
        assert json.loads((case_dir / "case.json").read_text())["description"]
