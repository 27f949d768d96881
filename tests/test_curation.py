"""Curator tools: locate and coverage, on the shipped package and on damaged copies."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bri_data.cli import app
from bri_data.contract import model as C
from bri_data.dataset.curation import coverage, locate_in_package, sentences
from bri_data.errors import LookupFailedError
from bri_data.files.package import read_rows, read_seeds
from fixturekit import ROOT, cli_runner, copy_package

runner = cli_runner()


def test_sentences_split_on_terminal_punctuation_only() -> None:
    line = "He noted shifts in the U.S. and European positions. “Quote.” Next one? Yes."
    got = [s.text for s in sentences(3, line)]
    assert got == ["He noted shifts in the U.S. and European positions.", "“Quote.”", "Next one?", "Yes."]
    assert all(line[s.char_start : s.char_end] == s.text for s in sentences(3, line))


def test_shipped_seeds_are_fully_covered() -> None:
    result = coverage(ROOT)
    assert [s.source_id for s in result.seeds] == ["src-preiherman-edm-2024", "src-kazan-interviews-report"]
    for seed in result.seeds:
        assert seed.total > 20 and seed.cited == seed.total and seed.uncited == []


def test_shipped_quotes_occur_once_on_their_line_but_an_alias() -> None:
    """Rule 2 of CURATION.md, on the shipped data (`bri-data validate` does not check it:
    an exact check reads each citation's whole line, which a package citing very long
    lines many times could make last for hours). A quote occurs nowhere on its line but
    at char_start, overlapping occurrences included; an alias citation quotes the alias
    as printed and may repeat, its offsets saying which occurrence (`cit-003-143`)."""
    seeds = {s.source_id: s for s in read_seeds(ROOT)}
    citations = read_rows(ROOT, C.CITATIONS)
    repeated = []
    for c in citations:
        text = seeds[c["source_id"]].line(c["line"])
        assert text is not None and text[c["char_start"] : c["char_end"]] == c["quote"], c["id"]
        others = [i for i in range(len(text)) if text.startswith(c["quote"], i) and i != c["char_start"]]
        if others:
            repeated.append((c["id"], c["role"], others))
    assert repeated == [("cit-003-143", "alias", [88])]
    # The reader's narrower exception (CURATION.md), held by the shipped data: a citation
    # of the same record on the same line, unique there, contains the alias's span.
    alias = next(c for c in citations if c["id"] == "cit-003-143")
    anchors = [
        c["id"] for c in citations
        if (c["record_id"], c["source_id"], c["line"]) == (alias["record_id"], alias["source_id"], alias["line"])
        and c["char_start"] <= alias["char_start"] and alias["char_end"] <= c["char_end"]
        and c["id"] != alias["id"] and c["id"] not in {r[0] for r in repeated}
    ]
    assert anchors == ["cit-003-140"]


def _drop_citations_on_line(pkg: Path, source_id: str, line: int) -> int:
    path = pkg / "data" / "citations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [rows[0]] + [r for r in rows[1:] if not (r[2] == source_id and r[3] == str(line))]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(keep)
    return len(rows) - len(keep)


def test_coverage_lists_uncited_sentences_with_line_numbers(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    assert _drop_citations_on_line(pkg, "src-kazan-interviews-report", 3) > 0
    seed = coverage(pkg).seeds[1]
    assert seed.total - seed.cited == 3 == len(seed.uncited)
    assert {s.line for s in seed.uncited} == {3}
    assert seed.uncited[0].text.startswith("Lukashenka confirmed that Belarus achieved partner status")
    out = runner.invoke(app, ["coverage", str(pkg)])
    assert out.exit_code == 0
    assert f"src-kazan-interviews-report (seeds/003_5f8b42ce40194c35.txt): {seed.cited}/{seed.total}" in out.stdout
    assert "  line 3 [0:" in out.stdout
    doc = json.loads(runner.invoke(app, ["coverage", str(pkg), "-f", "json"]).stdout)
    assert doc["seeds"][1]["cited"] == seed.cited and len(doc["seeds"][1]["uncited"]) == 3


def test_coverage_ignores_citations_whose_quote_is_wrong(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "citations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        if r[2] == "src-kazan-interviews-report" and r[3] == "12":
            r[6] = r[6] + "!"  # no longer the text at the span
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    assert {s.line for s in coverage(pkg).seeds[1].uncited} == {12}


def test_locate_library_reports_every_place_of_ambiguous_text() -> None:
    with pytest.raises(LookupFailedError, match=r"occurs \d+ times: .*src-preiherman-edm-2024 line 15"):
        locate_in_package("Kazan summit", path=ROOT)
    with pytest.raises(LookupFailedError, match="crosses a line break"):
        locate_in_package("aimed at\n\n“building", path=ROOT)
    with pytest.raises(LookupFailedError, match="no source with id 'src-nowhere'"):
        locate_in_package("Belarus", source="src-nowhere", path=ROOT)
    found = locate_in_package("According to Lukashenko", path=ROOT)
    assert (found.span.source_id, found.span.line) == ("src-kazan-interviews-report", 5)
    row = found.citation_row("stm-x", role="evidence", cit_id="cit-new")
    assert row == f"cit-new,stm-x,src-kazan-interviews-report,5,{found.span.char_start},{found.span.char_end},According to Lukashenko,evidence"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_quality_figures_follow_the_tables(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    before = coverage(pkg).quality
    assert before.events_dated <= before.events and before.actors_used <= before.actors
    assert before.conflicts == before.relations.get("contradicts", 0) >= 1
    events = _rows(pkg / "data" / "events.csv")
    dated = next(r for r in events[1:] if r[1])
    dated[1], dated[2] = "", "not_given"
    _write(pkg / "data" / "events.csv", events)
    rels = _rows(pkg / "data" / "relations.csv")
    rels.append(["rel-fixture-conflict", "contradicts", "act-belarus", "act-kazakhstan", "A test conflict."])
    _write(pkg / "data" / "relations.csv", rels)
    cits = _rows(pkg / "data" / "citations.csv")
    seeds = {r[2]: r for r in cits[1:] if r[1] != "rel-fixture-conflict"}
    assert len(seeds) == 2
    cits += [[f"cit-fixture-{i}", "rel-fixture-conflict", *r[2:]] for i, r in enumerate(seeds.values())]
    _write(pkg / "data" / "citations.csv", cits)
    actors = _rows(pkg / "data" / "actors.csv")
    actors.append(["act-fixture-idle", "Idle", "group", "", "", ""])
    _write(pkg / "data" / "actors.csv", actors)
    after = coverage(pkg).quality
    assert after.events_dated == before.events_dated - 1 and after.events == before.events
    assert (after.actors, after.actors_used) == (before.actors + 1, before.actors_used)
    assert after.conflicts == before.conflicts + 1
    assert after.cross_source["contradicts"] == before.cross_source.get("contradicts", 0) + 1
    out = runner.invoke(app, ["coverage", str(pkg)])
    assert f"events dated or bounded: {after.events_dated}/{after.events}\n" in out.stdout
    assert f"actors used: {after.actors_used}/{after.actors}\n" in out.stdout
    assert f"conflicts recorded (contradicts): {after.conflicts}\n" in out.stdout
    doc = json.loads(runner.invoke(app, ["coverage", str(pkg), "-f", "json"]).stdout)
    assert doc["quality"] == after.to_dict() and doc["quality"]["actors"] == {"total": after.actors, "used": after.actors_used}


def test_the_datasheet_reports_the_quality_figures() -> None:
    q = coverage(ROOT).quality
    text = (ROOT / "DATASHEET.md").read_text(encoding="utf-8")
    assert f"Events dated or bounded (a date, or an EDTF bound such as `../2024-10-31`): {q.events_dated} of {q.events}." in text
    assert f"Actors used (referenced by an event, statement, membership or relation): {q.actors_used} of {q.actors}." in text
    assert f"Conflicts recorded (`contradicts`: the sources disagree): {q.conflicts}." in text
