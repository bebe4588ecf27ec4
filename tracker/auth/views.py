from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user

from tracker import dates
from tracker.audit.services import record_event
from tracker.auth.forms import LoginForm
from tracker.auth.services import authenticate, normalise_email
from tracker.auth.sessions import end_current_session, start_session
from tracker.extensions import db, limiter

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


def _account_key() -> str:
    """The account a sign-in attempt is for, as the throttle counts it."""
    return "login-account:" + normalise_email(request.form.get("email", ""))[:254]


def _address_key() -> str:
    return "login-address:" + (request.remote_addr or "unknown")


def _slow_down(limit):
    """Answer an attempt over the limit: the form again, a wait in words, Retry-After.

    The count went up before the password was looked at (Flask-Limiter counts atomically
    in its storage), so concurrent attempts cannot slip past it.
    """
    wait = max(1, int(limit.reset_at - dates.now().timestamp()))
    email = normalise_email(request.form.get("email", ""))[:254]
    record_event(
        "login_throttled",
        record_type="login",
        record_id=email,
        actor_label="anonymous",
        after={"limit": str(limit.limit)},
    )
    db.session.commit()
    flash(
        f"Too many sign-in attempts. Wait {wait} seconds, then try again.",
        "warning",
    )
    response = make_response(render_template("auth/login.html", form=LoginForm()), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=_address_key,
    methods=["POST"],
    on_breach=_slow_down,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    on_breach=_slow_down,
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        person, problem = authenticate(form.email.data, form.password.data)
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
