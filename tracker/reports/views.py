"""Reports: the practice dashboard, CSV exports, and pages laid out for paper."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import select

from tracker import dates
from tracker.catalog.models import Task
from tracker.decision.eligible import eligible
from tracker.decision.matrix import build_matrix
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.reports import charts, exports
from tracker.reports.csv_export import csv_response
from tracker.sites.models import Site
from tracker.sites.queries import practice_timezone, practice_today
from tracker.staff.views import visible_person_or_404
from tracker.training import queries
from tracker.validation import bounded_date, parse_moment
from tracker.vocabulary import DelegationStatus, Role, TaskKind

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: The longest window the expiring export accepts, in days.
MAX_EXPIRING_DAYS = 366
PAPERS = {"letter": "US Letter", "a4": "A4"}


def bad_request(message: str) -> Response:
    """A clear 400 for a bad filter on a download (there is no form to show it on)."""
    return Response(f"Bad request: {message}\n", status=400, mimetype="text/plain")


def _site_or_none(code: str | None) -> Site | None:
    if not code:
        return None
    return db.session.scalar(select(Site).where(Site.code == code))


def _day(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return bounded_date(text)
    except ValueError:
        raise ValueError(f"{name} {text[:40]!r} is not a date (YYYY-MM-DD)") from None


# --------------------------------------------------------------------------- dashboard


@bp.route("/")
def dashboard():
    """The practice dashboard: four charts drawn from the data, each with its table."""
    user = current_person()
    now = dates.now()
    timezone = practice_timezone()
    today = practice_today()
    data = charts.dashboard_data(user, now, today, timezone)
    return render_template(
        "reports/dashboard.html",
        data=data,
        svg=charts.svg_charts(data),
        today=today,
        sites=db.session.scalars(select(Site).order_by(Site.name)).all(),
        statuses=list(DelegationStatus),
    )


# --------------------------------------------------------------------------- CSV exports


@bp.route("/delegations.csv")
def delegations_csv():
    """Download the delegations the user may see, filtered, as CSV."""
    try:
        status = request.args.get("status") or None
        if status is not None:
            try:
                status = DelegationStatus(status)
            except ValueError:
                known = ", ".join(s.value for s in DelegationStatus)
                raise ValueError(f"status {status[:40]!r} is not one of {known}") from None
        standing = request.args.get("standing") or None
        if standing not in (None, "clear", "flagged"):
            raise ValueError("standing must be clear or flagged")
        site_code = request.args.get("site") or None
        site = _site_or_none(site_code)
        if site_code and site is None:
            raise ValueError(f"no site with code {site_code[:64]!r}")
        first_day, last_day = _day("from"), _day("to")
        if first_day and last_day and last_day < first_day:
            raise ValueError("to is before from")
    except ValueError as exc:
        return bad_request(str(exc))
    filters = exports.DelegationFilters(
        status=status,
        standing=standing,
        site_id=site.id if site else None,
        first_day=first_day,
        last_day=last_day,
        timezone=practice_timezone(),
    )
    header, rows = exports.delegation_rows(current_person(), filters)
    return csv_response("delegations.csv", header, rows)


@bp.route("/matrix.csv")
def matrix_csv():
    """Download the compliance matrix of a site (decided now) as CSV, one row per cell."""
    site_code = request.args.get("site") or None
    if site_code is None:
        site_code = db.session.scalar(select(Site.code).order_by(Site.name).limit(1))
        if site_code is None:
            return bad_request("no sites are recorded yet")
    if _site_or_none(site_code) is None:
        return bad_request(f"no site with code {site_code[:64]!r}")
    header, rows = exports.matrix_rows(site_code, dates.now_to_the_second())
    return csv_response(f"matrix-{site_code}.csv", header, rows)


@bp.route("/eligible.csv")
def eligible_csv():
    """Download the finder's answer: who may do a task at a site at a moment (site time)."""
    task_code = (request.args.get("task") or "").strip()
    site = _site_or_none((request.args.get("site") or "").strip())
    if site is None:
        return bad_request("site must name a recorded site (its code)")
    at_text = (request.args.get("at") or "").strip()
    if at_text:
        try:
            local = datetime.strptime(at_text, "%Y-%m-%dT%H:%M")
            bounded_date(local.date().isoformat())
        except ValueError:
            return bad_request("at must be the site's local time as YYYY-MM-DDTHH:MM")
        at = local.replace(tzinfo=dates.zone(site.timezone)).astimezone(UTC)
    else:
        at = dates.now_to_the_second()
    try:
        result = eligible(task_code, site.code, at)
    except LookupError:
        return bad_request(f"no task with code {task_code[:64]!r}")
    if result.reserved:
        return bad_request(f"{result.task.name} is never an assistant's task: {result.reserved}")
    header, rows = exports.eligible_rows(result)
    return csv_response(f"eligible-{task_code}-{site.code}.csv", header, rows)


@bp.route("/expiring.csv")
def expiring_csv():
    """Download what is expired or expiring within N days (and what never expires)."""
    raw_days = (request.args.get("days") or "").strip()
    if raw_days and not (raw_days.isdigit() and int(raw_days) <= MAX_EXPIRING_DAYS):
        return bad_request(f"days must be a whole number from 0 to {MAX_EXPIRING_DAYS}")
    days = int(raw_days) if raw_days else current_app.config["EXPIRING_WITHIN_DAYS"]
    site_code = request.args.get("site") or None
    if site_code and _site_or_none(site_code) is None:
        return bad_request(f"no site with code {site_code[:64]!r}")
    header, rows = exports.expiring_rows(practice_today(), days, site_code)
    return csv_response("expiring.csv", header, rows)


@bp.route("/incidents.csv")
def incidents_csv():
    """Download the declined-task incidents the user may see (never their own requests)."""
    header, rows = exports.incident_rows(current_person())
    return csv_response("incidents.csv", header, rows)


# --------------------------------------------------------------------------- print


def _paper() -> str:
    paper = request.args.get("paper") or "letter"
    if paper not in PAPERS:
        abort(400)
    return paper


@bp.route("/print/training-file/<int:person_id>")
def print_training_file(person_id: int):
    """One assistant's training file, laid out for paper, with a sign-off line."""
    person = visible_person_or_404(person_id)
    if person.role != Role.assistant:
        abort(404)
    paper = _paper()
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    return render_template(
        "reports/print_training_file.html",
        person=person,
        paper=paper,
        papers=PAPERS,
        today=today,
        printed_at=dates.now_to_the_second(),
        timezone=practice_timezone(),
        competencies=queries.competency_lines(person, today, within),
        credentials=[(c, queries.credential_status(c, today, within)) for c in person.credentials],
        licenses=[
            (lic, queries.expiry_status(lic.expires_on, today, within)) for lic in person.licenses
        ],  # fmt: skip
        assignments=queries.supervision_of(person),
        scopes=queries.state_scope(person, today),
    )


@bp.route("/print/roster")
def print_roster():
    """A site's roster: each active assistant × clinical task, clear or flagged, at a moment."""

    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if not sites:
        abort(404)
    site_code = request.args.get("site") or sites[0].code
    site = next((s for s in sites if s.code == site_code), None)
    if site is None:
        abort(400)
    paper = _paper()
    at_text = (request.args.get("at") or "").strip()
    problem = None
    try:
        at = parse_moment(at_text or None, site.timezone)
    except ValueError as exc:
        problem = f"The moment {at_text[:40]!r} {exc}; showing now instead."
        at = dates.now_to_the_second()
    clinical = list(db.session.scalars(select(Task.code).where(Task.kind == TaskKind.clinical)))
    matrix = build_matrix(site.code, at, clinical)
    return render_template(
        "reports/print_roster.html",
        site=site,
        sites=sites,
        matrix=matrix,
        at=at,
        at_local=at.astimezone(dates.zone(site.timezone)),
        problem=problem,
        paper=paper,
        papers=PAPERS,
        printed_at=dates.now_to_the_second(),
    ), (400 if problem else 200)
