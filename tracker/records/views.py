"""Pages that keep the practice's records: people, sites, licenses, credentials, supervision
assignments, shifts, the practice's own tasks, and what is expiring.

Thin views: validate the form, call a verb in ``staff_services``, commit, flash, redirect.
A verb's problems are shown next to the fields they concern and nothing is written.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta

import click
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from tracker import dates
from tracker.auth.guard import refuse
from tracker.dates import zone
from tracker.domain import Role, TaskKind
from tracker.extensions import db
from tracker.paging import page_of
from tracker.practice.parsing import timezones
from tracker.records import staff_services as services
from tracker.records.forms import (
    ActionForm,
    AssignmentForm,
    CredentialForm,
    EndAssignmentForm,
    LicenseForm,
    PersonForm,
    ShiftForm,
    SiteForm,
    TaskForm,
)
from tracker.records.models import Task
from tracker.sites.queries import practice_today
from tracker.staff import services as staff_read
from tracker.staff.models import Credential, License, Person, Shift, Site, SupervisionAssignment
from tracker.validation import bounded_date

bp = Blueprint("records", __name__, url_prefix="/records", cli_group=None)

#: Choices offered on the expiring page (any whole number of days up to a year is accepted).
EXPIRING_CHOICES = (30, 60, 90)
MAX_EXPIRING_DAYS = 366

CONFLICT = "Someone changed these records at the same time; nothing was saved. Please try again."


# --------------------------------------------------------------------------- helpers


def _me() -> Person:
    return current_user._get_current_object()


def _get_or_404(model, record_id: int):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _save(form, change):
    """Run a change and commit it; on problems show them on the form and write nothing."""
    try:
        result = change()
        db.session.commit()
    except services.RecordProblems as exc:
        db.session.rollback()
        for field, message in exc.problems:
            if field and field in form:
                form[field].errors = [*form[field].errors, message]
            else:
                flash(message, "danger")
        return False, None
    except IntegrityError:
        db.session.rollback()
        flash(CONFLICT, "danger")
        return False, None
    return True, result


def _form_page(title: str, form, cancel_url: str, template="records/form.html", **context):
    return render_template(template, title=title, form=form, cancel_url=cancel_url, **context)


def _keepable_person_or_refuse(person_id: int) -> Person:
    """A person whose record the signed-in user may change (managers: not accounts)."""
    person = _get_or_404(Person, person_id)
    if not services.may_keep_person(_me(), person):
        refuse(f"only an administrator may change a {person.role.value}'s record")
    return person


def _training_file(person: Person):
    return redirect(url_for("staff.training_file", person_id=person.id))


# --------------------------------------------------------------------------- index


@bp.route("/")
def index():
    """Show the records the practice keeps, with links to each list."""
    return render_template("records/index.html")


# --------------------------------------------------------------------------- people


def _person_choices(form: PersonForm, person: Person | None = None) -> None:
    me = _me()
    if person is not None and me.role != Role.admin:
        roles = [person.role]  # only an administrator changes a role
    else:
        roles = services.roles_for(me)
    form.role.choices = [SelectChoice(r.value, r.label) for r in roles]
    if me.role != Role.admin:
        del form.must_change_password  # an administrator's decision
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    form.sites.choices = [SelectChoice(s.id, f"{s.name} ({s.state})") for s in sites]


def _person_values(form: PersonForm) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "role": Role(form.role.data),
        "job_level": form.job_level.data or None,
        "site_ids": form.sites.data or [],
        "can_validate": form.can_validate.data,
        "password": form.password.data or None,
        "min_password_length": current_app.config["PASSWORD_MIN_LENGTH"],
        "must_change_password": (
            form.must_change_password.data if "must_change_password" in form else None
        ),
    }


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    """Add a person to the practice."""
    form = PersonForm()
    _person_choices(form)
    if request.method == "GET":
        form.role.data = Role.assistant.value
    if form.validate_on_submit():
        saved, person = _save(form, lambda: services.create_person(_me(), **_person_values(form)))
        if saved:
            flash(f"{person.name} was added.", "success")
            return _training_file(person)
    return _form_page(
        "Add a person", form, url_for("staff.staff_list"), template="records/person_form.html"
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def person_edit(person_id: int):
    """Change a person's record: name, email, role, job level, sites, sign-off, password."""
    person = _keepable_person_or_refuse(person_id)
    form = PersonForm(obj=person if request.method == "GET" else None)
    _person_choices(form, person)
    if request.method == "GET":
        form.role.data = person.role.value
        form.sites.data = [s.id for s in person.sites]
        form.password.data = ""
    if form.validate_on_submit():
        saved, gained = _save(
            form, lambda: services.update_person(_me(), person, **_person_values(form))
        )
        if saved:
            flash(f"{person.name}'s record was saved.", "success")
            if gained:
                _flash_moving(person, gained)
                return redirect(
                    url_for(
                        "staff.training_file",
                        person_id=person.id,
                        _anchor=f"scope-{min(gained)}",
                    )
                )
            return _training_file(person)
    return _form_page(
        f"Edit {person.name}",
        form,
        url_for("staff.training_file", person_id=person.id),
        template="records/person_form.html",
        person=person,
        action_form=ActionForm(),
    )


def _flash_moving(person: Person, gained: set[str]) -> None:
    """Tell the manager what to re-verify in each state the assistant now works in."""
    for scope in staff_read.state_scope(person, practice_today(), gained):
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


def _set_active(person_id: int, active: bool):
    person = _keepable_person_or_refuse(person_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    saved, changed = _save(form, lambda: services.set_active(_me(), person, active))
    if saved and changed:
        word = "reactivated" if active else "deactivated; they can no longer sign in"
        flash(f"{person.name} was {word}.", "success")
    elif saved:
        flash(f"{person.name} was already {'active' if active else 'deactivated'}.", "info")
    return _training_file(person)


@bp.route("/people/<int:person_id>/deactivate", methods=["POST"])
def person_deactivate(person_id: int):
    """Deactivate a person (kept, never deleted; they can no longer sign in)."""
    return _set_active(person_id, False)


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
def person_reactivate(person_id: int):
    """Reactivate a deactivated person."""
    return _set_active(person_id, True)


# --------------------------------------------------------------------------- sites


@bp.route("/sites")
def site_list():
    """List the practice's sites."""
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return render_template("records/sites.html", sites=sites)


def _site_values(form: SiteForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "state": form.state.data,
        "timezone": form.timezone.data,
    }


@bp.route("/sites/new", methods=["GET", "POST"])
def site_new():
    """Add a site."""
    form = SiteForm()
    if form.validate_on_submit():
        saved, site = _save(form, lambda: services.create_site(_me(), **_site_values(form)))
        if saved:
            flash(f"Site {site.name} was added.", "success")
            return redirect(url_for("records.site_list"))
    return _form_page(
        "Add a site", form, url_for("records.site_list"), timezones=sorted(timezones())
    )


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def site_edit(site_id: int):
    """Change a site's code, name, state or time zone."""
    site = _get_or_404(Site, site_id)
    form = SiteForm(obj=site if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(form, lambda: services.update_site(_me(), site, **_site_values(form)))
        if saved:
            flash(f"Site {site.name} was saved.", "success")
            return redirect(url_for("records.site_list"))
    return _form_page(
        f"Edit site {site.name}",
        form,
        url_for("records.site_list"),
        timezones=sorted(timezones()),
    )


# --------------------------------------------------------------------------- licenses


def _license_values(form: LicenseForm) -> dict:
    return {
        "type": form.type.data,
        "number": form.number.data,
        "state": form.state.data,
        "expires_on": form.expires_on.data,
    }


@bp.route("/people/<int:person_id>/licenses/new", methods=["GET", "POST"])
def license_new(person_id: int):
    """Record a provider's license."""
    person = _get_or_404(Person, person_id)
    if person.role != Role.provider:
        flash(f"Licenses are kept for providers; {person.name} is not a provider.", "warning")
        return _training_file(person)
    form = LicenseForm()
    if request.method == "GET" and person.sites:
        form.state.data = person.sites[0].state
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.create_license(_me(), person, **_license_values(form))
        )
        if saved:
            flash(f"The license was added to {person.name}'s record.", "success")
            return _training_file(person)
    return _form_page(
        f"Add a license for {person.name}",
        form,
        url_for("staff.training_file", person_id=person.id),
    )


@bp.route("/licenses/<int:license_id>/edit", methods=["GET", "POST"])
def license_edit(license_id: int):
    """Change a license (a renewal changes its expiry)."""
    lic = _get_or_404(License, license_id)
    form = LicenseForm(obj=lic if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(form, lambda: services.update_license(_me(), lic, **_license_values(form)))
        if saved:
            flash(f"{lic.person.name}'s license was saved.", "success")
            return _training_file(lic.person)
    return _form_page(
        f"Edit {lic.person.name}'s {lic.type} license",
        form,
        url_for("staff.training_file", person_id=lic.person_id),
    )


# --------------------------------------------------------------------------- credentials


def _credential_values(form: CredentialForm) -> dict:
    return {name: form[name].data for name in services.CREDENTIAL_FIELDS} | {
        "today": practice_today()
    }


@bp.route("/people/<int:person_id>/credentials/new", methods=["GET", "POST"])
def credential_new(person_id: int):
    """Record a credential (CMA, RMA, a permit…) for anyone in the practice."""
    person = _get_or_404(Person, person_id)
    form = CredentialForm()
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.create_credential(_me(), person, **_credential_values(form))
        )
        if saved:
            flash(f"The credential was added to {person.name}'s record.", "success")
            return _training_file(person)
    return _form_page(
        f"Add a credential for {person.name}",
        form,
        url_for("staff.training_file", person_id=person.id),
    )


@bp.route("/credentials/<int:credential_id>/edit", methods=["GET", "POST"])
def credential_edit(credential_id: int):
    """Change a credential (a renewal changes its dates)."""
    cred = _get_or_404(Credential, credential_id)
    form = CredentialForm(obj=cred if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.update_credential(_me(), cred, **_credential_values(form))
        )
        if saved:
            flash(f"{cred.person.name}'s {cred.type} credential was saved.", "success")
            return _training_file(cred.person)
    return _form_page(
        f"Edit {cred.person.name}'s {cred.type} credential",
        form,
        url_for("staff.training_file", person_id=cred.person_id),
    )


# --------------------------------------------------------------------------- supervision


def _people_choices(role: Role, keep: Person | None = None) -> list[SelectChoice]:
    people = list(
        db.session.scalars(
            select(Person).where(Person.role == role, Person.active).order_by(Person.name)
        )
    )
    if keep is not None and keep not in people:
        people.append(keep)
    return [SelectChoice(0, "Choose…")] + [
        SelectChoice(p.id, f"{p.name} ({p.email})") for p in people
    ]


def _site_choices() -> list[SelectChoice]:
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return [SelectChoice(0, "Choose…")] + [
        SelectChoice(s.id, f"{s.name} ({s.state})") for s in sites
    ]


def _assignment_choices(form, assignment: SupervisionAssignment | None = None) -> None:
    form.assistant.choices = _people_choices(
        Role.assistant, assignment.assistant if assignment else None
    )
    form.provider.choices = _people_choices(
        Role.provider, assignment.provider if assignment else None
    )
    form.site.choices = _site_choices()


def _assignment_values(form: AssignmentForm) -> dict:
    return {
        "assistant": _get_or_404(Person, form.assistant.data),
        "provider": _get_or_404(Person, form.provider.data),
        "site": _get_or_404(Site, form.site.data),
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
    }


def _flash_assignment_saved(assignment: SupervisionAssignment, what: str) -> None:
    flash(
        f"The supervision of {assignment.assistant.name} by {assignment.provider.name} at "
        f"{assignment.site.name} was {what}.",
        "success",
    )
    for warning in services.assignment_warnings(assignment):
        flash(warning, "warning")


def _date_arg(name: str) -> date | None:
    """A date from the query string (a prefilled link), or None when absent or malformed."""
    text = request.args.get(name, "")
    try:
        return bounded_date(text) if text else None
    except ValueError:
        return None


@bp.route("/assignments/new", methods=["GET", "POST"])
def assignment_new():
    """Assign a supervising provider to an assistant at a site."""
    form = AssignmentForm()
    _assignment_choices(form)
    if request.method == "GET":
        # Prefilled from a decision's "add a supervision assignment" link.
        form.assistant.data = request.args.get("assistant", 0, type=int)
        form.provider.data = request.args.get("provider", 0, type=int)
        site_code = request.args.get("site", "")
        site_id = db.session.scalar(select(Site.id).where(Site.code == site_code))
        if site_id is not None:
            form.site.data = site_id
        form.starts_on.data = _date_arg("starts_on") or practice_today()
    if form.validate_on_submit():
        saved, assignment = _save(
            form, lambda: services.create_assignment(_me(), **_assignment_values(form))
        )
        if saved:
            _flash_assignment_saved(assignment, "recorded")
            return _training_file(assignment.assistant)
    return _form_page("Add a supervision assignment", form, url_for("staff.staff_list"))


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
def assignment_edit(assignment_id: int):
    """Change a supervision assignment, or end it."""
    assignment = _get_or_404(SupervisionAssignment, assignment_id)
    form = AssignmentForm(obj=assignment if request.method == "GET" else None)
    _assignment_choices(form, assignment)
    if request.method == "GET":
        form.assistant.data = assignment.assistant_id
        form.provider.data = assignment.provider_id
        form.site.data = assignment.site_id
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.update_assignment(_me(), assignment, **_assignment_values(form))
        )
        if saved:
            _flash_assignment_saved(assignment, "saved")
            return _training_file(assignment.assistant)
    return _assignment_page(assignment, form, EndAssignmentForm(formdata=None))


def _assignment_page(assignment, form, end_form):
    if end_form.ends_on.data is None:
        end_form.ends_on.data = max(practice_today(), assignment.starts_on)
    return _form_page(
        "Edit a supervision assignment",
        form,
        url_for("staff.training_file", person_id=assignment.assistant_id),
        template="records/assignment_form.html",
        assignment=assignment,
        end_form=end_form,
    )


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
def assignment_end(assignment_id: int):
    """End a supervision assignment on a given last day (it is kept)."""
    assignment = _get_or_404(SupervisionAssignment, assignment_id)
    end_form = EndAssignmentForm()
    if end_form.validate_on_submit():
        saved, _ = _save(
            end_form, lambda: services.end_assignment(_me(), assignment, end_form.ends_on.data)
        )
        if saved:
            flash(
                f"The assignment of {assignment.assistant.name} to {assignment.provider.name} at "
                f"{assignment.site.name} ends on {assignment.ends_on.isoformat()}.",
                "success",
            )
            return _training_file(assignment.assistant)
    form = AssignmentForm(formdata=None, obj=assignment)
    _assignment_choices(form, assignment)
    form.assistant.data = assignment.assistant_id
    form.provider.data = assignment.provider_id
    form.site.data = assignment.site_id
    return _assignment_page(assignment, form, end_form), 400


# --------------------------------------------------------------------------- shifts


#: How far back and ahead the shift week view goes (its date picker's bounds).
SHIFT_WEEKS_BACK = timedelta(days=2 * 366)
SHIFT_WEEKS_AHEAD = timedelta(days=366)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@bp.route("/shifts")
def shift_week():
    """Show one site's shifts for a week (Monday to Sunday, in the site's time zone)."""
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if not sites:
        return render_template("records/shifts.html", sites=[], site=None)
    code = request.args.get("site") or sites[0].code
    site = next((s for s in sites if s.code == code), None)
    if site is None:
        abort(400)
    week_text = request.args.get("week")
    try:
        day = bounded_date(week_text) if week_text else None
    except ValueError:
        abort(400)
    tz = zone(site.timezone)
    today = dates.today(site.timezone)
    first, last = _week_start(today - SHIFT_WEEKS_BACK), _week_start(today + SHIFT_WEEKS_AHEAD)
    notice = None
    if day is None:
        day = today
    elif not first <= day <= last + timedelta(days=6):
        notice = (
            f"Shifts are shown for the weeks from {first.isoformat()} to {last.isoformat()}; "
            f"{day.isoformat()} is outside them, so this week is shown."
        )
        day = today
    monday = _week_start(day)
    start = datetime.combine(monday, time.min, tz)
    end = datetime.combine(monday + timedelta(days=7), time.min, tz)
    shifts = db.session.scalars(
        select(Shift)
        .where(Shift.site_id == site.id, Shift.starts_at < end, Shift.ends_at > start)
        .options(selectinload(Shift.provider))
        .order_by(Shift.starts_at)
    ).all()
    days = [monday + timedelta(days=i) for i in range(7)]
    #: day -> [(shift, ends on a later day)]
    by_day: dict[date, list[tuple[Shift, bool]]] = {d: [] for d in days}
    for shift in shifts:
        first_day = shift.starts_at.astimezone(tz).date()
        last_day = shift.ends_at.astimezone(tz).date()
        # A shift that began the Sunday before shows on Monday, where it is still running.
        by_day[max(first_day, monday)].append((shift, last_day != first_day))
    return render_template(
        "records/shifts.html",
        sites=sites,
        site=site,
        monday=monday,
        days=days,
        by_day=by_day,
        week_start=start,
        this_week=_week_start(today),
        next_week=_week_start(today) + timedelta(days=7),
        first_week=first,
        last_day=last + timedelta(days=6),
        notice=notice,
        today=today,
    )


def _shift_choices(form: ShiftForm, shift: Shift | None = None) -> None:
    form.provider.choices = _people_choices(Role.provider, shift.provider if shift else None)
    form.site.choices = _site_choices()


def _shift_values(form: ShiftForm) -> dict:
    return {
        "provider": _get_or_404(Person, form.provider.data),
        "site": _get_or_404(Site, form.site.data),
        "starts_local": form.starts_at.data,
        "ends_local": form.ends_at.data,
    }


def _week_of(shift: Shift):
    local = shift.starts_at.astimezone(zone(shift.site.timezone)).date()
    return redirect(
        url_for("records.shift_week", site=shift.site.code, week=_week_start(local).isoformat())
    )


@bp.route("/shifts/new", methods=["GET", "POST"])
def shift_new():
    """Put a provider on site for a shift (times in the site's local time)."""
    form = ShiftForm()
    _shift_choices(form)
    if request.method == "GET":
        site = db.session.scalar(select(Site).where(Site.code == request.args.get("site", "")))
        form.provider.data = request.args.get("provider", 0, type=int)
        if site is not None:
            form.site.data = site.id
            on = _date_arg("day")
            if on is not None:
                form.starts_at.data = datetime.combine(on, time(8, 0))
                form.ends_at.data = datetime.combine(on, time(17, 0))
    if form.validate_on_submit():
        saved, shift = _save(form, lambda: services.create_shift(_me(), **_shift_values(form)))
        if saved:
            flash(f"{shift.provider.name}'s shift at {shift.site.name} was added.", "success")
            return _week_of(shift)
    return _form_page("Add a shift", form, url_for("records.shift_week"))


@bp.route("/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
def shift_edit(shift_id: int):
    """Change a shift (times in the site's local time)."""
    shift = _get_or_404(Shift, shift_id)
    form = ShiftForm()
    _shift_choices(form, shift)
    if request.method == "GET":
        form.provider.data = shift.provider_id
        form.site.data = shift.site_id
        form.starts_at.data = services.site_wall_clock(shift.starts_at, shift.site.timezone)
        form.ends_at.data = services.site_wall_clock(shift.ends_at, shift.site.timezone)
    if form.validate_on_submit():
        saved, _ = _save(form, lambda: services.update_shift(_me(), shift, **_shift_values(form)))
        if saved:
            flash(f"{shift.provider.name}'s shift at {shift.site.name} was saved.", "success")
            return _week_of(shift)
    return _form_page(
        "Edit a shift",
        form,
        url_for("records.shift_week", site=shift.site.code),
    )


# --------------------------------------------------------------------------- tasks


@bp.route("/tasks")
def task_list():
    """List the task catalog and the practice's own tasks."""
    tasks = db.session.scalars(select(Task)).all()
    order = {TaskKind.administrative: 0, TaskKind.clinical: 1, TaskKind.reserved: 2}
    tasks = sorted(tasks, key=lambda t: (order[t.kind], t.name.lower()))
    return render_template("records/tasks.html", tasks=tasks)


def _task_values(form: TaskForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "kind": form.kind.data,
        "description": form.description.data or "",
    }


@bp.route("/tasks/new", methods=["GET", "POST"])
def task_new():
    """Add one of the practice's own tasks (administrative or clinical)."""
    form = TaskForm()
    if form.validate_on_submit():
        saved, task = _save(form, lambda: services.create_task(_me(), **_task_values(form)))
        if saved:
            flash(f"Task {task.name} was added.", "success")
            return redirect(url_for("records.task_list"))
    return _form_page("Add a task", form, url_for("records.task_list"))


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def task_edit(task_id: int):
    """Change one of the practice's own tasks (the built-in catalog cannot be changed)."""
    task = _get_or_404(Task, task_id)
    if task.builtin:
        abort(404)
    form = TaskForm(obj=task if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = task.kind.value
    if form.validate_on_submit():
        saved, _ = _save(form, lambda: services.update_task(_me(), task, **_task_values(form)))
        if saved:
            flash(f"Task {task.name} was saved.", "success")
            return redirect(url_for("records.task_list"))
    return _form_page(f"Edit task {task.name}", form, url_for("records.task_list"))


# --------------------------------------------------------------------------- expiring


#: Rows each list of the expiring page shows at a time.
EXPIRING_PAGE_SIZE = 50


@bp.route("/expiring")
def expiring():
    """List competencies, credentials and licenses expired or expiring within N days."""
    raw_days = request.args.get("days", "").strip()
    if raw_days and not (raw_days.isdigit() and int(raw_days) <= MAX_EXPIRING_DAYS):
        abort(400)
    days = int(raw_days) if raw_days else current_app.config["EXPIRING_WITHIN_DAYS"]
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    site_code = request.args.get("site") or None
    if site_code and site_code not in {s.code for s in sites}:
        abort(400)
    report = staff_read.expiring_items(practice_today(), days, site_code=site_code)
    return render_template(
        "records/expiring.html",
        report=report,
        due=page_of(report.due, request.args.get("page", type=int), EXPIRING_PAGE_SIZE),
        no_expiry=page_of(
            report.no_expiry, request.args.get("npage", type=int), EXPIRING_PAGE_SIZE
        ),
        sites=sites,
        choices=EXPIRING_CHOICES,
        status_style=staff_read.STATUS_STYLE,
    )


@bp.cli.command("expiring")
@click.option(
    "--days",
    type=click.IntRange(0, MAX_EXPIRING_DAYS),
    default=None,
    help="Days ahead (default: EXPIRING_WITHIN_DAYS, 60).",
)
@click.option("--site", "site_code", help="Only people who work at this site (its code).")
def expiring_command(days, site_code):
    """Print what is expired or expiring, one line per item (for a cron mail)."""
    if days is None:
        days = current_app.config["EXPIRING_WITHIN_DAYS"]
    if site_code and db.session.scalar(select(Site.id).where(Site.code == site_code)) is None:
        click.echo(f"Error: no site with code {site_code}", err=True)
        sys.exit(2)
    report = staff_read.expiring_items(practice_today(), days, site_code=site_code)
    for item in report.due + report.no_expiry:
        click.echo(item.line())
