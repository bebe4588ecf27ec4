"""The rows of each CSV export: generators over queries read a batch at a time.

Each function returns (header, rows); ``rows`` is a generator, so nothing is read before the
response starts streaming, and the database hands rows over ``BATCH`` at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from tracker.catalog.models import Task
from tracker.dates import zone
from tracker.decision.matrix import build_matrix
from tracker.delegations.models import Delegation
from tracker.delegations.queries import (
    StandingDecision,
    join_standing,
    unmet_in,
    visibility_clause,
)
from tracker.extensions import db
from tracker.incidents.models import Incident
from tracker.incidents.visibility import visible_incidents
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.training.queries import expiring_items
from tracker.vocabulary import DelegationStatus

BATCH = 1000

DELEGATION_COLUMNS = (
    "id", "scheduled_for", "site", "site_name", "assistant_email", "assistant_name",
    "task", "task_name", "delegated_by_email", "delegated_by_name", "status", "standing",
    "unmet_conditions", "in_room", "notes", "recorded_at", "status_reason",
)  # fmt: skip
MATRIX_COLUMNS = (
    "site", "decided_at", "assistant_email", "assistant_name", "job_level", "task",
    "task_name", "task_kind", "status", "unmet_conditions", "reasons",
)  # fmt: skip
EXPIRING_COLUMNS = (
    "expires_on", "status", "kind", "person_email", "person_name", "role", "what",
    "expiry_from_policy", "expiry_site",
)  # fmt: skip
INCIDENT_COLUMNS = (
    "id", "occurred_at", "logged_at", "site", "logged_by_email", "logged_by_name",
    "requester", "requester_role", "task", "what_was_asked", "what_was_said", "reason",
    "steps", "raised_with", "status", "delegation_id",
)  # fmt: skip


def streamed(statement, *, entities: bool = False) -> Iterator:
    """The statement's rows read ``BATCH`` at a time while the response streams.

    The rows are read on a session of their own, opened when the first row is wanted and
    closed when the last has gone (or the client left): a streamed response outlives the
    request's app context, and the session that belongs to it.
    """
    engine = db.engine
    statement = statement.execution_options(yield_per=BATCH)

    def rows():
        with Session(engine) as session:
            result = session.execute(statement)
            yield from (result.scalars() if entities else result)

    return rows()


def local_iso(moment: datetime | None, timezone: str | None) -> str:
    """A moment in ISO-8601 to the second, with the offset of the zone it is shown in (UTC
    without one)."""
    if moment is None:
        return ""
    return moment.astimezone(zone(timezone or "UTC")).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class DelegationFilters:
    status: DelegationStatus | None = None
    #: "clear" or "flagged" (the standing), or None for both.
    standing: str | None = None
    site_id: int | None = None
    #: First and last day of scheduled_for, in the practice's zone.
    first_day: date | None = None
    last_day: date | None = None
    timezone: str = "UTC"


def delegation_rows(user: Person, filters: DelegationFilters):
    assistant, delegator = aliased(Person), aliased(Person)
    query = (
        join_standing(
            select(
                Delegation.id,
                Delegation.scheduled_for,
                Site.code,
                Site.name,
                Site.timezone,
                assistant.email,
                assistant.name,
                Task.code,
                Task.name,
                delegator.email,
                delegator.name,
                Delegation.status,
                StandingDecision.status,
                StandingDecision.result,
                Delegation.in_room,
                Delegation.notes,
                Delegation.created_at,
                Delegation.status_reason,
            ).select_from(Delegation)
        )  # fmt: skip
        .join(Site, Site.id == Delegation.site_id)
        .join(Task, Task.id == Delegation.task_id)
        .join(assistant, assistant.id == Delegation.assistant_id)
        .join(delegator, delegator.id == Delegation.delegated_by_id)
        .where(visibility_clause(user))
        .order_by(Delegation.scheduled_for, Delegation.id)
    )
    if filters.status is not None:
        query = query.where(Delegation.status == filters.status)
    if filters.standing == "clear":
        query = query.where(StandingDecision.status == "clear")
    elif filters.standing == "flagged":
        query = query.where(StandingDecision.status != "clear")
    if filters.site_id is not None:
        query = query.where(Delegation.site_id == filters.site_id)
    tz = zone(filters.timezone)
    if filters.first_day is not None:
        query = query.where(
            Delegation.scheduled_for >= datetime.combine(filters.first_day, time(), tz)
        )
    if filters.last_day is not None:
        after = date.fromordinal(filters.last_day.toordinal() + 1)
        query = query.where(Delegation.scheduled_for < datetime.combine(after, time(), tz))

    source = streamed(query)  # the engine is taken now, inside the request

    def rows() -> Iterator[tuple]:
        for (id_, scheduled, site, site_name, site_tz, a_email, a_name, task, task_name,
             d_email, d_name, status, standing, result, in_room, notes,
             created, status_reason) in source:  # fmt: skip
            yield (
                id_, local_iso(scheduled, site_tz), site, site_name, a_email, a_name, task,
                task_name, d_email, d_name, status.value, standing,
                "; ".join(unmet_in(result)), in_room, notes,
                local_iso(created, "UTC"), status_reason or "",
            )  # fmt: skip

    return DELEGATION_COLUMNS, rows()


def matrix_rows(site_code: str, at: datetime):
    """Every active assistant at the site × every task, decided at ``at``."""
    matrix = build_matrix(site_code, at)

    def rows() -> Iterator[tuple]:
        decided = local_iso(at, matrix.site.timezone)
        for person in matrix.assistants:
            for task in matrix.tasks:
                decision = matrix.cell(person, task)
                unmet = decision.unmet if decision.status == "flagged" else []
                reasons = (
                    [decision.reason]
                    if decision.status == "prohibited"
                    else [f"{c.condition}: {c.reason}" for c in unmet]
                )
                yield (
                    site_code, decided, person.email, person.name, person.job_level or "",
                    task.code, task.name, task.kind.value, decision.status,
                    "; ".join(c.condition for c in unmet), " | ".join(reasons),
                )  # fmt: skip

    return MATRIX_COLUMNS, rows()


ELIGIBLE_COLUMNS = (
    "site", "at_local", "task", "assistant_email", "assistant_name", "job_level", "answer",
    "unmet_conditions", "what_is_missing",
)  # fmt: skip


def eligible_rows(result):
    """The finder's answer (tracker.decision.eligible): clear assistants first, then flagged."""

    def rows() -> Iterator[tuple]:
        at = local_iso(result.at, result.site.timezone)
        for answer, candidates in (("clear", result.clear), ("flagged", result.flagged)):
            for c in candidates:
                unmet = c.unmet if answer == "flagged" else []
                yield (
                    result.site.code, at, result.task.code, c.assistant.email, c.assistant.name,
                    c.assistant.job_level or "", answer, "; ".join(u.condition for u in unmet),
                    " | ".join(u.reason for u in unmet),
                )  # fmt: skip

    return ELIGIBLE_COLUMNS, rows()


def expiring_rows(today: date, days: int, site_code: str | None):
    report = expiring_items(today, days, site_code=site_code)

    def rows() -> Iterator[tuple]:
        for item in [*report.due, *report.no_expiry]:
            yield (
                item.expires_on, item.status, item.kind, item.person.email, item.person.name,
                item.person.role.value, item.what, item.derived, item.site_code,
            )  # fmt: skip

    return EXPIRING_COLUMNS, rows()


def incident_rows(user: Person):
    """The incidents this person may see (tracker.incidents.visibility), oldest first."""
    query = (
        visible_incidents(user)
        .options(
            selectinload(Incident.site),
            selectinload(Incident.logged_by),
            selectinload(Incident.requester),
            selectinload(Incident.task),
            selectinload(Incident.raised_with),
        )
        .order_by(Incident.occurred_at, Incident.id)
    )

    source = streamed(query, entities=True)

    def rows() -> Iterator[tuple]:
        from tracker.incidents.words import STEP_LABELS

        for incident in source:
            tz = incident.timezone
            yield (
                incident.id, local_iso(incident.occurred_at, tz),
                local_iso(incident.logged_at, tz), incident.site.code if incident.site else "",
                incident.logged_by.email, incident.logged_by.name,
                incident.requester.name if incident.requester else incident.requester_name,
                incident.requester.role.value if incident.requester else incident.requester_role,
                incident.task_label, incident.what_was_asked, incident.what_was_said,
                incident.reason.value,
                "; ".join(STEP_LABELS.get(code, code) for code in incident.steps or []),
                "; ".join(p.name for p in incident.raised_with), incident.status.value,
                incident.delegation_id,
            )  # fmt: skip

    return INCIDENT_COLUMNS, rows()
