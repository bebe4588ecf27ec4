from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from tracker.audit import features, history
from tracker.audit.forms import EventFilterForm
from tracker.audit.services import verify_chain
from tracker.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: Events on one page of the audit trail.
PAGE_SIZE = 50
#: The most events one CSV download carries (narrow the filters for more).
EXPORT_LIMIT = 50_000
#: Record types whose page the trail links to: endpoint and its id argument.
RECORD_LINKS = {
    "competencies": ("competencies.detail", "competency_id"),
    "delegations": ("delegations.detail", "delegation_id"),
    "people": ("staff.training_file", "person_id"),
}


@bp.app_template_global("history_for")
def _history_for(record_type: str, record_id, tz: str | None = None) -> list[history.EventLine]:
    """Lets a record page include ``audit/_history.html`` with just the record's type and id
    (and the zone its times are told in)."""
    return history.history_for(record_type, record_id, current_user, tz=tz)


@bp.app_context_processor
def _action_words() -> dict:
    return {"action_words": history.ACTION_WORDS}


@bp.app_template_global("audit_timezone")
def _audit_timezone() -> str:
    return history.display_timezone(current_user)


def _filter_form() -> tuple[EventFilterForm, history.EventFilter | None]:
    """The filter form read from the query string, and the filters when they are valid."""
    form = EventFilterForm(formdata=request.args)
    people = features.people()
    actions, types = history.known_values()
    form.person.choices = [("", "Anyone")] + [(str(p.id), f"{p.name} ({p.email})") for p in people]
    form.action.choices = [("", "Any action")] + [(a, a) for a in actions]
    form.record_type.choices = [("", "Any type")] + [(t, t) for t in types]
    if not form.validate():
        return form, None
    by_id = {str(p.id): p for p in people}
    return form, history.EventFilter(
        person=by_id.get(form.person.data or ""),
        action=form.action.data or None,
        record_type=form.record_type.data or None,
        record_id=(form.record_id.data or "").strip() or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        search=(form.q.data or "").strip(),
    )


@bp.route("/")
def events():
    """List audit events, newest first, filtered and paginated."""
    form, filters = _filter_form()
    tz = history.display_timezone(current_user)
    if filters is None:
        return render_template("audit/events.html", form=form, page=None, tz=tz), 400
    page = db.paginate(
        history.events_query(filters, tz, current_user),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config.get("AUDIT_PAGE_SIZE", PAGE_SIZE),
        error_out=False,
    )
    return render_template(
        "audit/events.html",
        form=form,
        page=page,
        entries=history.lines(page.items, tz),
        tz=tz,
        record_links=RECORD_LINKS,
        export_args={k: v for k, v in request.args.items() if k != "page" and v},
    )


@bp.route("/events.csv")
def export():
    """Download the filtered audit events as CSV (no secrets)."""
    form, filters = _filter_form()
    if filters is None:
        errors = "; ".join(
            f"{form[name].label.text}: {msgs[0]}" for name, msgs in form.errors.items()
        )
        return Response(f"Bad filter: {errors}\n", status=400, mimetype="text/plain")
    tz = history.display_timezone(current_user)
    events = db.session.scalars(history.events_query(filters, tz, current_user).limit(EXPORT_LIMIT))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(history.csv_rows(events))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-events.csv"},
    )


@bp.route("/verify")
def verify():
    """Check the audit log's hash chain and say whether it is whole."""
    whole, message = verify_chain()
    return render_template("audit/verify.html", whole=whole, message=message)
