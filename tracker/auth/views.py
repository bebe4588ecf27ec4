from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from tracker.audit.services import record_event
from tracker.auth.forms import LoginForm
from tracker.auth.services import authenticate
from tracker.auth.sessions import end_current_session, start_session
from tracker.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """A path on this site, or None.

    Browsers read a backslash as a slash and drop tabs and line breaks, so a target such as
    ``/`` + backslash + ``evil.example`` would leave the site: refuse them all.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        person, problem = authenticate(
            form.email.data,
            form.password.data,
            current_app.config["LOGIN_MAX_FAILURES"],
            current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"],
        )
        if person is None:
            flash(problem, "danger")
            return render_template("auth/login.html", form=form), 401
        start_session(person, remember=form.remember.data)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    record_event("logout", current_user._get_current_object())
    end_current_session("logout")  # a copy of this browser's cookies opens nothing now
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
