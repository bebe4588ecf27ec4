from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.catalog.models import Task
from tracker.dates import zone
from tracker.decision.models import DecisionRecord
from tracker.decision.services import public_result
from tracker.delegations import services
from tracker.delegations.forms import DelegationForm, StatusForm
from tracker.delegations.models import Delegation, DelegationCheck
from tracker.delegations.queries import performed_while_flagged, standing_of, visible_delegations
from tracker.errors import Refused, show_on_form
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.forms import ActionForm
from tracker.staff.models import Person
from tracker.vocabulary import DelegationStatus, Role

bp = Blueprint("delegations", __name__, url_prefix="/delegations")

PAGE_SIZE = 50
#: The verb's fields by the form's names for them.
FORM_FIELDS = {
    "assistant": "assistant_id",
    "delegated_by": "delegated_by_id",
    "task": "task_code",
    "site": "site_code",
}


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Record a delegation and show its decision at once."""
    form = DelegationForm(current_person())
    if request.method == "GET":
        form.assistant_id.data = request.args.get("assistant", 0, type=int)
        form.task_code.data = request.args.get("task", "")
        form.site_code.data = request.args.get("site", "")
        when = request.args.get("scheduled_for", "")
        try:
            form.scheduled_for.data = datetime.strptime(when, "%Y-%m-%dT%H:%M") if when else None
        except ValueError:
            form.scheduled_for.data = None
        if current_user.role == Role.provider:
            form.delegated_by_id.data = current_user.id
    if request.method == "POST":
        valid = form.validate_on_submit()

        def sound(field):  # a value the form refused (a NUL, say) is never looked up
            return None if field.errors else field.data

        named = services.named_records(
            sound(form.assistant_id), sound(form.delegated_by_id), sound(form.task_code),
            sound(form.site_code),
        )  # fmt: skip
        values = {
            "assistant": named.assistant,
            "task": named.task,
            "site": named.site,
            "delegated_by": named.provider,
            "entered_by": current_person(),
            "notes": (form.notes.data or "").strip(),
        }
        if not valid:
            # Say every problem at once: the verb's too, for the fields the form passed.
            problems = services.delegation_problems(scheduled_for=None, **values)
            shown = {None, "scheduled_for"}  # the whole change; the moment the form read
            passed = Refused(
                p for p in problems.items
                if p.field not in shown and not form[FORM_FIELDS.get(p.field, p.field)].errors
            )  # fmt: skip
            show_on_form(form, passed, FORM_FIELDS)
        else:
            # The moment is read in the site's zone (with no site the verb refuses anyway).
            timezone = zone(named.site.timezone) if named.site is not None else UTC
            moment = form.scheduled_for.data.replace(tzinfo=timezone).astimezone(UTC)
            try:
                delegation = services.record_delegation(
                    scheduled_for=moment, in_room=form.in_room.data, **values
                )
            except Refused as refused:
                db.session.rollback()
                show_on_form(form, refused, FORM_FIELDS)
            else:
                db.session.commit()
                if delegation.decision.status == "clear":
                    flash("Delegation recorded. All four conditions are met.", "success")
                else:
                    flash(
                        "Delegation recorded and FLAGGED: see the unmet conditions below. "
                        "It stays on the flagged list until they are met.",
                        "warning",
                    )
                return redirect(url_for("delegations.detail", delegation_id=delegation.id))
    status = 400 if request.method == "POST" else 200
    return render_template("delegations/new.html", form=form), status


@bp.route("/")
def index():
    """List the delegations the signed-in person may see."""
    query = visible_delegations(current_user).join(Delegation.standing)
    status = request.args.get("status") or ""
    if status:
        try:
            query = query.where(Delegation.status == DelegationStatus(status))
        except ValueError:
            abort(400)
    if request.args.get("flagged") == "1":
        query = query.where(DecisionRecord.status != "clear")
    q = (request.args.get("q") or "").strip()[:100]
    for word in q.split():
        query = query.where(
            Delegation.assistant.has(
                Person.name.icontains(word, autoescape=True)
                | Person.email.icontains(word, autoescape=True)
            )
            | Delegation.task.has(Task.name.icontains(word, autoescape=True))
        )
    page = max(request.args.get("page", 1, type=int), 1)
    delegations = db.session.scalars(
        query.order_by(Delegation.scheduled_for.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "delegations/index.html",
        delegations=delegations[:PAGE_SIZE],
        has_next=len(delegations) > PAGE_SIZE,
        page=page,
        status=status,
        flagged=request.args.get("flagged") == "1",
        statuses=list(DelegationStatus),
        q=q,
    )


def visible_delegation_or_404(delegation_id: int) -> Delegation:
    delegation = db.session.scalar(
        visible_delegations(current_user).where(Delegation.id == delegation_id)
    )
    if delegation is None:
        abort(404)
    return delegation


@bp.route("/<int:delegation_id>")
def detail(delegation_id: int):
    """Show a delegation, the decision it was recorded with, and each re-check in order."""
    delegation = visible_delegation_or_404(delegation_id)
    checks = db.session.scalars(
        select(DelegationCheck)
        .where(DelegationCheck.delegation_id == delegation.id)
        .options(selectinload(DelegationCheck.decision))
        .order_by(DelegationCheck.id)
    ).all()
    return render_template(
        "delegations/detail.html",
        delegation=delegation,
        snapshot=delegation.decision,
        standing=standing_of(delegation),
        checks=checks,
        is_future=delegation.scheduled_for > dates.now(),
        status_form=StatusForm(),
        action_form=ActionForm(),
        may_change=services.may_change_status(current_person(), delegation),
        public_result=public_result,
    )


@bp.route("/<int:delegation_id>/recheck", methods=["POST"])
def recheck(delegation_id: int):
    """Decide the delegation again on today's records and keep that decision."""
    delegation = visible_delegation_or_404(delegation_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    previous = standing_of(delegation).status
    _, record = services.recheck_delegation(delegation, current_person())
    db.session.commit()
    if record.status != previous:
        flash(f"Re-checked: the standing changed from {previous} to {record.status}.", "info")
    else:
        flash(f"Re-checked: the standing is still {record.status}.", "info")
    return redirect(url_for("delegations.detail", delegation_id=delegation.id))


@bp.route("/<int:delegation_id>/status", methods=["POST"])
def change_status(delegation_id: int):
    """Mark a planned delegation performed or cancelled."""
    delegation = visible_delegation_or_404(delegation_id)
    if not services.may_change_status(current_person(), delegation):
        abort(403)
    form = StatusForm()
    if not form.validate_on_submit():
        problems = [e for field in (form.status, form.reason) for e in field.errors]
        flash(" ".join(problems) or "Choose performed or cancelled.", "danger")
        return redirect(url_for("delegations.detail", delegation_id=delegation.id))
    try:
        services.change_status(
            delegation,
            DelegationStatus(form.status.data),
            current_person(),
            reason=form.reason.data,
        )
    except Refused as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"Delegation marked {delegation.status.value}.", "success")
    return redirect(url_for("delegations.detail", delegation_id=delegation.id))


@bp.route("/performed-while-flagged")
def flagged_performed():
    """List delegations marked performed while their standing was flagged, with the reason."""
    page = max(request.args.get("page", 1, type=int), 1)
    delegations = db.session.scalars(
        performed_while_flagged().limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "delegations/performed_while_flagged.html",
        delegations=delegations[:PAGE_SIZE],
        has_next=len(delegations) > PAGE_SIZE,
        page=page,
    )
