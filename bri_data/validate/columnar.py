"""The columnar engine for large packages (optional extra `bri-data[fast]`, polars).

Same checks, same findings as the row engine, at several times the speed, by splitting
every check in two:

1. a *mask*: polars expressions over whole columns that flag every row that could fail
   (the JSON Schema's keywords compiled to expressions; keys and foreign keys as hash
   joins; EDTF, country and alias checks on unique values only; quotes by slicing the
   joined line text);
2. the *exact check*: flagged rows, and only those, go through the row engine's own
   functions, which write the findings. A mask may over-flag (a flagged row that is
   valid produces nothing); it must never under-flag. tests/test_columnar.py runs every
   fixture and an error-injected synthetic package through both engines and requires
   identical reports.

Each table is read once, in blocks of whole lines (`blocks`): one pass over the bytes
hashes them, checks the lines are records and parses each block; masks and exact checks
run block by block, and only what spans blocks (ids for duplicates, self-references,
aliases, statement texts, cited ids) is kept to the end of the table, as narrow frames.
Memory holds one block, those frames and the seeds, not the table.

The engine refuses (raises `Unsupported`; the caller discards its partial report) when
a file is not plain, one-record-per-line CSV (bad bytes, NUL, CR, a BOM or any other
header than the contract's, a quoted newline, ragged or blank rows, no rows) or the
schema uses a keyword it cannot compile; the caller then runs the row engine, which
reports such problems precisely.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import typed
from bri_data.contract.edtf import bounds
from bri_data.errors import require
from bri_data.files.csvtable import FileFacts, Row
from bri_data.files.paths import member
from bri_data.findings import Report
from bri_data.validate import rules, semantics
from bri_data.validate.descriptor import ResourceDecl
from bri_data.validate.keys import KeyIndex, dangling, duplicate, duplicate_global
from bri_data.validate.provenance import Provenance, not_verbatim, uncited
from bri_data.validate.rowengine import stream_table
from bri_data.validate.rows import check_row, schema_for

_ANNOTATIONS = {"description", "x-enumDescriptions", "x-references", "x-check", "title", "$comment"}
_INT_RE = r"^[+-]?\d{1,18}$"


# The oldest polars this engine is tested with (`nox -s mindeps`); pyproject.toml's `fast`
# extra declares the same floor (a test compares the two).
MIN_POLARS = (1, 28)


class Unsupported(Exception):
    """The data is outside what the columnar engine handles; the row engine reports it."""


def unavailable() -> str | None:
    """Why the columnar engine cannot run here (polars missing or too old), or None."""
    import importlib.util

    if importlib.util.find_spec("polars") is None:
        return 'polars is not installed (pip install "bri-data[fast]")'
    import polars

    have = tuple(int(p) for p in polars.__version__.split(".")[:2] if p.isdigit())
    if have < MIN_POLARS:
        want = ".".join(map(str, MIN_POLARS))
        return f"polars {polars.__version__} is older than {want}, the oldest this engine is tested with"
    return None


@dataclass
class _Scan:
    facts: FileFacts
    path: Path
    rel: str


def prescan(path: Path, rel: str, table: C.Table) -> _Scan:
    """One pass over the bytes: hash, size, and the plain-CSV preconditions."""
    h = hashlib.sha256()
    size = newlines = 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if not first:
                first = chunk[:4096]
            h.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            if b"\x00" in chunk or b"\r" in chunk or b"\x1f" in chunk:
                raise Unsupported("NUL, CR or unit-separator bytes")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise Unsupported("not UTF-8") from exc
            last = chunk[-1:]
    decoder.decode(b"", final=True)
    header = first.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if header != ",".join(table.column_names):
        raise Unsupported("header differs from the contract")
    lines = newlines + (0 if last in (b"\n", b"") else 1)
    if lines < 2:
        raise Unsupported("no rows")  # the row engine reports empty and header-only files
    facts = FileFacts(bytes=size, sha256=h.hexdigest(), complete=True, rows=lines - 1, columns=table.column_names)
    return _Scan(facts, path, rel)


def collect(lf: Any) -> Any:
    """Run a lazy query with the streaming engine: memory stays near one batch per query."""
    return lf.collect(engine="streaming")


# Bytes of CSV parsed at a time: memory holds one block's frame, not the table's.
BLOCK = 8 << 20


def blocks(pl: Any, path: Path, rel: str, table: C.Table, facts: FileFacts) -> Iterator[Any]:
    """The table's rows as DataFrames of about BLOCK bytes each (empty cells null, `_line`
    the physical line), in one pass over the file that also fills FACTS (size, SHA-256,
    rows); raises Unsupported for anything but plain one-record-per-line CSV.

    Lines are records (checked on each block before it is parsed: no quoted line
    breaks, no ragged rows, no stray quotes, no blank lines), so a block may end at any
    line break. Polars checks the bytes are UTF-8 as it reads them.
    """
    width = len(table.columns)
    h = hashlib.sha256()
    header = ",".join(table.column_names).encode()
    rest = b""
    line = 2  # of the block's first row
    first = True
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(BLOCK)
            h.update(chunk)
            facts.bytes += len(chunk)
            if b"\x00" in chunk or b"\r" in chunk or b"\x1f" in chunk:
                raise Unsupported("NUL, CR or unit-separator bytes")
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            data, rest = data[:cut], data[cut:]
            if first and data:
                head, _, data = data.partition(b"\n")
                if head != header:
                    raise Unsupported("header differs from the contract")
                first = False
            if data:
                df = _block(pl, data, table, width)
                yield df.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + line).alias("_line"))
                line += df.height
            if not chunk:
                break
    facts.sha256, facts.rows, facts.columns, facts.complete = h.hexdigest(), line - 2, table.column_names, True
    if first or facts.rows == 0:
        raise Unsupported("no rows")  # the row engine reports empty and header-only files


def _block(pl: Any, data: bytes, table: C.Table, width: int) -> Any:
    """One block of whole lines: checked as lines, then parsed as CSV."""
    raw = pl.read_csv(data, has_header=False, separator="\x1f", quote_char=None, infer_schema=False, new_columns=["l"])
    line = pl.col("l")
    quoted = line.str.contains('"', literal=True)
    # Lines without quotes: count commas; the others: drop well-formed quoted fields first.
    plain_bad = (~quoted & (line.str.count_matches(",", literal=True) != width - 1)).fill_null(True)  # null: a blank line
    unquoted = line.filter(quoted).str.replace_all(r'"(?:[^"]|"")*"', "")
    quoted_bad = (unquoted.str.count_matches(",", literal=True) != width - 1) | unquoted.str.contains('"', literal=True)
    try:
        height, bad, bad_quoted = raw.select(pl.len(), plain_bad.any().alias("a"), quoted_bad.any().alias("b")).row(0)
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        if bad or bad_quoted or height != lines:
            raise Unsupported("blank lines, ragged rows or quotes spanning lines")
        del raw
        df = pl.read_csv(data, has_header=False, new_columns=table.column_names, infer_schema=False, quote_char='"')
    except pl.exceptions.PolarsError as exc:  # odd input (e.g. not UTF-8): the row engine reports it precisely
        raise Unsupported(f"csv read: {type(exc).__name__}") from exc
    if df.height != height or df.width != width:
        raise Unsupported("shape differs")
    # An empty unquoted cell is read as null; a quoted one ("") is not: rewrite only the
    # columns that hold one (rare), so that no column is copied for nothing.
    empty = [c for c, n in zip(df.columns, df.select((pl.all() == "").sum()).row(0), strict=True) if n]
    return df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in empty) if empty else df


def schema_mask(pl: Any, table: C.Table) -> Any:
    """An expression true for every row the table's JSON Schema could reject."""
    schema = schema_for(table.name)
    unknown = set(schema) - {"$schema", "$id", "title", "description", "type", "properties", "required", "additionalProperties"}
    if unknown or schema.get("type") != "object" or set(schema["required"]) != set(table.column_names):
        raise Unsupported(f"top-level keywords {sorted(unknown)}")
    flags = []
    for name, prop in schema["properties"].items():
        col = pl.col(name)
        types = prop.get("type")
        types = types if isinstance(types, list) else [types]
        for kw, expected in prop.items():
            if kw in _ANNOTATIONS:
                continue
            if kw == "type":
                if "null" not in types:
                    flags.append(col.is_null())
                if "integer" in types:
                    flags.append(col.is_not_null() & ~col.str.contains(_INT_RE))
                elif types not in (["string"], ["string", "null"]):
                    raise Unsupported(f"type {types}")
            elif kw == "enum":
                allowed = [v for v in expected if v is not None]
                flags.append(col.is_not_null() & ~col.is_in(allowed))
            elif kw == "pattern":
                flags.append(col.is_not_null() & ~col.str.contains(expected))
            elif kw == "minLength":
                flags.append(col.is_not_null() & (col.str.len_chars() < expected))
            elif kw == "maxLength":
                flags.append(col.is_not_null() & (col.str.len_chars() > expected))
            elif kw == "minimum":
                flags.append(col.is_not_null() & (col.cast(pl.Int64, strict=False).fill_null(expected - 1) < expected))
            else:
                raise Unsupported(f"keyword {kw}")
    return pl.any_horizontal(flags) if flags else pl.lit(False)


def _day_key(d: tuple[int, int, int] | None) -> int | None:
    return None if d is None else d[0] * 10000 + d[1] * 100 + d[2]


def _uniques(pl: Any, df: Any, name: str) -> list[Any]:
    return df.get_column(name).drop_nulls().unique().to_list()  # type: ignore[no-any-return]


def semantic_mask(pl: Any, table: C.Table, df: Any, parsed: dict[str, Any] | None = None) -> Any:
    """Rows `semantics.check` could report; values are judged once per unique value
    (PARSED: EDTF bounds already computed, shared between blocks)."""
    parsed = {} if parsed is None else parsed
    flags = []
    lows: dict[str, Any] = {}
    highs: dict[str, Any] = {}
    # Day numbers only where an `ordered` rule compares them (building them is most of the cost).
    need_low = {r.first for r in table.rules if r.kind == "ordered"}
    need_high = {r.second for r in table.rules if r.kind == "ordered"}
    for col in table.columns:
        if col.check == "edtf":
            b = {v: parsed[v] if v in parsed else parsed.setdefault(v, bounds(v)) for v in _uniques(pl, df, col.name)}
            bad = {v for v, x in b.items() if x is None or (x[0] is not None and x[1] is not None and x[1] < x[0])}
            flags.append(pl.col(col.name).is_in(list(bad)))
            ok = {v: x for v, x in b.items() if v not in bad and x is not None}
            if col.name in need_low:
                lows[col.name] = pl.col(col.name).replace_strict(
                    list(ok), [_day_key(x[0]) for x in ok.values()], default=None, return_dtype=pl.Int64
                )
            if col.name in need_high:
                highs[col.name] = pl.col(col.name).replace_strict(
                    list(ok), [_day_key(x[1]) for x in ok.values()], default=None, return_dtype=pl.Int64
                )
        elif col.check == "country":
            unknown = [v for v in _uniques(pl, df, col.name) if len(v) == 3 and v.isupper() and not semantics.country_exists(v)]
            flags.append(pl.col(col.name).is_in(unknown))
    flags += [rules.mask(pl, rule, lows, highs) for rule in table.rules]
    return pl.any_horizontal(flags) if flags else pl.lit(False)


class ColumnarRun:
    def __init__(self, root: Path, decls: dict[str, ResourceDecl], report: Report) -> None:
        self.pl: Any = require("polars", "fast")
        self.root, self.decls, self.report = root, decls, report
        self.keys = KeyIndex(report)  # used for the sources table (row engine)
        self.prov = Provenance(root, report)
        self.all_ids: Any = None  # DataFrame(id, line, table): first owner of every id
        self.table_ids: dict[str, Any] = {}  # table -> DataFrame(id, line), first occurrences
        self.cited: list[Any] = []  # per citations block: the record ids it cites
        self.statements: Any = None  # DataFrame(id, text, _line): each statement's text, for the verbatim check
        self.statements_rel = C.STATEMENTS.path
        self.verbatim: list[Any] = []  # per citations block: statements a sound citation quotes verbatim
        self.parsed: dict[str, Any] = {}  # EDTF value -> bounds, across blocks and tables
        self._sorted_ids: dict[str, Any] = {}  # reference target -> its ids, sorted (see _targets)
        self._lines: Any = None  # every seed line, one Series (see _seed_lines)
        self._offsets: dict[str, tuple[int, int]] = {}  # source id -> (first line's position, lines)

    def run(self) -> dict[str, FileFacts]:
        """Check the package; raises Unsupported for data the row engine must judge."""
        try:
            return self._run()
        except self.pl.exceptions.PolarsError as exc:  # e.g. a stray quote deep in a file
            raise Unsupported(f"polars could not read the tables ({type(exc).__name__})") from exc

    def _run(self) -> dict[str, FileFacts]:
        targets = {}
        for table in C.TABLES:
            decl = self.decls.get(table.name)
            if decl is None or not isinstance(decl.path, str):
                raise Unsupported("resource not declared")
            target, _ = member(self.root, decl.path)
            if target is None or not target.is_file():
                raise Unsupported("resource not readable")
            targets[table.name] = (target, decl.path)
        facts = {}
        for table in C.TABLES:
            target, rel = targets[table.name]
            if table is C.SOURCES:
                scan = prescan(target, rel, table)
                self._sources(scan)
                facts[table.name] = scan.facts
            else:
                facts[table.name] = self._table(table, target, rel)
        self._finish()
        return facts

    def _sources(self, scan: _Scan) -> None:
        """Few rows: the row engine, which also loads the seeds."""
        pl = self.pl
        facts = stream_table(C.SOURCES, scan.path, scan.rel, self.keys, self.prov, self.report)
        if not facts.complete or not facts.columns:
            raise Unsupported("sources table not fully readable")  # the row engine judges what follows
        self.keys.finish_table()
        ids = list(self.keys.ids["sources"].items())
        frame = pl.DataFrame({"id": [i for i, _ in ids], "line": [n for _, n in ids]}, schema={"id": pl.String, "line": pl.Int64})
        self.table_ids["sources"] = frame
        self.all_ids = frame.with_columns(pl.lit("sources").alias("table"))

    def _exact(self, table: C.Table, rel: str, df: Any, mask: Any, what: str) -> None:
        """Run the row engine's check WHAT on the rows of DF that MASK flags."""
        names = set(table.column_names)
        for rec in df.filter(mask).iter_rows(named=True):
            line = rec.pop("_line")
            rid = rec.get("id") if rec.get("id") and len(rec["id"]) <= 200 else None
            if what == "rows":
                check_row(table, Row(line, rec, rid), names, rel, self.report)
                continue
            values = typed(table, rec)
            if what == "semantics":
                semantics.check(table, rel, line, rid, values, self.report)
            else:
                self.prov.check(table, rel, line, rid, values)

    def _table(self, table: C.Table, path: Path, rel: str) -> FileFacts:
        """Every check on one table, block by block; what spans blocks (duplicate ids,
        self-references, aliases, statement texts) is kept small and judged at its end."""
        pl = self.pl
        facts = FileFacts()
        keep = _Kept()
        self._sorted_ids = {}  # the earlier tables' ids, sorted, as this table looks them up
        mask = schema_mask(pl, table)
        for df in blocks(pl, path, rel, table, facts):
            self._exact(table, rel, df, mask, "rows")
            self._block_keys(table, rel, df, keep)
            self._exact(table, rel, df, semantic_mask(pl, table, df, self.parsed), "semantics")
            if table is C.ACTORS:
                keep.aliases.append(df.select("id", "_line", "aliases"))
            elif table is C.STATEMENTS:
                keep.texts.append(df.select("id", "text", "_line"))
            elif table is C.CITATIONS:
                self._citations(rel, df)
        self.report.rows_checked[table.name] = facts.rows
        self._end_keys(table, rel, keep)
        if table is C.ACTORS:
            self._aliases(rel, pl.concat(keep.aliases))
        elif table is C.STATEMENTS:
            # The last row of an id wins, as in the row engine's dict.
            self.statements_rel = rel
            self.statements = (
                pl.concat(keep.texts)
                .filter(pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= 200) & pl.col("text").is_not_null())
                .unique(subset="id", keep="last", maintain_order=True)
                .sort("id")  # looked up by binary search (see _citations)
            )
        return facts

    def _block_keys(self, table: C.Table, rel: str, df: Any, keep: _Kept) -> None:
        """Ids kept for the end of the table; references to earlier tables judged now,
        self-references kept for the end."""
        pl = self.pl
        keep.ids.append(df.select("id", pl.col("_line").alias("line")).filter(
            pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= 200)  # as the row engine's record_id
        ))
        for col in table.foreign_keys:
            vals = df.select(pl.col(col.name).alias("value"), pl.col("_line").alias("line"), "id").filter(pl.col("value").is_not_null())
            if col.references == table.name:
                keep.selfrefs.setdefault(col.name, []).append(vals)
                continue
            missing = self._missing(col.references or "", vals.get_column("value").unique())
            bad = vals.filter(pl.col("value").is_in(missing.implode())) if missing.len() else vals.clear()
            if bad.height:
                keep.dangling.append(bad.with_columns(pl.lit(col.name).alias("field")))

    def _targets(self, target: str) -> Any:
        """The ids a reference to TARGET may name ("*": any record but citations), sorted;
        built once per table, as the ids of earlier tables do not change meanwhile."""
        if target not in self._sorted_ids:
            pl = self.pl
            if target == "*":
                ids = self.all_ids.filter(pl.col("table") != "citations").get_column("id")
            else:
                ids = self.table_ids[target].get_column("id")
            self._sorted_ids[target] = ids.sort()
        return self._sorted_ids[target]

    def _missing(self, target: str, values: Any) -> Any:
        """Which VALUES are no id a reference to TARGET may name: a binary search in the
        sorted ids, no hash table of them per block."""
        targets = self._targets(target)
        if not targets.len():
            return values
        at = targets.search_sorted(values).clip(0, targets.len() - 1)
        return values.filter(targets.gather(at) != values)

    def _end_keys(self, table: C.Table, rel: str, keep: _Kept) -> None:
        pl = self.pl
        ids = pl.concat(keep.ids)
        is_first = ids.get_column("id").is_first_distinct()  # once: both halves below use it
        first = ids.filter(is_first)
        if first.height < ids.height:  # rare: join for the first line only when there are duplicates
            later = ids.filter(~is_first).join(first, on="id", suffix="_first", maintain_order="left")
            for rid, line, first_line in later.iter_rows():
                duplicate(self.report, rel, line, rid, first_line)
        clash = first.join(self.all_ids, on="id", how="inner", suffix="_other", maintain_order="left")
        for rid, line, other_line, other in clash.iter_rows():
            duplicate_global(self.report, rel, line, rid, other, other_line)
        earlier = self.all_ids
        # Without clashes `first` itself is new: share its buffers instead of copying them.
        fresh = first if not clash.height else first.join(self.all_ids, on="id", how="anti")
        owners = pl.concat([earlier, fresh.with_columns(pl.lit(table.name).alias("table"))], rechunk=False)
        if table is not C.TABLES[-1]:  # the last table's ids are looked up by no later one
            self.all_ids = owners
        if table is not C.TABLES[-1] or table.must_be_cited:
            self.table_ids[table.name] = first
        refs = {c.name: c.references or "" for c in table.foreign_keys}
        if keep.dangling:
            # The owner a message names is the one the row engine knows at that row: an
            # earlier table's, or this table's when its id came on that line or before.
            bad = pl.concat(keep.dangling).join(earlier.select("id", "table"), left_on="value", right_on="id", how="left", maintain_order="left")
            bad = bad.join(fresh.select(pl.col("id").alias("value"), pl.col("line").alias("_own")), on="value", how="left", maintain_order="left")
            for value, line, rid, field, owner, own in bad.iter_rows():
                owner = owner if owner is not None else table.name if own is not None and own <= line else None
                dangling(self.report, rel, line, field, rid if rid and len(rid) <= 200 else None, value, refs[field], owner)
        for name, parts in keep.selfrefs.items():
            vals = pl.concat(parts)
            bad = vals.join(first.select("id"), left_on="value", right_on="id", how="anti", maintain_order="left")
            if not bad.height:
                continue
            bad = bad.join(owners.select("id", "table"), left_on="value", right_on="id", how="left", maintain_order="left")
            for value, line, rid, owner in bad.iter_rows():
                dangling(self.report, rel, line, name, rid if rid and len(rid) <= 200 else None, value, refs[name], owner)

    def _aliases(self, rel: str, frame: Any) -> None:
        pl = self.pl
        if not (self.prov.seeds and self.prov.seeds_complete):
            return
        aliases = frame.get_column("aliases").drop_nulls().str.split(";").explode().unique()
        # Which aliases occur in a seed: one Aho-Corasick pass over the seed lines finds
        # every occurrence of every alias (overlapping ones included); an alias here has no
        # line break (lines are records), so lines answer as the texts would.
        patterns = aliases.filter(aliases != "")
        found = self._seed_lines().str.extract_many(patterns.implode(), overlapping=True).explode().drop_nulls().unique()
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
        rows = [(rel, line, rid if rid and len(rid) <= 200 else None, cell) for rid, line, cell in flagged.iter_rows()]
        self.prov.judge_aliases(rows, known)

    def _seed_lines(self) -> Any:
        """Every seed line, seed after seed, as one Series (built once): line N of a seed is
        at the seed's offset + N - 1."""
        if self._lines is None:
            pl, seeds = self.pl, self.prov.seeds
            self._lines = pl.Series([t for seed in seeds.values() for t in seed.lines], dtype=pl.String)
            self._offsets, start = {}, 0
            for sid, seed in seeds.items():
                self._offsets[sid] = (start, len(seed.lines))
                start += len(seed.lines)
        return self._lines

    def _citations(self, rel: str, df: Any) -> None:
        """One block of citations: spans checked by slicing the joined line text."""
        pl = self.pl
        c = df.select(
            "source_id",
            "quote",
            *(pl.col(n).str.contains(_INT_RE).fill_null(False).alias(f"_{n}_int") for n in ("line", "char_start", "char_end")),
            pl.col("line").cast(pl.Int64, strict=False).alias("_n"),
            pl.col("char_start").cast(pl.Int64, strict=False).alias("_cs"),
            pl.col("char_end").cast(pl.Int64, strict=False).alias("_ce"),
        )
        lines = self._seed_lines()
        sources, where = list(self._offsets), list(self._offsets.values())
        offset = pl.col("source_id").replace_strict(sources, [o for o, _ in where], default=None, return_dtype=pl.Int64)
        count = pl.col("source_id").replace_strict(sources, [n for _, n in where], default=None, return_dtype=pl.Int64)
        # The cited line by position (null: no such seed or line), not by a join per block.
        at = c.select(pl.when((pl.col("_n") >= 1) & (pl.col("_n") <= count)).then(offset + pl.col("_n") - 1)).to_series()
        c = c.with_columns(lines.gather(at).alias("_text"))
        span_ok = (
            pl.all_horizontal("_line_int", "_char_start_int", "_char_end_int")
            & pl.col("_text").is_not_null()
            & (pl.col("_cs") >= 0)
            & (pl.col("_cs") < pl.col("_ce"))
            & (pl.col("_ce") <= pl.col("_text").str.len_chars())
            & pl.col("quote").is_not_null()
            # clipped so that rows already failing above cannot make slice() raise
            & (pl.col("_text").str.slice(pl.col("_cs").clip(0), (pl.col("_ce") - pl.col("_cs")).clip(0)) == pl.col("quote"))
        ).fill_null(False)
        ok = c.select(span_ok).to_series()
        del c
        # Rows whose span fails: the row engine's exact check, which needs the texts of
        # the statements they cite (few) for its verbatim check.
        flagged = df.filter(~ok)
        if flagged.height:
            cited_texts = self.statements.join(flagged.select(pl.col("record_id").alias("id")).unique(), on="id", how="semi")
            self.prov.statement_text = dict(zip(cited_texts.get_column("id").to_list(), cited_texts.get_column("text").to_list(), strict=True))
            self._exact(C.CITATIONS, rel, flagged, pl.lit(True), "provenance")
        self.cited.append(df.get_column("record_id").drop_nulls().unique())
        # Statements a citation whose span holds quotes verbatim: its (record, quote) looked
        # up by binary search in the statements, sorted by id (a join per block would hash
        # every statement again for each block).
        good = df.filter(ok)
        ids, texts = self.statements.get_column("id"), self.statements.get_column("text")
        if ids.len() and good.height:
            record, quote = good.get_column("record_id"), good.get_column("quote")
            at = ids.search_sorted(record).clip(0, ids.len() - 1)
            self.verbatim.append(record.filter(((ids.gather(at) == record) & (texts.gather(at) == quote)).fill_null(False)))

    def _finish(self) -> None:
        pl = self.pl
        cited = pl.concat(self.cited).unique()
        for table in C.TABLES:
            if not table.must_be_cited:
                continue
            missing = self.table_ids[table.name].join(cited.to_frame("id"), on="id", how="anti", maintain_order="left")
            for rid, line in missing.iter_rows():
                uncited(self.report, table, rid, line)
        # Cited statements that no citation quotes verbatim, unless a citation of theirs
        # could not be judged (the row engine's rule, in `Provenance.finish_statements`).
        excused = pl.concat([*self.verbatim, pl.Series(list(self.prov.verbatim | self.prov.unjudged), dtype=pl.String)])
        bad = self.statements.filter(pl.col("id").is_in(cited.implode()) & ~pl.col("id").is_in(excused.implode()))
        for rid, text, line in bad.iter_rows():
            not_verbatim(self.report, self.statements_rel, line, rid, text)


@dataclass
class _Kept:
    """What one table's blocks leave for the end of the table."""

    ids: list[Any] = field(default_factory=list)  # DataFrame(id, line) per block
    dangling: list[Any] = field(default_factory=list)  # DataFrame(value, line, id, field): references to nothing
    selfrefs: dict[str, list[Any]] = field(default_factory=dict)  # column -> DataFrame(value, line, id) per block
    aliases: list[Any] = field(default_factory=list)  # actors: DataFrame(id, _line, aliases) per block
    texts: list[Any] = field(default_factory=list)  # statements: DataFrame(id, text, _line) per block
