"""Verbs on delegations: record one (with its decision), re-check it, move its status."""

from __future__ import annotations

from datetime import datetime

from tracker.audit.services import record_event, snapshot
from tracker.decision.rules import Decision
from tracker.decision.services import evaluate, record_decision
from tracker.delegations.models import DecisionRecord, Delegation
from tracker.domain import DelegationStatus
from tracker.extensions import db
from tracker.records.models import Task
from tracker.staff.models import Person, Site

#: Moves a manager or provider may make by hand (declining comes with an incident).
ALLOWED_MOVES = {
    DelegationStatus.planned: {DelegationStatus.performed, DelegationStatus.cancelled},
    DelegationStatus.performed: set(),
    DelegationStatus.cancelled: set(),
    DelegationStatus.declined: set(),
}


class DelegationError(ValueError):
    """A change to a delegation that cannot be made; the message is for people."""


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
        status=DelegationStatus.planned,
    )
    db.session.add(delegation)
    db.session.flush()
    record_event("create", delegation, after=snapshot(delegation), actor=entered_by)
    return delegation


def recheck_delegation(delegation: Delegation, asked_by: Person) -> tuple[Decision, DecisionRecord]:
    """Decide the delegation again on the records as they are now, and keep that decision."""
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
    return decision, record


def change_status(delegation: Delegation, status: DelegationStatus, actor: Person) -> None:
    """Move a planned delegation to performed or cancelled."""
    if status not in ALLOWED_MOVES[delegation.status]:
        raise DelegationError(
            f"A {delegation.status.value} delegation cannot be marked {status.value}."
        )
    before = snapshot(delegation)
    delegation.status = status
    record_event("update", delegation, before=before, after=snapshot(delegation), actor=actor)
