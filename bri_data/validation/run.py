"""`validate()`: run all six layers over a package and return a Report.

Two engines give the same findings. The row engine (`rowengine`, default, fast to start)
streams each table row by row. The columnar engine (`columnar`, extra `bri-data[fast]`)
checks whole columns at once; `auto` picks it for large packages. The report names the
engine that produced it, and says why when that is not the one asked for:

- `--engine columnar` where polars is missing or too old is an error (exit 2);
  `auto` then runs the row engine and says so.
- Data that is not plain one-record-per-line CSV (bad bytes, CR, stray quotes, ragged
  rows) is declined by the columnar engine and checked by the row engine, which reports
  such problems line by line; the report says so, whichever engine was asked for.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from bri_data.contract import model as C
from bri_data.errors import UsageError
from bri_data.files.paths import resolve_package, unsafe_reason
from bri_data.findings import DEFAULT_MAX_PER_CODE, Report
from bri_data.validation import backends
from bri_data.validation.descriptor import ResourceDecl, check_descriptor, read_descriptor
from bri_data.validation.rowengine import compare_facts, run_rows

ENGINES = ("auto", "rows", "columnar")
# Above this many bytes of table data, `auto` uses the columnar engine when polars is
# installed: below it, importing polars costs more than it saves.
COLUMNAR_MIN_BYTES = 1 << 20


class EngineUnavailableError(UsageError):
    """`--engine columnar` was asked for but cannot run here (exit 2)."""


def validate(path: str | Path | None = None, max_per_code: int = DEFAULT_MAX_PER_CODE, engine: str = "auto") -> Report:
    """Validate the package at PATH (see `resolve_package`); raises PackageNotFoundError.

    ENGINE: `rows`, `columnar` (needs `bri-data[fast]`; raises EngineUnavailableError
    without it), or `auto`. `report.engine` says which engine ran, `report.engine_note` why.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if isinstance(max_per_code, bool) or not isinstance(max_per_code, int) or max_per_code < 1:
        # The CLI's `--max-findings` refuses these as it parses; a library caller is told here,
        # not by an IndexError at the first finding kept.
        raise UsageError(f"max_per_code must be a whole number of at least 1, got {max_per_code!r}")
    desc_path = resolve_package(path)
    root = desc_path.parent
    report = Report(str(desc_path), max_per_code=max_per_code, engine_requested=engine)
    desc = read_descriptor(desc_path, report)
    if desc is not None:
        _run(root, check_descriptor(desc, report), engine, report)
    note = backends.fallback_note()
    if note is not None:
        report.engine_note = f"{report.engine_note}; {note}" if report.engine_note else note
    return report


def _run(root: Path, decls: dict[str, ResourceDecl], engine: str, report: Report) -> None:
    if engine == "columnar" or (engine == "auto" and _input_bytes(root, decls) >= COLUMNAR_MIN_BYTES):
        # Imported here: the small packages (every CI job's) never load the engine's code.
        from bri_data.validation import columnar

        why_not = columnar.unavailable()
        if why_not is not None and engine == "columnar":
            raise EngineUnavailableError(f"the columnar engine cannot run: {why_not}")
        if why_not is not None:
            report.engine_note = f"columnar engine unavailable ({why_not}); the row engine ran"
        elif _run_columnar(root, decls, report):
            return
    run_rows(root, decls, report)
    report.engine = "rows"


def not_found_report(path: str | Path | None, exc: Exception, engine: str = "auto") -> Report:
    """The report for a package that is not there: one descriptor.not_found finding (exit 2)."""
    return _refused_report(path, "descriptor.not_found", exc, engine)


def usage_report(path: str | Path | None, exc: Exception, engine: str = "auto") -> Report:
    """The report for a check that could not run as asked (an engine that cannot run): one
    run.usage finding (exit 2), so that a machine format still has its document."""
    return _refused_report(path, "run.usage", exc, engine)


def _refused_report(path: str | Path | None, code: str, exc: Exception, engine: str) -> Report:
    where = Path(path) if path is not None else Path("datapackage.json")
    where = where if where.suffix == ".json" else where / "datapackage.json"
    report = Report(str(where), engine_requested=engine)
    report.emit(code, str(exc), file=where.name)
    return report


def _run_columnar(root: Path, decls: dict[str, ResourceDecl], report: Report) -> bool:
    """Run the columnar engine into REPORT; False (and a note) when it declines the data."""
    from bri_data.validation import columnar

    trial = Report(report.package, max_per_code=report.max_per_code)
    try:
        facts = columnar.ColumnarRun(root, decls, trial).run()
    except columnar.Unsupported as exc:
        report.engine_note = f"columnar engine declined the data ({exc}); the row engine checked it"
        return False
    report.merge(trial)
    report.engine = "columnar"
    for table in C.TABLES:
        decl = decls[table.name]
        compare_facts(table, str(decl.path), decl.bytes, decl.hash, facts[table.name], report)
    return True


def _input_bytes(root: Path, decls: dict[str, ResourceDecl]) -> int:
    """Bytes of the declared table files that validate may read (unsafe paths count 0) and
    of the seeds folder: large seeds cost the row engine's alias index more than tables."""
    total = 0
    with contextlib.suppress(OSError):
        total += sum(p.lstat().st_size for p in (root / "seeds").iterdir() if p.is_file() and not p.is_symlink())
    for d in decls.values():
        if isinstance(d.path, str) and unsafe_reason(d.path) is None:
            with contextlib.suppress(OSError, ValueError):  # missing or unreadable: the engines report it
                total += (root / d.path).stat().st_size
    return total
