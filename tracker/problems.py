"""RFC 9457 problem details: every error under /api/ is ``application/problem+json``."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response

PROBLEM_JSON = "application/problem+json"


class ApiProblem(Exception):
    """Raised by the API's code to answer with a problem (the one way an endpoint says no)."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict] | None = None,
        headers: dict | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def invalid(errors: list[tuple[str, str]], detail: str | None = None) -> ApiProblem:
    """A 422 naming each bad field: ``[(field, message), ...]``."""
    return ApiProblem(
        422,
        detail or "The request is well-formed but some values are not acceptable.",
        [{"field": field, "message": message} for field, message in errors],
    )


def problem_response(
    status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None
) -> Response:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_path(parts: list) -> str:
    """``["checks", 3, "task"]`` -> ``checks[3].task``."""
    out = ""
    for part in parts:
        if isinstance(part, int):  # marshmallow names list items by index
            out += f"[{part}]"
        elif part == "_schema":
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def flatten_messages(messages, parts: list | None = None) -> list[dict]:
    """marshmallow's nested messages as ``[{"field", "message"}]``.

    webargs wraps them by location (``json``, ``query``, ``headers``), which is left out.
    """
    parts = parts or []
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not parts and key in ("json", "query", "headers", "files", "form", "view_args"):
                out += flatten_messages(value, [])
            else:
                out += flatten_messages(value, [*parts, key])
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                out += flatten_messages(item, parts)
            else:
                out.append({"field": field_path(parts), "message": str(item)})
    else:
        out.append({"field": field_path(parts), "message": str(messages)})
    return out
