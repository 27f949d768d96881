"""Stream one CSV file: physical line numbers, byte-level checks, header checks.

The file is read once, in blocks of whole lines, in binary; the same pass computes its
size and SHA-256 so that the descriptor's `bytes`/`hash` can be compared without a second
read. A block is checked, decoded and split at once; only a block with a problem (CR,
NUL, a BOM, bytes that are not UTF-8, a line break other than LF, or a record that may
pass the size limit) is read line by line, as each line's findings need. Memory holds
one block and one record.
"""

from __future__ import annotations

import _csv
import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import BinaryIO

from bri_data.contract.cells import controls_only_line_breaks
from bri_data.contract.model import Table
from bri_data.files.limits import MAX_ROW_BYTES
from bri_data.findings import Report

# A cell up to a whole row's limit is parsed (and reported by the maxLength check); a
# larger record stops the parse with file.too_large before the csv module sees it.
csv.field_size_limit(MAX_ROW_BYTES)

BLOCK = 1 << 20  # bytes read at a time (well under MAX_ROW_BYTES: see `_Lines._block`)
_BOM = b"\xef\xbb\xbf"


class _TooLarge(Exception):
    """A record exceeds MAX_ROW_BYTES: parsing stops there."""


@dataclass(slots=True)
class Row:
    line: int  # physical line where the record starts
    values: dict[str, str | None]  # known columns only; "" became None
    record_id: str | None
    intact: bool = True  # False for a ragged row: its cells are not validated
    plain: bool = False  # True: no cell holds a control character (its block was scanned)


@dataclass(slots=True)
class _Noted:
    """A byte-level finding of one line, held until the record on that line is parsed, so
    that it names the record and, where it can be found, the field."""

    code: str
    message: str
    line: int
    at: int | None = None  # the character of the decoded line where the problem is, if one
    text: str = ""  # the decoded line, once decoded


def _field_at(text: str, at: int, header: list[str]) -> str | None:
    """The column of HEADER whose cell holds character AT of TEXT, a line that is one whole
    record (None if it is not, or the cell is outside the header)."""
    mark = "\ud800"  # a lone surrogate: no decoded line holds one (UTF-8 cannot spell it)
    try:
        cells = next(csv.reader([text[:at] + mark + text[at:]], strict=True), [])
    except csv.Error:
        return None
    i = next((i for i, cell in enumerate(cells) if mark in cell), None)
    return header[i] if i is not None and i < len(header) else None


@dataclass
class FileFacts:
    bytes: int = 0
    sha256: str = ""
    complete: bool = False  # False when parsing stopped early
    rows: int = 0
    columns: list[str] = field(default_factory=list)


class _Lines:
    """Decoded physical lines for csv.reader, a block at a time, reporting byte-level problems.

    The reader's `line_num` counts the lines handed over. `record_line` (set by `_rows`
    after each record) is where the record being parsed starts; it is turned into a byte
    offset only when a block begins, to know whether a record could pass the limit in it.
    """

    def __init__(self, fh: BinaryIO, rel: str, report: Report) -> None:
        self.fh, self.rel, self.report, self.size = fh, rel, report, BLOCK
        self.hash = hashlib.sha256()
        self.bytes = 0  # read (and hashed) so far
        self.record_line = 1
        self.plain = False  # the last block handed over holds no control character but LF
        self.seen: set[str] = set()
        self.noted: list[_Noted] = []  # byte findings not yet emitted (`flush`)
        self._first, self._offset, self._data = 1, 0, b""  # the last block: first line, byte offset, bytes
        self._start_line, self._start = 1, 0  # a record's first line and its byte offset

    def _once(self, code: str, message: str, line: int, at: int | None = None) -> None:
        if code not in self.seen:  # one finding per file is enough to act on
            self.seen.add(code)
            self.noted.append(_Noted(code, message, line, at))

    def flush(self, before: int | None = None, record_id: str | None = None, header: list[str] | None = None) -> None:
        """Emit the byte findings of lines before line BEFORE (all without it), naming
        RECORD_ID, and, for a record of one line (HEADER given), the field."""
        keep = []
        for n in self.noted:
            if before is not None and n.line >= before:
                keep.append(n)
                continue
            field = _field_at(n.text, n.at, header) if header is not None and n.at is not None and n.text else None
            self.report.emit(n.code, n.message, file=self.rel, line=n.line, field=field, record_id=record_id)
        self.noted = keep

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[Iterable[str]]:
        rest = b""  # a line not yet complete
        while True:
            if len(rest) > MAX_ROW_BYTES:
                raise _TooLarge  # one line alone passes the limit, and so does its record
            chunk = self.fh.read(self.size)
            self.hash.update(chunk)
            self.bytes += len(chunk)
            if not chunk:
                if rest:
                    yield self._block(rest)  # a last line without LF
                return
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                rest += chunk
                continue
            data, rest = rest + chunk[:cut], chunk[cut:]
            yield self._block(data)

    def _block(self, data: bytes) -> Iterable[str]:
        """The lines of DATA (whole lines that follow the last block), all at once when
        nothing in them needs a line's own finding, else line by line (`_exact`)."""
        first = self._first + self._data.count(b"\n")  # the last block ended with LF unless at EOF
        offset = self._offset + len(self._data)
        # Called when the reader wants the block's first line: every earlier line is parsed.
        line = self.record_line
        if line == first:
            self._start_line, self._start = line, offset
        elif line != self._start_line:  # the record began in the last block: find its byte offset
            pos = 0
            for _ in range(line - self._first):
                pos = self._data.index(b"\n", pos) + 1
            self._start_line, self._start = line, self._offset + pos
        self._first, self._offset, self._data = first, offset, data
        self.plain = False
        if (
            offset + len(data) - self._start <= MAX_ROW_BYTES  # no record can pass the limit in this block
            and b"\r" not in data
            and b"\x00" not in data
            and not (offset == 0 and data.startswith(_BOM))
        ):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return self._exact(data, first, offset)
            lines = text.splitlines(keepends=True)
            # splitlines also breaks at VT, FF, FS, GS, RS, NEL, LS and PS, which are not
            # line ends to csv: such a block goes line by line.
            if len(lines) == text.count("\n") + (not text.endswith("\n")):
                self.plain = controls_only_line_breaks(data)
                return lines
        return self._exact(data, first, offset)

    def _exact(self, data: bytes, line: int, offset: int) -> Iterator[str]:
        """The lines of DATA one by one (starting with line LINE at byte OFFSET of the file):
        the size of the record, BOM, NUL, CR and encoding checked on each."""
        i = 0
        while i < len(data):
            j = data.find(b"\n", i) + 1 or len(data)
            raw = data[i:j]
            if line == self.record_line:
                self._start_line, self._start = line, offset + i
            if offset + j - self._start > MAX_ROW_BYTES:
                raise _TooLarge
            if b"\r" in raw or b"\x00" in raw or (line == 1 and raw.startswith(_BOM)):
                raw = self._clean(raw, line)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._once(
                    "file.encoding",
                    f"bytes that are not UTF-8 at byte {exc.start + 1} of the line "
                    f"({raw[exc.start:exc.start + 4]!r}); re-save the file as UTF-8",
                    line,
                    len(raw[: exc.start].decode("utf-8")),  # what precedes the first bad byte decodes
                )
                text = raw.decode("utf-8", errors="replace")
            for n in self.noted:
                if n.line == line:
                    n.text = text
            yield text
            i, line = j, line + 1

    def _clean(self, raw: bytes, line: int) -> bytes:
        """RAW without a BOM, NUL bytes and CRs, each reported once per file."""
        if line == 1 and raw.startswith(_BOM):
            self._once("file.bom", "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM", line)
            raw = raw[3:]
        if b"\x00" in raw:
            at = raw.index(b"\x00")
            # Where the NUL was in the line as decoded (NULs and CRs removed, as below).
            before = raw[:at].replace(b"\r\n", b"\n").replace(b"\r", b"").decode("utf-8", errors="replace")
            self._once("file.nul", f"NUL byte at byte {at + 1} of the line; remove it", line, len(before))
            raw = raw.replace(b"\x00", b"")
        if b"\r" in raw:
            self._once("file.line_ending", "CR/CRLF line ending; save the file with LF (Unix) line endings", line)
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
        reader = csv.reader(lines, strict=True)
        stopped: tuple[str, str, int] | None = None  # what ended the reading early: code, message, line
        try:
            yield from _rows(reader, lines, rel, table, report, facts)
            facts.complete = True
        except csv.Error as exc:
            stopped = (
                "csv.malformed",
                f"the CSV cannot be parsed here ({exc}); check for an unterminated or stray "
                f"double quote. Rows after this point were not checked",
                reader.line_num,
            )
        except _TooLarge:
            stopped = (
                "file.too_large",
                f"a CSV record (a row, quoted line breaks included) longer than {MAX_ROW_BYTES:,} bytes starts here; "
                "rows from here on were not checked (README: Limits)",
                lines.record_line,
            )
        except OSError as exc:
            stopped = ("file.unreadable", f"reading failed: {exc.strerror or exc}", reader.line_num)
        lines.flush()  # the byte findings still held (lines of no record), before what stopped the reading
        if stopped is not None:
            code, message, line = stopped
            report.emit(code, message, file=rel, line=line)
        lines.drain()
        facts.bytes, facts.sha256 = lines.bytes, lines.hash.hexdigest()
        if facts.bytes == 0:
            report.emit("file.empty", "the file is empty; it needs at least the header row", file=rel, line=1)
        elif facts.complete and facts.rows == 0 and facts.columns:
            report.emit("table.no_rows", f"the {table.name} table has a header but no rows", file=rel, line=2)


def _rows(
    reader: _csv.Reader, lines: _Lines, rel: str, table: Table, report: Report, facts: FileFacts
) -> Iterator[Row]:
    header = next(reader, None)
    if header is None:
        return
    lines.record_line = reader.line_num + 1
    lines.flush(lines.record_line)  # the header's
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
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        lines.record_line = start
        if not cells:
            lines.flush(start)
            report.emit("csv.blank_row", "blank line inside the table; delete it", file=rel, line=line)
            continue
        facts.rows += 1
        rid = cells[id_index] if id_index is not None and id_index < len(cells) else None
        rid = rid if rid and len(rid) <= 200 else None
        if lines.noted:
            lines.flush(start, rid, header if start == line + 1 and len(cells) == width else None)
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
        # A record of one line from a scanned block has no control character in any cell
        # (a quoted line break is one).
        plain = lines.plain and start == line + 1
        if not in_order:
            yield Row(line, {name: (cells[i] if cells[i] != "" else None) for i, name in keep}, rid, plain=plain)
        elif "" in cells:  # the common header: cells map to columns by position
            yield Row(line, {name: cell or None for name, cell in zip(names, cells, strict=True)}, rid, plain=plain)
        else:
            yield Row(line, dict(zip(names, cells, strict=True)), rid, plain=plain)
