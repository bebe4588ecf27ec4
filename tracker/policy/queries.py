"""Reads of state rules and written policies that the policy pages share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.dates import add_months
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.rule.rules import STALE_RULE_MONTHS, select_policy, state_name
from tracker.rule.values import PolicyFacts
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import KIND_ORDER, Role, TaskKind


def policy_facts(policy: Policy) -> PolicyFacts:
    """A stored policy (ORM object, task and site loaded) as the rule's plain facts."""
    return PolicyFacts(
        task=policy.task.code,
        authorized=policy.authorized,
        supervision=policy.supervision,
        site=policy.site.code if policy.site else None,
        job_levels=tuple(policy.job_levels or ()),
        requires_credentials=tuple(policy.requires_credentials or ()),
        competency_valid_months=policy.competency_valid_months,
        document=policy.document or "",
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        id=policy.id,
    )


def sorted_tasks() -> list[Task]:
    """Every task of the catalog (built-in and the practice's own), by kind then name."""
    tasks = db.session.scalars(select(Task)).all()
    return sorted(tasks, key=lambda t: (KIND_ORDER[t.kind], t.name.lower()))


def sorted_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


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
    """Each cell holds the policy the decision would pick (tracker.rule.rules)."""
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
