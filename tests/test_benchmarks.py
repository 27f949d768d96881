"""Smoke test: the benchmark generator and runner work end to end (no timing assertions)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bri_data.contract import model as C
from bri_data.validate.run import validate
from fixturekit import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


@pytest.mark.parametrize("shape", synth.SHAPES)
def test_synthetic_package_is_valid_for_both_engines(tmp_path: Path, shape: str) -> None:
    counts = synth.write(1000, tmp_path / "pkg", shape=shape)
    assert set(counts) == {t.name for t in C.TABLES} and 900 <= sum(counts.values()) <= 1100
    cited = sum(counts[t.name] for t in C.TABLES if t.must_be_cited)
    assert counts["citations"] >= cited  # every record cited at least once
    reports = {}
    for engine in ("rows", "columnar"):
        report = validate(tmp_path / "pkg", engine=engine)
        assert report.valid and report.engine == engine and report.engine_note is None, (engine, report.counts)
        assert report.rows_checked == counts
        reports[engine] = ([f.to_dict() for f in report.sorted_findings()], dict(report.counts), report.rows_checked)
    assert reports["rows"] == reports["columnar"]


def _table(pkg: Path, name: str) -> list[dict[str, str]]:
    with (pkg / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_realistic_shape_has_what_real_data_has(tmp_path: Path) -> None:
    """The default shape is not the easy one: every property issue 14 names is present."""
    pkg = tmp_path / "pkg"
    synth.write(3000, pkg)
    raw = "".join((pkg / t.path).read_text(encoding="utf-8") for t in C.TABLES)
    assert '""' in raw and ',"' in raw  # quoted fields holding commas and doubled quotes
    assert sum(ord(ch) > 127 for ch in raw) > 1000  # non-ASCII text
    actors = _table(pkg, "actors")
    aliases = [a for r in actors for a in r["aliases"].split(";")]
    assert len(aliases) >= 2.5 * len(actors)
    leading = Counter(a.split()[0] for a in aliases if " " in a)
    assert leading["the"] >= 0.1 * len(aliases)  # "the Belarusian president", shared words first
    assert Counter(r["name"].split()[0] for r in actors).most_common(1)[0][1] >= 5  # first names repeat
    dated = [r[c] for t, cols in (("events", ["date"]), ("statements", ["date"]), ("memberships", ["start", "end"]))
             for r in _table(pkg, t) for c in cols if r[c]]
    assert len(set(dated)) >= 0.6 * len(dated) and len(set(dated)) >= 400
    assert any(d.startswith("../") for d in dated) and any(d.endswith("/..") for d in dated)
    assert any(d.startswith("/") for d in dated) and sum("/" in d and ".." not in d for d in dated) >= 50
    events = _table(pkg, "events")
    assert len({r["location"] for r in events}) >= 20 and len({r["summary"] for r in events}) >= 0.95 * len(events)
    assert len({r["country"] for r in actors}) >= 50


def test_simple_shape_is_the_easy_one(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    synth.write(1000, pkg, shape="simple")
    actors = _table(pkg, "actors")
    assert all(r["aliases"] == r["name"] for r in actors)
    assert len({r["date"] for r in _table(pkg, "events")}) <= 7 and len({r["location"] for r in _table(pkg, "events")}) == 1
    assert '"' not in (pkg / "data" / "statements.csv").read_text(encoding="utf-8")


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
    assert doc["sizes"][0]["rows"] == 1000
    assert doc["errors"]["exit_code"] == 1
    md = doc_md.read_text()
    assert md.startswith("before\n<!-- results:start -->\nMeasured ") and md.endswith("<!-- results:end -->\nafter\n")
    assert "| synthetic 1,000 | 1,000 |" in md and "\nold\n" not in md
