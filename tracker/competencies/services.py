"""Verbs on competencies: sign one off, correct it, revoke it; and the reads its pages need.

Each verb checks everything first, collecting the problems by form field, and changes
nothing unless there is none; then it writes one audit event in the caller's transaction
(the view commits).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.audit.services import SystemActor, record_event, snapshot
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.competencies.status import CompetencyLine, competency_line
from tracker.db_types import utcnow
from tracker.errors import Problem, Problems
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.policy.queries import policy_facts
from tracker.rule.rules import (
    licensed_provider,
    may_validate,
    reserved_reason,
    select_policy,
)
from tracker.rule.values import LicenseFacts, PersonFacts, PolicyFacts
from tracker.staff.models import Person
from tracker.vocabulary import RECORD_KEEPERS, Role, TaskKind


@dataclass
class CompetencyInput:
    """What a sign-off form (or any other caller) gives for one competency."""

    trained_on: date | None = None
    training_hours: float | None = None
    validated_on: date | None = None
    validated_by: Person | None = None
    expires_on: date | None = None
    prior_employer: bool = False
    evidence: str = ""
    #: The validator attests they observed the assistant perform the task.
    attested: bool = False


# --------------------------------------------------------------------------- who may


def may_sign_off(person: Person) -> bool:
    """A provider or an approved observer signs off as themselves."""
    return person.active and (person.role == Role.provider or person.can_validate)


def enters_on_behalf(person: Person) -> bool:
    return person.role in RECORD_KEEPERS


def may_record(person: Person) -> bool:
    return enters_on_behalf(person) or may_sign_off(person)


def may_correct(person: Person, comp: Competency) -> bool:
    """Managers and admins correct any record; a validator corrects their own sign-off, and
    signs off a record not yet validated here (one from a prior employer, or unsigned)."""
    if enters_on_behalf(person):
        return True
    if not may_sign_off(person) or comp.person_id == person.id:
        return False
    return comp.validated_by_id == person.id or comp.prior_employer or comp.validated_on is None


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        email=person.email,
        name=person.name,
        role=person.role.value,
        active=person.active,
        deactivated_on=person.deactivated_on,
        job_level=person.job_level,
        can_validate=person.can_validate,
        licenses=tuple(
            LicenseFacts(lic.type, lic.number, lic.state, lic.expires_on, lic.id)
            for lic in person.licenses
        ),
        id=person.id,
    )


def validator_problem(validator: Person, assistant: Person, day: date) -> str | None:
    """Why this person may not sign off this assistant's competency on the day, if so."""
    if validator.id == assistant.id:
        return f"{validator.name} cannot validate their own competency; someone else must."
    if may_validate(person_facts(validator), day):
        return None
    if validator.role == Role.provider and not licensed_provider(person_facts(validator), day):
        return (
            f"{validator.name} had no license current on {day.isoformat()} and is not an "
            "approved observer, so may not validate."
        )
    return (
        f"{validator.name} is neither a licensed provider nor an approved observer, so may "
        "not validate."
    )


def local_today(person: Person) -> date:
    """Today where the person works (their first site), else in UTC."""
    zone = person.sites[0].timezone if person.sites else "UTC"
    return dates.today(zone)


# --------------------------------------------------------------------------- checks


@dataclass
class CompetencyChange:
    """A competency to record or correct, checked: what refuses it and what only warns.

    ``history`` is a practice's past as a file brings it (the practice file): a sign-off the
    rule will not count (the assistant's own, or by someone who may not validate) is kept
    with a warning instead of refused, no attestation is asked for, and ``revoked_on`` is
    taken as given. A form's sign-off is never history.
    """

    assistant: Person
    task: Task
    data: CompetencyInput
    existing: Competency | None = None
    history: bool = False
    revoked_on: date | None = None
    problems: Problems = field(default_factory=Problems)
    warnings: list[Problem] = field(default_factory=list)


def check_competency(
    assistant: Person,
    task: Task,
    data: CompetencyInput,
    *,
    existing: Competency | None = None,
    needs_attestation: bool = True,
    history: bool = False,
    revoked_on: date | None = None,
    unique: bool = False,
) -> CompetencyChange:
    """Check a competency before it is recorded or corrected (nothing written).

    ``unique``: the caller already matched the record by its natural key (person, task,
    trained_on, validated_on), so no other record can have the same dates.
    """
    change = CompetencyChange(assistant, task, data, existing, history, revoked_on)
    _check_task_and_person(change)
    if data.validated_on is not None:
        _check_sign_off(change, needs_attestation)
    elif data.validated_by is not None:
        change.problems.add(
            "validated_on",
            f"Give the day {data.validated_by.name} watched {assistant.name} perform it.",
        )
    _check_details(change)
    if not unique and "task" not in change.problems and "person" not in change.problems:
        _check_not_duplicate(change)
    return change


def _check_task_and_person(change: CompetencyChange) -> None:
    """A competency is for a task that may be delegated, held by an assistant."""
    add, task, assistant = change.problems.add, change.task, change.assistant
    if task.kind == TaskKind.reserved:
        add("task", reserved_reason(task) + " No competency can be signed off for it.")
    if assistant.role != Role.assistant:
        add("person", f"{assistant.name} is not a medical assistant.")
    elif change.existing is None and not assistant.active and not change.history:
        add("person", f"{assistant.name}'s account is deactivated.")


def _check_sign_off(change: CompetencyChange, needs_attestation: bool) -> None:
    """A sign-off: on a past day, by someone who may validate, attested when a form asks."""
    add, data, assistant = change.problems.add, change.data, change.assistant
    today = local_today(assistant)
    validator = data.validated_by
    if data.validated_on > today:
        add("validated_on", f"Cannot be after today ({today.isoformat()}).")
    if validator is None:
        add("validated_by", "Choose who validated the competency.")
    else:
        problem = validator_problem(validator, assistant, data.validated_on)
        if problem and change.history:
            change.warnings.append(
                Problem("validated_by", f"kept, but it does not count: {problem}")
            )
        elif problem:
            add("validated_by", problem)
    if needs_attestation and not data.attested and not change.history:
        who = validator.name if validator is not None else "the validator"
        add(
            "attest",
            f"Required: confirm that {who} observed {assistant.name} perform {change.task.name}.",
        )


def _check_details(change: CompetencyChange) -> None:
    """The dates in order around the validation day, the hours and evidence in bounds."""
    add, data = change.problems.add, change.data
    if data.trained_on and data.validated_on and data.trained_on > data.validated_on:
        add("trained_on", f"Must be on or before the validation date ({data.validated_on}).")
    if data.expires_on and data.validated_on and data.expires_on < data.validated_on:
        add("expires_on", f"Must be on or after the validation date ({data.validated_on}).")
    if data.training_hours is not None and not 0 <= data.training_hours <= 10_000:
        add("training_hours", "Give the hours as a number from 0 to 10000.")
    if len(data.evidence or "") > 2000:
        add("evidence", "At most 2000 characters.")


def _check_not_duplicate(change: CompetencyChange) -> None:
    """No other record of this assistant and task has the same training and validation days."""
    assistant, task, data, existing = change.assistant, change.task, change.data, change.existing
    duplicate = db.session.scalar(
        select(Competency.id).where(
            Competency.person_id == assistant.id,
            Competency.task_id == task.id,
            _same_day(Competency.trained_on, data.trained_on),
            _same_day(Competency.validated_on, data.validated_on),
            Competency.id != (existing.id if existing is not None else -1),
        )
    )
    if duplicate is not None:
        change.problems.add(
            "validated_on",
            f"{assistant.name} already has a {task.name} competency with these training "
            f"and validation dates (record {duplicate}); correct that one instead.",
        )


def _same_day(column, value: date | None):
    return column.is_(None) if value is None else column == value


def _apply(comp: Competency, data: CompetencyInput) -> None:
    comp.trained_on = data.trained_on
    comp.training_hours = data.training_hours
    comp.validated_on = data.validated_on
    comp.validated_by = data.validated_by if data.validated_on is not None else None
    comp.expires_on = data.expires_on
    comp.prior_employer = bool(data.prior_employer)
    comp.evidence = (data.evidence or "").strip()


def _entered_by(actor: Person | SystemActor, validator: Person | None) -> Person | None:
    """Who typed the record in, kept only when it is a person other than the validator."""
    if isinstance(actor, SystemActor):
        return None
    return None if validator is not None and validator.id == actor.id else actor


# --------------------------------------------------------------------------- verbs


def record_competency(
    assistant: Person, task: Task, data: CompetencyInput, actor: Person
) -> Competency:
    """Record an assistant's competency for a task (a sign-off when validated_on is given)."""
    return create_competency(check_competency(assistant, task, data), actor)


def create_competency(change: CompetencyChange, actor: Person | SystemActor) -> Competency:
    """Write a checked new competency (refused if the check found problems)."""
    change.problems.raise_any()
    comp = Competency(person=change.assistant, task=change.task)
    _apply(comp, change.data)
    if change.history:
        comp.revoked_on = change.revoked_on
    else:
        comp.entered_by = _entered_by(actor, comp.validated_by)
        comp.attested_at = utcnow() if comp.validated_on is not None else None
    db.session.add(comp)
    db.session.flush()
    record_event("create", comp, after=snapshot(comp), actor=actor)
    return comp


def _needs_attestation(comp: Competency, data: CompetencyInput) -> tuple[bool, bool]:
    """(the sign-off changed, it must be attested again)."""
    validator_id = data.validated_by.id if data.validated_by is not None else None
    sign_off_changed = (
        data.validated_on != comp.validated_on or validator_id != comp.validated_by_id
    )
    return sign_off_changed, data.validated_on is not None and (
        sign_off_changed or comp.attested_at is None
    )


def correct_competency(comp: Competency, data: CompetencyInput, actor: Person) -> bool:
    """Correct a competency record; returns False when nothing changed.

    Changing who validated it or when is a new sign-off: it must be attested again.
    """
    _, needs_attestation = _needs_attestation(comp, data)
    change = check_competency(
        comp.person, comp.task, data, existing=comp, needs_attestation=needs_attestation
    )
    return update_competency(change, actor)


def update_competency(change: CompetencyChange, actor: Person | SystemActor) -> bool:
    """Write a checked correction of ``change.existing``; False when nothing changed."""
    change.problems.raise_any()
    comp, data = change.existing, change.data
    sign_off_changed, needs_attestation = _needs_attestation(comp, data)
    before = snapshot(comp)
    _apply(comp, data)
    if change.history:
        comp.revoked_on = change.revoked_on
    else:
        if sign_off_changed:
            comp.entered_by = _entered_by(actor, comp.validated_by)
            comp.attested_at = None
        if comp.validated_on is not None and needs_attestation:
            # Whoever attests the sign-off now entered it (unless they are the validator).
            comp.attested_at = utcnow()
            comp.entered_by = _entered_by(actor, comp.validated_by)
    db.session.flush()
    after = snapshot(comp)
    if after == before:
        return False
    record_event("update", comp, before=before, after=after, actor=actor)
    return True


def revoke_competency(comp: Competency, revoked_on: date, reason: str, actor: Person) -> None:
    """End a competency from a day on; the reason is kept in the audit event."""
    problems = Problems()
    reason = (reason or "").strip()
    if comp.revoked_on is not None:
        problems.add("revoked_on", f"Already revoked from {comp.revoked_on.isoformat()}.")
    if not reason:
        problems.add("reason", "Say why it is revoked.")
    elif len(reason) > 500:
        problems.add("reason", "At most 500 characters.")
    problems.raise_any()
    before = snapshot(comp)
    comp.revoked_on = revoked_on
    db.session.flush()
    record_event("revoke", comp, before=before, after={**snapshot(comp), "reason": reason},
                 actor=actor)  # fmt: skip


# --------------------------------------------------------------------------- reads


def sign_off_choice(
    me: Person, person_id: int, task_code: str
) -> tuple[Person | None, Task | None, Problems]:
    """The assistant and task a sign-off is for, and by field what makes them unfit."""
    assistant = db.session.get(Person, person_id or 0)
    task = db.session.scalar(select(Task).where(Task.code == (task_code or "")))
    problems = Problems()
    if assistant is not None and assistant.id == me.id:
        problems.add("person_id", "You cannot sign off your own competency.")
    elif assistant is None or assistant.role != Role.assistant or not assistant.active:
        problems.add("person_id", "Choose an active medical assistant.")
    if task is None:
        problems.add("task", "Choose a task from the catalog.")
    elif task.kind == TaskKind.reserved:
        problems.add("task", reserved_reason(task) + " No competency can be signed off for it.")
    return assistant, task, problems


def visible_competencies(user: Person):
    """The competencies a person may see: an assistant only their own."""
    query = select(Competency)
    if user.role == Role.assistant:
        query = query.where(Competency.person_id == user.id)
    return query


def _policy_facts(policies: Iterable[Policy]) -> list[PolicyFacts]:
    return [policy_facts(p) for p in policies]


def load_policies(task_ids: Iterable[int]) -> list[PolicyFacts]:
    """The policies for these tasks, in one query."""
    ids = sorted(set(task_ids))
    if not ids:
        return []
    return _policy_facts(
        db.session.scalars(
            select(Policy)
            .where(Policy.task_id.in_(ids))
            .options(selectinload(Policy.task), selectinload(Policy.site))
        )
    )


def lines_for(
    competencies: list[Competency], today: date, within_days: int
) -> list[CompetencyLine]:
    """Each competency (person, their sites and task loaded) with its expiry at each of the
    person's sites and its status; the policies in one query."""
    policies = load_policies(c.task_id for c in competencies)
    return [
        competency_line(comp, comp.person, policies, today, within_days) for comp in competencies
    ]


@dataclass(frozen=True)
class SiteRequirement:
    """What a sign-off must meet at one of the assistant's sites, in words for the form."""

    site: str
    state: str
    #: The state's minimum training hours (None: no rule, or no minimum).
    min_hours: float | None
    has_rule: bool
    policy: str | None
    valid_months: int | None


def signoff_requirements(assistant: Person, task: Task, day: date) -> list[SiteRequirement]:
    """For each site of the assistant: the state's minimum training hours for the task, and
    how long the written policy that applies there keeps a competency valid."""
    from tracker.policy.models import StateRule

    states = sorted({s.state for s in assistant.sites})
    rules = {
        r.state: r
        for r in db.session.scalars(
            select(StateRule).where(StateRule.task_id == task.id, StateRule.state.in_(states))
        )
    }
    policies = load_policies([task.id])
    out = []
    for site in sorted(assistant.sites, key=lambda s: s.name):
        rule = rules.get(site.state)
        policy = select_policy(policies, task.code, assistant.job_level, site.code, day)
        out.append(
            SiteRequirement(
                site=site.name,
                state=site.state,
                min_hours=rule.min_training_hours if rule is not None else None,
                has_rule=rule is not None,
                policy=(policy.document or "The written policy") if policy else None,
                valid_months=policy.competency_valid_months if policy else None,
            )
        )
    return out
