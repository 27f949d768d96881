"""The benchmark generator and runner work end to end (no timing assertions)."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bri_data.contract import model as C
from bri_data.validation.reporters import as_json
from bri_data.validation.run import validate
from fixturekit import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import run
import synth


def _report(pkg: Path, engine: str) -> dict[str, object]:
    """The JSON report of ENGINE (what `validate --format json` prints), and which engine ran."""
    report = validate(pkg, engine=engine)
    doc = json.loads(as_json(report))
    used = doc.pop("engine")
    assert used["used"] == engine and used["note"] is None, used  # no silent switch to the other engine
    return doc


@pytest.mark.parametrize("shape", synth.SHAPES)
def test_synthetic_package_is_valid_for_both_engines(tmp_path: Path, shape: str) -> None:
    counts = synth.write(1000, tmp_path / "pkg", shape=shape)
    assert set(counts) == {t.name for t in C.TABLES} and 900 <= sum(counts.values()) <= 1100
    assert counts["citations"] >= sum(counts[t.name] for t in C.TABLES if t.must_be_cited)  # every record cited
    reports = {engine: _report(tmp_path / "pkg", engine) for engine in ("rows", "columnar")}
    assert reports["rows"]["valid"] is True and reports["rows"]["findings"] == [] and reports["rows"]["counts"] == {}
    assert reports["rows"]["rows_checked"] == counts
    assert reports["rows"] == reports["columnar"]


def _table(pkg: Path, name: str) -> list[dict[str, str]]:
    with (pkg / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_realistic_shape_has_what_real_data_has(tmp_path: Path) -> None:
    """The default shape is not the easy one: every property issue 14 names is present,
    and the records exercise the cross-record rules (children, events, chained spells)."""
    pkg = tmp_path / "pkg"
    synth.write(20_000, pkg)
    raw = "".join((pkg / t.path).read_text(encoding="utf-8") for t in C.TABLES)
    assert '""' in raw and ',"' in raw  # quoted fields holding commas and doubled quotes
    statements = _table(pkg, "statements")
    assert sum('"' in r["text"] and "," in r["text"] for r in statements) >= 50
    assert sum(ord(ch) > 127 for ch in raw) > 10_000  # non-ASCII text
    actors = _table(pkg, "actors")
    aliases = [a for r in actors for a in r["aliases"].split(";")]
    assert len(aliases) >= 2.5 * len(actors)
    leading = Counter(a.split()[0] for a in aliases if " " in a)
    assert leading["the"] >= 0.1 * len(aliases) and leading["President"] >= 50  # common words first
    assert Counter(r["name"].split()[0] for r in actors).most_common(1)[0][1] >= 20  # first names repeat
    dated = [r[c] for t, cols in (("events", ["date"]), ("statements", ["date"]), ("memberships", ["start", "end"]))
             for r in _table(pkg, t) for c in cols if r[c]]
    assert len(set(dated)) >= 2000
    assert any(d.startswith("../") for d in dated) and any(d.endswith("/..") for d in dated)
    assert any(d.startswith("/") for d in dated) and any(d.endswith("/") for d in dated)
    assert sum("/" in d and ".." not in d and not d.startswith("/") and not d.endswith("/") for d in dated) >= 500  # closed intervals
    assert sum(d[-1] in "?~%" for d in dated) >= 100  # qualified dates
    events = _table(pkg, "events")
    assert len({r["location"] for r in events}) >= 30 and len({r["summary"] for r in events}) >= 0.95 * len(events)
    assert len({r["country"] for r in actors}) >= 150
    assert sum(bool(r["parent_event_id"]) for r in events) >= 0.2 * len(events)
    assert sum(bool(r["event_id"]) for r in statements) >= 0.7 * len(statements)
    spells = _table(pkg, "memberships")
    chains = Counter((r["member_id"], r["organization_id"]) for r in spells)
    assert chains.most_common(1)[0][1] >= 3 and sum(bool(r["start_event_id"]) for r in spells) >= 50
    qualifies = [r for r in _table(pkg, "relations") if r["kind"] == C.OVERLAP_REASON and r["subject_id"].startswith("mem-")]
    assert qualifies  # overlapping spells, each explained by a relation


def test_simple_shape_is_the_easy_one(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    synth.write(1000, pkg, shape="simple")
    actors = _table(pkg, "actors")
    assert all(r["aliases"] == r["name"] for r in actors)
    events = _table(pkg, "events")
    assert len({r["date"] for r in events}) <= len(synth.SIMPLE_DATES) and len({r["location"] for r in events}) == 1
    assert '"' not in (pkg / "data" / "statements.csv").read_text(encoding="utf-8")


def test_engines_agree_on_an_error_injected_realistic_package(tmp_path: Path) -> None:
    """Issue 14: the realistic generator at 10k+ rows, errors injected across the layers;
    both engines run (no fallback) and print the same JSON report."""
    pkg = tmp_path / "pkg"
    synth.write(12_000, pkg)
    damaged = synth.inject_errors(pkg)
    assert sum(damaged.values()) > 1000
    rows, columnar = _report(pkg, "rows"), _report(pkg, "columnar")
    assert rows["valid"] is False and rows["exit_code"] == 1
    assert rows == columnar
    counts = rows["counts"]
    assert isinstance(counts, dict)
    expected = {
        "row.required", "row.pattern", "row.enum", "row.type", "row.minimum", "row.max_length", "row.control_character",
        "key.duplicate", "key.duplicate_global", "key.foreign", "key.cycle",
        "semantic.edtf", "semantic.date_order", "semantic.country", "semantic.date_basis", "semantic.self_reference",
        "provenance.alias", "provenance.quote_mismatch", "provenance.quote_empty", "provenance.offset_range",
        "provenance.line_range", "provenance.statement_text", "provenance.uncited",
        "consistency.parent_date", "consistency.statement_event_date", "consistency.spell_event_date",
        "consistency.spell_overlap", "consistency.spell_open", "consistency.date_citation", "consistency.actor_unused",
    }  # fmt: skip
    assert expected <= set(counts), sorted(expected - set(counts))
    assert sum(counts.values()) > 2000 and len(rows["findings"]) > 1000  # type: ignore[arg-type]


def test_runner_produces_a_complete_report(tmp_path: Path) -> None:
    """Tiny sizes, so every 1M/3M target renders as not measured; the rest is real."""
    out = tmp_path / "results.json"
    doc_md = tmp_path / "BENCH.md"
    doc_md.write_text("before\n<!-- results:start -->\nold\n<!-- results:end -->\nafter\n")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeats", "1", "--cold-repeats", "1",
           "--errors-size", "1000", "--export-size", "1000", "--json", str(out), "--workdir", str(tmp_path / "w"),
           "--update", str(doc_md), "--allow-busy"]  # the test machine is shared
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1,000 rows: frictionless, run 1/1" in proc.stderr  # progress on stderr
    doc = json.loads(out.read_text())
    machine = doc["machine"]
    assert machine["nproc"] >= 1 and len(machine["load_before"]) == len(machine["load_after"]) == 3
    assert machine["versions"]["frictionless"] and machine["versions"]["pandera"] and machine["versions"]["polars"]
    assert isinstance(machine["busy"], bool)
    size = doc["sizes"][0]
    assert size["rows"] == 1000
    for name in ("bri-data", "bri-data --engine rows", "pandera", "frictionless"):
        s = size[name]
        assert s["exit_codes"] == [0] and s["median_s"] > 0 and s["peak_rss_mib"] > 0 and s["timed_out"] == 0, name
        assert len(s["other_cores_per_run"]) == 1
    # The command's own memory, not the runner's: the launcher keeps the runner's size out.
    assert size["bri-data"]["peak_rss_mib"] < size["pandera"]["peak_rss_mib"]
    assert doc["cold_start"]["bri-data"]["exit_codes"] == doc["cold_start"]["frictionless"]["exit_codes"] == [0]
    assert doc["errors"]["bri-data"]["exit_codes"] == doc["errors"]["bri-data --engine rows"]["exit_codes"] == [1]
    assert doc["errors"]["bri-data (valid package)"]["exit_codes"] == doc["errors"]["bri-data --engine rows (valid package)"]["exit_codes"] == [0]
    assert doc["errors"]["bri-data"]["expected_exit"] == 1 and doc["errors"]["bri-data (valid package)"]["expected_exit"] == 0
    # Error-heavy against its valid twin: the same flags, only the package differs.
    cmds = doc["errors"]["commands"]
    for engine in ("bri-data", "bri-data --engine rows"):
        assert cmds[engine].replace("errors-", "synth-") == cmds[f"{engine} (valid package)"], cmds
    for fmt in ("sqlite", "duckdb", "parquet"):
        assert doc["exports"][f"export {fmt}"]["exit_codes"] == [0]
    assert (tmp_path / "w" / "exports" / "out.parquet" / "events" / "events.parquet").is_file()
    assert 0 < doc["load"]["median_s"] < 30 and 0 < doc["load"]["pydantic_import_median_s"] < 30
    md = doc_md.read_text()
    assert md.startswith("before\n<!-- results:start -->\nMeasured ") and md.endswith("<!-- results:end -->\nafter\n")
    assert "| synthetic 1,000 | 1,000 | pandera |" in md and "\nold\n" not in md
    assert f"on {machine['nproc']} cores" in md and f"frictionless {machine['versions']['frictionless']}" in md
    assert ("**Measured on a busy machine**" in md) == machine["busy"]
    # bri_data timed with its bytecode, as the peers installed by pip are (and said so).
    assert doc["bytecode"].startswith("bri_data's modules (") and "compiled to bytecode" in doc["bytecode"] and doc["bytecode"] in md
    compiled = Path(doc["bytecode"].split("(", 1)[1].split(")", 1)[0])  # the bri_data the runner's Python imports
    assert Path(importlib.util.cache_from_source(str(compiled / "contract" / "model.py"))).is_file()
    verdicts = [line for line in md.split("Targets (issue 14)")[1].splitlines() if line.endswith(("| yes |", "| **no** |", "| — |"))]
    assert len(verdicts) == len(run.targets(doc)) == 18
    assert sum("not measured" in v for v in verdicts) == 16  # all but cold start and load()


def test_runner_skips_the_row_engine_and_frictionless_above_their_limits(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "500", "1000", "--repeats", "1", "--cold-repeats", "1",
           "--errors-size", "1000", "--export-size", "0", "--rows-max", "500", "--peer-max", "500", "--json", str(out),
           "--workdir", str(tmp_path / "w"), "--allow-busy"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    small, large = doc["sizes"]
    assert {"bri-data", "bri-data --engine rows", "pandera", "frictionless"} <= set(small)
    assert "bri-data" in large and "pandera" in large and "bri-data --engine rows" not in large and "frictionless" not in large
    assert "bri-data --engine rows" not in doc["errors"] and "bri-data --engine rows (valid package)" not in doc["errors"]
    assert "exports" not in doc


def _fake_busy_machine() -> Iterator[int]:
    """/proc/stat as other processes keeping every core busy: far more busy ticks than any run uses."""
    ticks = 0
    while True:
        ticks += 10**7
        yield ticks


def test_runner_refuses_a_busy_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    monkeypatch.setattr(run, "load_average", lambda: (64.0, 64.0, 64.0))
    assert run.main(["--sizes", "1000", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "refusing to measure" in err and "64.00" in err and "--allow-busy" in err
    assert not out.exists()


def test_runner_does_not_write_results_measured_while_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Quiet before, busy during the runs: nothing written, unless --allow-busy (and then the results say so)."""
    monkeypatch.setattr(run, "load_average", lambda: (0.0, 0.0, 0.0))
    fake = _fake_busy_machine()
    monkeypatch.setattr(run, "busy_jiffies", lambda: next(fake))
    out, md = tmp_path / "results.json", tmp_path / "BENCH.md"
    md.write_text("<!-- results:start -->\nold\n<!-- results:end -->\n")
    args = ["--sizes", "1000", "--repeats", "1", "--cold-repeats", "1", "--errors-size", "0", "--export-size", "0",
            "--workdir", str(tmp_path / "w"), "--json", str(out), "--update", str(md)]
    assert run.main(args) == 2
    assert "not writing results" in capsys.readouterr().err and not out.exists() and "old" in md.read_text()
    assert run.main([*args, "--allow-busy"]) == 0
    doc = json.loads(out.read_text())
    assert doc["machine"]["busy"] is True and doc["machine"]["other_cores"] > doc["machine"]["max_load"]
    assert "**Measured on a busy machine**" in md.read_text()


@pytest.mark.parametrize(("other", "written"), [(0.3, True), (0.6, False), (1.0, False)])
def test_one_busy_core_of_two_is_a_busy_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: float, written: bool) -> None:
    """By default, other processes keeping half a core of two busy during a run make the results unwritten
    (one busy core of two moved the 1M-row ratio from 12.2x to 8.3x in issue 14)."""
    monkeypatch.setattr(run, "nproc", lambda: 2)
    monkeypatch.setattr(run, "load_average", lambda: (0.0, 0.0, 0.0))
    fake = {"wall": 1.0, "rss": 50 * run.MiB, "code": 0, "timed_out": False, "cpu": 1.0, "other": other}
    monkeypatch.setattr(run, "measure", lambda cmd, timeout: dict(fake))
    out = tmp_path / "results.json"
    args = ["--sizes", "1000", "--repeats", "1", "--cold-repeats", "1", "--errors-size", "0", "--export-size", "0",
            "--workdir", str(tmp_path / "w"), "--json", str(out)]
    assert run.main(args) == (0 if written else 2)
    assert out.exists() == written


def test_an_interrupted_error_heavy_package_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated but not yet broken when the run stops: the next run generates it again and breaks it."""
    def interrupted(pkg: Path) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(run, "break_every_row", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run.package(tmp_path, 1000, "simple", broken=True)
    assert not (tmp_path / "errors-simple-1000").exists()
    pkg = run.package(tmp_path, 1000, "simple", broken=True)
    assert pkg == tmp_path / "errors-simple-1000" and validate(pkg).exit_code == 1


def test_render_refuses_results_of_the_issue_5_runner(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"date": "2026-11-24", "machine": {"python": "3.11.7", "cpus": 2}, "sizes": []}))
    assert run.main(["--render", str(old)]) == 2


def _stats(seconds: float, rows: int, rss: float = 100.0, code: int = 0, timed_out: int = 0, expected: int | None = None) -> dict[str, object]:
    return {"median_s": seconds, "rows_per_s": round(rows / seconds), "peak_rss_mib": rss, "exit_codes": [code], "runs": 3,
            "timed_out": timed_out, "expected_exit": code if expected is None else expected}


def _crafted() -> dict[str, Any]:
    m, k, g = 1_000_000, 100_000, 3_000_000
    return {
        "date": "2026-12-01", "shape": "realistic", "repeats": 3, "cold_repeats": 10, "timeout_s": 600,
        "machine": {"python": "3.11.7", "platform": "Linux", "nproc": 2, "cpus": 2, "load_before": [0.1, 0.2, 0.3],
                    "load_after": [0.4, 0.3, 0.3], "other_cores": 0.05, "max_load": 1.0, "busy": False,
                    "versions": {"bri-data": "0.2.0", "frictionless": "5.18.0", "pandera": "0.35.0", "polars": "1.28.0"}},
        "cold_start": {"rows": 528, "bri-data": _stats(0.15, 528), "frictionless": _stats(0.6, 528)},
        "load": {"median_s": 0.2, "runs": 3, "pydantic_import_median_s": 0.12},
        "sizes": [
            {"rows": k, "bri-data --engine rows": _stats(0.5, k), "frictionless": _stats(4.0, k)},
            {"rows": m, "bri-data": _stats(1.0, m, 250), "bri-data --engine rows": _stats(5.0, m, 200),
             "pandera": _stats(1.2, m, 360), "frictionless": _stats(30.0, m, 280)},
            {"rows": g, "bri-data": _stats(3.2, g, 700), "bri-data --engine rows": _stats(20.0, g, 500)},
        ],
        "errors": {"rows": m, "bri-data (valid package)": _stats(1.0, m), "bri-data": _stats(2.5, m, 310, 1),
                   "bri-data --engine rows (valid package)": _stats(4.0, m, 200), "bri-data --engine rows": _stats(6.0, m, 200, 1)},
        "exports": {"rows": m, "bri-data validate": _stats(1.0, m), "export sqlite": _stats(2.0, m), "export duckdb": _stats(3.5, m),
                    "export parquet": _stats(1.5, m)},
    }


def test_targets_are_judged_from_ratios_of_one_run(tmp_path: Path) -> None:
    results = _crafted()
    got = {target: (measured, met) for target, measured, met in run.targets(results)}
    assert len(got) == 18 and None not in {met for _, met in got.values()}  # every target judged
    assert got["1M rows: no slower than pandera-polars (which runs a subset of the checks)"] == ("pandera's time / bri-data's: 1.20", True)
    assert got["1M rows: at least 25x frictionless's rows/s (the pandera target)"] == ("30.0x", True)
    assert got["1M rows, all checks, realistic data: at least 20x frictionless's rows/s"] == ("30.0x", True)
    assert got["peak RSS under 300 MiB at 1M rows, valid package"] == ("250 MiB", True)
    assert got["peak RSS under 300 MiB at 1M rows, error-heavy package"] == ("310 MiB", False)
    assert got["linear up to 3M rows, columnar (auto): 3M takes at most 3.5x the time of 1M"] == ("3.20x", True)
    assert got["linear up to 3M rows, row engine: 3M takes at most 3.5x the time of 1M"] == ("4.00x", False)
    assert got["linear up to 3M rows, columnar (auto): at most 3.5x the peak memory of 1M"] == ("2.80x", True)
    assert got["error-heavy 1M: at most 2x the valid package's time"] == ("2.50x", False)
    # Against the row engine's valid twin of the errors block (4.0 s), not the 1M size block's run (5.0 s).
    assert got["no input shape superlinear: error-heavy 1M, row engine, at most 2x its valid time"] == ("1.50x", True)
    assert got["row engine at 100k rows: at least 150k rows/s"] == ("200,000 rows/s", True)
    assert got["row engine at 100k rows: at least 4x frictionless's rows/s"] == ("8.0x", True)
    assert got["1M-row export to sqlite: within 3x the time to validate the package"] == ("2.00x", True)
    assert got["1M-row export to duckdb: within 3x the time to validate the package"] == ("3.50x", False)
    assert got["shipped package, cold process: at most 0.3x frictionless's wall time"] == ("0.25x", True)
    assert got["`load()` under 0.15 s"] == ("0.200 s (importing pydantic alone: 0.120 s)", False)
    assert "importing pydantic (the record classes' base) alone takes a median 0.120 s" in run.markdown(results)
    # Results written before the floor was measured still render and are judged.
    del results["load"]["pydantic_import_median_s"]
    assert run.targets(results)[-1] == ("`load()` under 0.15 s", "0.200 s", False)
    # A run killed at the timeout is a bound: its target is not met, whatever the ratio.
    results["sizes"][2]["bri-data"] = _stats(3.0, 3_000_000, 700, -9, timed_out=1)
    got = {target: (measured, met) for target, measured, met in run.targets(results)}
    assert got["linear up to 3M rows, columnar (auto): 3M takes at most 3.5x the time of 1M"] == ("3.00x (a run was killed at the timeout)", False)
    # A run that did not complete (a crash, a command not found) measured something else: a miss, whatever the figure.
    results["sizes"][1]["bri-data"] = _stats(0.5, 1_000_000, 80, 2, expected=0)
    results["sizes"][1]["frictionless"] = _stats(0.01, 1_000_000, 10, 127, expected=0)
    got = {target: (measured, met) for target, measured, met in run.targets(results)}
    assert got["peak RSS under 300 MiB at 1M rows, valid package"] == ("80 MiB (a run did not complete: exit 2, expected 0)", False)
    assert got["1M rows: no slower than pandera-polars (which runs a subset of the checks)"][1] is False
    assert got["1M rows: at least 25x frictionless's rows/s (the pandera target)"] == (
        "0.0x (a run did not complete: exit 2, expected 0; exit 127, expected 0)", False)
    results["errors"]["bri-data"] = _stats(0.9, 1_000_000, 250, 0, expected=1)  # the error-heavy package judged valid
    got = {target: (measured, met) for target, measured, met in run.targets(results)}
    assert got["error-heavy 1M: at most 2x the valid package's time"] == ("0.90x (a run did not complete: exit 0, expected 1)", False)
    # The simple shape does not judge the realistic-data target.
    results["shape"] = "simple"
    assert dict((t, met) for t, _, met in run.targets(results))["1M rows, all checks, realistic data: at least 20x frictionless's rows/s"] is None
    # Rendered, with the verdicts, and re-rendered from JSON without measuring.
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    md = tmp_path / "BENCH.md"
    md.write_text("head\n<!-- results:start -->\nold\n<!-- results:end -->\ntail\n")
    assert run.main(["--render", str(path), "--update", str(md)]) == 0
    text = md.read_text()
    assert "| 1M-row export to duckdb: within 3x the time to validate the package | 3.50x | **no** |" in text
    assert "≥ 3.0 s (killed at the timeout)" in text and "on 2 cores" in text and "frictionless 5.18.0" in text
    # How the numbers are judged, and what the pandera peer checks and does not, are stated with them.
    assert "killed after 600 s" in text and '"not measured", never met' in text and "the command's own" in text
    assert "pandera runs a subset of the checks: dtypes" in text and "It does not check EDTF dates" in text
    assert text.startswith("head\n") and text.endswith("<!-- results:end -->\ntail\n") and "\nold\n" not in text


def test_pandera_peer_exits_like_a_validator(tmp_path: Path) -> None:
    """0 on a valid package; 1 with a vocabulary error, a dangling foreign key and a duplicate id; 2 unreadable."""
    pkg = tmp_path / "pkg"
    synth.write(1000, pkg)
    peer = [sys.executable, str(ROOT / "benchmarks" / "pandera_peer.py"), str(pkg)]
    assert subprocess.run(peer, capture_output=True, timeout=120).returncode == 0
    for table, column, value in (("actors", "kind", "wizard"), ("events", "actor_id", "act-nobody"), ("statements", None, None)):
        path = pkg / "data" / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        if column is None:
            rows.append(rows[1])  # a duplicate row: its id twice
        else:
            rows[2][rows[0].index(column)] = value
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    proc = subprocess.run(peer, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failing = {line.split(":")[0] for line in proc.stdout.splitlines() if "failure case" in line}
    assert failing == {"actors", "events", "statements"}
    (pkg / "data" / "events.csv").unlink()
    assert subprocess.run(peer, capture_output=True, timeout=120).returncode == 2


def test_benchmarks_md_shows_the_committed_results() -> None:
    """BENCHMARKS.md's results block is the rendering of benchmarks/results.json (the
    runner writes both; nobody edits the figures by hand)."""
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    start, end = run.MARKERS
    shown = text.split(start, 1)[1].split(end, 1)[0]
    assert shown == run.markdown(results), "re-render: python benchmarks/run.py --render benchmarks/results.json --update BENCHMARKS.md"


def test_load_floor_imports_what_the_record_classes_import() -> None:
    """The floor the runner times beside `load()` is the pydantic import of the record
    classes' module: a change to that import must change the floor too."""
    source = (ROOT / "bri_data" / "dataset" / "records.py").read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("from pydantic", "import pydantic"))]
    assert imports and all(line in run.PYDANTIC_SNIPPET for line in imports), imports
