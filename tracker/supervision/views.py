"""Pages that keep supervision assignments and providers' shifts.

Thin views: validate the form, call a verb in ``supervision.services``, commit, flash, redirect.
A verb's problems are shown next to the fields they concern and nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from tracker import dates
from tracker.dates import zone
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.form_pages import form_page as _form_page
from tracker.form_pages import get_or_404 as _get_or_404
from tracker.form_pages import save_form as _save
from tracker.return_to import back_after_save, cancel_url
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.supervision import services
from tracker.supervision.forms import AssignmentForm, EndAssignmentForm, ShiftForm
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.validation import bounded_date
from tracker.vocabulary import Role

bp = Blueprint("supervision", __name__, url_prefix="/records")


def _training_file(person: Person):
    return redirect(url_for("staff.training_file", person_id=person.id))


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


def _moment_arg(name: str, site: Site) -> datetime | None:
    """A moment on the site's clock from the query string ("2026-12-01T18:30"), as aware
    UTC; None when absent, malformed or skipped by the clocks."""
    text = request.args.get(name, "")
    try:
        local = datetime.strptime(text, "%Y-%m-%dT%H:%M")
        bounded_date(local.date().isoformat())
    except ValueError:
        return None
    return services.site_moment(local, site.timezone)


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
            form, lambda: services.create_assignment(current_person(), **_assignment_values(form))
        )
        if saved:
            _flash_assignment_saved(assignment, "recorded")
            return back_after_save(_training_file(assignment.assistant), current_person())
    return _form_page("Add a supervision assignment", form, cancel_url(url_for("staff.staff_list")))


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
            form,
            lambda: services.update_assignment(
                current_person(), assignment, **_assignment_values(form)
            ),
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
        template="supervision/assignment_form.html",
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
            end_form,
            lambda: services.end_assignment(current_person(), assignment, end_form.ends_on.data),
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
        return render_template("supervision/shifts.html", sites=[], site=None)
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
        "supervision/shifts.html",
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
        url_for("supervision.shift_week", site=shift.site.code, week=_week_start(local).isoformat())
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
            at = _moment_arg("at", site)
            on = _date_arg("day")
            if at is not None:
                # From a decision: a shift around its moment, clear of the provider's others.
                window = services.shift_covering(form.provider.data, site, at)
                form.starts_at.data, form.ends_at.data = window
            elif on is not None:
                form.starts_at.data = datetime.combine(on, time(8, 0))
                form.ends_at.data = datetime.combine(on, time(17, 0))
    if form.validate_on_submit():
        saved, shift = _save(
            form, lambda: services.create_shift(current_person(), **_shift_values(form))
        )
        if saved:
            flash(f"{shift.provider.name}'s shift at {shift.site.name} was added.", "success")
            return back_after_save(_week_of(shift), current_person())
    return _form_page("Add a shift", form, cancel_url(url_for("supervision.shift_week")))


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
        saved, _ = _save(
            form, lambda: services.update_shift(current_person(), shift, **_shift_values(form))
        )
        if saved:
            flash(f"{shift.provider.name}'s shift at {shift.site.name} was saved.", "success")
            return _week_of(shift)
    return _form_page(
        "Edit a shift",
        form,
        url_for("supervision.shift_week", site=shift.site.code),
    )
