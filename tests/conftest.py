from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# fixturekit lives beside the tests; make it importable without packaging tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixturekit import ROOT


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, installed (without its dependencies, which this
    environment has) into a folder outside the checkout. Returns that folder; see `run_installed`.
    """
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out / "dist"), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next((out / "dist").glob("*.whl"))
    # A pure-Python wheel installed with --target is its unpacked archive (scripts aside,
    # which the tests do not use); unpacking needs no pip, which uv-made venvs lack.
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out / "site")
    return out


def run_installed(site: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run python ARGS in CWD with the installed wheel ahead of the checkout on sys.path."""
    env = {**os.environ, "PYTHONPATH": str(site / "site"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the shipped package, written once for the site and browser tests."""
    from bri_data.build.site import write_site

    out = tmp_path_factory.mktemp("site") / "site"
    write_site(out, path=ROOT)
    return out
