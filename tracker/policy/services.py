"""State rules and the employer's written policy: read models, verbs and the what-if preview.

Every verb checks its change first and refuses it with problems keyed by form field (nothing
written); otherwise it changes the record and writes an audit event in the same transaction.
The view commits. The what-if preview runs the real decision rule on the stored facts, once
with the policies as they are and once with the proposed change, and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import record_event, snapshot
from tracker.decision.facts import load_facts
from tracker.decision.matrix import KIND_ORDER, assistants_at
from tracker.decision.rules import (
    STALE_RULE_MONTHS,
    Decision,
    PersonFacts,
    PolicyFacts,
    SiteFacts,
    TaskFacts,
    add_months,
    competency_expiry,
    local_day,
    select_policy,
    state_name,
)
from tracker.delegations.models import Delegation
from tracker.domain import US_STATES, DelegationStatus, Role, RuleStatus, SupervisionLevel, TaskKind
from tracker.extensions import db
from tracker.policy.overlap import describe_span, policies_overlap
from tracker.records.models import Policy, StateRule, Task
from tracker.staff.models import Person, Site

#: How far ahead the what-if preview looks for planned delegations.
PREVIEW_DAYS = 30


class ChangeRefused(ValueError):
    """A change that cannot be saved; ``problems`` maps a form field to what is wrong."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = problems


def _reserved_words(task: Task, what: str) -> str:
    return (
        f"{task.name} is reserved for licensed providers in every state; {what} can make it "
        "delegable to a medical assistant."
    )


def sorted_tasks() -> list[Task]:
    """Every task of the catalog (built-in and the practice's own), by kind then name."""
    tasks = db.session.scalars(select(Task)).all()
    return sorted(tasks, key=lambda t: (KIND_ORDER[t.kind], t.name.lower()))


def sorted_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


# --------------------------------------------------------------------------- state rules


@dataclass(frozen=True)
class StateRuleDraft:
    state: str
    task: str
    status: RuleStatus
    supervision: SupervisionLevel
    requires_credentials: tuple[str, ...] = ()
    min_training_hours: float | None = None
    citation: str = ""
    verified_on: date | None = None


@dataclass(frozen=True)
class RuleLine:
    """One task's line on a state's page: its rule, or none recorded."""

    task: Task
    rule: StateRule | None
    stale: bool = False

    @property
    def never_verified(self) -> bool:
        return self.rule is not None and self.rule.verified_on is None


@dataclass(frozen=True)
class StateSummary:
    state: str
    name: str
    sites: tuple[str, ...]
    recorded: int
    stale: int
    not_verified: int


def is_stale(rule: StateRule, today: date) -> bool:
    """Verified more than STALE_RULE_MONTHS ago (the same test the decision warns on)."""
    return rule.verified_on is not None and rule.verified_on < add_months(today, -STALE_RULE_MONTHS)


def state_summaries(today: date) -> list[StateSummary]:
    """The states the practice works in (its sites'), then any other state with rules."""
    sites = sorted_sites()
    rules = db.session.scalars(select(StateRule).options(selectinload(StateRule.task))).all()
    clinical = {
        t.id for t in db.session.scalars(select(Task).where(Task.kind == TaskKind.clinical))
    }
    site_names: dict[str, list[str]] = {}
    for site in sites:
        site_names.setdefault(site.state, []).append(site.name)
    by_state: dict[str, list[StateRule]] = {}
    for rule in rules:
        by_state.setdefault(rule.state, []).append(rule)
    states = sorted(site_names) + sorted(set(by_state) - set(site_names))
    out = []
    for state in states:
        mine = by_state.get(state, [])
        covered = {r.task_id for r in mine}
        out.append(
            StateSummary(
                state=state,
                name=state_name(state),
                sites=tuple(site_names.get(state, ())),
                recorded=len(mine),
                stale=sum(1 for r in mine if is_stale(r, today) or r.verified_on is None),
                not_verified=len(clinical - covered),
            )
        )
    return out


def state_rule_lines(state: str, today: date) -> list[RuleLine]:
    """Every task with the state's rule for it (or None), in catalog order."""
    rules = {
        r.task_id: r for r in db.session.scalars(select(StateRule).where(StateRule.state == state))
    }
    lines = []
    for task in sorted_tasks():
        rule = rules.get(task.id)
        lines.append(RuleLine(task, rule, rule is not None and is_stale(rule, today)))
    return lines


def sites_in_state(state: str) -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.state == state).order_by(Site.name)))


def _state_rule_problems(
    draft: StateRuleDraft, today: date, rule_id: int | None = None
) -> tuple[Task | None, dict[str, str]]:
    problems: dict[str, str] = {}
    if draft.state not in US_STATES:
        problems["state"] = f"{draft.state!r} is not a two-letter US state code."
    task = db.session.scalar(select(Task).where(Task.code == draft.task))
    if task is None:
        problems["task"] = f"No task with code {draft.task!r}."
    else:
        if task.kind == TaskKind.reserved and draft.status == RuleStatus.permitted:
            problems["status"] = _reserved_words(task, "no state rule")
        existing = db.session.scalar(
            select(StateRule.id).where(StateRule.state == draft.state, StateRule.task_id == task.id)
        )
        if existing is not None and existing != rule_id:
            problems["task"] = (
                f"{state_name(draft.state)} already has a rule for {task.name}; edit that rule "
                "instead (one rule per state and task)."
            )
    if draft.verified_on is not None and draft.verified_on > today:
        problems["verified_on"] = f"Cannot be later than today ({today})."
    return task, problems


def _apply_rule(rule: StateRule, draft: StateRuleDraft) -> None:
    rule.status = draft.status
    rule.supervision = draft.supervision
    rule.requires_credentials = list(draft.requires_credentials)
    rule.min_training_hours = draft.min_training_hours
    rule.citation = draft.citation
    rule.verified_on = draft.verified_on


def create_state_rule(draft: StateRuleDraft, today: date, *, actor: Person) -> StateRule:
    """Record what a state's law says about one task (one rule per state and task)."""
    task, problems = _state_rule_problems(draft, today)
    if problems:
        raise ChangeRefused(problems)
    rule = StateRule(state=draft.state, task=task)
    _apply_rule(rule, draft)
    db.session.add(rule)
    db.session.flush()
    record_event("create", rule, after=snapshot(rule), actor=actor)
    return rule


def update_state_rule(
    rule: StateRule, draft: StateRuleDraft, today: date, *, actor: Person
) -> bool:
    """Change a state rule (its state and task stay); False when nothing changed."""
    draft = replace(draft, state=rule.state, task=rule.task.code)
    _, problems = _state_rule_problems(draft, today, rule.id)
    if problems:
        raise ChangeRefused(problems)
    before = snapshot(rule)
    _apply_rule(rule, draft)
    db.session.flush()
    after = snapshot(rule)
    if after == before:
        return False
    record_event("update", rule, before=before, after=after, actor=actor)
    return True


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class PolicyDraft:
    """A policy as a form proposes it: tasks and sites by code."""

    task: str
    site: str | None
    job_levels: tuple[str, ...]
    authorized: bool
    supervision: SupervisionLevel
    requires_credentials: tuple[str, ...] = ()
    competency_valid_months: int | None = None
    document: str = ""
    effective_from: date | None = None
    effective_to: date | None = None

    def overlap_values(self) -> dict:
        return {
            "task": self.task,
            "site": self.site,
            "job_levels": list(self.job_levels),
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
        }

    def facts(self, policy_id: int | None = None) -> PolicyFacts:
        return PolicyFacts(
            task=self.task,
            authorized=self.authorized,
            supervision=self.supervision,
            site=self.site,
            job_levels=tuple(self.job_levels),
            requires_credentials=tuple(self.requires_credentials),
            competency_valid_months=self.competency_valid_months,
            document=self.document,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            id=policy_id,
        )


def draft_of(policy: Policy) -> PolicyDraft:
    """The stored policy as a draft (to fill a form or to end it)."""
    return PolicyDraft(
        task=policy.task.code,
        site=policy.site.code if policy.site else None,
        job_levels=tuple(sorted(policy.job_levels or ())),
        authorized=policy.authorized,
        supervision=policy.supervision,
        requires_credentials=tuple(policy.requires_credentials or ()),
        competency_valid_months=policy.competency_valid_months,
        document=policy.document or "",
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
    )


def policy_facts(policy: Policy) -> PolicyFacts:
    return draft_of(policy).facts(policy.id)


def known_job_levels() -> list[str]:
    """The distinct job levels of assistants plus those named in policies."""
    levels = set(
        db.session.scalars(
            select(Person.job_level)
            .where(Person.role == Role.assistant, Person.job_level.is_not(None))
            .distinct()
        )
    )
    for named in db.session.scalars(select(Policy.job_levels)):
        levels.update(named or ())
    return sorted((lvl for lvl in levels if lvl), key=lambda lvl: (lvl.lower(), lvl))


def _canonical_levels(levels, known: list[str]) -> tuple[str, ...]:
    """Spell each level as the practice already does ("cma" -> "CMA"), sorted, no repeats."""
    spelling = {lvl.lower(): lvl for lvl in known}
    out = {spelling.get(lvl.lower(), lvl) for lvl in levels}
    return tuple(sorted(out))


@dataclass
class PolicyChange:
    """A proposed policy, its task and site resolved, and what keeps it from being saved."""

    draft: PolicyDraft
    replacing: Policy | None
    task: Task | None
    site: Site | None
    problems: dict[str, str] = field(default_factory=dict)

    def proposed_facts(self) -> PolicyFacts:
        return self.draft.facts(self.replacing.id if self.replacing else None)


def check_policy_change(draft: PolicyDraft, replacing: Policy | None = None) -> PolicyChange:
    """Resolve and check a new policy or a policy's new version (nothing written)."""
    draft = replace(draft, job_levels=_canonical_levels(draft.job_levels, known_job_levels()))
    problems: dict[str, str] = {}
    task = db.session.scalar(select(Task).where(Task.code == draft.task))
    if task is None:
        problems["task"] = f"No task with code {draft.task!r}."
    site = None
    if draft.site is not None:
        site = db.session.scalar(select(Site).where(Site.code == draft.site))
        if site is None:
            problems["site"] = f"No site with code {draft.site!r}."
    if task is not None and task.kind == TaskKind.reserved and draft.authorized:
        problems["authorized"] = _reserved_words(task, "no policy")
    if (
        draft.effective_from is not None
        and draft.effective_to is not None
        and draft.effective_to < draft.effective_from
    ):
        problems["effective_to"] = (
            f"Must be on or after the effective-from date ({draft.effective_from})."
        )
    elif task is not None and "site" not in problems:
        clash = _overlapping(draft, task, replacing)
        if clash is not None:
            problems["effective_from"] = (
                f"Overlaps {_policy_name(clash)} ({describe_span(_overlap_values(clash))}) for "
                "the same task, site and job levels; end that policy first or choose dates "
                "that do not overlap."
            )
    return PolicyChange(draft, replacing, task, site, problems)


def _policy_name(policy: Policy) -> str:
    return f"the policy '{policy.document}'" if policy.document else "another policy"


def _overlap_values(policy: Policy) -> dict:
    return {
        "task": policy.task.code,
        "site": policy.site.code if policy.site else None,
        "job_levels": list(policy.job_levels or ()),
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
    }


def _overlapping(draft: PolicyDraft, task: Task, replacing: Policy | None) -> Policy | None:
    """A stored policy (other than the one replaced) the draft would overlap, if any."""
    stored = db.session.scalars(
        select(Policy)
        .where(Policy.task_id == task.id)
        .options(selectinload(Policy.task), selectinload(Policy.site))
        .order_by(Policy.id)
    )
    values = draft.overlap_values()
    for policy in stored:
        if replacing is not None and policy.id == replacing.id:
            continue
        if policies_overlap(values, _overlap_values(policy)):
            return policy
    return None


def _apply_policy(policy: Policy, change: PolicyChange) -> None:
    draft = change.draft
    policy.task = change.task
    policy.site = change.site
    policy.job_levels = list(draft.job_levels)
    policy.authorized = draft.authorized
    policy.requires_credentials = list(draft.requires_credentials)
    policy.supervision = draft.supervision
    policy.competency_valid_months = draft.competency_valid_months
    policy.document = draft.document
    policy.effective_from = draft.effective_from
    policy.effective_to = draft.effective_to


def create_policy(draft: PolicyDraft, *, actor: Person) -> Policy:
    """Record a written policy for a task (refused if it overlaps or authorizes a reserved one)."""
    change = check_policy_change(draft)
    if change.problems:
        raise ChangeRefused(change.problems)
    policy = Policy()
    _apply_policy(policy, change)
    db.session.add(policy)
    db.session.flush()
    record_event("create", policy, after=snapshot(policy), actor=actor)
    return policy


def update_policy(policy: Policy, draft: PolicyDraft, *, actor: Person) -> bool:
    """Replace a policy's terms; False when nothing changed."""
    change = check_policy_change(draft, policy)
    if change.problems:
        raise ChangeRefused(change.problems)
    before = snapshot(policy)
    _apply_policy(policy, change)
    db.session.flush()
    after = snapshot(policy)
    if after == before:
        return False
    record_event("update", policy, before=before, after=after, actor=actor)
    return True


def check_end(policy: Policy, last_day: date) -> PolicyChange:
    """Ending a policy on ``last_day``: only ever shortens it (to lengthen it, edit it)."""
    draft = replace(draft_of(policy), effective_to=last_day)
    problems: dict[str, str] = {}
    if policy.effective_from is not None and last_day < policy.effective_from:
        problems["effective_to"] = (
            f"Must be on or after the day the policy took effect ({policy.effective_from})."
        )
    elif policy.effective_to is not None and last_day >= policy.effective_to:
        problems["effective_to"] = (
            f"The policy already ends on {policy.effective_to}; choose an earlier day, or "
            "edit the policy to extend it."
        )
    return PolicyChange(draft, policy, policy.task, policy.site, problems)


def end_policy(policy: Policy, last_day: date, *, actor: Person) -> None:
    """Set the policy's last day in effect (nothing is deleted)."""
    change = check_end(policy, last_day)
    if change.problems:
        raise ChangeRefused(change.problems)
    before = snapshot(policy)
    policy.effective_to = last_day
    db.session.flush()
    record_event("end", policy, before=before, after=snapshot(policy), actor=actor)


# --------------------------------------------------------------------------- policy pages


#: A column for assistants with no job level recorded.
NO_LEVEL = None


@dataclass
class PolicyMatrix:
    """Tasks × job levels: the policy in effect on ``day`` (at a site, or practice-wide)."""

    site: Site | None
    day: date
    tasks: list[Task]
    levels: list[str | None]
    cells: dict[tuple[str, str | None], PolicyFacts | None]

    def cell(self, task: Task, level: str | None) -> PolicyFacts | None:
        return self.cells[(task.code, level)]


def policy_matrix(site: Site | None, day: date) -> PolicyMatrix:
    """Each cell holds the policy the decision would pick (tracker.decision.rules)."""
    policies = [
        policy_facts(p)
        for p in db.session.scalars(
            select(Policy).options(selectinload(Policy.task), selectinload(Policy.site))
        )
    ]
    levels: list[str | None] = list(known_job_levels())
    unlevelled = db.session.scalar(
        select(Person.id)
        .where(
            Person.role == Role.assistant,
            Person.active.is_(True),
            Person.job_level.is_(None),
        )
        .limit(1)
    )
    if unlevelled is not None or not levels:
        levels.append(NO_LEVEL)
    tasks = sorted_tasks()
    site_code = site.code if site else None
    cells = {
        (task.code, level): select_policy(policies, task.code, level, site_code, day)
        for task in tasks
        for level in levels
    }
    return PolicyMatrix(site, day, tasks, levels, cells)


def policy_phase(policy: Policy, today: date) -> str:
    if policy.effective_from is not None and today < policy.effective_from:
        return "not yet in effect"
    if policy.effective_to is not None and today > policy.effective_to:
        return "ended"
    return "in effect"


PHASE_STYLE = {"in effect": "success", "not yet in effect": "info", "ended": "secondary"}


def policy_list(task_code: str | None = None) -> list[Policy]:
    """Every policy (past, present and future), by task, then practice-wide before sites."""
    query = select(Policy).options(selectinload(Policy.task), selectinload(Policy.site))
    if task_code:
        query = query.join(Policy.task).where(Task.code == task_code)
    policies = db.session.scalars(query).all()
    return sorted(
        policies,
        key=lambda p: (
            p.task.name.lower(),
            p.site.name if p.site else "",
            tuple(sorted(p.job_levels or ())),
            p.effective_from or date.min,
        ),
    )


# --------------------------------------------------------------------------- what-if


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
    """A competency whose expiry, worked out from the policy, the change would move."""

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
    #: Competencies with no expiry of their own whose derived expiry would move.
    expiries: list[ExpiryChange] = field(default_factory=list)


def _derived_expiries(book, cell_keys, now: datetime) -> dict:
    """(site, assistant, task, competency id) -> the expiry a decision now would use, for
    each validated competency with no expiry of its own."""
    out = {}
    for site, person, task in cell_keys:
        competencies = book.competencies.get((person.id, task.code), ())
        if not competencies:
            continue
        day = local_day(now, site.timezone)
        policy = select_policy(
            book.policies_by_task.get(task.code, ()), task.code, person.job_level, site.code, day
        )
        for comp in competencies:
            if comp.expires_on is None and comp.validated_on is not None:
                out[(site.code, person.email, task.code, comp.id)] = competency_expiry(comp, policy)
    return out


def _unmet(decision: Decision) -> tuple[str, ...]:
    return tuple(c.condition for c in decision.unmet)


def what_if(change: PolicyChange, now: datetime) -> WhatIf:
    """Decide planned delegations (next PREVIEW_DAYS days) and every site's matrix cells for
    the tasks the change touches, with the stored policies and with the proposed set."""
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

    planned = db.session.scalars(
        select(Delegation)
        .join(Delegation.task)
        .where(
            Delegation.status == DelegationStatus.planned,
            Delegation.scheduled_for >= now,
            Delegation.scheduled_for <= until,
            Task.code.in_([t.code for t in delegable]),
        )
        .options(
            selectinload(Delegation.assistant),
            selectinload(Delegation.delegated_by),
            selectinload(Delegation.task),
            selectinload(Delegation.site),
        )
        .order_by(Delegation.scheduled_for, Delegation.id)
    ).all()
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


def preview_policy_change(change: PolicyChange, now: datetime) -> WhatIf:
    """The what-if of a checked change; refused (like saving) when it has problems."""
    if change.problems:
        raise ChangeRefused(change.problems)
    return what_if(change, now)
