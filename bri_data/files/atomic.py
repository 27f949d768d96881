"""Write files so that a reader never sees half of one: temp file beside it, then rename.

Outputs are plain files (or, for Parquet, a folder bri-data marks as its own), created
with the permissions the umask allows, like any other program's; a failure of any kind
(a full or read-only disk, an interrupt, SIGTERM via the CLI) removes the temp file and
the sidecars a database engine may have created beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bri_data.errors import OutputError, OutputExistsError
from bri_data.files.limits import MAX_DESCRIPTOR_BYTES

# Written into every folder `export parquet` creates: `--force` replaces only such folders.
EXPORT_MARKER = ".bri-data-export"
# What SQLite and DuckDB may leave beside a database file.
_SIDECARS = ("-journal", "-wal", "-shm", ".wal")


def _text(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def _datasette_metadata(head: bytes) -> bool:
    try:
        doc = json.loads(_text(head))
    except ValueError:  # not JSON, not UTF-8, or longer than what was read
        return False
    return isinstance(doc, dict) and isinstance(doc.get("databases"), dict)


# What `--force` may replace, per kind of file output: a file of that kind, known by its
# first bytes (a BOM and leading whitespace aside), or an empty one. Anything else (a
# CSV, a document, another program's file) stays the user's, even with --force: one
# mistyped path must not cost them a file. The two databases may replace each other
# (`export sqlite` after `export duckdb` to the same name); JSON metadata must be what
# `export --metadata` writes (Datasette's `databases`), so that no other JSON file (the
# package's own datapackage.json) is taken for it.
_DATABASE = ("a SQLite or DuckDB database", lambda head: head.startswith(b"SQLite format 3\x00") or head[8:12] == b"DUCK")
SIGNATURES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "sqlite": _DATABASE,
    "duckdb": _DATABASE,
    "json": ("Datasette metadata (a JSON object with `databases`)", _datasette_metadata),
    "svg": ("an SVG image", lambda head: _text(head).startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg"))),
    "png": ("a PNG image", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
}
_HEAD = {"json": MAX_DESCRIPTOR_BYTES}  # bytes read to judge a kind (others: 64)


def _in_use(out: Path) -> Path | None:
    """A journal or WAL file beside the database OUT: another program has it open, or
    stopped while writing it. SQLite and DuckDB replay such a file into whatever database
    then bears the name, so the new export would open corrupted."""
    for sidecar in _SIDECARS:
        path = Path(f"{out}{sidecar}")
        if os.path.lexists(path):
            return path
    return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, directory: bool = False) -> None:
    """mkstemp/mkdtemp create 0600/0700; an output gets what the umask allows (0644 under 022)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def check_target(
    out: Path, force: bool, folder: bool = False, marker: str = EXPORT_MARKER, owner: str = "bri-data export", kind: str | None = None
) -> None:
    """Refuse OUT unless it is absent, or (with FORCE) something bri-data may replace:
    a regular file for a file output, and for one of a KIND (`SIGNATURES`) only an empty
    file or one of that kind; for a folder output, an empty folder or one holding MARKER
    (the file each folder-writing command leaves in what it wrote)."""
    sidecar = _in_use(out) if kind is not None and SIGNATURES[kind] is _DATABASE else None
    if sidecar is not None:  # also without OUT: the new file would be read with it
        raise OutputExistsError(
            f"{sidecar} exists: another program has {out.name} open, or stopped while writing it, and SQLite or DuckDB "
            f"would read it into the new file; close that program (or open and close the database once), or remove {sidecar.name} if no database needs it"
        )
    try:
        st = out.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{out}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{out} is a symlink; give the path of the file itself")
    if stat.S_ISDIR(st.st_mode) and not folder:
        raise OutputError(f"{out} is a directory; give a file name")
    if folder and not (stat.S_ISDIR(st.st_mode) and ((out / marker).is_file() or not any(out.iterdir()))):
        raise OutputExistsError(
            f"{out} exists and was not written by `{owner}` (no {marker} file in it); not replacing it, even with --force; remove it yourself"
        )
    if not folder and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{out} is not a regular file")
    if kind is not None:
        name, ours = SIGNATURES[kind]
        try:
            with out.open("rb") as fh:
                head = fh.read(_HEAD.get(kind, 64))
        except OSError as exc:
            raise OutputError(f"{out}: {exc.strerror or exc}") from None
        if head and not ours(head):
            raise OutputExistsError(f"{out} exists and is not {name}; not replacing it, even with --force; remove it yourself or choose another name")
    if not force:
        raise OutputExistsError(f"{out} exists; pass --force to replace it")


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def replacing(out: Path, force: bool = True, suffix: str = "", kind: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to OUT; on success rename it over OUT, else delete it.
    KIND: what OUT may be replaced if it exists (`check_target`).

    Same directory, so the rename is atomic on POSIX. The check for an existing OUT is
    repeated right before the rename to avoid clobbering a file created meanwhile.
    OSError (no space, read-only, ...) becomes OutputError.
    """
    check_target(out, force, kind=kind)
    tmp: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix + ".tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        check_target(out, force, kind=kind)
        _publish_mode(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            for path in (tmp, *(Path(f"{tmp}{s}") for s in _SIDECARS)):
                _remove(path)


@contextlib.contextmanager
def replacing_dir(out: Path, force: bool, marker: str = EXPORT_MARKER, owner: str = "bri-data export") -> Iterator[Path]:
    """Directory version of `replacing`: fill a temp folder beside OUT, then swap it in,
    with MARKER written into it (naming OWNER) so that a later `--force` may replace it.
    An old folder is moved aside first and restored if the swap fails."""
    check_target(out, force, folder=True, marker=marker, owner=owner)
    tmp: Path | None = None
    old: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        yield tmp
        (tmp / marker).write_text(f"written by {owner}; `--force` may replace this folder\n", encoding="utf-8")
        for child in tmp.rglob("*"):
            _publish_mode(child, directory=child.is_dir())
        _publish_mode(tmp, directory=True)
        check_target(out, force, folder=True, marker=marker, owner=owner)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / "x")
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:
                os.replace(old / "x", out)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        for path in (tmp, old):
            if path is not None:
                _remove(path)


def write_text(out: Path, text: str) -> None:
    with replacing(out) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_with(out: Path, writer: Callable[[Path], None], force: bool, suffix: str = "", kind: str | None = None) -> None:
    with replacing(out, force=force, suffix=suffix, kind=kind) as tmp:
        writer(tmp)
