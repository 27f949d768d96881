"""Read a package's tables as typed rows (no validation; see `validate` for that).

Reads go through the path policy (`paths.open_member`), so tools that work on a package
without validating it (locate, coverage) read nothing that validate would refuse.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.errors import UnreadableInputError
from bri_data.files.paths import Refused, open_member, resolve_package
from bri_data.files.seeds import Seed, SeedBudget, read_seed


def package_root(path: str | Path | None = None) -> Path:
    return resolve_package(path).parent


def read_rows(root: Path, table: C.Table) -> list[dict[str, Any]]:
    """All rows of TABLE, typed (ints as int, empty cells as None); every column present."""
    try:
        with open_member(root, table.path, "table") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in table.column_names if c not in (reader.fieldnames or [])]
            if missing:
                raise UnreadableInputError(f"{table.path} lacks the column(s) {', '.join(missing)}; run `bri-data validate`")
            rows = list(reader)
    except Refused as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc.reason}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc}") from None
    return [typed(table, {k: (v if v != "" else None) for k, v in r.items() if k in table.column_names}) for r in rows]


def read_seeds(root: Path) -> list[Seed]:
    seeds = []
    budget = SeedBudget()
    for src in read_rows(root, C.SOURCES):
        path = src["path"]
        try:
            if not isinstance(path, str) or not isinstance(src["id"], str):
                raise Refused("unsafe", "the sources row has no id or path")
            seeds.append(read_seed(src["id"], root, path, budget))
        except Refused as exc:
            raise UnreadableInputError(f"cannot read seed {str(path)[:200]!r}: {exc.reason}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableInputError(f"cannot read seed {str(path)[:200]!r}: {exc}") from None
    return seeds
