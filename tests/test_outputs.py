"""Outputs under hostile conditions: no false success, no lost data, no debris.

Full and read-only disks are real (small tmpfs mounts), skipped where mounting is not
permitted; SIGTERM is sent to a real export process.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from typer.testing import CliRunner

from bri_data.cli import app
from fixturekit import ROOT, copy_package

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
        (["export", "sqlite"], "out.db", "a SQLite or DuckDB database"),
        (["export", "duckdb"], "out.duckdb", "a SQLite or DuckDB database"),
        (["timeline"], "out.svg", "an SVG image"),
        (["timeline"], "out.png", "a PNG image"),
    ],
)
def test_force_replaces_only_a_file_of_the_kind_written(tmp_path: Path, args: list[str], name: str, kind: str) -> None:
    """A mistyped OUT (a table of the package, a document) is kept even with --force: only
    an empty file or one the command wrote is replaced."""
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


def test_force_replaces_only_datasette_metadata(tmp_path: Path) -> None:
    """--metadata --force replaces only what it writes: not YAML, not another JSON object
    such as a package's own datapackage.json."""
    pkg = copy_package(tmp_path / "pkg")
    descriptor = (pkg / "datapackage.json").read_bytes()
    meta = tmp_path / "metadata.json"
    meta.write_text("title: not json\n")
    for target, before in ((meta, b"title: not json\n"), (pkg / "datapackage.json", descriptor)):
        result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(target), "--force", "--package", str(pkg)])
        assert result.exit_code == 2 and "is not Datasette metadata" in result.stderr, result.stderr
        assert target.read_bytes() == before and not (tmp_path / "o.db").exists()  # refused before anything was written
    mine = b'{"databases": {"mine": {"description": "my own database"}}, "title": "Mine"}'
    meta.write_bytes(mine)  # the user's own Datasette metadata
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "is Datasette metadata bri-data did not write" in result.stderr and meta.read_bytes() == mine
    meta.write_bytes(b"[" * 200_000)  # nested too deep to parse: not metadata, no traceback
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "is not Datasette metadata" in result.stderr, result.stderr
    meta.unlink()
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 0 and '"databases"' in meta.read_text()
    written = meta.read_bytes()
    meta.write_text(json.dumps({**json.loads(written), "plugins": {"datasette-cluster-map": {}}}))  # the user's addition
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "additions of the user's" in result.stderr and "plugins" in meta.read_text()
    meta.write_bytes(written)
    meta.write_bytes(b"\xef\xbb\xbf  " + meta.read_bytes())  # what it wrote, then saved with a BOM, as some editors do
    result = runner.invoke(app, ["export", "sqlite", str(tmp_path / "o.db"), "--metadata", str(meta), "--force", "--package", str(ROOT)])
    assert result.exit_code == 0, result.stderr


def test_the_duckdb_check_reads_nothing_outside_the_package(tmp_path: Path) -> None:
    """A _meta view reading another file would make that file's words the mark: the check
    neither runs it nor reads the file (no external access)."""
    outside = tmp_path / "outside.txt"
    outside.write_text("bri-data")
    out = tmp_path / "v.duckdb"
    _their_duckdb_view(out, str(outside))
    before = out.read_bytes()
    result = runner.invoke(app, ["export", "duckdb", str(out), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "bri-data did not write" in result.stderr and out.read_bytes() == before


def test_the_two_databases_replace_each_other_and_an_svg_may_start_with_a_bom(tmp_path: Path) -> None:
    out = tmp_path / "out.db"
    for fmt in ("sqlite", "duckdb", "sqlite"):
        result = runner.invoke(app, ["export", fmt, str(out), "--force", "--package", str(ROOT)])
        assert result.exit_code == 0, result.stderr
    svg = tmp_path / "t.svg"
    assert runner.invoke(app, ["timeline", str(svg), "--package", str(ROOT)]).exit_code == 0
    svg.write_bytes(b"\xef\xbb\xbf\n" + svg.read_bytes())  # what it wrote, saved again with a BOM
    result = runner.invoke(app, ["timeline", str(svg), "--force", "--package", str(ROOT)])
    assert result.exit_code == 0, result.stderr


def _their_sqlite(out: Path) -> None:
    con = sqlite3.connect(out)
    con.execute("CREATE TABLE _meta (key TEXT, value TEXT)")  # even one that looks like an export
    con.execute("INSERT INTO _meta VALUES ('package', 'bri-data')")
    con.commit()
    con.close()


def _their_duckdb(out: Path, meta: bool = False) -> None:
    con = duckdb.connect(str(out))
    con.execute("CREATE TABLE results (x INTEGER)")
    if meta:
        con.execute("CREATE TABLE _meta (key TEXT, value TEXT)")
        con.execute("INSERT INTO _meta VALUES ('package', 'someone else')")
    con.close()


def _their_duckdb_view(out: Path, outside: str = "") -> None:
    """A database whose _meta is a view: the user's SQL, which the check must never run
    (it could read a file outside the package, or never end)."""
    con = duckdb.connect(str(out))
    con.execute("CREATE TABLE precious (x INTEGER)")
    source = f"read_text({outside!r})" if outside else "(SELECT 'bri-data' AS content)"
    con.execute(f"CREATE VIEW _meta AS SELECT 'package' AS key, content AS value FROM {source}")
    con.close()


def _their_png_text(out: Path, key: str, value: str) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    Image.new("RGB", (4, 4), "white").save(out, format="PNG", pnginfo=info)


def _their_svg(out: Path) -> None:
    out.write_text("<!-- drawn by hand -->\n<svg xmlns='http://www.w3.org/2000/svg'/>\n")


def _their_png(out: Path) -> None:
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")


@pytest.mark.parametrize(
    ("args", "name", "make", "what"),
    [
        (["export", "sqlite"], "o.db", _their_sqlite, "a SQLite database bri-data did not write"),
        (["export", "duckdb"], "o.db", _their_sqlite, "a SQLite database bri-data did not write"),
        (["export", "sqlite"], "o.duckdb", _their_duckdb, "a DuckDB database bri-data did not write"),
        (["export", "duckdb"], "o.duckdb", lambda out: _their_duckdb(out, meta=True), "a DuckDB database bri-data did not write"),
        (["timeline"], "t.svg", _their_svg, "an SVG image bri-data did not write"),
        (["timeline"], "t.png", _their_png, "a PNG image bri-data did not write"),
        (["export", "duckdb"], "v.duckdb", _their_duckdb_view, "a DuckDB database bri-data did not write"),
        (["timeline"], "t.png", lambda out: _their_png_text(out, "Software", "bri-data-viewer 3.1"), "a PNG image bri-data did not write"),
        (["timeline"], "t.png", lambda out: _their_png_text(out, "Comment", "tEXtSoftware\x00bri-data"), "a PNG image bri-data did not write"),
    ],
)
def test_force_never_replaces_a_file_of_the_kind_that_bri_data_did_not_write(
    tmp_path: Path, args: list[str], name: str, make: Callable[[Path], None], what: str
) -> None:
    """The user's own database or image, even of the kind the command writes, is kept with
    --force: bri-data replaces only what bears its mark (`atomic.SIGNATURES`)."""
    out = tmp_path / name
    make(out)
    before = out.read_bytes()
    result = runner.invoke(app, [*args, str(out), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and f"is {what}" in result.stderr and "even with --force" in result.stderr, result.stderr
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize(("fmt", "sidecar"), [("sqlite", "-wal"), ("sqlite", "-journal"), ("sqlite", "-shm"), ("duckdb", ".wal")])
def test_a_database_in_use_is_not_replaced(tmp_path: Path, fmt: str, sidecar: str) -> None:
    """A journal or WAL beside OUT (another program has it open, or stopped while writing
    it) would be read into the new file: refused, with or without OUT, nothing touched."""
    out = tmp_path / "out.db"
    assert runner.invoke(app, ["export", fmt, str(out), "--package", str(ROOT)]).exit_code == 0
    log = Path(f"{out}{sidecar}")
    log.write_bytes(b"\x00" * 4096)
    before = out.read_bytes()
    for force in ([], ["--force"]):
        result = runner.invoke(app, ["export", fmt, str(out), *force, "--package", str(ROOT)])
        assert result.exit_code == 2 and f"{log.name} exists" in result.stderr and "another program" in result.stderr, result.stderr
    assert out.read_bytes() == before and log.read_bytes() == b"\x00" * 4096
    out.unlink()
    result = runner.invoke(app, ["export", fmt, str(out), "--package", str(ROOT)])
    assert result.exit_code == 2 and not out.exists()


def test_a_wal_left_by_another_program_never_reaches_the_new_export(tmp_path: Path) -> None:
    """The case behind the rule: a WAL-mode connection that stopped without a checkpoint."""
    out = tmp_path / "out.db"
    assert runner.invoke(app, ["export", "sqlite", str(out), "--package", str(ROOT)]).exit_code == 0
    script = (
        "import sqlite3, os, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL'); "
        "c.execute('PRAGMA wal_autocheckpoint=0'); c.execute('CREATE INDEX extra ON events(summary)'); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    assert Path(f"{out}-wal").stat().st_size > 0
    result = runner.invoke(app, ["export", "sqlite", str(out), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "out.db-wal exists" in result.stderr
    with sqlite3.connect(out) as con:  # opened and closed once: the WAL is checkpointed away
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    con.close()
    assert not Path(f"{out}-wal").exists()
    result = runner.invoke(app, ["export", "sqlite", str(out), "--force", "--package", str(ROOT)])
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone() == (0,)
    con.close()


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


def test_the_exit_stops_an_export_validation_still_running() -> None:
    """An export validates in a daemon thread; when the process exits before it finished
    (Ctrl-C, SIGTERM, an error), the exit stops it at its next read and waits for it. A
    thread left inside a Rust extension (jsonschema-rs, polars) while the interpreter
    finalizes aborts the process (exit 134) instead of exiting with the status asked for."""
    script = textwrap.dedent(
        f"""
        import atexit, sys, threading, time
        from bri_data.files import paths
        from bri_data.exports import writers

        def slowly(name):
            original = getattr(paths._Member, name)
            def read(self, *args):
                time.sleep(0.2)  # the validation is between reads when the exit comes
                return original(self, *args)
            setattr(paths._Member, name, read)

        slowly("read")
        slowly("read1")

        def after():  # registered first, so it runs after the exports' own exit handler
            alive = [t.name for t in threading.enumerate() if t.name == "bri-data-validate"]
            print("alive", alive, type(checking._error).__name__, flush=True)

        atexit.register(after)
        checking = writers.Validation({str(ROOT)!r})
        time.sleep(0.3)
        sys.exit(7)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 7 and done.stderr == "", done.stderr
    assert done.stdout == "alive [] Stopped\n"  # stopped and ended before the interpreter finalized


@pytest.mark.parametrize("fmt", ("sqlite", "duckdb"))
def test_sigterm_mid_export_removes_temp_files(tmp_path: Path, fmt: str) -> None:
    # The export pauses after filling the database; SIGTERM arrives while temp files exist.
    script = textwrap.dedent(
        f"""
        import sys, time
        import bri_data.exports.writers as w
        fill = w._fill
        def slow(*args):
            fill(*args)
            print("filled", flush=True)
            for _ in range(600):  # short sleeps: SIGTERM may reach another thread, which wakes no long sleep here
                time.sleep(0.1)
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


def test_an_output_swapped_for_a_fifo_after_its_check_is_refused_without_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_target looks at OUT (lstat), then opens it to read its mark: a FIFO put there
    in between must be refused, not waited on (the open never follows a symlink or blocks)."""
    from bri_data.errors import OutputError
    from bri_data.files import atomic

    out = tmp_path / "x.db"
    os.mkfifo(out)
    regular = tmp_path / "regular"
    regular.write_bytes(b"SQLite format 3\x00")
    real = Path.lstat
    monkeypatch.setattr(Path, "lstat", lambda self: real(regular) if self == out else real(self))  # as checked before the swap
    signal.alarm(20)  # a blocking open would hang here
    try:
        with pytest.raises(OutputError, match="not a regular file"):
            atomic.check_target(out, force=True, kind="sqlite")
    finally:
        signal.alarm(0)


@pytest.mark.parametrize(
    "line",
    ['sha256:00 1 [1]', "sha256:00 1 5", "sha256:00 1 null", "sha256:00 1 " + "[" * 100_000, "not a line", "sha256:00 x \"a\"", "md5:00 1 \"a\""],
)
def test_a_damaged_or_crafted_folder_marker_is_refused_not_a_traceback(tmp_path: Path, line: str) -> None:
    out = tmp_path / "pq"
    assert runner.invoke(app, ["export", "parquet", str(out), "--package", str(ROOT)]).exit_code == 0
    marker = out / ".bri-data-export"
    marker.write_text(marker.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    result = runner.invoke(app, ["export", "parquet", str(out), "--force", "--package", str(ROOT)])
    assert result.exit_code == 2 and "cannot be read" in result.stderr, (result.stderr, repr(result.exception))


def test_a_folder_marker_longer_than_the_descriptor_limit_still_reads(tmp_path: Path) -> None:
    """A site has a page per record: its marker grows with the package (past 4 MiB at
    about 33k files) and must still be read; listed files that are gone are allowed."""
    from bri_data.files import atomic

    out = tmp_path / "site"
    out.mkdir()
    gone = "".join(f"sha256:{'0' * 64} 1 \"records/r{i}.html\"\n" for i in range(60_000))
    (out / ".bri-data-site").write_text("written by bri-data site\n" + gone, encoding="utf-8")
    assert (out / ".bri-data-site").stat().st_size > 4 * 1024 * 1024
    assert atomic._not_as_written(out, ".bri-data-site") is None


def test_a_folder_made_meanwhile_by_another_program_is_not_an_error_nor_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writes into the same new folder: the one that finds it made meanwhile goes on,
    and does not remove it when it fails."""
    from bri_data.errors import OutputError
    from bri_data.files import atomic

    out = tmp_path / "new" / "x.svg"
    real = Path.mkdir

    def racing(self: Path, *args: object, **kwargs: object) -> None:
        real(self)
        if self == out.parent:
            raise FileExistsError(17, "File exists", str(self))

    monkeypatch.setattr(Path, "mkdir", racing)
    with pytest.raises(OutputError, match="boom"), atomic.replacing(out) as tmp:
        tmp.write_text("x")
        raise OSError("boom")
    assert out.parent.is_dir() and list(out.parent.iterdir()) == []  # not ours: kept


def test_paths_that_are_not_utf8_export_or_say_why_not(tmp_path: Path) -> None:
    where = Path(os.fsdecode(bytes(tmp_path) + b"/q\xff"))
    where.mkdir()
    result = runner.invoke(app, ["export", "parquet", str(where / "pq"), "--package", str(ROOT)])
    assert result.exit_code == 0 and (where / "pq" / "events" / "events.parquet").is_file(), result.stderr
    result = runner.invoke(app, ["export", "sqlite", str(where / "x.db"), "--package", str(ROOT)])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["export", "duckdb", str(where / "x.duckdb"), "--package", str(ROOT)])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr and isinstance(result.exception, (SystemExit, type(None))), result.stderr
    assert sorted(p.name for p in where.iterdir()) == ["pq", "x.db"]
