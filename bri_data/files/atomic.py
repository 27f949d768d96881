"""Write files so that a reader never sees half of one: temp file beside it, then rename.

Outputs are plain files (or, for Parquet, a folder bri-data marks as its own), created
with the permissions the umask allows, like any other program's; a failure of any kind
(a full or read-only disk, an interrupt, SIGTERM via the CLI) removes the temp file and
the sidecars a database engine may have created beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from bri_data.contract.model import PACKAGE_NAME
from bri_data.errors import OutputError, OutputExistsError, UsageError
from bri_data.files.limits import MAX_DESCRIPTOR_BYTES

# Written into every folder `export parquet` creates: `--force` replaces only such folders.
EXPORT_MARKER = ".bri-data-export"
_MARKER_LINE = 64 * 1024  # longest line of a marker's file list read (a path is at most 4,096 bytes)
# What SQLite and DuckDB may leave beside a database file.
_SIDECARS = ("-journal", "-wal", "-shm", ".wal")


def _text(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


# The marks bri-data leaves in every file it writes, one per kind, so that `--force`
# replaces only such a file (see SIGNATURES). A file without it (another program's, or
# one an older bri-data wrote) is refused, never guessed at.
APPLICATION_ID = 0x62726964  # "brid": SQLite's header field for the application owning a database (PRAGMA application_id)
META_OWNER = ("package", PACKAGE_NAME)  # a row of the exported databases' _meta table: DuckDB has no header field
SVG_MARK = f"<!-- written by {PACKAGE_NAME} -->"  # the first line of an SVG it writes
PNG_TEXT = ("Software", PACKAGE_NAME)  # a PNG text chunk (tEXt), written right after the header


SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database
# DuckDB opened on a file bri-data did not necessarily write: no access to other files or
# the network, no extensions loaded or installed.
DUCKDB_SAFE: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def _sqlite_ours(head: bytes) -> bool:
    return head.startswith(SQLITE_HEADER) and int.from_bytes(head[68:72], "big") == APPLICATION_ID


def _duckdb_ours(out: Path) -> str | None:
    """None if OUT is a DuckDB database whose base table _meta holds META_OWNER, else why
    it is not known to be one. Opened read-only, with no access to other files or the
    network and no extensions: a view named _meta (the user's SQL) is never run."""
    try:
        import duckdb
    except ImportError:
        return "a DuckDB database, and duckdb is not installed to tell whether bri-data wrote it"
    try:
        con = duckdb.connect(str(out), read_only=True, config=DUCKDB_SAFE)
        try:
            table = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = '_meta'"
            ).fetchone()
            row = con.execute("SELECT value FROM main._meta WHERE key = ?", [META_OWNER[0]]).fetchone() if table == (1,) else None
        finally:
            con.close()
    except (duckdb.Error, RuntimeError) as exc:  # RuntimeError: a path that is not UTF-8 (std::bad_cast)
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        if "lock" in first.lower():
            return f"a DuckDB database another program has open ({first}); close that program first"
        return f"a DuckDB database bri-data cannot read ({first})"
    return None if row is not None and row[0] == META_OWNER[1] else "a DuckDB database bri-data did not write (no _meta table naming it)"


def _database(out: Path, head: bytes) -> str | None:
    if _sqlite_ours(head):
        return None
    if head.startswith(SQLITE_HEADER):
        return "a SQLite database bri-data did not write (its header lacks bri-data's application_id, as do exports of bri-data 0.1)"
    if head[8:12] == b"DUCK":
        return _duckdb_ours(out)
    return "not a SQLite or DuckDB database"


# What `export --metadata` writes (`export.datasette.metadata`): a file with other keys
# holds the user's own additions (canned queries, plugins), which --force must not drop.
_METADATA_KEYS = frozenset({"title", "description", "license", "license_url", "source", "databases"})
_DATABASE_KEYS = frozenset({"description", "tables"})


def _datasette_metadata(out: Path, head: bytes) -> str | None:
    try:
        doc = json.loads(_text(head))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep, or longer than what was read
        return "not Datasette metadata (a JSON object with `databases`)"
    dbs = doc.get("databases") if isinstance(doc, dict) else None
    if not isinstance(dbs, dict):
        return "not Datasette metadata (a JSON object with `databases`)"
    ours = (
        bool(dbs)
        and set(doc) <= _METADATA_KEYS
        and all(isinstance(d, dict) and set(d) <= _DATABASE_KEYS and str(d.get("description", "")).startswith(f"{PACKAGE_NAME} ") for d in dbs.values())
    )
    return None if ours else f"Datasette metadata bri-data did not write, or with additions of the user's (keys other than it writes, or databases not described as {PACKAGE_NAME})"


def _svg(out: Path, head: bytes) -> str | None:
    text = _text(head)
    if text.startswith(SVG_MARK.encode()):
        return None
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")):
        return f"an SVG image bri-data did not write (it does not start with {SVG_MARK})"
    return "not an SVG image"


def _png(out: Path, head: bytes) -> str | None:
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "not a PNG image"
    mark = b"\x00".join(part.encode() for part in PNG_TEXT)
    at = 8
    while at + 8 <= len(head):  # the chunks up to the image data: length, type, data, CRC
        size, kind = int.from_bytes(head[at : at + 4], "big"), head[at + 4 : at + 8]
        if kind == b"tEXt" and head[at + 8 : at + 8 + size] == mark:
            return None
        if kind == b"IDAT":
            break
        at += 12 + size
    return f"a PNG image bri-data did not write (no {PNG_TEXT[0]}: {PNG_TEXT[1]} text chunk before its image data)"


# What `--force` may replace, per kind of file output: an empty file, or one that bears
# bri-data's mark for that kind (above). Anything else (a CSV, a document, the user's own
# database or image) stays the user's, even with --force: one mistyped path must not
# cost them a file. The two databases may replace each other (`export sqlite` after
# `export duckdb` to the same name). Each function returns None for a file it may
# replace, else what the file is, for the message.
SIGNATURES: dict[str, Callable[[Path, bytes], str | None]] = {
    "sqlite": _database,
    "duckdb": _database,
    "json": _datasette_metadata,
    "svg": _svg,
    "png": _png,
}
_HEAD = {"json": MAX_DESCRIPTOR_BYTES}  # bytes read to judge a kind (others: 256)


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
    if folder and out.name in ("", ".", ".."):  # (a file output there: "is a directory", below)
        raise UsageError(f"{str(out)!r} names a folder by . or ..; give the output its own name (e.g. ../out)")
    sidecar = _in_use(out) if kind is not None and SIGNATURES[kind] is _database else None
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
    except ValueError:  # a NUL in the path
        raise UsageError(f"{str(out)!r}: a path cannot hold a NUL character") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{out} is a symlink; give the path of the file itself")
    if stat.S_ISDIR(st.st_mode) and not folder:
        raise OutputError(f"{out} is a directory; give a file name")
    if folder and not (stat.S_ISDIR(st.st_mode) and ((out / marker).is_file() or not any(out.iterdir()))):
        raise OutputExistsError(
            f"{out} exists and was not written by `{owner}` (no {marker} file in it); not replacing it, even with --force; remove it yourself"
        )
    if folder and force and (out / marker).is_file():
        foreign = _not_as_written(out, marker)
        if foreign is not None:
            raise OutputExistsError(
                f"{out} was written by `{owner}`, but {foreign}; not replacing it, even with --force, so nothing of yours is lost: "
                "move it out, or remove the folder yourself"
            )
    if not folder and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{out} is not a regular file")
    if kind is not None:
        try:
            with _open_regular(out) as fh:  # OUT may have been swapped since the lstat above
                head = fh.read(_HEAD.get(kind, 256))
        except OSError as exc:
            raise OutputError(f"{out}: {exc.strerror or exc}") from None
        what = SIGNATURES[kind](out, head) if head else None
        if what is not None:
            raise OutputExistsError(f"{out} exists and is {what}; not replacing it, even with --force; remove it yourself or choose another name")
    if not force:
        raise OutputExistsError(f"{out} exists; pass --force to replace it")


def _open_regular(path: Path) -> BinaryIO:
    """PATH opened for reading without following a symlink or waiting on a FIFO, and
    checked to be a regular file once open (it may have been swapped since it was looked
    at); OSError otherwise."""
    fh = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)), "rb")
    if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
        fh.close()
        raise OSError(f"{path.name} is not a regular file")
    return fh


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with _open_regular(path) as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _manifest(folder: Path, owner: str) -> str:
    """The marker's text: who wrote the folder, then each file it wrote (SHA-256, size,
    path as a JSON string), so that `--force` can tell the folder is still only that."""
    lines = [f"written by {owner}; `--force` may replace this folder while it holds only the files below, unchanged"]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lines.append(f"sha256:{_digest(path)} {path.stat().st_size} {json.dumps(path.relative_to(folder).as_posix())}")
    return "\n".join(lines) + "\n"


def _not_as_written(out: Path, marker: str) -> str | None:
    """None when OUT holds only files its MARKER lists, each unchanged (a listed file may
    be gone); else what is not (a file the user added or changed, a symlink, an older
    marker without the list)."""
    listed: dict[str, tuple[int, str]] = {}
    try:
        # Line by line, as long as the folder is (a site has a page per record); each line
        # "sha256:HEX SIZE "PATH"", anything else (a crafted or damaged marker) refused.
        with _open_regular(out / marker) as fh:
            fh.readline(_MARKER_LINE)
            while raw := fh.readline(_MARKER_LINE):
                hashed, written, name = raw.decode("utf-8").rstrip("\n").split(" ", 2)
                path = json.loads(name) if name.startswith('"') and name.endswith('"') else None
                if not isinstance(path, str) or not hashed.startswith("sha256:") or not written.isdigit():
                    raise ValueError(f"a line that is not 'sha256:HEX SIZE \"PATH\"': {raw[:100]!r}")
                listed[path] = (int(written), hashed)
    except (OSError, ValueError):
        return f"its {marker} file cannot be read"
    if not listed:
        return f"its {marker} file lists no files (an older bri-data wrote it)"
    folders = {p for rel in listed for p in Path(rel).parents} - {Path(".")}
    try:
        for dirpath, dirnames, filenames in os.walk(out, onerror=_raise):  # never into a symlink
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                here = path.relative_to(out)
                st = path.lstat()
                if (stat.S_ISDIR(st.st_mode) and here in folders) or here.as_posix() == marker:
                    continue
                if not stat.S_ISREG(st.st_mode) or here.as_posix() not in listed:
                    return f"it holds {here.as_posix()!r}, which it did not write"
                size, digest = listed[here.as_posix()]
                if st.st_size != size or f"sha256:{_digest(path)}" != digest:
                    return f"{here.as_posix()!r} changed since it was written"
    except OSError as exc:
        return f"{exc.filename or out} cannot be read ({exc.strerror or exc})"
    return None


def _raise(exc: OSError) -> None:
    raise exc


def _parents(out: Path, made: list[Path]) -> None:
    """Create OUT's missing folders, each added to MADE (outermost first) once made, so
    that a write that does not complete removes them again (a failed export leaves
    nothing behind)."""
    missing = []
    for folder in (out.parent, *out.parent.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:  # made meanwhile by another program: not ours to remove
            continue
        made.append(folder)


def _unmake(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty (someone wrote there meanwhile): kept
            folder.rmdir()


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def output_path(out: object, what: str = "OUT") -> Path:
    """OUT, an output path given to a library call, as a Path; anything but a str or
    os.PathLike is a UsageError (not a TypeError from deep inside)."""
    if not isinstance(out, (str, os.PathLike)):
        raise UsageError(f"{what} is a str or os.PathLike, not {type(out).__name__}")
    return Path(out)


def _fixed(out: Path) -> Path:
    """OUT as a path that names the same place whatever moves: its folder resolved (no
    "..", no working directory), its own name kept (a symlink there is refused, not
    followed). A folder OUT may hold the working directory, which moves aside with it:
    a relative "../out" from inside it would then name a place inside the old folder."""
    try:
        return out.parent.resolve(strict=True) / out.name
    except (OSError, RuntimeError):  # no such folder yet (`_parents` makes it), or a broken link on the way
        return out.absolute()  # as given: a broken link stays broken, and is refused where it is used


@contextlib.contextmanager
def replacing(out: Path, force: bool = True, suffix: str = "", kind: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to OUT; on success rename it over OUT, else delete it.
    KIND: what OUT may be replaced if it exists (`check_target`).

    Same directory, so the rename is atomic on POSIX. The check for an existing OUT is
    repeated right before the rename to avoid clobbering a file created meanwhile.
    OSError (no space, read-only, ...) becomes OutputError.
    """
    check_target(out, force, kind=kind)
    target = _fixed(out)
    tmp: Path | None = None
    made: list[Path] = []
    done = False
    try:
        _parents(target, made)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix + ".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        check_target(target, force, kind=kind)
        _publish_mode(tmp)
        os.replace(tmp, target)
        done = True
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            for path in (tmp, *(Path(f"{tmp}{s}") for s in _SIDECARS)):
                _remove(path)
        if not done:
            _unmake(made)


@contextlib.contextmanager
def replacing_dir(out: Path, force: bool, marker: str = EXPORT_MARKER, owner: str = "bri-data export") -> Iterator[Path]:
    """Directory version of `replacing`: fill a temp folder beside OUT, then swap it in,
    with MARKER written into it (naming OWNER and listing the files, `_manifest`) so that a
    later `--force` may replace it while it holds only those files, unchanged.
    An old folder is moved aside first and restored if the swap fails."""
    check_target(out, force, folder=True, marker=marker, owner=owner)
    target = _fixed(out)
    tmp: Path | None = None
    old: Path | None = None
    made: list[Path] = []
    done = False
    try:
        _parents(target, made)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=target.parent)).absolute()
        yield tmp
        manifest = _manifest(tmp, owner)
        (tmp / marker).write_text(manifest, encoding="utf-8")
        for child in tmp.rglob("*"):
            _publish_mode(child, directory=child.is_dir())
        _publish_mode(tmp, directory=True)
        check_target(target, force, folder=True, marker=marker, owner=owner)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=target.parent)).absolute()
            os.replace(target, old / "x")
        try:
            os.replace(tmp, target)
        except OSError:
            if old is not None:
                os.replace(old / "x", target)
            raise
        done = True
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        for path in (tmp, old):
            if path is not None:
                _remove(path)
        if not done:
            _unmake(made)


def write_text(out: Path, text: str) -> None:
    with replacing(out) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_with(out: Path, writer: Callable[[Path], None], force: bool, suffix: str = "", kind: str | None = None) -> None:
    with replacing(out, force=force, suffix=suffix, kind=kind) as tmp:
        writer(tmp)
