"""RFC 9457 problem details: every error under /api/ is ``application/problem+json``; the
API's words for each status, ApiProblem (how an endpoint says no) and the response, in one
place."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


#: What the API says for each error when nothing more precise is known.
API_MESSAGES = {
    400: "The request is malformed: send a JSON body with Content-Type application/json.",
    401: "A valid API token is required: Authorization: Bearer <token>.",
    403: "This token's scopes or its person's role do not allow this call.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That method is not allowed on this path.",
    413: "The request is larger than the practice allows.",
    415: "Send JSON with Content-Type application/json.",
    429: "Too many requests for this token; wait as Retry-After says.",
    500: "Something went wrong; nothing was saved.",
}


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


def api_errors(refused) -> list[dict]:
    """The problem+json ``errors`` list: ``[{"field": "reason", "message": "..."}]``."""
    return [{"field": p.place or "body", "message": p.message} for p in refused.problems]


def api_problem(code: int, detail: str | None = None, error: Exception | None = None):
    """An error under /api/ as RFC 9457 problem+json, with the fields at fault if known."""
    errors = None
    data = getattr(error, "data", None)
    if isinstance(data, dict) and data.get("messages") is not None and code in (400, 422):
        errors = flatten_messages(data["messages"])
        if code == 400:
            detail = "The request body is not valid JSON."
            errors = None
        else:
            detail = "Some values are missing or not acceptable; see errors."
    headers = {}
    if isinstance(error, HTTPException) and error.response is None:
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if code == 405 and isinstance(error, HTTPException) and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(code, detail or API_MESSAGES.get(code, "Error."), errors, headers)
