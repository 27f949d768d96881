"""Write files so that a reader never sees half of one: temp file beside it, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bri_data.errors import OutputExistsError


def check_target(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise OutputExistsError(f"{out} exists; pass --force to replace it")


@contextlib.contextmanager
def replacing(out: Path, force: bool = True, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to OUT; on success rename it over OUT, else delete it.

    Same directory, so the rename is atomic on POSIX. The check for an existing OUT is
    repeated right before the rename to avoid clobbering a file created meanwhile.
    """
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix + ".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        check_target(out, force)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(out: Path, text: str) -> None:
    with replacing(out) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_with(out: Path, writer: Callable[[Path], None], force: bool, suffix: str = "") -> None:
    with replacing(out, force=force, suffix=suffix) as tmp:
        writer(tmp)


def check_dir_target(out: Path, force: bool, guard: Callable[[Path], None] | None = None) -> None:
    """What `replace_dir` checks before it replaces OUT; callers may check early with it."""
    check_target(out, force)
    if guard is not None and out.exists():
        guard(out)


def replace_dir(out: Path, fill: Callable[[Path], None], force: bool, guard: Callable[[Path], None] | None = None) -> None:
    """Folder version of `replacing`: FILL a temporary folder beside OUT, then swap it in.

    GUARD, when given, is called on an existing OUT before it may be replaced and raises
    to keep it (`bri-data site` replaces only folders it wrote). Both checks run before
    the work and again right before the swap.
    """

    def check() -> None:
        check_dir_target(out, force, guard)

    check()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        fill(tmp)
        check()
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old) if out.is_dir() else out.rename(old)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
