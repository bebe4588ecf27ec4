from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from tracker import dates
from tracker.catalog.models import Task
from tracker.dates import zone
from tracker.decision.models import DecisionRecord
from tracker.decision.services import public_result
from tracker.delegations import services
from tracker.delegations.forms import DelegationForm, StatusForm
from tracker.delegations.models import Delegation, DelegationCheck
from tracker.delegations.queries import (
    marked_performed_by,
    performed_while_flagged,
    standing_of,
    visible_delegations,
)
from tracker.errors import Refused, show_on_form
from tracker.extensions import db
from tracker.form_pages import current_person, save_form
from tracker.forms import ActionForm
from tracker.return_to import came_back
from tracker.sites.models import Site
from tracker.sites.queries import practice_timezone
from tracker.staff import signals as person_signals
from tracker.staff.models import Person
from tracker.validation import bounded_date
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
            saved, delegation = save_form(
                form,
                lambda: services.record_delegation(
                    scheduled_for=moment, in_room=form.in_room.data, **values
                ),
                fields=FORM_FIELDS,
            )
            if saved:
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


#: The list's sortable columns: the key in the query string and what it orders by.
SORTS = {
    "when": lambda: [Delegation.scheduled_for],
    "assistant": lambda: [_assistant.name],
    "task": lambda: [Task.name],
    "site": lambda: [Site.name],
    "delegated_by": lambda: [_delegator.name],
    "standing": lambda: [DecisionRecord.status],
    "status": lambda: [Delegation.status],
}
_assistant, _delegator = aliased(Person), aliased(Person)


def _list_filters() -> dict:
    """The list's filters from the query string; a bad value is a 400 (no form to show it)."""
    args = request.args
    values = {
        "status": args.get("status") or "",
        "flagged": args.get("flagged") == "1",
        "q": (args.get("q") or "").strip()[:100],
        "site": args.get("site") or "",
        "sort": args.get("sort") or "when",
        "dir": args.get("dir") or "desc",
    }
    if values["sort"] not in SORTS or values["dir"] not in ("asc", "desc"):
        abort(400)
    for name in ("from", "to"):
        text = (args.get(name) or "").strip()
        try:
            values[name] = bounded_date(text) if text else None
        except ValueError:
            abort(400)
    return values


@bp.route("/")
def index():
    """List the delegations the signed-in person may see: filtered, sorted, counted."""
    f = _list_filters()
    query = (
        visible_delegations(current_user)
        .join(Delegation.standing)
        .join(_assistant, _assistant.id == Delegation.assistant_id)
        .join(_delegator, _delegator.id == Delegation.delegated_by_id)
        .join(Task, Task.id == Delegation.task_id)
        .join(Site, Site.id == Delegation.site_id)
    )
    if f["status"]:
        try:
            query = query.where(Delegation.status == DelegationStatus(f["status"]))
        except ValueError:
            abort(400)
    if f["flagged"]:
        query = query.where(DecisionRecord.status != "clear")
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if f["site"]:
        if f["site"] not in {s.code for s in sites}:
            abort(400)
        query = query.where(Site.code == f["site"])
    # Days on the practice's clock, as the delegations CSV reads them.
    tz = zone(practice_timezone())
    if f["from"]:
        query = query.where(Delegation.scheduled_for >= datetime.combine(f["from"], time(), tz))
    if f["to"]:
        after = f["to"] + timedelta(days=1)
        query = query.where(Delegation.scheduled_for < datetime.combine(after, time(), tz))
    for word in f["q"].split():
        query = query.where(
            _assistant.name.icontains(word, autoescape=True)
            | _assistant.email.icontains(word, autoescape=True)
            | Task.name.icontains(word, autoescape=True)
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    columns = SORTS[f["sort"]]()
    order = [c.desc() if f["dir"] == "desc" else c.asc() for c in columns]
    page = max(request.args.get("page", 1, type=int), 1)
    delegations = db.session.scalars(
        query.order_by(*order, Delegation.scheduled_for.desc(), Delegation.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    keep = {
        "status": f["status"] or None,
        "flagged": "1" if f["flagged"] else None,
        "q": f["q"] or None,
        "site": f["site"] or None,
        "from": f["from"].isoformat() if f["from"] else None,
        "to": f["to"].isoformat() if f["to"] else None,
    }
    return render_template(
        "delegations/index.html",
        delegations=delegations[:PAGE_SIZE],
        has_next=len(delegations) > PAGE_SIZE,
        page=page,
        total=total,
        page_size=PAGE_SIZE,
        statuses=list(DelegationStatus),
        sites=sites,
        filters=f,
        keep=keep,
        sort={"key": f["sort"], "dir": f["dir"], "args": keep},
        status=f["status"],
        flagged=f["flagged"],
        q=f["q"],
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
    return _render_detail(visible_delegation_or_404(delegation_id), StatusForm())


def _render_detail(delegation: Delegation, status_form: StatusForm, status: int = 200):
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
        status_form=status_form,
        action_form=ActionForm(),
        may_change=services.may_change_status(current_person(), delegation),
        public_result=public_result,
    ), status


def _recheck_on_return(endpoint: str, args: dict, actor, **_) -> str | None:
    """A fix saved from a delegation's page: re-check it there and then, so the page gone
    back to shows whether the fix made it clear."""
    if endpoint != "delegations.detail":
        return None
    delegation = db.session.scalar(
        visible_delegations(actor).where(Delegation.id == args.get("delegation_id"))
    )
    if delegation is None or delegation.status != DelegationStatus.planned:
        return None
    previous = standing_of(delegation).status
    _, record = services.recheck_delegation(delegation, actor)
    if record.status != previous:
        return f"Re-checked after the fix: the standing changed from {previous} to {record.status}."
    return f"Re-checked after the fix: the standing is still {record.status}."


came_back.connect(_recheck_on_return)


def _planned_delegations_of(person, **_) -> str | None:
    """Words for the deactivation page: the planned delegations naming the person (as the
    assistant or the delegating provider), which are flagged once they are deactivated."""
    count = db.session.scalar(
        select(func.count(Delegation.id)).where(
            Delegation.status == DelegationStatus.planned,
            (Delegation.assistant_id == person.id) | (Delegation.delegated_by_id == person.id),
        )
    )
    if not count:
        return None
    role = "the assistant" if person.role == Role.assistant else "the delegating provider"
    return (
        f"{count} planned delegation{'' if count == 1 else 's'} name{'s' if count == 1 else ''} "
        f"{person.name} as {role}: {'it is' if count == 1 else 'they are'} re-checked and "
        "flagged once they are deactivated."
    )


person_signals.deactivation_affects.connect(_planned_delegations_of)


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
        if not (form.status.errors or form.reason.errors):
            form.status.errors = ["Choose performed or cancelled."]
        return _render_detail(delegation, form, 400)
    saved, _ = save_form(
        form,
        lambda: services.change_status(
            delegation,
            DelegationStatus(form.status.data),
            current_person(),
            reason=form.reason.data,
        ),
        flash_general=False,
    )
    if not saved:
        # The choice stays, and each problem is shown next to its field (above the page
        # when the status form is no longer shown: it is not planned any more).
        form_shown = delegation.status == DelegationStatus.planned
        above = form.form_errors if form_shown else [m for ms in form.errors.values() for m in ms]
        for message in above:
            flash(message, "danger")
        return _render_detail(delegation, form, 400)
    flash(f"Delegation marked {delegation.status.value}.", "success")
    return redirect(url_for("delegations.detail", delegation_id=delegation.id))


@bp.route("/performed-while-flagged")
def flagged_performed():
    """List delegations marked performed while their standing was flagged: who marked them,
    when, and the reason they gave."""
    page = max(request.args.get("page", 1, type=int), 1)
    delegations = db.session.scalars(
        performed_while_flagged().limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    shown = delegations[:PAGE_SIZE]
    return render_template(
        "delegations/performed_while_flagged.html",
        delegations=shown,
        marked=marked_performed_by([d.id for d in shown]),
        has_next=len(delegations) > PAGE_SIZE,
        page=page,
    )
