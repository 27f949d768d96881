"""Where a package lives, and which paths inside it may be read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

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


def resolve_package(path: str | Path | None = None) -> Path:
    """Return the descriptor path for PATH (a datapackage.json or a folder holding one).

    Without PATH: the installed package (`shipped_root`), never the working directory's,
    so a library call behaves the same in every folder. The curators' commands opt in to
    the working directory with `working_package`.
    """
    if path is None:
        return shipped_root() / DESCRIPTOR
    p = Path(path)
    if p.is_dir():
        p = p / DESCRIPTOR
    if not p.is_file():
        raise PackageNotFoundError(f"no {DESCRIPTOR} at {path}")
    return p


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
    here = (cwd or Path.cwd()) / DESCRIPTOR
    if prefer_working_directory and here.is_file():
        return PackageChoice(here, "working directory")
    return PackageChoice(resolve_package(None), "installed")


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
