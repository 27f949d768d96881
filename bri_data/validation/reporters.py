"""Render a validation Report as text, JSON or GitHub workflow commands.

A registry keyed by format name, as check-jsonschema does. The JSON shape is a
committed interface (documented in README, "Output formats"); bump `JSON_VERSION` on any
incompatible change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from bri_data.findings import CODES, Finding, Report, printable, utf8_safe

# 2: the `engine` object (which engine ran, and why when not the one asked for).
JSON_VERSION = 2


def _where(f: Finding) -> str:
    loc = f.file or "(package)"
    if f.line:
        loc += f":{f.line}"
    return loc


def _labelled(f: Finding) -> str:
    """The message behind the field and record it concerns: `[field] (record) message`."""
    what = " ".join(x for x in (f.field and f"[{f.field}]", f.record_id and f"({f.record_id})") if x)
    return f"{what} {f.message}" if what else f.message


def text(report: Report) -> str:
    out = []
    for f in report.sorted_findings():
        out.append(f"{_where(f)}: {f.code}: {_labelled(f)}")
    for code, n in report.omitted.items():
        out.append(f"... and {n} more {code} finding(s) not shown (raise --max-findings to see them)")
    if report.engine_note:
        out.append(f"note: {report.engine_note}")
    if report.valid:
        rows = sum(report.rows_checked.values())
        out.append(f"valid: {report.package} ({rows} rows in {len(report.rows_checked)} tables, all checks passed; engine: {report.engine or 'none'})")
    else:
        total = sum(report.counts.values())
        out.append(f"invalid: {report.package}: {total} finding(s) in {len(report.counts)} code(s); engine: {report.engine or 'none'}")
    return "\n".join(printable(line) for line in out) + "\n"  # data never reaches the terminal raw


def as_json(report: Report) -> str:
    doc = {
        "version": JSON_VERSION,
        "package": report.package,
        "valid": report.valid,
        "exit_code": report.exit_code,
        "counts": dict(sorted(report.counts.items())),
        "omitted": report.omitted,
        "rows_checked": report.rows_checked,
        "engine": {"requested": report.engine_requested, "used": report.engine, "note": report.engine_note},
        "findings": [f.to_dict() for f in report.sorted_findings()],
    }
    return utf8_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def report_schema() -> dict[str, object]:
    """JSON Schema (Draft 2020-12) of the `--format json` document: the committed interface."""
    layers = sorted({layer for layer, _ in CODES.values()})
    nullable_str = {"type": ["string", "null"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://bri-data.invalid/schemas/validate-report.schema.json",
        "title": "bri-data validate --format json",
        "type": "object",
        "required": ["version", "package", "valid", "exit_code", "counts", "omitted", "rows_checked", "engine", "findings"],
        "additionalProperties": False,
        "properties": {
            "version": {"const": JSON_VERSION, "description": "Bumped on any incompatible change."},
            "package": {"type": "string", "description": "The datapackage.json validated."},
            "valid": {"type": "boolean"},
            "exit_code": {"enum": [0, 1, 2], "description": "0 valid, 1 invalid data, 2 unreadable input."},
            "counts": {
                "type": "object",
                "propertyNames": {"enum": list(CODES)},
                "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "Every finding, counted per code.",
            },
            "omitted": {
                "type": "object",
                "propertyNames": {"enum": list(CODES)},
                "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "Per code, findings counted but not listed (see --max-findings).",
            },
            "rows_checked": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "engine": {
                "type": "object",
                "required": ["requested", "used", "note"],
                "additionalProperties": False,
                "description": "The engine that produced the findings; `note` says why it is not the one requested.",
                "properties": {
                    "requested": {"enum": ["auto", "rows", "columnar"]},
                    "used": {"enum": ["rows", "columnar", None], "description": "null: the descriptor could not be read, no table was checked."},
                    "note": nullable_str,
                },
            },
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "layer", "message", "file", "line", "field", "record_id"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"enum": list(CODES)},
                        "layer": {"enum": layers},
                        "message": {"type": "string", "minLength": 1},
                        "file": nullable_str,
                        "line": {"type": ["integer", "null"], "minimum": 1},
                        "field": nullable_str,
                        "record_id": nullable_str,
                    },
                },
            },
        },
    }


def _escape_data(s: str) -> str:
    # Workflow-command escapes first; other control characters (ANSI colours) then shown as escapes.
    return printable(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    """`::error file=…,line=…,title=…::message` lines (GitHub Actions workflow commands).

    File paths are made relative to the working directory, as annotations require.
    """
    root = Path(report.package).parent
    out = []
    for f in report.sorted_findings():
        props = []
        if f.file:
            path = root / f.file
            try:
                shown = os.path.relpath(path)
            except ValueError:  # another drive on Windows
                shown = str(path)
            props.append(f"file={_escape_property(shown.replace(os.sep, '/'))}")
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f.code)}")
        out.append(f"::error {','.join(props)}::{_escape_data(_labelled(f))}")
    for code, n in report.omitted.items():
        out.append(f"::warning title={_escape_property(code)}::{n} more {code} finding(s) not shown")
    if report.engine_note:
        out.append(f"::notice title=bri-data engine::{_escape_data(report.engine_note)}")
    summary = "valid" if report.valid else f"invalid: {sum(report.counts.values())} finding(s)"
    out.append(f"::notice title=bri-data validate::{_escape_data(summary)}")
    return "\n".join(out) + "\n"


REPORTERS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json, "github": github}


def codes_table() -> str:
    """Markdown table of all finding codes (for the README)."""
    rows = ["| code | layer | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{c}` | {layer} | {meaning} |" for c, (layer, meaning) in CODES.items()]
    return "\n".join(rows) + "\n"
