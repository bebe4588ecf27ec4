"""Enforce the access table on every request."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from tracker.access import API_BLUEPRINT, PUBLIC, allowed_roles
from tracker.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str):
    from tracker.staff.models import Person

    try:
        person = db.session.get(Person, int(user_id))
    except (TypeError, ValueError):
        return None
    # A person deactivated while signed in is signed out at their next request.
    return person if person is not None and person.active else None


login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


def refuse(reason: str):
    """Record a refused access as an audit event, then answer 403."""
    from tracker.audit.services import record_event

    record_event(
        "access_denied",
        record_type="endpoint",
        record_id=request.endpoint,
        after={"path": request.path, "method": request.method, "reason": reason},
    )
    db.session.commit()
    abort(403)


def install_guard(app) -> None:
    @app.before_request
    def _check_access():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # no route: the 404 handler answers
        roles = allowed_roles(endpoint)
        if roles == PUBLIC:
            return None
        if request.blueprint == API_BLUEPRINT:
            return None  # a bearer token, checked by the API itself; never the session
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if roles is None:
            return refuse("endpoint missing from the access table")
        if current_user.role not in roles:
            return refuse(f"role {current_user.role.value} not allowed")
        return None
