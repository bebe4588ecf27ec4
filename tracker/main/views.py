from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.delegations.queries import upcoming
from tracker.domain import Role
from tracker.extensions import db
from tracker.records.models import Competency, Practice
from tracker.staff import services as staff_services
from tracker.staff.models import Credential, License, Person, Shift, Site, SupervisionAssignment

bp = Blueprint("main", __name__)

#: Roles whose home lists upcoming flagged delegations first.
OVERSEERS = (Role.manager, Role.admin, Role.compliance)
HOME_LIST_SIZE = 25


@bp.route("/")
def home():
    """Show the signed-in person's home page, shaped by their role."""
    today = date.today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    practice = db.session.scalar(select(Practice).limit(1))
    context = {"practice": practice, "today": today, "within": within}
    role = current_user.role
    now = datetime.now(UTC)
    me = current_user._get_current_object()
    context["delegations"] = db.session.scalars(
        upcoming(me, now, flagged_first=role in OVERSEERS).limit(HOME_LIST_SIZE)
    ).all()
    if role == Role.assistant:
        lines = staff_services.competency_lines(current_user, today, within)
        context["attention"] = [line for line in lines if line.status != staff_services.CURRENT]
        context["current_count"] = sum(line.status == staff_services.CURRENT for line in lines)
        context["supervisors"] = [
            a
            for a in staff_services.supervision_of(current_user)
            if a.assistant_id == current_user.id and (a.ends_on is None or a.ends_on >= today)
        ]
        return render_template("main/home_assistant.html", **context)
    if role == Role.provider:
        start = datetime.combine(today, time.min).astimezone()
        context["supervisees"] = [
            a
            for a in staff_services.supervision_of(current_user)
            if a.provider_id == current_user.id and (a.ends_on is None or a.ends_on >= today)
        ]
        context["shifts"] = db.session.scalars(
            select(Shift)
            .where(Shift.provider_id == current_user.id, Shift.ends_at >= start)
            .where(Shift.starts_at < start + timedelta(days=7))
            .options(selectinload(Shift.site))
            .order_by(Shift.starts_at)
        ).all()
        return render_template("main/home_provider.html", **context)
    horizon = today + timedelta(days=within)
    context["counts"] = {
        "people": db.session.scalar(select(func.count(Person.id)).where(Person.active)),
        "assistants": db.session.scalar(
            select(func.count(Person.id)).where(Person.active, Person.role == Role.assistant)
        ),
        "sites": db.session.scalar(select(func.count(Site.id))),
        "assignments": db.session.scalar(
            select(func.count(SupervisionAssignment.id)).where(
                (SupervisionAssignment.ends_on.is_(None)) | (SupervisionAssignment.ends_on >= today)
            )
        ),
    }
    context["expiring_credentials"] = db.session.scalars(
        select(Credential)
        .where(Credential.expires_on.is_not(None), Credential.expires_on <= horizon)
        .options(selectinload(Credential.person))
        .order_by(Credential.expires_on)
    ).all()
    context["expiring_licenses"] = db.session.scalars(
        select(License)
        .where(License.expires_on.is_not(None), License.expires_on <= horizon)
        .options(selectinload(License.person))
        .order_by(License.expires_on)
    ).all()
    context["explicitly_expiring_competencies"] = db.session.scalar(
        select(func.count(Competency.id)).where(
            Competency.expires_on.is_not(None), Competency.expires_on <= horizon
        )
    )
    return render_template("main/home_office.html", **context)
