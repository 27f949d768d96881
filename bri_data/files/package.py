"""Read a package's tables as typed rows (no validation; see `validator` for that)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.errors import UnreadableInputError
from bri_data.files.paths import resolve_package
from bri_data.files.seeds import Seed, read_seed


def package_root(path: str | Path | None = None) -> Path:
    return resolve_package(path).parent


def read_rows(root: Path, table: C.Table) -> list[dict[str, Any]]:
    """All rows of TABLE, typed (ints as int, empty cells as None)."""
    try:
        with (root / table.path).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from exc
    return [typed(table, {k: (v if v != "" else None) for k, v in r.items() if k in table.column_names}) for r in rows]


def read_seeds(root: Path) -> list[Seed]:
    seeds = []
    for src in read_rows(root, C.SOURCES):
        try:
            seeds.append(read_seed(src["id"], root, src["path"]))
        except (OSError, UnicodeDecodeError, TypeError) as exc:
            raise UnreadableInputError(f"cannot read seed {src.get('path')!r}: {exc}") from exc
    return seeds
