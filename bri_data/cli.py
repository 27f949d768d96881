"""The `bri-data` command line: one library call per command, rendered here.

This is the only module that imports typer; library errors become exit codes here.
Exit codes: 0 valid/ok, 1 invalid data or not found, 2 usage or unreadable input.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from bri_data.errors import BriDataError, InvalidPackageError, LookupFailedError, PackageNotFoundError
from bri_data.files.paths import PackageChoice, choose_package
from bri_data.findings import printable, utf8_safe

app = typer.Typer(
    name="bri-data",
    help="Validate, inspect and use the bri-data package (Belarus, BRICS and the 2024 Kazan summit).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help is plain text: with Rich markup, "bri-data[fast]" would print as "bri-data".
    rich_markup_mode=None,
)


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


class Engine(str, enum.Enum):
    auto = "auto"
    rows = "rows"
    columnar = "columnar"


class PlainFormat(str, enum.Enum):
    text = "text"
    json = "json"


FormatOpt = Annotated[PlainFormat, typer.Option("--format", "-f", help="text or json.")]

# Which package a command reads without PATH: the curators' commands (validate, coverage,
# locate) work on the checkout they are run in; the readers' commands (info, show, export,
# timeline) use the installed package, so a foreign datapackage.json in the working
# directory never changes what they show. Either way the command says which one it used.
WorkingPathArg = Annotated[
    Path | None,
    typer.Argument(help="A datapackage.json or a folder holding one. Default: ./datapackage.json if present, else the installed package."),
]
InstalledPathArg = Annotated[
    Path | None,
    typer.Argument(help="A datapackage.json or a folder holding one. Default: the installed package."),
]
InstalledPackageOpt = Annotated[
    Path | None,
    typer.Option("--package", help="A datapackage.json or a folder holding one. Default: the installed package."),
]


T = TypeVar("T")


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call one library function; its typed errors become a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except BriDataError as exc:
        _fail(exc)


def _package(path: Path | None, prefer_working_directory: bool) -> Path:
    """The descriptor a command reads (exit 2 when there is none there)."""
    return _announce(_call(choose_package, path, prefer_working_directory))


def _announce(choice: PackageChoice) -> Path:
    """Say on stderr which package is used when no PATH was given."""
    if choice.origin == "working directory":
        _echo(f"bri-data: using the package in the working directory: {choice.descriptor}", err=True)
    elif choice.origin == "installed":
        _echo(f"bri-data: using the installed package: {choice.descriptor}", err=True)
    return choice.descriptor


def _echo(text: str, err: bool = False) -> None:
    """Human-readable output: data is printed with control characters escaped."""
    typer.echo(printable(text), err=err)


def _json(doc: object) -> None:
    typer.echo(utf8_safe(json.dumps(doc, ensure_ascii=False, indent=2)))


def _fail(exc: BriDataError) -> NoReturn:
    """Library errors end here: one line on stderr, exit 1 (data) or 2 (usage/unreadable)."""
    # An invalid package is a data problem (1), unless the report says it was unreadable (2).
    data_problem = isinstance(exc, LookupFailedError) or (isinstance(exc, InvalidPackageError) and exc.report.exit_code == 1)
    hint = "; run `bri-data validate` for the findings" if isinstance(exc, InvalidPackageError) else ""
    _echo(f"bri-data: error: {exc}{hint}", err=True)
    raise typer.Exit(1 if data_problem else 2) from None


def _version(value: bool) -> None:
    if value:
        from bri_data.contract.model import PACKAGE_NAME, VERSION

        typer.echo(f"{PACKAGE_NAME} {VERSION}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version (of the code and of the data) and exit.")] = False,
) -> None:
    """Validate, inspect and use the bri-data package (Belarus, BRICS and the 2024 Kazan summit)."""


@app.command()
def validate(
    path: WorkingPathArg = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format: text, json or github (Actions annotations).")] = Format.text,
    max_findings: Annotated[int, typer.Option("--max-findings", min=1, help="Show at most this many findings per code; the rest are counted.")] = 100,
    engine: Annotated[Engine, typer.Option("--engine", help="rows, columnar (needs bri-data[fast]) or auto: columnar for large packages when installed.")] = Engine.auto,
) -> None:
    """Check the package: descriptor, rows, keys, provenance, semantics and consistency (exit 0 valid, 1 invalid, 2 unreadable)."""
    from bri_data.validation.reporters import REPORTERS
    from bri_data.validation.run import not_found_report, usage_report
    from bri_data.validation.run import validate as run

    # The machine formats always print their document (a CI job parses stdout), also when
    # nothing could be checked: then it holds one finding saying why, exit 2.
    chosen: Path | None = None
    try:
        chosen = _announce(choose_package(path, True))
        report = run(chosen, max_per_code=max_findings, engine=engine.value)
    except PackageNotFoundError as exc:
        if format is Format.text:
            _fail(exc)
        report = not_found_report(chosen or path, exc, engine.value)
    except BriDataError as exc:
        if format is Format.text:
            _fail(exc)
        report = usage_report(chosen or path, exc, engine.value)
    sys.stdout.write(REPORTERS[format.value](report))
    raise typer.Exit(report.exit_code)


@app.command()
def build(
    root: Annotated[Path, typer.Argument(help="The checkout to rebuild (holds datapackage.json, data/, schemas/).")] = Path("."),
    check: Annotated[bool, typer.Option("--check", help="Only report drift; exit 1 if a generated file is out of date.")] = False,
    docs: Annotated[bool, typer.Option("--docs/--no-docs", help="Also regenerate (or with --check, check) the generated docs; only for a valid package.")] = True,
) -> None:
    """Regenerate schemas/*.schema.json and datapackage.json (Table Schemas, bytes, hashes) from the contract, and (--docs, for a valid package) the generated docs: docs/tables.md, docs/validate-report.schema.json, DATASHEET.md, docs/timeline.svg, docs/package-index.md, README's code table, CITATION.cff's version."""
    from bri_data.build.generate import build as run
    from bri_data.build.generate import check as run_check

    if check:
        drift = _call(run_check, root, docs=docs)
        for rel in drift.stale:
            _echo(f"out of date: {rel}")
        if drift.docs_skipped:
            _echo(f"docs not checked: {drift.docs_skipped}", err=True)
        raise typer.Exit(1 if drift.stale or drift.docs_skipped else 0)
    result = _call(run, root, docs=docs)
    for rel in result.written:
        _echo(f"wrote {rel}")
    if not result.written:
        _echo("up to date")
    if result.docs_skipped:
        _echo(f"docs not regenerated: {result.docs_skipped}", err=True)


@app.command()
def locate(
    text: Annotated[str, typer.Argument(help="The exact text to find, within one line of a seed.")],
    source: Annotated[str | None, typer.Option("--source", "-s", help="Search only this source id.")] = None,
    record: Annotated[str, typer.Option("--record", "-r", help="record_id to put in the citation row.")] = "RECORD-ID",
    path: Annotated[Path | None, typer.Option("--package", help="Package to search. Default: ./datapackage.json if present, else the installed package.")] = None,
    format: FormatOpt = PlainFormat.text,
) -> None:
    """Find TEXT in the seeds; print source, line and offsets, and a ready-to-paste citation row."""
    from bri_data.dataset.curation import locate_in_package

    found = _call(locate_in_package, text, source=source, path=_package(path, True))
    if format is PlainFormat.json:
        _json(found.to_dict(record))
        return
    s = found.span
    _echo(f"source_id={s.source_id} line={s.line} char_start={s.char_start} char_end={s.char_end}")
    _echo(found.citation_row(record))


@app.command()
def coverage(
    path: WorkingPathArg = None,
    format: FormatOpt = PlainFormat.text,
) -> None:
    """Per seed: how many body sentences at least one valid citation touches, and which are uncited; then the quality figures."""
    from bri_data.dataset.curation import coverage as run

    result = _call(run, _package(path, True))
    if format is PlainFormat.json:
        _json(result.to_dict())
        return
    for seed in result.seeds:
        _echo(f"{seed.source_id} ({seed.path}): {seed.cited}/{seed.total} body sentences cited ({seed.percent:.1f}%)")
        for sent in seed.uncited:
            _echo(f"  line {sent.line} [{sent.char_start}:{sent.char_end}): {sent.text}")
    q = result.quality

    def kinds(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in counts.items()) or "none"

    _echo(f"events dated or bounded: {q.events_dated}/{q.events}")
    _echo(f"actors used: {q.actors_used}/{q.actors}")
    _echo(f"relations: {kinds(q.relations)}; cross-source: {kinds(q.cross_source)}")
    _echo(f"conflicts recorded (contradicts): {q.conflicts}")


class ExportFormat(str, enum.Enum):
    sqlite = "sqlite"
    duckdb = "duckdb"
    parquet = "parquet"


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Argument(help="sqlite, duckdb, or parquet (a folder OUT/<table>/<table>.parquet; read one table's folder at a time).")],
    out: Annotated[Path, typer.Argument(help="Output file (or folder for parquet).")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists and is empty or a file of the kind written.")] = False,
    path: InstalledPackageOpt = None,
    metadata: Annotated[Path | None, typer.Option("--metadata", help="sqlite only: also write Datasette metadata (titles, licence, descriptions) to this JSON file.")] = None,
) -> None:
    """Export the tables to SQLite (constraints, views, FTS5), DuckDB or Parquet; never half-written."""
    from bri_data.exports.writers import export as run

    result = _call(run, format.value, out, force=force, path=_package(path, False), metadata=metadata)
    for note in result.notes:  # what the validation before the export said besides "valid"
        _echo(f"bri-data: note: {note}", err=True)
    rows = ", ".join(f"{t} {n}" for t, n in result.rows.items())
    _echo(f"wrote {result.out} ({result.format}: {rows}; validated first, engine: {result.engine or 'none'})")
    if result.metadata is not None:
        _echo(f"wrote {result.metadata} (Datasette metadata: datasette {result.out} -m {result.metadata})")


def _highlight(before: str, quote: str, after: str, color: bool) -> str:
    """The quote marked in its line; the line is escaped first, so only our marks are codes."""
    mark = ("\x1b[1;4m", "\x1b[0m") if color else ("[[", "]]")
    return f"{printable(before)}{mark[0]}{printable(quote)}{mark[1]}{printable(after)}"


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(help="Any record id, e.g. act-lukashenka or stm-...")],
    path: InstalledPackageOpt = None,
    format: FormatOpt = PlainFormat.text,
) -> None:
    """Show a record, its linked records, its relations and each citation in its seed line (span highlighted)."""
    from bri_data.dataset.lookup import show as run

    v = _call(run, record_id, _package(path, False))
    if format is PlainFormat.json:
        _json(v.to_dict())
        return
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    _echo(f"{record_id} ({v.table})")
    for key, value in v.record.items():
        if value is not None and key != "id":
            _echo(f"  {key}: {value}" + (f"  ({v.labels[key]})" if key in v.labels else ""))
    if v.referrers:
        _echo("referred to by:")
        for r in v.referrers:
            _echo(f"  {r['table']}.{r['column']}: {r['id']}")
    if v.relations:
        _echo("relations:")
        for rel in v.relations:
            other = f"{rel.other_id} ({rel.other_label})"
            _echo(f"  {rel.relation_id}: " + (f"this {rel.kind} {other}" if rel.direction == "to" else f"{other} {rel.kind} this"))
            _echo(f"    {rel.note}")
    _echo("citations:")
    for c in v.citations:
        _echo(f"  {c.citation_id} [{c.role}] {c.seed_path}:{c.line} [{c.char_start}:{c.char_end})")
        typer.echo(f"    {_highlight(c.before, c.quote, c.after, color)}")


@app.command()
def info(path: InstalledPathArg = None, format: FormatOpt = PlainFormat.text) -> None:
    """Package name, version, tables with row counts, and sources."""
    from bri_data.dataset.lookup import info as run

    i = _call(run, _package(path, False))
    if format is PlainFormat.json:
        _json(i.to_dict())
        return
    _echo(f"{i.name} {i.version} at {i.root}")
    for table, n in i.tables.items():
        _echo(f"  {table:<12} {n:>5} rows")
    for s in i.sources:
        _echo(f"  {s['id']}: {s['path']} ({s.get('title') or 'untitled'}; {s.get('author') or 'no byline'}; {s.get('published') or 'undated'})")


@app.command()
def timeline(
    out: Annotated[Path, typer.Argument(help="OUT.svg or OUT.png (PNG needs bri-data[plot]).")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists and is empty or a file of the kind written.")] = False,
    path: InstalledPackageOpt = None,
) -> None:
    """Draw events on a time axis and membership spells as bars, with date uncertainty shown, as SVG or PNG (PNG needs bri-data[plot])."""
    from bri_data.build.timeline import render

    written = _call(render, out, path=_package(path, False), force=force)
    _echo(f"wrote {written}")


def _terminate(signum: int, frame: object) -> NoReturn:
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks remove temp files (exit 128+15).
    raise SystemExit(128 + signum)


@app.command()
def site(
    out: Annotated[Path, typer.Argument(help="Folder to write the site to (open OUT/index.html in a browser).")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is an empty folder or a site bri-data wrote earlier, holding only the files it wrote, unchanged.")] = False,
    path: InstalledPackageOpt = None,
) -> None:
    """Write a static website: the seeds with cited spans highlighted, a page per record, table indexes, search (needs bri-data[site])."""
    from bri_data.build.site import write_site

    result = _call(write_site, out, force=force, path=_package(path, False))
    _echo(
        f"wrote {result.out} ({result.pages} pages: {result.seeds} seeds, {result.records} records, "
        f"{result.citations} citations highlighted); open {result.out / 'index.html'}"
    )


def main() -> None:  # console-script entry point
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    app()
