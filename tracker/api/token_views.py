"""The account page's API tokens: create (shown once), see and revoke one's own; admins
see and revoke anyone's."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.api import tokens
from tracker.api.forms import RevokeForm, TokenForm
from tracker.api.models import ApiToken
from tracker.extensions import db
from tracker.form_pages import current_person, save_form
from tracker.vocabulary import Role

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    me = current_person()
    others = []
    if me.role == Role.admin:
        others = db.session.scalars(
            select(ApiToken)
            .where(ApiToken.revoked_at.is_(None), ApiToken.person_id != me.id)
            .options(selectinload(ApiToken.person))
            .order_by(ApiToken.created_at.desc())
        ).all()
    return render_template(
        "tokens/index.html",
        form=form,
        revoke_form=RevokeForm(),
        mine=tokens.live_tokens(me),
        others=others,
        new_token=new_token,
        now=dates.now(),
    ), status


@bp.route("/")
def index():
    """List my API tokens (an admin: everyone's) and offer to create one."""
    return _page(TokenForm())


@bp.route("/", methods=["POST"])
def create():
    """Create an API token for myself and show it once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    me = current_person()
    saved, created = save_form(
        form,
        lambda: tokens.create_token(
            me,
            form.name.data,
            form.scopes.data,
            form.days.data,
            me,
            default_days=current_app.config["API_TOKEN_DEFAULT_DAYS"],
            max_days=current_app.config["API_TOKEN_MAX_DAYS"],
        ),
        fields={"scope": "scopes", "person": "scopes"},
        flash_general=False,
    )
    if not saved:
        return _page(form, status=400)
    token, _ = created
    # Rendered, not flashed: a flash would keep the token in the session cookie; and never
    # kept by the browser's cache.
    body, status = _page(TokenForm(formdata=None), new_token=token)
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    """Revoke one of my tokens (an admin: anyone's)."""
    me = current_person()
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.person_id != me.id and me.role != Role.admin):
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    if tokens.revoke_token(token, me):
        db.session.commit()
        flash(f"Token {token.name!r} revoked: it no longer works.", "success")
    return redirect(url_for("tokens.index"))
