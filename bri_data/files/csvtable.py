"""Stream one CSV file: physical line numbers, byte-level checks, header checks.

The file is read once, line by line, in binary; the same pass computes its size and
SHA-256 so that the descriptor's `bytes`/`hash` can be compared without a second read.
Memory holds one record at a time.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from bri_data.contract.model import Table
from bri_data.files.limits import MAX_ROW_BYTES
from bri_data.findings import Report

# A cell up to a whole row's limit is parsed (and reported by the maxLength check); a
# larger record stops the parse with file.too_large before the csv module sees it.
csv.field_size_limit(MAX_ROW_BYTES)


class _TooLarge(Exception):
    """A record exceeds MAX_ROW_BYTES: parsing stops there."""


@dataclass
class Row:
    line: int  # physical line where the record starts
    values: dict[str, str | None]  # known columns only; "" became None
    record_id: str | None
    intact: bool = True  # False for a ragged row: its cells are not validated


@dataclass
class FileFacts:
    bytes: int = 0
    sha256: str = ""
    complete: bool = False  # False when parsing stopped early
    rows: int = 0
    columns: list[str] = field(default_factory=list)


class _Lines:
    """Iterator of decoded physical lines for csv.reader, reporting byte-level problems."""

    def __init__(self, fh: BinaryIO, rel: str, report: Report) -> None:
        self.fh, self.rel, self.report = fh, rel, report
        self.hash = hashlib.sha256()
        self.bytes = 0
        self.lineno = 0
        self.record_start = 0  # byte offset where the record being parsed began
        self.record_line = 1
        self.seen: set[str] = set()

    def _once(self, code: str, message: str) -> None:
        if code not in self.seen:  # one finding per file is enough to act on
            self.seen.add(code)
            self.report.emit(code, message, file=self.rel, line=self.lineno)

    def __iter__(self) -> Iterator[str]:
        # readline(limit): a line is never read whole when it alone would exceed the limit.
        while raw := self.fh.readline(MAX_ROW_BYTES + 1):
            self.lineno += 1
            self.hash.update(raw)
            self.bytes += len(raw)
            if self.bytes - self.record_start > MAX_ROW_BYTES:
                raise _TooLarge
            if b"\r" in raw or b"\x00" in raw or (self.lineno == 1 and raw.startswith(b"\xef\xbb\xbf")):
                raw = self._clean(raw)  # the rare line: the common one costs two byte scans
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._once(
                    "file.encoding",
                    f"bytes that are not UTF-8 at byte {exc.start + 1} of the line "
                    f"({raw[exc.start:exc.start + 4]!r}); re-save the file as UTF-8",
                )
                text = raw.decode("utf-8", errors="replace")
            yield text

    def _clean(self, raw: bytes) -> bytes:
        """RAW without a BOM, NUL bytes and CRs, each reported once per file."""
        if self.lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            self._once("file.bom", "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM")
            raw = raw[3:]
        if b"\x00" in raw:
            at = raw.index(b"\x00") + 1
            self._once("file.nul", f"NUL byte at byte {at} of the line; remove it")
            raw = raw.replace(b"\x00", b"")
        if b"\r" in raw:
            self._once("file.line_ending", "CR/CRLF line ending; save the file with LF (Unix) line endings")
            raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"")
        return raw

    def drain(self) -> None:
        """Hash the rest of the file after parsing stopped early."""
        while chunk := self.fh.read(1 << 20):
            self.hash.update(chunk)
            self.bytes += len(chunk)


def read_table(fh: BinaryIO, rel: str, table: Table, report: Report, facts: FileFacts) -> Iterator[Row]:
    """Yield the rows of FH (opened by `paths.open_member`; closed here); header, CSV and
    byte problems go to REPORT."""
    with fh:
        lines = _Lines(fh, rel, report)
        reader = csv.reader(iter(lines), strict=True)
        try:
            yield from _rows(reader, lines, rel, table, report, facts)
            facts.complete = True
        except csv.Error as exc:
            report.emit(
                "csv.malformed",
                f"the CSV cannot be parsed here ({exc}); check for an unterminated or stray "
                f"double quote. Rows after this point were not checked",
                file=rel,
                line=lines.lineno,
            )
        except _TooLarge:
            report.emit(
                "file.too_large",
                f"a CSV record (a row, quoted line breaks included) longer than {MAX_ROW_BYTES:,} bytes starts here; "
                "rows from here on were not checked (README: Limits)",
                file=rel,
                line=lines.record_line,
            )
        except OSError as exc:
            report.emit("file.unreadable", f"reading failed: {exc.strerror or exc}", file=rel, line=lines.lineno)
        lines.drain()
        facts.bytes, facts.sha256 = lines.bytes, lines.hash.hexdigest()
        if facts.bytes == 0:
            report.emit("file.empty", "the file is empty; it needs at least the header row", file=rel, line=1)
        elif facts.complete and facts.rows == 0 and facts.columns:
            report.emit("table.no_rows", f"the {table.name} table has a header but no rows", file=rel, line=2)


def _rows(
    reader: Iterator[list[str]], lines: _Lines, rel: str, table: Table, report: Report, facts: FileFacts
) -> Iterator[Row]:
    header = next(reader, None)
    if header is None:
        return
    lines.record_start, lines.record_line = lines.bytes, lines.lineno + 1
    facts.columns = header
    known = set(table.column_names)
    seen: set[str] = set()
    keep: list[tuple[int, str]] = []  # (cell index, column) of columns we validate
    for i, name in enumerate(header):
        if name in seen:
            report.emit("header.duplicate_column", f"column {name!r} appears twice in the header", file=rel, line=1, field=name)
            continue
        seen.add(name)
        if name not in known:
            report.emit(
                "header.unknown_column",
                f"column {name!r} is not part of the {table.name} table; expected: {', '.join(table.column_names)}",
                file=rel,
                line=1,
                field=name,
            )
        else:
            keep.append((i, name))
    for name in table.column_names:
        if name not in seen:
            report.emit("header.missing_column", f"column {name!r} is missing from the header", file=rel, line=1, field=name)
    width = len(header)
    names = [name for _, name in keep]
    in_order = len(keep) == width and all(i == j for j, (i, _) in enumerate(keep))
    id_index = header.index("id") if "id" in header else None
    start = lines.lineno + 1
    for cells in reader:
        line, start = start, lines.lineno + 1
        lines.record_start, lines.record_line = lines.bytes, start
        if not cells:
            report.emit("csv.blank_row", "blank line inside the table; delete it", file=rel, line=line)
            continue
        facts.rows += 1
        rid = cells[id_index] if id_index is not None and id_index < len(cells) else None
        rid = rid if rid and len(rid) <= 200 else None
        if len(cells) != width:
            report.emit(
                "csv.ragged_row",
                f"the row has {len(cells)} cells but the header has {width}; "
                "check for a missing or extra comma, or an unquoted comma inside a value",
                file=rel,
                line=line,
                record_id=rid,
            )
            yield Row(line, {}, rid, intact=False)  # id still counts for keys; cells are not trusted
            continue
        if in_order:  # the common header: cells map to columns by position
            yield Row(line, {name: cell or None for name, cell in zip(names, cells, strict=True)}, rid)
        else:
            yield Row(line, {name: (cells[i] if cells[i] != "" else None) for i, name in keep}, rid)
