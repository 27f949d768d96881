"""The `bri-data` command line: one library call per command, rendered here.

This is the only module that imports typer; library errors become exit codes here.
Exit codes: 0 valid/ok, 1 invalid data or not found, 2 usage or unreadable input.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from bri_data.errors import BriDataError, LookupFailedError, PackageNotFoundError

app = typer.Typer(
    name="bri-data",
    help="Validate, inspect and use the bri-data package (Belarus, BRICS and the 2024 Kazan summit).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


class PlainFormat(str, enum.Enum):
    text = "text"
    json = "json"


PathArg = Annotated[
    Optional[Path],
    typer.Argument(help="A datapackage.json or a folder holding one. Default: ./datapackage.json if present, else the installed package."),
]


def _fail(exc: BriDataError) -> NoReturn:
    code = 1 if isinstance(exc, LookupFailedError) else 2
    typer.echo(f"bri-data: error: {exc}", err=True)
    raise typer.Exit(code) from None


@app.command()
def validate(
    path: PathArg = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format: text, json or github (Actions annotations).")] = Format.text,
    max_findings: Annotated[int, typer.Option("--max-findings", min=1, help="Show at most this many findings per code; the rest are counted.")] = 100,
) -> None:
    """Check the package: descriptor, rows, keys, provenance and semantics (exit 0 valid, 1 invalid, 2 unreadable)."""
    from bri_data.reporters import REPORTERS
    from bri_data.validator import validate as run

    try:
        report = run(path, max_per_code=max_findings)
    except BriDataError as exc:
        _fail(exc)
    sys.stdout.write(REPORTERS[format.value](report))
    raise typer.Exit(report.exit_code)


@app.command()
def build(
    root: Annotated[Path, typer.Argument(help="The checkout to rebuild (holds datapackage.json, data/, schemas/).")] = Path("."),
    check: Annotated[bool, typer.Option("--check", help="Only report drift; exit 1 if a generated file is out of date.")] = False,
) -> None:
    """Regenerate schemas/*.schema.json and datapackage.json (Table Schemas, bytes, hashes) from the contract."""
    from bri_data.generate import build as run
    from bri_data.generate import drift

    if not (root / "data").is_dir():
        _fail(PackageNotFoundError(f"{root} has no data/ folder; run build in the package checkout"))
    if check:
        stale = drift(root)
        for rel in stale:
            typer.echo(f"out of date: {rel}")
        raise typer.Exit(1 if stale else 0)
    changed = run(root)
    typer.echo("\n".join(f"wrote {rel}" for rel in changed) if changed else "up to date")


@app.command()
def locate(
    text: Annotated[str, typer.Argument(help="The exact text to find, within one line of a seed.")],
    source: Annotated[Optional[str], typer.Option("--source", "-s", help="Search only this source id.")] = None,
    record: Annotated[str, typer.Option("--record", "-r", help="record_id to put in the citation row.")] = "RECORD-ID",
    path: Annotated[Optional[Path], typer.Option("--package", help="Package to search (default as for validate).")] = None,
    format: Annotated[PlainFormat, typer.Option("--format", "-f", help="text or json.")] = PlainFormat.text,
) -> None:
    """Find TEXT in the seeds; print source, line and offsets, and a ready-to-paste citation row."""
    from bri_data.curation import locate_in_package

    try:
        found = locate_in_package(text, source=source, path=path)
    except BriDataError as exc:
        _fail(exc)
    if format is PlainFormat.json:
        typer.echo(json.dumps(found.to_dict(record), ensure_ascii=False, indent=2))
        return
    s = found.span
    typer.echo(f"source_id={s.source_id} line={s.line} char_start={s.char_start} char_end={s.char_end}")
    typer.echo(found.citation_row(record))


@app.command()
def coverage(
    path: PathArg = None,
    format: Annotated[PlainFormat, typer.Option("--format", "-f", help="text or json.")] = PlainFormat.text,
) -> None:
    """Per seed: how many body sentences at least one valid citation touches, and which are uncited."""
    from bri_data.curation import coverage as run

    try:
        result = run(path)
    except BriDataError as exc:
        _fail(exc)
    if format is PlainFormat.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    for seed in result.seeds:
        typer.echo(f"{seed.source_id} ({seed.path}): {seed.cited}/{seed.total} body sentences cited ({seed.percent:.1f}%)")
        for sent in seed.uncited:
            typer.echo(f"  line {sent.line} [{sent.char_start}:{sent.char_end}): {sent.text}")


def main() -> None:  # console-script entry point
    app()
