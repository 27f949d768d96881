"""The contract rendered as schemas: JSON Schema (one typed row) and Frictionless Table Schema."""

from __future__ import annotations

from typing import Any

from bri_data.contract import model as C


def json_schema(table: C.Table) -> dict[str, Any]:
    """Draft 2020-12 schema of one typed row (integers as numbers, empty cells as null)."""
    props: dict[str, Any] = {}
    for col in table.columns:
        p: dict[str, Any] = {"description": col.description}
        p["type"] = col.type if col.required else [col.type, "null"]
        if col.pattern:
            p["pattern"] = f"^(?:{col.pattern})$"
        if col.vocabulary:
            p["enum"] = [*(col.enum or []), *([] if col.required else [None])]
            p["x-enumDescriptions"] = {t.value: t.definition for t in col.vocabulary}
        if col.minimum is not None:
            p["minimum"] = col.minimum
        if col.type == "string" and not col.vocabulary:
            if col.min_length is not None:
                p["minLength"] = col.min_length
            if col.max_length is not None:
                p["maxLength"] = col.max_length
        if col.references:
            target = "any table but citations" if col.references == "*" else col.references
            p["x-references"] = f"{target}.id"
        if col.check != "none":
            p["x-check"] = col.check
        props[col.name] = p
    return {
        "$schema": C.JSONSCHEMA_DIALECT,
        "$id": f"{C.SCHEMA_BASE_URI}{table.name}.schema.json",
        "title": f"bri-data {table.name} row",
        "description": table.description,
        "type": "object",
        "properties": props,
        "required": table.column_names,
        "additionalProperties": False,
    }


def table_schema(table: C.Table) -> dict[str, Any]:
    """Frictionless Table Schema (v2) of the CSV file."""
    fields = []
    for col in table.columns:
        cons: dict[str, Any] = {}
        if col.required:
            cons["required"] = True
        if col.name == "id":
            cons["unique"] = True
        if col.pattern:
            cons["pattern"] = col.pattern
        if col.vocabulary:
            cons["enum"] = col.enum
        if col.minimum is not None:
            cons["minimum"] = col.minimum
        if col.type == "string" and col.min_length is not None:
            cons["minLength"] = col.min_length
        if col.type == "string" and col.max_length is not None and not col.vocabulary:
            cons["maxLength"] = col.max_length
        f: dict[str, Any] = {"name": col.name, "type": col.type, "description": col.description}
        if cons:
            f["constraints"] = cons
        fields.append(f)
    fks = []
    for col in table.foreign_keys:
        if col.references == "*":
            continue  # polymorphic: enforced by `bri-data validate` (keys layer), not expressible here
        ref: dict[str, Any] = {"fields": ["id"]}
        if col.references != table.name:
            ref = {"resource": col.references, "fields": ["id"]}
        fks.append({"fields": [col.name], "reference": ref})
    schema: dict[str, Any] = {
        "$schema": C.TABLESCHEMA_PROFILE,
        "fields": fields,
        "missingValues": [""],
        "primaryKey": ["id"],
    }
    if fks:
        schema["foreignKeys"] = fks
    return schema
