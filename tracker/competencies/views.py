from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.denied import refuse
from tracker.catalog.models import Task
from tracker.competencies import services
from tracker.competencies.forms import ChooseForm, CompetencyForm, RevokeForm
from tracker.competencies.models import Competency
from tracker.competencies.status import STATUS_STYLE
from tracker.extensions import db
from tracker.form_pages import current_person, save_form
from tracker.return_to import back_after_save, next_page
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.vocabulary import Role, TaskKind

bp = Blueprint("competencies", __name__, url_prefix="/competencies")

PAGE_SIZE = 50

_LOAD = (
    selectinload(Competency.person).selectinload(Person.sites),
    selectinload(Competency.task),
    selectinload(Competency.validated_by),
    selectinload(Competency.entered_by),
)


def visible_competency_or_404(competency_id: int) -> Competency:
    """A competency the signed-in person may see; an assistant sees only their own."""
    comp = db.session.scalar(
        services.visible_competencies(current_person())
        .where(Competency.id == competency_id)
        .options(*_LOAD)
    )
    if comp is None:
        abort(404)
    return comp


def _timezone_of(person: Person) -> str:
    return person.sites[0].timezone if person.sites else "UTC"


@bp.route("/")
def index():
    """List competencies: every assistant's for office staff and providers, one's own for an
    assistant."""
    me = current_person()
    query = services.visible_competencies(me).join(Competency.person).join(Competency.task)
    person_id = request.args.get("person", type=int)
    task_code = request.args.get("task") or ""
    if person_id and me.role != Role.assistant:
        query = query.where(Competency.person_id == person_id)
    if task_code:
        query = query.where(Task.code == task_code)
    q = (request.args.get("q") or "").strip()[:100]
    for word in q.split():
        query = query.where(
            Person.name.icontains(word, autoescape=True)
            | Person.email.icontains(word, autoescape=True)
            | Task.name.icontains(word, autoescape=True)
        )
    page = db.paginate(
        query.order_by(Person.name, Task.name, Competency.id.desc()).options(*_LOAD),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    assistants = []
    if me.role != Role.assistant:
        assistants = db.session.scalars(
            select(Person).where(Person.role == Role.assistant).order_by(Person.name)
        ).all()
    tasks = db.session.scalars(
        select(Task).where(Task.kind != TaskKind.reserved).order_by(Task.name)
    ).all()
    return render_template(
        "competencies/index.html",
        page=page,
        lines=services.lines_for(list(page.items), today, within),
        assistants=assistants,
        tasks=tasks,
        person_id=person_id,
        task_code=task_code,
        q=q,
        status_style=STATUS_STYLE,
        may_record=services.may_record(me),
    )


def _choose(me: Person) -> tuple[ChooseForm, Person | None, Task | None]:
    """The first step: the assistant and task named in the query string, when they are fit."""
    form = ChooseForm(me, formdata=request.args if request.args else None)
    if not request.args:
        return form, None, None
    assistant, task, problems = services.sign_off_choice(
        me, request.args.get("person_id", 0, type=int), request.args.get("task") or ""
    )
    form.person_id.errors = []
    form.task.errors = []
    for problem in problems.items:
        form[problem.field].errors.append(problem.message)
    if problems:
        return form, None, None
    return form, assistant, task


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Sign off (or record) an assistant's competency for a task."""
    me = current_person()
    if not services.may_record(me):
        refuse("only providers, approved observers, managers and admins record competencies")
    choose, assistant, task = _choose(me)
    if assistant is None:
        status = 400 if request.args else 200
        return render_template("competencies/choose.html", form=choose), status
    form = CompetencyForm(me, assistant, task)
    if request.method == "GET" and not services.enters_on_behalf(me):
        form.validated_by.data = me.id
        form.validated_on.data = services.local_today(assistant)  # signing off as they watch
    if form.validate_on_submit():
        saved, comp = save_form(
            form,
            lambda: services.record_competency(assistant, task, form.to_input(), me),
            flash_general=False,
        )
        if saved:
            flash(f"{task.name} competency recorded for {assistant.name}.", "success")
            return back_after_save(
                redirect(url_for("competencies.detail", competency_id=comp.id)), me
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "competencies/form.html",
        form=form,
        assistant=assistant,
        task=task,
        on_behalf=services.enters_on_behalf(me),
        general_errors=form.form_errors,
        comp=None,
        requirements=services.signoff_requirements(assistant, task, practice_today()),
        next_url=next_page(),
    ), status


@bp.route("/<int:competency_id>")
def detail(competency_id: int):
    """Show one competency, who signed it off and who entered it, and its history."""
    comp = visible_competency_or_404(competency_id)
    me = current_person()
    line = services.lines_for([comp], practice_today(), current_app.config["EXPIRING_WITHIN_DAYS"])[
        0
    ]
    revoke_form = RevokeForm()
    if revoke_form.revoked_on.data is None:
        revoke_form.revoked_on.data = practice_today()
    return _render_detail(comp, line, revoke_form, me)


def _render_detail(comp, line, revoke_form, me, status=200):
    return render_template(
        "competencies/detail.html",
        comp=comp,
        line=line,
        tz=_timezone_of(comp.person),
        status_style=STATUS_STYLE,
        revoke_form=revoke_form,
        may_correct=services.may_correct(me, comp),
        may_revoke=services.enters_on_behalf(me) and comp.revoked_on is None,
    ), status


@bp.route("/<int:competency_id>/edit", methods=["GET", "POST"])
def edit(competency_id: int):
    """Correct a competency record (the audit keeps the values before and after)."""
    comp = visible_competency_or_404(competency_id)
    me = current_person()
    if not services.may_correct(me, comp):
        refuse("only managers, admins and the record's validator correct a competency")
    # The stored values fill the form, and stay where a POST leaves a field out: an edit
    # changes only what it was sent.
    form = CompetencyForm(
        me,
        comp.person,
        comp.task,
        validator=comp.validated_by,
        data={
            "trained_on": comp.trained_on,
            "training_hours": (
                Decimal(f"{comp.training_hours:g}") if comp.training_hours is not None else None
            ),
            "validated_on": comp.validated_on,
            "validated_by": comp.validated_by_id or (0 if services.enters_on_behalf(me) else me.id),
            "expires_on": comp.expires_on,
            "prior_employer": comp.prior_employer,
            "evidence": comp.evidence,
        },
    )
    form.submit.label.text = "Save correction"
    # From a decision's fix: the record lacks a sign-off here; validating it is the change.
    validating = request.args.get("validate") == "1" and (
        comp.prior_employer or comp.validated_on is None
    )
    if validating and request.method == "GET":
        form.prior_employer.data = False
        form.validated_on.data = services.local_today(comp.person)
        if not services.enters_on_behalf(me):
            form.validated_by.data = me.id
        form.submit.label.text = "Sign off"
    if form.validate_on_submit():
        saved, changed = save_form(
            form,
            lambda: services.correct_competency(comp, form.to_input(), me),
            flash_general=False,
        )
        if saved:
            flash("Competency corrected." if changed else "Nothing changed.", "success")
            return back_after_save(
                redirect(url_for("competencies.detail", competency_id=comp.id)), me
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "competencies/form.html",
        form=form,
        assistant=comp.person,
        task=comp.task,
        on_behalf=services.enters_on_behalf(me),
        general_errors=form.form_errors,
        comp=comp,
        requirements=services.signoff_requirements(
            comp.person, comp.task, comp.validated_on or practice_today()
        ),
        next_url=next_page(),
        validating=validating,
    ), status


@bp.route("/<int:competency_id>/revoke", methods=["POST"])
def revoke(competency_id: int):
    """Revoke a competency from a day on, with a reason."""
    comp = visible_competency_or_404(competency_id)
    me = current_person()
    form = RevokeForm()
    if form.validate_on_submit():
        saved, _ = save_form(
            form,
            lambda: services.revoke_competency(comp, form.revoked_on.data, form.reason.data, me),
            flash_general=False,  # the page shows the revoke form's errors itself
        )
        if saved:
            flash(f"Competency revoked from {form.revoked_on.data.isoformat()}.", "success")
            return redirect(url_for("competencies.detail", competency_id=comp.id))
    line = services.lines_for([comp], practice_today(), current_app.config["EXPIRING_WITHIN_DAYS"])[
        0
    ]
    return _render_detail(comp, line, form, me, status=400)
