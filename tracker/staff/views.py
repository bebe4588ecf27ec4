from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.extensions import db
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff import queries
from tracker.staff.models import Person
from tracker.vocabulary import Role

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: Rows a page of the staff list shows.
PAGE_SIZE = 50


@bp.route("/")
def staff_list():
    """List the practice's people, filtered by site and role."""
    site_code = request.args.get("site") or None
    role_value = request.args.get("role") or None
    role = None
    if role_value:
        try:
            role = Role(role_value)
        except ValueError:
            abort(400)
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if site_code and site_code not in {s.code for s in sites}:
        abort(400)
    q = (request.args.get("q") or "").strip()[:100]
    people = db.paginate(
        queries.staff_query(site_code, role, q),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "staff/list.html",
        people=people,
        q=q,
        sites=sites,
        roles=list(Role),
        site_code=site_code,
        role=role,
    )


def visible_person_or_404(person_id: int) -> Person:
    """Fetch a person the current user may see; an assistant sees only themselves."""
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    if current_user.role == Role.assistant and person.id != current_user.id:
        abort(404)
    return person


@bp.route("/me")
def my_file():
    """Open the signed-in person's own training file."""
    return redirect(url_for("staff.training_file", person_id=current_user.id))


@bp.route("/<int:person_id>")
def training_file(person_id: int):
    """Show one person's training file (read-only)."""
    from tracker.records.forms import ActionForm
    from tracker.records.staff_services import may_keep_person

    person = visible_person_or_404(person_id)
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    return render_template(
        "staff/training_file.html",
        person=person,
        today=today,
        within=within,
        may_keep=current_user.role in (Role.manager, Role.admin)
        and may_keep_person(current_user, person),
        action_form=ActionForm(),
        expiring=queries.expiring_items(today, within, person_id=person.id),
        scopes=queries.state_scope(person, today),
        scope_style=queries.SCOPE_STYLE,
        competencies=queries.competency_lines(person, today, within),
        credentials=[(c, queries.credential_status(c, today, within)) for c in person.credentials],
        licenses=[
            (lic, queries.expiry_status(lic.expires_on, today, within)) for lic in person.licenses
        ],  # fmt: skip
        assignments=queries.supervision_of(person),
        status_style=queries.STATUS_STYLE,
    )
