"""The columnar engine for large packages (optional extra `bri-data[fast]`, polars).

Same checks, same findings as the row engine, at several times the speed, by splitting
every check in two:

1. a *mask*: polars expressions over whole columns that say, per row and finding code,
   how many findings the row engine reports there (the JSON Schema's keywords compiled
   to expressions; keys and foreign keys by binary search on sorted hashes of the ids;
   EDTF, country and alias checks on distinct values only; quotes by slicing the cited
   seed line);
2. the *exact check*: flagged rows go through the row engine's own functions, which
   write the findings. Past the findings cap (`Report.max_per_code`), a row whose
   findings could not be kept is counted from the mask instead (`Report.tally`): work
   past the cap is counting, not explaining. So the masks must be exact: on the rows it
   explains, the engine compares what the exact check reported with what the mask
   predicted, and declines the data (the row engine then checks it) if they differ.
   tests/test_columnar.py runs every fixture and error-injected synthetic packages
   through both engines, with small caps and small blocks, and requires identical
   reports.

Each table is read once, in blocks of whole lines (`blocks`): one pass over the bytes
hashes them, checks the lines are records and parses each block; masks and exact checks
run block by block, in three stages, each a thread (`ahead`): the parse, what needs only
the block and the earlier tables (integers, schema masks, keys and references), and the
rest. Only what spans blocks (ids for duplicates and references, self-references,
aliases, statement texts, marks of what citations name, the few columns layer 6
compares) is kept to the end of the table, as narrow frames. Memory holds about four
blocks (one per stage, one made ahead, the raw bytes last read), those frames and the
seeds, not the table.

The engine refuses (raises `Unsupported`; the caller discards its partial report) when
a file is not plain, one-record-per-line CSV (bad bytes, NUL, CR, a BOM or any other
header than the contract's, a quoted newline, ragged or blank rows, no rows, a line near
the row size limit) or the schema uses a keyword it cannot compile; the caller then
runs the row engine, which reports such problems precisely.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import queue
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from bri_data.contract import model as C
from bri_data.contract.cells import CONTROL_PATTERN, INT_PATTERN, typed
from bri_data.contract.edtf import bounds
from bri_data.errors import require
from bri_data.files.csvtable import FileFacts, Row
from bri_data.files.limits import MAX_ROW_BYTES
from bri_data.files.paths import Refused, open_member
from bri_data.findings import Report
from bri_data.validation import consistency, rules, semantics
from bri_data.validation.descriptor import ResourceDecl
from bri_data.validation.keys import KeyIndex, cycles, dangling, duplicate, duplicate_global
from bri_data.validation.provenance import Provenance, not_verbatim, uncited
from bri_data.validation.rowengine import stream_table
from bri_data.validation.rows import check_row, schema_for

_ANNOTATIONS = {"description", "x-enumDescriptions", "x-references", "x-check", "title", "$comment"}
_INT_RE = INT_PATTERN
_MAX_ID = 200  # longer ids are no record id (`Row.record_id`): not indexed, not named in findings


# The oldest polars this engine is tested with (`nox -s mindeps`); pyproject.toml's `fast`
# extra declares the same floor (a test compares the two).
MIN_POLARS = (1, 28)


class Unsupported(Exception):
    """The data is outside what the columnar engine handles; the row engine reports it."""


# polars' allocator (jemalloc) keeps the pages it frees for reuse, by default for
# seconds and per thread arena: a run that reads its tables block by block then holds
# what earlier blocks and tables freed on top of what it uses. Returned after 100 ms,
# from one arena, the peak at 1M realistic rows measured 327 -> 280 MiB at the same
# time. (Returned at once it was lower still, but the pages faulted in again cost about
# a second of system time.) jemalloc reads this setting once, when polars is first
# imported: here, in `_import_polars`. A setting of the user's own wins, and the
# variable is removed again right after the import, so that nothing else (child
# processes included) sees it. Imported earlier by someone else, polars keeps the
# allocator settings it has.
_ALLOCATOR = ("_RJEM_MALLOC_CONF", "narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0")


def _import_polars() -> Any:
    """`import polars` with `_ALLOCATOR` (raises ImportError)."""
    name, value = _ALLOCATOR
    mine = name not in os.environ and "polars" not in sys.modules
    if mine:
        os.environ[name] = value
    try:
        import polars
    finally:
        if mine:
            del os.environ[name]
    return polars


def unavailable() -> str | None:
    """Why the columnar engine cannot run here (polars missing or too old), or None."""
    import importlib.util

    if importlib.util.find_spec("polars") is None:
        return 'polars is not installed (pip install "bri-data[fast]")'
    try:
        polars = _import_polars()
    except ImportError as exc:  # a broken install: reported, never run
        return f"polars cannot be imported ({exc})"

    have = tuple(int(p) for p in polars.__version__.split(".")[:2] if p.isdigit())
    if have < MIN_POLARS:
        want = ".".join(map(str, MIN_POLARS))
        return f"polars {polars.__version__} is older than {want}, the oldest this engine is tested with"
    return None


def _open(root: Path, rel: str) -> BinaryIO:
    try:
        return open_member(root, rel, "table")
    except Refused as exc:
        raise Unsupported(f"{rel} refused by the path policy ({exc.kind})") from None


# Bytes read at a time: a line longer than half a row's limit is declined (declining is
# always safe: the row engine judges the limit), and a read this size shows every such line.
_READ = MAX_ROW_BYTES // 2


class _Bytes:
    """The byte-level preconditions, one read at a time: hash, size, no NUL, CR or unit
    separator, no line near the row size limit, and (DECODE) UTF-8: blocks leave that
    to polars, which refuses bytes that are not UTF-8 in any cell it reads."""

    def __init__(self, decode: bool = True) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self.run = 0  # bytes since the last newline: lines longer than a read span reads
        self.decoder = codecs.getincrementaldecoder("utf-8")() if decode else None

    def check(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        at = chunk.find(b"\n")
        longest = self.run + (len(chunk) if at == -1 else at)
        self.run = longest if at == -1 else len(chunk) - chunk.rfind(b"\n") - 1
        if max(longest, self.run) > MAX_ROW_BYTES // 2:
            raise Unsupported("a line near or above the row size limit")
        if b"\x00" in chunk or b"\r" in chunk or b"\x1f" in chunk:
            raise Unsupported("NUL, CR or unit-separator bytes")
        if self.decoder is None or (chunk.isascii() and not self.decoder.getstate()[0]):  # none left open by the last read
            return
        try:
            self.decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise Unsupported("not UTF-8") from exc

    def finish(self) -> None:
        try:
            if self.decoder is not None:
                self.decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise Unsupported("not UTF-8") from exc


@dataclass
class _Scan:
    facts: FileFacts
    rel: str


def prescan(root: Path, rel: str, table: C.Table) -> _Scan:
    """One pass over the bytes (opened by the path policy): hash, size, and the plain-CSV
    preconditions (the sources table, which the row engine then reads)."""
    check = _Bytes()
    first = last = b""
    newlines = 0
    with _open(root, rel) as fh:
        while chunk := fh.read(_READ):
            if not first:
                first = chunk[:4096]
            check.check(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    check.finish()
    header = first.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if header != ",".join(table.column_names):
        raise Unsupported("header differs from the contract")
    lines = newlines + (0 if last in (b"\n", b"") else 1)
    if lines < 2:
        raise Unsupported("no rows")  # the row engine reports empty and header-only files
    facts = FileFacts(bytes=check.size, sha256=check.hash.hexdigest(), complete=True, rows=lines - 1, columns=table.column_names)
    return _Scan(facts, rel)


# Bytes of CSV parsed at a time: memory holds about four blocks (one per stage of
# `_table`, one made ahead, the raw bytes last read), not the table. 3 MiB: at 1M rows 4 MiB was about as fast and took about
# 15 MiB more (8 MiB, with two stages: about 40 MiB more).
BLOCK = 3 << 20


@dataclass
class Block:
    """Some rows of a table: `rows` a DataFrame (every column as text, empty cells null,
    `_line` the physical line), `controls` whether a cell may hold a control character."""

    rows: Any
    controls: bool


def blocks(pl: Any, fh: BinaryIO, table: C.Table, facts: FileFacts, size: int = BLOCK) -> Iterator[Block]:
    """The table's rows in blocks of about SIZE bytes, in one pass over FH that also fills
    FACTS (size, SHA-256, rows); raises Unsupported for anything but plain
    one-record-per-line CSV.

    Lines are records (checked on each block before it is parsed: no quoted line
    breaks, no ragged rows, no stray quotes, no blank lines), so a block may end at any
    line break.
    """
    width = len(table.columns)
    check = _Bytes(decode=False)
    header = ",".join(table.column_names).encode()
    parts: list[bytes] = []
    have = 0
    line = 2  # of the block's first row
    first = True
    with fh:
        while True:
            chunk = fh.read(min(size, _READ))
            if chunk:
                check.check(chunk)
                parts.append(chunk)
                have += len(chunk)
                if have < size:
                    continue
            data = b"".join(parts)
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            parts = [data[cut:]] if cut < len(data) else []
            have = len(data) - cut
            data = data[:cut]
            if first and data:
                head, _, data = data.partition(b"\n")
                if head != header:
                    raise Unsupported("header differs from the contract")
                first = False
            if data:
                df = _block(pl, data, table, width)
                yield Block(df.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + line).alias("_line")), _controls(data))
                line += df.height
            if not chunk:
                break
    check.finish()
    facts.bytes, facts.sha256, facts.rows, facts.columns, facts.complete = check.size, check.hash.hexdigest(), line - 2, table.column_names, True
    if first or facts.rows == 0:
        raise Unsupported("no rows")  # the row engine reports empty and header-only files


@dataclass
class Checked:
    """A block with its integer columns parsed (`with_numbers`), the schema checks that
    apply to it (`checks`), whether any of them holds on one of its rows, and for a
    block of citations the row of `all_ids` each row's record_id names (or null)."""

    rows: Any
    checks: list[tuple[str, Any]]
    flagged: bool
    record_at: Any = None


def flags(pl: Any, df: Any, checks: list[tuple[str, Any]]) -> bool:
    """Whether one of CHECKS (code, mask) holds on a row of DF."""
    return bool(checks) and bool(df.select(pl.any_horizontal(e.fill_null(False) for _, e in checks).any()).item())


_T = TypeVar("_T")


def ahead(items: Iterator[_T]) -> Generator[_T, None, None]:
    """ITEMS, the next one produced in a thread while the caller works on this one: the
    next block is read, hashed and parsed (hashlib and polars release the GIL) while the
    checks run on this one. At most one item is made ahead (a stage holds two blocks:
    the caller's and the next). An exception in the thread is raised here."""
    slot: queue.Queue[tuple[bool, object]] = queue.Queue()
    turn = threading.Semaphore(1)  # one item may be made ahead of the caller
    stop = threading.Event()

    def produce() -> None:
        try:
            while True:
                while not turn.acquire(timeout=0.05):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                item = next(items, stop)
                slot.put((True, item))
                if item is stop:  # the end
                    return
        except BaseException as exc:  # handed to the caller, raised there
            slot.put((False, exc))

    worker = threading.Thread(target=produce, name="bri-data-blocks", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = slot.get()
            turn.release()
            if not ok:
                try:
                    raise item  # type: ignore[misc]
                finally:
                    del item  # no cycle (exception -> traceback -> this frame -> exception) keeping the run alive
            if item is stop:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()


_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n"
_C1 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F in UTF-8 (0xC2 is never a continuation byte)


def _controls(data: bytes) -> bool:
    """Whether DATA (UTF-8, lines) may hold a character of CONTROL_PATTERN: what is left
    once printable ASCII and line breaks are deleted is control bytes and non-ASCII."""
    rest = data.translate(None, _PRINTABLE)
    return bool(rest) and (bool(rest.translate(None, bytes(range(0x80, 0x100)))) or _C1.search(rest) is not None)


def _field_re(width: int) -> str:
    """A line of exactly WIDTH fields, each unquoted (no quote, no comma) or quoted whole
    (doubled quotes inside): how Python's csv module and polars read it alike."""
    one = r'(?:[^",]*|"(?:[^"]|"")*")'
    return f"^{one}(?:,{one}){{{width - 1}}}$"


def _block(pl: Any, data: bytes, table: C.Table, width: int) -> Any:
    """One block of whole lines: checked as lines, and parsed as CSV.

    Every line must be a record of WIDTH fields, read by polars as by Python's csv
    module. No line may be blank. A line with a quote is matched whole against the shape
    of a record (`_field_re`: polars reads misplaced quotes otherwise than Python). The
    parse fails on a line with too many fields; one with too few has its last column
    null, so only when the last column holds a null are the commas of each line counted.
    """
    if data.startswith(b"\n") or b"\n\n" in data:
        raise Unsupported("blank lines")
    try:
        raw = None
        if b'"' in data:
            raw = _lines(pl, data)
            line = pl.col("l")
            quoted = raw.filter(line.str.contains('"', literal=True))
            if quoted.select((~line.str.contains(_field_re(width))).any()).item():
                raise Unsupported("quotes misplaced or spanning lines")
            del quoted
        df = pl.read_csv(data, has_header=False, new_columns=table.column_names, infer_schema=False, quote_char='"')
        if df.width != width or (raw is not None and df.height != raw.height):
            raise Unsupported("quotes spanning lines")
        if df.get_column(table.column_names[-1]).null_count():  # a short line, or an empty last cell
            raw = _lines(pl, data) if raw is None else raw
            line = pl.col("l")
            plain = ~line.str.contains('"', literal=True) & (line.str.count_matches(",", literal=True) != width - 1)
            if raw.height != df.height or raw.select(plain.any()).item():
                raise Unsupported("ragged rows")
    except pl.exceptions.PolarsError as exc:  # odd input: the row engine reports it precisely
        raise Unsupported("not UTF-8" if "utf-8" in str(exc).lower() else f"csv read: {type(exc).__name__}") from exc
    # An empty unquoted cell is read as null; a quoted one ("") is not: rewrite only the
    # columns that hold one (rare), so that no column is copied for nothing.
    empty = [c for c, n in zip(df.columns, df.select((pl.all() == "").sum()).row(0), strict=True) if n]
    return df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in empty) if empty else df


def _lines(pl: Any, data: bytes) -> Any:
    """DATA's lines as one column `l` (no quoting: the unit separator never occurs)."""
    return pl.read_csv(data, has_header=False, separator="\x1f", quote_char=None, infer_schema=False, new_columns=["l"])


_INT_PREFIX = "_int_"


def with_numbers(pl: Any, table: C.Table, df: Any) -> Any:
    """DF with, per integer column, `_int_<column>`: its value where the cell has the
    integer form (`contract.cells.typed`), else null; parsed once for every check."""
    return df.with_columns(
        pl.when(pl.col(c).str.contains(_INT_RE)).then(pl.col(c).cast(pl.Int64, strict=False)).alias(_INT_PREFIX + c) for c in table.integer_columns
    )


def schema_checks(pl: Any, table: C.Table) -> list[tuple[str, Any]]:
    """(code, expression) pairs, the expression true exactly where `rows.check_row`
    reports CODE for one (column, keyword) of the row: JSON Schema keywords apply to the
    typed value (an integer cell of the documented form is a number, empty is null)."""
    schema = schema_for(table.name)
    unknown = set(schema) - {"$schema", "$id", "title", "description", "type", "properties", "required", "additionalProperties"}
    if unknown or schema.get("type") != "object" or set(schema["required"]) != set(table.column_names):
        raise Unsupported(f"top-level keywords {sorted(unknown)}")
    checks: list[tuple[str, Any]] = []
    for name, prop in schema["properties"].items():
        col = pl.col(name)
        types = prop.get("type")
        types = types if isinstance(types, list) else [types]
        integer = "integer" in types
        if not integer and types not in (["string"], ["string", "null"]):
            raise Unsupported(f"type {types}")
        value = pl.col(_INT_PREFIX + name)  # the typed value where it is a number (see `with_numbers`)
        number = value.is_not_null() if integer else pl.lit(False)
        text = col.is_not_null() & ~number  # the typed value is a string
        for kw, expected in prop.items():
            if kw in _ANNOTATIONS:
                continue
            if kw == "type":
                if "null" not in types:
                    checks.append(("row.required", col.is_null()))
                if integer:
                    checks.append(("row.type", text))
            elif kw == "enum" and not integer:
                wrong = text & ~col.is_in([v for v in expected if v is not None])
                checks.append(("row.enum", wrong if None in expected else wrong | col.is_null()))
            elif kw == "pattern":
                checks.append(("row.pattern", text & ~col.str.contains(expected)))
            elif kw == "minLength":
                short = col.str.len_bytes() < 1 if expected == 1 else col.str.len_chars() < expected  # 1: no bytes, cheaper
                checks.append(("row.min_length", text & short))
            elif kw == "maxLength":
                checks.append(("row.max_length", text & (col.str.len_chars() > expected)))
            elif kw == "minimum" and integer:
                checks.append(("row.minimum", value < expected))
            else:
                raise Unsupported(f"keyword {kw}")
    return checks


def control_checks(pl: Any, table: C.Table) -> list[tuple[str, Any]]:
    """row.control_character (rows.check_row), as `schema_checks`: any cell whose typed
    value is a string (a number has no control character)."""
    return [("row.control_character", pl.col(c).str.contains(CONTROL_PATTERN)) for c in table.column_names]


def _day_key(d: tuple[int, int, int] | None) -> int | None:
    return None if d is None else d[0] * 10000 + d[1] * 100 + d[2]


def _uniques(df: Any, name: str) -> list[Any]:
    return df.get_column(name).drop_nulls().unique().to_list()  # type: ignore[no-any-return]


# An open end of an EDTF range, as a day key (layer 6 compares ranges).
_BIG = 1 << 62


# The EDTF forms most dates take, parsed column-wise: a year of 4 digits (maybe
# negative), maybe a month 01-12 and a day, maybe a qualifier; alone, or as either end of
# an interval whose other end may be open (`..`) or unknown (empty). Anything else (X
# digits, seasons, Y-years, times) goes to `bounds` itself.
_COMMON_DATE = r"^(-?[0-9]{4})(?:-(0[1-9]|1[0-2])(?:-([0-9]{2}))?)?[?~%]?$"


def _common_dates(pl: Any, frame: Any) -> Any:
    """FRAME (a `value` column) with `edtf`, `ordered`, `lo`, `hi` as `Dates` holds them for
    values of the common forms (`_COMMON_DATE`), all null for the others; the same
    answers as `bounds` (tests/test_columnar.py compares them)."""
    value = pl.col("value")
    parts = value.str.split_exact("/", 1)
    # First the parts, each regex once: year, month, day of either end.
    ends = frame.with_columns(
        value.str.contains("/", literal=True).alias("interval"),
        (value.str.count_matches("/", literal=True) == 1).alias("one"),
        *(side.is_in(["", ".."]).alias(f"open_{n}") for n, side in (("a", parts.struct.field("field_0")), ("b", parts.struct.field("field_1")))),
        *(
            side.str.extract_groups(_COMMON_DATE).struct.rename_fields([f"y{n}", f"m{n}", f"d{n}"]).alias(n)
            for n, side in (("a", parts.struct.field("field_0")), ("b", parts.struct.field("field_1")))
        ),
    ).unnest("a", "b")
    ends = ends.with_columns(pl.col(f"{p}{n}").cast(pl.Int64) for p in "ymd" for n in "ab")
    sides = {}
    for n in "ab":
        y, m, d = pl.col(f"y{n}"), pl.col(f"m{n}"), pl.col(f"d{n}")
        month = m.fill_null(12)
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        days = pl.when(month == 2).then(pl.when(leap).then(29).otherwise(28)).when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
        sides[n] = {
            "date": y.is_not_null(),  # of the common form
            "valid": y.is_not_null() & (d.is_null() | ((d >= 1) & (d <= days))),
            "open": pl.col(f"open_{n}"),
            "lo": y * 10000 + m.fill_null(1) * 100 + d.fill_null(1),
            "hi": y * 10000 + month * 100 + d.fill_null(days),
        }
    a, b, interval = sides["a"], sides["b"], pl.col("interval")
    single = ~interval & a["date"]
    # An interval of two common or open ends, not both open (more than one `/`: not common).
    both = interval & pl.col("one") & (a["date"] | a["open"]) & (b["date"] | b["open"]) & ~(a["open"] & b["open"])
    edtf = pl.when(single).then(a["valid"]).when(both).then((a["open"] | a["valid"]) & (b["open"] | b["valid"]))
    lo = pl.when(edtf & ~(both & a["open"])).then(a["lo"])
    hi = pl.when(edtf & single).then(a["hi"]).when(edtf & ~b["open"]).then(b["hi"])
    keyed = ends.with_columns(edtf.alias("edtf"), lo.alias("lo"), hi.alias("hi"))
    ordered = pl.when(pl.col("edtf").is_not_null()).then(pl.col("edtf") & (pl.col("lo").is_null() | pl.col("hi").is_null() | (pl.col("lo") <= pl.col("hi"))))
    return keyed.select("value", "edtf", ordered.alias("ordered"), "lo", "hi")


class Dates:
    """Every distinct EDTF value of a run, parsed once by `bounds` (the row engine's
    parser), as a frame the masks join: `edtf` (it parses), `ordered` (and does not end
    before it starts: a range layer 6 compares), `lo`/`hi` its first and last day as day
    keys (yyyymmdd; null for an open end). EDTF years have at most 9 digits, so every
    key fits 64 bits."""

    def __init__(self, pl: Any) -> None:
        self.pl = pl
        self.frame = pl.DataFrame(schema={"value": pl.String, "edtf": pl.Boolean, "ordered": pl.Boolean, "lo": pl.Int64, "hi": pl.Int64})

    def add(self, values: Any) -> None:
        """Parse the VALUES not seen yet."""
        pl = self.pl
        new = values.drop_nulls().unique().to_frame("value").join(self.frame.select("value"), on="value", how="anti")
        if not new.height:
            return  # each call of `_common_dates` costs a few ms, whatever its size
        fast = _common_dates(pl, new)
        parsed = [fast.filter(pl.col("edtf").is_not_null())]
        rows: list[tuple[str, bool, bool, int | None, int | None]] = []
        for v in fast.filter(pl.col("edtf").is_null()).get_column("value").to_list():
            b = bounds(v)
            if b is None:
                rows.append((v, False, False, None, None))
            else:
                lo, hi = _day_key(b[0]), _day_key(b[1])
                if any(k is not None and abs(k) >= _BIG for k in (lo, hi)):
                    raise Unsupported("a date beyond the day keys")  # not with years of at most 9 digits
                rows.append((v, True, not (lo is not None and hi is not None and hi < lo), lo, hi))
        if rows:
            parsed.append(pl.DataFrame(rows, schema=self.frame.schema, orient="row"))
        self.frame = pl.concat([self.frame, *(p for p in parsed if p.height)], rechunk=False)

    def keys(self, frame: Any, col: str, prefix: str) -> Any:
        """FRAME with PREFIX+edtf, +ordered, +lo, +hi for its column COL (null where COL is)."""
        found = self.frame.rename({c: prefix + c for c in ("edtf", "ordered", "lo", "hi")})
        return frame.join(found, left_on=col, right_on="value", how="left", maintain_order="left")

    def ranges(self, frame: Any, col: str, prefix: str) -> Any:
        """FRAME with PREFIX+lo, PREFIX+hi (day keys, an open end -BIG / +BIG) and PREFIX+st
        (true for a range layer 6 compares, null for what it skips: empty, not EDTF,
        reversed), as `consistency.date_range` decides."""
        pl = self.pl
        self.add(frame.get_column(col))
        keyed = self.keys(frame, col, "_k")
        ordered = pl.col("_kordered").fill_null(False)
        return keyed.with_columns(
            pl.when(ordered).then(pl.col("_klo").fill_null(-_BIG)).alias(prefix + "lo"),
            pl.when(ordered).then(pl.col("_khi").fill_null(_BIG)).alias(prefix + "hi"),
            pl.when(ordered).then(True).alias(prefix + "st"),
        ).drop("_kedtf", "_kordered", "_klo", "_khi")


def semantic_checks(pl: Any, table: C.Table, df: Any, dates: Dates) -> tuple[Any, list[tuple[str, Any]]]:
    """DF with the day keys of its EDTF columns, and (code, expression) pairs for
    `semantics.check` on its rows, each true exactly where it reports CODE once; values
    are judged once per unique value (EDTF values once per run: DATES)."""
    checks: list[tuple[str, Any]] = []
    lows: dict[str, Any] = {}
    highs: dict[str, Any] = {}
    for col in table.semantic_columns:
        c = pl.col(col.name)
        if col.check == "edtf":
            dates.add(df.get_column(col.name))
            k = f"_{col.name}_"
            df = dates.keys(df, col.name, k)
            checks.append(("semantic.edtf", c.is_not_null() & ~pl.col(k + "edtf")))
            checks.append(("semantic.date_order", pl.col(k + "edtf") & ~pl.col(k + "ordered")))
            lows[col.name] = pl.when(pl.col(k + "ordered")).then(pl.col(k + "lo"))
            highs[col.name] = pl.when(pl.col(k + "ordered")).then(pl.col(k + "hi"))
        else:  # country
            unknown = [v for v in _uniques(df, col.name) if len(v) == 3 and v.isupper() and not semantics.country_exists(v)]
            checks.append(("semantic.country", c.is_in(unknown)))
    for rule in table.rules:
        if rule.kind == "dates":  # the mask flags every row with the value; the words decide, per unique text
            a, b = pl.col(rule.first), pl.col(rule.second)
            texts = df.filter(a == rule.value).get_column(rule.second).drop_nulls().unique().to_list()
            checks.append((rule.code, (a == rule.value).fill_null(False) & b.is_in([t for t in texts if not C.states_a_date(t)])))
        else:  # exact as they are
            checks.append((rule.code, rules.mask(pl, rule, lows, highs)))
    return df, checks


def _inside(pl: Any, inner: str, outer: str) -> Any:
    return (pl.col(inner + "lo") >= pl.col(outer + "lo")) & (pl.col(inner + "hi") <= pl.col(outer + "hi"))


def _comparable(pl: Any, a: str, b: str) -> Any:
    return pl.col(a + "st").is_not_null() & pl.col(b + "st").is_not_null()


def _either_inside(pl: Any, a: str, b: str) -> Any:
    """True for rows `consistency._spells` could report: neither range inside the other."""
    apart = ~(_inside(pl, a, b).fill_null(False) | _inside(pl, b, a).fill_null(False))
    return (_comparable(pl, a, b) & apart).fill_null(False)


def _contained(pl: Any, rows: Any, events: Any, ref: str, inner: str, outer: str) -> Any:
    """ROWS (with INNER-prefixed keys) whose range may not lie inside that of the event REF
    points at (EVENTS, OUTER-prefixed keys)."""
    joined = rows.join(events.drop("line", "date"), left_on=ref, right_on="id", how="inner", maintain_order="left")
    flag = _comparable(pl, inner, outer) & ~_inside(pl, inner, outer).fill_null(False)
    return joined.filter(flag.fill_null(False))


def _mark(flags: Any, at: Any) -> Any:
    """FLAGS (booleans, changed in place and returned) set at the indexes AT (made unique
    and sorted first: polars 1.28 sets booleans only at sorted, distinct indexes)."""
    return flags.scatter(at.unique().sort(), True)


class Lookup:
    """Strings looked up by binary search on their 64-bit hashes, sorted once: a lookup per
    block costs its own rows (a join or `is_in` would hash every key again for each block,
    which grew with blocks x keys). The values looked up are sorted by hash too, so that
    the searches walk the keys in order. A matching hash is confirmed on the string; a
    value whose hash another key shares (with 64 bits, in practice never) is found by a
    join. (A few keys, `FEW`, are cheaper hashed again each time, with `is_in`.)"""

    FEW = 4096

    @staticmethod
    def hash(values: Any) -> Any:
        """The hash the keys and the values share (stable within one polars version)."""
        return values.hash()

    def __init__(self, pl: Any, keys: Any) -> None:
        self.pl = pl
        order = self.hash(keys).arg_sort()
        self.hashes, self.keys = self.hash(keys).gather(order), keys.gather(order)
        self.pos = order.cast(pl.Int64)

    def find(self, values: Any) -> tuple[Any, Any]:
        """(rows, pos): the rows of VALUES (indexes, in another order) equal to a key, and
        that key's position among the keys."""
        pl, n = self.pl, self.hashes.len()
        if not n:
            return pl.Series([], dtype=pl.UInt32), pl.Series([], dtype=pl.Int64)
        h = self.hash(values)
        order = h.arg_sort()
        h, sorted_values = h.gather(order), values.gather(order)
        at = self.hashes.search_sorted(h).clip(0, n - 1)
        hit = (self.keys.gather(at) == sorted_values).fill_null(False)
        rows, pos = order.filter(hit), self.pos.gather(at.filter(hit))
        shared = ~hit & (self.hashes.gather(at) == h).fill_null(False) & sorted_values.is_not_null()
        if shared.any():  # the search found the first key of that hash, not this one
            ask = pl.DataFrame({"r": order.filter(shared), "key": sorted_values.filter(shared)})
            exact = ask.join(pl.DataFrame({"key": self.keys, "p": self.pos}).unique("key", keep="first"), on="key", how="inner")
            rows, pos = pl.concat([rows, exact.get_column("r")]), pl.concat([pos, exact.get_column("p")])
        return rows, pos


# Per table, the columns layer 6 compares (kept to the end of the table, narrow), and
# the rows it needs: events all (their dates), statements those that name an event.
_LAYER6: dict[str, tuple[str, ...]] = {
    C.EVENTS.name: ("date", "parent_event_id"),
    C.STATEMENTS.name: ("date", "event_id"),
    C.MEMBERSHIPS.name: consistency.SPELL_COLUMNS,
}


@dataclass
class _Kept:
    """What one table's blocks leave for the end of the table."""

    ids: list[Any] = field(default_factory=list)  # DataFrame(id, line) per block; (h, line), hashes, for the last table
    clash: list[Any] = field(default_factory=list)  # DataFrame(id, line, line_other, table): ids an earlier table holds
    prefixed: Any = None  # the earlier tables' ids with this table's prefix
    dangling: list[Any] = field(default_factory=list)  # DataFrame(value, line, id, field): references to nothing
    selfrefs: dict[str, list[Any]] = field(default_factory=dict)  # column -> DataFrame(value, line, id) per block
    used: list[Any] = field(default_factory=list)  # values that count as a use of a record (consistency.USES)
    layer6: list[Any] = field(default_factory=list)  # DataFrame(rid, line, `_LAYER6` columns) per block
    aliases: list[Any] = field(default_factory=list)  # actors: DataFrame(id, _line, aliases) per block
    texts: list[Any] = field(default_factory=list)  # statements: DataFrame(id, text, _line) per block


# Stripped from tokens to match words (`_occurring`), and how many of the lines holding a
# token are tried: a heuristic that only decides how much work the automaton is spared.
_PUNCTUATION = ".,;:!?\"'()[]«»“”‘’—–"
_WORD_LINES = 4


class ColumnarRun:
    def __init__(self, root: Path, decls: dict[str, ResourceDecl], report: Report, block: int | None = None) -> None:
        with contextlib.suppress(ImportError):  # with its allocator setting; `require` says what is missing
            _import_polars()
        self.pl: Any = require("polars", "fast")
        self.root, self.decls, self.report = root, decls, report
        self.block = block or BLOCK  # bytes parsed at a time (tests make it small)
        self.keys = KeyIndex(report)  # used for the sources table (row engine)
        self.prov = Provenance(root, report)
        # Layer 6: the projections hold only the rows the masks flag (see `_consistency`).
        self.cons = consistency.Projections()
        self.event_dates: Any = None  # DataFrame(id, line, date, lo, hi, st): first occurrences
        self.needed_events: set[str] = set()  # events the flagged rows point at
        # Per table with an unused_code: its records (id, line) that no use has named yet.
        self.unused: dict[str, Any] = {}
        self.all_ids: Any = None  # DataFrame(id, line, table): first owner of every id of the earlier tables
        self.table_ids: dict[str, Any] = {}  # table -> DataFrame(id, line), first occurrences
        self.dates = Dates(self.pl)  # EDTF values, across blocks and tables
        # What citations name: the lookup their record_ids went through (of all_ids), and
        # per row of all_ids whether a citation names it.
        self.cited: tuple[Lookup, Any] | None = None
        self._statement_at: Any = None  # per row of all_ids: the row of `statements` with that id (or null)
        self.statements: Any = None  # DataFrame(id, text, _line): each statement's text, for the verbatim check
        self.statement_ids: Lookup | None = None  # their ids
        self.statements_rel = C.STATEMENTS.path
        # Per statement (as in `statements`): cited, quoted verbatim by a sound citation, cited by one not judged.
        self.cited_statements: Any = None
        self.verbatim: Any = None
        self.unjudged: Any = None
        self._all_lookup: Lookup | None = None  # the earlier tables' ids (see _ids)
        self.clashing: dict[str, Any] = {}  # table -> its ids an earlier table held first
        self._lines: Any = None  # every seed line, one Series (see _seed_lines)
        self._lengths: Any = None  # their lengths
        self._words: Any = None  # tokens of the seed lines (see _seed_words)
        self._offsets: dict[str, tuple[int, int]] = {}  # source id -> (first line's position, lines)
        # (file, code) -> rows (findings) of CODE in FILE explained so far: past the cap, counted.
        self._shown: Counter[tuple[str, str]] = Counter()

    def run(self) -> dict[str, FileFacts]:
        """Check the package; raises Unsupported for data the row engine must judge."""
        try:
            return self._run()
        except self.pl.exceptions.PolarsError as exc:  # e.g. a stray quote deep in a file
            raise Unsupported(f"polars could not read the tables ({type(exc).__name__})") from exc
        except self.pl.exceptions.PanicException as exc:  # a bug inside polars, a BaseException: never a traceback
            raise Unsupported(f"polars failed internally ({str(exc)[:200]!r}; a polars bug)") from exc

    def _run(self) -> dict[str, FileFacts]:
        rels = {}
        for table in C.TABLES:
            decl = self.decls.get(table.name)
            if decl is None or not isinstance(decl.path, str):
                raise Unsupported("resource not declared")
            rels[table.name] = decl.path
        facts = {}
        for table in C.TABLES:
            rel = rels[table.name]
            if table is C.SOURCES:
                scan = prescan(self.root, rel, table)
                self._sources(scan)
                facts[table.name] = scan.facts
            else:
                facts[table.name] = self._table(table, rel)
        self._finish()
        return facts

    def _sources(self, scan: _Scan) -> None:
        """Few rows: the row engine, which also loads the seeds."""
        pl = self.pl
        facts = stream_table(C.SOURCES, _open(self.root, scan.rel), scan.rel, self.keys, self.prov, self.report, self.cons)
        if not facts.complete or not facts.columns:
            raise Unsupported("sources table not fully readable")  # the row engine judges what follows
        self.keys.finish_table()
        ids = list(self.keys.ids["sources"].items())
        frame = pl.DataFrame({"id": [i for i, _ in ids], "line": [n for _, n in ids]}, schema={"id": pl.String, "line": pl.Int64})
        self.table_ids["sources"] = frame
        self.all_ids = frame.with_columns(pl.lit("sources").alias("table"))

    # --- masks, exact checks, and counting past the cap ------------------------------

    def _check(self, table: C.Table, rel: str, df: Any, checks: list[tuple[str, Any]], what: str, flagged: bool | None = None) -> None:
        """Run CHECKS (see `schema_checks`) on the rows of DF: the exact check WHAT on the
        rows whose findings could be kept, a count for the others. FLAGGED: whether a
        mask holds on some row, when the caller knows (see `flags`).

        Per code, only the first `max_per_code` rows of a file that have the code can hold
        a finding the report keeps (findings are kept by position); the exact check runs
        on those rows, the others are tallied from the masks.
        """
        pl = self.pl
        if not (flags(pl, df, checks) if flagged is None else flagged):
            return  # the common case: one pass, no counts
        codes = list(dict.fromkeys(code for code, _ in checks))
        counts = df.select(
            *(pl.sum_horizontal([e.fill_null(False).cast(pl.UInt32) for c, e in checks if c == code]).alias(code) for code in codes)
        )
        totals = counts.sum().row(0, named=True)
        codes = [c for c in codes if totals[c]]
        if not codes:
            return
        cap = self.report.max_per_code
        explain = pl.lit(False)
        for code in codes:
            hit = pl.col(code) > 0
            explain = explain | (hit & (hit.cast(pl.UInt32).cum_sum() <= max(cap - self._shown[(rel, code)], 0)))
        chosen = counts.select(explain.alias("x")).to_series()
        explained = counts.select(codes).filter(chosen)
        predicted = explained.sum().row(0, named=True)
        for code, rows in explained.select((pl.col(c) > 0).sum() for c in codes).row(0, named=True).items():
            self._shown[(rel, code)] += rows
        before = Counter(self.report.counts)
        self._exact(table, rel, df.filter(chosen), what)
        done = Counter(self.report.counts)
        done.subtract(before)
        if +done != +Counter(predicted):
            raise Unsupported(f"the {what} masks and the exact check disagree ({dict(+done)} != {dict(+Counter(predicted))})")
        for code in codes:
            if totals[code] > predicted[code]:
                self.report.tally(code, totals[code] - predicted[code])

    def _exact(self, table: C.Table, rel: str, rows: Any, what: str) -> None:
        """Run the row engine's check WHAT on ROWS."""
        names = set(table.column_names)
        for rec in rows.select(*table.column_names, "_line").iter_rows(named=True):
            line = rec.pop("_line")
            rid = rec.get("id") if rec.get("id") and len(rec["id"]) <= _MAX_ID else None
            if what == "rows":
                check_row(table, Row(line, rec, rid), names, rel, self.report)
                continue
            values = typed(table, rec)
            if what == "semantics":
                semantics.check(table, rel, line, rid, values, self.report)
            else:
                self.prov.check(table, rel, line, rid, values)

    def _capped(self, code: str, file: str, frame: Any, emit: Callable[..., None]) -> None:
        """EMIT(*row) for the rows of FRAME (one CODE finding each, with its `line`) whose
        finding the report could keep; count the others (as `_check`)."""
        left = max(self.report.max_per_code - self._shown[(file, code)], 0)
        shown = frame = frame.sort("line", maintain_order=True)
        if frame.height > left:
            shown = frame.filter(self.pl.col("line") <= frame.get_column("line")[left - 1]) if left else frame.clear()
        for row in shown.iter_rows():
            emit(*row)
        self._shown[(file, code)] += shown.height
        if frame.height > shown.height:
            self.report.tally(code, frame.height - shown.height)

    # --- one table, block by block ----------------------------------------------------

    def _table(self, table: C.Table, rel: str) -> FileFacts:
        """Every check on one table, block by block; what spans blocks (duplicate ids,
        self-references, aliases, statement texts, layer 6's columns) is kept small and
        judged at its end."""
        pl = self.pl
        facts = FileFacts()
        keep = _Kept()
        self._all_lookup = None  # the earlier tables' ids, as this table looks them up
        self.cons.files[table.name] = rel  # where layer 6 points its findings
        schema, controls = schema_checks(pl, table), control_checks(pl, table)
        uses = consistency.USES.get(table.name, ())
        # What the second stage reads, made before it starts (`_sources` made all_ids).
        keep.prefixed = self.all_ids.filter(pl.col("id").str.starts_with(table.prefix + "-")).get_column("id")
        self._ids()

        def keyed(items: Generator[Block, None, None]) -> Iterator[Checked]:
            """The second stage: what one block needs besides the earlier tables (fixed
            while this one is read) and the keys of the blocks before it (`_block_keys`)."""
            with contextlib.closing(items):  # the parse stage ends with this one, whatever ends it
                for block in items:
                    df = with_numbers(pl, table, block.rows)
                    checks = schema + controls if block.controls else schema
                    yield Checked(df, checks, flags(pl, df, checks), self._block_keys(table, rel, df, keep))

        # Three threads, each a stage: the parse, `keyed`, and here what needs the state of
        # the run (dates, statements, what was cited); each block is handed on in order.
        for block in ahead(keyed(ahead(blocks(pl, _open(self.root, rel), table, facts, self.block)))):
            df = block.rows
            self._check(table, rel, df, block.checks, "rows", block.flagged)
            self._check(table, rel, *semantic_checks(pl, table, df, self.dates), "semantics")
            if uses:
                keep.used.append(pl.concat([df.get_column(c).drop_nulls().alias("id") for c in uses]).unique())
            if table.name in _LAYER6:
                frame = df.select(pl.when(pl.col("id").str.len_chars() <= _MAX_ID).then(pl.col("id")).alias("rid"), pl.col("_line").alias("line"), *_LAYER6[table.name])
                keep.layer6.append(frame.filter(pl.col("event_id").is_not_null()) if table is C.STATEMENTS else frame)
            if table is C.RELATIONS:
                pairs = df.filter(pl.col("kind") == C.OVERLAP_REASON).select("subject_id", "object_id").drop_nulls()
                self.cons.qualified |= {frozenset(p) for p in pairs.iter_rows()}
            elif table is C.ACTORS:
                keep.aliases.append(df.select("id", "_line", "aliases"))
            elif table is C.STATEMENTS:
                keep.texts.append(df.select("id", "text", "_line"))
            elif table is C.CITATIONS:
                self._citations(rel, df, block.record_at)
        self.report.rows_checked[table.name] = facts.rows
        self._end_keys(table, rel, keep)
        if keep.used:
            used = pl.concat(keep.used).unique().to_frame("id")
            self.unused = {t: ids.join(used, on="id", how="anti", maintain_order="left") for t, ids in self.unused.items()}
        if keep.layer6:
            self._consistency(table, pl.concat(keep.layer6))
        if table is C.ACTORS:
            self._aliases(rel, pl.concat(keep.aliases))
            self._words = None  # only aliases look tokens up
        elif table is C.STATEMENTS:
            # The last row of an id wins, as in the row engine's dict.
            self.statements_rel = rel
            self.statements = (
                pl.concat(keep.texts)
                .filter(pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= _MAX_ID) & pl.col("text").is_not_null())
                .unique(subset="id", keep="last", maintain_order=True)
            )
            self.statement_ids = Lookup(pl, self.statements.get_column("id"))
            self.cited_statements, self.verbatim, self.unjudged = (pl.repeat(False, self.statements.height, eager=True) for _ in range(3))
        return facts

    # --- layer 3: keys ----------------------------------------------------------------

    def _block_keys(self, table: C.Table, rel: str, df: Any, keep: _Kept) -> Any:
        """Ids kept for the end of the table; references to earlier tables judged now,
        self-references kept for the end. For citations, the row of `all_ids` each row's
        record_id names (or null). Runs in its own thread (`_table`): it writes only KEEP
        and `cited`, which nothing else reads before the table ends."""
        pl = self.pl
        record_at = None
        named = pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= _MAX_ID)  # as the row engine's record_id
        ids = df.select("id", pl.col("_line").alias("line")).filter(named)
        # The last table's ids serve only its duplicate check: 64-bit hashes will do (_end_keys).
        keep.ids.append(ids.select(Lookup.hash(pl.col("id")).alias("h"), "line") if self._hashed(table) else ids)
        # Ids an earlier table holds (key.duplicate_global where they first occur here: see
        # _end_keys). Only an id without this table's prefix, or one of the earlier ids
        # with it (few: they break their own table's pattern), can be one.
        own = pl.col("id").str.starts_with(table.prefix + "-")
        maybe = ids.filter(~own | pl.col("id").is_in(keep.prefixed.implode()))
        if maybe.height:
            rows, pos = self._ids().find(maybe.get_column("id"))
            if rows.len():
                owner = self.all_ids.select(pl.col("line").alias("line_other"), "table")[pos]
                keep.clash.append(pl.concat([maybe[rows], owner], how="horizontal"))
        for col in table.foreign_keys:
            vals = df.select(pl.col(col.name).alias("value"), pl.col("_line").alias("line"), "id").filter(pl.col("value").is_not_null())
            if col.references == table.name:
                keep.selfrefs.setdefault(col.name, []).append(vals)
                continue
            bad, rows, pos = self._resolve(table, col, vals)
            if table is C.CITATIONS and col.name == "record_id":  # what is cited, for layer 4 (`_finish`, `_citations`)
                if self.cited is None:
                    self.cited = (self._ids(), pl.repeat(False, self.all_ids.height, eager=True))
                _mark(self.cited[1], pos)
                at = vals.get_column("line").gather(rows) - df.get_column("_line")[0]  # the rows of DF
                record_at = pl.repeat(None, df.height, dtype=pl.Int64, eager=True).scatter(at, pos)
            if bad.height:
                keep.dangling.append(bad.with_columns(pl.lit(col.name).alias("field")))
        return record_at

    def _reread(self, table: C.Table, rel: str, lines: Any) -> Any:
        """DataFrame(id, line) of the LINES (sorted) of TABLE's file, read once more."""
        pl = self.pl
        wanted = lines.implode()
        found = [
            block.rows.filter(pl.col("_line").is_in(wanted)).select("id", pl.col("_line").alias("line"))
            for block in blocks(pl, _open(self.root, rel), table, FileFacts(), self.block)
        ]
        got = pl.concat(found)
        if got.get_column("line").to_list() != lines.to_list():
            raise Unsupported(f"{rel} changed while it was read")
        return got

    def _resolve(self, table: C.Table, col: C.Column, vals: Any) -> tuple[Any, Any, Any]:
        """(bad, rows, pos): the rows of VALS whose `value` names no record COL may name;
        the others (indexes), and the rows of `all_ids` (first owners) they name (for "*"
        and large tables: the few rows of a small table are checked with `is_in` alone).

        COL names a table's ids (its first occurrences: with those an earlier table held
        first, `clashing`), or for "*" the ids first held by one of its target tables, as
        in `KeyIndex._judge`. A few ids are looked up with `is_in`.
        """
        pl = self.pl
        if col.references == "*":
            if table.name in col.targets:  # not in the contract: its own rows would count
                raise Unsupported(f"{table.name}.{col.name} may name a record of its own table")
            allowed = set(col.targets)
        else:
            allowed = {col.references or ""}
            few = self.table_ids[col.references or ""]
            if few.height <= Lookup.FEW:
                nothing = pl.Series([], dtype=pl.Int64)
                return vals.filter(~pl.col("value").is_in(few.get_column("id").implode())), nothing, nothing
        rows, pos = self._ids().find(vals.get_column("value"))
        owned = self.all_ids.get_column("table").gather(pos).is_in(list(allowed))
        rows, pos = rows.filter(owned), pos.filter(owned)
        bad = vals.filter(~_mark(pl.repeat(False, vals.height, eager=True), rows))
        clashing = [self.clashing[t] for t in allowed if t in self.clashing and self.clashing[t].len()]
        if bad.height and clashing and col.references != "*":
            bad = bad.filter(~pl.col("value").is_in(pl.concat(clashing).implode()))
        return bad, rows, pos

    def _ids(self) -> Lookup:
        """The ids of the earlier tables (`all_ids`, positions are its rows); built once per
        table, as they do not change meanwhile."""
        if self._all_lookup is None:
            self._all_lookup = Lookup(self.pl, self.all_ids.get_column("id"))
        return self._all_lookup

    def _hashed(self, table: C.Table) -> bool:
        """Whether TABLE's ids are kept as hashes only: the last table's, which no later
        table looks up, when no column of its own refers to them."""
        return table is C.TABLES[-1] and table.unused_code is None and all(c.references != table.name for c in table.foreign_keys)

    def _end_keys(self, table: C.Table, rel: str, keep: _Kept) -> None:
        pl = self.pl
        ids = pl.concat(keep.ids)
        # First occurrences by hash (a table of 64-bit numbers, not of the strings); the
        # rows of a hash that repeats are decided on their strings, few as they are (read
        # again from the file when only hashes were kept).
        hashes = ids.get_column("h") if self._hashed(table) else Lookup.hash(ids.get_column("id"))
        is_first = hashes.is_first_distinct()
        candidates = ids.clear().select("line").with_columns(pl.lit("").alias("id"))
        if not is_first.all():
            again = hashes.is_in(hashes.filter(~is_first).implode())
            at = pl.arange(0, ids.height, eager=True).filter(again)
            candidates = self._reread(table, rel, ids.get_column("line").gather(at)) if self._hashed(table) else ids[at]
            is_first = is_first.scatter(at, candidates.get_column("id").is_first_distinct())
        del hashes
        first = ids.filter(is_first)
        repeated = candidates.filter(~candidates.get_column("id").is_first_distinct())
        if repeated.height:  # rare: join for the first line only when there are duplicates
            later = repeated.select("id", "line").join(candidates.select("id", "line").unique("id", keep="first"), on="id", suffix="_first", maintain_order="left")
            self._capped("key.duplicate", rel, later, lambda rid, line, first_line: duplicate(self.report, rel, line, rid, first_line))
        # An id of an earlier table, where it first occurs here (later rows are duplicates).
        clash = pl.concat(keep.clash) if keep.clash else first.clear().with_columns(pl.lit(0).alias("line_other"), pl.lit("").alias("table"))
        clash = clash.join(first.select("line"), on="line", how="semi", maintain_order="left")
        self._capped(
            "key.duplicate_global", rel, clash, lambda rid, line, other_line, other: duplicate_global(self.report, rel, line, rid, other, other_line)
        )
        earlier = self.all_ids.select("id", "table")
        if table is not C.TABLES[-1]:  # the last table's ids are looked up by no later one
            # Without clashes `first` itself is new: share its buffers instead of copying them.
            fresh = first if not clash.height else first.join(clash.select("id"), on="id", how="anti")
            self.all_ids = pl.concat([self.all_ids, fresh.with_columns(pl.lit(table.name).alias("table"))], rechunk=False)
            self.table_ids[table.name] = first
            self.clashing[table.name] = clash.get_column("id")
        if table.unused_code is not None:
            self.unused[table.name] = first
        bad = list(keep.dangling)
        for name, parts in keep.selfrefs.items():
            vals = pl.concat(parts)
            named = vals.filter(pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= _MAX_ID))
            cycles(self.report, rel, name, [(rid, line, value) for value, line, rid in named.iter_rows()])
            bad.append(vals.join(first.select("id"), left_on="value", right_on="id", how="anti", maintain_order="left").with_columns(pl.lit(name).alias("field")))
        if not bad:
            return
        # The owner a message names is an earlier table's (KeyIndex._judge): of its own
        # table the row engine knows only the rows read so far.
        found = pl.concat(bad).join(earlier, left_on="value", right_on="id", how="left", maintain_order="left")
        found = found.select("line", "field", "id", "value", "table").sort("line", maintain_order=True)
        columns = {c.name: c for c in table.foreign_keys}

        def emit(line: int, name: str, rid: str | None, value: str, owner: str | None) -> None:
            dangling(self.report, rel, line, columns[name], rid if rid and len(rid) <= _MAX_ID else None, value, owner)

        self._capped("key.foreign", rel, found, emit)

    # --- layer 4: provenance ----------------------------------------------------------

    def _aliases(self, rel: str, frame: Any) -> None:
        pl = self.pl
        if not (self.prov.seeds and self.prov.seeds_complete):
            return
        aliases = frame.get_column("aliases").drop_nulls().str.split(";").explode().unique()
        found = self._occurring(aliases.filter(aliases != ""))
        bad = aliases.filter(~aliases.is_in(found.implode()))
        # Padded aliases: Python's whitespace decides (the exact check's); only those
        # that start or end with a non-word character can be padded.
        edged = aliases.filter(aliases.str.contains(r"^\W|\W$")).to_list()
        bad = pl.concat([bad, pl.Series([a for a in edged if a != a.strip()], dtype=pl.String)])
        mask = pl.col("aliases").str.split(";").list.eval(pl.element().is_in(bad.implode())).list.any().fill_null(False)
        flagged = frame.filter(mask)
        if not flagged.height:
            return
        mine = flagged.get_column("aliases").str.split(";").explode().unique()
        known = set(mine.filter(mine.is_in(found.implode())).to_list())  # found, of the aliases judged here
        rows = [(rel, line, rid if rid and len(rid) <= _MAX_ID else None, cell) for rid, line, cell in flagged.iter_rows()]
        self.prov.judge_aliases(rows, known)

    def _occurring(self, patterns: Any) -> Any:
        """The PATTERNS (unique, none empty) that occur in a seed line. An alias has no line
        break (lines are records), so lines answer as the texts would.

        First, each pattern is looked for in a few seed lines that hold its rarest token
        (space-separated, punctuation stripped) as a token: an elementwise substring
        test, which finds most aliases (they are names and phrases of the text). What
        that does not find goes through one Aho-Corasick pass over the seed lines, which
        finds every occurrence of every pattern: the answer is exact either way, the
        first step only spares the automaton most of the patterns.
        """
        pl = self.pl
        lines = self._seed_lines()
        if not patterns.len() or not lines.len():
            return patterns.clear()
        words = self._seed_words()
        cand = pl.DataFrame({"alias": patterns}).with_row_index("ai")
        tokens = cand.select("ai", pl.col("alias").str.split(" ").alias("w")).explode("w").with_columns(pl.col("w").str.strip_chars(_PUNCTUATION))
        known = tokens.join(words, on="w", how="inner", maintain_order="left")
        rarest = known.filter(pl.col("n") == pl.col("n").min().over("ai")).unique("ai", keep="first", maintain_order=True)
        pairs = rarest.select("ai", "ln").explode("ln")
        pairs = pairs.with_columns(lines.gather(pairs.get_column("ln")).alias("text"), patterns.gather(pairs.get_column("ai")).alias("alias"))
        hits = pairs.filter(pl.col("text").str.contains(pl.col("alias"), literal=True)).get_column("ai").unique()
        found = patterns.gather(hits)
        rest = patterns.filter(~cand.get_column("ai").is_in(hits.implode()))
        for i in range(0, rest.len(), 20000):  # bounded automaton size
            matched = lines.str.extract_many(rest.slice(i, 20000).to_list(), overlapping=True)
            found = pl.concat([found, matched.explode().drop_nulls().unique()])
        return found

    def _seed_words(self) -> Any:
        """DataFrame(w, ln, n): each token of the seed lines (space-separated, punctuation
        stripped), the lines of its first `_WORD_LINES` occurrences, and how often it occurs."""
        if self._words is None:
            pl = self.pl
            tokens = pl.DataFrame({"w": self._seed_lines()}).with_row_index("ln").with_columns(pl.col("w").str.split(" ")).explode("w")
            tokens = tokens.with_columns(pl.col("w").str.strip_chars(_PUNCTUATION))
            self._words = tokens.group_by("w").agg(pl.col("ln").head(_WORD_LINES), pl.len().alias("n"))
        return self._words

    def _seed_lines(self) -> Any:
        """Every seed line, seed after seed, as one Series (built once): line N of a seed is
        at the seed's offset + N - 1."""
        if self._lines is None:
            pl, seeds = self.pl, self.prov.seeds
            self._lines = pl.Series([t for seed in seeds.values() for t in seed.lines], dtype=pl.String)
            self._lengths = self._lines.str.len_chars().cast(pl.Int64)  # in characters, as offsets count
            self._offsets, start = {}, 0
            for sid, seed in seeds.items():
                self._offsets[sid] = (start, len(seed.lines))
                start += len(seed.lines)
        return self._lines

    def _citations(self, rel: str, df: Any, record_at: Any) -> None:
        """One block of citations: each span checked against the cited seed line, fetched by
        position (no join per block), with exactly the row engine's outcome per row."""
        pl = self.pl
        lines = self._seed_lines()
        sources, where = list(self._offsets), list(self._offsets.values())
        offset = pl.col("source_id").replace_strict(sources, [o for o, _ in where], default=None, return_dtype=pl.Int64)
        count = pl.col("source_id").replace_strict(sources, [n for _, n in where], default=None, return_dtype=pl.Int64)
        n, cs, ce = (pl.col(_INT_PREFIX + c) for c in ("line", "char_start", "char_end"))
        ints = n.is_not_null() & cs.is_not_null() & ce.is_not_null()
        c = df.with_columns(
            (ints & offset.is_not_null()).alias("_judged"),  # a known seed and whole numbers (Provenance._citation)
            pl.when(ints & (n >= 1) & (n <= count)).then(offset + n - 1).alias("_at"),
        )
        at = c.get_column("_at")
        if lines.len():
            c = c.with_columns(lines.gather(at).alias("_text"), self._lengths.gather(at).alias("_len"))
        else:
            c = c.with_columns(pl.lit(None, dtype=pl.String).alias("_text"), pl.lit(None, dtype=pl.Int64).alias("_len"))
        judged, txt, quote = pl.col("_judged"), pl.col("_text"), pl.col("quote")
        fits = judged & txt.is_not_null() & (cs >= 0) & (cs < ce) & (ce <= pl.col("_len"))
        # clipped so that rows already failing above cannot make slice() raise
        same = txt.str.slice(cs.clip(0), (ce - cs).clip(0)) == quote
        checks = [
            ("provenance.line_range", judged & txt.is_null()),
            ("provenance.offset_range", judged & txt.is_not_null() & ~fits),
            ("provenance.quote_empty", fits & quote.is_null()),
            ("provenance.quote_mismatch", fits & quote.is_not_null() & ~same),
        ]
        self._check(C.CITATIONS, rel, c, checks, "provenance")
        # The statements cited here (looked up, no join per block): each cited, quoted
        # verbatim by a sound citation, or cited by one that could not be judged.
        if self.statement_ids is not None and self.statements.height:
            if self._statement_at is None:  # per row of all_ids, the statement of that id (or null)
                found, at = self.statement_ids.find(self.all_ids.get_column("id"))
                self._statement_at = pl.repeat(None, self.all_ids.height, dtype=pl.Int64, eager=True).scatter(found, at)
            stm = self._statement_at.gather(record_at)  # the record each row cites, as `_block_keys` found it
            rows = pl.arange(0, c.height, eager=True).filter(stm.is_not_null())
            pos = stm.drop_nulls()
            cited = c.select(pl.col("_judged"), (fits & quote.is_not_null() & same).fill_null(False).alias("sound"), "quote")[rows]
            texts = self.statements.get_column("text").gather(pos)
            _mark(self.cited_statements, pos)
            _mark(self.verbatim, pos.filter(cited.get_column("sound") & (texts == cited.get_column("quote")).fill_null(False)))
            _mark(self.unjudged, pos.filter(~cited.get_column("_judged")))

    # --- layer 6: consistency -----------------------------------------------------------

    def _consistency(self, table: C.Table, frame: Any) -> None:
        """Fill the projections of layer 6 with the rows that could fail its checks (FRAME:
        the table's rid, line and `_LAYER6` columns, kept from its blocks).

        Each mask compares EDTF ranges as integer day keys, as `consistency.inside` does
        on tuples.
        """
        pl, cons = self.pl, self.cons
        if table is C.EVENTS:
            first = frame.filter(pl.col("rid").is_not_null() & pl.col("rid").is_first_distinct())
            self.event_dates = self.dates.ranges(first.select(pl.col("rid").alias("id"), "line", "date"), "date", "")
            children = frame.filter(pl.col("parent_event_id").is_not_null())
            flagged = _contained(pl, self.dates.ranges(children, "date", "c_"), self.event_dates, "parent_event_id", inner="c_", outer="")
            for r in flagged.iter_rows(named=True):
                cons.children.append(consistency.Link(r["line"], r["rid"], r["date"], r["parent_event_id"]))
                self.needed_events.add(r["parent_event_id"])
        elif table is C.STATEMENTS:
            flagged = _contained(pl, self.dates.ranges(frame, "date", "c_"), self.event_dates, "event_id", inner="c_", outer="")
            for r in flagged.iter_rows(named=True):
                cons.statements.append(consistency.Link(r["line"], r["rid"], r["date"], r["event_id"]))
                self.needed_events.add(r["event_id"])
        elif table is C.MEMBERSHIPS:
            mask = self._overlapping(frame)
            for bound, event in (("start", "start_event_id"), ("end", "end_event_id")):
                keyed = self.dates.ranges(frame, bound, "s_").join(
                    self.event_dates, left_on=event, right_on="id", how="left", maintain_order="left", suffix="_event"
                )
                mask = mask | keyed.select(_either_inside(pl, "s_", "")).to_series()
            for r in frame.filter(mask).iter_rows(named=True):
                cons.spells.append(consistency.Spell(r["line"], r["rid"], *(r[c] for c in consistency.SPELL_COLUMNS)))
                self.needed_events.update(e for e in (r["start_event_id"], r["end_event_id"]) if e is not None)
            # The last table that points at events: keep the events the flagged rows need.
            needed = pl.Series(sorted(self.needed_events), dtype=pl.String)
            kept = self.event_dates.filter(pl.col("id").is_in(needed.implode())).select("id", "line", "date")
            cons.events = {eid: (n, date) for eid, n, date in kept.iter_rows()}
            self.event_dates = None

    def _overlapping(self, frame: Any) -> Any:
        """Per spell of FRAME, whether `consistency._spells` could find it overlapping
        another: every spell of a member and organization two of whose spells may share a
        day (`consistency._overlap`: each starts before the other ends, over the days a
        spell surely covers, `_extent`). Sorted by the first such day, a spell overlaps
        an earlier one only if one of those ends after it starts; a group with such a
        spell is flagged whole (the exact check compares its pairs)."""
        pl, group = self.pl, ["member_id", "organization_id"]
        keyed = self.dates.ranges(self.dates.ranges(frame, "start", "a_"), "end", "b_")
        start, end = pl.col("start"), pl.col("end")
        sure = (
            (start.is_null() | (pl.col("a_st").is_not_null() & (pl.col("a_hi") != _BIG)))  # a valid start, not open towards the future
            & (end.is_null() | (pl.col("b_st").is_not_null() & (pl.col("b_lo") != -_BIG)))  # a valid end, not open towards the past
            & pl.col("member_id").is_not_null()
            & pl.col("organization_id").is_not_null()
        )
        days = keyed.filter(sure).select(
            *group,
            pl.when(start.is_not_null()).then(pl.col("a_hi")).otherwise(-_BIG).alias("lo"),  # the start's last day
            pl.when(end.is_not_null()).then(pl.col("b_lo")).otherwise(_BIG).alias("hi"),  # the end's first day
        )
        ended = pl.col("hi").cum_max().shift(1).over(group, order_by="lo")  # the latest end among the spells starting earlier
        groups = days.filter((ended > pl.col("lo")).fill_null(False)).select(group).unique()
        flagged = frame.select(group).join(groups.with_columns(pl.lit(True).alias("_o")), on=group, how="left", maintain_order="left")
        return flagged.get_column("_o").fill_null(False)

    def _finish(self) -> None:
        pl = self.pl
        assert self.cited is not None  # the citations table was read
        cited, marks = self.cited
        for table in C.TABLES:
            if not table.must_be_cited:
                continue
            ids = self.table_ids[table.name]
            rows, pos = cited.find(ids.get_column("id"))
            known = _mark(pl.repeat(False, ids.height, eager=True), rows.filter(marks.gather(pos)))
            missing = ids.filter(~known)
            self._capped("provenance.uncited", table.path, missing, lambda rid, line, t=table: uncited(self.report, t, rid, line))
        # Cited statements that no citation quotes verbatim, unless a citation of theirs
        # could not be judged (the row engine's rule, in `Provenance.finish_statements`).
        if self.statement_ids is not None:
            checked = pl.Series(list(self.prov.verbatim | self.prov.unjudged), dtype=pl.String)  # by the exact checks
            _, pos = self.statement_ids.find(checked)
            excused = self.verbatim | self.unjudged | _mark(pl.repeat(False, self.statements.height, eager=True), pos)
            bad = self.statements.filter(self.cited_statements & ~excused)
            bad = bad.select("_line", "id", "text").rename({"_line": "line"}).sort("line")
            rel = self.statements_rel
            self._capped("provenance.statement_text", rel, bad, lambda line, rid, text: not_verbatim(self.report, rel, line, rid, text))
        self.cons.records = {name: dict(ids.iter_rows()) for name, ids in self.unused.items()}
        consistency.check(self.cons, self.report)
