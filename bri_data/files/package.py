"""Read a package's tables as typed rows (no validation; see `validate` for that).

Reads go through the path policy (`paths.open_member`), so tools that work on a package
without validating it (locate, coverage) read nothing that validate would refuse.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from collections.abc import Generator, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.errors import UnreadableInputError
from bri_data.files.paths import Refused, open_member, read_digest, resolve_package
from bri_data.files.seeds import Seed, SeedBudget, read_seed


def package_root(path: str | Path | None = None) -> Path:
    return resolve_package(path).parent


@contextlib.contextmanager
def _reading(table: C.Table) -> Iterator[None]:
    """Any failure to read TABLE's file (refused by the path policy, unreadable, not
    UTF-8, not CSV) as UnreadableInputError."""
    try:
        yield
    except Refused as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {exc.reason}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableInputError(f"cannot read {table.path}: {getattr(exc, 'strerror', None) or exc}") from None


def _positions(table: C.Table, header: list[str]) -> list[int]:
    """Where each of TABLE's columns is in HEADER (extra columns are skipped)."""
    missing = [c for c in table.column_names if c not in header]
    if missing:
        raise UnreadableInputError(f"{table.path} lacks the column(s) {', '.join(missing)} in its header; run `bri-data validate`")
    return [header.index(c) for c in table.column_names]


def read_rows(root: Path, table: C.Table) -> list[dict[str, Any]]:
    """All rows of TABLE, typed (ints as int, empty cells as None); every column present."""
    return read_rows_hashed(root, table)[0]


def read_rows_hashed(root: Path, table: C.Table) -> tuple[list[dict[str, Any]], str]:
    """`read_rows`, and the SHA-256 of the bytes the rows were read from (hex): so that a
    caller can tell whether they are the bytes that were validated."""
    with _reading(table), open_member(root, table.path, "table") as raw:
        data = raw.read()
        with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="") as fh:
            # Strict, and every record as wide as the header: a stray quote, a blank or a
            # ragged row would otherwise be read somehow (DictReader skips blank lines and
            # pads or gathers cells), and a tool that does not validate (coverage, locate)
            # would report figures from a misread table with exit 0.
            reader = csv.reader(fh, strict=True)
            header = next(reader, None) or []
            at = _positions(table, header)
            rows = []
            start = reader.line_num + 1
            for cells in reader:
                if len(cells) != len(header):
                    raise UnreadableInputError(
                        f"{table.path} line {start}: the row has {len(cells)} cells, the header {len(header)}; run `bri-data validate`"
                    )
                rows.append(typed(table, {name: cells[i] or None for name, i in zip(table.column_names, at, strict=True)}))
                start = reader.line_num + 1
    return rows, hashlib.sha256(data).hexdigest()


def read_cells(root: Path, table: C.Table, size: int, read: dict[str, str]) -> Generator[list[list[str]], None, None]:
    """TABLE's rows, SIZE at a time, each the list of its cells as written ("" for an
    empty one) in the contract's column order: for writers that type a chunk at once
    (`typed_column`). Memory holds one chunk. Once the file is read to its end, READ maps
    the table's name to the SHA-256 of the bytes read (for comparing with those validated)."""
    with _reading(table), open_member(root, table.path, "table", hashed=True) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        header = next(reader, None) or []
        at = _positions(table, header)
        reorder = at != list(range(len(header)))
        while chunk := list(islice(reader, size)):
            if set(map(len, chunk)) != {len(header)}:  # a blank or ragged row: the package is not valid
                raise UnreadableInputError(f"{table.path} has a row whose cells do not match its header; run `bri-data validate`")
            yield [[r[i] for i in at] for r in chunk] if reorder else chunk
        read[table.name] = read_digest(raw)


def read_seeds(root: Path, sources: list[dict[str, Any]] | None = None) -> list[Seed]:
    """The seed of each row of SOURCES (without it, of the sources table read now)."""
    seeds = []
    budget = SeedBudget()
    for src in read_rows(root, C.SOURCES) if sources is None else sources:
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


def same_bytes(read: Mapping[str, str], validated: Mapping[str, str], tables: tuple[C.Table, ...], changed: str) -> None:
    """Each of TABLES was read (READ: name -> SHA-256 of the bytes read) as the validator
    read it (VALIDATED: `Report.sha256`), or UnreadableInputError: the file "changed
    CHANGED" (what was and was not done, and what to do). Load and export share it."""
    for table in tables:
        digest = read.get(table.name)
        if digest is None or digest != validated.get(table.name):
            raise UnreadableInputError(f"{table.path} changed {changed}")
