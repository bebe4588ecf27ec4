from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker import dates
from tracker.delegations.queries import upcoming
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.sites.models import Practice, Site
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.supervision import queries as supervision
from tracker.training import queries as training_queries
from tracker.vocabulary import OVERSEERS, Role

bp = Blueprint("main", __name__)

HOME_LIST_SIZE = 25


@bp.route("/")
def home():
    """Show the signed-in person's home page, shaped by their role."""
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    practice = db.session.scalar(select(Practice).limit(1))
    context = {
        "practice": practice,
        "today": today,
        "within": within,
        "home_list_size": HOME_LIST_SIZE,
    }
    role = current_user.role
    now = dates.now()
    me = current_person()
    context["delegations"] = db.session.scalars(
        upcoming(me, now, flagged_first=role in OVERSEERS).limit(HOME_LIST_SIZE)
    ).all()
    if role == Role.assistant:
        lines = training_queries.competency_lines(me, today, within)
        context["attention"] = [line for line in lines if line.status != training_queries.CURRENT]
        context["current_count"] = sum(line.status == training_queries.CURRENT for line in lines)
        context["supervisors"] = supervision.supervisors_of(me.id, today)
        return render_template("main/home_assistant.html", **context)
    if role == Role.provider:
        # From the start of today wherever the earliest site is; a day's margin is harmless.
        start = now - timedelta(days=1)
        context["supervisees"] = supervision.supervisees_of(me.id, today)
        context["shifts"] = supervision.shifts_of(me.id, start, days=7)
        return render_template("main/home_provider.html", **context)
    context["counts"] = {
        "people": db.session.scalar(select(func.count(Person.id)).where(Person.active)),
        "assistants": db.session.scalar(
            select(func.count(Person.id)).where(Person.active, Person.role == Role.assistant)
        ),
        "sites": db.session.scalar(select(func.count(Site.id))),
        "assignments": supervision.assignments_in_force(today),
    }
    # The same list as the expiring page (renewed, revoked and deactivated left out).
    context["expiring"] = training_queries.expiring_items(today, within).due[:HOME_LIST_SIZE]
    return render_template("main/home_office.html", **context)


@bp.get("/healthz")
def healthz():
    """Answer load balancers and monitors: 200 while the database answers, 503 otherwise."""
    try:
        # A connection of its own: the request's session is left untouched, and nothing
        # is written (no audit event: a monitor asks every few seconds).
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.warning("Health check: the database does not answer.", exc_info=True)
        body, status = {"status": "unavailable", "database": "unreachable"}, 503
    else:
        body, status = {"status": "ok", "database": "ok"}, 200
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/records/")
def records():
    """Show the records the practice keeps, with links to each list."""
    return render_template("main/records.html")
