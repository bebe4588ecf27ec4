"""Enforce the access table on every request."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from tracker.access import PUBLIC, allowed_roles
from tracker.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str):
    """The person of a live server-side session (see tracker.auth.sessions); a person
    deactivated while signed in is signed out at their next request."""
    from tracker.auth.sessions import load_person

    return load_person(user_id)


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
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if roles is None:
            return refuse("endpoint missing from the access table")
        if current_user.role not in roles:
            return refuse(f"role {current_user.role.value} not allowed")
        return None
