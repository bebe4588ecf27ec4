"""``/eligible``: who may do this task, at this site, at this moment?"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from tracker import dates
from tracker.catalog.models import Task
from tracker.decision.eligible import eligible
from tracker.decision.fixes import direction_fixes
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.rule.values import SUPERVISION
from tracker.sites.models import Site
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
    links: dict[str, list[tuple[str, str]]] = {}
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
        task = next(t for t in tasks if t.code == form.task.data)
        links = _direction_links(result, task, site)
    elif request.args:
        status = 400
    return render_template(
        "decision/eligible.html", form=form, result=result, now_utc=dates.now(), links=links
    ), status


def _direction_links(result, task, site) -> dict[str, list[tuple[str, str]]]:
    """For a task that needs a provider's decision: per flagged assistant, the links that
    supply it (give a direction, approve or see the protocol), as the viewer may open."""
    links = {}
    for candidate in result.flagged:
        for condition in candidate.unmet:
            if condition.condition != SUPERVISION:
                continue
            protocol_ids = [r.id for r in condition.records if r.kind == "protocol" and r.id]
            found = [
                (fix.label, url_for(fix.endpoint, **fix.args))
                for fix in direction_fixes(
                    set(condition.codes), protocol_ids, candidate.assistant, task, site
                )
                if can_open(fix.endpoint)
            ]
            if found:
                links[candidate.assistant.email] = found
    return links


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")
