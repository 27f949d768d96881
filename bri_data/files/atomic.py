"""Write files so that a reader never sees half of one: temp file beside it, then rename."""

from __future__ import annotations

import contextlib
import os
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
