"""A person's own account: password, two-factor sign-in, and signing out everywhere."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from tracker.audit.services import record_event
from tracker.auth import two_factor
from tracker.auth.forms import (
    ConfirmPasswordForm,
    PasswordChangeForm,
    TwoFactorSetupForm,
)
from tracker.auth.models import RecoveryCode
from tracker.auth.services import set_password
from tracker.auth.sessions import end_every_session, keep_this_browser
from tracker.extensions import db, limiter
from tracker.form_pages import current_person, save_form
from tracker.forms import ActionForm

bp = Blueprint("account", __name__, url_prefix="/account")

#: The secret of an authenticator being set up, kept in the (signed) session until the
#: person proves it with a code.
PENDING_SECRET = "pending_totp_secret"


def _two_factor_required(person) -> bool:
    return person.role in two_factor.required_roles(current_app.config["REQUIRE_2FA_ROLES"])


def _codes_left(person) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.person_id == person.id, RecoveryCode.used_at.is_(None)
        )
    )


@bp.route("/")
def index():
    """The person's account: password, two-factor sign-in, sessions."""
    me = current_person()
    return render_template(
        "account/index.html",
        two_factor_on=two_factor.is_on(me),
        codes_left=_codes_left(me),
        required=_two_factor_required(me),
        action_form=ActionForm(),
        off_form=ConfirmPasswordForm(),
    )


@bp.route("/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere():
    """End every session of this person, on every browser and device, this one too."""
    me = current_person()
    if not ActionForm().validate_on_submit():
        abort(400)
    end_every_session(me, "logout_everywhere")
    record_event("logout_everywhere", me, actor=me)
    db.session.commit()
    logout_user()
    flash("You are signed out on every browser and device.", "info")
    return redirect(url_for("auth.login"))


def _own_key() -> str:
    return f"password-change:{current_user.get_id()}"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_own_key, methods=["POST"]
)
def change_password():
    """Change one's own password (the current one is asked for)."""
    me = current_person()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not me.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
            record_event("password_change_refused", me, actor=me)
            db.session.commit()
            return render_template("account/password.html", form=form), 400

        def change():
            set_password(me, form.new_password.data, actor=me)
            me.must_change_password = False
            keep_this_browser(me)  # set_password ended every session, this one included

        saved, _ = save_form(form, change, fields={"password": "new_password"})
        if not saved:
            return render_template("account/password.html", form=form), 400
        flash("Your password is changed. Every other session of yours was signed out.", "success")
        return redirect(url_for("account.index"))
    status = 400 if form.errors else 200
    return render_template("account/password.html", form=form), status


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    """Turn on two-factor sign-in: scan the QR code (or type the secret), enter a code."""
    me = current_person()
    if two_factor.is_on(me):
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("account.index"))
    secret = session.get(PENDING_SECRET)
    if not secret:
        secret = session[PENDING_SECRET] = two_factor.new_secret()
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        codes = two_factor.turn_on(me, secret, form.code.data)
        if codes is None:
            db.session.rollback()
            form.code.errors.append(
                "That code is not right. Check the app's clock and enter the code it shows now."
            )
        else:
            session.pop(PENDING_SECRET, None)
            # Sessions started before it was on end; this browser goes on.
            end_every_session(me, "two_factor_enabled")
            keep_this_browser(me)
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes)
    status = 400 if form.errors else 200
    return render_template(
        "account/two_factor.html",
        form=form,
        secret=two_factor.grouped(secret),
        required=_two_factor_required(me),
    ), status


@bp.route("/two-factor/qr.svg")
def two_factor_qr():
    """The QR code of the authenticator being set up, drawn on the server."""
    secret = session.get(PENDING_SECRET)
    if not secret or two_factor.is_on(current_person()):
        abort(404)
    uri = two_factor.provisioning_uri(
        secret, current_person().email, current_app.config["TOTP_ISSUER"]
    )
    return Response(
        two_factor.qr_svg(uri),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "no-store"},
    )


@bp.route("/two-factor/off", methods=["POST"])
def two_factor_off():
    """Turn two-factor sign-in off (the password is asked for; not for required roles)."""
    me = current_person()
    form = ConfirmPasswordForm()
    if _two_factor_required(me):
        flash("Your role must sign in with two factors; it cannot be turned off.", "warning")
        return redirect(url_for("account.index"))
    if not form.validate_on_submit() or not me.check_password(form.password.data):
        flash("That is not your password; two-factor sign-in is still on.", "danger")
        return redirect(url_for("account.index"))
    two_factor.turn_off(me, me)
    db.session.commit()
    flash("Two-factor sign-in is off.", "info")
    return redirect(url_for("account.index"))
