"""Which delegations a person may see, and the lists pages show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, select
from sqlalchemy.orm import selectinload

from tracker.delegations.models import DecisionRecord, Delegation
from tracker.domain import DelegationStatus, Role
from tracker.staff.models import Person


def visible_delegations(user: Person) -> Select:
    """Assistants see their own; providers the ones they made or were named in; others all."""
    query = select(Delegation).options(
        selectinload(Delegation.assistant),
        selectinload(Delegation.delegated_by),
        selectinload(Delegation.task),
        selectinload(Delegation.site),
        selectinload(Delegation.decision),
        selectinload(Delegation.standing),
    )
    if user.role == Role.assistant:
        query = query.where(Delegation.assistant_id == user.id)
    elif user.role == Role.provider:
        query = query.where(
            (Delegation.delegated_by_id == user.id) | (Delegation.entered_by_id == user.id)
        )
    return query


def upcoming(user: Person, now: datetime, flagged_first: bool = False) -> Select:
    """Planned delegations from now on; those whose standing is flagged first when asked."""
    query = (
        visible_delegations(user)
        .join(Delegation.standing)
        .where(Delegation.status == DelegationStatus.planned, Delegation.scheduled_for >= now)
    )
    order = [Delegation.scheduled_for]
    if flagged_first:
        order.insert(0, case((DecisionRecord.status == "clear", 1), else_=0))
    return query.order_by(*order)


def performed_while_flagged() -> Select:
    """Delegations marked performed while their standing was flagged, latest first."""
    return (
        visible_delegations_all()
        .where(Delegation.performed_while_flagged.is_(True))
        .order_by(Delegation.scheduled_for.desc(), Delegation.id.desc())
    )


def visible_delegations_all() -> Select:
    return select(Delegation).options(
        selectinload(Delegation.assistant),
        selectinload(Delegation.delegated_by),
        selectinload(Delegation.task),
        selectinload(Delegation.site),
        selectinload(Delegation.decision),
        selectinload(Delegation.standing),
    )
