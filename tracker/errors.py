"""Friendly error pages (HTML) and JSON errors for API paths."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Check the form and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("Not allowed", "Your role does not give you access to this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "That upload is larger than the practice allows."),
    500: ("Something went wrong", "The error was logged. Nothing was saved; please try again."),
}


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


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    return is_api_request() or (request.accept_mimetypes.best == "application/json")


def api_problem(code: int, detail: str | None = None, error: Exception | None = None):
    """An error under /api/ as RFC 9457 problem+json, with the fields at fault if known."""
    from tracker.api.problems import flatten_messages, problem_response

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


def render_error(code: int, detail: str | None = None, error: Exception | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    if is_api_request():
        return api_problem(code, detail, error)
    message = detail or message
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app) -> None:
    for code in (400, 401, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: render_error(code, error=e))

    @app.errorhandler(HTTPException)
    def _any_http_error(e):
        # Under /api/ every error is problem+json (422 from validation, 429, 415...).
        if is_api_request() and e.code is not None and e.code >= 400:
            return api_problem(e.code, None, e)
        return e

    from tracker.api.problems import ApiProblem, problem_response

    @app.errorhandler(ApiProblem)
    def _api_problem(e):
        from tracker.extensions import db

        db.session.rollback()
        return problem_response(e.status, e.detail, e.errors, e.headers)

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(400, "The form expired or did not come from this site; reload it.")

    @app.errorhandler(500)
    def _server_error(e):
        from tracker.extensions import db

        db.session.rollback()
        return render_error(500)
