"""Layer 1: datapackage.json is a Data Package v2 and agrees with the contract.

The structural rules below restate the Data Package v2 profile's requirements that
matter for a local, tabular package (the official `frictionless validate` runs in CI as
a second opinion); the contract rules compare each resource with what `bri-data build`
generates.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.schemas import table_schema
from bri_data.files.limits import MAX_DESCRIPTOR_BYTES, MAX_JSON_DEPTH
from bri_data.files.paths import Refused, open_member, unsafe_reason
from bri_data.findings import Report, short
from bri_data.validation.backends import SchemaError, compile_schema

DESCRIPTOR_FILE = "datapackage.json"

_PATH = {"type": "string", "minLength": 1}
# A restatement of the v2 profile's requirements (Data Package, Data Resource, Table Schema).
V2_RULES: dict[str, Any] = {
    "type": "object",
    "required": ["resources"],
    "properties": {
        "$schema": {"type": "string"},
        "name": {"type": "string"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "homepage": {"type": "string"},
        "version": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "keywords": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "licenses": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "anyOf": [{"required": ["name"]}, {"required": ["path"]}]},
        },
        "contributors": {"type": "array", "minItems": 1, "items": {"type": "object", "minProperties": 1}},
        "sources": {"type": "array", "items": {"type": "object", "minProperties": 1}},
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "oneOf": [{"required": ["name", "path"]}, {"required": ["name", "data"]}],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "path": {"oneOf": [_PATH, {"type": "array", "minItems": 1, "items": _PATH}]},
                    "type": {"enum": ["table"]},
                    "bytes": {"type": "integer", "minimum": 0},
                    "hash": {"type": "string", "pattern": "^([^:]+:[a-fA-F0-9]+|[a-fA-F0-9]{32})$"},
                    "schema": {
                        "type": "object",
                        "required": ["fields"],
                        "properties": {
                            "fields": {
                                "type": "array",
                                "items": {"type": "object", "required": ["name"]},
                            }
                        },
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class ResourceDecl:
    name: str
    path: object  # as written; checked for safety before use
    bytes: int | None
    hash: str | None


def read_descriptor(path: Path, report: Report) -> dict[str, Any] | None:
    """Parse datapackage.json; None (with a finding) when it cannot be used at all."""
    rel = path.name
    try:
        with open_member(path.parent, rel, "descriptor") as fh:
            raw = fh.read(MAX_DESCRIPTOR_BYTES + 1)
        if len(raw) > MAX_DESCRIPTOR_BYTES:
            raise Refused("too_large", f"more than {MAX_DESCRIPTOR_BYTES:,} bytes (README: Limits)")
        data = json.loads(raw.decode("utf-8"), parse_constant=_not_json, parse_float=_finite, object_pairs_hook=_unique_keys)
        problem = _beyond_limits(data)
    except Refused as exc:
        report.emit("descriptor.not_json", f"{rel} cannot be read: {exc.reason}", file=rel)
        return None
    except OSError as exc:
        report.emit("descriptor.not_json", f"{rel} cannot be read: {exc.strerror or exc}", file=rel)
        return None
    except RecursionError:
        problem = f"nested more than {MAX_JSON_DEPTH} levels deep (README: Limits)"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4,300 digits
        line = getattr(exc, "lineno", None)
        report.emit("descriptor.not_json", f"{rel} is not valid UTF-8 JSON: {exc}", file=rel, line=line)
        return None
    if problem is not None:
        report.emit("descriptor.not_json", f"{rel} is outside what bri-data reads: {problem}", file=rel)
        return None
    if not isinstance(data, dict):
        report.emit("descriptor.invalid", f"{rel} must be a JSON object, not {type(data).__name__}", file=rel, line=1)
        return None
    return data


def _not_json(name: str) -> Any:
    """NaN, Infinity and -Infinity: Python's json reads them, JSON (RFC 8259) has none."""
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    """A JSON number too large for a double (1e999) would be read as infinity: refused, as
    Infinity is."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is too large to be represented")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object without a key given twice: readers disagree on which value counts (Python's
    json keeps the last, others the first), so such a descriptor means two things."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key[:100]!r} appears twice in one object")
        seen[key] = value
    return seen


def _beyond_limits(data: Any) -> str | None:
    """What in parsed JSON no later step may meet: deep nesting (recursion in the schema
    engines), lone surrogates (not Unicode; the Rust engine cannot take them), integers
    beyond 64 bits."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep (README: Limits)"
        if isinstance(node, dict):
            stack.extend((k, depth) for k in node)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return f"a string with a lone surrogate escape ({short(node)}), which is not Unicode text"
        elif isinstance(node, int) and not isinstance(node, bool) and not -(1 << 63) <= node < (1 << 63):
            return f"an integer beyond 64 bits ({str(node)[:20]}…)"
    return None


def check_descriptor(desc: dict[str, Any], report: Report) -> dict[str, ResourceDecl]:
    """Report profile and contract problems; return the declared resources by name."""
    rel = DESCRIPTOR_FILE
    for err in compile_schema(V2_RULES).errors(desc):
        where = "/".join(str(p) for p in err.path) or "(top level)"
        report.emit("descriptor.invalid", f"{rel} at {where}: {_describe(err)}", file=rel, field=where)
    found = desc.get("resources")
    resources: list[Any] = found if isinstance(found, list) else []
    decls: dict[str, ResourceDecl] = {}
    for i, res in enumerate(resources):
        if isinstance(res, dict) and isinstance(res.get("name"), str) and res["name"] in decls:
            report.emit(
                "descriptor.invalid",
                f"{rel} at resources/{i}: resource name {short(res['name'])} is used twice; names must be unique (Data Package v2)",
                file=rel,
                field=f"resources/{i}/name",
            )
        elif isinstance(res, dict) and isinstance(res.get("name"), str):
            b, h = res.get("bytes"), res.get("hash")
            decls[res["name"]] = ResourceDecl(
                res["name"],
                res.get("path"),
                b if isinstance(b, int) and not isinstance(b, bool) else None,
                h if isinstance(h, str) else None,
            )
    _check_contract(desc, resources, decls, report)
    return decls


def _describe(err: SchemaError) -> str:
    """Engine-independent wording of a profile violation."""
    kw, exp = err.keyword, err.expected
    words = {
        "required": f"property {err.missing!r} is required",
        "type": f"must be of type {exp}",
        "minItems": f"must have at least {exp} item(s)",
        "minLength": "must not be empty",
        "minProperties": "must not be an empty object",
        "minimum": f"must be at least {exp}",
        "enum": f"must be one of {exp}",
        "pattern": f"does not match {exp}",
        "format": f"is not a valid {exp}",
        "anyOf": "matches none of the allowed forms (a license needs a name or a path)",
        "oneOf": "must match exactly one allowed form (a resource has either a path or inline data)",
    }
    return words.get(kw, f"fails the Data Package v2 rule {kw!r}")


def _check_contract(desc: dict[str, Any], resources: list[Any], decls: dict[str, ResourceDecl], report: Report) -> None:
    rel = DESCRIPTOR_FILE
    if desc.get("$schema") != C.DATAPACKAGE_PROFILE:
        report.emit("descriptor.contract", f"$schema must be {C.DATAPACKAGE_PROFILE} (Data Package v2)", file=rel, field="$schema")
    for key, want in C.package_metadata().items():  # what `info`, exports and readers show
        if key != "$schema" and key in desc and desc[key] != want:
            report.emit(
                "descriptor.contract",
                f"{key} {short(desc[key])} differs from the bri-data contract ({short(want)}); rerun `bri-data build`",
                file=rel,
                field=key,
            )
    for table in C.TABLES:
        decl = decls.get(table.name)
        if decl is None:
            report.emit("resource.missing", f"no resource named {table.name!r} in {rel}", file=rel, field="resources")
            continue
        res = next(r for r in resources if isinstance(r, dict) and r.get("name") == table.name)
        if res.get("schema") != table_schema(table):
            report.emit(
                "descriptor.contract",
                f"the Table Schema of resource {table.name!r} differs from the bri-data contract; "
                "run `bri-data build` (or fix the contract) so they agree",
                file=rel,
                field=f"resources/{table.name}/schema",
            )
        if decl.path != table.path and unsafe_reason(decl.path) is None:
            report.emit(
                "descriptor.contract",
                f"resource {table.name!r} has path {decl.path!r}; the contract expects {table.path!r}",
                file=rel,
                field=f"resources/{table.name}/path",
            )
    extra = [n for n in decls if n not in C.TABLES_BY_NAME]
    for name in extra:
        report.emit("descriptor.contract", f"resource {name!r} is not one of the bri-data tables", file=rel, field="resources")
