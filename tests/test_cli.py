"""The CLI as CI jobs and curators use it: exit codes, formats, usage errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bri_data.cli import app
from bri_data.errors import UsageError
from bri_data.validation.run import validate
from fixturekit import ROOT, cli_runner, copy_package, refresh_hashes

runner = cli_runner()


def test_shipped_package_is_valid_in_every_format() -> None:
    result = runner.invoke(app, ["validate", str(ROOT)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("valid: ")
    doc = json.loads(runner.invoke(app, ["validate", str(ROOT), "-f", "json"]).stdout)
    assert doc["valid"] is True and doc["findings"] == [] and doc["exit_code"] == 0
    assert set(doc["rows_checked"]) == {"sources", "actors", "events", "statements", "memberships", "relations", "citations"}
    assert all(n > 0 for n in doc["rows_checked"].values())
    gh = runner.invoke(app, ["validate", str(ROOT), "-f", "github"])
    assert gh.exit_code == 0 and gh.stdout == "::notice title=bri-data validate::valid\n"


def test_descriptor_file_path_is_accepted(tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate", str(ROOT / "datapackage.json")]).exit_code == 0


def test_missing_path_is_a_usage_error() -> None:
    result = runner.invoke(app, ["validate", "/nonexistent/package"])
    assert result.exit_code == 2
    assert "no datapackage.json at /nonexistent/package" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    assert runner.invoke(app, ["validate", str(ROOT), "--format", "xml"]).exit_code == 2


def test_without_path_uses_current_directory_then_installed(tmp_path: Path, monkeypatch: object) -> None:
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "data" / "events.csv").write_text("broken\n", encoding="utf-8")
    monkeypatch.chdir(pkg)  # type: ignore[attr-defined]
    assert runner.invoke(app, ["validate"]).exit_code == 1  # the local, broken package
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    assert runner.invoke(app, ["validate"]).exit_code == 0  # nothing here: the installed one


def test_max_findings_caps_each_code_and_counts_the_rest(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "citations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    line = rows[0].index("line")
    for row in rows[1:]:
        row[line] = "9999"  # every citation now points past the end of its seed
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    n = len(rows) - 1
    doc = json.loads(runner.invoke(app, ["validate", str(pkg), "-f", "json", "--max-findings", "2"]).stdout)
    assert doc["counts"]["provenance.line_range"] == n > 2
    assert sum(1 for f in doc["findings"] if f["code"] == "provenance.line_range") == 2
    assert doc["omitted"]["provenance.line_range"] == n - 2
    text = runner.invoke(app, ["validate", str(pkg), "--max-findings", "2"]).stdout
    assert f"... and {n - 2} more provenance.line_range finding(s) not shown" in text
    # The library refuses a cap the command line cannot parse, before it reads anything
    # (it failed only at the first finding, with an IndexError or a TypeError).
    for cap in (0, -1, "2", 2.0, True):
        with pytest.raises(UsageError, match="max_per_code must be a whole number of at least 1"):
            validate(pkg, max_per_code=cap)  # type: ignore[arg-type]


def test_work_past_the_cap_is_counting_and_never_changes_what_is_kept(tmp_path: Path) -> None:
    """`Report.wants` with a place: a finding that sorts before the last kept one is still
    explained (citations.csv sorts before events.csv but is checked last)."""
    from bri_data.findings import Report

    report = Report("x", max_per_code=2)
    for line in (5, 6):
        report.emit("row.enum", "m", file="data/events.csv", line=line)
    assert report.wants("row.enum", "data/citations.csv", 100) and report.wants("row.enum", "data/events.csv", 6)
    assert not report.wants("row.enum", "data/events.csv", 7) and not report.wants("row.enum")
    report.tally("row.enum")
    assert report.counts["row.enum"] == 3 and len(report.findings) == 2

    pkg = copy_package(tmp_path / "pkg")
    broken = 0
    for table, column, value in (("events", "status", "facts"), ("citations", "role", "evidenc")):
        path = pkg / "data" / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        broken += len(rows) - 1
        i = rows[0].index(column)
        for row in rows[1:]:
            row[i] = value
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    refresh_hashes(pkg)
    kept = {}
    for engine in ("rows", "columnar"):
        r = validate(pkg, max_per_code=3, engine=engine)
        kept[engine] = [f.to_dict() for f in r.sorted_findings() if f.code == "row.enum"]
        assert r.counts["row.enum"] == broken
    assert kept["rows"] == kept["columnar"] and len(kept["rows"]) == 3
    assert all(f["file"] == "data/citations.csv" and "Did you mean 'evidence'?" in f["message"] for f in kept["rows"])


def test_github_annotations_escape_and_use_relative_paths(tmp_path: Path, monkeypatch: object) -> None:
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "events.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[3] = "sum%mit"  # type column: '%' must be escaped as %25 in the message
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    out = runner.invoke(app, ["validate", "pkg", "-f", "github"]).stdout
    line = next(ln for ln in out.splitlines() if "row.enum" in ln)
    assert line.startswith("::error file=pkg/data/events.csv,line=2,title=row.enum::")
    assert "sum%25mit" in line and "sum%mit" not in line


def test_console_script_runs_as_a_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "bri_data", "validate", str(ROOT), "-f", "json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["valid"] is True


def test_a_package_path_that_is_not_utf8_gives_utf8_output(tmp_path: Path) -> None:
    """A folder name of bytes that are not UTF-8 (Python sees lone surrogates): every format
    prints valid UTF-8, the JSON document reads back the same path, also where stdout is
    strict UTF-8 (no traceback)."""
    import os

    pkg = copy_package(Path(os.fsdecode(bytes(tmp_path) + b"/p\xff")))
    for env in ({"LC_ALL": "C.UTF-8"}, {"PYTHONIOENCODING": "utf-8:strict"}):
        for fmt in ("json", "text", "github"):
            args = [sys.executable, "-m", "bri_data", "validate", str(pkg), "-f", fmt]
            proc = subprocess.run(args, capture_output=True, env={**os.environ, **env}, timeout=120)
            assert proc.returncode == 0, proc.stderr
            out = proc.stdout.decode("utf-8")  # strict: fails on a raw 0xff
            if fmt == "json":
                assert os.fsencode(json.loads(out)["package"]) == os.fsencode(pkg / "datapackage.json")
        info = subprocess.run([sys.executable, "-m", "bri_data", "info", str(pkg), "--format", "json"], capture_output=True, env={**os.environ, **env}, timeout=120)
        assert info.returncode == 0 and "\\udcff" in info.stdout.decode("utf-8"), info.stderr


def test_locate_finds_unique_text_and_refuses_ambiguous_or_missing() -> None:
    ok = runner.invoke(app, ["locate", "Belarus Aims to Become a BRICS Member", "--package", str(ROOT)])
    assert ok.exit_code == 0
    assert "line=9 char_start=0 char_end=37" in ok.stdout
    assert ok.stdout.splitlines()[1].endswith(",9,0,37,Belarus Aims to Become a BRICS Member,evidence")
    many = runner.invoke(app, ["locate", "Lukashenka", "--package", str(ROOT)])
    assert many.exit_code == 1 and "times:" in many.stderr
    none = runner.invoke(app, ["locate", "Atlantis", "--package", str(ROOT)])
    assert none.exit_code == 1 and "occurs in no seed" in none.stderr
    scoped = runner.invoke(app, ["locate", "Kazakhstan", "--source", "src-kazan-interviews-report", "--package", str(ROOT)])
    assert scoped.exit_code == 1 and "occurs in no seed" in scoped.stderr
    js = json.loads(runner.invoke(app, ["locate", "31.10.2024", "--package", str(ROOT), "-f", "json", "-r", "src-x"]).stdout)
    assert (js["line"], js["char_start"], js["char_end"]) == (5, 0, 10)


def test_github_format_escapes_newlines_colons_and_commas(monkeypatch: object) -> None:
    from bri_data.findings import Report
    from bri_data.validation.reporters import github

    monkeypatch.chdir(ROOT)  # type: ignore[attr-defined]

    report = Report(str(ROOT / "datapackage.json"))
    report.emit("row.enum", "line one\nline two: 100%", file="data/a,b:c.csv", line=3, field="type", record_id="evt-x")
    out = github(report).splitlines()[0]
    assert out.startswith("::error file=data/a%2Cb%3Ac.csv,line=3,title=row.enum::")
    assert out.endswith("[type] (evt-x) line one%0Aline two: 100%25")


def test_build_check_and_build(tmp_path: Path) -> None:
    assert runner.invoke(app, ["build", str(ROOT), "--check"]).exit_code == 0
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "schemas" / "actors.schema.json").write_text("{}", encoding="utf-8")
    check = runner.invoke(app, ["build", str(pkg), "--check"])
    assert check.exit_code == 1 and check.stdout == "out of date: schemas/actors.schema.json\n"
    done = runner.invoke(app, ["build", str(pkg)])
    assert done.exit_code == 0 and done.stdout == "wrote schemas/actors.schema.json\n"
    assert runner.invoke(app, ["build", str(pkg), "--check"]).exit_code == 0
    assert runner.invoke(app, ["build", str(tmp_path / "nothing")]).exit_code == 2


def test_readers_use_the_installed_package_and_say_so(tmp_path: Path, monkeypatch: object) -> None:
    """A foreign datapackage.json in the working directory never breaks info, show, export."""
    import bri_data
    from bri_data.files.paths import shipped_root

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text(json.dumps({"name": "other", "resources": [{"name": "x", "path": "x.csv"}]}), encoding="utf-8")
    monkeypatch.chdir(foreign)  # type: ignore[attr-defined]
    installed = str(shipped_root() / "datapackage.json")
    for args in (["info"], ["show", "act-tokayev"], ["export", "sqlite", str(tmp_path / "bri.db")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.stderr)
        assert f"bri-data: using the installed package: {installed}" in result.stderr
    assert runner.invoke(app, ["info", "-f", "json"]).stdout.count(str(shipped_root())) == 1
    # validate is the curators' command: the working directory's package, and it says so
    checked = runner.invoke(app, ["validate"])
    assert checked.exit_code == 1 and "using the package in the working directory" in checked.stderr
    # a PATH given is used without a note
    given = runner.invoke(app, ["info", str(ROOT)])
    assert given.exit_code == 0 and given.stderr == ""
    # the Python API never looks at the working directory
    assert bri_data.load().root == shipped_root()
    assert len(bri_data.to_pandas("events")) == len(bri_data.load().tables["events"])


def test_help_prints_every_help_text_as_written() -> None:
    """Help text is plain: "needs bri-data[fast]" must not lose "[fast]" to markup."""
    import inspect
    import re
    import typing

    import typer.main
    import typer.models

    checked = 0
    # The help texts as written in the source (the parameters' Annotated metadata): click's
    # objects do not expose an argument's help on every supported typer (0.16: None).
    written: dict[str, list[tuple[str, bool]]] = {}  # command -> (help text, of an argument)
    for info in app.registered_commands:
        assert info.callback is not None
        hints = typing.get_type_hints(info.callback, include_extras=True)
        metas = [m for h in hints.values() for m in getattr(h, "__metadata__", ()) if isinstance(m, typer.models.ParameterInfo)]
        written[info.name or info.callback.__name__] = [(inspect.getdoc(info.callback) or "", False)] + [
            (m.help or "", isinstance(m, typer.models.ArgumentInfo)) for m in metas
        ]
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        out = runner.invoke(app, [name, "--help"], env={"COLUMNS": "400"}).stdout
        flat = re.sub(r"\s+", " ", out)
        # typer < 0.26 prints no argument help in plain mode: what a user must know (PNG
        # needs bri-data[plot]) is in the command's own text too.
        texts = [text for text, argument in written[name] if "Arguments:" in out or not argument]
        for text in texts:
            for bracketed in re.findall(r"\S*\[[^\]]*\]\S*", text):
                assert bracketed in flat, (name, bracketed)
                checked += 1
    assert checked >= 3  # validate --engine, timeline, site
