"""The columnar engine reports exactly what the row engine reports."""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

import pytest

from bri_data.build.generate import build
from bri_data.contract import model as C
from bri_data.findings import Report
from bri_data.validate.columnar import ColumnarRun, Unsupported
from bri_data.validate.descriptor import check_descriptor, read_descriptor
from bri_data.validate.run import validate
from fixturekit import ROOT, build_case, cases, cli_runner, copy_package, refresh_hashes

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


def _findings(pkg: Path, engine: str) -> tuple[list[dict[str, object]], dict[str, int]]:
    report = validate(pkg, engine=engine)
    return [f.to_dict() for f in report.sorted_findings()], dict(report.counts)


def _runs_columnar(pkg: Path) -> bool:
    report = Report(str(pkg))
    desc = read_descriptor(pkg / "datapackage.json", report)
    assert desc is not None
    try:
        ColumnarRun(pkg, check_descriptor(desc, report), Report(str(pkg))).run()
    except Unsupported:
        return False
    return True


@pytest.mark.parametrize("case_dir", cases(), ids=lambda p: p.name)
def test_engines_agree_on_every_fixture(case_dir: Path, tmp_path: Path) -> None:
    """Same findings; and the engine that ran is the one the case says (no silent switch)."""
    spec = build_case(case_dir, tmp_path)
    pkg = spec["package"]
    report = validate(pkg, engine="columnar")
    assert _findings(pkg, "columnar") == _findings(pkg, "rows")
    if spec["expect"]["columnar"] == "runs":
        assert report.engine == "columnar" and report.engine_note is None
    elif spec["expect"]["columnar"] == "declines":
        assert report.engine == "rows" and report.engine_note and "declined" in report.engine_note
    else:  # the descriptor cannot be read: no engine reaches the tables
        assert report.engine is None


def test_enough_fixtures_really_run_columnar() -> None:
    runs = [c for c in cases() if json.loads((c / "case.json").read_text())["expect"]["columnar"] == "runs"]
    assert len(runs) >= 35, [c.name for c in runs]
    assert _runs_columnar(ROOT)


def _inject(pkg: Path, rng: random.Random, extra: dict[str, list[str]] | None = None) -> int:
    """Damage ~2% of cells in every table with values each check must catch (and EXTRA's)."""
    bad: dict[str, list[str]] = {
        "id": ["Bad Id", "", "act-0", "evt-0"],
        "date": ["2023-02-30", "yesterday", "2024-10-24/2024-10-23"],
        "start": ["2025"],
        "end": ["2001"],
        "country": ["ZZZ", "blr"],
        "kind": ["wizard"],
        "type": ["sumit"],
        "aliases": ["Atlantis", " padded", "a;;b"],
        "speaker_id": ["act-nobody"],
        "actor_id": ["act-nobody"],
        "parent_event_id": ["evt-nobody"],
        "record_id": ["mem-nobody", "cit-1"],
        "source_id": ["src-nobody"],
        "line": ["0", "99999", "x"],
        "char_start": ["-1", "500"],
        "char_end": ["0", "100000"],
        "quote": ["not the text", ""],
        "text": ["never said"],
        "date_basis": [""],
        "mode": ["shouted"],
    }
    for col, values in (extra or {}).items():
        bad[col] = bad.get(col, []) + values
    n = 0
    for table in C.TABLES[1:]:
        path = pkg / table.path
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            for i, col in enumerate(rows[0]):
                if col in bad and rng.random() < 0.02:
                    row[i] = rng.choice(bad[col])
                    n += 1
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    build(pkg, docs=False)  # fresh hashes: only the specific checks can catch the damage
    return n


def test_engines_agree_on_an_error_injected_synthetic_package(tmp_path: Path) -> None:
    pkg = tmp_path / "synth"
    synth.write(6000, pkg, shape="simple")
    assert _findings(pkg, "columnar") == _findings(pkg, "rows") == ([], {})
    assert _inject(pkg, random.Random(11)) > 200
    assert _runs_columnar(pkg)
    col, rows = _findings(pkg, "columnar"), _findings(pkg, "rows")
    assert col[1] == rows[1] and len(rows[1]) >= 15, rows[1]
    assert col[0] == rows[0]


# Damage that real data invites: quoted cells, common-word and case-variant aliases,
# open date bounds gone wrong, non-ASCII look-alikes.
REALISTIC = {
    "aliases": ["the Belarusian presidency", "The", "the", "the Belarusian president;the", "Łukasz;the Kazakh leader", "Minsk, \"Belarus\""],
    "date": ["../..", "2024-10-31/..x", "../2024-13", "2024-21/2023", "/", "2024-10-23/2024-10-22"],
    "start": ["2025-10-23/..", "../2030"],
    "end": ["../1990", "1990/.."],
    "summary": ["", "a, \"quoted\" summary", "é" * 5001],
    "location": ["São Paulo, \"Brazil\"", ""],
    "text": ["said, \"no\"", "«non-verbatim»"],
    "quote": ["\u201cBRICS\u201d", "Minsk,"],
    "country": ["BLR", "XKX", "Blr"],
}


def test_engines_agree_on_an_error_injected_realistic_package(tmp_path: Path) -> None:
    """Issue 14: the realistic generator at 10k+ rows, error-injected; the columnar engine runs."""
    pkg = tmp_path / "synth"
    synth.write(12000, pkg)
    assert _findings(pkg, "columnar") == _findings(pkg, "rows") == ([], {})
    rng = random.Random(14)
    assert _inject(pkg, rng, extra=REALISTIC) > 1000
    assert _runs_columnar(pkg)
    col, rows = _findings(pkg, "columnar"), _findings(pkg, "rows")
    assert col[1] == rows[1] and len(rows[1]) >= 20, rows[1]
    assert rows[1]["provenance.alias"] >= 5 and rows[1]["semantic.edtf"] >= 20
    assert col[0] == rows[0]


def test_dangling_reference_names_the_owner_known_at_its_row(tmp_path: Path) -> None:
    """A reference to an id of its own table (not a self-reference column): the row engine
    knows the id only from its row on, and the columnar engine says the same."""
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "memberships.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("start_event_id")
    rows[1][col] = rows[3][0]  # an id that comes later
    rows[4][col] = rows[2][0]  # one that came before
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    refresh_hashes(pkg)
    assert _runs_columnar(pkg)
    col_findings, row_findings = _findings(pkg, "columnar"), _findings(pkg, "rows")
    assert col_findings == row_findings
    foreign = {f["line"]: f["message"] for f in row_findings[0] if f["code"] == "key.foreign"}
    assert "(it is a memberships id)" not in foreign[2] and "(it is a memberships id)" in foreign[5]


def test_verbatim_check_follows_ids_that_break_their_pattern(tmp_path: Path) -> None:
    """A statement and its citations renamed to an id without the table prefix: the row
    engine still matches the quote to the text, and so must the columnar engine."""
    pkg = copy_package(tmp_path / "pkg")
    tables = {}
    for name in ("statements", "citations"):
        with (pkg / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            tables[name] = list(csv.reader(fh))
    old = tables["statements"][1][0]
    tables["statements"][1][0] = "Bad Id"
    record = tables["citations"][0].index("record_id")
    renamed = [row for row in tables["citations"][1:] if row[record] == old]
    for row in renamed:
        row[record] = "Bad Id"
    assert renamed
    for name, rows in tables.items():
        with (pkg / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    refresh_hashes(pkg)
    assert _runs_columnar(pkg)
    rows = _findings(pkg, "rows")
    assert _findings(pkg, "columnar") == rows
    assert rows[1].get("row.pattern") and "provenance.statement_text" not in rows[1]


def test_cli_engine_option_and_missing_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    from bri_data.cli import app

    runner = cli_runner()
    assert runner.invoke(app, ["validate", str(ROOT), "--engine", "columnar"]).exit_code == 0
    assert runner.invoke(app, ["validate", str(ROOT), "--engine", "rows"]).exit_code == 0
    monkeypatch.setitem(sys.modules, "polars", None)
    out = runner.invoke(app, ["validate", str(ROOT), "--engine", "columnar"])
    assert out.exit_code == 2 and 'pip install "bri-data[fast]"' in out.stderr
    assert runner.invoke(app, ["validate", str(ROOT)]).exit_code == 0  # auto: small, rows engine


def test_explicit_columnar_without_polars_is_an_error_not_a_switch(monkeypatch: pytest.MonkeyPatch) -> None:

    from bri_data.cli import app

    monkeypatch.setitem(sys.modules, "polars", None)  # as if not installed
    result = cli_runner().invoke(app, ["validate", str(ROOT), "--engine", "columnar"])
    assert result.exit_code == 2
    assert "columnar engine cannot run" in result.stderr and "not installed" in result.stderr


def test_explicit_columnar_below_the_polars_floor_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars

    from bri_data.validate.run import EngineUnavailableError

    monkeypatch.setattr(polars, "__version__", "1.20.0")
    with pytest.raises(EngineUnavailableError, match="older than"):
        validate(ROOT, engine="columnar")


def test_auto_says_when_it_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from bri_data.validate import reporters, run

    monkeypatch.setattr(run, "COLUMNAR_MIN_BYTES", 0)  # the shipped package counts as large
    report = validate(ROOT, engine="auto")
    assert report.engine == "columnar" and report.engine_note is None
    monkeypatch.setitem(sys.modules, "polars", None)
    report = validate(ROOT, engine="auto")
    assert report.valid and report.engine == "rows"
    assert report.engine_note and "unavailable" in report.engine_note
    assert "note: columnar engine unavailable" in reporters.text(report)
    assert json.loads(reporters.as_json(report))["engine"] == {"requested": "auto", "used": "rows", "note": report.engine_note}
    assert "::notice title=bri-data engine::" in reporters.github(report)


def test_small_packages_run_rows_under_auto_without_a_note() -> None:
    report = validate(ROOT, engine="auto")
    assert report.engine == "rows" and report.engine_note is None
