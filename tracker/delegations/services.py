"""Verbs on delegations: record one (with its decision), re-check it, move its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker import dates
from tracker.audit.services import record_event, snapshot
from tracker.catalog.models import Task
from tracker.decision.models import DecisionRecord
from tracker.decision.services import evaluate, record_decision
from tracker.delegations.models import Delegation, DelegationCheck
from tracker.delegations.queries import standing_of
from tracker.errors import Refused
from tracker.extensions import db
from tracker.rule.values import Decision
from tracker.sites.models import Site
from tracker.staff.models import Person
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
    """The records a delegation form names, and what is wrong with them by field."""

    assistant: Person | None
    provider: Person | None
    task: Task | None
    site: Site | None
    problems: dict[str, str]


def named_records(assistant_id: int, provider_id: int, task_code: str, site_code: str) -> Named:
    """Look up the assistant, delegating provider, task and site a delegation names."""
    problems = {}
    assistant = db.session.get(Person, assistant_id or 0)
    if assistant is None or assistant.role != Role.assistant or not assistant.active:
        problems["assistant_id"] = "Choose an active medical assistant."
    provider = db.session.get(Person, provider_id or 0)
    if provider is None or provider.role != Role.provider:
        problems["delegated_by_id"] = "Choose the provider who delegates the task."
    task = db.session.scalar(select(Task).where(Task.code == task_code))
    if task is None:
        problems["task_code"] = "Choose a task from the catalog."
    elif task.kind == TaskKind.reserved:
        problems["task_code"] = (
            f"{task.name} is reserved for licensed providers; it is never delegated."
        )
    site = db.session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        problems["site_code"] = "Choose a site."
    return Named(assistant, provider, task, site, problems)


def may_change_status(person: Person, delegation: Delegation) -> bool:
    """Managers and admins move any delegation; a provider those they delegated."""
    return person.role in RECORD_KEEPERS or (
        person.role == Role.provider and delegation.delegated_by_id == person.id
    )


def record_delegation(
    *,
    assistant: Person,
    task: Task,
    site: Site,
    scheduled_for: datetime,
    delegated_by: Person,
    entered_by: Person,
    in_room: bool = False,
    notes: str = "",
) -> Delegation:
    """Record a delegation with the decision made now; a flagged one is kept and marked."""
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
    return decision, record


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
