"""Where a package lives, and which paths inside it may be read."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from bri_data.errors import PackageNotFoundError

DESCRIPTOR = "datapackage.json"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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


def resolve_package(path: str | Path | None = None, cwd: Path | None = None) -> Path:
    """Return the descriptor path for PATH (a datapackage.json or a folder holding one).

    Without PATH: the package in the current directory if there is one, else the shipped one.
    """
    if path is None:
        here = (cwd or Path.cwd()) / DESCRIPTOR
        return here if here.is_file() else shipped_root() / DESCRIPTOR
    p = Path(path)
    if p.is_dir():
        p = p / DESCRIPTOR
    if not p.is_file():
        raise PackageNotFoundError(f"no {DESCRIPTOR} at {path}")
    return p


def unsafe_reason(rel: object) -> str | None:
    """Why a descriptor path must not be read, or None when it is a plain relative path.

    Refusal happens before any I/O: URLs are never fetched, absolute paths and '..' never
    followed (Data Package spec: paths are POSIX, relative, without '..').
    """
    if not isinstance(rel, str) or not rel:
        return "the path is not a non-empty string"
    if _URL.match(rel) or rel.startswith("//"):
        return "URLs are not fetched; ship the file inside the package"
    if rel.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", rel):
        return "absolute paths are refused; use a path relative to datapackage.json"
    if "\\" in rel:
        return "backslashes are refused; use POSIX '/' separators"
    if ".." in PurePosixPath(rel).parts:
        return "'..' is refused; the path must stay inside the package"
    return None


def member(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """Resolve REL inside ROOT: (path, None) when safe, (None, reason) when refused."""
    reason = unsafe_reason(rel)
    if reason:
        return None, reason
    target = root / rel
    try:
        resolved = target.resolve()
        resolved.relative_to(root.resolve())
    except ValueError:
        return None, "the path leads outside the package (a symlink?); refused"
    except OSError as exc:
        return None, f"the path cannot be resolved: {exc.strerror or exc}"
    return target, None
