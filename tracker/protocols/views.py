"""Pages for protocols and directions (DESIGN section 15).

Providers approve protocols and give directions; managers write drafts and see who has not
read the current version; assistants read and acknowledge, and see their directions today.
Thin views: validate the form, call a verb, commit, flash, redirect.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.form_pages import form_page as _form_page
from tracker.form_pages import get_or_404 as _get_or_404
from tracker.form_pages import save_form as _save
from tracker.protocols import queries, services
from tracker.protocols.forms import (
    AcknowledgeForm,
    ApproveForm,
    CarriedOutForm,
    DirectionForm,
    ProtocolForm,
)
from tracker.protocols.models import Direction, Protocol
from tracker.sites.models import Site
from tracker.sites.queries import practice_timezone, practice_today
from tracker.staff.models import Person
from tracker.vocabulary import RECORD_KEEPERS, ProtocolState, Role, TaskKind

bp = Blueprint("protocols", __name__)


def _direction_tasks() -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.needs_direction.is_(True), Task.kind != TaskKind.reserved)
            .order_by(Task.name)
        )
    )


def _sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


# --------------------------------------------------------------------------- protocols


@bp.route("/protocols")
def index():
    """List the protocols: what each covers, its state, and who has not read it."""
    viewer = current_person()
    query = select(Protocol).options(
        selectinload(Protocol.tasks),
        selectinload(Protocol.sites),
        selectinload(Protocol.approved_by),
    )
    if viewer.role == Role.assistant:
        query = query.where(Protocol.state == ProtocolState.approved)
    protocols = list(db.session.scalars(query.order_by(Protocol.code, Protocol.version.desc())))
    if viewer.role == Role.assistant:
        protocols = [p for p in protocols if queries.covers_person(p, viewer)]
    approved = [p for p in protocols if p.state == ProtocolState.approved]
    missing = queries.not_acknowledged(approved) if viewer.role != Role.assistant else {}
    read = queries.acknowledged_ids([viewer.id]) if viewer.role == Role.assistant else set()
    return render_template(
        "protocols/index.html",
        protocols=protocols,
        missing=missing,
        read={protocol_id for _, protocol_id in read},
        today=practice_today(),
    )


@bp.route("/protocols/new", methods=["GET", "POST"])
def new():
    """Write a protocol version as a draft for a provider to approve."""
    form = ProtocolForm()
    tasks, sites = _direction_tasks(), _sites()
    form.tasks.choices = [(t.id, t.name) for t in tasks]
    form.sites.choices = [(s.id, s.name) for s in sites]
    if request.method == "GET" and request.args.get("code"):
        latest = db.session.scalar(
            select(Protocol)
            .where(Protocol.code == request.args["code"])
            .order_by(Protocol.version.desc())
            .limit(1)
        )
        if latest is not None:  # the next version, prefilled from the latest
            form.code.data, form.title.data = latest.code, latest.title
            form.version.data = latest.version + 1
            form.tasks.data = [t.id for t in latest.tasks]
            form.sites.data = [s.id for s in latest.sites]
            form.document.data = latest.document
    if form.validate_on_submit():
        chosen_tasks = [t for t in tasks if t.id in (form.tasks.data or [])]
        chosen_sites = [s for s in sites if s.id in (form.sites.data or [])]
        saved, protocol = _save(
            form,
            lambda: services.create_protocol(
                current_person(),
                code=form.code.data,
                title=form.title.data,
                version=form.version.data,
                tasks=chosen_tasks,
                sites=chosen_sites,
                document=form.document.data or "",
            ),
        )
        if saved:
            flash(f"{protocol.label} was saved as a draft; a provider must approve it.", "success")
            return redirect(url_for("protocols.detail", protocol_id=protocol.id))
    return _form_page("Write a protocol", form, url_for("protocols.index"))


def _visible_protocol(protocol_id: int) -> Protocol:
    protocol = _get_or_404(Protocol, protocol_id)
    viewer = current_person()
    if viewer.role == Role.assistant and (
        protocol.state == ProtocolState.draft or not queries.covers_person(protocol, viewer)
    ):
        abort(404)
    return protocol


@bp.route("/protocols/<int:protocol_id>")
def detail(protocol_id: int):
    """One protocol version: what it covers, its document, its approval and its readers."""
    protocol = _visible_protocol(protocol_id)
    viewer = current_person()
    acknowledged = None
    if viewer.role == Role.assistant:
        acknowledged = (viewer.id, protocol.id) in queries.acknowledged_ids([viewer.id])
    missing = []
    if viewer.role != Role.assistant and protocol.state == ProtocolState.approved:
        missing = queries.not_acknowledged([protocol])[protocol.id]
    problems = []
    if viewer.role == Role.provider and protocol.state == ProtocolState.draft:
        problems = services.approval_problems(protocol, viewer, practice_today())
    return render_template(
        "protocols/detail.html",
        protocol=protocol,
        acknowledged=acknowledged,
        missing=missing,
        approval_problems=problems,
        approve_form=ApproveForm(formdata=None),
        acknowledge_form=AcknowledgeForm(formdata=None),
        may_write=viewer.role in RECORD_KEEPERS,
    )


@bp.route("/protocols/<int:protocol_id>/approve", methods=["POST"])
def approve(protocol_id: int):
    """The signed-in provider approves a draft (retiring the version before it)."""
    protocol = _get_or_404(Protocol, protocol_id)
    form = ApproveForm()
    if form.validate_on_submit():
        me = current_person()
        saved, _ = _save(
            form,
            lambda: services.approve_protocol(
                me,
                protocol,
                approved_by=me,
                approved_on=practice_today(),
                review_by=form.review_by.data,
            ),
        )
        if saved:
            flash(f"You approved {protocol.label}; review it by {protocol.review_by}.", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("protocols.detail", protocol_id=protocol.id))


@bp.route("/protocols/<int:protocol_id>/acknowledge", methods=["POST"])
def acknowledge(protocol_id: int):
    """The signed-in assistant confirms having read this version."""
    protocol = _visible_protocol(protocol_id)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        me = current_person()
        saved, _ = _save(form, lambda: services.acknowledge_protocol(me, protocol, me, dates.now()))
        if saved:
            flash(f"You acknowledged {protocol.label}.", "success")
    return redirect(url_for("protocols.detail", protocol_id=protocol.id))


# --------------------------------------------------------------------------- directions


@bp.route("/directions")
def directions():
    """Directions of today: an assistant's own, a provider's open ones, or everyone's."""
    viewer = current_person()
    tz = practice_timezone()
    today = dates.today(tz)
    first, last = queries.day_window(today, tz)
    if viewer.role == Role.provider:  # open ones, whenever given
        first = dates.now()
        last = first + timedelta(days=2)
    found = queries.visible_directions(viewer, first, last)
    return render_template(
        "protocols/directions.html",
        directions=found,
        today=today,
        now=dates.now(),
        done_form=CarriedOutForm(formdata=None),
    )


@bp.route("/directions/new", methods=["GET", "POST"])
def direction_new():
    """The signed-in provider gives a direction for one request, for today."""
    me = current_person()
    form = DirectionForm()
    assistants = queries.active_assistants()
    tasks, sites = _direction_tasks(), _sites()
    form.assistant.choices = [(0, "Choose an assistant…")] + [(a.id, a.name) for a in assistants]
    form.task.choices = [(0, "Choose a task…")] + [(t.id, t.name) for t in tasks]
    form.site.choices = [(0, "Choose a site…")] + [(s.id, s.name) for s in sites]
    if request.method == "GET":  # prefilled from a fix link or the "ask" page
        by_email = {a.email: a.id for a in assistants}
        form.assistant.data = by_email.get(request.args.get("assistant", ""), 0)
        form.task.data = next((t.id for t in tasks if t.code == request.args.get("task")), 0)
        form.site.data = next((s.id for s in sites if s.code == request.args.get("site")), 0)
    if form.validate_on_submit():
        assistant = db.session.get(Person, form.assistant.data)
        task = db.session.get(Task, form.task.data)
        site = db.session.get(Site, form.site.data)
        until = form.valid_until.data
        if until is not None:
            until = until.replace(tzinfo=dates.zone(site.timezone))
        saved, direction = _save(
            form,
            lambda: services.give_direction(
                me,
                provider=me,
                assistant=assistant,
                task=task,
                site=site,
                given_at=dates.now_to_the_second(),
                valid_until=until,
                reference=form.reference.data,
            ),
        )
        if saved:
            flash(
                f"Your direction {direction.reference} for {assistant.name} ({task.name} at "
                f"{site.name}) was recorded.",
                "success",
            )
            return redirect(url_for("protocols.directions"))
    return _form_page(
        "Give a direction",
        form,
        url_for("protocols.directions"),
        template="protocols/direction_form.html",
    )


@bp.route("/directions/<int:direction_id>/carried-out", methods=["POST"])
def direction_done(direction_id: int):
    """The assistant (or the provider) marks a direction carried out."""
    direction = _get_or_404(Direction, direction_id)
    viewer = current_person()
    if viewer.id not in (direction.assistant_id, direction.provider_id):
        abort(404)
    form = CarriedOutForm()
    if form.validate_on_submit():
        saved, _ = _save(form, lambda: services.mark_carried_out(viewer, direction))
        if saved:
            flash(f"Direction {direction.reference} is marked carried out.", "success")
    return redirect(url_for("protocols.directions"))
