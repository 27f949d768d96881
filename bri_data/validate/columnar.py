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

The engine refuses (raises `Unsupported`; the caller discards its partial report) when
a file is not plain, one-record-per-line CSV (bad bytes, NUL, CR, a BOM or any other
header than the contract's, a quoted newline, ragged or blank rows, no rows) or the
schema uses a keyword it cannot compile; the caller then runs the row engine, which
reports such problems precisely.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
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
from bri_data.validate.provenance import Provenance, uncited
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


def _read(pl: Any, scan: _Scan, table: C.Table) -> Any:
    """The table as a LazyFrame with one physical line per record, or Unsupported.

    Nothing is materialised here: every check below is its own streaming query over the
    file, collecting only what it needs (flagged rows, an id column).
    """
    width = len(table.columns)
    raw = pl.scan_csv(scan.path, has_header=False, separator="\x1f", quote_char=None, infer_schema=False, new_columns=["l"])
    unquoted = pl.col("l").str.replace_all(r'"(?:[^"]|"")*"', "")
    broken = (unquoted.str.count_matches(",") != width - 1) | unquoted.str.contains('"')
    try:
        height, bad = collect(raw.select(pl.len(), broken.fill_null(True).any())).row(0)  # null: a blank line
    except pl.exceptions.PolarsError as exc:  # odd input: the row engine reports it precisely
        raise Unsupported(f"raw read: {type(exc).__name__}") from exc
    if bad or height != scan.facts.rows + 1:
        raise Unsupported("blank lines, ragged rows or quotes spanning lines")
    lf = pl.scan_csv(scan.path, has_header=True, infer_schema=False, quote_char='"')
    try:
        names = lf.collect_schema().names()
        rows = collect(lf.select(pl.len())).item()
    except pl.exceptions.PolarsError as exc:
        raise Unsupported(f"csv read: {type(exc).__name__}") from exc
    if names != table.column_names or rows != scan.facts.rows:
        raise Unsupported("shape differs")
    empty_to_null = [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in names]
    return lf.with_columns(empty_to_null).with_row_index("_i").with_columns((pl.col("_i") + 2).alias("_line"))


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


def _uniques(pl: Any, lf: Any, name: str) -> list[Any]:
    return collect(lf.select(pl.col(name).drop_nulls().unique())).get_column(name).to_list()  # type: ignore[no-any-return]


def semantic_mask(pl: Any, table: C.Table, lf: Any) -> Any:
    """Rows `semantics.check` could report; values are judged once per unique value."""
    flags = []
    lows: dict[str, Any] = {}
    highs: dict[str, Any] = {}
    for col in table.columns:
        if col.check == "edtf":
            b = {v: bounds(v) for v in _uniques(pl, lf, col.name)}
            bad = [v for v, x in b.items() if x is None or (x[0] is not None and x[1] is not None and x[1] < x[0])]
            flags.append(pl.col(col.name).is_in(bad))
            ok = {v: x for v, x in b.items() if v not in bad and x is not None}
            lows[col.name] = pl.col(col.name).replace_strict(
                list(ok), [_day_key(x[0]) for x in ok.values()], default=None, return_dtype=pl.Int64
            )
            highs[col.name] = pl.col(col.name).replace_strict(
                list(ok), [_day_key(x[1]) for x in ok.values()], default=None, return_dtype=pl.Int64
            )
        elif col.check == "country":
            bad = [v for v in _uniques(pl, lf, col.name) if len(v) == 3 and v.isupper() and not semantics.country_exists(v)]
            flags.append(pl.col(col.name).is_in(bad))
    flags += [rules.mask(pl, rule, lows, highs) for rule in table.rules]
    return pl.any_horizontal(flags) if flags else pl.lit(False)


class ColumnarRun:
    def __init__(self, root: Path, decls: dict[str, ResourceDecl], report: Report) -> None:
        self.pl: Any = require("polars", "fast")
        self.root, self.decls, self.report = root, decls, report
        self.keys = KeyIndex(report)  # used for the sources table (row engine)
        self.prov = Provenance(root, report)
        self.all_ids: Any = None  # DataFrame(id, table, line): first owner of every id
        self.table_ids: dict[str, Any] = {}  # table -> DataFrame(id, line), first occurrences
        self.cited_ids: Any = None  # polars Series of every record_id cited

    def run(self) -> dict[str, FileFacts]:
        """Check the package; raises Unsupported for data the row engine must judge."""
        try:
            return self._run()
        except self.pl.exceptions.PolarsError as exc:  # e.g. a stray quote deep in a file
            raise Unsupported(f"polars could not read the tables ({type(exc).__name__})") from exc

    def _run(self) -> dict[str, FileFacts]:
        scans = {}
        for table in C.TABLES:
            decl = self.decls.get(table.name)
            if decl is None or not isinstance(decl.path, str):
                raise Unsupported("resource not declared")
            target, _ = member(self.root, decl.path)
            if target is None or not target.is_file():
                raise Unsupported("resource not readable")
            scans[table.name] = prescan(target, decl.path, table)
        for table in C.TABLES:
            scan = scans[table.name]
            if table is C.SOURCES:
                self._sources(scan)
            else:
                self._table(table, scan)
        self._finish()
        return {name: s.facts for name, s in scans.items()}

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

    def _exact(self, table: C.Table, scan: _Scan, frame: Any, mask: Any, what: str) -> None:
        """Run the row engine's check WHAT on the rows MASK flags (FRAME: lazy or collected)."""
        rows = frame.filter(mask)
        rows = collect(rows) if hasattr(rows, "collect") else rows
        for rec in rows.iter_rows(named=True):
            line = rec.pop("_line")
            rec.pop("_i")
            rid = rec.get("id") if rec.get("id") and len(rec["id"]) <= 200 else None
            if what == "rows":
                check_row(table, Row(line, rec, rid), set(table.column_names), scan.rel, self.report)
                continue
            values = typed(table, rec)
            if what == "semantics":
                semantics.check(table, scan.rel, line, rid, values, self.report)
            else:
                self.prov.check(table, scan.rel, line, rid, values)

    def _table(self, table: C.Table, scan: _Scan) -> None:
        pl, rel = self.pl, scan.rel
        lf = _read(pl, scan, table)
        self.report.rows_checked[table.name] = scan.facts.rows
        self._exact(table, scan, lf, schema_mask(pl, table), "rows")
        self._keys(table, rel, lf)
        self._exact(table, scan, lf, semantic_mask(pl, table, lf), "semantics")
        self._provenance(table, scan, lf)

    def _keys(self, table: C.Table, rel: str, lf: Any) -> None:
        pl = self.pl
        fks = [c.name for c in table.foreign_keys]
        # One read of the key columns (small), then hash joins in memory.
        kf = collect(lf.select(pl.col("id"), pl.col("_line").cast(pl.Int64).alias("line"), *fks))
        ids = kf.select("id", "line").filter(
            pl.col("id").is_not_null() & (pl.col("id").str.len_chars() <= 200)  # as the row engine's record_id
        )
        is_first = pl.col("id").is_first_distinct()
        later = ids.filter(~is_first)
        first = ids.filter(is_first)
        if later.height:  # rare: join for the first line only when there are duplicates
            later = later.join(first, on="id", suffix="_first", maintain_order="left")
            for rid, line, first_line in later.iter_rows():
                duplicate(self.report, rel, line, rid, first_line)
        clash = first.join(self.all_ids, on="id", how="inner", suffix="_other", maintain_order="left")
        for rid, line, other_line, other in clash.iter_rows():
            duplicate_global(self.report, rel, line, rid, other, other_line)
        # Without clashes `first` itself is new: share its buffers instead of copying them.
        fresh = first if not clash.height else first.join(self.all_ids, on="id", how="anti")
        self.all_ids = pl.concat([self.all_ids, fresh.with_columns(pl.lit(table.name).alias("table"))], rechunk=False)
        self.table_ids[table.name] = first
        for col in table.foreign_keys:
            if col.references == "*":
                targets = self.all_ids.filter(pl.col("table") != "citations").select("id")
            else:
                targets = self.table_ids[col.references or ""].select("id")
            vals = kf.select(pl.col(col.name).alias("value"), "line", "id").filter(pl.col("value").is_not_null())
            bad = vals.join(targets, left_on="value", right_on="id", how="anti", maintain_order="left")
            if not bad.height:
                continue
            bad = bad.join(self.all_ids.select("id", "table"), left_on="value", right_on="id", how="left", maintain_order="left")
            for value, line, rid, owner in bad.iter_rows():
                rid = rid if rid and len(rid) <= 200 else None
                dangling(self.report, rel, line, col.name, rid, value, col.references or "", owner)

    def _provenance(self, table: C.Table, scan: _Scan, lf: Any) -> None:
        pl = self.pl
        if table is C.ACTORS:
            uniq = collect(lf.select(pl.col("aliases").drop_nulls().str.split(";").explode().unique())).get_column("aliases").to_list()
            if self.prov.seeds and self.prov.seeds_complete:
                # Which aliases occur in a seed: one Aho-Corasick pass over the seed texts
                # finds every occurrence of every alias (overlapping ones included).
                texts = pl.Series([seed.text for seed in self.prov.seeds.values()], dtype=pl.String)
                patterns = [a for a in uniq if a]
                found: set[str] = set()
                for i in range(0, len(patterns), 20000):  # bounded automaton size
                    hits = texts.str.extract_many(patterns[i : i + 20000], overlapping=True)
                    found.update(hits.explode().drop_nulls().unique().to_list())
                bad = [a for a in uniq if not a or a != a.strip() or a not in found]
                mask = pl.col("aliases").str.split(";").list.eval(pl.element().is_in(bad)).list.any().fill_null(False)
                flagged = collect(lf.filter(mask).select("id", "_line", "aliases"))
                rows = [(scan.rel, line, rid if rid and len(rid) <= 200 else None, cell) for rid, line, cell in flagged.iter_rows()]
                self.prov.judge_aliases(rows, found)
        elif table is C.STATEMENTS:
            for rid, text, line in collect(lf.select("id", "text", "_line")).iter_rows():
                if rid and len(rid) <= 200 and text is not None:
                    self.prov.statement_text[rid] = text
                    self.prov._where[rid] = (scan.rel, line)
        elif table is C.CITATIONS:
            self._citations(scan, lf)

    def _citations(self, scan: _Scan, lf: Any) -> None:
        pl = self.pl
        seeds = self.prov.seeds
        lines = pl.DataFrame(
            {
                "source_id": [s for s, seed in seeds.items() for _ in seed.lines],
                "_ln": [n for seed in seeds.values() for n in range(1, len(seed.lines) + 1)],
                "_text": [t for seed in seeds.values() for t in seed.lines],
            },
            schema={"source_id": pl.String, "_ln": pl.Int64, "_text": pl.String},
        )
        c = lf.with_columns(
            pl.col("line").cast(pl.Int64, strict=False).alias("_n"),
            pl.col("char_start").cast(pl.Int64, strict=False).alias("_cs"),
            pl.col("char_end").cast(pl.Int64, strict=False).alias("_ce"),
        )
        c = c.join(lines.lazy(), left_on=["source_id", "_n"], right_on=["source_id", "_ln"], how="left", maintain_order="left")
        ints = [pl.col(n).str.contains(_INT_RE).fill_null(False) for n in ("line", "char_start", "char_end")]
        span_ok = (
            pl.all_horizontal(ints)
            & pl.col("_text").is_not_null()
            & (pl.col("_cs") >= 0)
            & (pl.col("_cs") < pl.col("_ce"))
            & (pl.col("_ce") <= pl.col("_text").str.len_chars())
            & pl.col("quote").is_not_null()
            # clipped so that rows already failing above cannot make slice() raise
            & (pl.col("_text").str.slice(pl.col("_cs").clip(0), (pl.col("_ce") - pl.col("_cs")).clip(0)) == pl.col("quote"))
        ).fill_null(False)
        c = c.with_columns(span_ok.alias("_ok"))
        flagged = collect(c.filter(~pl.col("_ok")).select([*C.CITATIONS.column_names, "_i", "_line"]))
        self._exact(C.CITATIONS, scan, flagged, pl.lit(True), "provenance")
        self.cited_ids = collect(lf.select(pl.col("record_id").drop_nulls().unique())).get_column("record_id")
        # Provenance needs "cited?" only for statements (the verbatim check); keep that set small.
        statements = pl.Series(list(self.prov.statement_text), dtype=pl.String)
        self.prov.cited |= set(self.cited_ids.filter(self.cited_ids.is_in(statements.implode())).to_list())
        texts = pl.DataFrame(
            {"record_id": list(self.prov.statement_text), "quote": list(self.prov.statement_text.values())},
            schema={"record_id": pl.String, "quote": pl.String},
        )
        good = c.filter(pl.col("_ok")).select("record_id", "quote").join(texts.lazy(), on=["record_id", "quote"], how="semi")
        self.prov.verbatim |= set(collect(good).get_column("record_id").to_list())

    def _finish(self) -> None:
        cited = self.cited_ids.to_frame("id")
        for table in C.TABLES:
            if not table.must_be_cited:
                continue
            missing = self.table_ids[table.name].join(cited, on="id", how="anti", maintain_order="left")
            for rid, line in missing.iter_rows():
                uncited(self.report, table, rid, line)
        self.prov.finish_statements()
