"""The row engine: every table streamed row by row through layers 2-5; layer 6 at the end.

Tables are read in contract order (sources first, citations last), each row checked
once, as it is read, against indexes of what came before.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bri_data.contract import model as C
from bri_data.files.csvtable import FileFacts, read_table
from bri_data.files.paths import Refused, open_member
from bri_data.findings import Report
from bri_data.validation import consistency, semantics
from bri_data.validation.descriptor import ResourceDecl
from bri_data.validation.keys import KeyIndex
from bri_data.validation.provenance import Provenance
from bri_data.validation.rows import check_row


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused (restored after), for the row engine and the
    exports: rows are millions of short-lived dicts, lists and tuples that form no cycles,
    and the indexes grow to millions of objects, so its passes are pure cost (about 5% of
    the row engine at 100k and 1M rows, a quarter of a 1M-row SQLite export)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run_rows(root: Path, decls: dict[str, ResourceDecl], report: Report) -> None:
    with collector_paused():
        _run_rows(root, decls, report)


def _run_rows(root: Path, decls: dict[str, ResourceDecl], report: Report) -> None:
    keys = KeyIndex(report)
    prov = Provenance(root, report)
    cons = consistency.Projections()
    for table in C.TABLES:
        decl = decls.get(table.name)
        if decl is None:
            keys.partial.add(table.name)
            continue
        rel = decl.path if isinstance(decl.path, str) else table.path
        try:
            fh = open_member(root, decl.path, "table") if isinstance(decl.path, str) else None
        except Refused as exc:
            refused_table(table, decl.path, rel, exc, report)
            fh = None
        if fh is None:
            if not isinstance(decl.path, str):
                refused_table(table, decl.path, rel, Refused("unsafe", "path must be one string"), report)
            keys.partial.add(table.name)
            continue
        facts = stream_table(table, fh, rel, keys, prov, report, cons)
        if not facts.complete or not facts.columns:
            keys.partial.add(table.name)
        keys.finish_table()
        compare_facts(table, rel, decl.bytes, decl.hash, facts, report)
    prov.finish(keys)
    cons.untrusted |= keys.partial
    cons.records = {t.name: keys.ids[t.name] for t in C.TABLES if t.unused_code is not None}
    consistency.check(cons, report)


def refused_table(table: C.Table, path: object, rel: str, exc: Refused, report: Report) -> None:
    """The finding for a table file the path policy refuses (shared by both engines)."""
    if exc.kind == "missing":
        report.emit("resource.missing", f"{rel} does not exist (declared by resource {table.name!r})", file=rel)
    elif exc.kind == "unreadable":
        report.emit("file.unreadable", f"{rel}: {exc.reason}", file=rel)
    elif exc.kind == "too_large":
        report.emit("file.too_large", f"{rel}: {exc.reason}", file=rel)
    else:
        shown = path if not isinstance(path, str) or len(path) <= 200 else path[:200] + "…"
        report.emit(
            "resource.path_unsafe",
            f"resource {table.name!r} path {shown!r} refused: {exc.reason}",
            file="datapackage.json",
            field=f"resources/{table.name}/path",
        )


def stream_table(
    table: C.Table, fh: BinaryIO, rel: str, keys: KeyIndex, prov: Provenance, report: Report, cons: consistency.Projections
) -> FileFacts:
    """The row engine on one table (FH from `open_member`): every row through layers 2-5 as
    it is read, and into the projections layer 6 judges at the end."""
    facts = FileFacts()
    cons.files[table.name] = rel
    # The steps that have work in this table, bound once rather than looked up per row.
    add = keys.adder(table.name, rel)
    refs = keys.referrer(table, rel) if table.foreign_keys else None
    judged = bool(table.semantic_columns or table.rules)  # layer 5 has work in this table
    cite = prov.checker(table)
    collect = cons.collector(table)
    present: set[str] | None = None
    rows = 0
    for row in read_table(fh, rel, table, report, facts):
        rows += 1
        line, rid = row.line, row.record_id
        if rid:
            add(line, rid)
        if not row.intact:
            cons.untrusted.add(table.name)
            continue
        if present is None:
            present = set(facts.columns)
        values = check_row(table, row, present, rel, report)
        if refs is not None:
            refs(line, rid, values)
        if judged:
            semantics.check(table, rel, line, rid, values, report)
        if cite is not None:
            cite(rel, line, rid, values)
        if collect is not None:
            collect(line, rid, values)
    if set(table.column_names) - set(facts.columns):
        cons.untrusted.add(table.name)
    report.rows_checked[table.name] = rows
    return facts


def compare_facts(table: C.Table, rel: str, size: int | None, digest: str | None, facts: FileFacts, report: Report) -> None:
    hint = "if the edit is intended, run `bri-data build` to refresh datapackage.json"
    report.sha256[table.name] = facts.sha256  # what was validated: `load()` reads the same bytes or refuses
    if size is None or digest is None:
        report.emit("descriptor.contract", f"resource {table.name!r} lacks bytes or hash; {hint}", file="datapackage.json", field=f"resources/{table.name}")
        return
    if size != facts.bytes:
        report.emit("resource.bytes", f"{rel} has {facts.bytes} bytes; datapackage.json says {size}; {hint}", file=rel)
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256" or hexdigest.lower() != facts.sha256:
        report.emit("resource.hash", f"{rel} has sha256:{facts.sha256}; datapackage.json says {digest}; {hint}", file=rel)
