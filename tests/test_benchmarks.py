"""Smoke test: the benchmark generator and runner work end to end (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bri_data.validate.run import validate
from fixturekit import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


def test_synthetic_package_is_valid_for_both_engines(tmp_path: Path) -> None:
    counts = synth.write(1000, tmp_path / "pkg")
    assert counts["citations"] == sum(counts[t] for t in ("actors", "events", "statements", "memberships", "relations"))
    for engine in ("rows", "columnar"):
        report = validate(tmp_path / "pkg", engine=engine)
        assert report.valid, report.counts
        assert sum(report.rows_checked.values()) == sum(counts.values())


def test_runner_produces_a_complete_report(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    doc_md = tmp_path / "BENCH.md"
    doc_md.write_text("before\n<!-- results:start -->\nold\n<!-- results:end -->\nafter\n")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeats", "1",
           "--cold-repeats", "1", "--errors-size", "1000", "--json", str(out), "--workdir", str(tmp_path / "w"),
           "--update", str(doc_md)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    doc = json.loads(out.read_text())
    for res in [doc["cold_start"], *doc["sizes"]]:
        assert res["bri-data"]["exit_codes"] == [0] and res["frictionless"]["exit_codes"] == [0]
        assert res["time_ratio"] > 0 and res["bri-data"]["peak_rss_mib"] > 0
    assert doc["sizes"][0]["rows"] == 1008
    assert doc["errors"]["exit_code"] == 1
    md = doc_md.read_text()
    assert md.startswith("before\n<!-- results:start -->\nMeasured ") and md.endswith("<!-- results:end -->\nafter\n")
    assert "| synthetic 1,008 | 1,008 |" in md and "\nold\n" not in md
