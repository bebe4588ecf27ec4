"""Enforce the access table on every request."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_login.utils import login_url

from tracker.access import (
    API_BLUEPRINT,
    PUBLIC,
    WHILE_PASSWORD_CHANGE_DUE,
    WHILE_TWO_FACTOR_DUE,
    allowed_roles,
)
from tracker.audit.denied import refuse
from tracker.extensions import login_manager


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
            from tracker.auth.sessions import ended_message

            message = ended_message()
            if message:  # the session ended by time: say so, and come back here after
                flash(message, "info")
                return redirect(login_url("auth.login", request.url))
            return login_manager.unauthorized()
        due = _due_first(endpoint)
        if due is not None:
            return due
        if roles is None:
            return refuse("endpoint missing from the access table")
        if current_user.role not in roles:
            return refuse(f"role {current_user.role.value} not allowed")
        return None


def _due_first(endpoint: str):
    """Send a person to what must be done before anything else, or None."""
    from tracker.auth.two_factor import required_roles

    if current_user.must_change_password and endpoint not in WHILE_PASSWORD_CHANGE_DUE:
        flash("Your administrator asked you to choose a new password before going on.", "warning")
        return redirect(url_for("account.change_password"))
    required = required_roles(current_app.config["REQUIRE_2FA_ROLES"])
    if (
        current_user.role in required
        and not current_user.two_factor_on
        and endpoint not in WHILE_TWO_FACTOR_DUE
    ):
        flash(
            "Your role signs in with two factors: set up an authenticator app before going on.",
            "warning",
        )
        return redirect(url_for("account.two_factor_setup"))
    return None
