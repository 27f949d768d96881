"""Where a package lives, and the one policy deciding which files inside it may be read.

`open_member` is that policy. Every command that reads a package (validate with either
engine, build, locate, coverage, show, info, export, timeline, `load()`) opens the
descriptor, tables and seeds through it, so none reads what validate would refuse.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal

from bri_data.contract import model as C
from bri_data.errors import OutputError, PackageNotFoundError, UsageError
from bri_data.files.limits import MAX_DESCRIPTOR_BYTES, MAX_NAME_CHARS, MAX_PATH_CHARS, MAX_SEED_BYTES, MAX_TABLE_BYTES

DESCRIPTOR = "datapackage.json"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

RefusalKind = Literal["unsafe", "missing", "unreadable", "too_large"]


class Refused(Exception):
    """A member that must not (or cannot) be read; KIND tells callers which finding to give."""

    def __init__(self, kind: RefusalKind, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class Stopped(BaseException):
    """Raised by a read from a member once `stop_reading` was called (the interpreter is
    exiting): a BaseException, like KeyboardInterrupt, so that no engine takes it for a
    finding or a reason to fall back."""


_stopping = threading.Event()


def stop_reading() -> None:
    """Make every later read through `open_member` raise Stopped, in every thread.

    For the interpreter's exit: a validation still running in a daemon thread (an
    export's, `export.writers.Validation`) must end before the interpreter finalizes, since
    a thread then caught inside a Rust extension (jsonschema-rs, polars) aborts the whole
    process (SIGABRT, exit 134) instead of exiting with the status asked for. It ends at its
    next read, a block at most away."""
    _stopping.set()


class _Member(io.BufferedReader):
    """A member file whose reads raise Stopped after `stop_reading`."""

    def _go(self) -> None:
        if _stopping.is_set():
            raise Stopped("reading stopped: the interpreter is exiting")

    def read(self, size: int | None = -1, /) -> bytes:
        self._go()
        return super().read(size)

    def read1(self, size: int = -1, /) -> bytes:
        self._go()
        return super().read1(size)

    def readinto(self, buffer: Any, /) -> int:
        self._go()
        return super().readinto(buffer)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._go()
        return super().readline(size)


class _Hashed(io.FileIO):
    """A member file's bytes hashed (SHA-256) as the buffered reader takes them from the
    file: what a reader read, not what the file holds at some other moment. The buffered
    reader reads through `readinto` and `readall` only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.digest = hashlib.sha256()

    def readinto(self, buffer: Any, /) -> int | None:
        n = super().readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
        return n

    def readall(self) -> bytes:
        data = super().readall()
        self.digest.update(data)
        return data


def read_digest(fh: BinaryIO) -> str:
    """The SHA-256 (hex) of the bytes read so far from FH, opened with `open_member(...,
    hashed=True)`: once read to its end, the digest of the file as it was read."""
    raw = getattr(fh, "raw", None)
    if not isinstance(raw, _Hashed):
        raise TypeError("read_digest needs a file opened with open_member(..., hashed=True)")
    return raw.digest.hexdigest()


def shipped_root() -> Path:
    """The package data that came with this install.

    A wheel carries the files under ``bri_data/_package/``; an editable install or a
    checkout finds them at the repository root, one level above ``bri_data/``.
    """
    here = Path(__file__).resolve().parent.parent  # the bri_data package folder
    for root in (here / "_package", here.parent):
        if (root / DESCRIPTOR).is_file():
            return root
    raise PackageNotFoundError(f"no {DESCRIPTOR} shipped with bri_data (looked in {here / '_package'} and {here.parent})")


def resolve_package(path: str | Path | None = None) -> Path:
    """Return the descriptor path for PATH (a datapackage.json or a folder holding one).

    Without PATH: the installed package (`shipped_root`), never the working directory's,
    so a library call behaves the same in every folder. The curators' commands opt in to
    the working directory with `working_package`.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"a package path is a str or os.PathLike (a folder or its {DESCRIPTOR}), not {type(path).__name__}")
    try:
        if path is None:
            return shipped_root() / DESCRIPTOR
        p = Path(path)
        if p.is_dir():
            p = p / DESCRIPTOR
        found = _there(p)
    except (OSError, ValueError) as exc:  # a name too long, a NUL, a loop
        raise PackageNotFoundError(f"no {DESCRIPTOR} at {path!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if not found:
        raise PackageNotFoundError(f"no {DESCRIPTOR} at {path}")
    return p


def _there(descriptor: Path) -> bool:
    """Whether a descriptor is at DESCRIPTOR: a FIFO or device there is one that cannot be
    read (descriptor.not_json, said by the reader that refuses it), not a missing one."""
    return descriptor.is_file() or (descriptor.exists() and not descriptor.is_dir())


@dataclass(frozen=True)
class PackageChoice:
    """Which package a command reads, and why: stated by the CLI when no PATH was given."""

    descriptor: Path
    origin: Literal["given", "working directory", "installed"]


def choose_package(path: str | Path | None, prefer_working_directory: bool, cwd: Path | None = None) -> PackageChoice:
    """PATH when given; else ./datapackage.json if PREFER_WORKING_DIRECTORY and it exists;
    else the installed package. Raises PackageNotFoundError for a PATH without a descriptor.
    """
    if path is not None:
        return PackageChoice(resolve_package(path), "given")
    if prefer_working_directory:
        try:
            here = (cwd or Path.cwd()) / DESCRIPTOR
            found = _there(here)
        except OSError:  # the working directory was removed: there is no package in it
            found = False
        if found:
            return PackageChoice(here, "working directory")
    return PackageChoice(resolve_package(None), "installed")


def unsafe_reason(rel: object) -> str | None:
    """Why a descriptor path must not be read, or None when it is a plain relative path.

    Refusal happens before any I/O: URLs are never fetched, absolute paths and '..' never
    followed (Data Package spec: paths are POSIX, relative, without '..').
    """
    if not isinstance(rel, str) or not rel:
        return "the path is not a non-empty string"
    if _CONTROL.search(rel):
        return "the path contains a NUL or another control character"
    if len(rel) > MAX_PATH_CHARS or any(len(part) > MAX_NAME_CHARS for part in rel.split("/")):
        return f"the path is longer than {MAX_PATH_CHARS} characters or has a name longer than {MAX_NAME_CHARS}"
    if _DRIVE.match(rel):
        return "a Windows drive path is refused; use a POSIX path relative to datapackage.json"
    if _URL.match(rel) or rel.startswith("//"):
        return "URLs are not fetched; ship the file inside the package"
    if rel.startswith(("/", "\\", "~")):
        return "absolute paths are refused; use a path relative to datapackage.json"
    if "\\" in rel:
        return "backslashes are refused; use POSIX '/' separators"
    if ".." in PurePosixPath(rel).parts:
        return "'..' is refused; the path must stay inside the package"
    return None


def _oserror(exc: OSError) -> Refused:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refused("missing", "the file does not exist")
    if exc.errno == errno.ELOOP:
        return Refused("unsafe", "the path is a symlink loop; refused")
    if exc.errno == errno.EISDIR:
        return Refused("unsafe", "the path is a directory, not a regular file; refused")
    if exc.errno == errno.ENAMETOOLONG:
        return Refused("unsafe", "the path is too long for this system; refused")
    return Refused("unreadable", f"the file cannot be opened: {exc.strerror or exc}")


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}  # fmt: skip


MemberKind = Literal["descriptor", "table", "seed", "generated"]
# What each kind of member may be called, and how large it may be: a package is read
# only where its layout puts these files, so a descriptor or a sources row cannot make a
# command read (and print) another file of the folder, such as `.git/config`.
MEMBERS: dict[MemberKind, tuple[re.Pattern[str], str, int]] = {
    "descriptor": (re.compile(re.escape(DESCRIPTOR)), DESCRIPTOR, MAX_DESCRIPTOR_BYTES),
    "table": (re.compile(r"data/[A-Za-z0-9_][A-Za-z0-9_.-]*\.csv"), "data/NAME.csv", MAX_TABLE_BYTES),
    "seed": (re.compile(C.SOURCES.column("path").pattern or ""), "seeds/NAME.txt", MAX_SEED_BYTES),
    # what `build --check` compares: schemas, docs, README.md, ... (no hidden names)
    "generated": (re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*"), "a visible path", MAX_DESCRIPTOR_BYTES),
}


def open_member(root: Path, rel: object, kind: MemberKind, hashed: bool = False) -> BinaryIO:
    """Open REL inside ROOT for reading in binary, or raise Refused. HASHED: the bytes are
    hashed as they are read (`read_digest`).

    The one path policy: REL is a plain relative POSIX path (`unsafe_reason`) of the form
    its KIND may take (`MEMBERS`); it resolves, symlinks followed, to a place inside ROOT;
    the target is a regular file (never a FIFO, device, socket or directory, which could
    hang a read or never end) within the KIND's size limit. The file is opened
    non-blocking and checked again on the open descriptor, so a FIFO swapped in after the
    check cannot block either.
    """
    reason = unsafe_reason(rel)
    if reason is not None:
        raise Refused("unsafe", reason)
    assert isinstance(rel, str)
    pattern, shape, limit = MEMBERS[kind]
    if not pattern.fullmatch(rel):
        raise Refused("unsafe", f"a {kind} is read only from {shape} (no hidden or other files); refused")
    try:
        resolved = (root / rel).resolve(strict=True)
        inside = resolved.is_relative_to(root.resolve(strict=True))
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        raise Refused("unsafe", "the path is a symlink loop; refused") from None
    except OSError as exc:
        raise _oserror(exc) from None
    if not inside:
        raise Refused("unsafe", "the path leads outside the package through a symlink; refused")
    try:
        raw = (_Hashed if hashed else io.FileIO)(resolved, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0)))
        fh = _Member(raw)
    except OSError as exc:
        raise _oserror(exc) from None
    try:
        st = os.fstat(fh.fileno())
    except OSError as exc:
        fh.close()
        raise _oserror(exc) from None
    if not stat.S_ISREG(st.st_mode):
        fh.close()
        raise Refused("unsafe", f"the path is {_KINDS.get(stat.S_IFMT(st.st_mode), 'not a regular file')}, not a regular file; refused")
    elsewhere = _opened_elsewhere(fh, st, root, rel)
    if elsewhere is not None:
        fh.close()
        raise Refused("unsafe", elsewhere)
    if st.st_size > limit:
        fh.close()
        raise Refused("too_large", f"the file has {st.st_size:,} bytes; bri-data reads at most {limit:,} (README: Limits)")
    return fh


def _fd_path(fd: int) -> Path | None:
    """The path of the file open on FD, where the system says (Linux), else None."""
    link = Path(f"/proc/self/fd/{fd}")
    try:
        return Path(os.readlink(link))
    except OSError:  # no /proc, or not this system's way
        return None


def _opened_elsewhere(fh: BinaryIO, st: os.stat_result, root: Path, rel: str) -> str | None:
    """Why the file open on FH (ST its fstat) is not the one REL names inside ROOT now,
    or None when it is.

    The check before the open resolved REL; a folder on the way swapped for a symlink
    meanwhile would carry the open elsewhere. Where the system says which file a
    descriptor holds (Linux: /proc/self/fd), that path must lie inside ROOT; elsewhere,
    REL resolved again must lie inside ROOT and be the same file (device and inode).
    """
    where = _fd_path(fh.fileno())
    if where is not None and not where.exists() and where.name.endswith(" (deleted)"):
        return "the file was replaced or removed while it was opened; refused (run the command again)"
    try:
        where = where or (root / rel).resolve(strict=True)
        same = os.stat(where)
        inside = where.is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # gone, or a loop: not the file that was checked
        return "the file was replaced or removed while it was opened; refused (run the command again)"
    if not inside:
        return "the path changed while it was opened and now leads outside the package; refused"
    if (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
        return "the file was replaced or removed while it was opened; refused (run the command again)"
    return None


def writable_member(root: Path, rel: str) -> Path:
    """The path `build` may write REL at: inside ROOT with no symlink on the way (a `docs`
    or `schemas` folder that is a symlink would carry the write out of the package), or
    OutputError."""
    target = root / rel
    here = root
    for part in PurePosixPath(rel).parts[:-1]:
        here = here / part
        if here.is_symlink():
            raise OutputError(f"{here} is a symlink; bri-data writes generated files only inside the package")
    if target.is_symlink():
        raise OutputError(f"{target} is a symlink; bri-data writes generated files only inside the package")
    return target
