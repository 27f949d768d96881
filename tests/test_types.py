"""Types on everything: the package passes mypy --strict (pinned in the test extra)."""

from __future__ import annotations

import subprocess
import sys

from fixturekit import ROOT


def test_mypy_strict() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "bri_data"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
