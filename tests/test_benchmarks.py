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
import run
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
    """Tiny sizes, so every 1M/3M target renders as not measured; the rest is real."""
    out = tmp_path / "results.json"
    doc_md = tmp_path / "BENCH.md"
    doc_md.write_text("before\n<!-- results:start -->\nold\n<!-- results:end -->\nafter\n")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeats", "1", "--cold-repeats", "1",
           "--errors-size", "1000", "--export-size", "1000", "--json", str(out), "--workdir", str(tmp_path / "w"),
           "--update", str(doc_md), "--allow-busy"]  # the test machine is shared
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    doc = json.loads(out.read_text())
    machine = doc["machine"]
    assert machine["nproc"] >= 1 and len(machine["load_before"]) == len(machine["load_after"]) == 3
    assert machine["versions"]["frictionless"] and machine["versions"]["pandera"] and isinstance(machine["busy"], bool)
    size = doc["sizes"][0]
    assert size["rows"] == 1000
    for name in ("bri-data", "bri-data --engine rows", "pandera", "frictionless"):
        assert size[name]["exit_codes"] == [0] and size[name]["median_s"] > 0 and size[name]["peak_rss_mib"] > 0, name
    assert doc["cold_start"]["bri-data"]["exit_codes"] == doc["cold_start"]["frictionless"]["exit_codes"] == [0]
    assert doc["errors"]["bri-data"]["exit_codes"] == doc["errors"]["bri-data --engine rows"]["exit_codes"] == [1]
    for fmt in ("sqlite", "duckdb", "parquet"):
        assert doc["exports"][f"export {fmt}"]["exit_codes"] == [0]
    assert (tmp_path / "w" / "exports" / "out.parquet" / "events" / "events.parquet").is_file()
    assert 0 < doc["load"]["median_s"] < 30
    md = doc_md.read_text()
    assert md.startswith("before\n<!-- results:start -->\nMeasured ") and md.endswith("<!-- results:end -->\nafter\n")
    assert "| synthetic 1,000 | 1,000 | pandera |" in md and "\nold\n" not in md
    assert f"on {machine['nproc']} cores" in md and f"frictionless {machine['versions']['frictionless']}" in md
    assert ("**Measured on a busy machine**" in md) == machine["busy"]
    verdicts = [line for line in md.split("Targets (issue 14)")[1].splitlines() if line.endswith(("| yes |", "| **no** |", "| — |"))]
    assert len(verdicts) == len(run.targets(doc)) == 18
    assert sum("not measured" in v for v in verdicts) == 16  # all but cold start and load()


def test_pandera_peer_exits_like_a_validator(tmp_path: Path) -> None:
    """0 on a valid package; 1 with a vocabulary error, a dangling foreign key and a duplicate id."""
    pkg = tmp_path / "pkg"
    synth.write(1000, pkg)
    peer = [sys.executable, str(ROOT / "benchmarks" / "pandera_peer.py"), str(pkg)]
    assert subprocess.run(peer, capture_output=True, timeout=120).returncode == 0
    for table, column, value in (("actors", "kind", "wizard"), ("events", "actor_id", "act-nobody"), ("statements", "id", None)):
        path = pkg / "data" / f"{table}.csv"
        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        i = rows[0].index(column)
        rows[2][i] = rows[1][i] if value is None else value
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    proc = subprocess.run(peer, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failing = {line.split(":")[0] for line in proc.stdout.splitlines() if "failure case" in line}
    assert failing == {"actors", "events", "statements", "citations"}  # citations: the overwritten id is gone


def test_runner_refuses_a_busy_machine(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--max-load", "-1", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "refusing to measure" in proc.stderr and "--allow-busy" in proc.stderr
    assert not out.exists()


def _stats(seconds: float, rows: int, rss: float = 100.0, code: int = 0) -> dict[str, object]:
    return {"median_s": seconds, "rows_per_s": round(rows / seconds), "peak_rss_mib": rss, "exit_codes": [code], "runs": 3}


def test_targets_are_judged_from_ratios_of_one_run() -> None:
    m, k, g = 1_000_000, 100_000, 3_000_000
    results = {
        "cold_start": {"rows": 528, "bri-data": _stats(0.15, 528), "frictionless": _stats(0.6, 528)},
        "load": {"median_s": 0.2, "runs": 3},
        "sizes": [
            {"rows": k, "bri-data --engine rows": _stats(0.5, k), "frictionless": _stats(4.0, k)},
            {"rows": m, "bri-data": _stats(1.0, m, 250), "bri-data --engine rows": _stats(5.0, m, 200),
             "pandera": _stats(1.2, m, 360), "frictionless": _stats(30.0, m, 280)},
            {"rows": g, "bri-data": _stats(3.2, g, 700), "bri-data --engine rows": _stats(20.0, g, 500)},
        ],
        "errors": {"rows": m, "bri-data (valid package)": _stats(1.0, m), "bri-data": _stats(2.5, m, 310, 1),
                   "bri-data --engine rows": _stats(6.0, m, 200, 1)},
        "exports": {"rows": m, "bri-data validate": _stats(1.0, m), "export sqlite": _stats(2.0, m), "export duckdb": _stats(3.5, m),
                    "export parquet": _stats(1.5, m)},
    }
    got = {target: (measured, met) for target, measured, met in run.targets(results)}
    assert got["1M rows: no slower than pandera-polars (which runs a subset of the checks)"] == ("pandera's time / bri-data's: 1.20", True)
    assert got["1M rows: at least 25x frictionless's rows/s (the pandera target)"] == ("30.0x", True)
    assert got["peak RSS under 300 MiB at 1M rows, error-heavy package"] == ("310 MiB", False)
    assert got["linear up to 3M rows, columnar (auto): 3M takes at most 3.5x the time of 1M"] == ("3.20x", True)
    assert got["linear up to 3M rows, row engine: 3M takes at most 3.5x the time of 1M"] == ("4.00x", False)
    assert got["linear up to 3M rows, columnar (auto): at most 3.5x the peak memory of 1M"] == ("2.80x", True)
    assert got["error-heavy 1M: at most 2x the valid package's time"] == ("2.50x", False)
    assert got["no input shape superlinear: error-heavy 1M, row engine, at most 2x its valid time"] == ("1.20x", True)
    assert got["row engine at 100k rows: at least 150k rows/s"] == ("200,000 rows/s", True)
    assert got["row engine at 100k rows: at least 4x frictionless's rows/s"] == ("8.0x", True)
    assert got["1M-row export to duckdb: within 3x the time to validate the package"] == ("3.50x", False)
    assert got["shipped package, cold process: at most 0.3x frictionless's wall time"] == ("0.25x", True)
    assert got["`load()` under 0.15 s"] == ("0.200 s", False)
