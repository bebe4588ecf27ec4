"""The training file (/staff/<id>) and what is expiring (/records/expiring): pages on the
staff blueprint (their addresses and endpoint names are the staff pages'), written here
because they read competencies, supervision, the policy and the rule, which sit above
staff. Imported by the app factory before the staff blueprint is registered (a blueprint
takes no routes once registered).
"""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select

from tracker.extensions import db
from tracker.forms import ActionForm
from tracker.paging import page_of
from tracker.protocols import queries as protocol_queries
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff import services
from tracker.staff.models import Person
from tracker.staff.signals import states_gained
from tracker.staff.views import bp, visible_person_or_404
from tracker.training import queries
from tracker.vocabulary import RECORD_KEEPERS


@bp.route("/staff/<int:person_id>")
def training_file(person_id: int):
    """Show one person's training file (read-only)."""

    person = visible_person_or_404(person_id)
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    competencies = queries.competency_lines(person, today, within)
    return render_template(
        "staff/training_file.html",
        person=person,
        today=today,
        within=within,
        may_keep=current_user.role in RECORD_KEEPERS
        and services.may_keep_person(current_user, person),
        action_form=ActionForm(),
        expiring=queries.expiring_items(today, within, person_id=person.id),
        scopes=queries.state_scope(person, today),
        scope_style=queries.SCOPE_STYLE,
        competencies=competencies,
        documents=queries.record_documents(
            [line.record for line in competencies], person.credentials, person.licenses
        ),
        credentials=[(c, queries.credential_status(c, today, within)) for c in person.credentials],
        licenses=[
            (lic, queries.expiry_status(lic.expires_on, today, within)) for lic in person.licenses
        ],  # fmt: skip
        assignments=queries.supervision_of(person),
        status_style=queries.STATUS_STYLE,
        acknowledgments=protocol_queries.acknowledgments_of(person),
        to_acknowledge=protocol_queries.to_acknowledge(person),
    )


#: Choices offered on the expiring page (any whole number of days up to a year is accepted).
EXPIRING_CHOICES = (30, 60, 90)


@states_gained.connect
def _flash_moving(person: Person, *, states: set[str], **_) -> None:
    """Tell the manager what to re-verify in each state the assistant now works in."""
    for scope in queries.state_scope(person, practice_today(), states):
        parts = []
        if scope.not_verified:
            parts.append(
                f"{len(scope.not_verified)} of their tasks have no {scope.state_name} rule "
                "recorded (not verified: verify with the state medical board and the AAMA "
                "state scope resource)"
            )
        if scope.missing_credentials:
            parts.append(
                f"{scope.state_name} rules ask for a credential they do not hold "
                f"({', '.join(scope.missing_credentials)})"
            )
        others = len(scope.needs_action) - len(scope.not_verified)
        if others > 0 and not scope.missing_credentials:
            parts.append(f"{others} other task(s) need a look")
        detail = "; ".join(parts) if parts else "nothing is missing for the tasks they hold"
        flash(
            f"{person.name} now works in {scope.state_name}, a state they did not work in "
            f"before: {detail}. Their training file lists what to re-verify there.",
            "warning" if scope.needs_action else "info",
        )


# --------------------------------------------------------------------------- expiring


#: Rows each list of the expiring page shows at a time.
EXPIRING_PAGE_SIZE = 50


@bp.route("/records/expiring")
def expiring():
    """List competencies, credentials and licenses expired or expiring within N days."""
    raw_days = request.args.get("days", "").strip()
    if raw_days and not (raw_days.isdigit() and int(raw_days) <= queries.MAX_EXPIRING_DAYS):
        abort(400)
    days = int(raw_days) if raw_days else current_app.config["EXPIRING_WITHIN_DAYS"]
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    site_code = request.args.get("site") or None
    if site_code and site_code not in {s.code for s in sites}:
        abort(400)
    report = queries.expiring_items(practice_today(), days, site_code=site_code)
    return render_template(
        "staff/expiring.html",
        report=report,
        due=page_of(report.due, request.args.get("page", type=int), EXPIRING_PAGE_SIZE),
        no_expiry=page_of(
            report.no_expiry, request.args.get("npage", type=int), EXPIRING_PAGE_SIZE
        ),
        sites=sites,
        choices=EXPIRING_CHOICES,
        status_style=queries.STATUS_STYLE,
    )
