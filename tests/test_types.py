"""Types on everything: the package passes mypy --strict (configured in pyproject.toml),
and a user's script written against the public API type-checks under --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bri_data
from fixturekit import ROOT

USER_SCRIPT = '''
import bri_data
from bri_data import Dataset, InvalidPackageError, Report, load, validate

ds: Dataset = load()
report: Report = validate()
assert report.valid and bri_data.__version__
luk = ds["act-lukashenka"]
print(luk.id, ds.links("stm-lukashenka-belarus-partner-status-step-to-membership"))
try:
    bri_data.load("/nonexistent")
except InvalidPackageError as exc:
    print(exc.report.counts)
except bri_data.BriDataError:
    pass
'''


def _mypy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_package_passes_mypy_strict_from_its_own_configuration() -> None:
    proc = _mypy()  # files and strictness come from [tool.mypy]
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_user_script_type_checks_against_the_public_api(tmp_path: Path) -> None:
    script = tmp_path / "use_bri.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    # From elsewhere, as a user would: bri_data is the installed package, not a source folder.
    proc = _mypy("--strict", "--no-incremental", "--config-file", "/dev/null", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_user_script_runs_and_every_public_name_stays_what_it_is(tmp_path: Path) -> None:
    """Type-checking is not running: the script runs too, from elsewhere. No subpackage
    shares a public name, so importing one (as `load()` does) never turns
    `bri_data.validate` or `bri_data.export` into a module."""
    script = tmp_path / "use_bri.py"
    script.write_text(
        USER_SCRIPT + "import inspect\nassert all(not inspect.ismodule(getattr(bri_data, n)) for n in bri_data.__all__)\n"
        "assert callable(bri_data.validate) and callable(bri_data.export)\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import pkgutil

    subpackages = {m.name for m in pkgutil.iter_modules(bri_data.__path__)}
    assert not subpackages & set(bri_data.__all__), subpackages & set(bri_data.__all__)


def test_all_is_the_lazy_table_plus_version() -> None:
    assert sorted(bri_data.__all__) == sorted([*bri_data._WHERE, "__version__"])
    for name in bri_data.__all__:
        assert getattr(bri_data, name) is not None
