"""Verbs on declined-task incidents: log one, decline a delegation, add an addendum, review.

An incident is never edited or deleted (DESIGN section 6): there is deliberately no verb to
change what was logged. Later facts are dated addenda; a review step is an addendum that
also moves the status. Every verb checks everything before it writes, writes an audit
event in the caller's transaction, and leaves the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.audit.services import record_event, snapshot
from tracker.catalog.models import Task
from tracker.db_types import utcnow
from tracker.delegations.models import Delegation
from tracker.errors import Refused
from tracker.extensions import db
from tracker.incidents.models import Incident, IncidentAddendum
from tracker.incidents.visibility import can_see, is_reviewer, visible_incidents
from tracker.incidents.words import REASON_FOR_CONDITION, STATUS_LABELS, STEP_CODES
from tracker.names import clean_name
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import unfit_text
from tracker.vocabulary import DeclineReason, DelegationStatus, IncidentStatus

#: Longest text each field keeps (the forms say the same).
MAX_LENGTH = {
    "requester_name": 200,
    "requester_role": 64,
    "task_description": 1000,
    "what_was_asked": 2000,
    "what_was_said": 2000,
    "body": 4000,
    "escalated_to": 200,
}

#: Incidents on one page of the list.
PER_PAGE = 50
#: Clocks on phones and servers differ a little; a moment this far ahead is still "now".
CLOCK_GRACE = timedelta(minutes=5)
#: Nothing in this practice's records happened before this (catches a mistyped year).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

#: Review moves: open → under review → resolved, or → escalated.
REVIEW_MOVES: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.open: frozenset({IncidentStatus.under_review}),
    IncidentStatus.under_review: frozenset({IncidentStatus.resolved, IncidentStatus.escalated}),
    IncidentStatus.resolved: frozenset(),
    IncidentStatus.escalated: frozenset(),
}


@dataclass
class DeclineAccount:
    """What the MA says about a request they declined (the part every incident has)."""

    occurred_at: datetime
    what_was_asked: str
    what_was_said: str
    reason: DeclineReason | str
    raised_with: list[Person] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- checks


def _text(
    value: str | None, name: str, label: str, required: bool = False, one_line: bool = False
) -> str:
    problem = unfit_text(value or "", multiline=False) if one_line else None
    if problem:
        raise Refused.because(problem, name)
    text = (value or "").strip()
    if required and not text:
        raise Refused.because(f"{label} is required.", name)
    limit = MAX_LENGTH[name]
    if len(text) > limit:
        raise Refused.because(f"{label} is too long: at most {limit} characters.", name)
    return text


def check_moment(moment: datetime, now: datetime, name: str = "occurred_at") -> datetime:
    """A moment that is aware, not absurdly early and not in the future."""
    if moment.tzinfo is None:
        raise Refused.because("The time has no time zone.", name)
    if moment < EARLIEST:
        raise Refused.because("That date is too early; check the year.", name)
    if moment > now + CLOCK_GRACE:
        raise Refused.because("That is in the future: say when it happened.", name)
    return moment.astimezone(UTC)


def _reason(value: DeclineReason | str) -> DeclineReason:
    try:
        return DeclineReason(value)
    except ValueError:
        raise Refused.because("Choose the reason you declined.", "reason") from None


def _steps(codes: Iterable[str]) -> list[str]:
    given = set(codes or ())
    unknown = given - set(STEP_CODES)
    if unknown:
        raise Refused.because(f"Unknown step: {', '.join(sorted(unknown))}.", "steps")
    return [code for code in STEP_CODES if code in given]  # the order the form teaches


def _raised_with(people: Iterable[Person], logged_by: Person) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people or ():
        if person.id != logged_by.id:
            seen.setdefault(person.id, person)
    return list(seen.values())


def _checked_account(account: DeclineAccount, logged_by: Person, now: datetime) -> dict:
    return {
        "occurred_at": check_moment(account.occurred_at, now),
        "what_was_asked": _text(
            account.what_was_asked, "what_was_asked", "What you were asked", True
        ),
        "what_was_said": _text(account.what_was_said, "what_was_said", "What you said", True),
        "reason": _reason(account.reason),
        "steps": _steps(account.steps),
        "raised_with": _raised_with(account.raised_with, logged_by),
    }


def _create(values: dict, logged_by: Person) -> Incident:
    raised_with = values.pop("raised_with")
    incident = Incident(logged_by=logged_by, status=IncidentStatus.open, **values)
    incident.raised_with = raised_with
    db.session.add(incident)
    db.session.flush()
    after = snapshot(incident) | {"raised_with": sorted(p.id for p in raised_with)}
    record_event("create", incident, after=after, actor=logged_by)
    return incident


# --------------------------------------------------------------------------- verbs


def log_incident(
    account: DeclineAccount,
    *,
    logged_by: Person,
    site: Site | None,
    requester: Person | None = None,
    requester_name: str = "",
    requester_role: str = "",
    task: Task | None = None,
    task_description: str = "",
    now: datetime | None = None,
) -> Incident:
    """Log a request the MA declined: who asked, for what, where, and what the MA did."""
    now = now or utcnow()
    values = _checked_account(account, logged_by, now)
    name = clean_name(_text(requester_name, "requester_name", "Their name", one_line=True))
    role = _text(requester_role, "requester_role", "Their role", one_line=True)
    if requester is not None and name:
        raise Refused.because("You chose a person and typed a name: keep one.", "requester_name")
    if requester is None and not name:
        raise Refused.because(
            "Say who asked: choose them from the list, or type their name and role.",
            "requester_id",
        )
    if requester is None and not role:
        raise Refused.because(
            "Say what their role is (e.g. locum provider, nurse).", "requester_role"
        )
    if requester is not None and requester.id == logged_by.id:
        raise Refused.because("You cannot name yourself as the person who asked.", "requester_id")
    description = _text(task_description, "task_description", "The task's description")
    if task is None and not description:
        raise Refused.because("Choose the task, or describe it in words.", "task_id")
    if site is None and logged_by.sites:
        raise Refused.because("Say where it happened.", "site_id")
    if site is not None and logged_by.sites and site.id not in {s.id for s in logged_by.sites}:
        raise Refused.because("Choose one of the sites you work at.", "site_id")
    values.update(
        site=site,
        requester=requester,
        requester_name="" if requester is not None else name,
        requester_role="" if requester is not None else role,
        task=task,
        task_description=description,
    )
    return _create(values, logged_by)


def decline_delegation(
    delegation: Delegation,
    account: DeclineAccount,
    *,
    assistant: Person,
    now: datetime | None = None,
) -> Incident:
    """Decline a planned delegation: open an incident linked to it and its decision."""
    now = now or utcnow()
    if delegation.assistant_id != assistant.id:
        raise Refused.because("Only the assistant this task was delegated to can decline it.")
    # Read the status again under a row lock so two declines cannot both pass.
    status = db.session.scalar(
        select(Delegation.status).where(Delegation.id == delegation.id).with_for_update()
    )
    if status != DelegationStatus.planned:
        raise Refused.because(
            f"This delegation is {DelegationStatus(status).value}; "
            "only a planned delegation can be declined."
        )
    values = _checked_account(account, assistant, now)
    values.update(
        site=delegation.site,
        requester=delegation.delegated_by,
        requester_name="",
        requester_role="",
        task=delegation.task,
        task_description="",
        delegation=delegation,
        decision_id=delegation.decision_id,
    )
    incident = _create(values, assistant)
    before = snapshot(delegation)
    delegation.status = DelegationStatus.declined
    record_event("update", delegation, before=before, after=snapshot(delegation), actor=assistant)
    return incident


def suggested_reason(delegation: Delegation) -> str | None:
    """The reason an assistant most likely declines for: the first unmet condition of the
    delegation's standing, its latest decision (prohibited: outside their scope)."""
    result = (delegation.standing or delegation.decision).result or {}
    if result.get("status") == "prohibited":
        return DeclineReason.outside_scope.value
    for condition in result.get("conditions", []):
        if not condition.get("met"):
            reason = REASON_FOR_CONDITION.get(condition.get("condition"))
            return reason.value if reason else None
    return None


def may_add_addendum(person: Person, incident: Incident) -> bool:
    """The MA who logged it, or a reviewer who may see it."""
    return incident.logged_by_id == person.id or is_reviewer(person)


def add_addendum(
    incident: Incident, author: Person, body: str, *, now: datetime | None = None
) -> IncidentAddendum:
    """Add a dated later fact to an incident (the incident itself never changes)."""
    if not (may_add_addendum(author, incident) and can_see(author, incident)):
        raise Refused.because("Only the MA who logged it or a reviewer can add to this incident.")
    text = _text(body, "body", "The addendum", True)
    addendum = IncidentAddendum(
        incident=incident, author=author, body=text, written_at=now or utcnow()
    )
    db.session.add(addendum)
    db.session.flush()
    record_event("create", addendum, after=snapshot(addendum), actor=author)
    return addendum


def review_moves(incident: Incident) -> list[IncidentStatus]:
    """The statuses a review may move this incident to, in the order of the workflow."""
    allowed = REVIEW_MOVES[incident.status]
    return [status for status in IncidentStatus if status in allowed]


def review_incident(
    incident: Incident,
    reviewer: Person,
    new_status: IncidentStatus | str,
    note: str = "",
    *,
    escalated_to: str = "",
    escalated_on: date | None = None,
    now: datetime | None = None,
) -> IncidentAddendum:
    """Move an incident one step through review; the step is an addendum and an event."""
    now = now or utcnow()
    if not (is_reviewer(reviewer) and can_see(reviewer, incident)):
        raise Refused.because("Only compliance, an administrator or a manager reviews incidents.")
    try:
        target = IncidentStatus(new_status)
    except ValueError:
        raise Refused.because("Choose what the review does.", "status") from None
    if target not in REVIEW_MOVES[incident.status]:
        raise Refused.because(
            f"An incident that is {STATUS_LABELS[incident.status]} cannot be marked "
            f"{STATUS_LABELS[target]}.",
            "status",
        )
    text = _text(note, "body", "The note", target == IncidentStatus.resolved)
    to = _text(escalated_to, "escalated_to", "Escalated to", one_line=True)
    if target == IncidentStatus.escalated:
        if not to:
            raise Refused.because(
                "Say to whom it was escalated (e.g. the state board).", "escalated_to"
            )
        if escalated_on is None:
            raise Refused.because("Say when it was escalated.", "escalated_on")
        zone = ZoneInfo(incident.timezone or "UTC")  # days as the site counts them
        if escalated_on > now.astimezone(zone).date():
            raise Refused.because("That date is in the future.", "escalated_on")
        if escalated_on < incident.occurred_at.astimezone(zone).date():
            raise Refused.because("That is before the incident happened.", "escalated_on")
        heading = f"Escalated to {to} on {escalated_on.isoformat()}."
    elif target == IncidentStatus.under_review:
        heading = "Review started."
    else:
        heading = "Resolved."
    body = f"{heading}\n{text}" if text else heading
    before = {"status": incident.status.value}
    addendum = IncidentAddendum(
        incident=incident,
        author=reviewer,
        body=body,
        new_status=target,
        escalated_to=to if target == IncidentStatus.escalated else "",
        written_at=now,
    )
    db.session.add(addendum)
    incident.status = target
    db.session.flush()
    record_event("create", addendum, after=snapshot(addendum), actor=reviewer)
    record_event(
        "review",
        incident,
        before=before,
        after={"status": target.value, "addendum_id": addendum.id},
        actor=reviewer,
    )
    return addendum


# --------------------------------------------------------------------------- reads
# Every read starts from visible_incidents: what a person may see is decided in one place.


def _with_facts(stmt):
    return stmt.options(
        selectinload(Incident.requester),
        selectinload(Incident.logged_by),
        selectinload(Incident.site),
        selectinload(Incident.task),
    )


def incident_list(
    viewer: Person, status: IncidentStatus | None = None, page: int = 1, search: str = ""
):
    """One page of the incidents this person may see, latest first; ``search`` narrows them
    to those whose task, requester or logger matches every word (within what they may see)."""
    stmt = visible_incidents(viewer)
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    for word in search.split():
        stmt = stmt.where(
            Incident.task.has(Task.name.icontains(word, autoescape=True))
            | Incident.task_description.icontains(word, autoescape=True)
            | Incident.requester_name.icontains(word, autoescape=True)
            | Incident.logged_by.has(
                Person.name.icontains(word, autoescape=True)
                | Person.email.icontains(word, autoescape=True)
            )
        )
    stmt = _with_facts(stmt).order_by(Incident.occurred_at.desc(), Incident.id.desc())
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def status_counts(viewer: Person) -> dict[IncidentStatus, int]:
    """How many incidents this person may see, by status (every status present)."""
    stmt = (
        visible_incidents(viewer)
        .with_only_columns(Incident.status, func.count(Incident.id))
        .group_by(Incident.status)
    )
    counts = dict.fromkeys(IncidentStatus, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts


def logged_by(viewer: Person, person: Person, limit: int = 10) -> list[Incident]:
    """Incidents ``person`` logged that ``viewer`` may see (for a training file)."""
    stmt = visible_incidents(viewer).where(Incident.logged_by_id == person.id)
    stmt = _with_facts(stmt).order_by(Incident.occurred_at.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def incident_for(viewer: Person, incident_id: int) -> Incident | None:
    """The incident, with what its page shows, when this person may see it."""
    stmt = visible_incidents(viewer).where(Incident.id == incident_id)
    stmt = _with_facts(stmt).options(
        selectinload(Incident.raised_with),
        selectinload(Incident.delegation),
        selectinload(Incident.decision),
    )
    return db.session.scalar(stmt)


def addenda_of(incident: Incident) -> list[IncidentAddendum]:
    return list(
        db.session.scalars(
            select(IncidentAddendum)
            .where(IncidentAddendum.incident_id == incident.id)
            .options(selectinload(IncidentAddendum.author))
            .order_by(IncidentAddendum.written_at, IncidentAddendum.id)
        )
    )
