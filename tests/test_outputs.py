"""Outputs under hostile conditions: no false success, no lost data, no debris.

Full and read-only disks are real (small tmpfs mounts), skipped where mounting is not
permitted; SIGTERM is sent to a real export process.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bri_data.cli import app
from fixturekit import ROOT

runner = CliRunner()
FORMATS = ("sqlite", "duckdb", "parquet")


def _mount(where: Path, options: str) -> bool:
    where.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    return proc.returncode == 0


def _umount(where: Path) -> None:
    """Unmount; a handle the garbage collector has not closed yet can keep it busy a moment."""
    for _ in range(20):
        gc.collect()
        if subprocess.run(["umount", str(where)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", str(where)], check=True)  # detach; freed when the last handle closes


def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    if not _mount(where, options):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    yield where
    _umount(where)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _tmpfs(tmp_path / "small", "size=64k")


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _tmpfs(tmp_path / "ro", "size=64k,ro")


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_disk_is_an_error_and_leaves_nothing(small_disk: Path, fmt: str) -> None:
    out = runner.invoke(app, ["export", fmt, str(small_disk / f"out.{fmt}"), "--package", str(ROOT)])
    assert out.exit_code == 2, out.stdout
    assert "wrote" not in out.stdout and out.stderr.startswith(f"bri-data: error: cannot write {small_disk}")
    assert list(small_disk.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_read_only_disk_is_an_error(read_only_disk: Path, fmt: str) -> None:
    out = runner.invoke(app, ["export", fmt, str(read_only_disk / "out"), "--package", str(ROOT)])
    assert out.exit_code == 2 and "Read-only file system" in out.stderr
    assert out.exception is None or isinstance(out.exception, SystemExit)


@pytest.mark.parametrize("fmt", ("sqlite", "duckdb"))
def test_out_that_is_a_directory_or_symlink_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "target.db").write_bytes(b"precious")
    (tmp_path / "link.db").symlink_to(tmp_path / "target.db")
    monkeypatch.chdir(tmp_path)
    for out, message in ((".", "is a directory"), ("dir", "is a directory"), ("link.db", "is a symlink")):
        for force in ([], ["--force"]):
            result = runner.invoke(app, ["export", fmt, out, *force, "--package", str(ROOT)])
            assert result.exit_code == 2 and message in result.stderr, (out, result.stderr)
    assert (tmp_path / "target.db").read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "link.db", "target.db"]


@pytest.mark.parametrize(
    ("args", "name", "kind"),
    [
        (["export", "sqlite"], "out.db", "a SQLite database"),
        (["export", "duckdb"], "out.duckdb", "a DuckDB database"),
        (["timeline"], "out.svg", "an SVG image"),
        (["timeline"], "out.png", "a PNG image"),
    ],
)
def test_force_replaces_only_a_file_of_the_kind_written(tmp_path: Path, args: list[str], name: str, kind: str) -> None:
    """A mistyped OUT (a table of the package, a document) is kept even with --force: only
    an empty file or one of the kind the command writes is replaced."""
    out = tmp_path / name
    for precious in (b"id,name\nact-x,X\n", b"SQLite format 3\x00"[::-1], b"\x89PNG-ish"):
        out.write_bytes(precious)
        result = runner.invoke(app, [*args, str(out), "--force", "--package", str(ROOT)])
        assert result.exit_code == 2 and f"is not {kind}" in result.stderr and "even with --force" in result.stderr, result.stderr
        assert out.read_bytes() == precious
    out.write_bytes(b"")
    for _ in range(2):  # an empty file, then what the command wrote: replaced
        result = runner.invoke(app, [*args, str(out), "--force", "--package", str(ROOT)])
        assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp left


def test_force_replaces_only_json_metadata(tmp_path: Path) -> None:
    meta = tmp_path / "metadata.json"
    meta.write_text("title: not json\n")
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "not a JSON object" in result.stderr and meta.read_text() == "title: not json\n"
    assert not (tmp_path / "o.db").exists()  # refused before anything was written
    meta.write_text('{"title": "old"}')
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 0 and '"databases"' in meta.read_text()


def test_parquet_force_never_replaces_a_foreign_folder(tmp_path: Path) -> None:
    pkg_data = tmp_path / "data"  # e.g. a package's own data folder
    pkg_data.mkdir()
    (pkg_data / "events.csv").write_text("keep")
    result = runner.invoke(app, ["export", "parquet", str(pkg_data), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "not written by `bri-data export`" in result.stderr
    assert (pkg_data / "events.csv").read_text() == "keep"


@pytest.mark.parametrize("fmt", FORMATS)
def test_outputs_respect_the_umask(tmp_path: Path, fmt: str) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / f"out.{fmt}"
        assert runner.invoke(app, ["export", fmt, str(out), "--package", str(ROOT)]).exit_code == 0
        svg = tmp_path / "t.svg"
        assert runner.invoke(app, ["timeline", str(svg), "--package", str(ROOT)]).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == (0o755 if fmt == "parquet" else 0o644)
    assert svg.stat().st_mode & 0o777 == 0o644
    if fmt == "parquet":
        assert all(p.stat().st_mode & 0o777 == (0o755 if p.is_dir() else 0o644) for p in out.rglob("*"))


@pytest.mark.parametrize("fmt", ("sqlite", "duckdb"))
def test_sigterm_mid_export_removes_temp_files(tmp_path: Path, fmt: str) -> None:
    # The export pauses after filling the database; SIGTERM arrives while temp files exist.
    script = textwrap.dedent(
        f"""
        import sys, time
        import bri_data.export.writers as w
        fill = w._fill
        def slow(*args):
            fill(*args)
            print("filled", flush=True)
            time.sleep(60)
        w._fill = slow
        sys.argv = ["bri-data", "export", "{fmt}", {str(tmp_path / "out.db")!r}, "--package", {str(ROOT)!r}]
        from bri_data.cli import main
        main()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "filled\n"
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".out.db.")]  # the temp file exists now
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
