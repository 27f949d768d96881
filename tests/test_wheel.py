"""The built wheel, installed outside the checkout, used from a folder holding another package."""

from __future__ import annotations

import email.parser
import json
import re
import zipfile
from pathlib import Path

from conftest import run_installed

from bri_data.contract import model as C
from fixturekit import ROOT, tomllib


def _foreign_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps({"name": "other", "resources": [{"name": "x", "path": "x.csv"}]}), encoding="utf-8")
    return folder


def test_installed_wheel_reads_its_own_data_from_any_folder(installed_wheel: Path, tmp_path: Path) -> None:
    here = _foreign_folder(tmp_path)
    shipped = installed_wheel / "site" / "bri_data" / "_package"
    version = run_installed(installed_wheel, ["-m", "bri_data", "--version"], here)
    assert version.returncode == 0 and version.stdout == f"bri-data {C.VERSION}\n"
    info = run_installed(installed_wheel, ["-m", "bri_data", "info"], here)
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith(f"bri-data {C.VERSION} at {shipped.resolve()}")
    assert f"using the installed package: {shipped.resolve()}" in info.stderr
    code = "import bri_data; ds = bri_data.load(); print(ds.root); print(len(bri_data.to_pandas('events')))"
    api = run_installed(installed_wheel, ["-c", code], here)
    assert api.returncode == 0, api.stderr
    root, rows = api.stdout.split()
    assert Path(root) == shipped.resolve() and int(rows) > 0


def test_wheel_carries_the_report_schema_and_version_classifiers(installed_wheel: Path) -> None:
    wheel = next((installed_wheel / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        schema = zf.read("bri_data/_package/docs/validate-report.schema.json")
        meta = email.parser.Parser().parsestr(zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    assert schema == (ROOT / "docs" / "validate-report.schema.json").read_bytes()
    assert {f"bri_data/_package/data/{t.name}.csv" for t in C.TABLES} | {"bri_data/_package/.huggingface.yaml"} <= names
    lowest = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].removeprefix(">=")
    minors = sorted(int(m) for m in re.findall(r"Programming Language :: Python :: 3\.(\d+)$", "\n".join(meta.get_all("Classifier") or []), re.M))
    assert minors and minors[0] == int(lowest.split(".")[1]) and minors == list(range(minors[0], minors[-1] + 1))
