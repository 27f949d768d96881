"""The benchmark generator and runner work end to end (no timing assertions)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bri_data.contract import model as C
from bri_data.validate.reporters import as_json
from bri_data.validate.run import validate
from fixturekit import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
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
