"""Verbs on delegations: record one (with its decision), re-check it, move its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.audit.services import record_event, snapshot
from tracker.catalog.builtin import reserved_lookalike
from tracker.catalog.models import Task
from tracker.decision.facts import load_for_checks
from tracker.decision.models import DecisionRecord
from tracker.decision.services import evaluate, record_decision
from tracker.delegations.models import Delegation, DelegationCheck
from tracker.delegations.queries import standing_of
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.rule.values import Decision
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.supervision.models import SupervisionAssignment
from tracker.validation import DATE_MESSAGE, unfit_text, unfit_value
from tracker.vocabulary import RECORD_KEEPERS, DelegationStatus, Role, TaskKind

#: Moves a manager or provider may make by hand (declining comes with an incident).
ALLOWED_MOVES = {
    DelegationStatus.planned: {DelegationStatus.performed, DelegationStatus.cancelled},
    DelegationStatus.performed: set(),
    DelegationStatus.cancelled: set(),
    DelegationStatus.declined: set(),
}


#: The longest written reason kept with a status change.
REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Named:
    """The records a delegation form names by id and code (None: no such record)."""

    assistant: Person | None
    provider: Person | None
    task: Task | None
    site: Site | None


def named_records(assistant_id: int, provider_id: int, task_code: str, site_code: str) -> Named:
    """Look up the assistant, delegating provider, task and site a delegation form names.

    Only a look-up: whether they may be delegated is ``record_delegation``'s to say.
    """
    return Named(
        db.session.get(Person, assistant_id) if assistant_id else None,
        db.session.get(Person, provider_id) if provider_id else None,
        db.session.scalar(select(Task).where(Task.code == task_code)) if task_code else None,
        db.session.scalar(select(Site).where(Site.code == site_code)) if site_code else None,
    )


def may_change_status(person: Person, delegation: Delegation) -> bool:
    """Managers and admins move any delegation; a provider those they delegated."""
    return person.role in RECORD_KEEPERS or (
        person.role == Role.provider and delegation.delegated_by_id == person.id
    )


#: Who records a delegation: a provider (their own), or a manager or admin on a provider's
#: behalf.
RECORDERS = RECORD_KEEPERS | {Role.provider}

#: The longest note kept with a delegation.
NOTES_MAX_LENGTH = 2000


def delegation_problems(
    *,
    assistant: Person | None,
    task: Task | None,
    site: Site | None,
    scheduled_for: datetime | None,
    delegated_by: Person | None,
    entered_by: Person,
    notes: str = "",
) -> Problems:
    """Everything that keeps a delegation from being recorded, each under its field.

    The one place these rules live: the page's choices only offer what passes, and the API
    and every other writer get the same words (DESIGN section 13).
    """
    problems = Problems()
    for field, message in (
        (None, _recorder_problem(entered_by)),
        ("assistant", _assistant_problem(assistant)),
        ("delegated_by", _delegator_problem(delegated_by, entered_by)),
        ("task", _task_problem(task)),
        ("site", "Choose one of the practice's sites." if site is None else None),
        ("scheduled_for", _schedule_problem(scheduled_for)),
        ("notes", _notes_problem(notes or "")),
    ):
        if message:
            problems.add(field, message)
    return problems


def _recorder_problem(entered_by: Person) -> str | None:
    if getattr(entered_by, "role", None) not in RECORDERS:
        return "Only a provider, a manager or an admin records a delegation."
    return None


def _assistant_problem(assistant: Person | None) -> str | None:
    if assistant is None:
        return "Choose the medical assistant the task is delegated to."
    if assistant.role != Role.assistant or not assistant.active:
        return f"{assistant.name} ({assistant.email}) is not an active medical assistant."
    return None


def _delegator_problem(delegated_by: Person | None, entered_by: Person) -> str | None:
    """An active provider delegates; a provider recording names themselves."""
    if delegated_by is None:
        return "Name the provider who delegates the task."
    if delegated_by.role != Role.provider or not delegated_by.active:
        return (
            f"{delegated_by.name} ({delegated_by.email}) is not an active provider; "
            "delegation is a provider's to make."
        )
    if getattr(entered_by, "role", None) == Role.provider and delegated_by.id != entered_by.id:
        return "A provider records only their own delegations."
    return None


def _task_problem(task: Task | None) -> str | None:
    """A catalog task that is neither reserved nor a practice's look-alike of a reserved one."""
    if task is None:
        return "Choose a task from the catalog."
    reserved = task.kind == TaskKind.reserved or (
        not task.builtin and reserved_lookalike(task.code, task.name) is not None
    )
    if reserved:
        return f"{task.name} is reserved for licensed providers; it is never delegated."
    return None


def _schedule_problem(scheduled_for: datetime | None) -> str | None:
    if scheduled_for is None or scheduled_for.tzinfo is None:
        return "Give the date and time, with the site's time zone."
    return DATE_MESSAGE if unfit_value(scheduled_for) else None


def _notes_problem(notes: str) -> str | None:
    if len(notes) > NOTES_MAX_LENGTH:
        return (
            f"The notes are {len(notes)} characters long; at most {NOTES_MAX_LENGTH} are allowed."
        )
    return unfit_text(notes, multiline=True)


def record_delegation(
    *,
    assistant: Person | None,
    task: Task | None,
    site: Site | None,
    scheduled_for: datetime | None,
    delegated_by: Person | None,
    entered_by: Person,
    in_room: bool = False,
    notes: str = "",
) -> Delegation:
    """Record a delegation with the decision made now; a flagged one is kept and marked.

    Refuses (``Refused``, nothing written) an assistant who is not an active medical
    assistant, a delegating person who is not an active provider (a provider records only
    their own), a reserved task, an unknown site: see ``delegation_problems``.
    """
    delegation_problems(
        assistant=assistant,
        task=task,
        site=site,
        scheduled_for=scheduled_for,
        delegated_by=delegated_by,
        entered_by=entered_by,
        notes=notes,
    ).raise_any()
    decision = evaluate(assistant, task, site, scheduled_for, delegated_by, in_room)
    record = record_decision(
        decision,
        source="delegation",
        assistant=assistant,
        task=task,
        site=site,
        delegated_by=delegated_by,
        in_room=in_room,
        asked_by=entered_by,
    )
    delegation = Delegation(
        assistant=assistant,
        task=task,
        site=site,
        scheduled_for=scheduled_for,
        delegated_by=delegated_by,
        entered_by=entered_by,
        in_room=in_room,
        notes=notes,
        decision=record,
        standing=record,
        status=DelegationStatus.planned,
    )
    db.session.add(delegation)
    db.session.flush()
    record_event("create", delegation, after=snapshot(delegation), actor=entered_by)
    return delegation


def recheck_delegation(delegation: Delegation, asked_by: Person) -> tuple[Decision, DecisionRecord]:
    """Decide the delegation again on the records as they are now, and keep that decision.

    The new decision becomes the delegation's standing; every re-check is kept in order
    (``Delegation.checks``), marked when it changed the standing's status.
    """
    decision = evaluate(
        delegation.assistant,
        delegation.task,
        delegation.site,
        delegation.scheduled_for,
        delegation.delegated_by,
        delegation.in_room,
    )
    return decision, _keep_recheck(delegation, decision, asked_by)


def _keep_recheck(delegation: Delegation, decision: Decision, asked_by) -> DecisionRecord:
    """Keep a re-check's decision as the delegation's standing, with its audit event."""
    record = record_decision(
        decision,
        source="recheck",
        assistant=delegation.assistant,
        task=delegation.task,
        site=delegation.site,
        delegated_by=delegation.delegated_by,
        in_room=delegation.in_room,
        asked_by=asked_by,
    )
    previous = standing_of(delegation)
    changed = previous.status != record.status
    before = {"standing": previous.status, "standing_id": previous.id}
    db.session.add(DelegationCheck(delegation=delegation, decision=record, changed=changed))
    delegation.standing = record
    if changed:
        delegation.standing_changed_at = record.made_at
    record_event(
        "recheck",
        delegation,
        before=before,
        after={"standing": record.status, "standing_id": record.id, "changed": changed},
        actor=asked_by,
    )
    return record


@dataclass(frozen=True)
class Rechecked:
    """What re-checking some delegations did."""

    count: int
    now_flagged: int
    changed: int

    def __str__(self) -> str:
        noun = "planned delegation" if self.count == 1 else "planned delegations"
        return (
            f"{self.count} {noun} re-checked, {self.now_flagged} now flagged "
            f"({self.changed} changed standing)."
        )


def recheck_delegations(delegations: list[Delegation], asked_by) -> Rechecked:
    """Re-check many delegations on one load of the facts (a fixed number of queries to
    read them, however many there are), each kept as ``recheck_delegation`` keeps one."""
    if not delegations:
        return Rechecked(0, 0, 0)
    book = load_for_checks(
        [(d.assistant, d.task, d.site, d.scheduled_for, d.delegated_by) for d in delegations]
    )
    flagged = changed = 0
    for delegation in delegations:
        before = standing_of(delegation).status
        decision = book.decide(
            delegation.assistant.email,
            delegation.task.code,
            delegation.site.code,
            delegation.scheduled_for,
            delegation.delegated_by.email,
            delegation.in_room,
        )
        record = _keep_recheck(delegation, decision, asked_by)
        flagged += record.status != "clear"
        changed += record.status != before
    return Rechecked(len(delegations), flagged, changed)


def planned_delegations_of(person: Person) -> list[Delegation]:
    """The planned delegations that rest on a person: theirs as the assistant or as the
    delegating provider, and, for a provider, those of the assistants they supervise at
    the delegation's site. Loaded with what a re-check reads, in a fixed number of queries."""
    rests_on = or_(Delegation.assistant_id == person.id, Delegation.delegated_by_id == person.id)
    if person.role == Role.provider:
        supervised = select(SupervisionAssignment.id).where(
            SupervisionAssignment.provider_id == person.id,
            SupervisionAssignment.assistant_id == Delegation.assistant_id,
            SupervisionAssignment.site_id == Delegation.site_id,
        )
        rests_on = or_(rests_on, supervised.exists())
    query = (
        select(Delegation)
        .where(Delegation.status == DelegationStatus.planned, rests_on)
        .options(
            selectinload(Delegation.assistant),
            selectinload(Delegation.delegated_by),
            selectinload(Delegation.task),
            selectinload(Delegation.site),
            selectinload(Delegation.decision),
            selectinload(Delegation.standing),
        )
        .order_by(Delegation.scheduled_for, Delegation.id)
    )
    return list(db.session.scalars(query))


def _recheck_when_active_changes(person: Person, *, actor, **_) -> str | None:
    """A person was deactivated or reactivated: re-check what rests on them at once."""
    delegations = planned_delegations_of(person)
    if not delegations:
        return None
    return str(recheck_delegations(delegations, actor))


def recheck_when_people_change() -> None:
    """Connect to the verbs on people (at app creation; connecting again changes nothing)."""
    from tracker.staff.signals import active_settled

    active_settled.connect(_recheck_when_active_changes)


def change_status(
    delegation: Delegation, status: DelegationStatus, actor: Person, reason: str | None = None
) -> None:
    """Move a planned delegation to performed or cancelled.

    Performed is refused for a delegation scheduled in the future, and for one whose
    standing is flagged unless the person gives a written reason; that reason is kept with
    the delegation and its audit event, and the delegation is listed as performed while
    flagged.
    """
    reason = (reason or "").strip()
    if status not in ALLOWED_MOVES[delegation.status]:
        raise Refused.because(
            f"A {delegation.status.value} delegation cannot be marked {status.value}.", "status"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise Refused.because(
            f"The reason is {len(reason)} characters long; at most {REASON_MAX_LENGTH} are "
            "allowed.",
            "reason",
        )
    if "\x00" in reason:
        raise Refused.because("The reason contains a character that cannot be kept.", "reason")
    flagged = standing_of(delegation).status != "clear"
    if status == DelegationStatus.performed:
        if delegation.scheduled_for > dates.now():
            raise Refused.because(
                "It is scheduled in the future: it can be marked performed only once its "
                "time has come.",
                "status",
            )
        if flagged and not reason:
            raise Refused.because(
                "Its standing is flagged: give a written reason to mark it performed "
                "(re-check it first if its records were fixed).",
                "reason",
            )
    before = snapshot(delegation)
    delegation.status = status
    if reason:
        delegation.status_reason = reason
    if status == DelegationStatus.performed and flagged:
        delegation.performed_while_flagged = True
    record_event("update", delegation, before=before, after=snapshot(delegation), actor=actor)
