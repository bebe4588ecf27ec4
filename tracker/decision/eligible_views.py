"""``/eligible``: who may do this task, at this site, at this moment?"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from tracker import dates
from tracker.catalog.models import Task
from tracker.decision import fixes
from tracker.decision.eligible import eligible
from tracker.decision.services import stored_result
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.forms import TrackerForm
from tracker.return_to import here
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.templating import can_open
from tracker.vocabulary import TaskKind

bp = Blueprint("finder", __name__)

KIND_WORDS = {
    TaskKind.administrative: "Administrative",
    TaskKind.clinical: "Clinical",
    TaskKind.reserved: "Reserved for providers",
}


class EligibleForm(TrackerForm):
    """A question, not a change: sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    task = SelectField("Task", validators=[DataRequired(message="Choose a task.")])
    site = SelectField("Site", validators=[DataRequired(message="Choose a site.")])
    at = DateTimeLocalField(
        "When (the site's local time; empty: now)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


@bp.route("/eligible")
def eligible_page():
    """Show which assistants are clear for a task at a site and moment, and what the others
    are missing."""
    form = EligibleForm(request.args)
    tasks = db.session.scalars(select(Task).order_by(Task.kind, Task.name)).all()
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    form.task.choices = [SelectChoice("", "Choose a task…")] + [
        SelectChoice(t.code, f"{t.name} ({KIND_WORDS[t.kind].lower()})") for t in tasks
    ]
    form.site.choices = [SelectChoice("", "Choose a site…")] + [
        SelectChoice(s.code, f"{s.name} ({s.state})") for s in sites
    ]
    result = None
    fix_links: dict = {}
    status = 200
    if request.args and form.validate():
        site = next(s for s in sites if s.code == form.site.data)
        zone = dates.zone(site.timezone)
        if form.at.data is None:
            at = dates.now_to_the_second().astimezone(zone).replace(second=0)
        else:
            at = form.at.data.replace(tzinfo=zone)
        form.at.data = at.replace(tzinfo=None)
        result = eligible(form.task.data, site.code, at.astimezone(UTC))
        result.at_local = at
        fix_links = _fix_links(result, at)
    elif request.args:
        status = 400
    return render_template(
        "decision/eligible.html",
        form=form,
        result=result,
        now_utc=dates.now(),
        fix_links=fix_links,
    ), status


def _fix_links(result, at: datetime) -> dict[int, dict]:
    """For each flagged assistant (by id): the fixes the viewer may follow, by condition,
    each coming back to this answer (DESIGN section 9)."""
    if not result.flagged:
        return {}
    ids = [c.assistant.id for c in result.flagged]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    task = db.session.scalar(select(Task).where(Task.code == result.task.code))
    site = db.session.scalar(select(Site).where(Site.code == result.site.code))
    back = here()
    out = {}
    for candidate in result.flagged:
        person = people.get(candidate.assistant.id)
        if person is None:
            continue
        ctx = fixes.Context(person, task, site, at.date(), at)
        out[person.id] = fixes.viewer_fixes(
            stored_result(candidate.decision), person.id, current_person(), can_open,
            back=back, ctx=ctx,
        )  # fmt: skip
    return out


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")
