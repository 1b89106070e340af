"""The facts-file reference in Markdown, generated from the model like the JSON Schema."""

from __future__ import annotations

from typing import Any

from generator.facts import json_schema


def _type_text(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "mapping"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"]) if len(prop["enum"]) <= 12 else "catalog id"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop or "oneOf" in prop:
        kinds = [_type_text(p, defs) for p in prop.get("anyOf", prop.get("oneOf", [])) if p.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds))
    if prop.get("type") == "array":
        return f"list of {_type_text(prop.get('items', {}), defs)}"
    fmt = prop.get("format")
    return {"email": "email", "uri": "URL", "date": "date"}.get(fmt, prop.get("type", "value"))


def _rows(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> list[str]:
    rows = []
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        target = prop
        for option in prop.get("anyOf", []):
            if "$ref" in option:
                target = option
        mark = "yes" if name in required else ""
        default = prop.get("default")
        default_text = "" if default in (None, [], {}) or "$ref" in target else f"`{default}`"
        description = prop.get("description", "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type_text(prop, defs)} | {mark} | {default_text} | {description} |")
        if "$ref" in target:
            sub = defs[target["$ref"].split("/")[-1]]
            if sub.get("properties"):
                rows.extend(_rows(sub, defs, key + "."))
    return rows


def facts_reference() -> str:
    schema = json_schema()
    defs = schema.get("$defs", {})
    lines = [
        "# Facts file reference (schema_version 1)",
        "",
        "Generated from the facts model by `policygen schema --markdown`; do not edit by hand.",
        "The JSON Schema (`policygen schema`) comes from the same model.",
        "",
        "| key | type | required | default | what it means |",
        "|---|---|---|---|---|",
        *_rows(schema, defs),
        "",
    ]
    return "\n".join(lines)
