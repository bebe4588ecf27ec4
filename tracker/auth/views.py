from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from tracker import dates
from tracker.audit.services import ANONYMOUS, record_event
from tracker.auth import two_factor
from tracker.auth.forms import LoginForm, SecondStepForm
from tracker.auth.services import authenticate, normalise_email
from tracker.auth.sessions import end_current_session, start_session
from tracker.extensions import db, limiter
from tracker.form_pages import current_person
from tracker.return_to import safe_next
from tracker.staff.models import Person

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """The account a sign-in attempt is for, as the throttle counts it."""
    return "login-account:" + normalise_email(request.form.get("email", ""))[:254]


def _address_key() -> str:
    return "login-address:" + (request.remote_addr or "unknown")


def _too_many(limit, template: str, form, attempts: str):
    """Answer an attempt over the limit: the form again, a wait in words, Retry-After.

    The count went up before the password or code was looked at (Flask-Limiter counts
    atomically in its storage), so concurrent attempts cannot slip past it.
    """
    wait = max(1, int(limit.reset_at - dates.now().timestamp()))
    flash(f"Too many {attempts}. Wait {wait} seconds, then try again.", "warning")
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _slow_down(limit):
    """Answer a sign-in over the limit, and keep the attempt in the audit trail."""
    email = normalise_email(request.form.get("email", ""))[:254]
    record_event(
        "login_throttled",
        record_type="login",
        record_id=email,
        actor=ANONYMOUS,
        after={"limit": str(limit.limit)},
    )
    db.session.commit()
    return _too_many(limit, "auth/login.html", LoginForm(), "sign-in attempts")


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
        target = safe_next(request.args.get("next"))
        if two_factor.is_on(person):
            # The password was right; the session starts only after the second step.
            session["pending_sign_in"] = {
                "person": person.id,
                "generation": person.session_generation,
                "remember": bool(form.remember.data),
                "at": dates.now().timestamp(),
                "next": target,
            }
            return redirect(url_for("auth.second_step"))
        return _complete_sign_in(person, bool(form.remember.data), target)
    return render_template("auth/login.html", form=form)


def _complete_sign_in(person, remember: bool, target: str | None, second_factor=None):
    record_event(
        "login",
        person,
        actor=person,
        after={"second_factor": second_factor} if second_factor else None,
    )
    start_session(person, remember=remember)
    db.session.commit()
    return redirect(target or url_for("main.home"))


#: How long the second step of a sign-in may wait after the password.
SECOND_STEP_MINUTES = 5


def _pending_person():
    """The person whose password was right a moment ago in this browser, or None."""
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict):
        return None, None
    age = dates.now().timestamp() - float(pending.get("at", 0))
    if not 0 <= age <= SECOND_STEP_MINUTES * 60:
        session.pop("pending_sign_in", None)
        return None, None
    person = db.session.get(Person, pending.get("person"))
    if (
        person is None
        or not person.active
        or person.session_generation != pending.get("generation")
    ):
        session.pop("pending_sign_in", None)
        return None, None
    return person, pending


def _second_step_key() -> str:
    pending = session.get("pending_sign_in")
    person = pending.get("person") if isinstance(pending, dict) else None
    return f"second-step:{person}"


def _second_step_slow_down(limit):
    return _too_many(limit, "auth/second_step.html", SecondStepForm(), "codes tried")


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_second_step_key,
    methods=["POST"],
    on_breach=_second_step_slow_down,
)
def second_step():
    """The second step of a sign-in: a code from the authenticator, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    person, pending = _pending_person()
    if person is None:
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if form.validate_on_submit():
        used = two_factor.verify_sign_in(person, form.code.data)
        if used is None:
            db.session.rollback()
            record_event(
                "login_failed",
                record_type="login",
                record_id=person.email,
                actor=ANONYMOUS,
                after={"reason": "bad second factor"},
            )
            db.session.commit()
            form.code.errors.append("That code is not right, or was used already.")
            return render_template("auth/second_step.html", form=form), 401
        session.pop("pending_sign_in", None)
        if used == "recovery":
            flash(
                "You signed in with a recovery code; it cannot be used again. "
                "See your account page for the codes you have left.",
                "warning",
            )
        return _complete_sign_in(person, pending["remember"], pending.get("next"), used)
    return render_template("auth/second_step.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    me = current_person()
    record_event("logout", me, actor=me)
    end_current_session("logout")  # a copy of this browser's cookies opens nothing now
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
