"""How the app says no: ``Refused`` from a verb, and the HTML and JSON error pages.

A verb that cannot do what it is asked raises ``Refused([Problem(field, message), ...])``.
Each entry point shows the same problems its own way: a form next to its fields
(``show_on_form``), the command line one line each (``cli_lines``), the API as
problem+json naming each field (``api_errors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.problems import ApiProblem, api_errors, api_problem, problem_response


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a change: the field at fault (None: the change as a whole)."""

    field: str | None
    message: str
    #: Where the input came from, when it is one of many: ``shifts[4]`` in a practice file,
    #: a row number in a CSV file. None for a form or a single API body.
    where: str | int | None = None

    def at(self, where: str | int) -> Problem:
        """The same problem, found at ``where`` in a file of many entries."""
        return replace(self, where=where)

    @property
    def place(self) -> str | None:
        """``shifts[4].starts_at``, ``shifts[4]``, ``starts_at`` or None."""
        parts = [str(p) for p in (self.where, self.field) if p is not None and p != ""]
        return ".".join(parts) or None

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class Refused(ValueError):
    """A change that cannot be made; ``problems`` says every reason, each with its field."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def because(cls, message: str, field: str | None = None) -> Refused:
        """A refusal for one reason."""
        return cls([Problem(field, message)])

    def at(self, where: str | int) -> Refused:
        """The same refusal, located in a file of many entries."""
        return Refused(p.at(where) for p in self.problems)

    @property
    def by_field(self) -> dict[str | None, list[str]]:
        """The messages per field, in the order found."""
        out: dict[str | None, list[str]] = {}
        for problem in self.problems:
            out.setdefault(problem.field, []).append(problem.message)
        return out


class Problems:
    """Collects problems while checking a change; ``raise_any`` refuses if there are some."""

    def __init__(self):
        self.items: list[Problem] = []

    def add(self, field: str | None, message: str) -> None:
        self.items.append(Problem(field, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __contains__(self, field: str) -> bool:
        return any(p.field == field for p in self.items)

    def raise_any(self) -> None:
        if self.items:
            raise Refused(self.items)


def show_on_form(form, refused: Refused, fields: Mapping[str, str] | None = None) -> list[str]:
    """Put each problem next to its form field; return the others, also above the form.

    ``fields`` renames a verb's field to the form's where they differ (``scope`` ->
    ``scopes``). A problem of no field, or of one the form does not show, goes to the form's
    ``form_errors`` and is returned, for the page to show (or flash) above the form.
    """
    rest = []
    for problem in refused.problems:
        name = (fields or {}).get(problem.field or "", problem.field)
        field = form._fields.get(name) if name and name not in ("submit", "csrf_token") else None
        if field is not None:
            field.errors = [*field.errors, problem.message]
        else:
            rest.append(problem.message)
    form.form_errors.extend(rest)
    return rest


def cli_lines(refused: Refused) -> list[str]:
    """One line a problem, located: ``shifts[4].starts_at: overlaps ...``."""
    return [str(problem) for problem in refused.problems]


MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Check the form and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("Not allowed", "Your role does not give you access to this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "That upload is larger than the practice allows."),
    500: ("Something went wrong", "The error was logged. Nothing was saved; please try again."),
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    return is_api_request() or (request.accept_mimetypes.best == "application/json")


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

    @app.errorhandler(ApiProblem)
    def _api_problem(e):
        from tracker.extensions import db

        db.session.rollback()
        return problem_response(e.status, e.detail, e.errors, e.headers)

    @app.errorhandler(Refused)
    def _refused(e: Refused):
        # A verb's refusal no view caught: under /api/ a 422 naming each field; elsewhere a
        # 400 page saying why. Either way nothing of the refused change is kept.
        from tracker.extensions import db

        db.session.rollback()
        if is_api_request():
            return problem_response(422, str(e), api_errors(e))
        return render_error(400, str(e))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(400, "The form expired or did not come from this site; reload it.")

    @app.errorhandler(500)
    def _server_error(e):
        from tracker.extensions import db

        db.session.rollback()
        return render_error(500)
