"""``/api/docs``: the OpenAPI description as a readable page, rendered on the server from
the same spec that ``/api/v1/openapi.json`` serves (no CDN, no script)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict, node):
    """Follow a ``$ref`` inside the spec (one level at a time)."""
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].lstrip("#/").split("/")
        node = spec
        for part in path:
            node = node[part]
    return node


def _fields(spec: dict, schema, depth: int = 0) -> list[dict]:
    """A schema's properties as rows: name, type, required, notes (nested ones indented)."""
    schema = _resolve(spec, schema) or {}
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(spec, prop)
        kind = prop.get("type", "object")
        if isinstance(kind, list):
            kind = " or ".join(kind)
        items = prop.get("items")
        if kind == "array" and items:
            items = _resolve(spec, items)
            kind = f"array of {items.get('type', 'object')}"
        notes = []
        for key in ("format", "enum", "maxLength", "minimum", "maximum", "maxItems", "default"):
            if key in prop:
                notes.append(f"{key}: {prop[key]}")
        if prop.get("description"):
            notes.append(prop["description"])
        rows.append(
            {"name": name, "type": kind, "required": name in required, "notes": "; ".join(notes),
             "depth": depth}
        )  # fmt: skip
        nested = items if kind.startswith("array of object") else prop
        if depth < 2 and (nested.get("properties") or "$ref" in nested):
            rows += _fields(spec, nested, depth + 1)
    return rows


@bp.route("/api/docs")
def page():
    """Show the API's reference, generated from its OpenAPI description."""
    spec = current_app.extensions["tracker_api"].spec.to_dict()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = (((op.get("requestBody") or {}).get("content") or {}).get("application/json")
                    or {}).get("schema")  # fmt: skip
            responses = []
            for status, response in op.get("responses", {}).items():
                response = _resolve(spec, response)
                content = response.get("content") or {}
                media, schema = next(iter(content.items()), (None, {}))
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "media": media,
                        "fields": _fields(spec, (schema or {}).get("schema"))
                        if status.startswith("2")
                        else [],
                    }
                )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [_resolve(spec, p) for p in op.get("parameters", [])],
                    "body": _fields(spec, body) if body else [],
                    "responses": responses,
                    "anchor": f"{method}-{path}".replace("/", "-")
                    .replace("{", "")
                    .replace("}", ""),
                }
            )
    return render_template("api/docs.html", spec=spec, operations=operations)
