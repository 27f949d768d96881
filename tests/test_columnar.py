"""The columnar engine reports exactly what the row engine reports."""

from __future__ import annotations

import csv
import gc
import json
import random
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bri_data.build.generate import build
from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.findings import Report
from bri_data.validation import columnar
from bri_data.validation.columnar import ColumnarRun, Lookup, Unsupported
from bri_data.validation.descriptor import check_descriptor, read_descriptor
from bri_data.validation.run import validate
from fixturekit import ROOT, build_case, cases, cli_runner, copy_package, refresh_hashes

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


def _findings(pkg: Path, engine: str, cap: int = 100) -> tuple[list[dict[str, object]], dict[str, int]]:
    report = validate(pkg, engine=engine, max_per_code=cap)
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


def _inject(pkg: Path, rng: random.Random) -> int:
    """Damage ~2% of cells in every table with values each check must catch."""
    bad = {
        "id": ["Bad Id", "", "act-0", "evt-0"],
        "date": ["2023-02-30", "yesterday", "2024-10-24/2024-10-23", "1999", "../2015"],  # valid ones break containment
        "start": ["2025", "2023"],
        "end": ["2001", ""],
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
        "member_id": ["act-1"],  # a second spell of one member: overlaps
        "end_event_id": ["evt-0"],
        "role": ["date"],  # a random span may or may not state a date
        "subject_id": ["act-2"],
    }
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
    synth.write(6000, pkg)
    assert _findings(pkg, "columnar") == _findings(pkg, "rows") == ([], {})
    assert _inject(pkg, random.Random(11)) > 200
    assert _runs_columnar(pkg)
    col, rows = _findings(pkg, "columnar"), _findings(pkg, "rows")
    assert col[1] == rows[1] and len(rows[1]) >= 15, rows[1]
    assert col[0] == rows[0]


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
    # The machine formats still print their document: one run.usage finding, exit 2.
    result = cli_runner().invoke(app, ["validate", str(ROOT), "--engine", "columnar", "-f", "json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == doc["exit_code"] == 2 and doc["valid"] is False
    assert [f["code"] for f in doc["findings"]] == ["run.usage"] and "not installed" in doc["findings"][0]["message"]
    assert doc["engine"]["requested"] == "columnar" and doc["engine"]["used"] is None
    result = cli_runner().invoke(app, ["validate", str(ROOT), "--engine", "columnar", "-f", "github"])
    assert result.exit_code == 2 and result.stdout.startswith("::error") and "columnar engine cannot run" in result.stdout


def test_explicit_columnar_below_the_polars_floor_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars

    from bri_data.validation.run import EngineUnavailableError

    monkeypatch.setattr(polars, "__version__", "1.20.0")
    with pytest.raises(EngineUnavailableError, match="older than"):
        validate(ROOT, engine="columnar")


def test_a_polars_panic_is_a_stated_fallback_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """polars' PanicException derives from BaseException: the engine turns it into a
    decline, the row engine checks the data, and the report says why."""
    import polars

    def panic(self: ColumnarRun) -> None:
        raise polars.exceptions.PanicException("index out of bounds")

    monkeypatch.setattr(ColumnarRun, "_run", panic)
    report = validate(ROOT, engine="columnar")
    assert report.valid and report.engine == "rows"
    assert report.engine_note and "polars failed internally" in report.engine_note and "row engine checked it" in report.engine_note


def test_auto_says_when_it_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from bri_data.validation import reporters, run

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


def _agree(pkg: Path, cap: int = 100) -> tuple[list[dict[str, object]], dict[str, int]]:
    """Both engines' findings and counts, equal, the columnar engine having really run."""
    report = validate(pkg, engine="columnar", max_per_code=cap)
    assert report.engine == "columnar", report.engine_note
    col = [f.to_dict() for f in report.sorted_findings()], dict(report.counts)
    rows = _findings(pkg, "rows", cap)
    assert col[1] == rows[1]
    assert col[0] == rows[0]
    return rows


def _edit(pkg: Path, table: str, change: Callable[[list[list[str]]], None]) -> None:
    path = pkg / "data" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few kilobytes: every table of a small package spans many blocks; and
    references looked up as in a large one (by hash, not `is_in`)."""
    monkeypatch.setattr(columnar, "BLOCK", 3000)
    monkeypatch.setattr(Lookup, "FEW", 0)


def test_blocks_split_a_table_anywhere_and_keep_its_lines(tmp_path: Path) -> None:
    """The blocks of a file are its rows in order, with their physical lines, whatever the
    block size; the file's facts are those of its bytes."""
    import hashlib

    import polars as pl

    from bri_data.files.csvtable import FileFacts

    pkg = tmp_path / "synth"
    synth.write(1500, pkg)
    path = pkg / C.EVENTS.path
    whole = pl.read_csv(path, infer_schema=False)
    for size in (1, 700, 4096, 1 << 20):
        facts = FileFacts()
        parts = list(columnar.blocks(pl, path.open("rb"), C.EVENTS, facts, size))
        got = pl.concat([b.rows for b in parts])
        assert got.get_column("_line").to_list() == list(range(2, whole.height + 2))
        assert got.drop("_line").equals(whole)
        assert len(parts) > 1 if size < 1 << 20 else len(parts) == 1
        assert (facts.rows, facts.bytes, facts.sha256) == (whole.height, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())


def test_engines_agree_across_blocks_and_past_the_cap(tmp_path: Path, small_blocks: None) -> None:
    """Error-injected, every table in many blocks, caps from 1 up: the same findings and
    counts. Past the cap the columnar engine counts from its masks (it declines if they
    disagree with its exact checks, which `_agree` would catch)."""
    pkg = tmp_path / "synth"
    synth.write(3000, pkg)
    assert _inject(pkg, random.Random(5)) > 100
    for cap in (1, 3, 100):
        counts = _agree(pkg, cap)[1]
        assert sum(counts.values()) > len(counts) * cap or cap == 100
    assert len(counts) >= 15


def test_engines_agree_when_every_row_is_broken(tmp_path: Path, small_blocks: None) -> None:
    """Every row of every table but sources broken (an enum, a date, a text, a quote):
    far past the cap, the counts come from the masks, and equal the row engine's."""
    pkg = tmp_path / "synth"
    synth.write(2000, pkg)
    broken = {"actors": ("kind", "wizard"), "events": ("type", "sumit"), "statements": ("text", "never said"),
              "memberships": ("start", "someday"), "relations": ("kind", "wizard"), "citations": ("quote", "not the text")}
    for table, (col, value) in broken.items():
        def change(rows: list[list[str]], col: str = col, value: str = value) -> None:
            i = rows[0].index(col)
            for row in rows[1:]:
                row[i] = value
        _edit(pkg, table, change)
    refresh_hashes(pkg)
    counts = _agree(pkg)[1]
    assert counts["row.enum"] > 300 and counts["provenance.quote_mismatch"] > 500 and counts["provenance.statement_text"] > 100, counts
    assert _agree(pkg, 2)[1] == counts


def test_keys_across_blocks(tmp_path: Path, small_blocks: None) -> None:
    """Duplicate ids, references to ids of a later block, self-references and a cycle whose
    rows lie blocks apart: judged at the end of the table, as the row engine does."""
    pkg = tmp_path / "synth"
    synth.write(3000, pkg)

    actor = []

    def actors(rows: list[list[str]]) -> None:
        actor.append(rows[10][0])

    def events(rows: list[list[str]]) -> None:
        col = rows[0].index("parent_event_id")
        rows[20][0] = rows[-20][0] = actor[0]  # an actor's id, twice: duplicate_global first, duplicate then
        rows[-1][0] = rows[3][0]  # duplicate, far apart
        rows[-2][0] = rows[-3][0]  # duplicate, adjacent
        rows[5][col] = rows[-5][0]  # a parent many blocks later
        rows[-5][col] = rows[5][0]  # ... whose parent is the first: a cycle across blocks
        rows[7][col] = rows[7][0]  # itself
        rows[9][col] = "evt-nowhere"
        rows[11][col] = rows[1][0].replace("evt-", "act-", 1)  # a pattern break

    def statements(rows: list[list[str]]) -> None:
        rows[-1][0] = rows[2][0]
        rows[4][rows[0].index("event_id")] = "evt-nowhere"
        rows[6][rows[0].index("event_id")] = actor[0]  # an event's id, though an actor held it first

    def citations(rows: list[list[str]]) -> None:
        rows[-1][0] = rows[1][0]
        rows[6][rows[0].index("record_id")] = rows[-7][0]  # a citation of a citation
        rows[8][rows[0].index("record_id")] = "act-nobody"

    for table, change in (("actors", actors), ("events", events), ("statements", statements), ("citations", citations)):
        _edit(pkg, table, change)
    refresh_hashes(pkg)
    counts = _agree(pkg)[1]
    assert counts["key.duplicate"] == 5 and counts["key.duplicate_global"] == 1 and counts["key.cycle"] == 1 and counts["key.foreign"] >= 4, counts
    assert _agree(pkg, 1)[1] == counts


def test_many_ids_of_earlier_tables_past_the_cap(tmp_path: Path, small_blocks: None) -> None:
    """Ids that earlier tables hold, many in one block and across blocks, with small caps:
    the kept key.duplicate_global findings are the first ones, as in the row engine."""
    pkg = tmp_path / "synth"
    synth.write(6000, pkg)  # realistic shape: 540 actors, 480 events
    taken: list[str] = []

    def actors(rows: list[list[str]]) -> None:
        taken.extend(row[0] for row in rows[1:200])

    def events(rows: list[list[str]]) -> None:
        for i, row in enumerate(rows[1:], start=1):
            if i % 3 == 0 and taken:
                row[0] = taken.pop()

    _edit(pkg, "actors", actors)
    _edit(pkg, "events", events)
    refresh_hashes(pkg)
    for cap in range(1, 9):
        assert _agree(pkg, cap)[1]["key.duplicate_global"] > 100


def test_quoted_cells_across_blocks(tmp_path: Path, small_blocks: None) -> None:
    """Cells with commas, doubled quotes and quoted empty strings, in many blocks; and
    quotes polars would read otherwise than Python's csv module: the columnar engine
    declines those (the row engine judges them)."""
    pkg = tmp_path / "synth"
    synth.write(3000, pkg)

    def events(rows: list[list[str]]) -> None:
        summary, location = rows[0].index("summary"), rows[0].index("location")
        for i, row in enumerate(rows[1:], start=1):
            if i % 3 == 0:
                row[summary] = f'He said, "no", then {i}, "yes"' if i % 2 else '""quoted"", and, more'
            if i % 7 == 0:
                row[location] = "Kazan, Russia"

    _edit(pkg, "events", events)
    path = pkg / C.EVENTS.path
    text = path.read_text(encoding="utf-8")
    assert text.count('""') > 100
    refresh_hashes(pkg)
    assert _agree(pkg) == ([], {})
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[40] = lines[40] + ',""'  # a quoted empty cell too many: a ragged row
    path.write_text("\n".join(lines), encoding="utf-8")
    refresh_hashes(pkg)
    report = validate(pkg, engine="columnar")
    assert report.engine == "rows" and "declined" in (report.engine_note or "")
    assert report.counts["csv.ragged_row"] == 1
    for odd in ('"a"b""', 'x"a"', '"a" ', ' "a"'):  # quotes inside or after a field
        lines = text.split("\n")
        cells = next(csv.reader([lines[20]]))
        cells[C.EVENTS.column_names.index("location")] = "LOCATION"
        lines[20] = ",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells).replace("LOCATION", odd)
        path.write_text("\n".join(lines), encoding="utf-8")
        refresh_hashes(pkg)
        report = validate(pkg, engine="columnar")
        assert report.engine == "rows" and "declined" in (report.engine_note or ""), odd
        assert _findings(pkg, "columnar") == _findings(pkg, "rows")


def test_lookup_finds_exactly_even_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    """The binary search on hashes confirms each hit on the string; keys sharing a hash
    (forced here: the hash is the length) are found by the fallback."""
    import polars as pl

    rng = random.Random(2)
    keys = sorted({"".join(rng.choice("abc") for _ in range(rng.randint(1, 6))) for _ in range(300)})
    values = pl.Series(["".join(rng.choice("abcd") for _ in range(rng.randint(0, 7))) for _ in range(500)] + [None], dtype=pl.String)
    for hashing in (None, lambda s: s.str.len_bytes().cast(pl.UInt64)):
        if hashing is not None:
            monkeypatch.setattr(Lookup, "hash", staticmethod(hashing))
        rows, pos = Lookup(pl, pl.Series(keys, dtype=pl.String)).find(values)
        assert {r: keys[p] for r, p in zip(rows, pos, strict=True)} == {i: v for i, v in enumerate(values) if v in keys}


def test_verbatim_check_follows_ids_that_break_their_pattern(tmp_path: Path) -> None:
    """A statement and its citations renamed to an id without the table prefix: the row
    engine still matches the quote to the text, and so must the columnar engine."""
    pkg = copy_package(tmp_path / "pkg")
    old = []

    def statements(rows: list[list[str]]) -> None:
        old.append(rows[1][0])
        rows[1][0] = "Bad Id"

    def citations(rows: list[list[str]]) -> None:
        record = rows[0].index("record_id")
        renamed = [row for row in rows[1:] if row[record] == old[0]]
        for row in renamed:
            row[record] = "Bad Id"
        assert renamed

    _edit(pkg, "statements", statements)
    _edit(pkg, "citations", citations)
    refresh_hashes(pkg)
    counts = _agree(pkg)[1]
    assert counts.get("row.pattern") and "provenance.statement_text" not in counts


def test_common_dates_parse_as_bounds_does() -> None:
    """The column-wise parser of the common EDTF forms gives `bounds`' answer for every
    value it takes (and leaves the others to `bounds`): leap days, negative years, months
    and days out of range, qualifiers, open and unknown ends, stray characters."""
    import polars as pl

    from bri_data.contract.edtf import bounds

    rng = random.Random(1)
    odd = ["", "..", "2024-1", "24", "2024-10-23T10:00:00", "201X", "Y170000002", "2001-21", "-0000", "2024-00", "2024-13",
           "1900-02-29", "2000-02-29", "2100-02-29", "2024-02-30", "2024-04-31", " 2024", "2024 ", "2024-10-23/", "٢٠٢٤"]

    def side() -> str:
        if rng.random() < 0.1:
            return rng.choice(odd)
        s = rng.choice(["2024", "2023", "1900", "2000", "0000", "-1985", "-0004", "1600", "0004", "9999"])
        if rng.random() < 0.7:
            s += "-" + rng.choice(["01", "02", "03", "04", "06", "09", "11", "12", "00", "13", "21", "1", "XX"])
            if rng.random() < 0.6:
                s += "-" + rng.choice(["01", "28", "29", "30", "31", "00", "32", "15", "XX", "1"])
        return s + rng.choice(["", "", "", "?", "~", "%"])

    values = sorted({side() + ("/" + side() if rng.random() < 0.4 else "") + ("/" + side() if rng.random() < 0.02 else "") for _ in range(20000)})
    parsed = columnar._common_dates(pl, pl.DataFrame({"value": values}))
    taken = parsed.filter(pl.col("edtf").is_not_null())
    assert 0.2 < taken.height / len(values) < 0.8 and taken.get_column("edtf").sum() > 1000 and (~taken.get_column("edtf")).sum() > 500
    for value, edtf, ordered, lo, hi in taken.iter_rows():
        b = bounds(value)
        want = (False, False, None, None) if b is None else (True, not (b[0] and b[1] and b[1] < b[0]), columnar._day_key(b[0]), columnar._day_key(b[1]))
        assert (edtf, ordered, lo, hi) == want, value


def test_common_dates_parse_every_single_date_form_as_bounds_does() -> None:
    """Exhaustive over the single dates of the common form's shape (years at the edges,
    every month and day up to 3 past the valid range, malformed parts, each qualifier),
    and each of them as either end of an interval with an open, unknown or common other
    end: wherever the column-wise parser answers, it answers as `bounds` does; a value it
    leaves to `bounds` is not of the common form."""
    import itertools

    import polars as pl

    from bri_data.contract.edtf import bounds

    years = ["0000", "0001", "-0001", "-0004", "-0100", "-0400", "0004", "0100", "0400", "1600", "1900", "2000", "2023", "2024", "2100", "9999", "-9999", "-0000"]
    months = ["", *(f"-{m:02d}" for m in range(0, 16)), "-1", "-XX", "-21"]
    days = ["", *(f"-{d:02d}" for d in range(0, 35)), "-1", "-XX"]
    singles = [y + m + (d if m else "") + q for y, m, d, q in itertools.product(years, months, days, ["", "?", "~", "%"]) if m or not d]
    others = ["..", "", "2024-10-23", "1900-02", "-0004~", "2024-02-30"]
    values = sorted({*singles, *(f"{a}/{b}" for v in singles[::7] for o in others for a, b in ((v, o), (o, v)))})
    parsed = columnar._common_dates(pl, pl.DataFrame({"value": values}))
    answered = {value: (edtf, ordered, lo, hi) for value, edtf, ordered, lo, hi in parsed.iter_rows() if edtf is not None}
    assert len(answered) > len(values) // 2
    for value in values:
        if value not in answered:
            continue
        b = bounds(value)
        want = (False, False, None, None) if b is None else (True, not (b[0] and b[1] and b[1] < b[0]), columnar._day_key(b[0]), columnar._day_key(b[1]))
        assert answered[value] == want, value


def test_spell_overlaps_agree(tmp_path: Path, small_blocks: None) -> None:
    """Many spells of few members and organizations, with starts and ends of every kind
    (days, months, years, intervals, open and unknown ends, qualifiers, invalid, empty):
    the columnar engine's overlap mask keeps every spell an overlap may involve."""
    pkg = tmp_path / "synth"
    synth.write(3000, pkg)
    rng = random.Random(9)
    dates = ["2020", "2021-03", "2021-03-15", "2021-03~", "2019/2021", "../2020", "2020/..", "2022-01-01/2022-02", "", "2021-02-30", "..",
             "2023", "2023-07", "2023-07-31", "2021"]

    def memberships(rows: list[list[str]]) -> None:
        head = rows[0]
        members = [r[head.index("member_id")] for r in rows[1:6]]
        for row in rows[1:]:
            row[head.index("member_id")] = rng.choice(members)
            row[head.index("organization_id")] = rng.choice(members[:2])
            row[head.index("start")], row[head.index("end")] = rng.choice(dates), rng.choice(dates)
            row[head.index("end_event_id")] = row[head.index("end_event_id")] if row[head.index("end")] else ""

    _edit(pkg, "memberships", memberships)
    refresh_hashes(pkg)
    counts = _agree(pkg, 1000)[1]
    assert counts["consistency.spell_overlap"] > 20, counts


def test_alias_search_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Aliases that are random spans of the seeds (starting and ending mid-word, across
    punctuation, a single letter) and near misses: found exactly as the row engine finds
    them, whether the token step or the automaton decides (the token step tries one line
    here, so that the automaton gets work too)."""
    from bri_data.files.package import read_seeds

    pkg = copy_package(tmp_path / "pkg")
    lines = [ln for seed in read_seeds(pkg) for ln in seed.lines if len(ln) > 40]
    rng = random.Random(4)

    def span() -> str:
        ln = rng.choice(lines)
        a = rng.randrange(len(ln) - 30)
        s = ln[a : a + rng.randint(1, 30)]
        return rng.choice([s, s + "x", "x" + s, s.upper(), s[::-1]]) if rng.random() < 0.3 else s

    def actors(rows: list[list[str]]) -> None:
        col = rows[0].index("aliases")
        for row in rows[1:]:
            row[col] = ";".join(a for a in (span() for _ in range(rng.randint(1, 5))) if a and ";" not in a and a == a.strip())

    _edit(pkg, "actors", actors)
    refresh_hashes(pkg)
    monkeypatch.setattr(columnar, "_WORD_LINES", 1)
    counts = _agree(pkg, 1000)[1]
    assert counts["provenance.alias"] > 20, counts


def _tricky(col: C.Column, rng: random.Random) -> str | None:
    """A cell for COL: mostly valid, often subtly not (the forms each check turns on)."""
    common = [None, "", "x", "\x1b[31m", "é" * 90, "a\u0085b"]
    if col.type == "integer":
        pool = ["0", "1", "7", "-0", "-1", "007", "+5", " 5", "5 ", "٥", "1e3", "9" * 18, "9" * 19, "-" + "9" * 18, "1.0"]
    elif col.vocabulary:
        values = [t.value for t in col.vocabulary]
        pool = [*values, values[0].upper(), values[0] + " ", "wizard"]
    elif col.check == "edtf":
        pool = ["2024", "2024-10-23", "2024-02-30", "2024-10-23/2024-10-22", "../2024", "2024/..", "..", "201X", "2024-21", "Y170000002", "yesterday", "2024-10~"]
    elif col.check == "country":
        pool = ["BLR", "KAZ", "ZZZ", "blr", "BL", "BLRR", "XKX"]
    elif col.pattern:
        prefix = col.pattern.split("-", 1)[0].strip("(^")
        prefix = prefix.split("|")[0]
        pool = [f"{prefix}-a", f"{prefix}-a-1", f"{prefix}--a", f"{prefix}-A", "Bad Id", f"{prefix}-" + "a" * 90, f"{prefix}-a\n"]
    else:
        pool = ["some text", "a, \"quoted\" text", "x" * 5001, "23 October", "a week prior", "it may", "tab\there"]
    return rng.choice(pool + common)


@pytest.mark.parametrize("table", C.TABLES[1:], ids=lambda t: t.name)
def test_masks_count_exactly_what_the_exact_checks_report(table: C.Table) -> None:
    """Past the cap the columnar engine counts findings from its masks, so per row and
    code they must give exactly what `rows.check_row` and `semantics.check` report; on
    random rows of tricky cells (every keyword, integer forms, control characters,
    EDTF, countries, every rule)."""
    import polars as pl

    from bri_data.files.csvtable import Row
    from bri_data.validation import semantics
    from bri_data.validation.rows import check_row

    rng = random.Random(table.name)
    rows = [{c.name: _tricky(c, rng) for c in table.columns} for _ in range(1500)]
    for row in rows[::7]:  # the rules' columns from one pool, so that they meet
        for rule in table.rules:
            row[rule.second] = row[rule.first] if rule.kind == "distinct" else row[rule.second]
    frame = pl.DataFrame(rows, schema={c.name: pl.String for c in table.columns})
    frame = frame.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns)
    frame = columnar.with_numbers(pl, table, frame.with_row_index("_line", offset=2))
    for what, (df, checks) in (
        ("rows", (frame, columnar.schema_checks(pl, table) + columnar.control_checks(pl, table))),
        ("semantics", columnar.semantic_checks(pl, table, frame, columnar.Dates(pl))),
    ):
        codes = list(dict.fromkeys(code for code, _ in checks))
        masks = df.select(
            pl.sum_horizontal([e.fill_null(False).cast(pl.UInt32) for c, e in checks if c == code]).alias(code) for code in codes
        ).to_dicts()
        seen: set[str] = set()
        for rec, predicted in zip(frame.select(table.column_names).to_dicts(), masks, strict=True):
            report = Report("x")
            rid = rec["id"] if rec["id"] and len(rec["id"]) <= 200 else None
            if what == "rows":
                check_row(table, Row(2, rec, rid), set(table.column_names), "f", report)
            else:
                semantics.check(table, "f", 2, rid, typed(table, rec), report)
            assert dict(report.counts) == {c: n for c, n in predicted.items() if n}, (what, rec)
            seen |= set(report.counts)
        assert len(seen) >= (3 if what == "rows" else 1 if table.semantic_columns or table.rules else 0), (what, seen)


def _stages() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "bri-data-blocks"]


def test_pipeline_threads_end_on_every_path(tmp_path: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stages of a table (parse, keys, the rest) run in threads: whether the table is
    read to its end, a later block is declined in the first stage, or the last stage
    fails, no thread outlives the run, and the outcome is the one asked for."""
    pkg = tmp_path / "synth"
    synth.write(3000, pkg)
    report = validate(pkg, engine="columnar")
    assert report.engine == "columnar" and report.valid and _stages() == []
    # A blank line deep in citations: the parse stage declines; the row engine says why.
    path = pkg / C.CITATIONS.path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:-5], "\n", *lines[-5:]]), encoding="utf-8")
    refresh_hashes(pkg)
    report = validate(pkg, engine="columnar")
    assert report.engine == "rows" and report.engine_note and "blank lines" in report.engine_note
    assert "csv.blank_row" in report.counts and _stages() == []
    # An error in the last stage, mid-table, with both stages ahead of it busy.
    path.write_text("".join(lines), encoding="utf-8")
    refresh_hashes(pkg)
    seen = 0

    def failing(self: ColumnarRun, rel: str, df: object, record_at: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 3:
            raise Unsupported("stop here")

    monkeypatch.setattr(ColumnarRun, "_citations", failing)
    report = validate(pkg, engine="columnar")
    assert seen == 3 and report.engine == "rows" and report.engine_note and "stop here" in report.engine_note
    assert _stages() == []
    # An error in the second stage, with the cycle collector off (nothing left to it): the
    # parse stage ends with it, and the declined run is not kept alive.
    monkeypatch.undo()
    monkeypatch.setattr(columnar, "BLOCK", 3000)
    keys, runs = ColumnarRun._block_keys, []
    seen = 0

    def failing_keys(self: ColumnarRun, *args: Any) -> Any:
        nonlocal seen
        runs.append(weakref.ref(self))
        seen += 1
        if seen == 40:
            raise Unsupported("stop in stage two")
        return keys(self, *args)

    monkeypatch.setattr(ColumnarRun, "_block_keys", failing_keys)
    gc.disable()
    try:
        report = validate(pkg, engine="columnar")
        assert report.engine == "rows" and report.engine_note and "stop in stage two" in report.engine_note
        assert _stages() == [] and runs and runs[-1]() is None
    finally:
        gc.enable()
