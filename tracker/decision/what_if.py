"""What a policy change would do, before it is saved: the what-if preview.

It runs the real decision rule on the stored facts, once with the policies as they are and
once with the proposed change, and writes nothing. It sits above policy (it loads the facts
and decides); the policy pages reach it through ``tracker.policy.what_if.
preview_policy_change``, which the app factory hands this function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tracker.dates import local_day
from tracker.decision.facts import load_facts
from tracker.decision.matrix import assistants_at
from tracker.policy.services import PolicyChange
from tracker.policy.what_if import PREVIEW_DAYS
from tracker.rule.rules import competency_expiry
from tracker.rule.values import Decision, PersonFacts, SiteFacts, TaskFacts
from tracker.vocabulary import KIND_ORDER, TaskKind

if TYPE_CHECKING:
    from tracker.delegations.models import Delegation

#: Planned delegations of these tasks scheduled between two moments, in the order shown.
PlannedDelegations = Callable[[Sequence[str], datetime, datetime], "Sequence[Delegation]"]


@dataclass(frozen=True)
class DelegationChange:
    delegation: Delegation
    before: Decision
    after: Decision


@dataclass(frozen=True)
class CellChange:
    site: SiteFacts
    assistant: PersonFacts
    task: TaskFacts
    before: Decision
    after: Decision


@dataclass(frozen=True)
class ExpiryChange:
    """A competency whose expiry the change would move (``competency_expiry``)."""

    site: SiteFacts
    assistant: PersonFacts
    task: TaskFacts
    before: date | None  #: None: no expiry
    after: date | None


@dataclass
class WhatIf:
    """What a policy change would do to planned delegations and the compliance matrix."""

    at: datetime
    until: datetime
    tasks: list[TaskFacts]
    delegations: list[DelegationChange]
    cells: list[CellChange]
    delegations_checked: int
    cells_checked: int
    #: Job levels the proposed policy names that no active assistant has.
    unknown_levels: list[str] = field(default_factory=list)
    #: The job levels active assistants have, for the warning's words.
    known_levels: list[str] = field(default_factory=list)
    #: Validated competencies whose expiry (the policy's validity, when it comes before
    #: their own date) would move.
    expiries: list[ExpiryChange] = field(default_factory=list)


def _derived_expiries(book, cell_keys, now: datetime) -> dict:
    """(site, assistant, task, competency id) -> the expiry a decision now would use, for
    each validated competency (its own date counts only when it comes first)."""
    out = {}
    for site, person, task in cell_keys:
        competencies = book.competencies.get((person.id, task.code), ())
        if not competencies:
            continue
        day = local_day(now, site.timezone)
        policies = book.policies_by_task.get(task.code, ())
        for comp in competencies:
            if comp.validated_on is not None:
                expiry = competency_expiry(comp, policies, person.job_level, site.code, day)
                out[(site.code, person.email, task.code, comp.id)] = expiry.on
    return out


def _unmet(decision: Decision) -> tuple[str, ...]:
    return tuple(c.condition for c in decision.unmet)


def what_if(change: PolicyChange, now: datetime, planned_delegations: PlannedDelegations) -> WhatIf:
    """Decide planned delegations (next PREVIEW_DAYS days) and every site's matrix cells for
    the tasks the change touches, with the stored policies and with the proposed set.

    ``planned_delegations(task codes, from, until)`` lists the planned delegations, in the
    order they are shown (``tracker.delegations.queries.planned_delegations``, handed in by
    the app factory: delegations sit above decision)."""
    until = now + timedelta(days=PREVIEW_DAYS)
    book = load_facts(shifts_from=now, shifts_to=until)
    proposed = change.proposed_facts()
    replaced_id = change.replacing.id if change.replacing else None

    touched = {proposed.task}
    if change.replacing is not None:
        touched.add(change.replacing.task.code)
    current = book.policies_by_task
    swapped = {
        code: [p for p in current.get(code, ()) if replaced_id is None or p.id != replaced_id]
        for code in touched
    }
    swapped[proposed.task].append(proposed)
    tasks = sorted(
        (book.tasks[code] for code in touched if code in book.tasks),
        key=lambda t: (KIND_ORDER[t.kind], t.name.lower()),
    )
    delegable = [t for t in tasks if t.kind != TaskKind.reserved]

    planned = planned_delegations([t.code for t in delegable], now, until)
    cell_keys = [
        (site, person, task)
        for site in sorted(book.sites.values(), key=lambda s: s.name.lower())
        for person in assistants_at(book, site.code)
        for task in delegable
    ]

    def decide_all():
        delegations = [
            book.decide(
                d.assistant.email,
                d.task.code,
                d.site.code,
                d.scheduled_for,
                d.delegated_by.email,
                d.in_room,
            )
            for d in planned
        ]
        cells = [book.decide(person, task.code, site.code, now) for site, person, task in cell_keys]
        return delegations, cells

    before_delegations, before_cells = decide_all()
    before_expiries = _derived_expiries(book, cell_keys, now)
    book.policies_by_task = {**current, **swapped}
    try:
        after_delegations, after_cells = decide_all()
        after_expiries = _derived_expiries(book, cell_keys, now)
    finally:
        book.policies_by_task = current
    keys = {(site.code, person.email, task.code): (site, person, task)
            for site, person, task in cell_keys}  # fmt: skip
    expiries = [
        ExpiryChange(*keys[key[:3]], before_expiries[key], after_expiries.get(key))
        for key in before_expiries
        if before_expiries[key] != after_expiries.get(key)
    ]
    known_levels = sorted(
        {
            p.job_level
            for p in book.people.values()
            if p.role == "assistant" and p.active and p.job_level
        }  # fmt: skip
    )

    delegation_changes = [
        DelegationChange(d, before, after)
        for d, before, after in zip(planned, before_delegations, after_delegations, strict=True)
        if before.status != after.status or _unmet(before) != _unmet(after)
    ]
    cell_changes = [
        CellChange(site, person, task, before, after)
        for (site, person, task), before, after in zip(
            cell_keys, before_cells, after_cells, strict=True
        )
        if before.status != after.status
    ]
    return WhatIf(
        at=now,
        until=until,
        tasks=tasks,
        delegations=delegation_changes,
        cells=cell_changes,
        delegations_checked=len(planned),
        cells_checked=len(cell_keys),
        unknown_levels=[level for level in proposed.job_levels if level not in known_levels],
        known_levels=known_levels,
        expiries=expiries,
    )
