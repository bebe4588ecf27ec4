"""Verbs on state rules and the employer's written policy.

Every verb checks its change first and refuses it with problems keyed by form field (nothing
written); otherwise it changes the record and writes an audit event, with the actor it is
given, in the same transaction. The view commits. Reads are in ``tracker.policy.queries``,
the what-if preview in ``tracker.policy.what_if``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import record_event, snapshot
from tracker.catalog.models import Task
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.policy.overlap import describe_span, policies_overlap
from tracker.policy.queries import known_job_levels
from tracker.rule.rules import state_name
from tracker.rule.values import PolicyFacts, StateRuleFacts
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import check_one_line
from tracker.vocabulary import (
    US_STATES,
    RuleStatus,
    TaskKind,
)


def _reserved_words(task: Task, what: str) -> str:
    return (
        f"{task.name} is reserved for licensed providers in every state; {what} can make it "
        "delegable to a medical assistant."
    )


# --------------------------------------------------------------------------- state rules


#: A state rule as a writer proposes it: the rule's own facts, not yet stored (no id). One
#: declaration for both, so a field added to the rule is added to every writer's draft.
StateRuleDraft = StateRuleFacts


def _state_rule_problems(
    draft: StateRuleDraft, today: date, rule_id: int | None = None
) -> tuple[Task | None, Problems]:
    problems = Problems()
    if draft.state not in US_STATES:
        problems.add("state", f"{draft.state!r} is not a two-letter US state code.")
    task = db.session.scalar(select(Task).where(Task.code == draft.task))
    if task is None:
        problems.add("task", f"No task with code {draft.task!r}.")
    else:
        if task.kind == TaskKind.reserved and draft.status == RuleStatus.permitted:
            problems.add("status", _reserved_words(task, "no state rule"))
        existing = db.session.scalar(
            select(StateRule.id).where(StateRule.state == draft.state, StateRule.task_id == task.id)
        )
        if existing is not None and existing != rule_id:
            problems.add(
                "task",
                f"{state_name(draft.state)} already has a rule for {task.name}; edit that rule "
                "instead (one rule per state and task).",
            )
    if draft.verified_on is not None and draft.verified_on > today:
        problems.add("verified_on", f"Cannot be later than today ({today}).")
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
    problems.raise_any()
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
    problems.raise_any()
    before = snapshot(rule)
    _apply_rule(rule, draft)
    db.session.flush()
    after = snapshot(rule)
    if after == before:
        return False
    record_event("update", rule, before=before, after=after, actor=actor)
    return True


# --------------------------------------------------------------------------- policies


#: A policy as a writer proposes it (tasks and sites by code): the policy's own facts, not
#: yet stored (no id). One declaration for both, as for state rules.
PolicyDraft = PolicyFacts


def _overlap_values(policy: PolicyFacts) -> dict:
    """What the overlap rule reads of a policy (``tracker.policy.overlap``)."""
    return {
        "task": policy.task,
        "site": policy.site,
        "job_levels": list(policy.job_levels),
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
    }


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
    problems: Problems = field(default_factory=Problems)

    @property
    def refusal(self) -> Refused:
        """The problems as the refusal saving would raise."""
        return Refused(self.problems.items)

    def proposed_facts(self) -> PolicyFacts:
        return replace(self.draft, id=self.replacing.id if self.replacing else None)


def check_policy_change(draft: PolicyDraft, replacing: Policy | None = None) -> PolicyChange:
    """Resolve and check a new policy or a policy's new version (nothing written)."""
    draft = replace(draft, job_levels=_canonical_levels(draft.job_levels, known_job_levels()))
    problems = Problems()
    check_one_line(problems, document=draft.document)
    task = db.session.scalar(select(Task).where(Task.code == draft.task))
    if task is None:
        problems.add("task", f"No task with code {draft.task!r}.")
    site = None
    if draft.site is not None:
        site = db.session.scalar(select(Site).where(Site.code == draft.site))
        if site is None:
            problems.add("site", f"No site with code {draft.site!r}.")
    if task is not None and task.kind == TaskKind.reserved and draft.authorized:
        problems.add("authorized", _reserved_words(task, "no policy"))
    if (
        draft.effective_from is not None
        and draft.effective_to is not None
        and draft.effective_to < draft.effective_from
    ):
        problems.add(
            "effective_to", f"Must be on or after the effective-from date ({draft.effective_from})."
        )
    elif task is not None and "site" not in problems:
        clash = _overlapping(draft, task, replacing)
        if clash is not None:
            span = describe_span(_overlap_values(draft_of(clash)))
            problems.add(
                "effective_from",
                f"Overlaps {_policy_name(clash)} ({span}) for "
                "the same task, site and job levels; end that policy first or choose dates "
                "that do not overlap.",
            )
    return PolicyChange(draft, replacing, task, site, problems)


def _policy_name(policy: Policy) -> str:
    return f"the policy '{policy.document}'" if policy.document else "another policy"


def _overlapping(draft: PolicyDraft, task: Task, replacing: Policy | None) -> Policy | None:
    """A stored policy (other than the one replaced) the draft would overlap, if any."""
    stored = db.session.scalars(
        select(Policy)
        .where(Policy.task_id == task.id)
        .options(selectinload(Policy.task), selectinload(Policy.site))
        .order_by(Policy.id)
    )
    values = _overlap_values(draft)
    for policy in stored:
        if replacing is not None and policy.id == replacing.id:
            continue
        if policies_overlap(values, _overlap_values(draft_of(policy))):
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
    change.problems.raise_any()
    policy = Policy()
    _apply_policy(policy, change)
    db.session.add(policy)
    db.session.flush()
    record_event("create", policy, after=snapshot(policy), actor=actor)
    return policy


def update_policy(policy: Policy, draft: PolicyDraft, *, actor: Person) -> bool:
    """Replace a policy's terms; False when nothing changed."""
    change = check_policy_change(draft, policy)
    change.problems.raise_any()
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
    problems = Problems()
    if policy.effective_from is not None and last_day < policy.effective_from:
        problems.add(
            "effective_to",
            f"Must be on or after the day the policy took effect ({policy.effective_from}).",
        )
    elif policy.effective_to is not None and last_day >= policy.effective_to:
        problems.add(
            "effective_to",
            f"The policy already ends on {policy.effective_to}; choose an earlier day, or "
            "edit the policy to extend it.",
        )
    return PolicyChange(draft, policy, policy.task, policy.site, problems)


def end_policy(policy: Policy, last_day: date, *, actor: Person) -> None:
    """Set the policy's last day in effect (nothing is deleted)."""
    change = check_end(policy, last_day)
    change.problems.raise_any()
    before = snapshot(policy)
    policy.effective_to = last_day
    db.session.flush()
    record_event("end", policy, before=before, after=snapshot(policy), actor=actor)
