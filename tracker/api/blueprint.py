"""The API's blueprint and what every endpoint shares: bodies read by orjson, the bearer
token, its scope and its person's role checked before any view runs, the per-token rate
limit and refusals (403, audited).

Every request carries ``Authorization: Bearer <token>``; the token acts as its person,
with that person's role (the access table) and the object rules of the pages. Cookies
are never read here and there is no CSRF: nothing a browser sends on its own is enough.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson
from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request

from tracker.access import ACCESS, API_SCOPES
from tracker.api.tokens import authenticate, hash_token
from tracker.audit.services import record_event
from tracker.extensions import db, limiter
from tracker.problems import API_MESSAGES, ApiProblem
from tracker.staff.models import Person


class JsonParser(FlaskParser):
    """Request bodies read by orjson: JSON nested past 1,024 levels, a number no 64-bit float
    holds (an integer of thousands of digits) and a lone surrogate (``"\\ud800"``) are
    malformed JSON, a 400, before any field is looked at. The standard library's reader
    would raise RecursionError, spend seconds on the digits or give Python a string no
    database can store."""

    def load_json(self, req, schema):
        if not is_json_request(req):
            return missing
        body = req.get_data(cache=True)
        if not body.strip():
            return missing
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            abort(400, exc=exc, messages={"json": [f"{exc.msg} (at character {exc.pos})"]})


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonParser()


bp = ApiBlueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Decisions, who may do a task, delegations and training records.",
)

#: Endpoints whose body must be JSON (400 otherwise, before anything else is read).
JSON_BODY = {
    "api_v1.decide",
    "api_v1.decide_batch",
    "api_v1.record_delegation",
    "api_v1.delegation_status",
    "api_v1.give_direction",
}
UNAUTHORIZED = API_MESSAGES[401]


def _rate_key() -> str:
    """Per token (by its hash: the token itself is never kept, even in memory stores)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hash_token(header)
    return "api-ip:" + (get_remote_address() or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def refuse(person: Person, reason: str, detail: str):
    """Answer 403 with ``detail``, the refusal kept as an audit event."""
    record_event(
        "access_denied",
        record_type="endpoint",
        record_id=request.endpoint,
        after={"path": request.path, "method": request.method, "reason": reason, "api": True},
        actor=person,
    )
    db.session.commit()
    raise ApiProblem(403, detail)


@bp.before_request
def _authenticate_and_authorise():
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = authenticate(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if token is None:
        raise ApiProblem(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    person = token.person
    g.api_token, g.api_person = token, person
    endpoint = request.endpoint
    scope, roles = API_SCOPES.get(endpoint), ACCESS.get(endpoint)
    if scope is None or not isinstance(roles, frozenset):
        refuse(person, "endpoint missing from the access table", "This call is not open.")
    if scope not in token.scopes:
        refuse(
            person,
            f"token lacks the {scope} scope",
            f"This token does not have the '{scope}' scope this call needs.",
        )
    if person.role not in roles:
        refuse(
            person,
            f"role {person.role.value} not allowed",
            f"A {person.role.label.lower()}'s token may not make this call.",
        )
    if endpoint in JSON_BODY and not request.is_json:
        raise ApiProblem(400, "Send a JSON body with Content-Type: application/json.")


def with_errors(view):
    """Document the errors every endpoint may answer (all RFC 9457 problem+json)."""
    for status in (400, 401, 403, 429):
        view = bp.alt_response(status, response=HTTPStatus(status).name)(view)
    return view
