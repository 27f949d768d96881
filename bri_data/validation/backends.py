"""JSON Schema engines behind one interface, normalised to `SchemaError`.

`jsonschema-rs` (Rust) is the default: it starts fast and validates rows ~10x faster.
The pure-Python reference `jsonschema` is the fallback and the differential oracle in the
tests (tests/test_engines.py): both must report the same (field, keyword) pairs.
Choose with the BRI_DATA_SCHEMA_BACKEND environment variable (`rs` or `python`); another
value is a usage error, and a fallback to `python` (jsonschema-rs cannot be imported) is
said in the report (`fallback_note`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from bri_data.errors import UsageError


@dataclass(frozen=True)
class SchemaError:
    keyword: str  # the failing JSON Schema keyword: type, enum, pattern, required, ...
    field: str | None  # top-level property, or None for the object itself
    expected: Any  # the keyword's value in the schema
    instance: Any  # the failing value
    missing: str | None = None  # for `required`: the absent property
    path: tuple[str | int, ...] = ()  # full instance path (for nested documents)
    message: str = ""  # the engine's own wording (used for descriptors, not rows)


class RowValidator(Protocol):
    def errors(self, instance: dict[str, Any]) -> Iterator[SchemaError]: ...


def _keyword_value(schema: dict[str, Any], path: list[Any]) -> Any:
    node: Any = schema
    for part in path:
        node = node[part]
    return node


class RustValidator:
    name = "rs"

    def __init__(self, schema: dict[str, Any]) -> None:
        import jsonschema_rs

        self.schema = schema
        self._v = jsonschema_rs.validator_for(schema, validate_formats=True)

    def errors(self, instance: dict[str, Any]) -> Iterator[SchemaError]:
        if self._v.is_valid(instance):  # the common case: one fast call, no error objects
            return
        for e in self._v.iter_errors(instance):
            path = list(e.schema_path)
            keyword = str(path[-1]) if path else "schema"
            field = str(e.instance_path[0]) if len(e.instance_path) else None
            missing = getattr(e.kind, "property", None) if keyword == "required" else None
            yield SchemaError(
                keyword, field, _keyword_value(self.schema, path), e.instance, missing, tuple(e.instance_path), e.message
            )


def ecma_end(pattern: str) -> str:
    """PATTERN with every unescaped `$` outside a character class made `\\Z`.

    JSON Schema patterns are ECMA-262 regexes, whose `$` (no multiline flag) matches only
    at the very end, as in jsonschema-rs; Python's `$` also matches before a final
    newline, so `^(?:act-x)$` would accept "act-x\\n". The reference backend must agree.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append("\\Z" if ch == "$" and not in_class else ch)
        i += 1
    return "".join(out)


class PythonValidator:
    name = "python"

    def __init__(self, schema: dict[str, Any]) -> None:
        import re

        from jsonschema import Draft202012Validator, FormatChecker
        from jsonschema.exceptions import ValidationError
        from jsonschema.validators import extend

        def pattern(validator: Any, patrn: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
            if validator.is_type(instance, "string") and not re.search(ecma_end(patrn), instance):
                yield ValidationError(f"{instance!r} does not match {patrn!r}")

        Draft202012Validator.check_schema(schema)
        cls = extend(Draft202012Validator, {"pattern": pattern})
        self._v = cls(schema, format_checker=FormatChecker())

    def errors(self, instance: dict[str, Any]) -> Iterator[SchemaError]:
        for e in self._v.iter_errors(instance):
            field = str(e.path[0]) if e.path else None
            missing = None
            if e.validator == "required":
                missing = e.message.split("'")[1] if e.message.count("'") >= 2 else None
            yield SchemaError(
                str(e.validator), field, e.validator_value, e.instance, missing, tuple(e.absolute_path), e.message
            )


BACKENDS = ("rs", "python")
_fallback: list[str] = []  # why the pure-Python backend stood in for jsonschema-rs, once said


def compile_schema(schema: dict[str, Any], engine: str | None = None) -> RowValidator:
    choice = engine or os.environ.get("BRI_DATA_SCHEMA_BACKEND", "rs")
    if choice not in BACKENDS:
        raise UsageError(f"BRI_DATA_SCHEMA_BACKEND={choice!r}: use one of {', '.join(BACKENDS)}")
    if choice == "python":
        return PythonValidator(schema)
    try:
        return RustValidator(schema)
    except ImportError as exc:  # jsonschema-rs has no wheel for this platform: stay correct, be slower
        if not _fallback:
            _fallback.append(f"JSON Schema backend: pure-Python jsonschema (jsonschema-rs cannot be imported: {exc})")
        return PythonValidator(schema)


def fallback_note() -> str | None:
    """What the report says when the backend asked for could not run, else None."""
    return _fallback[0] if _fallback else None
