from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from tracker import dates
from tracker.catalog.models import Task
from tracker.dates import format_utc, zone
from tracker.decision import fixes
from tracker.decision.cache import Snapshot
from tracker.decision.forms import SelfCheckForm
from tracker.decision.matrix import build_matrix
from tracker.decision.models import DecisionRecord
from tracker.decision.queries import visible_decisions
from tracker.decision.services import (
    SelfCheckChoices,
    evaluate,
    log_decision,
    public_result,
    rerun,
    self_check_choices,
    stored_result,
)
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.return_to import here
from tracker.rule.words import CONDITION_LABELS
from tracker.sites.models import Site
from tracker.sites.queries import viewer_timezone
from tracker.staff.models import Person
from tracker.templating import RecordLinks, can_open, local_stamps
from tracker.validation import bounded_date
from tracker.vocabulary import Role, TaskKind

bp = Blueprint("decision", __name__)

MATRIX_PAGE_SIZE = 50
LOG_PAGE_SIZE = 50
SOURCES = ("page", "cli", "api", "delegation", "recheck")


@bp.app_context_processor
def _decision_helpers():
    """What a decision's template shows next to each unmet condition (for any page)."""

    def viewer():
        return current_user if current_user.is_authenticated else None

    def decision_fixes(result: dict, assistant_id=None, delegated_by_id=None) -> dict:
        """Links that fix each unmet condition, for a viewer who may follow them, coming
        back to this page (a page shown after a POST cannot be come back to)."""
        back = here() if request.method == "GET" else None
        return fixes.viewer_fixes(
            result, assistant_id, viewer(), can_open, delegated_by_id, back=back
        )

    def condition_reason(condition: dict, tz: str | None = None) -> str:
        return fixes.reason_for(condition, viewer(), tz)

    def condition_rows(result: dict, tz: str | None, assistant_id=None, fixes_of=None):
        """The four conditions as the decision panel shows them (``ConditionRow``s)."""
        return panel_rows(result, viewer(), tz, assistant_id, fixes_of or {}, RecordLinks())

    return {
        "decision_fixes": decision_fixes,
        "condition_reason": condition_reason,
        "condition_rows": condition_rows,
    }


class ConditionRow(NamedTuple):
    """One condition of a decision as its panel shows it, worked out in one pass."""

    label: str
    met: bool
    reason: str  # for this reader, moments on the site's clock
    fixes: list[tuple[str, str]]  # (label, address) links this reader may follow
    records: list[tuple[str | None, str]]  # (address or None, words) of each record
    evidence: list[str]  # the evidence, when no record is named


def panel_rows(result: dict, viewer, tz, assistant_id, fixes_of: dict, links) -> list:
    """Each condition of a stored decision, ready for the panel: its label, its reason as
    ``viewer`` should read it, its fixes, and its records linked where ``links`` (a
    ``RecordLinks``) finds the viewer may open them."""
    rows = []
    for c in result["conditions"]:
        name = c["condition"]
        records = [
            (links(r["kind"], r["id"], assistant_id), local_stamps(r["label"], tz))
            for r in c.get("records") or ()
        ]
        evidence = [] if records else [local_stamps(e, tz) for e in c.get("evidence") or ()]
        rows.append(
            ConditionRow(
                CONDITION_LABELS.get(name, name),
                c["met"],
                fixes.reason_for(c, viewer, tz),
                fixes_of.get(name) or [],
                records,
                evidence,
            )
        )
    return rows


def _fill_self_check(form: SelfCheckForm, choices: SelfCheckChoices, is_assistant: bool) -> None:
    """Offer the tasks, sites (and assistants) the user may check."""
    assistants = [SelectChoice(id_, name) for id_, name in choices.assistants]
    if not is_assistant:
        assistants.insert(0, SelectChoice(0, "Choose an assistant…"))
    form.assistant_id.choices = assistants
    form.task_code.choices = [SelectChoice("", "Choose a task…")] + [
        SelectChoice(t.code, t.name) for t in choices.tasks
    ]
    form.site_code.choices = [SelectChoice(s.code, f"{s.name} ({s.state})") for s in choices.sites]
    if len(choices.sites) != 1:
        form.site_code.choices.insert(0, SelectChoice("", "Choose a site…"))


def _answer(result: dict, assistant: Person, task, site, at: datetime) -> dict:
    """What the answer page says besides the four conditions: the moment on the site's
    clock, the assistant's own steps, a link to log a declined request, expiry warnings."""
    local = at.astimezone(zone(site.timezone))
    ctx = fixes.Context(assistant, task, site, local.date())
    return {
        "task": task,
        "site": site,
        "moment": local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or ""),
        "steps": fixes.ma_steps(result),
        "expiring": fixes.expiring_soon(result, ctx),
        # The page offers it with a "no" or a "not yet" only.
        "decline_url": None
        if result["status"] == "clear"
        else url_for(
            "incidents.new", task=task.code, site=site.code, at=local.strftime(LOCAL_INPUT)
        ),
    }


@bp.route("/may-i", methods=["GET", "POST"])
def self_check():
    """May I do this here, now? The four answers in plain words."""
    me = current_person()
    is_assistant = me.role == Role.assistant
    snapshot = Snapshot()
    choices = self_check_choices(me, snapshot)
    form = SelfCheckForm()
    _fill_self_check(form, choices, is_assistant)
    if request.method == "GET":
        form.task_code.data = request.args.get("task", "")
        form.site_code.data = request.args.get("site", "") or form.site_code.choices[0].value
        form.assistant_id.data = (
            me.id if is_assistant else request.args.get("assistant", 0, type=int)
        )
    result = None
    answer = {}
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            assistant = me if form.assistant_id.data == me.id else None
            if assistant is None and form.assistant_id.data:
                assistant = db.session.get(Person, form.assistant_id.data)
            task = next((t for t in choices.tasks if t.code == form.task_code.data), None)
            site = next((s for s in choices.sites if s.code == form.site_code.data), None)
            if assistant is None or assistant.role != Role.assistant:
                form.assistant_id.errors.append("Choose a medical assistant.")
            elif task is None or site is None:
                form.task_code.errors.append("Choose a task and a site.")
            else:
                if form.at.data is None:
                    at = dates.now_to_the_second()
                else:
                    at = form.at.data.replace(tzinfo=zone(site.timezone)).astimezone(UTC)
                decision = evaluate(assistant, task, site, at, snapshot=snapshot)
                result = log_decision(
                    decision,
                    source="page",
                    assistant=assistant,
                    task=task,
                    site=site,
                    asked_by=me,
                )
                answer = _answer(result, assistant, task, site, at)
                status = 200
    page = render_template(
        "decision/self_check.html",
        form=form,
        result=result,
        is_assistant=is_assistant,
        **answer,
    )
    # Rendered before the commit, which expires every loaded object (one query saved).
    db.session.commit()
    return page, status


#: The matrix's task groups: which kinds of task each shows (clinical by default).
MATRIX_GROUPS = {
    "clinical": ("Clinical tasks", (TaskKind.clinical,)),
    "administrative": ("Administrative tasks", (TaskKind.administrative,)),
    "all": ("All tasks", (TaskKind.administrative, TaskKind.clinical, TaskKind.reserved)),
}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _moment_arg(value: str | None, site: Site) -> datetime | None:
    """A moment typed in the site's local time (``datetime-local``), as aware UTC.

    Raises ValueError for text that is not such a moment; None when empty.
    """
    if not value:
        return None
    local = datetime.strptime(value, LOCAL_INPUT)
    bounded_date(local.date().isoformat())  # 1900-2200, as every date the app takes
    return local.replace(tzinfo=zone(site.timezone)).astimezone(UTC)


@bp.route("/matrix")
def matrix():
    """The compliance matrix: assistants × tasks at a site and a moment, clear or flagged."""
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if not sites:
        return render_template("decision/matrix.html", sites=[], matrix=None)
    site_code = request.args.get("site") or sites[0].code
    site = next((s for s in sites if s.code == site_code), None)
    if site is None:
        abort(400)
    group = request.args.get("group") or "clinical"
    if group not in MATRIX_GROUPS:
        abort(400)
    error = None
    try:
        at = _moment_arg(request.args.get("at"), site)
    except ValueError:
        at, error = None, "Give the moment as a date and a time, e.g. 2026-12-01 10:00."
    at = at or dates.now_to_the_second()
    kinds = MATRIX_GROUPS[group][1]
    task_codes = db.session.scalars(select(Task.code).where(Task.kind.in_(kinds))).all()
    result = build_matrix(site_code, at, list(task_codes))
    page = max(request.args.get("page", 1, type=int), 1)
    start = (page - 1) * MATRIX_PAGE_SIZE
    assistants = result.assistants[start : start + MATRIX_PAGE_SIZE]
    return render_template(
        "decision/matrix.html",
        sites=sites,
        site=site,
        site_code=site_code,
        group=group,
        groups=MATRIX_GROUPS,
        at_local=at.astimezone(zone(site.timezone)).strftime(LOCAL_INPUT),
        at_utc=format_utc(at),
        error=error,
        matrix=result,
        assistants=assistants,
        page=page,
        pages=max(1, -(-len(result.assistants) // MATRIX_PAGE_SIZE)),
        has_next=start + MATRIX_PAGE_SIZE < len(result.assistants),
        counts=result.counts(),
    ), (400 if error else 200)


@bp.route("/matrix/<site_code>/<int:assistant_id>/<task_code>/<at_text>")
def matrix_cell(site_code: str, assistant_id: int, task_code: str, at_text: str):
    """One cell of the matrix: the decision, its reasons and what would fix it (kept nowhere)."""
    site = db.session.scalar(select(Site).where(Site.code == site_code))
    task = db.session.scalar(select(Task).where(Task.code == task_code))
    assistant = db.session.get(Person, assistant_id)
    if site is None or task is None or assistant is None or assistant.role != Role.assistant:
        abort(404)
    try:
        at = datetime.fromisoformat(at_text.replace("Z", "+00:00"))
    except ValueError:
        abort(400)
    if at.tzinfo is None:
        abort(400)
    decision = evaluate(assistant, task, site, at.astimezone(UTC))
    return render_template(
        "decision/matrix_cell.html",
        result=stored_result(decision),
        assistant=assistant,
        task=task,
        site=site,
        at=at,
        back=url_for(
            "decision.matrix",
            site=site.code,
            at=at.astimezone(zone(site.timezone)).strftime(LOCAL_INPUT),
            group="all" if task.kind == TaskKind.reserved else task.kind.value,
        ),
    )


def _visible_records():
    return visible_decisions(current_person()).options(
        selectinload(DecisionRecord.assistant),
        selectinload(DecisionRecord.task),
        selectinload(DecisionRecord.site),
        selectinload(DecisionRecord.asked_by),
    )


@bp.route("/decisions")
def log():
    """The decision log: every decision made through a page, the CLI or a delegation."""
    query = _visible_records()
    source = request.args.get("source") or ""
    if source:
        if source not in SOURCES:
            abort(400)
        query = query.where(DecisionRecord.source == source)
    status = request.args.get("status") or ""
    if status:
        if status not in ("clear", "flagged", "prohibited"):
            abort(400)
        query = query.where(DecisionRecord.status == status)
    page = max(request.args.get("page", 1, type=int), 1)
    records = db.session.scalars(
        query.order_by(DecisionRecord.made_at.desc(), DecisionRecord.id.desc())
        .limit(LOG_PAGE_SIZE + 1)
        .offset((page - 1) * LOG_PAGE_SIZE)
    ).all()
    return render_template(
        "decision/log.html",
        # One zone for the whole column, so newest-first reads in order.
        made_tz=viewer_timezone(current_user),
        records=records[:LOG_PAGE_SIZE],
        has_next=len(records) > LOG_PAGE_SIZE,
        page=page,
        source=source,
        status=status,
        sources=SOURCES,
    )


@bp.route("/decisions/<int:record_id>")
def record(record_id: int):
    """One kept decision, and the same decision re-run "as of" its moment."""
    kept = db.session.scalar(_visible_records().where(DecisionRecord.id == record_id))
    if kept is None:
        abort(404)
    again = stored_result(rerun(kept))
    same = public_result(again) == public_result(kept.result)
    return render_template("decision/record.html", kept=kept, again=again, same=same)
