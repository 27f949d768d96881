"""Edges an outside review found after the first hardening: each is a reproduction that
used to misbehave (a traceback, a write outside the package, a false success, a silent
fallback) and must now give a clear finding or error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bri_data.cli import app
from fixturekit import ROOT, cli_runner, copy_package

runner = cli_runner()


def test_build_does_not_write_through_a_symlinked_folder(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.move(str(pkg / "schemas"), str(outside / "schemas"))
    os.symlink(outside / "schemas", pkg / "schemas")
    before = {p.name: p.read_bytes() for p in (outside / "schemas").iterdir()}
    (pkg / "data" / "events.csv").write_text((pkg / "data" / "events.csv").read_text() + "\n")  # make build want to write
    (outside / "schemas" / "events.schema.json").write_text("{}")
    result = runner.invoke(app, ["build", str(pkg)])
    assert result.exit_code == 2 and "symlink" in result.stderr
    assert (outside / "schemas" / "events.schema.json").read_text() == "{}"  # nothing written out there
    assert {p.name for p in (outside / "schemas").iterdir()} == set(before)


def test_build_does_not_read_a_readme_outside_the_package(tmp_path: Path) -> None:
    """README.md and CITATION.cff are read through the path policy like every other file:
    a symlink out of the package is refused, and neither it nor docs/package-index.md
    (made from it) carries the outside file's text."""
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "README.md").write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert runner.invoke(app, ["build", str(pkg)]).exit_code == 0
    index = (pkg / "docs" / "package-index.md").read_bytes()
    secret = tmp_path / "secret.md"
    secret.write_text("SECRET " + (ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    (pkg / "README.md").unlink()
    (pkg / "README.md").symlink_to(secret)
    for args in (["build", str(pkg)], ["build", str(pkg), "--check"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "README.md refused" in result.stderr and "outside the package" in result.stderr, result.stderr
    assert (pkg / "docs" / "package-index.md").read_bytes() == index and "SECRET" not in index.decode()


def test_commands_work_in_a_removed_working_directory(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    exe = Path(sys.executable).parent / "bri-data"  # the console script, as a user runs it
    script = 'cd "$1" && rmdir "$1" && exec "$2" info'
    proc = subprocess.run(["sh", "-c", script, "sh", str(gone), str(exe)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "using the installed package" in proc.stderr


def test_build_on_a_name_too_long_for_the_os_is_exit_2() -> None:
    result = runner.invoke(app, ["build", "a" * 5000])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert "cannot be used" in result.stderr


def test_a_broken_polars_is_an_engine_error_not_a_traceback(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "polars"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("this polars is broken")\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}
    cmd = [sys.executable, "-m", "bri_data", "validate", str(ROOT), "--engine", "columnar"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "polars cannot be imported" in proc.stderr


def test_export_refuses_metadata_at_the_export_path(tmp_path: Path) -> None:
    out = tmp_path / "x.db"
    result = runner.invoke(app, ["export", "sqlite", str(out), "--metadata", str(out), "--package", str(ROOT)])
    assert result.exit_code == 2 and "its own file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_datasette_metadata_needs_nothing_from_the_descriptor_but_validity(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    desc = json.loads((pkg / "datapackage.json").read_text())
    del desc["sources"], desc["title"]  # optional in the profile; the contract supplies them
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    assert runner.invoke(app, ["validate", str(pkg)]).exit_code == 0
    meta = tmp_path / "meta.json"
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "x.db"), "--metadata", str(meta), "--package", str(pkg)])
    assert result.exit_code == 0, result.output
    assert json.loads(meta.read_text())["title"].startswith("bri-data")


def test_not_found_report_names_the_engine_asked_for() -> None:
    result = runner.invoke(app, ["validate", "/nonexistent", "-f", "json", "--engine", "columnar"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and doc["engine"]["requested"] == "columnar" and doc["engine"]["used"] is None


def test_build_check_says_when_it_could_not_judge_the_docs(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "actors.csv"
    path.write_text(path.read_text().replace(",person,", ",persn,", 1))
    assert runner.invoke(app, ["build", str(pkg), "--no-docs"]).exit_code == 0
    result = runner.invoke(app, ["build", str(pkg), "--check"])
    assert result.exit_code == 1 and "docs not checked" in result.stderr


def test_schema_backend_variable_is_checked_and_a_fallback_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    from bri_data.validation import backends, rows
    from bri_data.validation.run import validate

    monkeypatch.setenv("BRI_DATA_SCHEMA_BACKEND", "bogus")
    rows._validator.cache_clear()
    result = runner.invoke(app, ["validate", str(ROOT)])
    assert result.exit_code == 2 and "BRI_DATA_SCHEMA_BACKEND" in result.stderr
    monkeypatch.setenv("BRI_DATA_SCHEMA_BACKEND", "rs")
    rows._validator.cache_clear()
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # as if it had no wheel here
    monkeypatch.setattr(backends, "_fallback", [])
    report = validate(ROOT, engine="rows")
    assert report.valid and report.engine_note and "jsonschema-rs cannot be imported" in report.engine_note
    rows._validator.cache_clear()


def test_locate_lists_a_bounded_number_of_places(tmp_path: Path) -> None:
    from bri_data.errors import LookupFailedError
    from bri_data.files.seeds import MAX_PLACES, Seed, locate

    lines = tuple("a" * 1000 for _ in range(4000))  # 4 million places for "a"
    seed = Seed("src-x", "seeds/x.txt", "0" * 64, lines)
    with pytest.raises(LookupFailedError) as err:
        locate("a", [seed])
    message = str(err.value)
    assert "occurs 4,000,000 times" in message and message.count("line ") == MAX_PLACES
    assert len(message) < 2000


@pytest.mark.parametrize("fd_paths", [True, False], ids=["fd-path", "resolved-again"])
def test_a_folder_swapped_for_a_symlink_during_the_open_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fd_paths: bool) -> None:
    """The policy resolves a member, then opens it: a `data` folder swapped for a symlink
    to another folder in between would carry the read outside the package. The opened
    file is checked again (by the path the system gives for the descriptor, or where the
    system gives none, by resolving again), so the swap is refused, not read."""
    import bri_data.files.paths as paths

    if not fd_paths:
        monkeypatch.setattr(paths, "_fd_path", lambda fd: None)

    pkg = copy_package(tmp_path / "pkg")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "events.csv").write_text("secret\n", encoding="utf-8")
    assert paths.open_member(pkg, "data/events.csv", "table").read(2) == b"id"
    real_open = os.open

    def swapping_open(path: str, flags: int, *args: object) -> int:
        if str(path).endswith("data/events.csv") and not (pkg / "data").is_symlink():
            (pkg / "data").rename(pkg / "data.real")
            (pkg / "data").symlink_to(outside, target_is_directory=True)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(paths.os, "open", swapping_open)
    with pytest.raises(paths.Refused, match="changed while it was opened") as info:
        paths.open_member(pkg, "data/events.csv", "table")
    assert info.value.kind == "unsafe"


@pytest.mark.parametrize("fd_paths", [True, False], ids=["fd-path", "resolved-again"])
def test_a_file_replaced_right_after_its_open_is_refused_as_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fd_paths: bool) -> None:
    """An editor's atomic save between the open and the check: the descriptor holds the
    old, unlinked file. Refused, and said as it is (not "outside the package")."""
    import bri_data.files.paths as paths

    if not fd_paths:
        monkeypatch.setattr(paths, "_fd_path", lambda fd: None)
    pkg = copy_package(tmp_path / "pkg")
    real_open = os.open

    def open_then_save(path: str, flags: int, *args: object) -> int:
        fd = real_open(path, flags, *args)  # type: ignore[arg-type]
        if str(path).endswith("data/events.csv"):
            fresh = pkg / "data" / ".events.csv.new"
            fresh.write_bytes((pkg / "data" / "events.csv").read_bytes())
            os.replace(fresh, pkg / "data" / "events.csv")
        return fd

    monkeypatch.setattr(paths.os, "open", open_then_save)
    with pytest.raises(paths.Refused, match="replaced or removed while it was opened") as info:
        paths.open_member(pkg, "data/events.csv", "table")
    assert info.value.kind == "unsafe"


def test_build_never_replaces_another_packages_descriptor(tmp_path: Path) -> None:
    """Any Frictionless package has a data/ folder; build rewrites datapackage.json only
    where it is bri-data's (or does not parse, beside the contract's tables)."""
    other = tmp_path / "other"
    (other / "data").mkdir(parents=True)
    (other / "data" / "x.csv").write_text("a,b\n1,2\n")
    descriptor = b'{"name": "other", "resources": [{"name": "x", "path": "data/x.csv"}]}'
    (other / "datapackage.json").write_bytes(descriptor)
    for args in (["build", str(other), "--no-docs"], ["build", str(other)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "none of the bri-data tables" in result.stderr, result.stderr
    pkg = copy_package(tmp_path / "pkg")
    theirs = {"name": "someone-elses", "resources": [{"name": "x", "path": "data/x.csv"}]}
    (pkg / "datapackage.json").write_text(json.dumps(theirs))
    result = runner.invoke(app, ["build", str(pkg), "--no-docs"])
    assert result.exit_code == 2 and "describes another package" in result.stderr, result.stderr
    assert json.loads((pkg / "datapackage.json").read_text())["name"] == "someone-elses"
    assert (other / "datapackage.json").read_bytes() == descriptor
    (pkg / "datapackage.json").write_text("<<<<<<< HEAD\n")  # a merge conflict: rewritten
    assert runner.invoke(app, ["build", str(pkg), "--no-docs"]).exit_code == 0
    assert json.loads((pkg / "datapackage.json").read_text())["name"] == "bri-data"


@pytest.mark.parametrize("damage", ["blank", "ragged"])
def test_tools_that_do_not_validate_refuse_a_misread_table(tmp_path: Path, damage: str) -> None:
    """coverage reads the tables without validating them: a blank line or a row with a
    cell too many was read somehow before (skipped, or its cells shifted), and the figures
    came out with exit 0. Now the line is named and the exit is 2."""
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "citations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(5, "\n" if damage == "blank" else lines[4].rstrip("\n") + ",extra\n")
    path.write_text("".join(lines), encoding="utf-8")
    result = cli_runner().invoke(app, ["coverage", str(pkg)])
    assert result.exit_code == 2, result.output
    assert "data/citations.csv line 6" in result.stderr and "bri-data validate" in result.stderr


def test_a_fifo_descriptor_in_the_working_directory_is_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PATH, a datapackage.json here that is a FIFO is the package asked about (it
    cannot be read: exit 2), not a reason to validate the installed one instead."""
    os.mkfifo(tmp_path / "datapackage.json")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(app, ["validate", "-f", "json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and doc["counts"] == {"descriptor.not_json": 1}, result.stdout
    assert doc["package"] == str(tmp_path / "datapackage.json")


def test_a_check_that_cannot_run_names_the_package_it_chose(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)  # as if not installed
    monkeypatch.chdir(tmp_path)  # no package here: the installed one is chosen
    result = cli_runner().invoke(app, ["validate", "--engine", "columnar", "-f", "json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and list(doc["counts"]) == ["run.usage"]
    assert Path(doc["package"]).is_absolute() and Path(doc["package"]).is_file()
