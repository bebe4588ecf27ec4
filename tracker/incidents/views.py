"""Declined-task incidents: log one, decline a delegation, read, add addenda, review, alerts.

No route edits or deletes an incident. What a person may see comes from
``tracker.incidents.visibility`` (through the reads in ``services``); anything else is 404.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.form_pages import current_person, save_form
from tracker.incidents import services, words
from tracker.incidents.alerts import pressure_alerts
from tracker.incidents.forms import (
    AddendumForm,
    DeclineDelegationForm,
    LogIncidentForm,
    ReviewForm,
    local_now,
)
from tracker.incidents.visibility import counted_as, is_reviewer
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DelegationStatus, IncidentStatus

# No url_prefix: declining lives under the delegation it declines.
bp = Blueprint("incidents", __name__)


def _alert_settings() -> tuple[int, int]:
    return (
        current_app.config["INCIDENT_ALERT_COUNT"],
        current_app.config["INCIDENT_ALERT_WINDOW_DAYS"],
    )


@bp.app_context_processor
def _incident_helpers():
    """Helpers for the home pages and the training file (computed only when called)."""

    def incident_panel() -> dict:
        me = current_person()
        counts = services.status_counts(me)
        panel = {"counts": counts, "total": sum(counts.values()), "alerts": []}
        if is_reviewer(me):
            panel["alerts"] = [
                a for a in pressure_alerts(me, *_alert_settings()) if a.needs_attention
            ]
        return panel

    def incidents_logged_by(person: Person, limit: int = 10) -> list:
        return services.logged_by(current_person(), person, limit)

    return {
        "incident_panel": incident_panel,
        "incidents_logged_by": incidents_logged_by,
        "incident_words": words,
    }


@bp.route("/incidents/")
def incident_list():
    """List the declined-task incidents the signed-in person may see."""
    status = None
    if request.args.get("status"):
        try:
            status = IncidentStatus(request.args["status"])
        except ValueError:
            abort(400)
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(400)
    q = (request.args.get("q") or "").strip()[:100]
    pagination = services.incident_list(current_person(), status, page, q)
    return render_template(
        "incidents/list.html",
        q=q,
        pagination=pagination,
        incidents=pagination.items,
        status=status,
        statuses=list(IncidentStatus),
    )


def _prefill_from_check(form: LogIncidentForm, me: Person, tasks: list[Task]) -> None:
    """Fill the task, site and moment a "May I?" answer links with (``?task=&site=&at=``).

    ``at`` is the site's local time (``YYYY-MM-DDTHH:MM``); a moment still to come, or text
    that is not a moment, gives way to now. Anything unknown is simply left empty.
    """
    site = next((s for s in me.sites if s.code == request.args.get("site")), None)
    if site is not None:
        form.site_id.data = site.id
    task = next((t for t in tasks if t.code == request.args.get("task")), None)
    if task is not None:
        form.task_id.data = task.id
    now = local_now(form.zone())
    try:
        asked = datetime.strptime(request.args.get("at", ""), "%Y-%m-%dT%H:%M")
    except ValueError:
        asked = None
    form.occurred_at.data = asked if asked is not None and asked <= now else now


@bp.route("/incidents/new", methods=["GET", "POST"])
def new():
    """Log a request the assistant declined."""
    me = current_person()
    form = LogIncidentForm(me)
    if request.method == "GET":
        _prefill_from_check(form, me, form.tasks)
    if form.validate_on_submit():
        saved, incident = save_form(form, lambda: _log_incident(form, me), flash_general=False)
        if saved:
            flash("Saved. Declining and documenting it was the right thing to do.", "success")
            counted = counted_as(incident)
            if counted:
                flash(
                    f"The requester you typed, “{incident.requester_name}”, was counted as "
                    f"{' and '.join(f'{p.name} ({p.role.label})' for p in counted)}: "
                    "they will not see this incident, and it counts in their "
                    "repeated-pressure alerts.",
                    "info",
                )
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    status = 400 if request.method == "POST" else 200
    return render_template("incidents/new.html", form=form), status


def _log_incident(form: LogIncidentForm, me: Person):
    """Log the declined request the form describes, as ``me``."""
    return services.log_incident(
        form.account(),
        logged_by=me,
        site=db.session.get(Site, form.site_id.data) if form.site_id.data else None,
        requester=(
            db.session.get(Person, form.requester_id.data) if form.requester_id.data else None
        ),
        requester_name=form.requester_name.data or "",
        requester_role=form.requester_role.data or "",
        task=db.session.get(Task, form.task_id.data) if form.task_id.data else None,
        task_description=form.task_description.data or "",
    )


def _own_delegation_or_404(delegation_id: int) -> Delegation:
    delegation = db.session.scalar(
        select(Delegation)
        .where(Delegation.id == delegation_id)
        .options(
            selectinload(Delegation.task),
            selectinload(Delegation.site),
            selectinload(Delegation.delegated_by),
            selectinload(Delegation.decision),
        )
    )
    if delegation is None or delegation.assistant_id != current_user.id:
        abort(404)
    return delegation


def _after_delegation(delegation: Delegation):
    if "delegations.detail" in current_app.view_functions:
        return redirect(url_for("delegations.detail", delegation_id=delegation.id))
    return redirect(url_for("incidents.incident_list"))


@bp.route("/delegations/<int:delegation_id>/decline", methods=["GET", "POST"])
def decline_delegation(delegation_id: int):
    """Decline a delegation made to the signed-in assistant, and document why."""
    me = current_person()
    delegation = _own_delegation_or_404(delegation_id)
    if delegation.status != DelegationStatus.planned:
        flash(
            f"This delegation is {delegation.status.value}; "
            "only a planned delegation can be declined.",
            "warning",
        )
        return _after_delegation(delegation)
    form = DeclineDelegationForm(me, delegation.site.timezone)
    if request.method == "GET":
        form.occurred_at.data = local_now(delegation.site.timezone)
        form.reason.data = services.suggested_reason(delegation)
        when = delegation.scheduled_for.astimezone(ZoneInfo(delegation.site.timezone))
        form.what_was_asked.data = (
            f"{delegation.task.name} at {delegation.site.name} on "
            f"{when:%Y-%m-%d %H:%M}, delegated by {delegation.delegated_by.name}."
        )
    if form.validate_on_submit():
        saved, incident = save_form(
            form,
            lambda: services.decline_delegation(delegation, form.account(), assistant=me),
            flash_general=False,
        )
        if saved:
            flash(
                "You declined the delegation and documented why. That was the right thing to do.",
                "success",
            )
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    status = 400 if request.method == "POST" else 200
    return render_template("incidents/decline.html", form=form, delegation=delegation), status


def _visible_or_404(incident_id: int):
    incident = services.incident_for(current_person(), incident_id)
    if incident is None:
        abort(404)
    return incident


def _render_detail(incident, addendum_form=None, review_form=None, status: int = 200):
    me = current_person()
    moves = services.review_moves(incident)
    if addendum_form is None and services.may_add_addendum(me, incident):
        addendum_form = AddendumForm(formdata=None)
    if review_form is None and is_reviewer(me):
        review_form = ReviewForm(moves, formdata=None)
    elif review_form is not None:
        review_form.offer(moves)
    return render_template(
        "incidents/detail.html",
        incident=incident,
        addenda=services.addenda_of(incident),
        addendum_form=addendum_form,
        review_form=review_form,
    ), status


@bp.route("/incidents/<int:incident_id>")
def detail(incident_id: int):
    """Show one incident and its addenda (never editable)."""
    return _render_detail(_visible_or_404(incident_id))


@bp.route("/incidents/<int:incident_id>/addenda", methods=["POST"])
def add_addendum(incident_id: int):
    """Add a dated later fact to an incident."""
    me = current_person()
    incident = _visible_or_404(incident_id)
    if not services.may_add_addendum(me, incident):
        abort(404)
    form = AddendumForm()
    if form.validate_on_submit():
        saved, _ = save_form(
            form,
            lambda: services.add_addendum(incident, me, form.body.data),
            flash_general=False,
        )
        if saved:
            flash("Addendum added.", "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _render_detail(incident, addendum_form=form, status=400)


@bp.route("/incidents/<int:incident_id>/review", methods=["POST"])
def review(incident_id: int):
    """Move an incident one step through review."""
    me = current_person()
    incident = _visible_or_404(incident_id)
    # Accept any review step here so an illegal move gets the service's words, not
    # "not a valid choice"; the page offers only the legal ones.
    form = ReviewForm([s for s in IncidentStatus if s != IncidentStatus.open])
    if form.validate_on_submit():
        saved, _ = save_form(
            form,
            lambda: services.review_incident(
                incident,
                me,
                form.status.data,
                form.note.data or "",
                escalated_to=form.escalated_to.data or "",
                escalated_on=form.escalated_on.data,
            ),
            flash_general=False,
        )
        if saved:
            flash(f"Incident {words.STATUS_LABELS[incident.status]}.", "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _render_detail(incident, review_form=form, status=400)


@bp.route("/incidents/alerts")
def alerts():
    """List repeated-pressure alerts and the incidents behind each."""
    count, window = _alert_settings()
    return render_template(
        "incidents/alerts.html",
        alerts=pressure_alerts(current_person(), count, window),
        alert_count=count,
        window_days=window,
    )
