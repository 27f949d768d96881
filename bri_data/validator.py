"""`validate()`: run all five layers over a package and return a Report.

Two engines give the same findings. The row engine (default, fast to start) streams the
tables in contract order (sources first, citations last), checking each row once, as
it is read, against indexes of what came before. The columnar engine (`bri_data.columnar`,
extra `bri-data[fast]`) checks whole columns at once; `auto` picks it for large packages.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bri_data import contract as C
from bri_data import semantics
from bri_data.descriptor import ResourceDecl, check_descriptor, read_descriptor
from bri_data.errors import require
from bri_data.findings import DEFAULT_MAX_PER_CODE, Report
from bri_data.keys import KeyIndex
from bri_data.paths import member, resolve_package, unsafe_reason
from bri_data.provenance import Provenance
from bri_data.rowcheck import check_row
from bri_data.tablereader import FileFacts, read_table


ENGINES = ("auto", "rows", "columnar")
# Above this many bytes of table data, `auto` uses the columnar engine when polars is
# installed: below it, importing polars costs more than it saves.
COLUMNAR_MIN_BYTES = 1 << 20


def validate(path: str | Path | None = None, max_per_code: int = DEFAULT_MAX_PER_CODE, engine: str = "auto") -> Report:
    """Validate the package at PATH (see `resolve_package`); raises PackageNotFoundError.

    ENGINE: `rows`, `columnar` (needs `bri-data[fast]`; falls back to rows for files that
    are not plain CSV), or `auto`.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    desc_path = resolve_package(path)
    root = desc_path.parent
    report = Report(str(desc_path), max_per_code=max_per_code)
    desc = read_descriptor(desc_path, report)
    if desc is None:
        return report
    decls = check_descriptor(desc, report)
    if _columnar_wanted(engine, root, decls):
        from bri_data.columnar import ColumnarRun, Unsupported

        trial = Report(report.package, max_per_code=max_per_code)
        try:
            facts = ColumnarRun(root, decls, trial).run()
        except Unsupported:
            pass  # the row engine reports whatever made the files unusual
        else:
            report.merge(trial)
            for table in C.TABLES:
                decl = decls[table.name]
                _compare_facts(table, str(decl.path), decl.bytes, decl.hash, facts[table.name], report)
            return report
    _run_rows(root, decls, report)
    return report


def _columnar_wanted(engine: str, root: Path, decls: dict[str, ResourceDecl]) -> bool:
    if engine == "rows":
        return False
    if engine == "columnar":
        require("polars", "fast")
        return True
    try:
        size = sum((root / d.path).stat().st_size for d in decls.values() if isinstance(d.path, str) and unsafe_reason(d.path) is None)
    except OSError:
        return False
    if size < COLUMNAR_MIN_BYTES:
        return False
    return importlib.util.find_spec("polars") is not None


def _run_rows(root: Path, decls: dict[str, ResourceDecl], report: Report) -> None:
    keys = KeyIndex(report)
    prov = Provenance(root, report)
    for table in C.TABLES:
        decl = decls.get(table.name)
        if decl is None:
            keys.partial.add(table.name)
            continue
        target, reason = member(root, decl.path) if isinstance(decl.path, str) else (None, "path must be one string")
        rel = decl.path if isinstance(decl.path, str) else table.path
        if target is None:
            report.emit("resource.path_unsafe", f"resource {table.name!r} path {decl.path!r} refused: {reason}", file="datapackage.json", field=f"resources/{table.name}/path")
            keys.partial.add(table.name)
            continue
        if not target.is_file():
            report.emit("resource.missing", f"{rel} does not exist (declared by resource {table.name!r})", file=rel)
            keys.partial.add(table.name)
            continue
        facts = stream_table(table, target, rel, keys, prov, report)
        if not facts.complete or not facts.columns:
            keys.partial.add(table.name)
        keys.finish_table()
        _compare_facts(table, rel, decl.bytes, decl.hash, facts, report)
    prov.finish(keys)


def stream_table(table: C.Table, target: Path, rel: str, keys: KeyIndex, prov: Provenance, report: Report) -> FileFacts:
    """The row engine on one table: every row through layers 2-5 as it is read."""
    fks = table.foreign_keys
    facts = FileFacts()
    present: set[str] | None = None
    rows = 0
    for row in read_table(target, rel, table, report, facts):
        rows += 1
        keys.add(table.name, rel, row.line, row.record_id)
        if not row.intact:
            continue
        if present is None:
            present = set(facts.columns)
        values = check_row(table, row, present, rel, report)
        for col in fks:
            keys.ref(table, rel, row.line, row.record_id, col, values.get(col.name))
        semantics.check(table, rel, row.line, row.record_id, values, report)
        prov.check(table, rel, row.line, row.record_id, values)
    report.rows_checked[table.name] = rows
    return facts


def _compare_facts(table: C.Table, rel: str, size: int | None, digest: str | None, facts: FileFacts, report: Report) -> None:
    hint = "if the edit is intended, run `bri-data build` to refresh datapackage.json"
    if size is None or digest is None:
        report.emit("descriptor.contract", f"resource {table.name!r} lacks bytes or hash; {hint}", file="datapackage.json", field=f"resources/{table.name}")
        return
    if size != facts.bytes:
        report.emit("resource.bytes", f"{rel} has {facts.bytes} bytes; datapackage.json says {size}; {hint}", file=rel)
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256" or hexdigest.lower() != facts.sha256:
        report.emit("resource.hash", f"{rel} has sha256:{facts.sha256}; datapackage.json says {digest}; {hint}", file=rel)
