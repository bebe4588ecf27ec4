"""Friendly error pages (HTML) and JSON errors for API paths."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Check the form and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("Not allowed", "Your role does not give you access to this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "That upload is larger than the practice allows."),
    500: ("Something went wrong", "The error was logged. Nothing was saved; please try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    message = detail or message
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app) -> None:
    for code in (400, 401, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(400, "The form expired or did not come from this site; reload it.")

    @app.errorhandler(500)
    def _server_error(e):
        from tracker.extensions import db

        db.session.rollback()
        return render_error(500)
