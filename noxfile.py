"""The project's toolchain, one definition for developers and CI (`.ci/run` runs every session).

    nox -l                 list the sessions
    nox -s tests           the test suite on every supported Python (3.10-3.13)
    nox -s mindeps         the tests on the lowest declared versions (Python 3.10)
    nox -s lint typecheck  ruff and mypy --strict, configured in pyproject.toml
    nox -s dist            build wheel and sdist, run the tests from the unpacked sdist

Virtual environments are made with uv, which installs in seconds. Interpreters are
found on PATH as python3.10 ... python3.13 (with pyenv: `pyenv global 3.11 3.10 3.12 3.13`).
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "tests"]

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
ROOT = Path(__file__).resolve().parent


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session(python="3.10")
def mindeps(session: nox.Session) -> None:
    """Every lower bound in pyproject.toml is one this session installs and passes."""
    session.install("--resolution", "lowest-direct", "-e", ".[test]")
    session.run("pytest", "-q", "-W", "ignore::DeprecationWarning", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("mypy")  # files and --strict from [tool.mypy]


@nox.session(python="3.11")
def dist(session: nox.Session) -> None:
    """Build both distributions; the tests must pass from the unpacked sdist."""
    out = Path(session.create_tmp()).resolve() / "dist"
    shutil.rmtree(out, ignore_errors=True)
    session.install("build")
    session.run("python", "-m", "build", "--outdir", str(out), external=False)
    sdist = next(out.glob("*.tar.gz"))
    with tarfile.open(sdist) as tar:
        tar.extractall(out, filter="data")
    unpacked = next(p for p in out.iterdir() if p.is_dir())
    wheel = next(out.glob("*.whl"))
    session.chdir(unpacked)
    session.install(f"{wheel}[test]")
    session.run("pytest", "-q", "-p", "no:cacheprovider")
