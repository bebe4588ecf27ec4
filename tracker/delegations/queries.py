"""Which delegations a person may see, and the lists pages show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, case, false, func, select, true
from sqlalchemy.orm import aliased, selectinload

from tracker import dates
from tracker.catalog.models import Task
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.paging import KeysetPage, keyset_page
from tracker.staff.models import Person
from tracker.vocabulary import OVERSEERS, DelegationStatus, Role


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
    return query.where(visibility_clause(user))


def visibility_clause(user: Person):
    """The SQL condition on delegations this person may see (for queries of columns).

    Fails closed: a role not named here sees none."""
    if user.role == Role.assistant:
        return Delegation.assistant_id == user.id
    if user.role == Role.provider:
        return (Delegation.delegated_by_id == user.id) | (Delegation.entered_by_id == user.id)
    return true() if user.role in OVERSEERS else false()


def visible_in_full(user: Person) -> Select:
    """``visible_delegations`` with all a delegation's page or JSON shows loaded (who
    entered it, its re-checks)."""
    return visible_delegations(user).options(
        selectinload(Delegation.entered_by), selectinload(Delegation.checks)
    )


def visible_delegation(user: Person, delegation_id: int) -> Delegation | None:
    """The delegation if this person may see it, else None (whether or not it exists)."""
    return db.session.scalar(visible_in_full(user).where(Delegation.id == delegation_id))


@dataclass(frozen=True)
class DelegationFilters:
    """What a list of delegations is narrowed to; None: not narrowed by it."""

    site_id: int | None = None
    assistant_id: int | None = None
    status: DelegationStatus | None = None
    #: By the standing: True flagged (or prohibited), False clear.
    flagged: bool | None = None
    #: Local dates in each delegation's own site's time zone, inclusive.
    first: date | None = None
    last: date | None = None

    def where(self, query: Select) -> Select:
        """The conditions SQL can test (a query joined to ``Delegation.standing``)."""
        if self.site_id is not None:
            query = query.where(Delegation.site_id == self.site_id)
        if self.assistant_id is not None:
            query = query.where(Delegation.assistant_id == self.assistant_id)
        if self.status is not None:
            query = query.where(Delegation.status == self.status)
        if self.flagged is not None:
            clear = DecisionRecord.status == "clear"
            query = query.where(~clear if self.flagged else clear)
        # A day's bounds depend on the site's zone: SQL takes a day more on each side, and
        # ``on_the_days`` keeps the delegations whose local date is in range.
        if self.first is not None and (start := _day_start(self.first, -1)) is not None:
            query = query.where(Delegation.scheduled_for >= start)
        if self.last is not None and (end := _day_start(self.last, 2)) is not None:
            query = query.where(Delegation.scheduled_for < end)
        return query

    def on_the_days(self) -> Callable[[Delegation], bool] | None:
        """Whether a delegation's local date is within ``first`` to ``last``."""
        if self.first is None and self.last is None:
            return None
        first, last = self.first or date.min, self.last or date.max

        def within(delegation: Delegation) -> bool:
            day = dates.local_day(delegation.scheduled_for, delegation.site.timezone)
            return first <= day <= last

        return within


def _day_start(day: date, days_later: int) -> datetime | None:
    """Midnight UTC ``days_later`` days from ``day``; None past the calendar's ends (a bound
    there bounds nothing)."""
    try:
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=days_later)
    except OverflowError:
        return None


def delegation_page(
    user: Person,
    filters: DelegationFilters,
    limit: int,
    after: tuple[datetime, int] | None = None,
) -> KeysetPage:
    """A page of the delegations this person may see, soonest first, after the key
    ``after`` (a cursor's): it never skips or repeats one recorded between pages."""
    query = filters.where(visible_in_full(user).join(Delegation.standing))
    return keyset_page(
        query,
        Delegation.scheduled_for,
        Delegation.id,
        limit,
        after=after,
        keep=filters.on_the_days(),
    )


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


def marked_performed_by(delegation_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """Who marked each delegation performed, and when: read from the audit events of the
    change (the record of who did it), in one query for the whole page."""
    from tracker.audit.models import AuditEvent

    if not delegation_ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.record_id, AuditEvent.after, AuditEvent.occurred_at, Person.name,
               AuditEvent.actor_label)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(
            AuditEvent.record_type == Delegation.__tablename__,
            AuditEvent.record_id.in_([str(i) for i in delegation_ids]),
            AuditEvent.action == "update",
        )
        .order_by(AuditEvent.id)
    )  # fmt: skip
    found = {}
    for record_id, after, occurred_at, name, label in rows:
        if isinstance(after, dict) and after.get("status") == DelegationStatus.performed.value:
            found[int(record_id)] = (name or label, occurred_at)
    return found


def visible_delegations_all() -> Select:
    return select(Delegation).options(
        selectinload(Delegation.assistant),
        selectinload(Delegation.delegated_by),
        selectinload(Delegation.task),
        selectinload(Delegation.site),
        selectinload(Delegation.decision),
        selectinload(Delegation.standing),
    )


# --------------------------------------------------------------------------- standing
#
# A delegation's standing is its latest decision (DESIGN section 9): the recorded one until
# a re-check adds another (``Delegation.standing``). Reminders, reports and exports read it
# through these helpers.

#: The decision a delegation stands on, for queries that filter or count by standing.
StandingDecision = aliased(DecisionRecord, name="standing_decision")


def standing_condition():
    """The join condition from ``Delegation`` to ``StandingDecision`` (for outer joins)."""
    return StandingDecision.id == func.coalesce(Delegation.standing_id, Delegation.decision_id)


def join_standing(query: Select) -> Select:
    """Join ``StandingDecision`` (the delegation's standing) onto a query of delegations."""
    return query.join(StandingDecision, standing_condition())


def standing_of(delegation: Delegation) -> DecisionRecord:
    """The decision a delegation stands on (load ``Delegation.standing`` to avoid a query)."""
    return delegation.standing or delegation.decision


def unmet_conditions(record: DecisionRecord) -> list[str]:
    """The conditions a kept decision found unmet, in the decision's order."""
    return unmet_in(record.result)


def unmet_in(result: dict | None) -> list[str]:
    """The unmet conditions in a decision's JSON (DESIGN section 4 shape)."""
    return [c["condition"] for c in (result or {}).get("conditions", []) if not c.get("met")]


def planned_delegations(task_codes, start: datetime, until: datetime) -> list[Delegation]:
    """Planned delegations of these tasks scheduled from ``start`` to ``until``, soonest
    first, with the people, task and site loaded (what a policy change's what-if decides)."""
    return list(
        db.session.scalars(
            select(Delegation)
            .join(Delegation.task)
            .where(
                Delegation.status == DelegationStatus.planned,
                Delegation.scheduled_for >= start,
                Delegation.scheduled_for <= until,
                Task.code.in_(list(task_codes)),
            )
            .options(
                selectinload(Delegation.assistant),
                selectinload(Delegation.delegated_by),
                selectinload(Delegation.task),
                selectinload(Delegation.site),
            )
            .order_by(Delegation.scheduled_for, Delegation.id)
        )
    )
